//! The layout's cases: chains, diamonds, cycles, pruning, links out of the scope, and its
//! speed on a large project.

use super::*;
use crate::index::{Meta, Missions};
use crate::model::{Sprint, SprintStatus, Timestamp};

fn entry(id: &str, status: Status, sprint: Option<&str>, deps: &[(&str, DepType)]) -> MissionEntry {
    MissionEntry {
        id: id.into(),
        created: 0,
        name: format!("mission {id}"),
        status,
        sprint: sprint.map(str::to_string),
        rank: None,
        depends: deps.iter().map(|(on, k)| (on.to_string(), *k)).collect(),
        blocked_reason: None,
        awaiting_review: false,
        needs_human: false,
        decided: false,
    }
}

fn sprint(id: &str) -> Sprint {
    let t: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap();
    Sprint {
        id: id.into(),
        uid: format!("u-{id}"),
        title: format!("Sprint {id}"),
        focus: None,
        status: SprintStatus::Active,
        start: None,
        end: None,
        created_at: t,
        updated_at: t,
        completed_at: None,
        extra: Default::default(),
    }
}

fn index(entries: Vec<MissionEntry>) -> Index {
    let meta = Meta {
        sprints: ["S1", "S2"]
            .map(|s| (s.to_string(), sprint(s)))
            .into_iter()
            .collect(),
        ..Meta::default()
    };
    let missions: Missions = entries.into_iter().map(|e| (e.id.clone(), e)).collect();
    Index::new(meta, missions)
}

use DepType::{Blocks, Requires};
use Status::*;

fn sprint_scope(prune: bool) -> GraphScope {
    GraphScope {
        sprint: Some("S1".into()),
        prune,
    }
}

fn layers(g: &DepGraph) -> Vec<(String, usize)> {
    g.nodes.iter().map(|n| (n.id.clone(), n.layer)).collect()
}

fn node<'g>(g: &'g DepGraph, id: &str) -> &'g GraphNode {
    g.nodes.iter().find(|n| n.id == id).unwrap()
}

#[test]
fn a_chain_takes_one_layer_per_link_and_only_its_head_is_ready() {
    let s = Some("S1");
    let g = layout(
        &index(vec![
            entry("A", Queued, s, &[]),
            entry("B", Queued, s, &[("A", Requires)]),
            // C waits on B through B's `blocks` link.
            entry("C", Queued, s, &[]),
            entry("B2", Queued, s, &[("C", Blocks)]),
        ]),
        &sprint_scope(false),
    )
    .unwrap();
    // B2 blocks C: B2 → C.
    assert_eq!(node(&g, "A").layer, 0);
    assert_eq!(node(&g, "B").layer, 1);
    assert_eq!(node(&g, "B2").layer, 0);
    assert_eq!(node(&g, "C").layer, 1);
    assert_eq!(g.layers, 2);
    assert!(node(&g, "A").ready && !node(&g, "B").ready && !node(&g, "C").ready);
    let edges: Vec<(&str, &str)> = g
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert!(
        edges.contains(&("A", "B")) && edges.contains(&("B2", "C")),
        "{edges:?}"
    );
    assert!(g.cycles.is_empty());
}

#[test]
fn a_diamond_puts_the_join_after_its_longest_branch() {
    let s = Some("S1");
    let g = layout(
        &index(vec![
            entry("top", Completed, s, &[]),
            entry("left", Queued, s, &[("top", Requires)]),
            entry("mid", Queued, s, &[("top", Requires)]),
            entry("right", Queued, s, &[("mid", Requires)]),
            entry(
                "join",
                Queued,
                s,
                &[("left", Requires), ("right", Requires)],
            ),
        ]),
        &sprint_scope(false),
    )
    .unwrap();
    assert_eq!(node(&g, "join").layer, 3, "{:?}", layers(&g));
    assert_eq!(node(&g, "left").layer, 1);
    assert!(node(&g, "left").ready && node(&g, "mid").ready);
    // Rows within a layer are distinct and start from 0.
    let mut rows: Vec<usize> = g
        .nodes
        .iter()
        .filter(|n| n.layer == 1)
        .map(|n| n.row)
        .collect();
    rows.sort();
    assert_eq!(rows, vec![0, 1]);
}

#[test]
fn a_cycle_is_reported_and_still_laid_out() {
    let s = Some("S1");
    let g = layout(
        &index(vec![
            entry("A", Queued, s, &[("C", Requires)]),
            entry("B", Queued, s, &[("A", Requires)]),
            entry("C", Queued, s, &[("B", Requires)]),
            entry("D", Queued, s, &[("C", Requires)]),
            entry("self", Queued, s, &[("self", Requires)]),
        ]),
        &sprint_scope(false),
    )
    .unwrap();
    assert_eq!(g.cycles.len(), 2, "{:?}", g.cycles);
    assert!(
        g.cycles
            .iter()
            .any(|c| c.contains(&"A".to_string()) && c.contains(&"C".to_string()))
    );
    assert_eq!(g.nodes.len(), 5);
    // One link of the cycle is left out of the layering: the three take three layers, and D
    // comes after the cycle.
    let mut cycle_layers: Vec<usize> = ["A", "B", "C"]
        .iter()
        .map(|id| node(&g, id).layer)
        .collect();
    cycle_layers.sort();
    assert_eq!(cycle_layers, vec![0, 1, 2]);
    assert_eq!(node(&g, "D").layer, node(&g, "C").layer + 1);
}

#[test]
fn prune_drops_completed_then_isolated_missions_and_counts_them() {
    let s = Some("S1");
    let idx = index(vec![
        entry("done", Completed, s, &[]),
        entry("next", Queued, s, &[("done", Requires)]),
        entry("alone", Queued, s, &[]),
        entry("a", Queued, s, &[]),
        entry("b", InProgress, s, &[("a", Requires)]),
        entry("other", Queued, Some("S2"), &[]),
    ]);
    let full = layout(&idx, &sprint_scope(false)).unwrap();
    assert_eq!(full.nodes.len(), 5);
    assert_eq!(full.pruned, 0);
    let pruned = layout(&idx, &sprint_scope(true)).unwrap();
    let ids: Vec<&str> = pruned.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, vec!["a", "b"]);
    // done (Completed), then next and alone (no link left).
    assert_eq!(pruned.pruned, 3);
    assert_eq!(pruned.edges.len(), 1);
}

#[test]
fn links_out_of_the_scope_draw_open_missions_as_boundary_and_count_the_rest() {
    let s = Some("S1");
    let idx = index(vec![
        entry(
            "mine",
            Queued,
            s,
            &[("theirs", Requires), ("old", Requires), ("gone", Requires)],
        ),
        entry("waits", Queued, Some("S2"), &[("mine", Requires)]),
        entry("theirs", InProgress, Some("S2"), &[("far", Requires)]),
        entry("far", Queued, Some("S2"), &[]),
        entry("old", Completed, Some("S2"), &[]),
    ]);
    let g = layout(&idx, &sprint_scope(false)).unwrap();
    let ids: Vec<(&str, bool)> = g
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), n.boundary))
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(ids.contains(&("mine", false)));
    assert!(ids.contains(&("theirs", true)) && ids.contains(&("waits", true)));
    // old (Completed) and gone (missing) are counted, far (a link between two other
    // missions) is not the scope's.
    assert_eq!(g.outside_links, 2);
    assert_eq!(node(&g, "mine").layer, 1);
    assert_eq!(node(&g, "waits").layer, 2);
    assert!(
        !node(&g, "mine").ready,
        "a missing prerequisite never counts as done"
    );
}

#[test]
fn open_work_is_every_mission_neither_completed_nor_parked() {
    let idx = index(vec![
        entry("a", Queued, Some("S1"), &[]),
        entry("b", Blocked, None, &[("a", Requires)]),
        entry("c", Completed, None, &[]),
        entry("d", Deferred, None, &[]),
        entry("e", Dropped, Some("S2"), &[]),
    ]);
    let g = layout(&idx, &GraphScope::default()).unwrap();
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, vec!["a", "b"]);
    assert_eq!(g.sprint, None);
}

#[test]
fn an_unknown_sprint_is_not_found() {
    let err = layout(
        &index(vec![]),
        &GraphScope {
            sprint: Some("S9".into()),
            prune: false,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[test]
fn two_runs_lay_out_the_same() {
    let s = Some("S1");
    let entries = || {
        (0..60)
            .map(|i| {
                let deps: Vec<(String, DepType)> = [(i * 7 + 3) % 60, (i * 13 + 5) % 60]
                    .into_iter()
                    .filter(|j| *j < i)
                    .map(|j| (format!("m{j}"), Requires))
                    .collect();
                let mut e = entry(&format!("m{i}"), Queued, s, &[]);
                e.depends = deps;
                e
            })
            .collect::<Vec<_>>()
    };
    let a = layout(&index(entries()), &sprint_scope(false)).unwrap();
    let b = layout(&index(entries()), &sprint_scope(false)).unwrap();
    assert_eq!(a, b);
    // Every edge goes left to right, and no two nodes share a place.
    for e in &a.edges {
        assert!(node(&a, &e.from).layer < node(&a, &e.to).layer);
    }
    let mut places: Vec<(usize, usize)> = a.nodes.iter().map(|n| (n.layer, n.row)).collect();
    places.sort();
    places.dedup();
    assert_eq!(places.len(), a.nodes.len());
}

#[test]
fn barycenter_sweeps_uncross_two_parallel_chains() {
    // a1 → b2 and a2 → b1: ids alone would cross the two edges; the sweeps put them straight.
    let s = Some("S1");
    let g = layout(
        &index(vec![
            entry("a1", Queued, s, &[]),
            entry("a2", Queued, s, &[]),
            entry("b1", Queued, s, &[("a2", Requires)]),
            entry("b2", Queued, s, &[("a1", Requires)]),
        ]),
        &sprint_scope(false),
    )
    .unwrap();
    assert_eq!(node(&g, "a1").row, node(&g, "b2").row);
    assert_eq!(node(&g, "a2").row, node(&g, "b1").row);
}

/// 10,000 missions, a 500-mission sprint with chains and cross links: the figure is printed.
/// `cargo test --release --lib depgraph::tests::large -- --ignored --nocapture`
#[test]
#[ignore]
fn large_project_layout_time() {
    let mut entries = Vec::new();
    for i in 0..10_000usize {
        let sprint = if i < 500 { "S1" } else { "S2" };
        let mut deps = Vec::new();
        if i % 10 != 0 {
            deps.push((format!("m{}", i - 1), Requires));
        }
        if i >= 20 && i % 3 == 0 {
            deps.push((format!("m{}", i - 17), Requires));
        }
        let status = if i % 4 == 0 { Completed } else { Queued };
        let mut e = entry(&format!("m{i}"), status, Some(sprint), &[]);
        e.depends = deps;
        entries.push(e);
    }
    let idx = index(entries);
    for (what, scope) in [
        ("sprint of 500", sprint_scope(false)),
        ("sprint of 500, pruned", sprint_scope(true)),
        ("open work of 10,000", GraphScope::default()),
    ] {
        let started = std::time::Instant::now();
        let runs = 5;
        let mut g = None;
        for _ in 0..runs {
            g = Some(layout(&idx, &scope).unwrap());
        }
        let per_run = started.elapsed() / runs;
        let g = g.unwrap();
        println!(
            "depgraph {what}: {} nodes, {} edges, {} layers: {per_run:?} per layout",
            g.nodes.len(),
            g.edges.len(),
            g.layers
        );
    }
}

#[test]
fn a_boundary_nodes_own_links_draw_no_more_boundary_nodes() {
    // X (outside) blocks `mine`; forty other outside missions wait on X. Only X is drawn,
    // whatever order the index gives the links in.
    let mut entries = vec![
        entry("mine", Queued, Some("S1"), &[]),
        entry("X", Queued, Some("S2"), &[("mine", Blocks)]),
    ];
    for i in 0..40 {
        entries.push(entry(
            &format!("w{i}"),
            Queued,
            Some("S2"),
            &[("X", Requires)],
        ));
    }
    let g = layout(&index(entries), &sprint_scope(false)).unwrap();
    let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, vec!["X", "mine"]);
    assert_eq!(g.outside_links, 0);
}

#[test]
fn missions_with_no_link_come_last_in_the_first_layer() {
    let s = Some("S1");
    let g = layout(
        &index(vec![
            entry("a", Queued, s, &[]),
            entry("b", Queued, s, &[]),
            entry("c", Queued, s, &[("b", Requires)]),
            entry("d", Queued, s, &[]),
        ]),
        &sprint_scope(false),
    )
    .unwrap();
    let first: Vec<(&str, usize)> = g
        .nodes
        .iter()
        .filter(|n| n.layer == 0)
        .map(|n| (n.id.as_str(), n.row))
        .collect();
    assert_eq!(first, vec![("b", 0), ("a", 1), ("d", 2)]);
}
