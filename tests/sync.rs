//! Sharing through a remote: `cmos sync` between clones and a bare remote in temporary
//! directories, with concurrent edits on both sides; nothing lost, identical trees, a clean
//! `git fsck`, and the offline and dry-run cases.

mod common;

use std::path::{Path, PathBuf};

use common::Repo;
use serde_json::Value;

/// A bare remote and two clones of a project pushed to it.
struct Setup {
    origin: Repo,
    remote: PathBuf,
    a: PathBuf,
    b: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let origin = Repo::new();
        origin.init();
        let remote = origin.sibling("remote.git");
        origin.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
        origin.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        origin.git(&["push", "-q", "origin", "main"]);
        let first = envelope(&origin, &origin.path, &["sync"]);
        assert_eq!(first["data"]["result"], "created", "{first}");
        let (a, b) = (origin.sibling("a"), origin.sibling("b"));
        for dir in [&a, &b] {
            origin.git(&[
                "clone",
                "-q",
                remote.to_str().unwrap(),
                dir.to_str().unwrap(),
            ]);
        }
        Setup {
            origin,
            remote,
            a,
            b,
        }
    }

    fn cmos(&self, dir: &Path, args: &[&str]) -> Value {
        let value = envelope(&self.origin, dir, args);
        assert_eq!(
            value["ok"],
            true,
            "cmos {args:?} in {}: {value:#}",
            dir.display()
        );
        value["data"].clone()
    }

    fn tree(&self, dir: &Path) -> String {
        self.origin
            .git_in(dir, &["rev-parse", "refs/heads/cmos^{tree}"])
            .trim()
            .to_string()
    }
}

fn envelope(repo: &Repo, dir: &Path, args: &[&str]) -> Value {
    let mut full = vec!["--json"];
    full.extend_from_slice(args);
    let out = repo.cmos_in(dir, &full);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "cmos {args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn concurrent_work_in_two_clones_syncs_without_loss() {
    let s = Setup::new();
    s.cmos(&s.a, &["mission", "add", "M1", "Shared mission"]);
    s.cmos(&s.a, &["sync"]);
    s.cmos(&s.b, &["sync"]);

    // Both sides work at once: different missions, the same mission's fields, sessions and
    // decisions on both.
    s.cmos(&s.a, &["mission", "add", "A1", "Only in a"]);
    s.cmos(&s.b, &["mission", "add", "B1", "Only in b"]);
    s.cmos(
        &s.a,
        &["mission", "update", "M1", "--objective", "objective from a"],
    );
    s.cmos(
        &s.b,
        &["mission", "update", "M1", "--notes", "notes from b"],
    );
    s.cmos(&s.a, &["mission", "update", "A1", "--rank", "1"]);
    for dir in [&s.a, &s.b] {
        s.cmos(
            dir,
            &["session", "start", "--type", "build", "--title", "work"],
        );
        s.cmos(
            dir,
            &["session", "capture", "decision", "a decision\nbecause"],
        );
        s.cmos(dir, &["session", "complete", "--summary", "done"]);
    }
    s.cmos(
        &s.a,
        &["mission", "depends", "A1", "M1", "--type", "requires"],
    );
    s.cmos(
        &s.b,
        &["mission", "depends", "B1", "M1", "--type", "requires"],
    );

    let first = s.cmos(&s.a, &["sync"]);
    assert_eq!(first["result"], "pushed", "{first}");
    let second = s.cmos(&s.b, &["sync"]);
    assert_eq!(second["result"], "merged", "{second}");
    assert!(!second["incoming"].as_array().unwrap().is_empty());
    let third = s.cmos(&s.a, &["sync"]);
    assert_eq!(third["result"], "fast-forwarded", "{third}");
    assert_eq!(
        s.tree(&s.a),
        s.tree(&s.b),
        "both clones end with the same tree"
    );
    let again = s.cmos(&s.a, &["sync"]);
    assert_eq!(again["result"], "up-to-date");

    for dir in [&s.a, &s.b] {
        let missions = s.cmos(dir, &["mission", "list"]);
        let ids: Vec<&str> = missions
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        for id in ["M1", "A1", "B1"] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        let m1 = s.cmos(dir, &["mission", "show", "M1"]);
        assert_eq!(m1["objective"], "objective from a");
        assert_eq!(
            m1["notes"], "notes from b",
            "changes to different fields combine"
        );
        assert_eq!(m1["dependents"].as_array().unwrap().len(), 2, "{m1:#}");
        assert_eq!(
            s.cmos(dir, &["session", "list"]).as_array().unwrap().len(),
            2
        );
        assert_eq!(
            s.cmos(dir, &["decision", "list"]).as_array().unwrap().len(),
            2
        );
        s.origin.git_in(dir, &["fsck", "--strict", "--no-progress"]);
    }
    s.origin
        .git_in(&s.remote, &["fsck", "--strict", "--no-progress"]);
}

#[test]
fn a_field_changed_on_both_sides_keeps_the_later_value_and_records_the_other() {
    let s = Setup::new();
    s.cmos(&s.a, &["mission", "add", "M1", "Contested"]);
    s.cmos(&s.a, &["sync"]);
    s.cmos(&s.b, &["sync"]);
    s.cmos(&s.a, &["mission", "update", "M1", "--objective", "from a"]);
    // One second later, so b's change is the later one whatever the clock's resolution.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    s.cmos(&s.b, &["mission", "update", "M1", "--objective", "from b"]);
    s.cmos(&s.a, &["sync"]);
    let merged = s.cmos(&s.b, &["sync"]);
    assert_eq!(
        merged["conflicts"].as_array().unwrap().len(),
        1,
        "{merged:#}"
    );
    s.cmos(&s.a, &["sync"]);
    assert_eq!(s.tree(&s.a), s.tree(&s.b));
    for dir in [&s.a, &s.b] {
        let m1 = s.cmos(dir, &["mission", "show", "M1"]);
        assert_eq!(m1["objective"], "from b", "the later change wins");
        let conflicts = m1["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 1, "{m1:#}");
        assert_eq!(
            conflicts[0]["lost"], "from a",
            "the other value is kept on record"
        );
        let listed = s.cmos(dir, &["conflicts"]);
        assert_eq!(listed.as_array().unwrap().len(), 1);
    }
}

#[test]
fn one_id_created_in_both_clones_keeps_both_records() {
    let s = Setup::new();
    s.cmos(&s.a, &["mission", "add", "X1", "Made in a"]);
    s.cmos(&s.b, &["mission", "add", "X1", "Made in b"]);
    s.cmos(&s.a, &["sync"]);
    let merged = s.cmos(&s.b, &["sync"]);
    assert_eq!(merged["result"], "merged");
    s.cmos(&s.a, &["sync"]);
    assert_eq!(s.tree(&s.a), s.tree(&s.b));
    let missions = s.cmos(&s.a, &["mission", "list"]);
    let names: Vec<&str> = missions
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Made in a") && names.contains(&"Made in b"),
        "{names:?}"
    );
    let conflicts = s.cmos(&s.a, &["conflicts", "X1"]);
    assert_eq!(
        conflicts.as_array().unwrap().len(),
        1,
        "the duplicate is reported"
    );
}

#[test]
fn dry_run_changes_nothing_and_offline_keeps_local_state() {
    let s = Setup::new();
    s.cmos(&s.a, &["mission", "add", "A1", "Outgoing"]);
    let tip = s.origin.git_in(&s.a, &["rev-parse", "refs/heads/cmos"]);
    let dry = s.cmos(&s.a, &["sync", "--dry-run"]);
    assert_eq!(dry["result"], "would push", "{dry}");
    assert_eq!(dry["outgoing"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(
        s.origin.git_in(&s.a, &["rev-parse", "refs/heads/cmos"]),
        tip
    );

    std::fs::rename(&s.remote, s.origin.sibling("moved.git")).unwrap();
    let offline = envelope(&s.origin, &s.a, &["sync"]);
    assert_eq!(offline["ok"], true, "offline is not a failure: {offline:#}");
    assert_eq!(offline["data"]["offline"], true);
    assert!(
        offline["warnings"][0]
            .as_str()
            .unwrap()
            .contains("local state is kept")
    );
    assert_eq!(
        s.origin.git_in(&s.a, &["rev-parse", "refs/heads/cmos"]),
        tip
    );
    s.cmos(&s.a, &["mission", "add", "A2", "Still works offline"]);
}

/// A remote whose hook turns every push away did not lose a race: sync used to take that for
/// contention and fetch, merge and push again round after round before giving up with
/// "kept moving"; it now stops after the first refusal and says what refused.
#[test]
fn sync_to_a_remote_whose_hook_refuses_every_push_stops_at_once_and_says_so() {
    let s = Setup::new();
    let hook = s.remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    s.cmos(&s.a, &["mission", "add", "A1", "Outgoing"]);
    let tip = s.origin.git_in(&s.a, &["rev-parse", "refs/heads/cmos"]);
    let refused = envelope(&s.origin, &s.a, &["sync"]);
    assert_eq!(refused["ok"], false, "{refused:#}");
    assert_eq!(refused["error"]["code"], "refused", "{refused:#}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("although no other clone had pushed")
            && message.contains("Nothing is lost"),
        "{message}"
    );
    assert_eq!(
        s.origin.git_in(&s.a, &["rev-parse", "refs/heads/cmos"]),
        tip,
        "the clone's operations stay on its branch"
    );
}

#[test]
fn sync_without_a_remote_says_what_to_do() {
    let repo = Repo::new();
    repo.init();
    let (code, error) = repo.fails(&["sync"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("git remote add")
    );
}
