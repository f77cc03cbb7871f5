//! Moving a project's memory into cmos and out again: importers for the original CMOS (its
//! SQLite database, backlog.yaml, SESSIONS.jsonl, context files) and for peer tools (Beads,
//! Backlog.md, task-master), and exporters that write the original's files back.
//!
//! Every importer reads its source into a [`Batch`] of cmos records plus notes on what it had
//! to map, keep verbatim or leave out; [`stage_batch`] stages the batch for the one commit
//! the import operation writes.

mod apply;
pub mod backlog;
pub mod contexts;
pub mod dump;
pub mod export;
mod legacy;
mod limits;
pub mod mission_file;
mod packed;
pub mod peers;
mod report;
pub mod sessions_log;
pub mod sqlite;
pub mod values;
pub mod yaml;

use std::path::Path;

pub use apply::{Progress, Staged, Target, prepare, report_of, stage_batch};
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
    /// The `extra` tables of `missions` once [`prepare`] packed them (as text, by position):
    /// until then empty, and the tables are in the missions.
    pub extras: packed::Extras,
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

/// The formats an import reads. Front-ends name them by [`Format::name`] and describe them
/// with [`Format::about`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    CmosSqlite,
    Backlog,
    Sessions,
    Contexts,
    Beads,
    BacklogMd,
    TaskMaster,
    Dump,
}

impl Format {
    /// Every format, in the order a list of them shows.
    pub const ALL: [Format; 8] = [
        Format::CmosSqlite,
        Format::Backlog,
        Format::Sessions,
        Format::Contexts,
        Format::Beads,
        Format::BacklogMd,
        Format::TaskMaster,
        Format::Dump,
    ];

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

    /// What the format is and which file (or directory) holds it, in a line.
    pub fn about(self) -> &'static str {
        match self {
            Format::CmosSqlite => {
                "The original CMOS's database, cmos/db/cmos.sqlite (any schema version)"
            }
            Format::Backlog => {
                "The original's backlog.yaml (its export, or a hand-written mission file)"
            }
            Format::Sessions => "The original's SESSIONS.jsonl",
            Format::Contexts => {
                "PROJECT_CONTEXT.json and MASTER_CONTEXT.json (files, or a directory holding them)"
            }
            Format::Beads => "Beads issues: .beads/issues.jsonl or the output of `bd export`",
            Format::BacklogMd => "Backlog.md: the backlog/ directory of task files",
            Format::TaskMaster => {
                "The tasks.json of task-master (.taskmaster/tasks/tasks.json), every tag"
            }
            Format::Dump => "A directory a full export wrote, read back losslessly",
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

/// The most one imported file may hold. The original's largest files (a SQLite database of
/// years of sessions) are tens of megabytes; a file past this is not a project's memory, and
/// reading it whole would only exhaust memory.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The regular files under `root`, by path relative to it (with `/`), sorted. Symbolic links
/// are not followed and, like FIFOs, devices and sockets, are left out with a note in
/// `notes`: a directory someone else wrote may point anywhere, and a FIFO would block the
/// import forever. Entries that cannot be read are noted the same way.
pub(crate) fn files_under(root: &Path, notes: &mut Notes) -> Vec<(String, std::path::PathBuf)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let what = e.path().unwrap_or(root).display().to_string();
                notes.skipped(format!("entry that cannot be read ({e})"), &what);
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        if kind.is_file() {
            files.push((relative, entry.into_path()));
        } else {
            notes.skipped(
                format!("{}, not a regular file; not read", file_kind(&kind)),
                &relative,
            );
        }
    }
    files.sort();
    files
}

/// Reads a whole file, saying which one could not be read. Only a regular file is read (a
/// symbolic link the user named is followed to one), and at most [`MAX_FILE_BYTES`], read
/// through a limit so that a file growing meanwhile cannot pass it.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>> {
    read_capped(path, MAX_FILE_BYTES)
}

fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |source| Error::Io {
        context: format!("cannot read {}", path.display()),
        source,
    };
    let regular = |meta: &std::fs::Metadata| -> Result<()> {
        if meta.is_file() {
            return Ok(());
        }
        Err(Error::InvalidInput(format!(
            "{} is {}, not a regular file; nothing was imported. Name the file to import",
            path.display(),
            file_kind(&meta.file_type())
        )))
    };
    // Checked before opening: opening a FIFO blocks until a writer comes.
    regular(&std::fs::metadata(path).map_err(io)?)?;
    let file = std::fs::File::open(path).map_err(io)?;
    // And again on what was opened, in case the path changed in between.
    regular(&file.metadata().map_err(io)?)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(Error::InvalidInput(format!(
            "{} is larger than {}, the most cmos imports from one file; nothing was imported. Is it the right file?",
            path.display(),
            if cap >= 1024 * 1024 {
                format!("{} MiB", cap / (1024 * 1024))
            } else {
                format!("{cap} bytes")
            }
        )));
    }
    Ok(bytes)
}

/// What a file type is, in words, for messages.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_socket() {
        "a socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "a device"
    } else if kind.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_cap_is_refused_not_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, vec![b'x'; 1001]).unwrap();
        let err = read_capped(&path, 1000).unwrap_err().to_string();
        assert!(err.contains("larger than 1000 bytes"), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        std::fs::write(&path, vec![b'x'; 1000]).unwrap();
        assert_eq!(read_capped(&path, 1000).unwrap().len(), 1000);
    }

    #[test]
    fn a_directory_walk_notes_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tasks")).unwrap();
        std::fs::write(dir.path().join("tasks/a.md"), "a").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("tasks/b.md")).unwrap();
        let mut notes = Notes::default();
        let files = files_under(dir.path(), &mut notes);
        let names: Vec<&str> = files.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(names, ["tasks/a.md"]);
        let skipped = notes.into_report(String::new(), "test").skipped;
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(
            skipped[0]
                .what
                .contains("a symbolic link, not a regular file")
        );
        assert_eq!(skipped[0].examples, ["tasks/b.md"]);
    }
}
