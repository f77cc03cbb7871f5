//! # cmos: the shared project memory of AI coding agents and the people who steer them
//!
//! cmos tracks what is planned (sprints, missions and their dependencies), what is in progress
//! and by whom, and what happened, so that any agent, starting cold or after a crash, can pick
//! up exactly where work stands.
//!
//! ## Where the state lives
//!
//! Everything is plain text committed on a dedicated branch of the project's own repository,
//! `refs/heads/cmos` (git config `cmos.ref` changes it):
//!
//! ```text
//! .cmos/format.toml                  format version; a newer major version is refused
//! .cmos/project.toml                 identity, current sprint
//! .cmos/sprints/<xx>/<id>.toml       one file per sprint (format 1: .cmos/sprints/<id>.toml)
//! .cmos/missions/<xx>/<id>.toml      one file per mission, with its links and transitions;
//!                                    <xx> is two hex digits of the id's FNV-1a hash
//! .cmos/events/<yyyy-mm>/<writer>-<n>.jsonl   the append-only log, one shard per writer
//! README.md                          a page for people who browse the branch
//! ```
//!
//! Every operation is one commit with `Cmos-Op:` and `Cmos-Agent:` trailers. Writes never
//! touch HEAD, the index or the working tree; the branch moves by compare-and-swap, and a
//! writer that loses a race re-applies its operation on the new tip. Local state (the writer
//! id, the index cache) lives under the git directory, never in the branch.
//!
//! ## Example
//!
//! ```no_run
//! use cmos::ops::{self, Workspace, init::InitRequest, mission::MissionFields};
//!
//! # fn main() -> cmos::Result<()> {
//! let ws = Workspace::open(std::path::Path::new("."), Some("my-agent".into()))?;
//! ops::init::init(&ws, InitRequest { sprint: Some(("S1".into(), "First".into())), ..Default::default() })?;
//! let added = ops::mission::add(&ws, Some("B1"), MissionFields { name: Some("Build it".into()), ..Default::default() })?;
//! let next = ops::mission::next(&ws)?;
//! assert_eq!(next.data.mission.unwrap().id, added.data.id);
//! ops::transition::start(&ws, "B1", None)?;
//! ops::transition::complete(&ws, "B1", Some("done"), true)?;
//! # Ok(()) }
//! ```

pub mod board;
pub mod cli;
pub mod digest;
pub mod error;
pub mod format;
pub mod index;
pub mod kb;
pub mod lifecycle;
pub mod mcp;
pub mod merge;
pub mod migrate;
pub mod model;
pub mod next;
pub mod ops;
pub mod paging;
pub mod safe_fs;
pub mod store;
pub mod svg;

pub use error::{Error, Result};
