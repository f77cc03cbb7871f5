//! What an import did: records written, records already there, and every value it had to
//! map, keep verbatim or leave out, with the reason and a few examples.

use std::collections::BTreeMap;

use serde::Serialize;

/// How many examples of one kind of note a report names.
const EXAMPLES: usize = 3;

/// The result of one import.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    /// The file or directory imported.
    pub source: String,
    /// What it was read as: `cmos-sqlite`, `backlog`, `sessions`, `contexts`, `beads`, ...
    pub format: String,
    /// Records written by this import, by kind.
    pub imported: BTreeMap<String, usize>,
    /// Records the branch already had (an earlier run of this import, or the same record
    /// from another source), left as they are.
    pub already_present: BTreeMap<String, usize>,
    /// Values changed into cmos's vocabulary or form; the original is kept beside them
    /// where the change loses anything.
    pub mapped: Vec<Tally>,
    /// Values cmos has no field for, kept verbatim in the record's `legacy` table or under
    /// `.cmos/legacy/`.
    pub kept_raw: Vec<Tally>,
    /// What was not imported, and why.
    pub skipped: Vec<Tally>,
    /// The commit that holds the import; None when nothing was new.
    pub commit: Option<String>,
}

/// One kind of note, how often it came up, and where.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tally {
    pub what: String,
    pub count: usize,
    pub examples: Vec<String>,
}

/// Collects notes while a source is read; notes of one kind are counted together.
#[derive(Debug, Default)]
pub struct Notes {
    mapped: BTreeMap<String, Tally>,
    kept_raw: BTreeMap<String, Tally>,
    skipped: BTreeMap<String, Tally>,
}

impl Notes {
    /// A value of `record` changed into cmos's form, e.g. `mission status "completed" → Completed`.
    pub fn mapped(&mut self, what: impl Into<String>, record: &str) {
        add(&mut self.mapped, what.into(), record);
    }

    /// A value of `record` cmos has no field for, kept verbatim.
    pub fn kept_raw(&mut self, what: impl Into<String>, record: &str) {
        add(&mut self.kept_raw, what.into(), record);
    }

    /// Something of `record` that was not imported, and why.
    pub fn skipped(&mut self, what: impl Into<String>, record: &str) {
        add(&mut self.skipped, what.into(), record);
    }

    /// Adds the notes of `other` to these.
    pub fn absorb(&mut self, other: Notes) {
        for (mine, theirs) in [
            (&mut self.mapped, other.mapped),
            (&mut self.kept_raw, other.kept_raw),
            (&mut self.skipped, other.skipped),
        ] {
            for (what, tally) in theirs {
                match mine.get_mut(&what) {
                    Some(known) => {
                        known.count += tally.count;
                        for e in tally.examples {
                            if known.examples.len() < EXAMPLES {
                                known.examples.push(e);
                            }
                        }
                    }
                    None => {
                        mine.insert(what, tally);
                    }
                }
            }
        }
    }

    /// The notes, in the report's order.
    pub fn into_report(self, source: String, format: &str) -> Report {
        Report {
            source,
            format: format.to_string(),
            mapped: self.mapped.into_values().collect(),
            kept_raw: self.kept_raw.into_values().collect(),
            skipped: self.skipped.into_values().collect(),
            ..Report::default()
        }
    }
}

fn add(notes: &mut BTreeMap<String, Tally>, what: String, record: &str) {
    let tally = notes.entry(what.clone()).or_insert_with(|| Tally {
        what,
        count: 0,
        examples: Vec::new(),
    });
    tally.count += 1;
    if tally.examples.len() < EXAMPLES && !tally.examples.iter().any(|e| e == record) {
        tally.examples.push(record.to_string());
    }
}

impl Report {
    /// The report as text for people: totals first, then each kind of note.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let total: usize = self.imported.values().sum();
        let counts = |map: &BTreeMap<String, usize>| {
            map.iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!("Imported {} ({}):", self.source, self.format));
        if total == 0 {
            out.push_str(" nothing new\n");
        } else {
            out.push_str(&format!(" {}\n", counts(&self.imported)));
        }
        if !self.already_present.is_empty() {
            out.push_str(&format!(
                "Already on the branch, left as they are: {}\n",
                counts(&self.already_present)
            ));
        }
        for (title, tallies) in [
            ("Mapped", &self.mapped),
            ("Kept verbatim", &self.kept_raw),
            ("Skipped", &self.skipped),
        ] {
            if tallies.is_empty() {
                continue;
            }
            out.push_str(&format!("{title}:\n"));
            for tally in tallies {
                out.push_str(&format!(
                    "  {:>5} × {} (e.g. {})\n",
                    tally.count,
                    tally.what,
                    tally.examples.join(", ")
                ));
            }
        }
        match &self.commit {
            Some(commit) => out.push_str(&format!(
                "One commit: {}\n",
                crate::model::text::short_hash(commit)
            )),
            None => out.push_str("No commit: the branch already had all of it\n"),
        }
        out
    }
}
