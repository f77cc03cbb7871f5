//! `cmos context`, `cmos onboard`: the working memory of the project, and its notes and
//! named snapshots.

mod condense;

use clap::{Args, Subcommand, ValueEnum};

use super::command_context::CommandContext;
use super::input::{self, Editable, text_or_stdin};
use super::output::{Printer, Style, table};
use crate::error::Result;
use crate::model::Item;
use crate::model::text::short_hash as short;
use crate::ops::Workspace;
use crate::ops::changes::RecordChange;
use crate::ops::context::{self as ops, Context};
use crate::ops::context_view::{ViewRequest, view};
use crate::ops::notes;
use crate::ops::snapshots::{self, ContextDiff};

// `cmos context`: its help is on `cli::Command::Context`, which clap reads before it builds
// these (deferred) arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ContextArgs {
    #[command(flatten)]
    view: ViewArgs,
    #[command(flatten)]
    cmosctl: CmosctlArgs,
    #[command(subcommand)]
    command: Option<ContextCommand>,
}

// Which context: now or at a past point, narrowed to a domain and a number of entries. (A
// flattened struct's doc comment would replace its command's help once built.)
#[derive(Debug, Args)]
pub struct ViewArgs {
    #[command(flatten)]
    shape: ShapeArgs,
    /// The context as it stood at a time (RFC 3339, or a date: its first instant, UTC) or
    /// when a session completed: read from the last commit of the cmos branch at or before
    /// it, which the output names.
    #[arg(long, value_name = "ISO|SESSION_ID", conflicts_with = "snapshot")]
    as_of: Option<String>,
    /// The context at a snapshot `cmos context snapshot` named.
    #[arg(long, value_name = "ID")]
    snapshot: Option<String>,
    /// Only decisions, learnings, constraints and next steps of this category (domain).
    #[arg(long, value_name = "D")]
    domain: Option<String>,
    /// At most N entries per section [default: 20].
    #[arg(long, value_name = "N")]
    recent_limit: Option<usize>,
}

// cmosctl's `context [--backlog PATH] [-o FILE] [--recent N]`. (Flattened: a doc comment
// would replace the command's help once built.)
#[derive(Debug, Args)]
struct CmosctlArgs {
    /// Write the context to this file (replaced if it exists, as cmosctl did) instead of
    /// printing it.
    #[arg(short = 'o', long, visible_alias = "out", value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Also list this many of the most recent operations.
    #[arg(long, value_name = "N")]
    recent: Option<usize>,
    /// cmosctl's backlog file for sprint details: not needed, as the sprints are on the
    /// branch (a warning says how to bring in the file's sprints if they are not).
    #[arg(long, value_name = "PATH")]
    backlog: Option<std::path::PathBuf>,
}

/// The context with the recent operations `--recent` asked for, as one result.
#[derive(Debug, serde::Serialize)]
struct ContextWithRecent {
    #[serde(flatten)]
    context: Context,
    #[serde(skip_serializing_if = "Option::is_none")]
    recent: Option<Vec<crate::store::LogEntry>>,
}

/// What `context -o FILE` reports.
#[derive(Debug, serde::Serialize)]
struct Written {
    file: String,
}

// How much context, and in which form.
#[derive(Debug, Args)]
pub struct ShapeArgs {
    /// Cut to about this many tokens (estimated as characters / 4).
    #[arg(long, value_name = "TOKENS")]
    budget: Option<usize>,
    /// md (markdown, the default), json (the same as --json; `--format` alone means json)
    /// or yaml.
    #[arg(long, value_enum, default_value = "md", num_args = 0..=1, default_missing_value = "json")]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    #[value(alias = "markdown")]
    Md,
    Json,
    #[value(alias = "yml")]
    Yaml,
}

/// The original CMOS's two context documents, which are one working memory in cmos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    Project,
    Master,
}

#[derive(Debug, Subcommand)]
pub enum ContextCommand {
    /// The same as `cmos context` alone: the original CMOS spelled it `context view`.
    View {
        #[command(flatten)]
        view: ViewArgs,
        /// A snapshot to read the context at, as with --snapshot.
        #[arg(value_name = "SNAPSHOT", conflicts_with_all = ["snapshot", "as_of"])]
        at: Option<String>,
    },
    /// The free-form project notes.
    #[command(subcommand)]
    Notes(NotesCommand),
    /// Name the branch as it is now, to compare with later.
    Snapshot {
        /// project or master: the original CMOS's two contexts; cmos has one, and a
        /// snapshot names all of it, so both mean the same.
        #[arg(value_enum)]
        scope: Option<Scope>,
        /// What this point is, e.g. "before the storage rewrite".
        #[arg(long)]
        source: String,
        /// The session it is taken in (it must exist), kept with the snapshot.
        #[arg(long, value_name = "ID")]
        session: Option<String>,
    },
    /// The named snapshots, newest first.
    History {
        /// project or master, as for `snapshot`: both list the same snapshots.
        #[arg(value_enum)]
        scope: Option<Scope>,
        /// Show at most this many.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
    /// What changed between two snapshots (or revisions of the branch; B defaults to now).
    Diff { from: String, to: Option<String> },
    /// Trim what context and onboard load, toward a target, deleting nothing from the branch.
    ///
    /// Phase by phase while the context is above the target: open next steps of Completed
    /// missions are closed as Done (kept in the log); completed sprints older than the newest
    /// three are loaded as one summary line each (a window kept in .cmos/context.toml). One
    /// commit; reports the size before and after and what each phase did.
    Condense {
        /// The size to reach, in estimated tokens [default: 15000].
        #[arg(long, value_name = "N")]
        target_tokens: Option<usize>,
        /// Report what would be done and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum NotesCommand {
    Show,
    /// Replace the notes (`-` reads them from standard input; empty text removes them).
    Set {
        text: String,
    },
    /// Edit the notes in $VISUAL or $EDITOR.
    Edit,
}

pub fn run(ctx: &CommandContext, args: ContextArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let printer = &printer;
    match args.command {
        None => {
            let c = &args.cmosctl;
            if c.output.is_none() && c.recent.is_none() && c.backlog.is_none() {
                print_view(ws, printer, args.view)?;
            } else {
                let shape = &args.view.shape;
                let outcome = view(ws, &view_request(&args.view))?;
                cmosctl_context(ws, printer, shape, c, outcome)?;
            }
        }
        Some(ContextCommand::View { mut view, at }) => {
            view.snapshot = at.or(view.snapshot);
            print_view(ws, printer, view)?
        }
        Some(ContextCommand::Notes(cmd)) => run_notes(ws, cmd, printer)?,
        Some(ContextCommand::Snapshot {
            source, session, ..
        }) => {
            let outcome = snapshots::snapshot(ws, &source, session.as_deref())?;
            printer.outcome(&outcome, |item, st| {
                format!(
                    "Snapshot {} names {} ({})\n",
                    st.bold(&item.id),
                    short(item.commit.as_deref().unwrap_or_default()),
                    item.text
                )
            });
        }
        Some(ContextCommand::History { limit, .. }) => {
            let mut outcome = snapshots::history(ws)?;
            if let Some(limit) = limit {
                outcome.data.truncate(limit);
            }
            printer.outcome(&outcome, |items, st| render_history(items, st));
        }
        Some(ContextCommand::Diff { from, to }) => {
            let outcome = snapshots::diff(ws, &from, to.as_deref())?;
            printer.outcome(&outcome, render_diff);
        }
        Some(ContextCommand::Condense {
            target_tokens,
            dry_run,
        }) => {
            let outcome = crate::ops::condense::condense(ws, target_tokens, dry_run)?;
            printer.outcome(&outcome, condense::render);
        }
    }
    Ok(())
}

/// `cmos onboard`.
pub fn run_onboard(ctx: &CommandContext, shape: ShapeArgs) -> Result<()> {
    let (ws, printer) = ctx.open()?;
    let names = Some(&super::names::CliNames as &dyn crate::next::Names);
    print_context(&printer, &shape, ops::onboard_for(ws, shape.budget, names)?);
    Ok(())
}

/// `cmos context` and `cmos context view`: one definition, one op.
fn view_request(args: &ViewArgs) -> ViewRequest {
    ViewRequest {
        budget: args.shape.budget,
        as_of: args.as_of.clone(),
        snapshot: args.snapshot.clone(),
        domain: args.domain.clone(),
        recent_limit: args.recent_limit,
    }
}

fn print_view(ws: &Workspace, printer: &Printer, args: ViewArgs) -> Result<()> {
    print_context(printer, &args.shape, view(ws, &view_request(&args))?);
    Ok(())
}

fn print_context(printer: &Printer, shape: &ShapeArgs, outcome: crate::ops::Outcome<Context>) {
    match shape.format {
        Format::Json if !printer.json => printer.as_json().outcome(&outcome, |_, _| String::new()),
        Format::Yaml => printer.outcome(&outcome, |c, _| {
            let value = serde_json::to_value(c).unwrap_or_default();
            crate::migrate::yaml::write_documents(&[value])
        }),
        _ => printer.outcome(&outcome, |c, st| {
            let mut out = String::new();
            if let Some(view) = c.view.as_ref().filter(|v| v.read != "now") {
                out.push_str(&st.dim(&format!("As of {}\n", view.note)));
            }
            out.push_str(&c.markdown_for(&super::names::CliNames));
            out
        }),
    }
}

/// cmosctl's context: with the recent operations, and written to a file when asked.
fn cmosctl_context(
    ws: &Workspace,
    printer: &Printer,
    shape: &ShapeArgs,
    args: &CmosctlArgs,
    outcome: crate::ops::Outcome<Context>,
) -> Result<()> {
    let recent = match args.recent {
        Some(limit) => {
            let filter = crate::store::LogFilter {
                limit,
                agent: None,
                since: None,
                path: None,
            };
            Some(crate::ops::status::log(ws, filter, None)?.data)
        }
        None => None,
    };
    let mut outcome = crate::ops::Outcome {
        data: ContextWithRecent {
            context: outcome.data,
            recent,
        },
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    };
    if let Some(path) = &args.backlog {
        outcome = outcome.warn(super::original::backlog_not_needed(path));
    }
    let markdown = |v: &ContextWithRecent, st: &Style| {
        let mut out = v.context.markdown_for(&super::names::CliNames);
        if let Some(recent) = &v.recent {
            out.push_str(&format!(
                "\n## Recent operations\n\n{}",
                super::status::render_log(recent, st)
            ));
        }
        out
    };
    let Some(path) = &args.output else {
        if shape.format == Format::Json && !printer.json {
            printer.as_json().outcome(&outcome, |_, _| String::new());
        } else {
            printer.outcome(&outcome, markdown);
        }
        return Ok(());
    };
    let text = match shape.format == Format::Json || printer.json {
        true => format!(
            "{}\n",
            serde_json::to_string_pretty(&outcome.data).unwrap_or_default()
        ),
        false => markdown(&outcome.data, &Style::new(false)),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::error::Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    std::fs::write(path, text)
        .map_err(|e| crate::error::Error::io(format!("cannot write {}", path.display()), e))?;
    let written = crate::ops::Outcome {
        data: Written {
            file: path.display().to_string(),
        },
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    };
    printer.outcome(&written, |w, _| format!("Wrote context to {}\n", w.file));
    Ok(())
}

fn run_notes(ws: &Workspace, cmd: NotesCommand, printer: &Printer) -> Result<()> {
    let outcome = match cmd {
        NotesCommand::Show => {
            let outcome = notes::show(ws)?;
            printer.outcome(&outcome, |n, _| n.text.clone());
            return Ok(());
        }
        NotesCommand::Set { text } => notes::set(ws, &text_or_stdin(text)?)?,
        NotesCommand::Edit => {
            let current = notes::show(ws)?.data.text;
            let notes = Editable {
                file_name: "NOTES_EDITMSG.md",
                what: "notes",
                instead: "cmos context notes set TEXT",
                text: &current,
            };
            notes::set(ws, &input::edit(ws, &notes)?)?
        }
    };
    printer.outcome(&outcome, |n, _| {
        if n.changed {
            "Updated the project notes\n".into()
        } else {
            "The project notes are unchanged\n".into()
        }
    });
    Ok(())
}

fn render_history(items: &[Item], style: &Style) -> String {
    if items.is_empty() {
        return "No snapshots yet. Name one with `cmos context snapshot --source TEXT`.\n".into();
    }
    let mut rows = vec![vec![
        "ID".to_string(),
        "CREATED".into(),
        "COMMIT".into(),
        "SOURCE".into(),
    ]];
    for item in items {
        rows.push(vec![
            item.id.clone(),
            item.created_at.to_string(),
            short(item.commit.as_deref().unwrap_or_default()).to_string(),
            item.text.clone(),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

pub(super) fn render_diff(d: &ContextDiff, style: &Style) -> String {
    let name = |p: &snapshots::Point| match &p.source {
        Some(source) => format!("{} ({source})", p.name),
        None => format!("{} ({})", p.name, short(&p.commit)),
    };
    let mut out = format!(
        "{} {} → {}\n",
        style.bold("Changes"),
        name(&d.from),
        name(&d.to)
    );
    let empty = d.missions.is_empty()
        && d.sprints.is_empty()
        && d.sessions.is_empty()
        && d.items.is_empty()
        && d.notes.is_none();
    if empty {
        out.push_str("Nothing changed.\n");
        return out;
    }
    for (title, changes) in [
        ("Missions", &d.missions),
        ("Sprints", &d.sprints),
        ("Sessions", &d.sessions),
    ] {
        if !changes.is_empty() {
            out.push_str(&format!("\n{}\n", style.bold(title)));
            for change in changes {
                out.push_str(&render_change(change, style));
            }
        }
    }
    if !d.items.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Knowledge")));
        for item in &d.items {
            let status = match item.from {
                Some(from) => format!("{from} → {}", item.to),
                None => format!("new, {}", item.to),
            };
            out.push_str(&format!(
                "{} {}: {} ({status})\n",
                style.dim(item.kind.as_str()),
                item.id,
                item.text
            ));
        }
    }
    if let Some(notes) = &d.notes {
        out.push_str(&format!("\n{}\n{notes}", style.bold("Notes")));
    }
    out
}

fn render_change(change: &RecordChange, style: &Style) -> String {
    let sign = match change.change {
        "added" => style.green("+"),
        "removed" => style.red("-"),
        _ => style.yellow("~"),
    };
    let mut out = format!("{sign} {}\n", change.id);
    for field in &change.fields {
        let from = field.from.as_deref().unwrap_or("-");
        let to = field.to.as_deref().unwrap_or("-");
        if change.change == "added" {
            out.push_str(&format!("    {}: {to}\n", field.field));
        } else {
            out.push_str(&format!("    {}: {from} → {to}\n", field.field));
        }
    }
    out
}
