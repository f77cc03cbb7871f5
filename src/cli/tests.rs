//! The command tree as clap sees it: consistent, and the same described whether a subcommand
//! has been built or not.

use clap::{Command, CommandFactory};

use super::Cli;

#[test]
fn the_command_tree_is_consistent() {
    Cli::command().debug_assert();
}

/// Subcommand enums are `defer`red: a subcommand's arguments are made only when the command
/// line reaches it, which saves a short command about a hundred page faults and a millisecond.
/// What a parent lists (its subcommands' descriptions, also copied into `help` and into
/// completions) is read before the deferred part runs, and what `--help` shows after it: the
/// two must agree, so no description may come only from the deferred part (a flattened
/// argument struct's doc comment would replace the variant's).
#[test]
fn deferred_subcommands_are_described_alike_before_and_after_they_are_built() {
    fn walk(parent: &Command, path: &str, mismatches: &mut Vec<String>) {
        for sub in parent.get_subcommands() {
            let path = format!("{path} {}", sub.get_name());
            // Rendering a usage line builds the command itself (its deferred part runs), not
            // its subcommands, which the walk then finds as their parent lists them.
            let mut built = sub.clone();
            built.render_usage();
            let about = |c: &Command| c.get_about().map(|s| s.to_string());
            let long = |c: &Command| c.get_long_about().map(|s| s.to_string());
            if about(sub) != about(&built) || long(sub) != long(&built) {
                mismatches.push(format!(
                    "{path}: listed as {:?}, shown as {:?}",
                    about(sub),
                    about(&built)
                ));
            }
            walk(&built, &path, mismatches);
        }
    }
    let mut mismatches = Vec::new();
    walk(&Cli::command(), "cmos", &mut mismatches);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
