//! Groups of subcommands, and commands' argument structs, that clap builds only when the
//! command line reaches them.
//!
//! clap builds every command before it reads the first word. Each group's enum defers its
//! commands' arguments (`#[command(defer = true)]`), but the top-level list still built every
//! group with its list of commands, and every top-level command's arguments: a twentieth of a
//! `mission complete`'s instructions and some fifty page faults of every command. Wrapped in
//! `Deferred`, a group or a command's arguments are built only when the command line reaches
//! them. (Not `log`'s: its `--agent` filter stands in for the global `--agent`, which clap
//! would add first to a deferred command and then find twice.)
//!
//! Completions need the whole tree at once, and get it (`build_at_once`): they walk every
//! level, and the tree of clap's `help` subcommand is copied from each group when the group's
//! parent is built, before a deferred group has anything to copy. (`cmos help mission
//! complete` itself needs nothing: clap finds the command in the real tree.)
//!
//! A group's or command's one-line help, which its parent lists, is written on the parent's
//! variant (the enum's or struct's doc comment would only be read once built); where the
//! variant and the type both have one, the variant's stays, as it did when everything was
//! built at once.

use std::sync::atomic::{AtomicBool, Ordering};

use clap::{ArgMatches, Args, Command, FromArgMatches, Subcommand};

/// Set when the whole tree must be built at once.
static AT_ONCE: AtomicBool = AtomicBool::new(false);

/// Builds every group when clap builds the command, as if none were deferred.
pub fn build_at_once() {
    AT_ONCE.store(true, Ordering::Relaxed);
}

/// A group of subcommands or an argument struct `T`, built by clap only when reached.
#[derive(Debug)]
pub struct Deferred<T>(pub T);

impl<T: FromArgMatches> FromArgMatches for Deferred<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Deferred)
    }

    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Deferred)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }

    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

/// `augment` applied to `cmd`, keeping the help the parent's variant gave `cmd` over the help
/// the group's enum sets.
fn keeping_help(cmd: Command, augment: fn(Command) -> Command) -> Command {
    let about = cmd.get_about().cloned();
    let long_about = cmd.get_long_about().cloned();
    let cmd = augment(cmd);
    match (about, long_about) {
        (Some(about), Some(long_about)) => cmd.about(about).long_about(long_about),
        (Some(about), None) => cmd.about(about).long_about(None),
        (None, _) => cmd,
    }
}

/// `augment` applied now or when clap enters the group.
fn deferring(cmd: Command, augment: fn(Command) -> Command) -> Command {
    if AT_ONCE.load(Ordering::Relaxed) {
        augment(cmd)
    } else {
        cmd.defer(augment)
    }
}

impl<T: Subcommand> Subcommand for Deferred<T> {
    fn augment_subcommands(cmd: Command) -> Command {
        deferring(cmd, |cmd| keeping_help(cmd, T::augment_subcommands))
    }

    fn augment_subcommands_for_update(cmd: Command) -> Command {
        deferring(cmd, |cmd| {
            keeping_help(cmd, T::augment_subcommands_for_update)
        })
    }

    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
}

impl<T: Args> Args for Deferred<T> {
    fn augment_args(cmd: Command) -> Command {
        deferring(cmd, |cmd| keeping_help(cmd, T::augment_args))
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        deferring(cmd, |cmd| keeping_help(cmd, T::augment_args_for_update))
    }

    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The help a variant gave its group stays once the group's enum is applied; a group
    /// without one takes the enum's.
    #[test]
    fn a_variants_help_stays_over_the_groups_own() {
        fn group(cmd: Command) -> Command {
            cmd.about("the enum's")
                .long_about("the enum's, at length")
                .subcommand(Command::new("inner"))
        }
        let given = keeping_help(Command::new("g").about("the variant's"), group);
        assert_eq!(given.get_about().unwrap().to_string(), "the variant's");
        assert!(given.get_long_about().is_none());
        assert_eq!(given.get_subcommands().count(), 1);
        let given = keeping_help(
            Command::new("g")
                .about("short")
                .long_about("the variant's, at length"),
            group,
        );
        assert_eq!(
            given.get_long_about().unwrap().to_string(),
            "the variant's, at length"
        );
        let bare = keeping_help(Command::new("g"), group);
        assert_eq!(bare.get_about().unwrap().to_string(), "the enum's");
    }
}
