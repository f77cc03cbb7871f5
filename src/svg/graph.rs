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
/// The most columns the grid of unlinked nodes takes beyond the graph's own.
const GRID_COLS: u32 = 8;
/// Space above that grid, for its label.
const GRID_GAP: u32 = 36;
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
.empty, .loose { fill: #777; }
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
    // Linked nodes in their columns; nodes with no link in a grid below them, so a scope of
    // many unlinked missions does not make one column thousands of rows long.
    let linked: HashSet<&str> = g
        .edges
        .iter()
        .flat_map(|e| [e.from.as_str(), e.to.as_str()])
        .collect();
    let graph_rows = (g.nodes.iter())
        .filter(|n| linked.contains(n.id.as_str()))
        .map(|n| n.row as u32 + 1)
        .max()
        .unwrap_or(0);
    let graph_cols = if linked.is_empty() {
        0
    } else {
        g.layers as u32
    };
    let loose = g.nodes.len() - linked.len().min(g.nodes.len());
    let grid_cols = (loose as f64).sqrt().ceil() as u32;
    let grid_cols = grid_cols.clamp(graph_cols.max(1), graph_cols.max(GRID_COLS));
    let grid_top = if graph_rows > 0 {
        PAD + graph_rows * (NODE_H + ROW_GAP) + GRID_GAP
    } else {
        PAD + GRID_GAP
    };
    let grid_rows = (loose as u32).div_ceil(grid_cols);
    let cols = graph_cols.max(if loose > 0 { grid_cols } else { 0 }).max(1);
    let width = 2 * PAD + cols * (NODE_W + COL_GAP) - COL_GAP;
    let height = if loose > 0 {
        grid_top + grid_rows * (NODE_H + ROW_GAP) - ROW_GAP + PAD
    } else {
        2 * PAD + graph_rows * (NODE_H + ROW_GAP) - ROW_GAP
    };
    let column_x = |c: u32| PAD + c * (NODE_W + COL_GAP);
    let mut at: HashMap<&str, (u32, u32, usize)> = HashMap::new();
    let mut next_loose = 0u32;
    for n in &g.nodes {
        let place = if linked.contains(n.id.as_str()) {
            (
                column_x(n.layer as u32),
                PAD + n.row as u32 * (NODE_H + ROW_GAP),
            )
        } else {
            let (c, r) = (next_loose % grid_cols, next_loose / grid_cols);
            next_loose += 1;
            (column_x(c), grid_top + r * (NODE_H + ROW_GAP))
        };
        at.insert(n.id.as_str(), (place.0, place.1, n.layer));
    }
    let cycling: HashSet<&str> = g.cycles.iter().flatten().map(String::as_str).collect();

    let mut body = String::from(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#888\"/></marker></defs>\n<g class=\"edges\">\n",
    );
    for e in &g.edges {
        let (Some(&(fx, fy, fl)), Some(&(tx, ty, tl))) =
            (at.get(e.from.as_str()), at.get(e.to.as_str()))
        else {
            continue;
        };
        let back = if fl >= tl { " back" } else { "" };
        body.push_str(&format!(
            "<path class=\"edge {}{back}\" data-from=\"{}\" data-to=\"{}\" d=\"{}\"/>\n",
            e.kind,
            escape(&e.from),
            escape(&e.to),
            route((fx, fy), (tx, ty), tl == fl + 1),
        ));
    }
    body.push_str("</g>\n<g class=\"nodes\">\n");
    if loose > 0 {
        body.push_str(&format!(
            "<text class=\"loose\" x=\"{PAD}\" y=\"{}\">No links ({loose})</text>\n",
            grid_top - 8
        ));
    }
    for n in &g.nodes {
        let (x, y, _) = at[n.id.as_str()];
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

/// The path of an edge from the node at `from` to the node at `to` (their top-left corners).
/// Between neighbouring columns, one curve from the right side to the left side. A longer or
/// backward edge never crosses a node: it turns into the free lane just above the target's
/// row in the gap after its source's column, runs along that lane, and turns into the target
/// in the gap before its column.
fn route(from: (u32, u32), to: (u32, u32), neighbours: bool) -> String {
    let (x1, y1) = (i64::from(from.0 + NODE_W), i64::from(from.1 + NODE_H / 2));
    let (x2, y2) = (i64::from(to.0), i64::from(to.1 + NODE_H / 2));
    let gap = i64::from(COL_GAP);
    if neighbours {
        let bend = gap / 2;
        return format!(
            "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
            x1 + bend,
            x2 - bend
        );
    }
    let lane = i64::from(to.1) - i64::from(ROW_GAP) / 2;
    let (out, into) = (x1 + gap * 2 / 3, x2 - gap * 2 / 3);
    format!(
        "M{x1},{y1} C{},{y1} {},{lane} {out},{lane} L{into},{lane} C{},{lane} {},{y2} {x2},{y2}",
        x1 + gap / 3,
        x1 + gap / 3,
        x2 - gap / 3,
        x2 - gap / 3,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DepType, Status};
    use crate::ops::depgraph::{GraphEdge, GraphNode};

    fn node(id: String, layer: usize, row: usize) -> GraphNode {
        GraphNode {
            name: format!("name of {id}"),
            id,
            status: Status::Queued,
            layer,
            row,
            ready: false,
            boundary: false,
        }
    }

    /// Ten chains of ten, and 500 missions with no link.
    fn big() -> DepGraph {
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        for chain in 0..10 {
            for step in 0..10 {
                nodes.push(node(format!("c{chain}-{step}"), step, chain));
                if step > 0 {
                    edges.push(GraphEdge {
                        from: format!("c{chain}-{}", step - 1),
                        to: format!("c{chain}-{step}"),
                        kind: DepType::Requires,
                    });
                }
            }
        }
        for i in 0..500 {
            nodes.push(node(format!("loose{i}"), 0, 10 + i));
        }
        DepGraph {
            sprint: Some("S1".into()),
            nodes,
            edges,
            layers: 10,
            pruned: 0,
            outside_links: 0,
            cycles: Vec::new(),
        }
    }

    fn number(svg: &str, attr: &str) -> u32 {
        let from = svg.find(&format!("{attr}=\"")).unwrap() + attr.len() + 2;
        svg[from..].split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn six_hundred_nodes_keep_their_size_on_a_canvas_that_grows() {
        let svg = graph(&big());
        let (w, h) = (number(&svg, "width"), number(&svg, "height"));
        assert!(
            svg.contains(&format!("viewBox=\"0 0 {w} {h}\"")),
            "no scaling"
        );
        assert_eq!(
            svg.matches("<rect width=\"200\" height=\"40\"/>").count(),
            600
        );
        // Ten columns; the 500 unlinked missions in a grid of ten columns below the chains,
        // not one column of 510 rows.
        assert_eq!(w, 2 * PAD + 10 * (NODE_W + COL_GAP) - COL_GAP);
        assert!(h < 70 * (NODE_H + ROW_GAP), "height {h}");
        assert!(svg.contains("No links (500)"));
        // No two nodes in one place.
        let mut places: Vec<&str> = svg
            .split("transform=\"translate(")
            .skip(1)
            .map(|rest| rest.split(')').next().unwrap())
            .collect();
        places.sort();
        places.dedup();
        assert_eq!(places.len(), 600);
    }

    #[test]
    fn a_back_edge_of_a_cycle_is_marked() {
        let mut g = big();
        g.edges.push(GraphEdge {
            from: "c0-9".into(),
            to: "c0-0".into(),
            kind: DepType::Requires,
        });
        g.cycles = vec![(0..10).map(|s| format!("c0-{s}")).collect()];
        let svg = graph(&g);
        assert_eq!(svg.matches("class=\"edge requires back\"").count(), 1);
        assert!(svg.contains("class=\"node status-queued in-cycle\" data-id=\"c0-3\""));
    }
}
