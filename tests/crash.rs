//! Writers killed at random moments (SIGKILL: no cleanup runs) never leave the branch broken,
//! and never leave a lock that blocks the next command.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{Repo, hermetic};

const KILLS: u64 = 50;

#[test]
fn sigkill_at_random_moments_leaves_a_valid_branch_and_a_working_next_command() {
    let repo = Repo::new();
    repo.init();
    // A fixed pseudo-random sequence: the same moments on every run, spread over 0–120 ms.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next_delay = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        Duration::from_millis((state >> 33) % 120)
    };
    for round in 0..KILLS {
        let script = format!(
            "for i in $(seq 1 1000); do \"$0\" mission add K{round}-$i Work || exit 1; \"$0\" mission start K{round}-$i || exit 1; done"
        );
        let mut writer = hermetic(&mut Command::new("bash"), &repo.home)
            .args(["-c", &script, env!("CARGO_BIN_EXE_cmos")])
            .current_dir(&repo.path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer loop");
        std::thread::sleep(next_delay());
        // Kill the loop and whatever cmos it is running, without letting either clean up.
        let _ = Command::new("pkill")
            .args(["-KILL", "-P", &writer.id().to_string()])
            .status();
        let _ = writer.kill();
        let _ = writer.wait();

        let tip = repo.tip().expect("the branch still exists");
        repo.git(&["cat-file", "-e", &format!("{tip}^{{commit}}")]);
        repo.ok(&["mission", "add", &format!("after-{round}"), "Still works"]);
    }
    assert_eq!(
        repo.json(&["mission", "show", &format!("after-{}", KILLS - 1)])["status"],
        "Queued"
    );
    repo.git(&["fsck", "--strict", "--no-progress"]);
}

#[test]
fn a_lock_left_by_a_dead_writer_does_not_block_the_next_one() {
    let repo = Repo::new();
    repo.init();
    let lock = repo.path.join(".git/refs/heads/cmos.lock");
    // A cmos writer killed while it held the lock: the lock holds the commit it was about to
    // move the branch to, and beside it is the owner record it left (the lock's path, its
    // start time, that commit); the process itself is gone.
    let commit = "8f3c2d1e0b9a8f3c2d1e0b9a8f3c2d1e0b9a8f3c";
    std::fs::write(&lock, format!("{commit}\n")).expect("plant a lock");
    let mut owner = Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("start a process");
    let pid = owner.id();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read its stat");
    let started = stat[stat.rfind(')').unwrap() + 1..]
        .split_whitespace()
        .nth(19)
        .unwrap()
        .to_string();
    owner.kill().unwrap();
    owner.wait().unwrap();
    let record = format!("{}\n{started}\n{commit}\n", lock.display());
    std::fs::write(
        repo.path.join(format!(".git/cmos/lock-owner-{pid}")),
        record,
    )
    .unwrap();

    repo.ok(&["mission", "add", "A", "After a crash"]);
    assert!(!lock.exists(), "the orphaned lock was cleared");
    assert_eq!(repo.json(&["mission", "show", "A"])["status"], "Queued");
}

#[test]
fn a_lock_without_a_provable_dead_owner_is_left_and_named() {
    let repo = Repo::new();
    repo.init();
    // git's own lock (or one whose owner cannot be told): cmos must not remove it.
    let lock = repo.path.join(".git/refs/heads/cmos.lock");
    std::fs::write(&lock, "0000000000000000000000000000000000000000\n").expect("plant a lock");
    let status = Command::new("touch")
        .args(["-d", "1 minute ago"])
        .arg(&lock)
        .status()
        .expect("run touch");
    assert!(status.success());
    let (code, error) = repo.fails(&["mission", "add", "A", "Blocked by the lock"]);
    assert_eq!(code, 8, "{error}");
    assert_eq!(error["code"], "conflict");
    assert!(
        error["message"].as_str().unwrap().contains("cmos.lock"),
        "{error}"
    );
    assert!(lock.exists(), "a lock nobody proved orphaned stays");
}

#[test]
fn temporary_files_of_killed_cache_writes_are_swept() {
    let repo = Repo::new();
    repo.init();
    let dir = repo.path.join(".git/cmos");
    let old = dir.join(".index-cache.deadbeef00.tmp");
    let fresh = dir.join(".index-cache.alive00000.tmp");
    std::fs::write(&old, "left by a killed writer").unwrap();
    std::fs::write(&fresh, "being written right now").unwrap();
    let status = Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(&old)
        .status()
        .unwrap();
    assert!(status.success());
    repo.ok(&["mission", "add", "A", "Any write"]);
    assert!(!old.exists(), "an old temporary file is swept");
    assert!(fresh.exists(), "a recent one may belong to a running write");
}
