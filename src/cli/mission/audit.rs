//! `cmos mission verify | incomplete | audit [SPRINT]`: the missions' upkeep checks, as the
//! original cmosctl printed them. verify and audit exit 6 (as `cmos verify`) when they find
//! an error; incomplete lists what open missions lack and exits 0.

use crate::cli::command_context::CommandContext;
use crate::cli::output::{Printer, Style};
use crate::error::{Error, Result};
use crate::model::text::escape_line;
use crate::ops::Workspace;
use crate::ops::audit::{self as ops, Audit, Issue, Scope, Severity};

/// The exit code of a check that found problems: the one `cmos verify` exits with.
fn problems_code() -> i32 {
    Error::Invalid {
        reference: String::new(),
        problems: Vec::new(),
    }
    .exit_code()
}

pub(super) fn run(
    ctx: &CommandContext,
    ws: &Workspace,
    printer: &Printer,
    sprint: Option<&str>,
    scope: Scope,
) -> Result<()> {
    let outcome = ops::audit(ws, sprint, scope)?;
    let clean = outcome.data.clean;
    match scope {
        Scope::Consistency => printer.outcome(&outcome, render_verify),
        Scope::Completeness => printer.outcome(&outcome, render_incomplete),
        Scope::All => printer.outcome(&outcome, render_audit),
    }
    if !clean && scope != Scope::Completeness {
        ctx.exit_with(problems_code());
    }
    Ok(())
}

fn label(severity: Severity, st: &Style) -> String {
    match severity {
        Severity::Error => st.red("error"),
        Severity::Warning => st.yellow("warning"),
    }
}

fn line(i: &Issue, st: &Style) -> String {
    let about = match (&i.mission, &i.sprint) {
        (Some(m), _) => format!("mission {m}"),
        (None, Some(s)) => format!("sprint {s}"),
        (None, None) => "missions in no sprint".into(),
    };
    escape_line(&format!(
        "{} {about} ({}): {}",
        label(i.severity, st),
        i.field,
        i.message
    ))
    .into_owned()
}

fn render_verify(a: &Audit, st: &Style) -> String {
    if a.issues.is_empty() {
        return format!("All {} missions verified.\n", a.missions);
    }
    let mut out = String::new();
    for i in &a.issues {
        out.push_str(&line(i, st));
        out.push('\n');
    }
    out.push_str(&summary(a));
    out
}

fn render_incomplete(a: &Audit, st: &Style) -> String {
    if a.issues.is_empty() {
        return "No incomplete missions found.\n".into();
    }
    let mut out = String::new();
    let mut last: Option<&str> = None;
    for i in &a.issues {
        let id = i.mission.as_deref().unwrap_or("-");
        if last != Some(id) {
            out.push_str(&format!("{}\n", st.bold(&escape_line(id))));
            last = Some(id);
        }
        out.push_str(&format!("  - ({}) {}\n", i.field, escape_line(&i.message)));
    }
    out
}

fn render_audit(a: &Audit, st: &Style) -> String {
    if a.missions == 0 && a.sprints.is_empty() {
        return "No missions found.\n".into();
    }
    let mut out = String::new();
    for s in &a.sprints {
        let name = match (&s.id, &s.title) {
            (Some(id), Some(title)) if title != id => format!("{id} ({title})"),
            (Some(id), _) => id.clone(),
            (None, _) => "No sprint".into(),
        };
        let status = s.status.map_or(String::new(), |st| format!(" [{st}]"));
        out.push_str(&format!(
            "{}{status}: {} missions\n",
            st.bold(&escape_line(&name)),
            s.missions
        ));
        let counts: Vec<String> = s
            .by_status
            .iter()
            .map(|(status, n)| format!("{status}: {n}"))
            .collect();
        if !counts.is_empty() {
            out.push_str(&format!("  Statuses: {}\n", counts.join(", ")));
        }
        let or_none =
            |id: &Option<String>| escape_line(id.as_deref().unwrap_or("none")).into_owned();
        out.push_str(&format!("  Active: {}\n", or_none(&s.active)));
        out.push_str(&format!("  Next queued: {}\n", or_none(&s.next_queued)));
        let issues: Vec<&Issue> = a.issues.iter().filter(|i| i.sprint == s.id).collect();
        if issues.is_empty() {
            out.push_str("  Issues: none\n");
        } else {
            out.push_str("  Issues:\n");
            for i in issues {
                out.push_str(&format!("    {}\n", line(i, st)));
            }
        }
    }
    out.push_str(&summary(a));
    out
}

fn summary(a: &Audit) -> String {
    format!(
        "{} missions checked: {} error(s), {} warning(s)\n",
        a.missions, a.errors, a.warnings
    )
}
