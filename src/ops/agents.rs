//! `cmos agents install`: a short section in AGENTS.md (or CLAUDE.md) telling an agent how to
//! work with cmos, between markers, so rerunning it refreshes the section and nothing else.

use std::path::Path;

use serde::Serialize;

use super::marked::Markers;
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::next::Input;

const MARKERS: Markers = Markers {
    begin: "<!-- cmos:begin -->",
    end: "<!-- cmos:end -->",
};

const SECTION: &str = "## Working with cmos

This project keeps its plan and memory in cmos (missions, sessions, decisions, on the `cmos`
branch). Use the `cmos_*` MCP tools, or the `cmos` command with `--json`:

1. Start with `cmos onboard` (tool `cmos_agent_onboard`): where things stand and what to do.
2. Open a session: `cmos session start --type build --title \"...\"`.
3. Take work from `cmos mission next`; `cmos mission start ID` before, `cmos mission complete`
   when its success criteria are met.
4. Capture as you go: `cmos session capture decision|learning|constraint|next-step TEXT`.
5. Before you stop: `cmos session complete --summary \"...\" --next-step \"...\"`.
6. After losing context: `cmos session resume`.

Every `--json` response ends with `instructions`: the next actions and commands.
";

#[derive(Debug, Serialize)]
pub struct Written {
    pub path: String,
    pub changed: bool,
}

/// Writes (or refreshes) the cmos section of `file`, by default AGENTS.md (CLAUDE.md when
/// only that one exists) at the root of the working tree.
pub fn install(ws: &Workspace, file: Option<&Path>) -> Result<Outcome<Written>> {
    let root = ws.store().work_tree().ok_or_else(|| {
        Error::Refused(
            "this repository has no working tree (a bare repository): name the file to write"
                .into(),
        )
        .needs(&[Input::File])
    });
    let path = match file {
        Some(file) => file.to_path_buf(),
        None => {
            let root = root?;
            let agents = root.join("AGENTS.md");
            let claude = root.join("CLAUDE.md");
            if !agents.exists() && claude.exists() {
                claude
            } else {
                agents
            }
        }
    };
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
    };
    let block = MARKERS.wrap(SECTION);
    let new = match MARKERS.cut(&old).replaced(&block) {
        Some(new) => new,
        None if old.trim().is_empty() => block,
        None => {
            let separator = if old.ends_with("\n\n") {
                ""
            } else if old.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{old}{separator}{block}")
        }
    };
    let changed = new != old;
    if changed {
        crate::store::replace_file(&path, new.as_bytes())?;
    }
    let written = Written {
        path: path.display().to_string(),
        changed,
    };
    Ok(Outcome::about(written, ws))
}
