//! Moving a project's memory into cmos and out again: importers for the original CMOS (its
//! SQLite database, backlog.yaml, SESSIONS.jsonl, context files) and for peer tools (Beads,
//! Backlog.md, task-master), and exporters that write the original's files back.
//!
//! Every importer reads its source into a [`Batch`] of cmos records plus notes on what it had
//! to map, keep verbatim or leave out; [`apply`] writes the batch as one commit.

mod apply;
pub mod backlog;
pub mod contexts;
pub mod dump;
pub mod export;
mod legacy;
mod limits;
pub mod peers;
mod report;
pub mod sessions_log;
pub mod sqlite;
pub mod values;
mod yaml;

use std::path::Path;

pub use apply::{Progress, apply};
pub use report::{Notes, Report, Tally};

use crate::error::{Error, Result};
use crate::model::{DepType, Event, Item, Mission, Project, Session, Sprint, fnv1a};

/// The records an import will write, and its notes so far.
#[derive(Debug, Default)]
pub struct Batch {
    /// The format read, e.g. `cmos-sqlite`.
    pub format: &'static str,
    /// The source as the user named it.
    pub source: String,
    /// The source's file name, for the commit message and the event.
    pub source_name: String,
    /// The name of this import's log shards, `import-<format>-<hash of the file name>`.
    pub tag: String,
    /// For a repository without a project yet.
    pub project_name: Option<String>,
    pub project_description: Option<String>,
    /// The project record itself, from a dump.
    pub project: Option<Project>,
    pub sprints: Vec<Sprint>,
    /// Missions without their links, which are added after every mission is known.
    pub missions: Vec<Mission>,
    pub links: Vec<Link>,
    pub sessions: Vec<Session>,
    pub items: Vec<Item>,
    pub events: Vec<Event>,
    /// Verbatim files under `.cmos/legacy/` (path, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    pub notes: Notes,
}

/// A dependency to add once both missions exist: `from <kind> to`.
#[derive(Debug, Clone)]
pub struct Link {
    pub from: String,
    pub to: String,
    pub kind: DepType,
    /// The type as the source wrote it.
    pub raw_type: String,
    /// Kept on the link, e.g. the original type when it was mapped.
    pub extra: toml::Table,
}

impl Batch {
    /// An empty batch for `source` read as `format`.
    pub fn new(format: &'static str, source: &Path) -> Batch {
        let source_name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| source.display().to_string());
        let tag = format!(
            "import-{format}-{:08x}",
            fnv1a(source_name.as_bytes()) as u32
        );
        Batch {
            format,
            source: source.display().to_string(),
            source_name,
            tag,
            ..Batch::default()
        }
    }

    /// How many records the batch holds, for progress.
    pub fn len(&self) -> usize {
        self.sprints.len()
            + self.missions.len()
            + self.links.len()
            + self.sessions.len()
            + self.items.len()
            + self.events.len()
            + self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps the lines of a JSON Lines source that are not JSON, verbatim with their line
    /// numbers, in `.cmos/legacy/<format>/<file>.unparsed`.
    pub fn keep_unparsed(&mut self, notes: &mut Notes, unparsed: &[(usize, String)]) {
        if unparsed.is_empty() {
            return;
        }
        let name = format!("{}.unparsed", self.source_name);
        let mut kept = String::new();
        for (line, text) in unparsed {
            notes.kept_raw(
                format!(
                    "line that is not JSON, kept verbatim in .cmos/legacy/{}/{name}",
                    self.format
                ),
                &format!("line {line}"),
            );
            kept.push_str(&format!("{line}\t{text}\n"));
        }
        self.keep_file(&name, kept.into_bytes());
    }

    /// A verbatim file under `.cmos/legacy/<format>/`.
    pub fn keep_file(&mut self, name: &str, bytes: Vec<u8>) {
        self.files
            .push((format!(".cmos/legacy/{}/{name}", self.format), bytes));
    }
}

/// The formats `cmos import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The original CMOS's database, cmos/db/cmos.sqlite (any schema version).
    CmosSqlite,
    /// The original's backlog.yaml (its export, or a hand-written mission file).
    Backlog,
    /// The original's SESSIONS.jsonl.
    Sessions,
    /// PROJECT_CONTEXT.json and MASTER_CONTEXT.json (files, or a directory holding them).
    Contexts,
    /// Beads issues: .beads/issues.jsonl or the output of `bd export`.
    Beads,
    /// Backlog.md: the backlog/ directory of task files.
    BacklogMd,
    /// The tasks.json of task-master (.taskmaster/tasks/tasks.json), every tag.
    TaskMaster,
    /// A directory written by `cmos export all`, read back losslessly.
    Dump,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::CmosSqlite => "cmos-sqlite",
            Format::Backlog => "backlog",
            Format::Sessions => "sessions",
            Format::Contexts => "contexts",
            Format::Beads => "beads",
            Format::BacklogMd => "backlog-md",
            Format::TaskMaster => "task-master",
            Format::Dump => "dump",
        }
    }
}

/// Reads `paths` as `format` into a batch. A source that cannot be read at all is an error;
/// bad records inside a readable source are notes.
pub fn read(format: Format, paths: &[std::path::PathBuf]) -> Result<Batch> {
    let first = paths
        .first()
        .ok_or_else(|| Error::InvalidInput("name the file to import".into()))?;
    if format != Format::Contexts && paths.len() > 1 {
        return Err(Error::InvalidInput(format!(
            "import {} reads one file; import the others one by one",
            format.name()
        )));
    }
    for path in paths {
        if !path.exists() {
            return Err(Error::InvalidInput(format!(
                "{} does not exist: name the file to import",
                path.display()
            )));
        }
    }
    match format {
        Format::CmosSqlite => sqlite::read(first),
        Format::Backlog => backlog::read(first),
        Format::Sessions => sessions_log::read(first),
        Format::Contexts => contexts::read(paths),
        Format::Beads => peers::beads(first),
        Format::BacklogMd => peers::backlog_md(first),
        Format::TaskMaster => peers::task_master(first),
        Format::Dump => dump::read(first),
    }
}

/// The files under `root`, by path relative to it (with `/`), sorted.
pub(crate) fn files_under(root: &Path) -> Vec<(String, std::path::PathBuf)> {
    let mut files: Vec<(String, std::path::PathBuf)> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| {
            let relative = e.path().strip_prefix(root).ok()?;
            Some((relative.to_string_lossy().replace('\\', "/"), e.into_path()))
        })
        .collect();
    files.sort();
    files
}

/// Reads a whole file, saying which one could not be read.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| Error::Io {
        context: format!("cannot read {}", path.display()),
        source,
    })
}
