//! `cmos research export`: a Markdown report of a research mission in the layout the
//! original CMOS produced: overview, brief, research questions, success criteria,
//! deliverables, key findings (notes, captures, decisions, learnings), session timeline and a
//! metadata snapshot.

use std::fmt::Write;
use std::path::Path;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::model::text::one_line;
use crate::model::{ItemKind, Mission, Session, Timestamp, validate_id};
use crate::next::Input;

#[derive(Debug, Serialize)]
pub struct Report {
    pub mission: String,
    pub markdown: String,
    /// Where it was written, when it was.
    pub path: Option<String>,
}

/// The report of mission `id`; refuses a mission that is not Completed unless
/// `allow_incomplete`. With `out`, writes it there (refusing to replace a file unless
/// `overwrite`).
pub fn export(
    ws: &Workspace,
    id: &str,
    out: Option<&Path>,
    overwrite: bool,
    allow_incomplete: bool,
) -> Result<Outcome<Report>> {
    validate_id("mission", id)?;
    let snapshot = ws.snapshot()?;
    let mission = ws.store().mission(&snapshot, id)?;
    crate::lifecycle::check_report(id, mission.status, allow_incomplete)?;
    if let Some(path) = out
        && path.exists()
        && !overwrite
    {
        return Err(Error::Refused(format!(
            "{} exists, and the report does not replace a file unless asked to",
            path.display()
        ))
        .needs(&[Input::Overwrite]));
    }
    let (sessions, _) = ws.store().sessions(&snapshot)?;
    let sessions: Vec<&Session> = sessions
        .iter()
        .filter(|s| {
            s.mission.as_deref() == Some(id)
                || s.captures.iter().any(|c| c.mission.as_deref() == Some(id))
        })
        .collect();
    let mut findings = Vec::new();
    for kind in [ItemKind::Decision, ItemKind::Learning, ItemKind::Constraint] {
        let (items, _) = ws.store().items(&snapshot, kind)?;
        for item in items.iter().filter(|i| i.mission.as_deref() == Some(id)) {
            let mut line = format!("**{kind}** {}", item.text);
            if let Some(why) = &item.rationale {
                let _ = write!(line, ": {}", one_line(why));
            }
            findings.push(line);
        }
    }
    let sprint = mission
        .sprint
        .as_ref()
        .map(|s| match snapshot.meta.sprints.get(s) {
            Some(sprint) => format!("{s} – {}", sprint.title),
            None => s.clone(),
        });
    let markdown = render(&mission, sprint, &sessions, &findings);
    let path = match out {
        Some(path) => {
            // Through the one checked writer: a symbolic link at the path is refused.
            let (root, name) = crate::safe_fs::Root::of_file(path)?;
            root.write(&name, markdown.as_bytes())?;
            Some(path.display().to_string())
        }
        None => None,
    };
    Ok(Outcome::read(
        Report {
            mission: id.to_string(),
            markdown,
            path,
        },
        &snapshot,
    ))
}

fn render(
    m: &Mission,
    sprint: Option<String>,
    sessions: &[&Session],
    findings: &[String],
) -> String {
    let mut out = format!(
        "# Research Report: {} – {}\n\n## Mission Overview\n\n",
        m.id, m.name
    );
    let when = |t: Option<Timestamp>| t.map_or("—".to_string(), |t| t.to_string());
    let _ = writeln!(out, "- **Status**: {}", m.status);
    let _ = writeln!(
        out,
        "- **Sprint**: {}",
        sprint.unwrap_or_else(|| "Unassigned".into())
    );
    let _ = writeln!(out, "- **Started**: {}", when(m.started_at));
    let _ = writeln!(out, "- **Completed**: {}", when(m.completed_at));
    let worked = m.time_spent(Timestamp::now()).worked;
    match m.estimate {
        Some(e) => {
            let _ = writeln!(out, "- **Time**: {worked} worked of {e} estimated");
        }
        None => {
            let _ = writeln!(out, "- **Time**: {worked} worked");
        }
    }
    out.push_str("\n## Mission Brief\n\n");
    match (&m.objective, &m.context) {
        (None, None) => out.push_str("_No description recorded._\n"),
        (objective, context) => {
            for text in [objective, context].into_iter().flatten() {
                let _ = writeln!(out, "{}\n", text.trim_end());
            }
        }
    }
    let questions = m
        .extra
        .get("research_questions")
        .or_else(|| m.extra.get("researchQuestions"))
        .and_then(|v| v.as_array());
    if let Some(questions) = questions {
        out.push_str("\n### Research Questions\n\n");
        for q in questions {
            let _ = writeln!(
                out,
                "- {}",
                q.as_str().map_or_else(|| q.to_string(), str::to_string)
            );
        }
    }
    let list = |out: &mut String, title: &str, items: &[String], empty: &str| {
        let _ = writeln!(out, "\n### {title}\n");
        if items.is_empty() {
            let _ = writeln!(out, "- {empty}");
        }
        for item in items {
            let _ = writeln!(out, "- {item}");
        }
    };
    list(
        &mut out,
        "Success Criteria",
        &m.success_criteria,
        "No success criteria recorded.",
    );
    list(
        &mut out,
        "Deliverables",
        &m.deliverables,
        "No deliverables recorded.",
    );
    out.push_str("\n## Key Findings\n\n");
    let captures: Vec<String> = sessions
        .iter()
        .flat_map(|s| s.captures.iter())
        .filter(|c| c.mission.as_deref().is_none_or(|mission| mission == m.id))
        .map(|c| format!("**{}** {}", c.category, one_line(&c.text)))
        .collect();
    if m.notes.is_none() && findings.is_empty() && captures.is_empty() {
        out.push_str("_No mission notes were stored._\n");
    }
    if let Some(notes) = &m.notes {
        let _ = writeln!(out, "{}\n", notes.trim_end());
    }
    for line in findings.iter().chain(&captures) {
        let _ = writeln!(out, "- {line}");
    }
    out.push_str("\n## Session Timeline\n\n");
    let mut timeline: Vec<(Timestamp, String)> = m
        .transitions
        .iter()
        .map(|t| {
            let note = t
                .note
                .as_deref()
                .map_or(String::new(), |n| format!(": {}", one_line(n)));
            (
                t.at,
                format!("- {} — **{}** [{} → {}]{note}", t.at, t.by, t.from, t.to),
            )
        })
        .collect();
    for s in sessions {
        let next = s
            .next_steps
            .first()
            .map_or(String::new(), |n| format!(" _(next: {})_", one_line(n)));
        let summary = s
            .summary
            .as_deref()
            .map_or_else(|| s.title.clone(), one_line);
        timeline.push((
            s.started_at,
            format!(
                "- {} — **{}** [{} session {}]: {summary}{next}",
                s.started_at, s.agent, s.kind, s.id
            ),
        ));
    }
    timeline.sort();
    if timeline.is_empty() {
        out.push_str("_No sessions or transitions recorded._\n");
    }
    for (_, line) in timeline {
        let _ = writeln!(out, "{line}");
    }
    out.push_str("\n## Metadata Snapshot\n\n```json\n");
    out.push_str(&serde_json::to_string_pretty(m).unwrap_or_default());
    out.push_str("\n```\n");
    out
}
