//! The board's visuals on a real repository: the burndown drawn from transitions spread over
//! days (as data, as the terminal chart of `sprint show --burndown`, as SVG), the dependency
//! graph of a sprint with a link out of it, pruning, and hostile text from the branch in every
//! output (escaped for the terminal, for XML).

mod common;

use cmos::ops::Workspace;
use cmos::ops::burndown::burndown;
use cmos::ops::depgraph::{GraphScope, depgraph};
use common::Repo;
use serde_json::Value;

fn day(d: u32, hm: &str) -> String {
    format!("2026-11-{d:02}T{hm}:00Z")
}

/// Sprint S1 (Nov 1 to 5) with four missions on day 1, A1 completed on day 2, A2 on day 3,
/// A4 deferred on day 3 and A5 added that evening; A2 requires A1, A3 requires A2, A5
/// requires A3, and X1 of sprint S2 blocks A3. H1 is named like markup.
fn history() -> Repo {
    let repo = Repo::new();
    repo.ok_at(
        &day(1, "09:00"),
        &[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "Foundations",
        ],
    );
    repo.ok_at(
        &day(1, "09:01"),
        &[
            "sprint",
            "update",
            "S1",
            "--start",
            "2026-11-01",
            "--end",
            "2026-11-05",
        ],
    );
    repo.ok_at(
        &day(1, "09:02"),
        &["sprint", "add", "S2", "--title", "Later"],
    );
    for (id, name, sprint) in [
        ("A1", "Parse the config", "S1"),
        ("A2", "Cache the index", "S1"),
        ("A3", "Serve the board", "S1"),
        ("A4", "Port to Windows", "S1"),
        ("X1", "Review the API", "S2"),
    ] {
        repo.ok_at(
            &day(1, "09:05"),
            &["mission", "add", id, name, "--sprint", sprint],
        );
    }
    repo.ok_at(
        &day(1, "09:06"),
        &["mission", "depends", "A2", "A1", "--type", "requires"],
    );
    repo.ok_at(
        &day(1, "09:06"),
        &["mission", "depends", "A3", "A2", "--type", "requires"],
    );
    repo.ok_at(
        &day(1, "09:06"),
        &["mission", "depends", "X1", "A3", "--type", "blocks"],
    );
    repo.ok_at(&day(2, "10:00"), &["mission", "start", "A1"]);
    repo.ok_at(&day(2, "16:00"), &["mission", "complete", "A1"]);
    repo.ok_at(&day(3, "09:00"), &["mission", "start", "A2"]);
    repo.ok_at(&day(3, "18:00"), &["mission", "complete", "A2"]);
    repo.ok_at(&day(3, "18:05"), &["mission", "defer", "A4"]);
    repo.ok_at(
        &day(3, "20:00"),
        &["mission", "add", "A5", "Ship it", "--sprint", "S1"],
    );
    repo.ok_at(
        &day(3, "20:01"),
        &["mission", "depends", "A5", "A3", "--type", "requires"],
    );
    repo.ok_at(
        &day(3, "20:02"),
        &["mission", "add", "H1", "<script>&\"", "--sprint", "S1"],
    );
    repo
}

fn json_at(repo: &Repo, now: &str, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let envelope: Value = serde_json::from_str(&repo.ok_at(now, &all)).expect("an envelope");
    envelope["data"].clone()
}

fn figures(b: &Value) -> Vec<(String, u64, u64, u64)> {
    b["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["scope"].as_u64().unwrap(),
                d["done"].as_u64().unwrap(),
                d["remaining"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn sprint_show_burndown_json_counts_each_day_from_the_transitions() {
    let repo = history();
    let b = json_at(
        &repo,
        &day(4, "12:00"),
        &["sprint", "show", "S1", "--burndown"],
    );
    let d = |date: &str, scope, done| (date.to_string(), scope, done, scope - done);
    // Day 3: A4 is parked (out of scope), A5 and H1 came in: scope 5, A1 and A2 done.
    assert_eq!(
        figures(&b),
        vec![
            d("2026-11-01", 4, 0),
            d("2026-11-02", 4, 1),
            d("2026-11-03", 5, 2),
            d("2026-11-04", 5, 2),
        ]
    );
    assert_eq!(
        (b["start"].as_str(), b["end"].as_str()),
        (Some("2026-11-01"), Some("2026-11-05"))
    );
    let ideal: Vec<f64> = b["ideal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["remaining"].as_f64().unwrap())
        .collect();
    assert_eq!(ideal, vec![4.0, 3.0, 2.0, 1.0, 0.0]);
    assert_eq!(b["sprint"], "S1");
    assert_eq!(b["title"], "Foundations");
}

/// A mission carried to another sprint, or moved by `mission update --sprint`, counts in each
/// sprint's burndown on the days it was there: S1 keeps them until the move, S2 has them from
/// it (before, S1's burndown lost the carried work and S2's counted it from its creation).
#[test]
fn moved_missions_count_in_each_sprint_on_the_days_they_were_there() {
    let repo = history();
    repo.ok_at(
        &day(2, "08:00"),
        &["mission", "update", "A4", "--sprint", "S2"],
    );
    repo.ok_at(
        &day(4, "08:00"),
        &["sprint", "carry-forward", "S1", "--to", "S2"],
    );
    let s1 = json_at(
        &repo,
        &day(4, "12:00"),
        &["sprint", "show", "S1", "--burndown"],
    );
    let scope = |b: &Value| -> Vec<u64> {
        b["days"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["scope"].as_u64().unwrap())
            .collect()
    };
    // Day 1: A1..A4; day 2: A4 moved out; day 3: A5 and H1 came; day 4: the open ones left,
    // A1 and A2 (Completed) stay.
    assert_eq!(scope(&s1), [4, 3, 5, 2], "{s1:#}");
    assert_eq!(s1["days"][3]["done"], 2);
    let s2 = json_at(
        &repo,
        &day(4, "12:00"),
        &["sprint", "show", "S2", "--burndown"],
    );
    // X1 from day 1, A4 from day 2 (parked when deferred on day 3), the carried A3, A5 and
    // H1 from day 4.
    assert_eq!(scope(&s2), [1, 2, 1, 4], "{s2:#}");
}

#[test]
fn sprint_show_burndown_draws_a_chart_with_axes_and_the_ideal_line() {
    let repo = history();
    let text = repo.ok_at(&day(4, "12:00"), &["sprint", "show", "S1", "--burndown"]);
    assert!(
        text.starts_with("Burndown of sprint S1 Foundations  (2026-11-01 → 2026-11-05)"),
        "{text}"
    );
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains('┤') || l.contains('│'))
        .collect();
    assert_eq!(rows.len(), 12, "{text}");
    assert!(rows[0].trim_start().starts_with("5 ┤"), "{text}");
    assert!(
        text.contains('└') && text.contains("11-01") && text.contains("11-05"),
        "{text}"
    );
    assert!(text.contains("· ideal"), "{text}");
    assert!(text.contains('█'), "{text}");
    assert!(
        text.contains("2026-11-04: scope 5, done 2, remaining 3"),
        "{text}"
    );
    // The plain `show` is unchanged.
    let plain = repo.ok_at(&day(4, "12:00"), &["sprint", "show", "S1"]);
    assert!(!plain.contains("Burndown"), "{plain}");
}

#[test]
fn a_completed_sprint_stops_at_its_completion_and_an_unknown_one_is_not_found() {
    let repo = history();
    repo.ok_at(&day(4, "09:00"), &["sprint", "complete", "S1", "--force"]);
    let b = json_at(
        &repo,
        &day(9, "12:00"),
        &["sprint", "show", "S1", "--burndown"],
    );
    let days = figures(&b);
    assert_eq!(days.last().unwrap().0, "2026-11-04", "{days:?}");
    let out = repo.cmos_at(
        &day(9, "12:00"),
        &["--json", "sprint", "show", "S9", "--burndown"],
    );
    assert_eq!(out.status.code(), Some(3));
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(envelope["error"]["code"], "not_found");
}

#[test]
fn burndown_of_no_current_sprint_asks_for_one() {
    let repo = history();
    repo.ok_at(&day(4, "09:00"), &["sprint", "complete", "S1", "--force"]);
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let err = burndown(&ws, None).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("no current sprint"), "{err}");
    // Named, it still draws.
    assert_eq!(
        burndown(&ws, Some("foundations")).unwrap().data.sprint,
        "S1"
    );
}

#[test]
fn a_hostile_sprint_title_is_escaped_in_the_terminal_chart_and_the_svg() {
    let repo = history();
    let path = cmos::format::layout::sprint_path("S1");
    let record = repo.show(&path);
    let hostile = record.replace(
        "title = \"Foundations\"",
        "title = \"Found\\u001b[2J<b>&ations\"",
    );
    assert_ne!(record, hostile, "the title line: {record}");
    repo.edit_on_branch(&path, &hostile);
    let text = repo.ok_at(&day(4, "12:00"), &["sprint", "show", "S1", "--burndown"]);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(text.contains("Found\\e[2J<b>&ations"), "{text}");
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let svg = cmos::svg::burndown(&burndown(&ws, Some("S1")).unwrap().data);
    well_formed(&svg);
    assert!(
        !svg.contains("<b>") && svg.contains("&lt;b&gt;&amp;ations"),
        "{svg}"
    );
}

#[test]
fn the_burndown_svg_has_axes_lines_and_the_ideal_line() {
    let repo = history();
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let svg = cmos::svg::burndown(&burndown(&ws, Some("S1")).unwrap().data);
    well_formed(&svg);
    for class in [
        "line scope",
        "line done",
        "line remaining",
        "line ideal",
        "axis",
    ] {
        assert!(
            svg.contains(&format!("class=\"{class}\"")),
            "{class}: {svg}"
        );
    }
    assert!(
        svg.contains("viewBox=\"0 0 ") && svg.contains("<style>"),
        "{svg}"
    );
}

#[test]
fn the_sprint_graph_layers_the_chain_draws_the_boundary_and_escapes_names() {
    let repo = history();
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let scope = GraphScope {
        sprint: Some("S1".into()),
        prune: false,
    };
    let g = depgraph(&ws, &scope).unwrap().data;
    let layer = |id: &str| {
        g.nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| (n.layer, n.boundary))
    };
    assert_eq!(layer("A1"), Some((0, false)));
    assert_eq!(layer("A2"), Some((1, false)));
    assert_eq!(layer("A3"), Some((2, false)));
    assert_eq!(layer("A5"), Some((3, false)));
    assert_eq!(layer("X1"), Some((0, true)), "X1 of S2 blocks A3");
    assert_eq!(g.nodes.len(), 7);
    assert!(g.cycles.is_empty());
    let a3 = g.nodes.iter().find(|n| n.id == "A3").unwrap();
    assert!(!a3.ready, "A3 waits on X1");

    let svg = cmos::svg::graph(&g);
    well_formed(&svg);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains("&lt;script&gt;&amp;&quot;"), "{svg}");
    assert!(
        svg.contains("class=\"node status-completed\" data-id=\"A1\""),
        "{svg}"
    );
    assert!(svg.contains("href=\"#/mission/A3\""), "{svg}");
    assert!(svg.contains("boundary"), "{svg}");
    assert_eq!(svg.matches("<path class=\"edge").count(), g.edges.len());

    let pruned = depgraph(
        &ws,
        &GraphScope {
            sprint: Some("S1".into()),
            prune: true,
        },
    )
    .unwrap()
    .data;
    let ids: Vec<&str> = pruned.nodes.iter().map(|n| n.id.as_str()).collect();
    // A1, A2 (Completed), then A4 and H1 (no link left) go.
    assert_eq!(pruned.pruned, 4, "{ids:?}");
    assert!(
        ids.contains(&"A3") && ids.contains(&"A5") && ids.contains(&"X1"),
        "{ids:?}"
    );
    well_formed(&cmos::svg::graph(&pruned));
}

#[test]
fn the_open_work_graph_and_an_empty_graph_are_documents_too() {
    let repo = history();
    let ws = Workspace::open(&repo.path, Some("tester".into())).expect("open");
    let open = depgraph(&ws, &GraphScope::default()).unwrap().data;
    let ids: Vec<&str> = open.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(!ids.contains(&"A1") && !ids.contains(&"A4"), "{ids:?}");
    assert!(ids.contains(&"X1") && ids.contains(&"A3"), "{ids:?}");
    well_formed(&cmos::svg::graph(&open));
    let empty = depgraph(
        &ws,
        &GraphScope {
            sprint: Some("S2".into()),
            prune: true,
        },
    )
    .unwrap()
    .data;
    // X1's only link is to A3, outside S2 and open: drawn as a boundary node, nothing pruned.
    assert_eq!(empty.nodes.len(), 2);
    let svg = cmos::svg::graph(&cmos::ops::depgraph::DepGraph {
        nodes: Vec::new(),
        edges: Vec::new(),
        layers: 0,
        ..empty
    });
    well_formed(&svg);
    assert!(svg.contains("No missions to draw."), "{svg}");
}

/// A small XML well-formedness check: one root element, tags that nest and close, quoted
/// attributes, entities only of the known kinds, no character XML forbids.
fn well_formed(doc: &str) {
    let bad = |why: &str, at: usize| -> ! {
        let from = at.saturating_sub(60);
        panic!(
            "not well-formed ({why}) at byte {at}: …{}…",
            &doc[from..(at + 60).min(doc.len())]
        )
    };
    let entity_ok = |rest: &str| {
        ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
            .iter()
            .any(|e| rest.starts_with(e))
    };
    for (i, c) in doc.char_indices() {
        if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') {
            bad("a control character", i);
        }
        if c == '&' && !entity_ok(&doc[i..]) {
            bad("a bare &", i);
        }
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut i = 0;
    while let Some(open) = doc[i..].find('<') {
        let start = i + open;
        if stack.is_empty() && !doc[i..start].trim().is_empty() {
            bad("text outside the root", i);
        }
        if doc[start..].starts_with("<!--") {
            i = start
                + doc[start..]
                    .find("-->")
                    .unwrap_or_else(|| bad("comment", start))
                + 3;
            continue;
        }
        let end = start
            + doc[start..]
                .find('>')
                .unwrap_or_else(|| bad("unclosed tag", start));
        let tag = &doc[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                _ => bad("a closing tag that does not match", start),
            }
        } else {
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
            let name = &tag[..name_end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == ':') {
                bad("a tag name", start);
            }
            // Attributes: name="value" pairs, values without < or ".
            let mut rest = tag[name_end..].trim_start();
            while !rest.is_empty() {
                let eq = rest
                    .find("=\"")
                    .unwrap_or_else(|| bad("an unquoted attribute", start));
                let attr = &rest[..eq];
                if attr.is_empty() || attr.contains(char::is_whitespace) {
                    bad("an attribute name", start);
                }
                let value_end = rest[eq + 2..]
                    .find('"')
                    .unwrap_or_else(|| bad("an unclosed value", start));
                if rest[eq + 2..eq + 2 + value_end].contains('<') {
                    bad("< in a value", start);
                }
                rest = rest[eq + 2 + value_end + 1..].trim_start();
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name);
            }
        }
        i = end + 1;
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, 1, "one root element");
    assert!(
        doc.trim_start()
            .starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    );
}

#[test]
fn the_well_formedness_check_catches_broken_documents() {
    let broken = [
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>a & b</text></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><text a=\"<\">x</text></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"></svg><svg xmlns=\"x\"></svg>",
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>\u{1b}</text></svg>",
    ];
    for doc in broken {
        let caught = std::panic::catch_unwind(|| well_formed(doc)).is_err();
        assert!(caught, "{doc}");
    }
    well_formed("<svg xmlns=\"http://www.w3.org/2000/svg\"><g a=\"1\"><rect/></g></svg>");
}
