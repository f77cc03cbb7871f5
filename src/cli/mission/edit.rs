//! `cmos mission edit`: a mission's fields in the user's editor as a readable TOML form, or
//! the original cmosctl's flags without one. Either way one `mission::update`: one commit.

use clap::Args;

use crate::cli::input::{self, Editable};
use crate::cli::output::Printer;
use crate::cli::parse;
use crate::error::{Error, Result};
use crate::model::{Mission, Status, new_short_id};
use crate::ops::Workspace;
use crate::ops::mission::{self as ops, MissionFields, MissionUpdate, Updated};
use crate::ops::mission_form::{self as form, MAX_FORM_BYTES};

#[derive(Debug, Args)]
pub struct EditArgs {
    /// [default: this worktree's session's mission, else its active mission]
    id: Option<String>,
    /// New name (no editor is opened when a field is given).
    #[arg(short = 'n', long)]
    name: Option<String>,
    /// Move to this status, by the same rules as start, complete, drop, defer.
    #[arg(short = 's', long, value_parser = parse::status)]
    status: Option<Status>,
    /// Move to this sprint (its id, original id or title); "" takes it out of its sprint.
    #[arg(short = 'p', long)]
    sprint: Option<String>,
    /// Replace the notes; "" clears them.
    #[arg(long)]
    notes: Option<String>,
    /// The original's completion time: refused, cmos records it when the mission completes.
    #[arg(long, value_name = "TIME")]
    completed_at: Option<String>,
    /// Open the editor (even with field flags, which apply first), with CMD instead of
    /// $VISUAL, $EDITOR or vi when given (a shell command, as git takes it).
    #[arg(long, value_name = "CMD", num_args = 0..=1, default_missing_value = "")]
    editor: Option<String>,
    /// Never open an editor: without field flags nothing changes.
    #[arg(long, conflicts_with = "editor")]
    no_editor: bool,
}

pub(super) fn run(ws: &Workspace, args: EditArgs, printer: &Printer) -> Result<()> {
    if args.completed_at.is_some() {
        return Err(Error::InvalidInput(
            "--completed-at cannot be honoured: cmos records when a mission completes as it completes, from its status changes, \
             and never takes the time from outside: complete it with `cmos mission complete ID`; \
             to bring the original's completion times over, import its database with \
             `cmos import cmos-sqlite PATH`"
                .into(),
        ));
    }
    let scoped = ws.mission_or_active(args.id.as_deref())?;
    let id = scoped.id.clone();
    let flags = args.name.is_some()
        || args.status.is_some()
        || args.sprint.is_some()
        || args.notes.is_some();
    // As cmosctl: the editor opens when no field is given, or when asked for; `--editor`
    // alone asks without naming one.
    let editor = match args.editor.as_deref() {
        Some("") => Some(None),
        Some(cmd) => Some(Some(cmd.to_string())),
        None if !flags && !args.no_editor => Some(None),
        None => None,
    };
    let outcome = match editor {
        // The flags' values are filled into the form, so the whole edit is one update.
        Some(editor) => edit_in_editor(ws, &id, editor.as_deref(), |m| preset(m, &args))?,
        None if flags => Some(ops::update(ws, &id, flag_update(args))?),
        None => None,
    };
    let Some(outcome) = outcome else {
        let unchanged = NoChange {
            id: id.clone(),
            changed: false,
        };
        printer.outcome(&crate::ops::Outcome::about(unchanged, ws), |n, st| {
            format!("Mission {}: nothing changed\n", st.bold(&n.id))
        });
        return Ok(());
    };
    printer.outcome(&outcome.scoped(&scoped, "mission"), render_edit);
    Ok(())
}

#[derive(Debug, serde::Serialize)]
struct NoChange {
    id: String,
    /// Always false: says in JSON that the edit wrote nothing.
    changed: bool,
}

/// The flags' values put into the mission shown in the editor.
fn preset(m: &mut Mission, args: &EditArgs) {
    if let Some(name) = &args.name {
        m.name = name.clone();
    }
    if let Some(status) = args.status {
        m.status = status;
    }
    if let Some(sprint) = &args.sprint {
        m.sprint = Some(sprint.trim().to_string()).filter(|s| !s.is_empty());
    }
    if let Some(notes) = &args.notes {
        m.notes = Some(notes.trim().to_string()).filter(|n| !n.is_empty());
    }
}

/// The cmosctl flags as one update; "" clears the sprint or the notes, as there.
fn flag_update(args: EditArgs) -> MissionUpdate {
    let no_sprint = args.sprint.as_deref().is_some_and(|s| s.trim().is_empty());
    let no_notes = args.notes.as_deref().is_some_and(|s| s.trim().is_empty());
    MissionUpdate {
        fields: MissionFields {
            name: args.name,
            sprint: args.sprint.filter(|_| !no_sprint),
            notes: args.notes.filter(|_| !no_notes),
            ..MissionFields::default()
        },
        status: args.status,
        no_sprint,
        no_notes,
        ..MissionUpdate::default()
    }
}

/// Opens the mission's form in the editor and applies what was saved. None when nothing
/// changed (an unchanged or empty file). On any refusal the saved file is kept, and the error
/// says where.
fn edit_in_editor(
    ws: &Workspace,
    id: &str,
    editor: Option<&str>,
    preset: impl FnOnce(&mut Mission),
) -> Result<Option<crate::ops::Outcome<Updated>>> {
    let before = ws.store().mission_at_tip(id)?;
    let mut shown = before.clone();
    preset(&mut shown);
    let safe_id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    // One file per edit: a file kept after a refusal is never overwritten by the next edit.
    let file_name = format!("edits/mission-{safe_id}-{}.toml", new_short_id("e"));
    let instead = format!("cmos mission update {id} --name ... --objective ...");
    let item = Editable {
        file_name: &file_name,
        what: "mission fields",
        instead: &instead,
        text: &form::render(&shown),
    };
    let edited = input::edit_file(ws, &item, editor, Some("vi"), MAX_FORM_BYTES)?;
    // The user's work must survive any refusal: the messages that are ours say where it is;
    // a rule's refusal keeps its own kind and text, and the path follows on stderr.
    let kept = |err: Error| -> Error {
        let path = edited.path.display();
        match err {
            Error::Conflict(why) => Error::Conflict(format!("{why}; your edit is kept in {path}")),
            Error::InvalidInput(why) => {
                Error::InvalidInput(format!("{why}; your edit is kept in {path}"))
            }
            other => {
                eprintln!("note: your edit is kept in {path}");
                other
            }
        }
    };
    let update = match form::parse(&edited.text).and_then(|f| match f {
        Some(f) => form::diff(&before, &f).map(Some),
        None => Ok(None),
    }) {
        Ok(Some(update)) if form::changes_anything(&update) => update,
        Ok(_) => {
            edited.discard();
            return Ok(None);
        }
        Err(err) => return Err(kept(err)),
    };
    match ops::update(ws, id, update) {
        Ok(outcome) => {
            edited.discard();
            Ok(Some(outcome))
        }
        Err(err) => Err(kept(err)),
    }
}

fn render_edit(u: &Updated, st: &crate::cli::output::Style) -> String {
    let m = &u.mission;
    let mut out = format!("Edited mission {}\n", st.bold(&m.id));
    if let (Some(from), Some(to)) = (u.from, u.to) {
        out.push_str(&format!(
            "Mission {} ({}): {from} → {}\n",
            st.bold(&m.id),
            m.name,
            st.status(to, 0)
        ));
    }
    out
}
