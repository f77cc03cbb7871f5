//! Where each record lives on the cmos branch; the only place that knows these paths.

/// The format marker, read first.
pub const FORMAT: &str = ".cmos/format.toml";
/// Project identity and settings.
pub const PROJECT: &str = ".cmos/project.toml";
/// A page for people who browse the branch on a hosting site.
pub const README: &str = "README.md";
/// The directory holding everything cmos owns.
pub const ROOT: &str = ".cmos";
/// One TOML file per sprint, in the same 256 hash-named subdirectories as missions, so adding
/// a sprint rewrites two small trees however many sprints there are (format 2). A branch
/// written by format 1 kept them directly in `sprints/`; those files are read and rewritten
/// where they are.
pub const SPRINTS: &str = "sprints";
/// One TOML file per mission, in 256 subdirectories named by a hash of the id, so a write
/// rewrites two small trees instead of one listing every mission.
pub const MISSIONS: &str = "missions";
/// One TOML file per session, spread over hash-named directories like missions.
pub const SESSIONS: &str = "sessions";
/// Append-only activity log, `<yyyy-mm>/<writer>-<seq>.jsonl`.
pub const EVENTS: &str = "events";
/// Append-only metrics of sessions and missions, sharded like events:
/// `<yyyy-mm>/<writer>-<seq>.jsonl`.
pub const METRICS: &str = "metrics";

/// Conflicts that merges resolved, one shard per merge, `<yyyy-mm>/merge-<hash>.jsonl`.
pub const CONFLICTS: &str = "conflicts";

/// A log shard rolls over to a new file past this size, so an append rewrites a small blob:
/// every write stores a new version of its shard, and a push packs all of them (at 128 KiB,
/// 1,000 writes made 55 MB of shard versions for `git push` to compress).
pub const SHARD_LIMIT: usize = 32 * 1024;

pub fn mission_path(id: &str) -> String {
    format!("{ROOT}/{MISSIONS}/{}/{id}.toml", mission_dir(id))
}

/// The subdirectory of `missions/` that holds mission `id` (and of `sprints/`, sprint `id`):
/// two hex digits of its FNV-1a hash.
pub fn mission_dir(id: &str) -> String {
    format!("{:02x}", crate::model::fnv1a(id.as_bytes()) & 0xff)
}

pub fn session_path(id: &str) -> String {
    format!("{ROOT}/{SESSIONS}/{}/{id}.toml", mission_dir(id))
}

/// Where cmos puts sprint `id`: `.cmos/sprints/<xx>/<id>.toml`, `xx` as for missions.
pub fn sprint_path(id: &str) -> String {
    format!("{ROOT}/{SPRINTS}/{}/{id}.toml", mission_dir(id))
}

/// Where format 1 kept sprint `id`, directly in `.cmos/sprints/`.
pub fn flat_sprint_path(id: &str) -> String {
    format!("{ROOT}/{SPRINTS}/{id}.toml")
}

/// Every place the file of sprint `id` may be, the one cmos reads first first.
pub fn sprint_paths(id: &str) -> [String; 2] {
    [sprint_path(id), flat_sprint_path(id)]
}

/// The record id a file in a record directory stands for (`B1.toml` → `B1`).
pub fn record_id(file_name: &str) -> Option<&str> {
    file_name.strip_suffix(".toml").filter(|id| !id.is_empty())
}

/// The directory of one month of a log, e.g. `.cmos/events/2026-11`.
pub fn log_month_dir(log: &str, month: &str) -> String {
    format!("{ROOT}/{log}/{month}")
}

/// The project's process graph (`lifecycle::process`), readable TOML someone may replace.
pub const PROCESS: &str = ".cmos/process.toml";
/// Where the project is in its process graph: one small file per writer, `<writer>.toml`,
/// holding that clone's latest move; the state is the latest of them (`ops::process::fsm`).
/// No file is rewritten by every clone, so merges of concurrent moves never conflict. The
/// moves themselves are in the activity log.
pub const FSM: &str = "fsm";

/// The state file of `writer` (`.cmos/fsm/<writer>.toml`).
pub fn fsm_path(writer: &str) -> String {
    format!("{ROOT}/{FSM}/{writer}.toml")
}

/// The free-form project notes.
pub const NOTES: &str = ".cmos/notes.md";

/// Where a sprint's close-out records its retrospective: one Markdown file per sprint.
pub const RETROS: &str = "retros";

/// The retrospective file of sprint `id` (`.cmos/retros/<id>.md`).
pub fn retro_path(id: &str) -> String {
    format!("{ROOT}/{RETROS}/{id}.md")
}

/// The file name of shard `seq` of `writer`, e.g. `k3v9x2m1qa-001.jsonl`.
pub fn shard_name(writer: &str, seq: u32) -> String {
    format!("{writer}-{seq:03}.jsonl")
}

/// The sequence number of `file_name` if it is a shard of `writer`.
pub fn shard_seq(file_name: &str, writer: &str) -> Option<u32> {
    file_name
        .strip_prefix(writer)?
        .strip_prefix('-')?
        .strip_suffix(".jsonl")?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missions_spread_over_stable_subdirectories() {
        assert_eq!(
            mission_path("B1"),
            format!(".cmos/missions/{}/B1.toml", mission_dir("B1"))
        );
        // The hash is part of the format: it must never change.
        assert_eq!(mission_dir("B1"), "5c");
        let dirs: std::collections::HashSet<String> =
            (0..1000).map(|i| mission_dir(&format!("m{i}"))).collect();
        assert!(
            dirs.len() > 200,
            "1,000 ids use most of the 256 directories"
        );
    }

    #[test]
    fn shard_names_round_trip() {
        assert_eq!(shard_seq(&shard_name("abc", 7), "abc"), Some(7));
        assert_eq!(shard_seq("abcd-001.jsonl", "abc"), None);
    }
}
