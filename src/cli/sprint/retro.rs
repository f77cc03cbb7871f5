//! `cmos sprint retro ID`: the retrospective of a sprint as text (the envelope with --json).

use crate::cli::output::{Style, or_dash, table};
use crate::model::Timestamp;
use crate::model::text::one_line_cut;
use crate::ops::retro::{Retro, RetroItem, plural};

/// How wide a record's text is in a list line.
const TEXT_WIDTH: usize = 100;

fn when(at: Option<Timestamp>) -> String {
    at.map_or("-".into(), |t| {
        t.as_datetime().format("%Y-%m-%d %H:%M").to_string()
    })
}

pub fn render(r: &Retro, style: &Style) -> String {
    let k = &r.kpis;
    let mut out = format!(
        "Retrospective of sprint {} {} ({})\n\n",
        style.bold(&r.sprint.id),
        one_line_cut(&r.sprint.title, TEXT_WIDTH),
        r.sprint.status
    );
    let rate = k
        .completion_rate
        .map_or("n/a".to_string(), |rate| format!("{rate}%"));
    let cycle = k
        .average_cycle_days
        .map_or("-".to_string(), |days| format!("{days:.2} days on average"));
    let figures = vec![
        vec![
            "Completion".into(),
            format!("{rate} ({} of {} owned missions)", k.completed, k.owned),
        ],
        vec![
            "Open".into(),
            format!("{} blocked, {} unfinished", k.blocked, k.unfinished),
        ],
        vec![
            "Parked".into(),
            format!(
                "{} ({} deferred, {} dropped)",
                k.parked, k.deferred, k.dropped
            ),
        ],
        vec!["Cycle time".into(), cycle],
        vec![
            "Memory".into(),
            format!(
                "{}, {}, {} ({} linked to missions)",
                plural(k.decisions, "decision", "decisions"),
                plural(k.learnings, "learning", "learnings"),
                plural(k.sessions, "session", "sessions"),
                k.linked_sessions
            ),
        ],
    ];
    out.push_str(&table(&figures, |_, c, cell| {
        if c == 0 { style.dim(&cell) } else { cell }
    }));
    out.push('\n');
    if r.missions.is_empty() {
        out.push_str("No missions.\n");
    } else {
        let mut rows = vec![
            ["ID", "STATUS", "STARTED", "COMPLETED", "CYCLE", "NAME"]
                .map(String::from)
                .to_vec(),
        ];
        for m in &r.missions {
            rows.push(vec![
                m.id.clone(),
                m.status.to_string(),
                when(m.started_at),
                when(m.completed_at),
                m.cycle_days.map_or("-".into(), |d| format!("{d:.2}d")),
                one_line_cut(&m.name, TEXT_WIDTH),
            ]);
        }
        out.push_str(&table(
            &rows,
            |r, _, cell| {
                if r == 0 { style.dim(&cell) } else { cell }
            },
        ));
    }
    items(&mut out, "Decisions", &r.decisions, style);
    items(&mut out, "Learnings", &r.learnings, style);
    if !r.sessions.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Sessions")));
        let rows: Vec<Vec<String>> = r
            .sessions
            .iter()
            .map(|s| {
                let missions = s.missions.join(", ");
                vec![
                    s.id.clone(),
                    when(Some(s.started_at)),
                    s.agent.clone(),
                    or_dash((!missions.is_empty()).then_some(missions.as_str())),
                    one_line_cut(&s.title, TEXT_WIDTH),
                ]
            })
            .collect();
        out.push_str(&table(&rows, |_, _, cell| cell));
    }
    out.push_str(&format!("\n{}\n", style.bold("Summary (commit-ready)")));
    out.push_str(&r.summary);
    // The summary is text to paste, without a final newline; the terminal needs one.
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn items(out: &mut String, heading: &str, items: &[RetroItem], style: &Style) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("\n{}\n", style.bold(heading)));
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.status.to_string(),
                one_line_cut(&i.text, TEXT_WIDTH),
            ]
        })
        .collect();
    out.push_str(&table(&rows, |_, _, cell| cell));
}
