//! `board export`: the board's views of one sprint as static files in a directory (for a CI
//! artifact or a pull request): index.html (the kanban, no script), burndown.svg, graph.svg,
//! timeline.html and missions/ID.html for each mission of the sprint. Links are relative;
//! every file goes through `safe_fs`, so nothing lands outside the directory.

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use super::html;
use crate::error::{Error, Result};
use crate::ops::board::{board_meta, kanban, mission_page, timeline};
use crate::ops::depgraph::{GraphScope, layout};
use crate::ops::{Outcome, Workspace};
use crate::safe_fs::Root;

#[derive(Debug, Serialize)]
pub struct Exported {
    pub dir: String,
    pub sprint: String,
    /// The files written, relative to `dir`.
    pub files: Vec<String>,
}

/// Writes the views of `sprint` (else the current sprint) into `out`.
pub fn export(ws: &Workspace, out: &Path, sprint: Option<&str>) -> Result<Outcome<Exported>> {
    if out.exists() && !out.is_dir() {
        return Err(Error::InvalidInput(format!(
            "{} is a file: the export writes a directory of files; name a directory",
            out.display()
        )));
    }
    let snapshot = ws.store().snapshot()?;
    let index = snapshot.index()?;
    let sprint_id = match sprint {
        Some(name) => index.resolve_sprint(name)?.id.clone(),
        None => index
            .current_sprint()
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                Error::InvalidInput(
                    "the project has no current sprint: name the sprint to export".into(),
                )
            })?,
    };
    let meta = board_meta(&index.meta);
    let board = kanban(index, Some(&sprint_id))?;
    let ids: HashSet<String> = board
        .columns
        .iter()
        .flat_map(|c| c.cards.iter().map(|card| card.id.clone()))
        .collect();
    let linked = |id: &str| ids.contains(id);

    let root = Root::create(out)?;
    let mut files = Vec::new();
    let mut write = |name: String, bytes: &[u8]| -> Result<()> {
        root.write(&name, bytes)?;
        files.push(name);
        Ok(())
    };
    write(
        "index.html".into(),
        html::kanban(&meta.project, &board, &meta.problems).as_bytes(),
    )?;
    let burndown = crate::ops::burndown::burndown(ws, Some(&sprint_id))?.data;
    write(
        "burndown.svg".into(),
        crate::svg::burndown(&burndown).as_bytes(),
    )?;
    let scope = GraphScope {
        sprint: Some(sprint_id.clone()),
        prune: false,
    };
    let graph = crate::svg::graph(&layout(index, &scope)?);
    write(
        "graph.svg".into(),
        relative_mission_links(&graph, &linked).as_bytes(),
    )?;
    let timeline = timeline(ws, Some(&sprint_id), None)?.data;
    write(
        "timeline.html".into(),
        html::timeline(&meta.project, &timeline, linked).as_bytes(),
    )?;
    for column in &board.columns {
        for card in &column.cards {
            let page = mission_page(ws, &card.id)?.data;
            write(
                html::mission_file(&card.id),
                html::mission(&page, linked).as_bytes(),
            )?;
        }
    }
    Ok(Outcome::read(
        Exported {
            dir: out.display().to_string(),
            sprint: sprint_id,
            files,
        },
        &snapshot,
    ))
}

/// The graph's links to the live board's route (`#/mission/ID`) made relative links to the
/// exported pages; a mission with no page (outside the sprint) keeps no link target.
fn relative_mission_links(svg: &str, linked: &impl Fn(&str) -> bool) -> String {
    const ROUTE: &str = "href=\"#/mission/";
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(at) = rest.find(ROUTE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + ROUTE.len()..];
        let end = after.find('"').unwrap_or(after.len());
        // The id as the SVG escaped it; ids on the branch have no markup characters, so
        // unescaping is not needed to match them.
        let id = &after[..end];
        if linked(id) {
            out.push_str(&format!(
                "href=\"{}",
                html::mission_file(&html::url_segment(id))
            ));
        } else {
            out.push_str("href=\"#");
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::relative_mission_links;

    #[test]
    fn graph_links_point_at_the_exported_pages() {
        let svg = r##"<a href="#/mission/B1">x</a><a href="#/mission/Z9">y</a>"##;
        let linked = |id: &str| id == "B1";
        assert_eq!(
            relative_mission_links(svg, &linked),
            r##"<a href="missions/B1.html">x</a><a href="#">y</a>"##
        );
    }
}
