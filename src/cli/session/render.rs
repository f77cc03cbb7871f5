//! How sessions look as text: the list, `session show` and `session resume`.

use crate::cli::output::{Style, or_dash, table};
use crate::model::text::escape_line;
use crate::model::{Minutes, Timestamp};
use crate::ops::history::LoggedCommit;
use crate::ops::session::{Resume, SessionBrief, SessionDetail};

pub(super) fn render_list(sessions: &[SessionBrief], style: &Style) -> String {
    if sessions.is_empty() {
        return "No sessions.\n".into();
    }
    let mut rows = vec![vec![
        "ID".to_string(),
        "TYPE".into(),
        "STATUS".into(),
        "STARTED".into(),
        "NOTES".into(),
        "TITLE".into(),
    ]];
    for s in sessions {
        rows.push(vec![
            s.id.clone(),
            s.kind.to_string(),
            s.status.to_string(),
            s.started_at.to_string(),
            s.captures.to_string(),
            s.title.clone(),
        ]);
    }
    table(
        &rows,
        |r, _, cell| if r == 0 { style.dim(&cell) } else { cell },
    )
}

pub(super) fn render_show(detail: &SessionDetail, style: &Style) -> String {
    let s = &detail.session;
    let mut out = format!("{} {}\n", style.bold(&s.id), style.bold(&s.title));
    let rows = vec![
        vec!["Type".into(), s.kind.to_string()],
        vec!["Status".into(), s.status.to_string()],
        vec!["Agent".into(), s.agent.clone()],
        vec![
            "Sprint".into(),
            match (&s.sprint, detail.sprint_planned) {
                (Some(name), true) => format!("{name} (not added yet)"),
                (sprint, _) => or_dash(sprint.as_deref()),
            },
        ],
        vec!["Mission".into(), or_dash(s.mission.as_deref())],
        vec!["Started".into(), s.started_at.to_string()],
        vec![
            "Completed".into(),
            s.completed_at.map_or("-".into(), |t| t.to_string()),
        ],
        vec![
            "Duration".into(),
            match s.completed_at {
                Some(end) => Minutes::between(s.started_at, end).to_string(),
                None => format!(
                    "{} so far",
                    Minutes::between(s.started_at, Timestamp::now())
                ),
            },
        ],
    ];
    out.push_str(&table(
        &rows,
        |_, c, cell| if c == 0 { style.dim(&cell) } else { cell },
    ));
    if let Some(summary) = &s.summary {
        out.push_str(&format!("\n{}\n{summary}\n", style.bold("Summary")));
    }
    if !s.next_steps.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Next steps")));
        for step in &s.next_steps {
            out.push_str(&format!("- {step}\n"));
        }
    }
    if !s.captures.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Captures")));
        for c in &s.captures {
            out.push_str(&format!(
                "{}  {:<10}  {}\n",
                style.dim(&c.at.to_string()),
                c.category.to_string(),
                c.text.replace('\n', "\n    ")
            ));
        }
    }
    if !detail.commits.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Commits")));
        out.push_str(&crate::cli::render::commit_list(&detail.commits, style));
    }
    out
}

pub(super) fn render_resume(r: &Resume, style: &Style) -> String {
    let s = &r.session;
    let span = if s.status == crate::model::SessionStatus::Active {
        format!("open for {}", r.elapsed)
    } else {
        format!("lasted {}", r.elapsed)
    };
    let mut out = format!(
        "{} {} ({} session, {}, {span})\n",
        style.bold(&s.id),
        style.bold(&s.title),
        s.kind,
        s.status,
    );
    if let Some(m) = &r.mission {
        out.push_str(&format!("Mission {} ({}): {}\n", m.id, m.name, m.status));
    }
    if let Some(summary) = &s.summary {
        out.push_str(&format!("\n{}\n{summary}\n", style.bold("Summary")));
    }
    let recent = s.captures.len().saturating_sub(10);
    if !s.captures.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Latest captures")));
        for c in &s.captures[recent..] {
            out.push_str(&format!(
                "{}  {:<10}  {}\n",
                style.dim(&c.at.to_string()),
                c.category.to_string(),
                c.text.replace('\n', "\n    ")
            ));
        }
    }
    if !r.last_actions.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Last actions")));
        for e in &r.last_actions {
            let change = match (&e.from, &e.to) {
                (Some(from), Some(to)) => format!(" {from} → {to}"),
                (None, Some(to)) => format!(" {to}"),
                _ => String::new(),
            };
            // A commit reads by its hash and subject; its target is the mission or session.
            let what = match LoggedCommit::from_event(e) {
                Some(c) => format!("{} {}", c.short, escape_line(&c.subject)),
                None => e.target.clone(),
            };
            out.push_str(&format!(
                "{}  {} {what}{change}\n",
                style.dim(&e.at.to_string()),
                e.kind,
            ));
        }
    }
    if !r.commits.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Commits")));
        out.push_str(&crate::cli::render::commit_list(&r.commits, style));
    }
    out.push_str(&format!("\n{}\n", style.bold("What to do now")));
    for step in &r.suggested {
        out.push_str(&format!("- {step}\n"));
    }
    out
}
