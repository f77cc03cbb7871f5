//! `cmos db ...`: the original CMOS's database commands over the cmos branch (show, export,
//! export-missions, init, import), and `mission register`, which reads what export-missions
//! writes. cmos has no database file: `db shell` says what to use instead.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::command_context::CommandContext;
use super::output::{Printer, Style};
use crate::error::{Error, Result};
use crate::migrate::Format;
use crate::ops::Workspace;
use crate::ops::mission_files::export::{self, MissionsExported, Written};
use crate::ops::mission_files::register::{Change, Registered};
use crate::ops::mission_files::show::{self, Current, MissionLine, Plan};

// `cmos db`: its help is on `cli::Command::Db`, which clap reads before it builds
// this (deferred) group.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Print the plan sprint by sprint (backlog), or the work in hand (current).
    Show {
        #[arg(value_enum, default_value = "backlog")]
        view: View,
    },
    /// Write backlog.yaml or the two context documents where the original kept them.
    #[command(subcommand)]
    Export(DbExport),
    /// Write one Mission Protocol YAML file per mission, in a folder per sprint.
    ///
    /// Without ID, every mission with an objective (as the original did); the others are
    /// counted in the output. `cmos mission register` reads these files back.
    ExportMissions {
        /// Only this mission (with --output-dir, written straight into that folder).
        id: Option<String>,
        /// Where to write [default: cmos/missions under the working tree's root].
        #[arg(long, value_name = "DIR")]
        output_dir: Option<PathBuf>,
    },
    /// Start the project on the cmos branch, as `cmos init` does.
    Init(DbInitArgs),
    /// Import a backlog.yaml (.yaml, .yml) or a SESSIONS.jsonl (.jsonl), by its extension.
    Import { file: PathBuf },
    /// The original opened its SQLite database here; cmos has none, and says what to use.
    Shell {
        /// A SQL command to run.
        #[arg(short = 'c', long = "command", value_name = "CMD")]
        command: Option<String>,
        /// The sqlite3 program to use.
        #[arg(long, value_name = "PATH")]
        sqlite_bin: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum View {
    /// Every sprint with its missions.
    Backlog,
    /// The active mission and every Current or In Progress mission.
    Current,
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum DbExport {
    /// backlog.yaml [default: cmos/missions/backlog.yaml under the working tree's root].
    Backlog {
        /// The file to write (replaced if it exists, as the original did).
        #[arg(long, visible_alias = "out", value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// PROJECT_CONTEXT.json and context/MASTER_CONTEXT.json [default: under cmos/ of the
    /// working tree's root].
    Contexts {
        /// The folder to write them under.
        #[arg(long, value_name = "DIR")]
        output_root: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct DbInitArgs {
    #[command(flatten)]
    init: super::init::InitArgs,
    /// The original's database file: cmos has none, so this is refused with what to do.
    #[arg(long, value_name = "PATH")]
    path: Option<PathBuf>,
    /// The original recreated its database: cmos never discards the branch's history, so
    /// this is refused with what to do.
    #[arg(long)]
    force: bool,
    /// Print nothing when it succeeds.
    #[arg(short, long)]
    quiet: bool,
}

pub fn run(ctx: &CommandContext, cmd: DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Init(args) => init(ctx, args),
        DbCommand::Shell { .. } => Err(Error::InvalidInput(
            "cmos has no SQL database to open: the project is TOML and JSON Lines on the cmos \
             branch. Read it with `cmos status`, `cmos db show`, `cmos mission list` or \
             `cmos context --json`; browse the files with `git show cmos:.cmos/project.toml` \
             or `git ls-tree -r cmos`; or write the original's files and a \
             full dump with `cmos export all --out DIR`"
                .into(),
        )),
        DbCommand::Import { file } => {
            let format = import_format(&file)?;
            let args = super::migrate::ImportArgs {
                format: super::migrate::ImportFormat(format),
                paths: vec![file],
            };
            let (ws, printer) = ctx.open()?;
            super::migrate::run_import(ws, args, &printer)
        }
        other => {
            let (ws, printer) = ctx.open()?;
            run_in(ws, other, &printer)
        }
    }
}

fn run_in(ws: &Workspace, cmd: DbCommand, printer: &Printer) -> Result<()> {
    match cmd {
        DbCommand::Show {
            view: View::Backlog,
        } => printer.outcome(&show::backlog(ws)?, render_plan),
        DbCommand::Show {
            view: View::Current,
        } => printer.outcome(&show::current(ws)?, render_current),
        DbCommand::Export(DbExport::Backlog { output }) => {
            let outcome = export::backlog(ws, output.as_deref())?;
            printer.outcome(&outcome, |w, _| wrote("backlog", w));
        }
        DbCommand::Export(DbExport::Contexts { output_root }) => {
            let outcome = export::contexts(ws, output_root.as_deref())?;
            printer.outcome(&outcome, |w, _| wrote("context", w));
        }
        DbCommand::ExportMissions { id, output_dir } => {
            let outcome = export::missions(ws, id.as_deref(), output_dir.as_deref())?;
            printer.outcome(&outcome, render_missions);
        }
        DbCommand::Init(_) | DbCommand::Import { .. } | DbCommand::Shell { .. } => {
            unreachable!("`run` answers these before opening the project")
        }
    }
    Ok(())
}

/// `db init`: `cmos init`, with the original's flags answered.
fn init(ctx: &CommandContext, args: DbInitArgs) -> Result<()> {
    if let Some(path) = &args.path {
        return Err(Error::InvalidInput(format!(
            "cmos keeps no database file, so there is no {} to create: the project lives on \
             the cmos branch of this repository. Drop --path; to set up another repository, \
             run `cmos -C DIR db init` there",
            path.display()
        )));
    }
    if args.force {
        return Err(Error::InvalidInput(
            "cmos never recreates a project over its history: the records are the cmos \
             branch's commits. Drop --force; `cmos db init` on a project that exists changes \
             nothing, and to really start over, delete the branch first (`git branch -D cmos`)"
                .into(),
        ));
    }
    if args.quiet {
        let (ws, printer) = ctx.open()?;
        let outcome = crate::ops::init::init(ws, super::init::request(args.init)?)?;
        return match printer.json {
            true => {
                printer.outcome(&outcome, |_, _| String::new());
                Ok(())
            }
            false => Ok(()),
        };
    }
    super::init::run(ctx, args.init)
}

/// The importer `db import` runs, by the file's extension as the original's did.
fn import_format(file: &Path) -> Result<Format> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("yaml" | "yml") => Ok(Format::Backlog),
        Some("jsonl") => Ok(Format::Sessions),
        _ => Err(Error::InvalidInput(format!(
            "{} is neither a backlog (.yaml, .yml) nor a session log (.jsonl); for the \
             original's database or context files, use `cmos import cmos-sqlite FILE` or \
             `cmos import contexts DIR`",
            file.display()
        ))),
    }
}

/// `mission register PATH...`.
pub fn register(ws: &Workspace, paths: &[PathBuf], printer: &Printer) -> Result<()> {
    let outcome = crate::ops::mission_files::register::register(ws, paths)?;
    printer.outcome(&outcome, render_registered);
    Ok(())
}

fn wrote(what: &str, written: &Written) -> String {
    written
        .files
        .iter()
        .map(|f| format!("Exported {what} to {f}\n"))
        .collect()
}

fn mission_line(out: &mut String, m: &MissionLine, indent: &str, st: &Style) {
    out.push_str(&format!(
        "{indent}- {}: {} [{}]",
        st.bold(&m.id),
        m.name,
        st.status(m.status, 0)
    ));
    if let Some(done) = m.completed_at {
        out.push_str(&format!(" completed {done}"));
    }
    out.push('\n');
    if let Some(notes) = &m.notes {
        out.push_str(&format!(
            "{indent}    notes: {}\n",
            crate::model::text::one_line(notes)
        ));
    }
}

fn render_plan(plan: &Plan, st: &Style) -> String {
    if plan.sprints.is_empty() && plan.unassigned.is_empty() {
        return "No sprints or missions yet.\n".into();
    }
    let mut out = String::new();
    for (i, sprint) in plan.sprints.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("[{}] {}\n", st.bold(&sprint.id), sprint.title));
        out.push_str(&format!("  status: {}\n", sprint.status));
        let window: Vec<&str> = [&sprint.start, &sprint.end]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        if !window.is_empty() {
            out.push_str(&format!("  window: {}\n", window.join(" - ")));
        }
        if sprint.missions.is_empty() {
            out.push_str("  (no missions)\n");
        }
        for m in &sprint.missions {
            mission_line(&mut out, m, "  ", st);
        }
    }
    if !plan.unassigned.is_empty() {
        if !plan.sprints.is_empty() {
            out.push('\n');
        }
        out.push_str("[no sprint]\n");
        for m in &plan.unassigned {
            mission_line(&mut out, m, "  ", st);
        }
    }
    out
}

fn render_current(current: &Current, st: &Style) -> String {
    let mut out = match &current.active_mission {
        Some(id) => format!("Active mission: {}\n", st.bold(id)),
        None => "No mission is active in this worktree.\n".into(),
    };
    if current.missions.is_empty() {
        out.push_str("No missions are Current or In Progress.\n");
        return out;
    }
    out.push_str("Current and In Progress missions:\n");
    for m in &current.missions {
        mission_line(&mut out, m, "", st);
    }
    out
}

fn render_missions(e: &MissionsExported, _: &Style) -> String {
    let mut out = String::new();
    for w in &e.written {
        out.push_str(&format!("Exported mission {} to {}\n", w.mission, w.path));
    }
    out.push_str(&format!(
        "Exported {} mission file(s) under {}\n",
        e.written.len(),
        e.dir
    ));
    let skipped = e.skipped_without_objective.len();
    if skipped > 0 {
        out.push_str(&format!(
            "Skipped {skipped} mission(s) with no objective, as the original did ({}); export one by its id to write it anyway\n",
            e.skipped_without_objective.join(", ")
        ));
    }
    out
}

fn render_registered(r: &Registered, st: &Style) -> String {
    let mut out = String::new();
    for m in &r.missions {
        let what = match m.change {
            Change::Added => st.green("added"),
            Change::Updated => format!("{} ({})", st.yellow("updated"), m.fields.join(", ")),
            Change::Unchanged => st.dim("unchanged"),
        };
        out.push_str(&format!("{} {what}  {}\n", st.bold(&m.mission), m.file));
        if !m.ignored.is_empty() {
            out.push_str(&format!("    fields not read: {}\n", m.ignored.join(", ")));
        }
    }
    for s in &r.skipped_files {
        out.push_str(&format!("skipped {}: {}\n", s.file, s.reason));
    }
    let count = |c: Change| r.missions.iter().filter(|m| m.change == c).count();
    out.push_str(&format!(
        "{} added, {} updated, {} unchanged\n",
        count(Change::Added),
        count(Change::Updated),
        count(Change::Unchanged)
    ));
    out
}
