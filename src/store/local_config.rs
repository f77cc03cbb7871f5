//! Sections of the local git configuration that cmos reads whole (every key, in order, with
//! the file each came from): the checks a completion runs are kept there, never on the
//! branch, so pulling someone's branch can never make cmos run a command.

use std::path::PathBuf;

use super::Store;

/// One `[section "subsection"]` of the git configuration, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSection {
    /// The subsection, case kept (`check.lint` of `[cmos "check.lint"]`).
    pub subsection: String,
    /// The file it was read from, when it came from a file.
    pub origin: Option<PathBuf>,
    /// Whether the file is fully trusted: false for a repository owned by someone else,
    /// whose config git would refuse until the repository is marked safe.
    pub trusted: bool,
    /// `(key, value)` in file order; the key lower-cased as git compares keys, the value None
    /// for a key written without `=`.
    pub entries: Vec<(String, Option<String>)>,
}

impl Store {
    /// Every subsection of `section` in the git configuration cmos loaded when it opened the
    /// repository (system, global, local and worktree files, includes followed, as git reads
    /// them), in the order git reads them. Sections without a subsection are left out.
    pub fn config_subsections(&self, section: &str) -> Vec<ConfigSection> {
        let config = self.repo.config_snapshot();
        let Some(sections) = config.plumbing().sections_by_name(section) else {
            return Vec::new();
        };
        sections
            .filter_map(|s| {
                let subsection = s.header().subsection_name()?.to_string();
                let body = s.body();
                let mut entries = Vec::new();
                let mut seen = std::collections::HashMap::<String, usize>::new();
                for key in body.value_names() {
                    let key = key.to_ascii_lowercase();
                    // value_names lists a key once per occurrence; values() gives them all.
                    let nth = seen.entry(key.clone()).or_insert(0);
                    let value = match body.value_implicit(&key) {
                        Some(None) => None,
                        _ => body.values(&key).get(*nth).map(|v| v.to_string()),
                    };
                    *nth += 1;
                    entries.push((key, value));
                }
                Some(ConfigSection {
                    subsection,
                    origin: s.meta().path.clone(),
                    trusted: s.meta().trust == gix::sec::Trust::Full,
                    entries,
                })
            })
            .collect()
    }
}
