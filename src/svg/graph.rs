//! The dependency graph as SVG: fixed-size nodes in columns by layer, coloured by status,
//! each a link to the mission's page; edges as curves from a prerequisite to the work that
//! waits on it. The canvas grows with the graph instead of shrinking the nodes, so 500
//! missions stay readable in a scrolling view.

use std::collections::{HashMap, HashSet};

use super::{document, escape, status_class};
use crate::model::text::one_line_cut;
use crate::ops::depgraph::DepGraph;

const NODE_W: u32 = 200;
const NODE_H: u32 = 40;
const COL_GAP: u32 = 72;
const ROW_GAP: u32 = 14;
const PAD: u32 = 24;
/// Characters of a name a node shows; the title shows all of it.
const NAME_CHARS: usize = 28;

const STYLE: &str = "\
svg { font: 12px system-ui, sans-serif; background: #fff; }
.node rect { stroke: #555; stroke-width: 1; rx: 6; ry: 6; }
.node .id { font-weight: 600; fill: #111; }
.node .name { fill: #333; }
.node.ready rect { stroke: #16a34a; stroke-width: 2.5; }
.node.boundary rect { stroke-dasharray: 5 3; opacity: 0.75; }
.node.in-cycle rect { stroke: #dc2626; stroke-width: 2.5; }
.status-queued rect { fill: #f3f4f6; }
.status-current rect { fill: #e0e7ff; }
.status-in-progress rect { fill: #dbeafe; }
.status-blocked rect { fill: #fee2e2; }
.status-completed rect { fill: #dcfce7; }
.status-dropped rect { fill: #e5e7eb; }
.status-deferred rect { fill: #fef9c3; }
.edge { fill: none; stroke: #888; stroke-width: 1.2; marker-end: url(#arrow); }
.edge.back { stroke: #dc2626; stroke-dasharray: 4 3; }
.empty { fill: #777; }
";

/// The graph `g` as a standalone SVG document.
pub fn graph(g: &DepGraph) -> String {
    let heading = match &g.sprint {
        Some(s) => format!("Dependencies of sprint {s}"),
        None => "Dependencies of the open work".to_string(),
    };
    if g.nodes.is_empty() {
        let body = format!(
            "<text class=\"empty\" x=\"{PAD}\" y=\"{}\">No missions to draw.</text>\n",
            PAD + 16
        );
        return document(480, 80, &heading, STYLE, &body);
    }
    let rows = g.nodes.iter().map(|n| n.row + 1).max().unwrap_or(1) as u32;
    let cols = g.layers.max(1) as u32;
    let width = 2 * PAD + cols * (NODE_W + COL_GAP) - COL_GAP;
    let height = 2 * PAD + rows * (NODE_H + ROW_GAP) - ROW_GAP;
    let place = |layer: usize, row: usize| {
        (
            PAD + layer as u32 * (NODE_W + COL_GAP),
            PAD + row as u32 * (NODE_H + ROW_GAP),
        )
    };
    let at: HashMap<&str, (usize, usize)> = g
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), (n.layer, n.row)))
        .collect();
    let cycling: HashSet<&str> = g.cycles.iter().flatten().map(String::as_str).collect();

    let mut body = String::from(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#888\"/></marker></defs>\n<g class=\"edges\">\n",
    );
    for e in &g.edges {
        let (Some(&(fl, fr)), Some(&(tl, tr))) = (at.get(e.from.as_str()), at.get(e.to.as_str()))
        else {
            continue;
        };
        let (fx, fy) = place(fl, fr);
        let (tx, ty) = place(tl, tr);
        let (x1, y1) = (fx + NODE_W, fy + NODE_H / 2);
        let (x2, y2) = (tx, ty + NODE_H / 2);
        let back = if fl >= tl { " back" } else { "" };
        let bend = COL_GAP as i64 / 2 + if back.is_empty() { 0 } else { NODE_W as i64 };
        body.push_str(&format!(
            "<path class=\"edge {}{back}\" data-from=\"{}\" data-to=\"{}\" d=\"M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}\"/>\n",
            e.kind,
            escape(&e.from),
            escape(&e.to),
            x1 as i64 + bend,
            x2 as i64 - bend,
        ));
    }
    body.push_str("</g>\n<g class=\"nodes\">\n");
    for n in &g.nodes {
        let (x, y) = place(n.layer, n.row);
        let mut class = format!("node {}", status_class(n.status));
        for (on, extra) in [
            (n.ready, " ready"),
            (n.boundary, " boundary"),
            (cycling.contains(n.id.as_str()), " in-cycle"),
        ] {
            if on {
                class.push_str(extra);
            }
        }
        let id = escape(&n.id);
        let mut title = format!("{}: {} ({})", n.id, n.name, n.status);
        if n.ready {
            title.push_str(", ready");
        }
        if n.boundary {
            title.push_str(", outside the scope");
        }
        body.push_str(&format!(
            "<g class=\"{class}\" data-id=\"{id}\" transform=\"translate({x},{y})\">\
             <title>{}</title><a href=\"#/mission/{id}\">\
             <rect width=\"{NODE_W}\" height=\"{NODE_H}\"/>\
             <text class=\"id\" x=\"8\" y=\"16\">{}</text>\
             <text class=\"name\" x=\"8\" y=\"32\">{}</text></a></g>\n",
            escape(&title),
            escape(&one_line_cut(&n.id, NAME_CHARS)),
            escape(&one_line_cut(&n.name, NAME_CHARS)),
        ));
    }
    body.push_str("</g>\n");
    document(width, height, &heading, STYLE, &body)
}
