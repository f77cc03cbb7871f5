//! `cmos sprint show ID --burndown`: the burndown as a small chart in the terminal. Bars are
//! the work remaining each day (eighth blocks for the top of a bar), dots the ideal line
//! when the sprint has dates; the axes give the counts and the first and last dates.

use chrono::{Days, NaiveDate};

use crate::cli::output::Style;
use crate::model::text::one_line_cut;
use crate::ops::burndown::{BurnDay, Burndown};

/// The chart's size in characters, without its axes.
const WIDTH: usize = 60;
const HEIGHT: usize = 12;
const TITLE_WIDTH: usize = 60;
/// Eighths of a cell, from one to a full block.
const EIGHTHS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// The ideal line over an empty cell, and where it falls inside a bar.
const IDEAL: char = '·';
const IDEAL_IN_BAR: char = '▒';

pub fn render(b: &Burndown, style: &Style) -> String {
    let dates = match (b.start, b.end) {
        (None, None) => String::new(),
        (start, end) => format!(
            "  ({} → {})",
            start.map_or("?".into(), |d| d.to_string()),
            end.map_or("?".into(), |d| d.to_string())
        ),
    };
    let mut out = format!(
        "Burndown of sprint {} {}{dates}\n\n",
        style.bold(&b.sprint),
        one_line_cut(&b.title, TITLE_WIDTH)
    );
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let all: Vec<NaiveDate> = (b.days.iter().map(|d| d.date.as_str()))
        .chain(b.ideal.iter().map(|p| p.date.as_str()))
        .filter_map(parse)
        .collect();
    let (Some(&first), Some(&last)) = (all.iter().min(), all.iter().max()) else {
        out.push_str("No days to draw yet: the sprint has not started.\n");
        return out;
    };
    if b.days.is_empty() {
        out.push_str("No days to draw yet: the sprint has not started.\n");
    }
    let span = (last - first).num_days().max(0) as usize;
    // Each day gets the same number of columns when they fit; else columns sample the days.
    let per_day = (WIDTH / (span + 1)).clamp(1, 12);
    let width = if span < WIDTH {
        (span + 1) * per_day
    } else {
        WIDTH
    };
    let day_of = |column: usize| -> NaiveDate {
        let offset = if span < WIDTH {
            column / per_day
        } else {
            column * span / (width - 1)
        };
        first + Days::new(offset as u64)
    };
    let day = |d: NaiveDate| -> Option<&BurnDay> {
        let text = d.format("%Y-%m-%d").to_string();
        b.days.iter().find(|x| x.date == text)
    };
    let ideal = |d: NaiveDate| -> Option<f64> {
        let text = d.format("%Y-%m-%d").to_string();
        b.ideal.iter().find(|p| p.date == text).map(|p| p.remaining)
    };
    let top = (b.days.iter().map(|d| d.scope as f64))
        .chain(b.ideal.iter().map(|p| p.remaining))
        .fold(1.0_f64, f64::max)
        .ceil();
    // Heights in eighths of a cell.
    let eighths = |v: f64| (v / top * (HEIGHT * 8) as f64).round() as usize;
    let columns: Vec<(Option<usize>, Option<usize>)> = (0..width)
        .map(|c| {
            let d = day_of(c);
            (
                day(d).map(|x| eighths(x.remaining as f64)),
                ideal(d).map(|v| (eighths(v) / 8).min(HEIGHT - 1)),
            )
        })
        .collect();

    let label_width = format!("{top}").len();
    for row in (0..HEIGHT).rev() {
        let label = if row == HEIGHT - 1 {
            format!("{top:>label_width$} ┤")
        } else if row == HEIGHT / 2 {
            format!("{:>label_width$} ┤", (top / 2.0).round())
        } else {
            format!("{:>label_width$} │", "")
        };
        out.push_str(&style.dim(&label));
        for (bar, ideal_row) in &columns {
            let filled = bar.map_or(0, |h| h.saturating_sub(row * 8).min(8));
            // The ideal line shows over the top of a bar; inside a full cell it is shaded.
            let cell = match (filled, *ideal_row == Some(row)) {
                (8, true) => IDEAL_IN_BAR,
                (_, true) => IDEAL,
                (0, false) => ' ',
                (n, false) => EIGHTHS[n - 1],
            };
            out.push(cell);
        }
        out.push('\n');
    }
    out.push_str(&style.dim(&format!("{:>label_width$} └{}\n", 0, "─".repeat(width))));
    let (from, to) = (
        first.format("%m-%d").to_string(),
        last.format("%m-%d").to_string(),
    );
    let gap = (width + 1).saturating_sub(from.len() + to.len()).max(1);
    out.push_str(&style.dim(&format!(
        "{:>label_width$}  {from}{}{to}\n",
        "",
        " ".repeat(gap)
    )));
    let mut legend = format!("{} remaining", EIGHTHS[7]);
    if !b.ideal.is_empty() {
        legend.push_str(&format!("   {IDEAL} ideal"));
    }
    out.push_str(&format!("\n{}\n", style.dim(&legend)));
    if let Some(latest) = b.days.last() {
        out.push_str(&format!(
            "{}: scope {}, done {}, remaining {}\n",
            latest.date, latest.scope, latest.done, latest.remaining
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(days: &[(&str, usize, usize)], ideal: &[(&str, f64)]) -> Burndown {
        Burndown {
            sprint: "S1".into(),
            title: "First".into(),
            start: None,
            end: None,
            days: days
                .iter()
                .map(|(date, scope, done)| BurnDay {
                    date: date.to_string(),
                    scope: *scope,
                    done: *done,
                    remaining: scope - done,
                })
                .collect(),
            ideal: ideal
                .iter()
                .map(|(date, remaining)| crate::ops::burndown::IdealPoint {
                    date: date.to_string(),
                    remaining: *remaining,
                })
                .collect(),
        }
    }

    #[test]
    fn the_chart_keeps_its_size_with_bars_ideal_and_axes() {
        let b = chart(
            &[
                ("2026-11-01", 4, 0),
                ("2026-11-02", 4, 2),
                ("2026-11-03", 4, 4),
            ],
            &[
                ("2026-11-01", 4.0),
                ("2026-11-02", 2.0),
                ("2026-11-03", 0.0),
            ],
        );
        let text = render(&b, &Style::new(false));
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.contains('┤') || l.contains('│'))
            .collect();
        assert_eq!(rows.len(), HEIGHT, "{text}");
        assert!(rows[0].starts_with("4 ┤"), "{text}");
        assert!(text.contains("11-01") && text.contains("11-03"), "{text}");
        assert!(
            text.contains(IDEAL) || text.contains(IDEAL_IN_BAR),
            "{text}"
        );
        assert!(
            text.contains("2026-11-03: scope 4, done 4, remaining 0"),
            "{text}"
        );
        // The first day's bar is full height: 4 of 4 remaining.
        assert!(
            rows[0].contains('█') || rows[0].contains(IDEAL_IN_BAR),
            "{text}"
        );
        for row in &rows {
            assert!(row.chars().count() <= WIDTH + 4, "{row}");
        }
    }

    #[test]
    fn many_days_are_sampled_into_the_width() {
        let dates: Vec<String> = (0..200)
            .map(|i| {
                (NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Days::new(i))
                    .format("%Y-%m-%d")
                    .to_string()
            })
            .collect();
        let days: Vec<(&str, usize, usize)> = dates
            .iter()
            .enumerate()
            .map(|(i, d)| (d.as_str(), 200, i))
            .collect();
        let text = render(&chart(&days, &[]), &Style::new(false));
        let axis = text.lines().find(|l| l.contains('└')).unwrap();
        assert_eq!(axis.chars().filter(|c| *c == '─').count(), WIDTH);
        assert!(!text.contains("ideal"), "no dates, no ideal line: {text}");
    }

    #[test]
    fn a_sprint_not_started_says_so() {
        let text = render(&chart(&[], &[]), &Style::new(false));
        assert!(text.contains("No days to draw yet"), "{text}");
    }
}
