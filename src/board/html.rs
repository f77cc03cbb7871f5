//! The board's views as static HTML for `board export`: the kanban, the timeline and a page
//! per mission, with relative links and no script. Every text from the branch goes through
//! `svg::escape`.

use crate::ops::board::{Kanban, MissionPage, Problem, Timeline};
use crate::svg::escape;

/// The pages' style, inline so each file opens on its own.
const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}\
nav a{margin-right:1em}h1{font-size:1.4em}.columns{display:flex;gap:.75em;align-items:flex-start;overflow-x:auto}\
.column{background:#f3f4f6;border-radius:6px;padding:.5em;min-width:12em;flex:1}\
.column h2{font-size:1em;margin:.2em 0 .5em}.count{color:#666;font-weight:normal}\
.card{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.4em;margin:.4em 0;display:block;color:inherit;text-decoration:none}\
.card .id{font-weight:600;margin-right:.4em}.waiting{color:#9a3412;font-size:.9em;margin:.2em 0 0;padding-left:1.2em}\
table{border-collapse:collapse}td,th{border-bottom:1px solid #e5e7eb;padding:.3em .6em;text-align:left;vertical-align:top}\
#problems{background:#fef2f2;border:1px solid #fecaca;padding:.5em 1em}pre{white-space:pre-wrap}";

/// A mission page's file, relative to the export's root.
pub fn mission_file(id: &str) -> String {
    format!("missions/{id}.html")
}

/// `text` as one segment of a relative URL: ids are checked on the branch (no `/`, no `..`),
/// and anything beyond letters, digits and `._-` is percent-encoded all the same.
pub fn url_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn page(title: &str, root: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\
         <nav><a href=\"{root}index.html\">Kanban</a><a href=\"{root}burndown.svg\">Burndown</a>\
         <a href=\"{root}graph.svg\">Dependency graph</a><a href=\"{root}timeline.html\">Timeline</a></nav>\
         {body}</body></html>\n",
        escape(title)
    )
}

fn problems(problems: &[Problem]) -> String {
    if problems.is_empty() {
        return String::new();
    }
    let items: String = problems
        .iter()
        .map(|p| {
            let line = p.line.map_or(String::new(), |l| format!(":{l}"));
            format!(
                "<li><code>{}{line}</code>: {}</li>",
                escape(&p.path),
                escape(&p.message)
            )
        })
        .collect();
    format!("<div id=\"problems\"><p>Records that could not be read:</p><ul>{items}</ul></div>")
}

/// The kanban, rendered on the server.
pub fn kanban(project: &str, board: &Kanban, problem_list: &[Problem]) -> String {
    let heading = match &board.sprint {
        Some(s) => format!("{} · {} {} ({})", project, s.id, s.title, s.status),
        None => format!("{project} · missions in no sprint"),
    };
    let mut body = format!(
        "<h1>{}</h1>{}<div class=\"columns\">",
        escape(&heading),
        problems(problem_list)
    );
    for column in &board.columns {
        body.push_str(&format!(
            "<section class=\"column\" data-column=\"{}\"><h2>{} <span class=\"count\">{}</span></h2>",
            column.key, column.label, column.count
        ));
        for card in &column.cards {
            let waiting: String = card
                .waiting
                .iter()
                .map(|w| format!("<li>{}</li>", escape(w)))
                .collect();
            let waiting = if waiting.is_empty() {
                String::new()
            } else {
                format!("<ul class=\"waiting\">{waiting}</ul>")
            };
            body.push_str(&format!(
                "<a class=\"card\" data-card=\"{id}\" href=\"{href}\"><span class=\"id\">{id}</span>{name}{waiting}</a>",
                id = escape(&card.id),
                href = escape(&mission_file(&url_segment(&card.id))),
                name = escape(&card.name),
            ));
        }
        body.push_str("</section>");
    }
    body.push_str("</div>");
    page(&heading, "", &body)
}

/// The timeline as a table, newest first.
pub fn timeline(project: &str, timeline: &Timeline, linked: impl Fn(&str) -> bool) -> String {
    let mut rows = String::new();
    for e in &timeline.entries {
        let missions: Vec<String> = e
            .missions
            .iter()
            .map(|m| match linked(m) {
                true => format!(
                    "<a href=\"{}\">{}</a>",
                    escape(&mission_file(&url_segment(m))),
                    escape(m)
                ),
                false => escape(m),
            })
            .collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&e.at.to_string()),
            e.kind,
            escape(&e.id),
            escape(&e.title),
            escape(&e.by),
            missions.join(", ")
        ));
    }
    let title = format!("{project} · timeline");
    let body = format!(
        "<h1>{}</h1><table><tr><th>When</th><th>Kind</th><th>Id</th><th>What</th><th>By</th>\
         <th>Missions</th></tr>{rows}</table>",
        escape(&title)
    );
    page(&title, "", &body)
}

/// A mission's page: its record, links, history, commits and conflicts.
pub fn mission(page_data: &MissionPage, linked: impl Fn(&str) -> bool) -> String {
    let m = &page_data.mission;
    let title = format!("{} {}", m.id, m.name);
    let mut body = format!(
        "<h1>{}</h1><p>Status: <strong>{}</strong>{}</p>",
        escape(&title),
        m.status,
        m.sprint
            .as_deref()
            .map_or(String::new(), |s| format!(" · sprint {}", escape(s))),
    );
    let links: String = page_data
        .links
        .iter()
        .map(|l| {
            let other = match linked(&l.id) {
                true => format!(
                    "<a href=\"{}.html\">{}</a>",
                    escape(&url_segment(&l.id)),
                    escape(&l.id)
                ),
                false => escape(&l.id),
            };
            let status = l.status.map_or("missing".to_string(), |s| s.to_string());
            let name = l.name.as_deref().map(escape).unwrap_or_default();
            let text = match l.direction {
                "out" => format!("this {} {other} {name} ({status})", l.kind),
                _ => format!("{other} {name} ({status}) {} this", l.kind),
            };
            format!("<li>{text}</li>")
        })
        .collect();
    body.push_str(&format!("<h2>Links</h2><ul>{links}</ul>"));
    let history: String = page_data
        .history
        .iter()
        .map(|h| {
            format!(
                "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{}</td></tr>",
                escape(&h.at.to_string()),
                h.from,
                h.to,
                escape(&h.by),
                h.note.as_deref().map(escape).unwrap_or_default()
            )
        })
        .collect();
    body.push_str(&format!("<h2>History</h2><table>{history}</table>"));
    let commits: String = page_data
        .commits
        .iter()
        .map(|c| {
            format!(
                "<li><code>{}</code> {}</li>",
                escape(&c.short),
                escape(&c.subject)
            )
        })
        .collect();
    body.push_str(&format!("<h2>Commits</h2><ul>{commits}</ul>"));
    body.push_str(&format!(
        "<h2>Conflicts</h2><p>{} recorded</p>",
        page_data.conflicts.len()
    ));
    // The whole record, as the branch holds it, for everything the sections above leave out.
    let record = serde_json::to_string_pretty(m).unwrap_or_default();
    body.push_str(&format!("<h2>Record</h2><pre>{}</pre>", escape(&record)));
    page(&title, "../", &body)
}
