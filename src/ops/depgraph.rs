//! The dependency graph of a sprint, or of all open work, laid out left to right: a node's
//! layer is the longest chain of prerequisites before it, and rows within a layer are ordered
//! by a few barycenter sweeps so that fewer edges cross. Read-only, from the index alone.
//!
//! Edges are the ordering links (`requires`, `blocks`), drawn from the prerequisite to the
//! work that waits on it. A link to a mission outside the scope draws that mission as a
//! boundary node when it still matters (it exists and is not Completed: it still gates, or
//! waits on, the scope's work); links to Completed or missing missions outside the scope are
//! only counted (`outside_links`), so the open work of a large project does not drag every
//! finished prerequisite onto the page. A cycle (possible on a branch merged from two
//! clones) is reported, and its closing links are left out of the layering, never looped on.

use std::collections::HashMap;

use serde::Serialize;

use super::{Outcome, Workspace};
use crate::error::Result;
use crate::index::{Index, MissionEntry};
use crate::lifecycle::{self, Gates, Prerequisites};
use crate::model::{DepType, Status};

/// Which missions a graph shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GraphScope {
    /// A sprint (by id, the original's id or its title); None for all open work (every
    /// mission neither Completed nor parked).
    pub sprint: Option<String>,
    /// Leave out Completed missions, then missions left with no link.
    pub prune: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DepGraph {
    /// The sprint's id, None for open work.
    pub sprint: Option<String>,
    /// In order of layer, then row.
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
    /// How many layers (columns) the nodes take.
    pub layers: usize,
    /// Missions of the scope left out by pruning.
    pub pruned: usize,
    /// Links from the scope to Completed or missing missions outside it, not drawn.
    pub outside_links: usize,
    /// Each cycle among the drawn links, as ids in "finishes before" order.
    pub cycles: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphNode {
    pub id: String,
    pub name: String,
    pub status: Status,
    /// The column: the longest chain of prerequisites before it.
    pub layer: usize,
    /// The position within the column, from 0.
    pub row: usize,
    /// Queued or Current with every prerequisite Completed: `next` could pick it.
    pub ready: bool,
    /// A mission outside the scope, drawn because a mission of the scope links to it.
    pub boundary: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphEdge {
    /// The prerequisite.
    pub from: String,
    /// The mission that waits on it.
    pub to: String,
    /// The link that orders them (`requires` stored on `to`, `blocks` stored on `from`).
    pub kind: DepType,
}

/// How many barycenter rounds (one sweep each way) order the rows.
const SWEEPS: usize = 2;

/// The dependency graph `scope` asks for, laid out.
pub fn depgraph(ws: &Workspace, scope: &GraphScope) -> Result<Outcome<DepGraph>> {
    let snapshot = ws.snapshot()?;
    let graph = layout(snapshot.index()?, scope)?;
    let cycles = graph.cycles.len();
    let mut outcome = Outcome::read(graph, &snapshot);
    if cycles > 0 {
        outcome = outcome.warn(format!(
            "{cycles} dependency cycle(s) on the branch: their missions can never all be ready; \
             remove a link of each"
        ));
    }
    Ok(outcome)
}

/// Lays out the graph of `scope` over `index`. Linear in the links, plus a sort per layer and
/// sweep: a 500-mission sprint of a 10,000-mission project takes milliseconds.
pub fn layout(index: &Index, scope: &GraphScope) -> Result<DepGraph> {
    let sprint_id = match &scope.sprint {
        Some(name) => Some(index.meta.resolve_sprint(name)?.id.clone()),
        None => None,
    };
    let in_sprint = sprint_id.as_deref().map(|id| index.meta.sprint_matcher(id));
    let in_scope = |m: &MissionEntry| match &in_sprint {
        Some(matches) => matches(m.sprint.as_deref()),
        None => m.status.is_open(),
    };

    let mut scoped: Vec<&MissionEntry> = index.missions.values().filter(|m| in_scope(m)).collect();
    scoped.sort_by(|a, b| lifecycle::natural_cmp(&a.id, &b.id));
    let total = scoped.len();
    if scope.prune {
        scoped.retain(|m| m.status != Status::Completed);
    }

    let mut b = Builder::default();
    for m in &scoped {
        b.add(m, false);
    }
    // One pass over every link: those between two drawn missions are edges; those from the
    // scope to a mission outside it add a boundary node or are counted.
    let mut seen_edges: HashMap<(usize, usize), ()> = HashMap::new();
    for m in index.missions.values() {
        for (on, kind) in &m.depends {
            let (before, after) = match kind {
                DepType::Requires => (on.as_str(), m.id.as_str()),
                DepType::Blocks => (m.id.as_str(), on.as_str()),
                DepType::Relates | DepType::Informs => continue,
            };
            // Only a link with a drawn mission of the scope at one end at least is the
            // scope's (a boundary node's other links are not).
            let (a, z) = match (b.scoped(before), b.scoped(after)) {
                (Some(a), Some(z)) => (a, z),
                (None, None) => continue,
                (Some(a), None) => match b.outside(index, after, &in_scope) {
                    Some(z) => (a, z),
                    None => continue,
                },
                (None, Some(z)) => match b.outside(index, before, &in_scope) {
                    Some(a) => (a, z),
                    None => continue,
                },
            };
            if seen_edges.insert((a, z), ()).is_none() {
                b.edges.push((a, z, *kind));
            }
        }
    }

    let outside_links = b.outside_links;
    let mut pruned = total - scoped.len();
    if scope.prune {
        pruned += b.drop_isolated();
    }
    // The pass above met missions in hash order: number them by id so that two runs over
    // one branch lay out the same.
    b.sort();

    let gates = Gates::new(index);
    let names: Vec<&str> = b.nodes.iter().map(|m| m.id.as_str()).collect();
    let links: Vec<(&str, &str)> = b
        .edges
        .iter()
        .map(|(a, z, _)| (names[*a], names[*z]))
        .collect();
    let cycles = lifecycle::cycles(&links);

    let n = b.nodes.len();
    let back = back_edges(n, &b.edges);
    let layer = longest_chains(n, &b.edges, &back);
    let layers = layer.iter().map(|l| l + 1).max().unwrap_or(0);
    let rows = order_rows(n, &b.edges, &back, &layer, layers);

    let mut nodes: Vec<GraphNode> = b
        .nodes
        .iter()
        .enumerate()
        .map(|(i, m)| GraphNode {
            id: m.id.clone(),
            name: m.name.clone(),
            status: m.status,
            layer: layer[i],
            row: rows[i],
            ready: matches!(m.status, Status::Queued | Status::Current)
                && !m.awaiting_review
                && gates.unmet(m).is_empty(),
            boundary: b.boundary[i],
        })
        .collect();
    let mut edges: Vec<GraphEdge> = b
        .edges
        .iter()
        .map(|(a, z, kind)| GraphEdge {
            from: names[*a].to_string(),
            to: names[*z].to_string(),
            kind: *kind,
        })
        .collect();
    let place: Vec<(usize, usize)> = (0..n).map(|i| (layer[i], rows[i])).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|i| place[*i]);
    let mut edge_order: Vec<usize> = (0..edges.len()).collect();
    edge_order.sort_by_key(|e| (place[b.edges[*e].0], place[b.edges[*e].1]));
    nodes = order.into_iter().map(|i| nodes[i].clone()).collect();
    edges = edge_order.into_iter().map(|e| edges[e].clone()).collect();

    Ok(DepGraph {
        sprint: sprint_id,
        nodes,
        edges,
        layers,
        pruned,
        outside_links,
        cycles,
    })
}

/// The drawn missions by position, and the links between them.
#[derive(Default)]
struct Builder<'a> {
    nodes: Vec<&'a MissionEntry>,
    boundary: Vec<bool>,
    at: HashMap<&'a str, usize>,
    edges: Vec<(usize, usize, DepType)>,
    outside_links: usize,
}

impl<'a> Builder<'a> {
    fn add(&mut self, m: &'a MissionEntry, boundary: bool) -> usize {
        if let Some(i) = self.at.get(m.id.as_str()) {
            return *i;
        }
        self.nodes.push(m);
        self.boundary.push(boundary);
        self.at.insert(m.id.as_str(), self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    /// The position of `id` when it is a drawn mission of the scope.
    fn scoped(&self, id: &str) -> Option<usize> {
        self.at.get(id).copied().filter(|i| !self.boundary[*i])
    }

    /// The position of `id`, a mission outside the scope that a scope mission links to: a
    /// boundary node when it exists and is not Completed; else the link is counted and None.
    fn outside(
        &mut self,
        index: &'a Index,
        id: &str,
        in_scope: &impl Fn(&MissionEntry) -> bool,
    ) -> Option<usize> {
        match index.missions.get(id) {
            Some(e) if e.status != Status::Completed && !in_scope(e) => Some(self.add(e, true)),
            // A pruned Completed mission of the scope is not outside it.
            Some(e) if in_scope(e) => None,
            _ => {
                self.outside_links += 1;
                None
            }
        }
    }

    /// Numbers the nodes by id in natural order and sorts the edges.
    fn sort(&mut self) {
        let mut order: Vec<usize> = (0..self.nodes.len()).collect();
        order.sort_by(|x, y| lifecycle::natural_cmp(&self.nodes[*x].id, &self.nodes[*y].id));
        self.keep(&order);
        self.edges.sort_unstable();
    }

    /// Keeps the nodes at `order`'s positions, in that order, and renumbers the edges (every
    /// edge's ends must be kept).
    fn keep(&mut self, order: &[usize]) {
        let mut new_at = vec![usize::MAX; self.nodes.len()];
        for (to, from) in order.iter().enumerate() {
            new_at[*from] = to;
        }
        self.nodes = order.iter().map(|i| self.nodes[*i]).collect();
        self.boundary = order.iter().map(|i| self.boundary[*i]).collect();
        for (a, z, _) in &mut self.edges {
            *a = new_at[*a];
            *z = new_at[*z];
        }
        self.at = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
    }

    /// Drops the nodes no edge touches and renumbers the rest; returns how many went.
    fn drop_isolated(&mut self) -> usize {
        let mut linked = vec![false; self.nodes.len()];
        for (a, z, _) in &self.edges {
            linked[*a] = true;
            linked[*z] = true;
        }
        let kept: Vec<usize> = (0..self.nodes.len()).filter(|i| linked[*i]).collect();
        let dropped = self.nodes.len() - kept.len();
        self.keep(&kept);
        dropped
    }
}

/// The edges that close a cycle, found by one depth-first pass (iterative: a long chain must
/// not overflow the stack): the layering leaves them out.
fn back_edges(n: usize, edges: &[(usize, usize, DepType)]) -> Vec<bool> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (e, (a, _, _)) in edges.iter().enumerate() {
        out[*a].push(e);
    }
    // 0 unvisited, 1 on the current path, 2 done.
    let mut state = vec![0u8; n];
    let mut back = vec![false; edges.len()];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some((v, next)) = stack.last_mut() {
            let v = *v;
            if let Some(&e) = out[v].get(*next) {
                *next += 1;
                let w = edges[e].1;
                match state[w] {
                    0 => {
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => back[e] = true,
                    _ => {}
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    back
}

/// Each node's layer: the longest chain of (forward) edges that ends at it.
fn longest_chains(n: usize, edges: &[(usize, usize, DepType)], back: &[bool]) -> Vec<usize> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting = vec![0usize; n];
    for (e, (a, z, _)) in edges.iter().enumerate() {
        if !back[e] {
            out[*a].push(*z);
            waiting[*z] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|v| waiting[*v] == 0).collect();
    while let Some(v) = ready.pop() {
        for &w in &out[v] {
            layer[w] = layer[w].max(layer[v] + 1);
            waiting[w] -= 1;
            if waiting[w] == 0 {
                ready.push(w);
            }
        }
    }
    layer
}

/// Each node's row within its layer: first in the order given (ids in natural order), then
/// `SWEEPS` rounds of barycenter ordering, left to right by the mean row of each node's
/// prerequisites and right to left by that of its dependents. Nodes with no link at all come
/// last in the first layer, in id order, so a drawing can set them apart (`svg::graph` grids
/// them below the linked ones) instead of one very long first column.
fn order_rows(
    n: usize,
    edges: &[(usize, usize, DepType)],
    back: &[bool],
    layer: &[usize],
    layers: usize,
) -> Vec<usize> {
    let (mut before, mut after): (Vec<Vec<usize>>, Vec<Vec<usize>>) =
        (vec![Vec::new(); n], vec![Vec::new(); n]);
    for (e, (a, z, _)) in edges.iter().enumerate() {
        if !back[e] {
            before[*z].push(*a);
            after[*a].push(*z);
        }
    }
    let mut linked = vec![false; n];
    for (a, z, _) in edges {
        linked[*a] = true;
        linked[*z] = true;
    }
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for v in (0..n).filter(|v| linked[*v]) {
        columns[layer[v]].push(v);
    }
    let mut row = vec![0usize; n];
    let number = |column: &[usize], row: &mut [usize]| {
        for (r, v) in column.iter().enumerate() {
            row[*v] = r;
        }
    };
    for column in &columns {
        number(column, &mut row);
    }
    let sweep = |column: &mut Vec<usize>, row: &mut Vec<usize>, by: &[Vec<usize>]| {
        let key = |v: usize| -> f64 {
            match by[v].len() {
                // Nothing to follow: stay where it is.
                0 => row[v] as f64,
                k => by[v].iter().map(|u| row[*u] as f64).sum::<f64>() / k as f64,
            }
        };
        let mut keyed: Vec<(f64, usize)> = column.iter().map(|v| (key(*v), *v)).collect();
        keyed.sort_by(|x, y| x.0.total_cmp(&y.0));
        *column = keyed.into_iter().map(|(_, v)| v).collect();
        number(column, row);
    };
    for _ in 0..SWEEPS {
        for column in columns.iter_mut().skip(1) {
            sweep(column, &mut row, &before);
        }
        let last = layers.saturating_sub(1);
        for column in columns.iter_mut().take(last).rev() {
            sweep(column, &mut row, &after);
        }
    }
    let after_linked = columns.first().map_or(0, Vec::len);
    for (r, v) in (after_linked..).zip((0..n).filter(|v| !linked[*v])) {
        row[v] = r;
    }
    row
}

#[cfg(test)]
mod tests;
