//! A list printed row by row as the operation hands the rows over: the first row is out at
//! once and nothing holds every formatted row. With `--json` the envelope is the one
//! `Printer::outcome` prints (the same keys, order and layout), written a row at a time.

use std::io::{StdoutLock, Write};

use serde::Serialize;
use serde_json::Value;

use super::{CliNames, Envelope, Printer, SCHEMA_VERSION, ShownInstructions, Style};
use crate::model::text::escape_line;
use crate::ops::Outcome;
use crate::ops::envelope::collapse_warnings;

/// Rows on their way to stdout.
pub struct Rows<'p, 'w> {
    printer: &'p Printer<'w>,
    out: StdoutLock<'static>,
    count: usize,
}

impl<'w> Printer<'w> {
    /// Starts a list printed as its rows come.
    pub fn rows(&self) -> Rows<'_, 'w> {
        Rows {
            printer: self,
            out: std::io::stdout().lock(),
            count: 0,
        }
    }
}

impl Rows<'_, '_> {
    /// One row: its JSON, or its text from `human` (told whether it is the first row, to
    /// put a header above it). A closed pipe ends nothing here: the operation finishes.
    pub fn row<R: Serialize>(&mut self, row: &R, human: impl FnOnce(bool, &Style) -> String) {
        let first = self.count == 0;
        self.count += 1;
        let printer = self.printer;
        if printer.json {
            if first {
                let _ = self.out.write_all(
                    format!("{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"ok\": true,\n  \"data\": [\n")
                        .as_bytes(),
                );
            } else {
                let _ = self.out.write_all(b",\n");
            }
            let text = serde_json::to_string_pretty(row).unwrap_or_default();
            let indented: Vec<String> = text.lines().map(|l| format!("    {l}")).collect();
            let _ = self.out.write_all(indented.join("\n").as_bytes());
            return;
        }
        let text = printer.style.finish(&human(first, &printer.style));
        let _ = self.out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = self.out.write_all(b"\n");
        }
    }

    /// Ends the list: with `--json`, the rest of the envelope (and `extra` keys after
    /// `data`); as text, `empty` when there was no row, then the warnings on stderr.
    pub fn finish<T>(mut self, outcome: &Outcome<T>, extra: &[(&str, Value)], empty: &str) {
        let printer = self.printer;
        let warnings = collapse_warnings(&outcome.warnings, &CliNames);
        if printer.json {
            if self.count == 0 {
                let _ = self.out.write_all(
                    format!("{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"ok\": true,\n  \"data\": [")
                        .as_bytes(),
                );
            } else {
                let _ = self.out.write_all(b"\n  ");
            }
            let _ = self.out.write_all(b"]");
            let mut instructions = outcome.instructions.clone();
            if let Some(workspace) = printer.workspace.and_then(|w| w.get()) {
                workspace.remind(&mut instructions);
            }
            // The envelope's other keys as `outcome` prints them, after the rows.
            let rest = Envelope::<()> {
                schema_version: SCHEMA_VERSION,
                ok: true,
                data: None,
                warnings,
                error: None,
                instructions: ShownInstructions::new(instructions, &CliNames),
            };
            let mut tail = serde_json::to_value(&rest).unwrap_or_default();
            let mut keys = serde_json::Map::new();
            for (key, value) in extra {
                keys.insert((*key).to_string(), value.clone());
            }
            for key in ["warnings", "error", "instructions"] {
                keys.insert(key.into(), tail[key].take());
            }
            let text = serde_json::to_string_pretty(&Value::Object(keys)).unwrap_or_default();
            let inner = text
                .strip_prefix("{\n")
                .and_then(|t| t.strip_suffix("\n}"))
                .unwrap_or_default();
            let _ = self.out.write_all(b",\n");
            let _ = self.out.write_all(inner.as_bytes());
            let _ = self.out.write_all(b"\n}\n");
            return;
        }
        if self.count == 0 {
            let _ = self.out.write_all(printer.style.finish(empty).as_bytes());
        }
        for warning in &warnings {
            let line = format!(
                "{} {}",
                printer.style.yellow("warning:"),
                escape_line(warning)
            );
            eprintln!("{}", printer.style.finish(&line));
        }
    }
}
