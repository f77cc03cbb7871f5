//! How missions look as text: the mission table, `mission show` and `mission next`, and the
//! list of logged commits that mission and session pages share.

use super::output::{Style, or_dash, table};
use crate::lifecycle::Unmet;
use crate::model::text::escape_line;
use crate::model::{Minutes, TimeSpent};
use crate::ops::MissionBrief;
use crate::ops::history::LoggedCommit;
use crate::ops::mission::{MissionDetail, NextOutcome, TimeReport};
use crate::ops::sprint::SprintTime;

/// The mission table shared by `sprint show` and `mission list`.
pub fn mission_table(missions: &[MissionBrief], style: &Style) -> String {
    if missions.is_empty() {
        return "No missions.\n".into();
    }
    let width = missions
        .iter()
        .map(|m| m.status.as_str().len())
        .max()
        .unwrap_or(0);
    let mut rows = vec![vec![
        "ID".to_string(),
        "STATUS".into(),
        "SPRINT".into(),
        "RANK".into(),
        "NAME".into(),
    ]];
    for m in missions {
        rows.push(vec![
            m.id.clone(),
            m.status.to_string(),
            or_dash(m.sprint.as_deref()),
            m.rank.map_or("-".into(), |r| r.to_string()),
            m.name.clone(),
        ]);
    }
    table(&rows, |r, c, cell| match (r, c) {
        (0, _) => style.dim(&cell),
        (_, 1) => style.status(missions[r - 1].status, cell.chars().count().max(width)),
        _ => cell,
    })
}

/// Prerequisites as `B1 (In Progress)`, for the lines that say what a mission waits on.
fn waiting_list(unmet: &[Unmet]) -> Vec<String> {
    unmet
        .iter()
        .map(|u| {
            format!(
                "{} ({})",
                u.id,
                u.status.map_or("missing".into(), |s| s.to_string())
            )
        })
        .collect()
}

pub fn render_next(n: &NextOutcome, style: &Style) -> String {
    let mut out = match &n.mission {
        Some(m) => format!(
            "{} {}  {}\n{} {}\n",
            style.bold(&m.id),
            // Names are one line; a newline from the branch must not start a fake one.
            escape_line(&m.name),
            style.status(m.status, 0),
            style.dim("why:"),
            n.reason
        ),
        None => format!("No mission to work on: {}\n", n.reason),
    };
    if let (Some(c), Some(hint)) = (n.complexity, &n.routing) {
        out.push_str(&format!("{} {hint} ({c})\n", style.dim("routing:")));
    }
    for s in &n.skipped {
        let waits = waiting_list(&s.waiting_on);
        out.push_str(&format!(
            "{} {} waits on {}\n",
            style.dim("skipped:"),
            s.id,
            waits.join(", ")
        ));
    }
    if n.skipped_total > n.skipped.len() {
        out.push_str(&style.dim(&format!(
            "… and {} more waiting\n",
            n.skipped_total - n.skipped.len()
        )));
    }
    out
}

/// The confidence gate's record on a mission: score, state, evidence, who decided.
fn validation_rows(m: &crate::model::Mission) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    if let Some(score) = m.validation_score {
        let state = m.approval_state.map_or("-".into(), |s| s.to_string());
        let by = m
            .validated_by
            .as_deref()
            .map(escape_line)
            .unwrap_or_default();
        rows.push(vec![
            "Validation".into(),
            format!("{score} {state} (by {by})"),
        ]);
    }
    for evidence in &m.evidence {
        rows.push(vec!["Evidence".into(), escape_line(evidence).into_owned()]);
    }
    for (what, by, at) in [
        ("Approved", &m.approved_by, m.approved_at),
        ("Rejected", &m.rejected_by, m.rejected_at),
    ] {
        if let (Some(by), Some(at)) = (by, at) {
            rows.push(vec![what.into(), format!("by {} at {at}", escape_line(by))]);
        }
    }
    if let Some(note) = &m.review_note {
        rows.push(vec!["Review".into(), escape_line(note).into_owned()]);
    }
    rows
}

pub fn render_show(d: &MissionDetail, style: &Style) -> String {
    let m = &d.mission;
    let mut out = format!(
        "{} {}\n",
        style.bold(&m.id),
        style.bold(&escape_line(&m.name))
    );
    let mut rows = vec![
        vec!["Status".into(), m.status.to_string()],
        vec![
            "Sprint".into(),
            match (&m.sprint, &d.sprint_title) {
                (Some(s), Some(t)) => format!("{s} ({t})"),
                (s, _) => or_dash(s.as_deref()),
            },
        ],
        vec!["Rank".into(), m.rank.map_or("-".into(), |r| r.to_string())],
        vec!["Created".into(), m.created_at.to_string()],
    ];
    if let Some(c) = m.complexity {
        rows.push(vec!["Complexity".into(), c.to_string()]);
    }
    if let Some(t) = m.started_at {
        rows.push(vec!["Started".into(), t.to_string()]);
    }
    if let Some(t) = m.completed_at {
        rows.push(vec!["Completed".into(), t.to_string()]);
    }
    rows.push(vec!["Time".into(), mission_time(&d.time)]);
    if let Some(b) = &m.blocked {
        rows.push(vec![
            "Blocked".into(),
            format!("{} (since {})", b.reason, b.since),
        ]);
        if !b.needs.is_empty() {
            rows.push(vec!["Needs".into(), b.needs.join("; ")]);
        }
    }
    rows.extend(validation_rows(m));
    out.push_str(&table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    ));
    let section = |out: &mut String, title: &str, body: &str| {
        out.push_str(&format!("\n{}\n{}\n", style.bold(title), body.trim_end()));
    };
    for (title, text) in [
        ("Objective", &m.objective),
        ("Context", &m.context),
        ("Notes", &m.notes),
    ] {
        if let Some(text) = text {
            section(&mut out, title, text);
        }
    }
    for (title, items) in [
        ("Success criteria", &m.success_criteria),
        ("Deliverables", &m.deliverables),
    ] {
        if !items.is_empty() {
            let list: Vec<String> = items.iter().map(|i| format!("- {i}")).collect();
            section(&mut out, title, &list.join("\n"));
        }
    }
    if let Some(kept) = crate::ops::metadata::kept_of(&m.extra).filter(|k| !k.is_empty()) {
        // The original's metadata keys that have no field of their own, one per line.
        let lines: Vec<String> = kept
            .iter()
            .map(|(k, v)| format!("{k}: {}", crate::migrate::values::from_toml(v)))
            .collect();
        section(&mut out, "Metadata", &lines.join("\n"));
    }
    let mut links: Vec<String> = m
        .depends
        .iter()
        .map(|d| format!("{} {} {}", m.id, d.kind, d.on))
        .collect();
    links.extend(
        d.dependents
            .iter()
            .map(|(from, kind)| format!("{from} {kind} {}", m.id)),
    );
    if !links.is_empty() {
        section(&mut out, "Links", &links.join("\n"));
    }
    if !d.waiting_on.is_empty() {
        let waits = waiting_list(&d.waiting_on);
        section(&mut out, "Waiting on", &waits.join(", "));
    }
    if !d.commits.is_empty() {
        section(&mut out, "Commits", &commit_list(&d.commits, style));
    }
    if !m.transitions.is_empty() {
        let rows: Vec<Vec<String>> = m
            .transitions
            .iter()
            .map(|t| {
                vec![
                    t.at.to_string(),
                    format!("{} → {}", t.from, t.to),
                    t.by.clone(),
                    t.note
                        .clone()
                        .unwrap_or_default()
                        .lines()
                        .next()
                        .unwrap_or("")
                        .to_string(),
                ]
            })
            .collect();
        section(
            &mut out,
            "History",
            &table(
                &rows,
                |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
            ),
        );
    }
    out
}

/// Most files of one commit a page lists; the rest are counted.
const SHOWN_FILES: usize = 10;

/// Commits the hooks logged, oldest first: short hash, time and subject, then the files.
pub fn commit_list(commits: &[LoggedCommit], style: &Style) -> String {
    let mut out = String::new();
    for c in commits {
        let merge = if c.kind == "merge" { "(merge) " } else { "" };
        out.push_str(&format!(
            "{}  {}  {merge}{}\n",
            style.cyan(&c.short),
            style.dim(&c.at.to_string()),
            escape_line(&c.subject)
        ));
        for file in c.files.iter().take(SHOWN_FILES) {
            out.push_str(&format!("    {}\n", escape_line(file)));
        }
        let more = c
            .file_count()
            .saturating_sub(SHOWN_FILES.min(c.files.len()) as u64);
        if more > 0 {
            out.push_str(&format!(
                "    {}\n",
                style.dim(&format!("… {more} more files"))
            ));
        }
    }
    out
}

/// `2h worked of 3h estimated (66%), 30m blocked`.
pub fn mission_time(t: &TimeReport) -> String {
    time_line(t.spent, t.estimate, t.percent_of_estimate, "")
}

pub fn sprint_time(t: &SprintTime) -> String {
    let scope = if t.estimate.is_some() {
        format!(" for {} estimated mission(s)", t.estimated_missions)
    } else {
        String::new()
    };
    time_line(t.spent, t.estimate, t.percent_of_estimate, &scope)
}

fn time_line(
    spent: TimeSpent,
    estimate: Option<Minutes>,
    percent: Option<u64>,
    scope: &str,
) -> String {
    let mut line = format!("{} worked", spent.worked);
    match (estimate, percent) {
        (Some(e), Some(p)) => line.push_str(&format!(" of {e} estimated{scope} ({p}%)")),
        (Some(e), None) => line.push_str(&format!(" of {e} estimated{scope}")),
        _ => line.push_str(", no estimate"),
    }
    if spent.blocked.0 > 0 {
        line.push_str(&format!(", {} blocked", spent.blocked));
    }
    line
}
