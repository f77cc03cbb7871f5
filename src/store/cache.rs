//! The index cache under `<common-dir>/cmos/`, keyed by the tree it was built from, so a
//! command reads one file instead of every record. Any failure just means a rebuild.

use std::path::Path;

use gix::ObjectId;
use serde::{Deserialize, Serialize};

use crate::index::Index;

/// Bumped whenever the cached shape changes; a cache of another version is ignored.
const CACHE_VERSION: &str = concat!("cmos-index-", env!("CARGO_PKG_VERSION"), "-1");

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: String,
    tree: String,
    index: Index,
}

/// The cached index and the tree it describes, if a usable cache exists.
pub fn load(path: &Path) -> Option<(ObjectId, Index)> {
    let bytes = std::fs::read(path).ok()?;
    let file: CacheFile = serde_json::from_slice(&bytes).ok()?;
    if file.version != CACHE_VERSION {
        return None;
    }
    let tree = ObjectId::from_hex(file.tree.as_bytes()).ok()?;
    Some((tree, file.index))
}

/// Replaces the cache atomically. Failing to cache is not an error: the next command rebuilds.
pub fn save(path: &Path, tree: ObjectId, index: &Index) {
    let file = CacheFile {
        version: CACHE_VERSION.to_string(),
        tree: tree.to_string(),
        index: index.clone(),
    };
    if let Ok(bytes) = serde_json::to_vec(&file) {
        let _ = super::local::replace_file(path, &bytes);
    }
}
