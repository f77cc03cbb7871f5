//! How results reach the user: the JSON envelope for `--json`, or aligned text with colour on
//! a terminal (one rule, `colour_wanted`, for stdout and stderr). Data goes to stdout,
//! diagnostics to stderr.
//!
//! Every byte of human output passes through `Style::finish` on its way out, which escapes
//! what a terminal would obey rather than show (`model::text::escape_text`: ESC as `\e`, other
//! controls and bidirectional overrides as `\u{..}`, newlines and tabs kept). Record text comes
//! from the branch and from imports, which anyone with push access writes, so it is escaped
//! here, in one place, rather than wherever a command happens to print a name. Our own colour
//! codes survive because `Style` writes them as a marker holding a random key, which record
//! text cannot guess, and `finish` turns the markers into ESC sequences after escaping. JSON is
//! printed exactly (serde escapes control characters itself).

use std::cell::OnceCell;
use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::names::CliNames;

mod stream;
use crate::error::Error;
use crate::model::Status;
use crate::model::text::{escape_line, escape_text};
use crate::ops::envelope::{self, Envelope, SCHEMA_VERSION, ShownInstructions, collapse_warnings};
use crate::ops::{Instructions, Outcome, Workspace};

/// Renders outcomes and errors in the mode the user asked for.
pub struct Printer<'w> {
    pub json: bool,
    pub style: Style,
    /// The project the command runs in, once opened: the instructions of every envelope
    /// recall its active session and mission.
    workspace: Option<&'w OnceCell<Workspace>>,
}

impl<'w> Printer<'w> {
    /// A printer whose envelopes recall `workspace`'s context once it is opened.
    pub fn new(json: bool, style: Style, workspace: Option<&'w OnceCell<Workspace>>) -> Self {
        Printer {
            json,
            style,
            workspace,
        }
    }

    /// The same printer in JSON mode, for a command asked for `--format json`.
    pub fn as_json(&self) -> Printer<'w> {
        Printer {
            json: true,
            style: self.style,
            workspace: self.workspace,
        }
    }

    /// Prints an outcome: the envelope with `--json`, else `human` text and warnings.
    pub fn outcome<T: Serialize>(
        &self,
        outcome: &Outcome<T>,
        human: impl FnOnce(&T, &Style) -> String,
    ) {
        if self.json {
            let mut instructions = outcome.instructions.clone();
            if let Some(workspace) = self.workspace.and_then(OnceCell::get) {
                workspace.remind(&mut instructions);
            }
            print_json(&Envelope {
                schema_version: SCHEMA_VERSION,
                ok: true,
                data: Some(&outcome.data),
                warnings: collapse_warnings(&outcome.warnings, &CliNames),
                error: None,
                instructions: ShownInstructions::new(instructions, &CliNames),
            });
            return;
        }
        let text = self.style.finish(&human(&outcome.data, &self.style));
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.is_empty() && !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        for warning in &collapse_warnings(&outcome.warnings, &CliNames) {
            let line = format!("{} {}", self.style.yellow("warning:"), escape_line(warning));
            eprintln!("{}", self.style.finish(&line));
        }
    }

    /// Prints an error: the envelope on stdout with `--json`, else a message and hint on
    /// stderr. `context` is where the project stands, when it could be read.
    pub fn error(&self, err: &Error, context: Option<Instructions>) {
        if self.json {
            print_json(&Envelope::failure(err, context, &CliNames));
            return;
        }
        let style = Style::new(colour_wanted(&std::io::stderr()));
        // Messages quote ids, names and paths from the branch: escaped like everything else.
        let mut text = format!(
            "{} {}\n",
            style.red("error:"),
            escape_text(&err.to_string())
        );
        for problem in err.problems().unwrap_or_default() {
            text.push_str(&format!("  {}\n", escape_line(&problem.to_string())));
        }
        // The hint names the flags to pass and the commands to run, as the CLI spells them.
        if let Some(hint) = envelope::hint(err, &CliNames) {
            text.push_str(&format!(
                "  {} {}\n",
                style.dim("hint:"),
                escape_text(&hint)
            ));
        }
        eprint!("{}", style.finish(&text));
    }
}

/// Whether text written to `stream` should be coloured: only on a terminal, never with
/// NO_COLOR set to anything but the empty string (no-color.org), never on a dumb terminal.
/// The one rule for every stream, so an error and the output before it agree.
pub fn colour_wanted(stream: &impl IsTerminal) -> bool {
    stream.is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

fn print_json(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    // The envelope holds only serializable data and strings; writing to stdout may fail
    // (a closed pipe), and then there is no one left to tell.
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = out.write_all(b"\n");
}

/// ANSI styling that collapses to plain text when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// The random part of the marker that stands for ESC `[` until `finish`, so that only the
    /// codes this style wrote become escape sequences (record text cannot know the key).
    key: u64,
}

impl Style {
    pub fn new(color: bool) -> Style {
        // A process-wide random key; without the OS's randomness the time and process id
        // still make it unknowable to whoever wrote the branch beforehand.
        let key = if color {
            getrandom::u64().unwrap_or_else(|_| {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                nanos ^ (u64::from(std::process::id()) << 32)
            })
        } else {
            0
        };
        Style { color, key }
    }

    /// The stand-in for ESC `[` in painted text: private-use characters around the key.
    fn marker(&self) -> String {
        format!("\u{e000}{:016x}\u{e001}", self.key)
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            let mark = self.marker();
            format!("{mark}{code}m{text}{mark}0m")
        } else {
            text.to_string()
        }
    }

    /// Text ready for the terminal: every terminal control in it escaped (newlines and tabs
    /// kept), then this style's own colour markers turned into escape sequences.
    pub fn finish(&self, text: &str) -> String {
        let escaped = escape_text(text);
        if self.color {
            escaped.replace(&self.marker(), "\x1b[")
        } else {
            escaped.into_owned()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
    pub fn red(&self, text: &str) -> String {
        self.paint("31", text)
    }
    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }
    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
    pub fn cyan(&self, text: &str) -> String {
        self.paint("36", text)
    }

    /// A status word in its colour, padded to `width` visible characters.
    pub fn status(&self, status: Status, width: usize) -> String {
        let text = format!("{:<width$}", status.as_str());
        match status {
            Status::InProgress => self.cyan(&text),
            Status::Current => self.green(&text),
            Status::Blocked => self.red(&text),
            Status::Deferred => self.yellow(&text),
            Status::Completed | Status::Dropped => self.dim(&text),
            Status::Queued => text,
        }
    }
}

/// Lays out rows as aligned columns; `paint` may colour a cell after it is padded, so colour
/// codes never upset the alignment. The last column is never padded. A cell is one line: a
/// newline or other control character in it is escaped, so no record can add a row.
pub fn table(rows: &[Vec<String>], paint: impl Fn(usize, usize, String) -> String) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| escape_line(cell).into_owned())
                .collect()
        })
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let padded = if c + 1 == row.len() {
                    cell.clone()
                } else {
                    format!("{cell:<width$}", width = widths[c])
                };
                paint(r, c, padded)
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Text for an optional value in a table.
pub fn or_dash(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_styles_own_colour_codes_reach_the_terminal() {
        let style = Style::new(true);
        let hostile = "name\u{1b}[2J\u{9b}H";
        let text = format!("{} {}\n", style.bold("B1"), hostile);
        let shown = style.finish(&text);
        assert_eq!(shown, "\u{1b}[1mB1\u{1b}[0m name\\e[2J\\u{9b}H\n");
        // A forged marker with another key stays text.
        let forged = Style::new(true).marker() + "2J";
        assert!(!style.finish(&forged).contains('\u{1b}'));
        let plain = Style::new(false);
        let text = format!("{} {}\n", plain.bold("B1"), hostile);
        assert_eq!(plain.finish(&text), "B1 name\\e[2J\\u{9b}H\n");
    }

    #[test]
    fn table_cells_stay_on_one_line() {
        let rows = vec![
            vec!["ID".to_string(), "NAME".to_string()],
            vec!["B1".to_string(), "two\nlines\r".to_string()],
        ];
        assert_eq!(table(&rows, |_, _, c| c), "ID  NAME\nB1  two\\nlines\\r\n");
    }
}
