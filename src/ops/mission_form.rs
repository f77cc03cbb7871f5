//! A mission as a form for people to edit: rendered as commented TOML, parsed back, and
//! turned into the one `mission::update` that makes the difference.
//!
//! The edited file is outside input: its size is bounded, unknown keys and wrong types are
//! refused by name, and every value goes through the same cleaning and lifecycle rules as
//! any other update.

use serde::Deserialize;

use super::mission::{MissionFields, MissionUpdate};
use crate::error::{Error, Result};
use crate::model::{Minutes, Mission, Status};

/// The largest edited form read back: far above any mission (text fields are bounded much
/// lower), small enough that a runaway file is refused before it is parsed.
pub const MAX_FORM_BYTES: usize = 1 << 20;

/// What the user saved: every editable field. A field left out or empty is cleared (name and
/// status excepted, which a mission always has).
#[derive(Debug, Default, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissionForm {
    pub name: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub sprint: String,
    pub rank: Option<i64>,
    #[serde(default)]
    pub estimate: String,
    #[serde(default)]
    pub objective: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub success_criteria: Vec<String>,
    #[serde(default)]
    pub deliverables: Vec<String>,
    #[serde(default)]
    pub notes: String,
}

/// The form of `mission`, with a header that says what each field is.
pub fn render(mission: &Mission) -> String {
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let mut out = format!(
        "# Mission {id}: edit the fields below, save and close the editor.\n\
         # Saving the file unchanged changes nothing; an empty file cancels the edit.\n\
         # A field you clear or delete is removed from the mission (name and status excepted).\n\
         #\n\
         # name              one line\n\
         # status            {statuses}; a move follows the same rules as\n\
         #                   start, complete, block (a blocked mission needs a reason: block it instead)\n\
         # sprint            the sprint's id, original id or title; \"\" takes it out of its sprint\n\
         # rank              order in the sprint, lower first (delete the line for none)\n\
         # estimate          expected time In Progress: 45m, 2h, 1.5h, 1d\n\
         # objective         what the mission must achieve\n\
         # context           background an agent needs to start\n\
         # success_criteria  a list of strings: how to tell it is done\n\
         # deliverables      a list of strings: what it produces (files, docs, features)\n\
         # notes             free-form notes\n\n",
        id = mission.id,
        statuses = statuses.join(", "),
    );
    out.push_str(&format!("name = {}\n", basic(&mission.name)));
    out.push_str(&format!("status = {}\n", basic(mission.status.as_str())));
    out.push_str(&format!(
        "sprint = {}\n",
        basic(mission.sprint.as_deref().unwrap_or(""))
    ));
    match mission.rank {
        Some(rank) => out.push_str(&format!("rank = {rank}\n")),
        None => out.push_str("# rank = 1\n"),
    }
    let estimate = mission.estimate.map(|e| e.to_string()).unwrap_or_default();
    out.push_str(&format!("estimate = {}\n", basic(&estimate)));
    for (key, value) in [
        ("objective", &mission.objective),
        ("context", &mission.context),
    ] {
        out.push_str(&format!(
            "{key} = {}\n",
            text(value.as_deref().unwrap_or(""))
        ));
    }
    for (key, items) in [
        ("success_criteria", &mission.success_criteria),
        ("deliverables", &mission.deliverables),
    ] {
        out.push_str(&format!("{key} = [\n"));
        for item in items.iter() {
            out.push_str(&format!("    {},\n", text(item)));
        }
        out.push_str("]\n");
    }
    out.push_str(&format!(
        "notes = {}\n",
        text(mission.notes.as_deref().unwrap_or(""))
    ));
    out
}

/// A TOML basic string: escaped by the toml crate, one line.
fn basic(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Text that may span lines: a literal multi-line string when it can be one (nothing in it
/// is escaped, so it reads as typed), else a basic string.
fn text(s: &str) -> String {
    let literal_ok = !s.contains("'''")
        && !s.ends_with('\'')
        && s.chars().all(|c| c == '\n' || c == '\t' || !c.is_control());
    if s.contains('\n') && literal_ok {
        format!("'''\n{s}'''")
    } else {
        basic(s)
    }
}

/// Parses a saved form; None when the file is empty (or only comments and blank lines),
/// which cancels the edit.
pub fn parse(text: &str) -> Result<Option<MissionForm>> {
    if text.len() > MAX_FORM_BYTES {
        return Err(Error::InvalidInput(format!(
            "the edited mission is {} bytes; the limit is {MAX_FORM_BYTES} bytes",
            text.len()
        )));
    }
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        return Ok(None);
    }
    let form: MissionForm = toml::from_str(text).map_err(|e| {
        Error::InvalidInput(format!(
            "the edited mission is not a valid form: {}",
            e.to_string().trim_end()
        ))
    })?;
    Ok(Some(form))
}

/// The update that turns `before` into what the form says, refused if the branch no longer
/// holds `before` when it is written. An update that changes nothing `is_empty()` and has no
/// status.
pub fn diff(before: &Mission, form: &MissionForm) -> Result<MissionUpdate> {
    let name = form
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| Error::InvalidInput("the edited mission has no name: give it one".into()))?;
    let status: Status = form
        .status
        .as_deref()
        .ok_or_else(|| Error::InvalidInput("the edited mission has no status: give it one".into()))?
        .parse()?;
    let mut update = MissionUpdate {
        expect: Some(Box::new(before.clone())),
        ..MissionUpdate::default()
    };
    let f: &mut MissionFields = &mut update.fields;
    if name.trim() != before.name {
        f.name = Some(name.to_string());
    }
    if status != before.status {
        update.status = Some(status);
    }
    let sprint = form.sprint.trim();
    match (&before.sprint, sprint.is_empty()) {
        (Some(_), true) => update.no_sprint = true,
        (Some(old), false) if old == sprint => {}
        (_, false) => f.sprint = Some(sprint.to_string()),
        (None, true) => {}
    }
    match (before.rank, form.rank) {
        (Some(_), None) => update.no_rank = true,
        (old, Some(new)) if old != Some(new) => f.rank = Some(new),
        _ => {}
    }
    let estimate = match form.estimate.trim() {
        "" => None,
        e => Some(e.parse::<Minutes>()?),
    };
    match (before.estimate, estimate) {
        (Some(_), None) => update.no_estimate = true,
        (old, Some(new)) if old != Some(new) => f.estimate = Some(new),
        _ => {}
    }
    let texts = [
        (
            &form.objective,
            &before.objective,
            &mut f.objective,
            &mut update.no_objective,
        ),
        (
            &form.context,
            &before.context,
            &mut f.context,
            &mut update.no_context,
        ),
        (
            &form.notes,
            &before.notes,
            &mut f.notes,
            &mut update.no_notes,
        ),
    ];
    for (new, old, set, clear) in texts {
        match (new.trim(), old.as_deref().map(str::trim)) {
            ("", Some(_)) => *clear = true,
            ("", None) => {}
            (new, Some(old)) if new == old => {}
            (new, _) => *set = Some(new.to_string()),
        }
    }
    let lists = [
        (
            &form.success_criteria,
            &before.success_criteria,
            &mut f.success_criteria,
        ),
        (
            &form.deliverables,
            &before.deliverables,
            &mut f.deliverables,
        ),
    ];
    for (new, old, set) in lists {
        let new: Vec<String> = new
            .iter()
            .map(|i| i.trim().to_string())
            .filter(|i| !i.is_empty())
            .collect();
        let old: Vec<&str> = old.iter().map(|i| i.trim()).collect();
        if new != old {
            *set = Some(new);
        }
    }
    Ok(update)
}

/// Whether an update made by `diff` changes anything.
pub fn changes_anything(update: &MissionUpdate) -> bool {
    !update.is_empty() || update.status.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;

    fn mission() -> Mission {
        let now = Timestamp::now();
        Mission {
            sprint: Some("S1".into()),
            objective: Some("Parse it".into()),
            context: Some("two\nlines with a \\ backslash".into()),
            success_criteria: vec!["it parses".into(), "quote \" and '''".into()],
            ..Mission::new("B1.2", "u", "Write the parser", now)
        }
    }

    #[test]
    fn an_unchanged_form_changes_nothing() {
        let m = mission();
        let form = parse(&render(&m)).unwrap().unwrap();
        let update = diff(&m, &form).unwrap();
        assert!(!changes_anything(&update), "{update:?}");
    }

    #[test]
    fn a_changed_field_is_the_only_change() {
        let m = mission();
        let text = render(&m).replace("name = \"Write the parser\"", "name = \"Renamed\"");
        let update = diff(&m, &parse(&text).unwrap().unwrap()).unwrap();
        assert_eq!(update.fields.name.as_deref(), Some("Renamed"));
        assert!(update.fields.objective.is_none() && update.fields.context.is_none());
        assert!(update.status.is_none() && !update.no_sprint);
    }

    #[test]
    fn a_cleared_text_and_sprint_are_removed() {
        let m = mission();
        let text = render(&m)
            .replace("objective = \"Parse it\"", "objective = \"\"")
            .replace("sprint = \"S1\"", "");
        let update = diff(&m, &parse(&text).unwrap().unwrap()).unwrap();
        assert!(update.no_objective && update.no_sprint);
        assert!(!update.no_context);
    }

    #[test]
    fn comments_only_is_empty_and_unknown_keys_are_refused() {
        assert!(parse("# nothing\n\n").unwrap().is_none());
        let err = parse("name = \"x\"\nstatus = \"Queued\"\ncolour = 1\n").unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
    }
}
