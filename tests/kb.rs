//! The knowledge base: documents chosen by globs with .gitignore honoured, records on the
//! branch, hits with their source and marked words, the incremental cache, and bad queries.

mod common;

use common::Repo;

fn write(repo: &Repo, path: &str, text: &str) {
    let full = repo.path.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

#[test]
fn documents_and_records_are_found_with_their_source() {
    let repo = Repo::new();
    repo.init();
    write(
        &repo,
        "docs/design.md",
        "# Storage\n\nThe index cache is keyed by tree.\n\n## Sync\n\nMerges are semantic, field by field.\n",
    );
    write(
        &repo,
        "docs/deep/notes.md",
        "# Notes\n\nNothing about caching here.\n",
    );
    write(
        &repo,
        "docs/secret.md",
        "# Secret\n\nmerges merges merges\n",
    );
    write(&repo, ".gitignore", "docs/secret.md\n");
    write(&repo, "src/other.md", "# Not included\n\nmerges\n");
    repo.ok(&[
        "mission",
        "add",
        "M1",
        "Semantic merge of branches",
        "--objective",
        "merge records field by field",
    ]);
    repo.ok(&[
        "decision",
        "add",
        "Merge by uid",
        "--rationale",
        "ids collide across clones",
    ]);

    let indexed = repo.json(&["kb", "index"]);
    assert_eq!(
        indexed["files"], 3,
        "README and two docs; secret.md is ignored: {indexed}"
    );
    assert_eq!(indexed["read"], 3);
    let again = repo.json(&["kb", "index"]);
    assert_eq!(again["read"], 0, "nothing changed, nothing read");
    write(
        &repo,
        "docs/deep/notes.md",
        "# Notes\n\nNow the merge is explained.\n",
    );
    assert_eq!(
        repo.json(&["kb", "index"])["read"],
        1,
        "only the changed file"
    );

    let hits = repo.json(&["kb", "search", "merge"]);
    let sources: Vec<String> = hits
        .as_array()
        .unwrap()
        .iter()
        .map(|h| match h["source"]["type"].as_str().unwrap() {
            "file" => format!(
                "{}:{}",
                h["source"]["path"].as_str().unwrap(),
                h["source"]["first_line"]
            ),
            _ => format!(
                "{} {}",
                h["source"]["kind"].as_str().unwrap(),
                h["source"]["id"].as_str().unwrap()
            ),
        })
        .collect();
    for expected in ["docs/design.md:5", "mission M1", "decision "] {
        assert!(
            sources.iter().any(|s| s.starts_with(expected)),
            "{expected} in {sources:?}"
        );
    }
    assert!(
        !sources
            .iter()
            .any(|s| s.contains("secret") || s.contains("src/")),
        "{sources:?}"
    );
    assert!(
        hits[0]["snippet"].as_str().unwrap().contains("**"),
        "matched words are marked: {hits}"
    );

    let only_docs = repo.json(&["kb", "search", "merge", "--kind", "doc"]);
    assert!(
        only_docs
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["source"]["type"] == "file")
    );
    let decisions = repo.json(&["kb", "search", "clones", "--kind", "decision"]);
    assert_eq!(decisions[0]["title"], "Merge by uid");

    let (code, error) = repo.fails(&["kb", "search", "--", "--"]);
    assert_eq!((code, error["code"].as_str()), (2, Some("invalid_input")));
    let nothing = repo.json(&["kb", "search", "zebra"]);
    assert!(nothing.as_array().unwrap().is_empty());
}

#[test]
fn paths_given_to_index_replace_the_default_globs() {
    let repo = Repo::new();
    repo.init();
    write(&repo, "guides/a.md", "# Guide\n\nHow to sync.\n");
    let indexed = repo.json(&["kb", "index", "guides"]);
    assert_eq!(indexed["globs"][0], "guides/**/*.md");
    assert_eq!(indexed["files"], 1);
}
