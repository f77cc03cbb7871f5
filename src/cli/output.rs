//! How results reach the user: the JSON envelope for `--json`, or aligned text with colour on
//! a terminal (never with NO_COLOR). Data goes to stdout, diagnostics to stderr.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::Error;
use crate::model::Status;
use crate::ops::envelope::{Envelope, SCHEMA_VERSION};
use crate::ops::{Instructions, Outcome, Workspace};

/// Renders outcomes and errors in the mode the user asked for.
pub struct Printer<'w> {
    pub json: bool,
    pub style: Style,
    /// The project the command ran in, whose active session and mission the instructions of
    /// every envelope recall.
    workspace: Option<&'w Workspace>,
}

impl<'w> Printer<'w> {
    /// This printer, recalling `workspace`'s active session and mission in its envelopes.
    pub fn for_workspace<'a>(&self, workspace: &'a Workspace) -> Printer<'a> {
        Printer {
            json: self.json,
            style: self.style,
            workspace: Some(workspace),
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

    pub fn new(json: bool) -> Self {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var("TERM").map_or(true, |t| t != "dumb");
        Printer {
            json,
            style: Style { color },
            workspace: None,
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
            if let Some(workspace) = self.workspace {
                workspace.remind(&mut instructions);
            }
            print_json(&Envelope {
                schema_version: SCHEMA_VERSION,
                ok: true,
                data: Some(&outcome.data),
                warnings: outcome.warnings.clone(),
                error: None,
                instructions,
            });
            return;
        }
        let text = human(&outcome.data, &self.style);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.is_empty() && !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        for warning in &outcome.warnings {
            eprintln!("{} {warning}", self.style.yellow("warning:"));
        }
    }

    /// Prints an error: the envelope on stdout with `--json`, else a message and hint on
    /// stderr. `context` is where the project stands, when it could be read.
    pub fn error(&self, err: &Error, context: Option<Instructions>) {
        if self.json {
            print_json(&Envelope::failure(err, context));
            return;
        }
        let style = Style {
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        eprintln!("{} {err}", style.red("error:"));
        for problem in err.problems().unwrap_or_default() {
            eprintln!("  {problem}");
        }
        if let Some(hint) = err.hint() {
            eprintln!("  {} {hint}", style.dim("hint:"));
        }
    }
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
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
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
/// codes never upset the alignment. The last column is never padded.
pub fn table(rows: &[Vec<String>], paint: impl Fn(usize, usize, String) -> String) -> String {
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
