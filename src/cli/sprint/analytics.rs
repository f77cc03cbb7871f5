//! `cmos sprint analytics`: the figures of the newest sprints as text (the envelope with
//! --json).

use crate::cli::output::{Style, table};
use crate::model::text::one_line_cut;
use crate::ops::analytics::{Analytics, Direction, Trend};

/// How wide a sprint's title is in the table.
const TITLE_WIDTH: usize = 40;

fn opt<T: std::fmt::Display>(value: Option<T>, unit: &str) -> String {
    value.map_or("-".into(), |v| format!("{v}{unit}"))
}

fn trend(t: &Trend) -> String {
    let word = match t.direction {
        Direction::Increasing => "increasing",
        Direction::Decreasing => "decreasing",
        Direction::Stable => "stable",
    };
    match t.change_percent {
        Some(change) => format!("{word} ({change:+.1}%)"),
        None => word.into(),
    }
}

pub fn render(a: &Analytics, style: &Style) -> String {
    let w = &a.window;
    let mut out = match (&w.oldest, &w.newest) {
        (Some(oldest), Some(newest)) => format!(
            "Sprint analytics: {} of the newest {} requested, {} to {}\n\n",
            w.count,
            w.requested,
            style.bold(oldest),
            style.bold(newest)
        ),
        _ => "Sprint analytics: no Active or Completed sprint yet.\n".into(),
    };
    if a.sprints.is_empty() {
        return out;
    }
    let mut rows = vec![
        [
            "SPRINT", "STATUS", "DONE", "TOTAL", "BLOCKED", "PARKED", "RATE", "CYCLE", "DEC",
            "LEARN", "SESS", "TITLE",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for s in &a.sprints {
        rows.push(vec![
            s.id.clone(),
            s.status.to_string(),
            s.completed.to_string(),
            s.total.to_string(),
            s.blocked.to_string(),
            s.parked.to_string(),
            opt(s.completion_rate, "%"),
            s.average_cycle_days
                .map_or("-".into(), |d| format!("{d:.2}d")),
            s.decisions.to_string(),
            s.learnings.to_string(),
            format!("{} ({} linked)", s.sessions, s.linked_sessions),
            one_line_cut(&s.title, TITLE_WIDTH),
        ]);
    }
    out.push_str(&table(
        &rows,
        |r, _, cell| {
            if r == 0 { style.dim(&cell) } else { cell }
        },
    ));
    out.push('\n');
    let t = &a.trends;
    let figures = vec![
        vec![
            "Velocity".into(),
            format!(
                "{} per Completed sprint, {}",
                a.velocity.map_or("n/a".into(), |v| format!("{v:.2}")),
                trend(&t.velocity)
            ),
        ],
        vec![
            "Completion".into(),
            format!(
                "{} overall, {}",
                a.completion_rate.map_or("n/a".into(), |r| format!("{r}%")),
                trend(&t.completion_rate)
            ),
        ],
        vec!["Decisions".into(), trend(&t.decisions)],
        vec![
            "Cycle time".into(),
            format!(
                "{}, {}",
                a.average_cycle_days
                    .map_or("n/a".into(), |d| format!("{d:.2} days on average")),
                trend(&t.cycle_time)
            ),
        ],
    ];
    out.push_str(&table(&figures, |_, c, cell| {
        if c == 0 { style.dim(&cell) } else { cell }
    }));
    out.push_str(&format!("\n{}\n", style.bold("Highlights")));
    for h in &a.highlights {
        out.push_str(&format!("- {h}\n"));
    }
    out
}
