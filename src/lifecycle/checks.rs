//! Checkpoints before completion: which of the locally configured checks a completion runs
//! (those whose paths the mission's commits touched, or the ones asked for), and what a
//! failed check does to the completion (refuse it, or send the work to a person).
//!
//! The checks themselves (their commands) are never seen here: these rules take names,
//! patterns and results as plain data, so they stay pure.

use std::fmt;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::kb::glob::Glob;
use crate::next::{Action, Input, Op};

/// Which checks a completion runs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Selection {
    /// Those whose paths the mission's commits touched (the default).
    #[default]
    Touched,
    All,
    None,
    /// These, by name, whatever was touched.
    Named(Vec<String>),
}

impl Selection {
    /// The selection the words `all`, `none` or check names ask for; no words is the default.
    pub fn from_words(words: &[String]) -> Selection {
        let words: Vec<&str> = words
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty())
            .collect();
        match words.as_slice() {
            [] => Selection::Touched,
            ["all"] => Selection::All,
            ["none"] => Selection::None,
            names => Selection::Named(names.iter().map(|n| n.to_string()).collect()),
        }
    }
}

/// What a failed check does to a completion, as the validation policy says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// The completion is refused and nothing is written (the default).
    #[default]
    Refuse,
    /// The mission waits for a person to approve or reject it.
    Review,
}

impl OnFailure {
    pub const WORDS: [&'static str; 2] = ["refuse", "review"];

    pub fn parse(word: &str) -> Option<OnFailure> {
        match word {
            "refuse" => Some(OnFailure::Refuse),
            "review" => Some(OnFailure::Review),
            _ => None,
        }
    }
}

impl fmt::Display for OnFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OnFailure::Refuse => "refuse",
            OnFailure::Review => "review",
        })
    }
}

/// A configured check as the selection sees it: its name and the paths it covers (none
/// means every path).
#[derive(Debug, Clone)]
pub struct Coverage<'a> {
    pub name: &'a str,
    pub paths: &'a [Glob],
}

impl Coverage<'_> {
    /// Whether a change to `path` is this check's business.
    pub fn covers(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|g| g.matches(path))
    }
}

/// The names of the checks `selection` runs, in the configured order. `touched` are the
/// paths the mission's commits changed. A name that is not configured is refused, naming
/// the configured ones.
pub fn select(
    checks: &[Coverage<'_>],
    selection: &Selection,
    touched: &[String],
) -> Result<Vec<String>> {
    let names = |keep: &dyn Fn(&Coverage<'_>) -> bool| -> Vec<String> {
        checks
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.name.to_string())
            .collect()
    };
    match selection {
        Selection::None => Ok(Vec::new()),
        Selection::All => Ok(names(&|_| true)),
        Selection::Touched => Ok(names(&|c| touched.iter().any(|p| c.covers(p)))),
        Selection::Named(wanted) => {
            if let Some(unknown) = wanted.iter().find(|w| !checks.iter().any(|c| c.name == *w)) {
                return Err(unknown_check(unknown, checks));
            }
            Ok(names(&|c| wanted.iter().any(|w| w == c.name)))
        }
    }
}

fn unknown_check(name: &str, checks: &[Coverage<'_>]) -> Error {
    if name == "all" || name == "none" {
        return Error::InvalidInput(format!(
            "{name} stands alone: ask for all checks, none, or checks by name"
        ))
        .needs(&[Input::Checks]);
    }
    let known: Vec<&str> = checks.iter().map(|c| c.name).collect();
    let known = if known.is_empty() {
        "no check is configured in this repository's git config".to_string()
    } else {
        format!("the configured checks are {}", known.join(", "))
    };
    Error::InvalidInput(format!("there is no check named {name:?}: {known}"))
        .needs(&[Input::Checks])
}

/// Refuses a completion when a check failed and the policy says to refuse; `failed` are
/// one-line summaries of the failed checks (name, how it failed), `output` the end of what
/// they printed, shown after the reason.
pub fn check_failures(
    id: &str,
    failed: &[String],
    output: &str,
    on_failure: OnFailure,
) -> Result<()> {
    if failed.is_empty() || on_failure == OnFailure::Review {
        return Ok(());
    }
    let mut message = format!(
        "mission {id} was not completed: {}; it stays In Progress and nothing was recorded. Fix the work and complete it again, or run the checks by hand to see their whole output",
        failed.join("; ")
    );
    if !output.is_empty() {
        message.push_str("\n\n");
        message.push_str(output);
    }
    Err(Error::Refused(message).then(Action::new(Op::CheckRun)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn globs(patterns: &[&str]) -> Vec<Glob> {
        patterns.iter().map(|p| Glob::new(p).unwrap()).collect()
    }

    #[test]
    fn touched_paths_choose_the_checks_that_cover_them() {
        let src = globs(&["src/**", "Cargo.toml"]);
        let docs = globs(&["docs/**", "*.md"]);
        let checks = [
            Coverage {
                name: "test",
                paths: &src,
            },
            Coverage {
                name: "docs",
                paths: &docs,
            },
            Coverage {
                name: "always",
                paths: &[],
            },
        ];
        let touched = vec!["src/lib.rs".to_string()];
        assert_eq!(
            select(&checks, &Selection::Touched, &touched).unwrap(),
            ["test", "always"]
        );
        let touched = vec!["README.md".to_string()];
        assert_eq!(
            select(&checks, &Selection::Touched, &touched).unwrap(),
            ["docs", "always"]
        );
        assert!(
            select(&checks, &Selection::Touched, &[])
                .unwrap()
                .is_empty()
        );
        assert_eq!(select(&checks, &Selection::All, &[]).unwrap().len(), 3);
        assert!(
            select(&checks, &Selection::None, &touched)
                .unwrap()
                .is_empty()
        );
        let named = Selection::Named(vec!["docs".into()]);
        assert_eq!(select(&checks, &named, &[]).unwrap(), ["docs"]);
        let err = select(&checks, &Selection::Named(vec!["lint".into()]), &[]).unwrap_err();
        assert!(err.to_string().contains("test, docs, always"), "{err}");
        let mixed = Selection::Named(vec!["docs".into(), "none".into()]);
        let err = select(&checks, &mixed, &[]).unwrap_err();
        assert!(err.to_string().contains("none stands alone"), "{err}");
    }

    #[test]
    fn words_become_a_selection() {
        let words = |w: &[&str]| {
            Selection::from_words(&w.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(words(&[]), Selection::Touched);
        assert_eq!(words(&["all"]), Selection::All);
        assert_eq!(words(&["none"]), Selection::None);
        assert_eq!(
            words(&["lint", "test"]),
            Selection::Named(vec!["lint".into(), "test".into()])
        );
    }

    #[test]
    fn a_failed_check_refuses_unless_the_policy_sends_it_to_review() {
        let failed = vec!["test failed with exit code 1".to_string()];
        let err = check_failures("B1", &failed, "boom", OnFailure::Refuse).unwrap_err();
        assert!(matches!(err.kind(), Error::Refused(_)));
        assert!(err.to_string().contains("exit code 1"), "{err}");
        assert!(err.to_string().ends_with("\n\nboom"), "{err}");
        assert!(check_failures("B1", &failed, "", OnFailure::Review).is_ok());
        assert!(check_failures("B1", &[], "", OnFailure::Refuse).is_ok());
    }
}
