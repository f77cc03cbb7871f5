//! The burndown as SVG: axes with dates and counts, the scope, done and remaining lines,
//! and the ideal line (dashed) when the sprint has dates.

use chrono::NaiveDate;

use super::{document, escape};
use crate::ops::burndown::Burndown;

const WIDTH: u32 = 760;
const HEIGHT: u32 = 380;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 48.0;

const STYLE: &str = "\
svg { font: 12px system-ui, sans-serif; background: #fff; }
.heading { font-size: 15px; font-weight: 600; fill: #222; }
.axis { stroke: #444; stroke-width: 1; }
.grid { stroke: #e4e4e4; stroke-width: 1; }
.tick { fill: #555; }
.line { fill: none; stroke-width: 2; }
.scope { stroke: #6b7280; }
.done { stroke: #16a34a; }
.remaining { stroke: #2563eb; }
.ideal { stroke: #f59e0b; stroke-dasharray: 6 4; }
.empty { fill: #777; }
";

/// The burndown `b` as a standalone SVG document.
pub fn burndown(b: &Burndown) -> String {
    let heading = format!("Burndown of sprint {}: {}", b.sprint, b.title);
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let dates: Vec<NaiveDate> = b
        .days
        .iter()
        .map(|d| d.date.as_str())
        .chain(b.ideal.iter().map(|p| p.date.as_str()))
        .filter_map(parse)
        .collect();
    let mut body = format!(
        "<text class=\"heading\" x=\"{LEFT}\" y=\"24\">{}</text>\n",
        escape(&heading)
    );
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        body.push_str(&format!(
            "<text class=\"empty\" x=\"{LEFT}\" y=\"{}\">No days to draw yet: the sprint has not started.</text>\n",
            TOP + 40.0
        ));
        return document(WIDTH, HEIGHT, &heading, STYLE, &body);
    };
    let span = (*last - *first).num_days().max(1) as f64;
    let top_value = b
        .days
        .iter()
        .map(|d| d.scope as f64)
        .chain(b.ideal.iter().map(|p| p.remaining))
        .fold(1.0_f64, f64::max)
        .ceil();
    let (plot_w, plot_h) = (WIDTH as f64 - LEFT - RIGHT, HEIGHT as f64 - TOP - BOTTOM);
    let x = |d: NaiveDate| LEFT + (d - *first).num_days() as f64 / span * plot_w;
    let y = |v: f64| TOP + plot_h - v / top_value * plot_h;

    // Counts on the left: about five whole-number ticks.
    let step = (top_value / 5.0).ceil().max(1.0);
    let mut v = 0.0;
    while v <= top_value {
        body.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\"/>\n\
             <text class=\"tick\" x=\"{2:.1}\" y=\"{3:.1}\" text-anchor=\"end\">{v}</text>\n",
            y(v),
            LEFT + plot_w,
            LEFT - 6.0,
            y(v) + 4.0
        ));
        v += step;
    }
    // Dates below: the first, the last and a few between.
    let labels = 6.min(span as i64 + 1).max(1);
    for i in 0..labels {
        let offset = if labels == 1 {
            0
        } else {
            (span as i64 * i) / (labels - 1)
        };
        let d = *first + chrono::Days::new(offset as u64);
        body.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x(d),
            TOP + plot_h + 18.0,
            d.format("%m-%d")
        ));
    }
    body.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{0:.1}\"/>\n\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\"/>\n",
        TOP + plot_h,
        LEFT + plot_w
    ));

    let line = |class: &str, points: Vec<(NaiveDate, f64)>| -> String {
        let text: Vec<String> = points
            .iter()
            .map(|(d, v)| format!("{:.1},{:.1}", x(*d), y(*v)))
            .collect();
        format!(
            "<polyline class=\"line {class}\" points=\"{}\"/>\n",
            text.join(" ")
        )
    };
    let days = |value: fn(&crate::ops::burndown::BurnDay) -> usize| {
        b.days
            .iter()
            .filter_map(|d| Some((parse(&d.date)?, value(d) as f64)))
            .collect::<Vec<_>>()
    };
    let ideal: Vec<(NaiveDate, f64)> = b
        .ideal
        .iter()
        .filter_map(|p| Some((parse(&p.date)?, p.remaining)))
        .collect();
    let mut legend = Vec::new();
    if !ideal.is_empty() {
        body.push_str(&line("ideal", ideal));
        legend.push(("ideal", "ideal"));
    }
    body.push_str(&line("scope", days(|d| d.scope)));
    body.push_str(&line("done", days(|d| d.done)));
    body.push_str(&line("remaining", days(|d| d.remaining)));
    legend.extend([
        ("scope", "scope"),
        ("done", "done"),
        ("remaining", "remaining"),
    ]);
    for (i, (class, label)) in legend.iter().enumerate() {
        let ly = TOP + 10.0 + i as f64 * 20.0;
        let lx = LEFT + plot_w + 16.0;
        body.push_str(&format!(
            "<line class=\"line {class}\" x1=\"{lx:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\"/>\n\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\">{label}</text>\n",
            lx + 24.0,
            lx + 30.0,
            ly + 4.0
        ));
    }
    document(WIDTH, HEIGHT, &heading, STYLE, &body)
}
