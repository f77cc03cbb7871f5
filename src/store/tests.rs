//! What the store's unit tests share: repositories with packs git made, for the tests of the
//! readers that read packs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use gix::ObjectId;

pub fn git(dir: &Path, args: &[&str], input: &str) {
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("git runs");
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "git {args:?}");
}

/// A repository with `count` similar blobs packed by git (so most are deltas, in chains; with
/// `offsets`, deltas name their base by its place in the pack, else by its id) and two loose
/// ones; the ids, packed first.
pub fn repository(
    count: usize,
    offsets: bool,
) -> (tempfile::TempDir, Vec<ObjectId>, [ObjectId; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let repo = gix::init(dir.path()).unwrap();
    let write = |text: String| repo.write_blob(text).unwrap().detach();
    let packed: Vec<ObjectId> = (0..count)
        .map(|n| {
            let words = "word ".repeat(n % 40);
            write(format!(
                "id = \"M{n}\"\nname = \"{words}\"\nlong = \"{}\"\n",
                "x".repeat(n)
            ))
        })
        .collect();
    let list: String = packed.iter().map(|id| format!("{id}\n")).collect();
    let mut args = vec!["pack-objects", ".git/objects/pack/pack"];
    if offsets {
        args.push("--delta-base-offset");
    }
    git(dir.path(), &args, &list);
    for id in &packed {
        let hex = id.to_hex().to_string();
        std::fs::remove_file(
            dir.path()
                .join(format!(".git/objects/{}/{}", &hex[..2], &hex[2..])),
        )
        .unwrap();
    }
    let loose = [write("loose b".into()), write("loose a".into())];
    (dir, packed, loose)
}
