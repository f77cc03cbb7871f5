//! Test scaffolding: hermetic temporary git repositories and a runner for the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

/// A temporary git repository with its own HOME and no global or system git config.
pub struct Repo {
    _tmp: TempDir,
    pub home: PathBuf,
    pub path: PathBuf,
}

/// Applies the hermetic environment: fixed identity, no user or system config, no colour hints.
pub fn hermetic<'a>(cmd: &'a mut Command, home: &Path) -> &'a mut Command {
    cmd.env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Test Author")
        .env("GIT_COMMITTER_EMAIL", "author@example.com")
        .env_remove("CMOS_AGENT")
        .env_remove("CMOS_JSON")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
}

impl Repo {
    /// A repository with one commit on main and the given files.
    pub fn new() -> Repo {
        let repo = Repo::empty("work");
        repo.git(&["init", "-q", "-b", "main"]);
        std::fs::write(repo.path.join("README.md"), "hello\n").expect("write a file");
        repo.git(&["add", "README.md"]);
        repo.git(&["commit", "-q", "-m", "first"]);
        repo
    }

    /// A bare repository.
    pub fn bare() -> Repo {
        let repo = Repo::empty("bare.git");
        repo.git(&["init", "-q", "--bare"]);
        repo
    }

    /// A directory `name` in a fresh temporary directory, not yet a repository.
    pub fn empty(name: &str) -> Repo {
        let tmp = tempfile::tempdir().expect("create a temporary directory");
        let home = tmp.path().join("home");
        let path = tmp.path().join(name);
        std::fs::create_dir_all(&home).expect("create HOME");
        std::fs::create_dir_all(&path).expect("create the repository directory");
        Repo {
            _tmp: tmp,
            home,
            path,
        }
    }

    /// Another directory beside this repository (for clones and remotes).
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.path
            .parent()
            .expect("repository has a parent")
            .join(name)
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = hermetic(&mut Command::new("git"), &self.home)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.path, args)
    }

    /// Runs `cmos --json ARGS` with `input` on standard input; returns the envelope.
    pub fn with_stdin(&self, args: &[&str], input: &[u8]) -> Value {
        use std::io::Write;
        let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &self.home)
            .arg("--json")
            .args(args)
            .current_dir(&self.path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run cmos");
        // cmos stops reading past its limit, so a huge input may meet a closed pipe.
        let _ = child.stdin.take().expect("stdin").write_all(input);
        let out = child.wait_with_output().expect("wait for cmos");
        serde_json::from_slice(&out.stdout).expect("an envelope")
    }

    /// The commit the cmos branch points at, or None.
    pub fn tip(&self) -> Option<String> {
        self.ref_in(&self.path, "refs/heads/cmos")
    }

    /// The commit `name` points at in the repository at `dir` (a clone, a remote), or None.
    pub fn ref_in(&self, dir: &Path, name: &str) -> Option<String> {
        let out = hermetic(&mut Command::new("git"), &self.home)
            .args(["rev-parse", "--verify", "-q", name])
            .current_dir(dir)
            .output()
            .expect("run git");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    pub fn cmos_in(&self, dir: &Path, args: &[&str]) -> Output {
        hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &self.home)
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run cmos")
    }

    /// Runs cmos with the test-only clock (`CMOS_TEST_NOW`) fixed at `now`, an RFC 3339
    /// time, and no colour; returns the output whatever it is. Tests of history over days
    /// (cycle times, burndowns, staleness) write each step at the time they need.
    pub fn cmos_at(&self, now: &str, args: &[&str]) -> Output {
        hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &self.home)
            .env("CMOS_TEST_NOW", now)
            .env("NO_COLOR", "1")
            .args(args)
            .current_dir(&self.path)
            .output()
            .expect("run cmos")
    }

    /// `cmos_at`, asserting success; returns stdout.
    pub fn ok_at(&self, now: &str, args: &[&str]) -> String {
        let out = self.cmos_at(now, args);
        assert!(
            out.status.success(),
            "cmos {args:?} at {now}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs `cmos mcp ARGS` over one session: `initialize`, `tools/list`, then each
    /// `(tool, arguments)` call, all piped at once; returns the reply lines, one per request
    /// (the server answers in order and stops at the end of its input).
    pub fn mcp_session(&self, args: &[&str], calls: &[(&str, &Value)]) -> Vec<String> {
        self.mcp_session_with(args, &[], calls)
    }

    /// `mcp_session` with these environment variables set for the server (a test clock).
    pub fn mcp_session_with(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        calls: &[(&str, &Value)],
    ) -> Vec<String> {
        use std::io::Write;
        let mut input = String::new();
        input.push_str(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}"#);
        input.push('\n');
        input.push_str(r#"{"jsonrpc":"2.0","id":"list","method":"tools/list"}"#);
        input.push('\n');
        for (n, (tool, arguments)) in calls.iter().enumerate() {
            let request = serde_json::json!({
                "jsonrpc": "2.0",
                "id": n + 1,
                "method": "tools/call",
                "params": {"name": tool, "arguments": arguments},
            });
            input.push_str(&request.to_string());
            input.push('\n');
        }
        let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &self.home)
            .envs(env.iter().copied())
            .arg("mcp")
            .args(args)
            .current_dir(&self.path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start cmos mcp");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write the requests");
        let output = child.wait_with_output().expect("the server ends");
        let lines: Vec<String> = String::from_utf8(output.stdout)
            .expect("UTF-8")
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(lines.len(), calls.len() + 2, "one reply per request");
        lines
    }

    pub fn cmos(&self, args: &[&str]) -> Output {
        self.cmos_in(&self.path, args)
    }

    /// Runs cmos, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmos(args);
        assert!(
            out.status.success(),
            "cmos {args:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs cmos with --json, asserts success, returns the `data` of the envelope.
    pub fn json(&self, args: &[&str]) -> Value {
        let envelope = self.envelope(args);
        assert_eq!(envelope["ok"], true, "cmos {args:?}: {envelope:#}");
        envelope["data"].clone()
    }

    /// `json` in the repository at `dir` (a clone): asserts success, returns the `data`.
    pub fn json_in(&self, dir: &Path, args: &[&str]) -> Value {
        let envelope = self.envelope_in(dir, args);
        assert_eq!(
            envelope["ok"], true,
            "cmos {args:?} in {dir:?}: {envelope:#}"
        );
        envelope["data"].clone()
    }

    /// Runs cmos with --json and returns the whole envelope, whatever the outcome.
    pub fn envelope(&self, args: &[&str]) -> Value {
        self.envelope_in(&self.path, args)
    }

    /// `envelope` in the repository at `dir` (a clone).
    pub fn envelope_in(&self, dir: &Path, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cmos_in(dir, &all);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "cmos {args:?} printed no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// Runs cmos expecting failure; returns (exit code, error object of the envelope).
    pub fn fails(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cmos(&all);
        assert!(!out.status.success(), "cmos {args:?} should have failed");
        let envelope: Value = serde_json::from_slice(&out.stdout).expect("error envelope is JSON");
        assert_eq!(envelope["ok"], false);
        (
            out.status.code().expect("exit code"),
            envelope["error"].clone(),
        )
    }

    /// The (path, message) of each problem a failing `cmos verify` lists.
    pub fn verify_problems(&self) -> Vec<(String, String)> {
        let (_, error) = self.fails(&["verify"]);
        error["problems"]
            .as_array()
            .unwrap_or_else(|| panic!("verify lists its problems: {error:#}"))
            .iter()
            .map(|p| {
                (
                    p["path"].as_str().unwrap_or_default().to_string(),
                    p["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    /// `cmos init` with a first sprint S1.
    pub fn init(&self) {
        self.ok(&[
            "init",
            "--name",
            "demo",
            "--sprint",
            "S1",
            "--sprint-title",
            "First sprint",
        ]);
    }

    /// The paths of the event log shards on the cmos branch.
    pub fn event_shards(&self) -> Vec<String> {
        let files = self.git(&[
            "ls-tree",
            "-r",
            "--name-only",
            "refs/heads/cmos",
            ".cmos/events",
        ]);
        files.lines().map(str::to_string).collect()
    }

    /// The content of a file on the cmos branch.
    pub fn show(&self, path: &str) -> String {
        self.git(&["show", &format!("refs/heads/cmos:{path}")])
    }

    /// Replaces one file on the cmos branch with git plumbing, as a hand edit or another
    /// tool would, without touching the working tree.
    pub fn edit_on_branch(&self, path: &str, content: &str) {
        let blob_file = self.sibling("blob.txt");
        std::fs::write(&blob_file, content).expect("write the new content");
        let blob = self.git(&["hash-object", "-w", blob_file.to_str().expect("utf-8 path")]);
        let entry = format!("100644,{},{path}", blob.trim());
        self.commit_index_change(
            &["update-index", "--add", "--cacheinfo", &entry],
            "hand edit",
        );
    }

    /// Removes one file from the cmos branch with git plumbing, as another tool might.
    pub fn remove_on_branch(&self, path: &str) {
        self.commit_index_change(&["update-index", "--force-remove", path], "remove");
    }

    /// Commits the cmos branch's tree changed by one `git update-index` call, in a private
    /// index file, and moves the branch to it.
    fn commit_index_change(&self, update: &[&str], message: &str) {
        let index = self.sibling("edit-index");
        let git = |args: &[&str]| {
            let out = hermetic(&mut Command::new("git"), &self.home)
                .env("GIT_INDEX_FILE", &index)
                .args(args)
                .current_dir(&self.path)
                .output()
                .expect("run git");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        git(&["read-tree", "refs/heads/cmos"]);
        git(update);
        let tree = git(&["write-tree"]);
        let commit = git(&["commit-tree", &tree, "-p", "refs/heads/cmos", "-m", message]);
        git(&["update-ref", "refs/heads/cmos", &commit]);
    }

    /// Writes files onto the cmos branch in one commit with git plumbing, as a collaborator's
    /// push would: no cmos involved, so no cmos rule applies to what is written.
    pub fn push_files(&self, files: &[(String, String)]) {
        use std::io::Write;
        let index = self.sibling("pushed-index");
        let git = |args: &[&str], input: &[u8]| -> String {
            let mut child = hermetic(&mut Command::new("git"), &self.home)
                .env("GIT_INDEX_FILE", &index)
                .args(args)
                .current_dir(&self.path)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("run git");
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(input).expect("write to git");
            drop(stdin);
            let out = child.wait_with_output().expect("wait for git");
            assert!(out.status.success(), "git {args:?} failed");
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        };
        git(&["read-tree", "refs/heads/cmos"], b"");
        let mut entries = Vec::new();
        for (path, content) in files {
            let blob = git(&["hash-object", "-w", "--stdin"], content.as_bytes());
            entries.extend_from_slice(format!("100644 blob {blob}\t{path}\n").as_bytes());
        }
        git(&["update-index", "--index-info"], &entries);
        let tree = git(&["write-tree"], b"");
        let commit = git(
            &["commit-tree", &tree, "-p", "refs/heads/cmos", "-m", "push"],
            b"",
        );
        git(&["update-ref", "refs/heads/cmos", &commit], b"");
    }
}
