//! `cmos import` and `cmos export`, with a progress bar for long imports on a terminal.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::builder::PossibleValue;
use clap::{Args, Subcommand, ValueEnum};

use super::output::Printer;
use crate::error::{Error, Result};
use crate::migrate::Format;
use crate::next::Input;
use crate::ops::Workspace;
use crate::ops::migrate::{self, Export, Exported};

// `cmos import`: its help is on `cli::Command::Import`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(value_enum)]
    pub format: ImportFormat,
    /// The file (or for contexts, backlog-md and dump, the directory) to read.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// The formats `cmos import` reads, as the command line names and describes them (the names
/// and descriptions are the library's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportFormat(pub Format);

/// Every format, in the library's order, for clap.
const IMPORT_FORMATS: [ImportFormat; Format::ALL.len()] = {
    let mut all = [ImportFormat(Format::Dump); Format::ALL.len()];
    let mut i = 0;
    while i < all.len() {
        all[i] = ImportFormat(Format::ALL[i]);
        i += 1;
    }
    all
};

impl ValueEnum for ImportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &IMPORT_FORMATS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.name()).help(self.0.about()))
    }
}

// `cmos export`: its help is on `cli::Command::Export`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum ExportCommand {
    /// backlog.yaml as the original wrote it: sprints, missions, dependencies.
    Backlog(ExportArgs),
    /// SESSIONS.jsonl: imported lines as they were, cmos's own events in the original's shape.
    Sessions(ExportArgs),
    /// PROJECT_CONTEXT.json and MASTER_CONTEXT.json (into --out DIR, or printed as one object).
    Contexts(ExportArgs),
    /// All of the above into --out DIR, plus dump/ for `cmos import dump DIR`. Without --out,
    /// as cmosctl did: backlog.yaml to cmos/missions/ and SESSIONS.jsonl to cmos/.
    All(ExportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write here (a file; a directory for contexts and all) instead of printing.
    #[arg(short = 'o', long, visible_alias = "output", value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Replace files that exist.
    #[arg(long)]
    pub overwrite: bool,
    /// cmosctl's backlog template: refused, saying what to do instead.
    #[arg(short = 't', long, hide = true, value_name = "PATH")]
    pub template: Option<PathBuf>,
}

/// Where cmosctl's `export all` wrote the original's two files when given no paths.
const CMOSCTL_BACKLOG: &str = "cmos/missions/backlog.yaml";
const CMOSCTL_SESSIONS: &str = "cmos/SESSIONS.jsonl";

pub fn run_import(ws: &Workspace, args: ImportArgs, printer: &Printer) -> Result<()> {
    let mut bar = Bar::new(!printer.json && std::io::stderr().is_terminal());
    let mut progress = |what: &str, done: usize, total: usize| bar.draw(what, done, total);
    let outcome = migrate::import(ws, args.format.0, &args.paths, &mut progress);
    bar.finish();
    printer.outcome(&outcome?, |report, _| report.render());
    Ok(())
}

pub fn run_export(ws: &Workspace, cmd: ExportCommand, printer: &Printer) -> Result<()> {
    let (what, args) = match cmd {
        ExportCommand::Backlog(a) => (Export::Backlog, a),
        ExportCommand::Sessions(a) => (Export::Sessions, a),
        ExportCommand::Contexts(a) => (Export::Contexts, a),
        ExportCommand::All(a) => (Export::All, a),
    };
    if let Some(template) = &args.template {
        return Err(super::original::no_template(template));
    }
    let outcome = match (what, &args.out) {
        (Export::All, None) => cmosctl_all(ws, args.overwrite)?,
        (what, out) => migrate::export(ws, what, out.as_deref(), args.overwrite)?,
    };
    printer.outcome(&outcome, |e, _| match &e.text {
        Some(text) => text.clone(),
        None => e.files.iter().map(|f| format!("Wrote {f}\n")).collect(),
    });
    Ok(())
}

/// cmosctl's `export all`: the backlog and the sessions at the paths it wrote them to. Both
/// paths are checked before either file is written, so a refusal writes nothing.
fn cmosctl_all(ws: &Workspace, overwrite: bool) -> Result<crate::ops::Outcome<Exported>> {
    let files = [
        (Export::Backlog, Path::new(CMOSCTL_BACKLOG)),
        (Export::Sessions, Path::new(CMOSCTL_SESSIONS)),
    ];
    if !overwrite && let Some((_, taken)) = files.iter().find(|(_, p)| p.exists()) {
        return Err(Error::InvalidInput(format!(
            "{} exists: pass --overwrite to replace it (and {}), or name a directory to export \
             into with --out DIR",
            taken.display(),
            if *taken == Path::new(CMOSCTL_BACKLOG) {
                CMOSCTL_SESSIONS
            } else {
                CMOSCTL_BACKLOG
            }
        ))
        .needs(&[Input::Overwrite, Input::Out]));
    }
    let mut written = Vec::new();
    let mut last = None;
    for (what, path) in files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let outcome = migrate::export(ws, what, Some(path), overwrite)?;
        written.extend(outcome.data.files.iter().cloned());
        last = Some(outcome);
    }
    let mut outcome = last.expect("two files");
    outcome.data.files = written;
    Ok(outcome)
}

/// A one-line progress bar on stderr, drawn only on a terminal and only for imports long
/// enough to need one.
struct Bar {
    enabled: bool,
    drawn: bool,
}

impl Bar {
    /// Below this many records an import is over before a bar could be read.
    const MIN_TOTAL: usize = 500;
    const WIDTH: usize = 30;

    fn new(enabled: bool) -> Bar {
        Bar {
            enabled,
            drawn: false,
        }
    }

    fn draw(&mut self, what: &str, done: usize, total: usize) {
        if !self.enabled || total < Self::MIN_TOTAL {
            return;
        }
        let filled = Self::WIDTH * done / total.max(1);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {done}/{total} {what:<12}",
            "#".repeat(filled),
            " ".repeat(Self::WIDTH - filled)
        );
        let _ = err.flush();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            let _ = write!(
                std::io::stderr().lock(),
                "\r{}\r",
                " ".repeat(Self::WIDTH + 40)
            );
        }
    }
}
