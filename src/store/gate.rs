//! What makes a branch cmos's: a readable format marker (`.cmos/format.toml`). Adoption of a
//! remote branch, sync and every write pass through these gates, so cmos never adopts, merges
//! into, pushes or writes over a branch that is someone's code or lost its marker.

use gix::ObjectId;

use super::{Store, tx};
use crate::error::{Error, Result};
use crate::format::{codec, layout};
use crate::model::{Format, Project};

/// The format marker of a commit's tree.
#[derive(Debug)]
pub enum Marker {
    Readable(Format),
    /// The file exists but does not parse (a hand edit, a textual merge's conflict markers).
    Unreadable(String),
    Missing,
}

impl Store {
    /// The format marker at `commit`.
    pub fn marker(&self, commit: ObjectId) -> Result<Marker> {
        let tree = self.tree_of(commit)?;
        let Some(bytes) = tx::read_path(&self.repo, tree, layout::FORMAT)? else {
            return Ok(Marker::Missing);
        };
        Ok(match codec::from_toml::<Format>(layout::FORMAT, &bytes) {
            Ok(format) => Marker::Readable(format),
            Err(problem) => Marker::Unreadable(problem.to_string()),
        })
    }

    /// Refuses `commit` of `what` (a remote's branch, this clone's branch) unless it is a cmos
    /// branch: one that is someone's code must never be adopted, merged into or pushed to.
    pub fn require_cmos_branch(&self, commit: ObjectId, what: &str) -> Result<()> {
        match self.marker(commit)? {
            Marker::Readable(_) => Ok(()),
            Marker::Missing => Err(Error::Refused(format!(
                "{what} (commit {}) is not a cmos branch: it has no {}. cmos will not adopt, merge into or push to it; if it holds someone's work, keep cmos's state on another branch (`git config cmos.ref refs/heads/NAME`)",
                short(commit),
                layout::FORMAT
            ))),
            Marker::Unreadable(why) => Err(Error::Refused(format!(
                "{what} (commit {}) has an unreadable format marker ({why}); cmos will not merge or push it until {} is repaired on that branch",
                short(commit),
                layout::FORMAT
            ))),
        }
    }

    /// The project's name at `commit`, to tell two unrelated projects apart in a message.
    pub fn project_name_at(&self, commit: ObjectId) -> Option<String> {
        let tree = self.tree_of(commit).ok()?;
        let bytes = tx::read_path(&self.repo, tree, layout::PROJECT).ok()??;
        codec::from_toml::<Project>(layout::PROJECT, &bytes)
            .ok()
            .map(|p| p.name)
    }
}

/// The gate of every write: a branch that exists must have a readable format marker, or cmos
/// could write a second format over one it does not understand. `repairing` is the write
/// that puts the marker back (init on a branch whose project record is intact).
pub(super) fn check_writable(meta: &crate::index::Meta, repairing: bool) -> Result<()> {
    if meta.format.is_some() || repairing {
        return Ok(());
    }
    let broken = meta.problems.get(layout::FORMAT);
    if broken.is_none() && meta.project.is_none() && !meta.problems.contains_key(layout::PROJECT) {
        // No marker and no project: someone's code, not a damaged cmos branch.
        return Err(Error::Refused(
            "the cmos branch already exists and is not a cmos branch (it has no .cmos/format.toml); keep cmos's state on another branch with `git config cmos.ref refs/heads/NAME`".into(),
        ));
    }
    let why = match broken {
        Some(problem) => format!("is unreadable ({problem})"),
        None => "is missing".into(),
    };
    Err(Error::Refused(format!(
        "the format marker {} {why}; cmos refuses to write until it is readable, so it never writes a format it cannot vouch for. `cmos init` writes it again and changes nothing else; `cmos verify` lists any other damage",
        layout::FORMAT
    )))
}

fn short(commit: ObjectId) -> String {
    crate::model::text::short_hash(&commit.to_string()).to_string()
}
