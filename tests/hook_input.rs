//! What git writes on a hook's stdin is read by the CLI and passed to the hook's operation,
//! only for the hooks that take it (post-rewrite): another hook's stdin may be the terminal
//! of the user's git command, and reading it would hang that command.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Repo, hermetic};
use serde_json::Value;

fn events(repo: &Repo, kind: &str) -> Vec<Value> {
    repo.event_shards()
        .iter()
        .flat_map(|shard| {
            repo.show(shard)
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("an event line"))
                .collect::<Vec<_>>()
        })
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[test]
fn post_rewrite_logs_the_pairs_git_writes_on_stdin() {
    let repo = Repo::new();
    repo.init();
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .args(["hook", "run", "post-rewrite", "amend"])
        .current_dir(&repo.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run cmos");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(
            b"1111111111111111111111111111111111111111 2222222222222222222222222222222222222222\n",
        )
        .expect("write the pairs");
    drop(stdin);
    assert!(child.wait().expect("wait for cmos").success());
    let logged = events(&repo, "git.rewrite");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["how"], "amend");
    assert_eq!(
        logged[0]["rewritten"][0]["new"],
        "2222222222222222222222222222222222222222"
    );
}

#[test]
fn a_hook_that_takes_no_input_never_waits_for_stdin() {
    let repo = Repo::new();
    repo.init();
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .args(["hook", "run", "post-checkout", "a", "b", "0"])
        .current_dir(&repo.path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("run cmos");
    // The pipe stays open, as a terminal would: a hook that read it would never end.
    let _open = child.stdin.take();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll cmos") {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("cmos hook run post-checkout waited for stdin");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
}
