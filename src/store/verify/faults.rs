//! The entries cmos does not follow, anywhere in a tree but the missions directory: building
//! the index already walked that one and named each of its bad entries, and at 100,000
//! missions a second walk of it was a fifth of a repeat verify.

use gix::ObjectId;

use crate::error::{FileProblem, Result};
use crate::format::layout;
use crate::store::trees::{self, Listing, MAX_DEPTH, Node};

/// Every bad entry of `tree` (a tree that cannot be read as a whole counts as one, at its
/// path), outside `.cmos/missions`, as the problems `trees::faults` gives for them.
pub fn outside_missions(repo: &gix::Repository, tree: ObjectId) -> Result<Vec<FileProblem>> {
    let missions = trees::join(layout::ROOT, layout::MISSIONS);
    let mut found = Vec::new();
    // (path, depth, tree): the depth counts from the root, as a whole-tree walk counts it.
    let mut stack = vec![(String::new(), 0usize, tree)];
    while let Some((dir, depth, id)) = stack.pop() {
        if depth > MAX_DEPTH {
            let why =
                format!("directories nested more than {MAX_DEPTH} deep, which cmos never writes");
            found.push(trees::problem(&dir, why));
            continue;
        }
        let entries = match trees::read(repo, id)? {
            Listing::Bad(why) => {
                found.push(trees::problem(&dir, why));
                continue;
            }
            Listing::Entries(entries) => entries,
        };
        for (name, node) in entries {
            let path = trees::join(&dir, &name);
            match node {
                Node::Bad(why) => found.push(trees::problem(&path, why)),
                Node::Tree(sub) if path != missions => stack.push((path, depth + 1, sub)),
                _ => {}
            }
        }
    }
    Ok(found)
}
