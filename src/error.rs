//! Typed errors of the library, each with a stable code and an exit code, in one place.

use std::fmt;

use crate::model::{ItemKind, Status};
use crate::next::{Action, Input, Next, Op};

/// Where a stored file failed to parse: enough for a person to open it and fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileProblem {
    /// Path of the file inside the cmos branch, e.g. `.cmos/missions/5c/B1.toml`.
    pub path: String,
    /// 1-based line of the problem, when the parser could say.
    pub line: Option<usize>,
    /// 1-based column of the problem, when the parser could say.
    pub column: Option<usize>,
    /// What the parser said, on one line.
    pub message: String,
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Everything that can go wrong in cmos, as the domain sees it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidInput(String),

    #[error("{kind} '{id}' does not exist")]
    NotFound { kind: &'static str, id: String },

    #[error("{kind} '{id}' already exists")]
    AlreadyExists { kind: &'static str, id: String },

    #[error("mission {id} is {from}; it cannot {verb}")]
    InvalidTransition {
        id: String,
        from: Status,
        to: Status,
        verb: &'static str,
        valid: Vec<Status>,
    },

    #[error("{0}")]
    InvalidDependency(String),

    #[error("{0}")]
    Refused(String),

    #[error("{0}")]
    Corrupt(FileProblem),

    /// A commit of the cmos branch holds a tree entry cmos does not follow (`..`, an absolute
    /// name, a symlink, entries out of git's order, ...): from a remote (`remote`), it was
    /// neither adopted nor merged; on this clone's branch, nothing was written on top of it.
    #[error("commit {commit} of the cmos branch holds a tree cmos will not follow: {problem}")]
    InvalidTree {
        commit: String,
        problem: FileProblem,
        remote: bool,
    },

    #[error("this repository has no cmos project yet")]
    NotInitialized,

    #[error("not inside a git repository: {0}")]
    NotARepository(String),

    #[error("{0}")]
    Conflict(String),

    #[error(
        "the cmos branch was written by a newer cmos (format {found}); this cmos reads formats up to {supported}"
    )]
    UnsupportedFormat { found: String, supported: u32 },

    /// `cmos verify` found problems on a branch; each names its file and line.
    #[error("{} has {} problem(s); the first: {}", .reference, .problems.len(), .problems.first().map(|p| p.to_string()).unwrap_or_default())]
    Invalid {
        reference: String,
        problems: Vec<FileProblem>,
    },

    #[error("git: {0}")]
    Git(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// An error with what to do about it (inputs to give, actions to run), which each
    /// front-end names its own way; code, exit code and message are the inner error's.
    #[error("{error}")]
    Guided { error: Box<Error>, next: Box<Next> },
}

impl Error {
    /// The stable code that scripts and agents match on; never renamed once released.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput(_) => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::AlreadyExists { .. } => "already_exists",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::InvalidDependency(_) => "invalid_dependency",
            Error::Refused(_) => "refused",
            Error::Corrupt(_) => "corrupt",
            Error::InvalidTree { .. } => "invalid_tree",
            Error::NotInitialized => "not_initialized",
            Error::NotARepository(_) => "not_a_repository",
            Error::Conflict(_) => "conflict",
            Error::UnsupportedFormat { .. } => "unsupported_format",
            Error::Invalid { .. } => "invalid_branch",
            Error::Git(_) => "git",
            Error::Io { .. } => "io",
            Error::Guided { error, .. } => error.code(),
        }
    }

    /// The process exit code for this error; 2 is also the code of a command-line usage error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::InvalidInput(_) => 2,
            Error::NotFound { .. } => 3,
            Error::AlreadyExists { .. } => 4,
            Error::InvalidTransition { .. } | Error::InvalidDependency(_) | Error::Refused(_) => 5,
            Error::Corrupt(_)
            | Error::InvalidTree { .. }
            | Error::UnsupportedFormat { .. }
            | Error::Invalid { .. } => 6,
            Error::NotInitialized | Error::NotARepository(_) => 7,
            Error::Conflict(_) => 8,
            Error::Git(_) | Error::Io { .. } => 1,
            Error::Guided { error, .. } => error.exit_code(),
        }
    }

    /// What the user can do about it, in domain words, when there is something better to say
    /// than the message. The inputs and actions of `next` say how; front-ends add them.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::InvalidTransition { id, valid, .. } => Some(if valid.is_empty() {
                format!("mission {id} is final; add a new mission instead")
            } else {
                let names: Vec<String> = valid.iter().map(|s| s.to_string()).collect();
                format!("from here mission {id} can move to: {}", names.join(", "))
            }),
            Error::NotFound { kind, .. } => Some(match *kind {
                "sprint" | "mission" | "session" | "snapshot" => {
                    format!("check the id against the list of {kind}s")
                }
                "decision" | "fact" | "learning" | "constraint" | "next-step" => {
                    format!("check the id against the list of every {kind}, closed ones too")
                }
                _ => "check the id and try again".into(),
            }),
            Error::AlreadyExists { kind, .. } => {
                Some(format!("pick another id, or show the existing {kind}"))
            }
            Error::Corrupt(problem) => Some(format!(
                "fix {} on the cmos branch (or restore it from history with `git show`), then retry",
                problem.path
            )),
            Error::InvalidTree { remote: true, .. } => Some(
                "nothing was adopted or merged: the remote's cmos branch is damaged or hostile; ask whoever pushed that commit to repair the branch (rewrite the tree without the entry), then sync again".into(),
            ),
            Error::InvalidTree { remote: false, .. } => Some(
                "nothing was written: move the cmos branch back to a commit without that entry (`git log` on the branch shows them), or rewrite the tree without it; verifying the branch lists every such entry".into(),
            ),
            Error::NotInitialized => Some("start a project in this repository".into()),
            Error::NotARepository(_) => {
                Some("work inside a git repository, or create one with `git init`".into())
            }
            Error::Conflict(_) => Some(
                "other writers kept moving the branch; look at where the project stands and retry"
                    .into(),
            ),
            Error::UnsupportedFormat { .. } => Some("upgrade cmos to read this project".into()),
            Error::Invalid { .. } => Some(
                "fix the files named in `problems` on the branch (each with its path and line), then verify the branch again".into(),
            ),
            Error::Guided { error, .. } => error.hint(),
            _ => None,
        }
    }

    /// What to do about the error, typed: the inputs to give or change and the actions that
    /// get out of it, for each front-end to name (`--reason` or `reason`, `cmos mission list`
    /// or `cmos_mission_list`).
    pub fn next(&self) -> Next {
        let actions = match self {
            Error::InvalidTransition { valid, .. } if valid.is_empty() => {
                vec![Action::new(Op::MissionAdd).needs(Input::Name)]
            }
            Error::InvalidTransition { id, .. } => {
                vec![Action::new(Op::MissionShow).with(Input::MissionId, id)]
            }
            Error::NotFound { kind, .. } => match *kind {
                "sprint" => vec![Action::new(Op::SprintList)],
                "mission" => vec![Action::new(Op::MissionList)],
                "session" => vec![Action::new(Op::SessionList)],
                "snapshot" => vec![Action::new(Op::SnapshotList)],
                other => match other.parse::<ItemKind>() {
                    Ok(kind) => vec![Action::new(Op::ItemList(kind)).needs(Input::All)],
                    Err(_) => Vec::new(),
                },
            },
            Error::InvalidTree { remote: false, .. } | Error::Invalid { .. } => {
                vec![Action::new(Op::Verify)]
            }
            Error::NotInitialized => vec![Action::new(Op::Init)],
            Error::Conflict(_) => vec![Action::new(Op::Status)],
            Error::Guided { error, next } => {
                let mut out = error.next();
                out.inputs.extend(next.inputs.iter().copied());
                // The actions given where the error was made are the more precise ones.
                let mut actions = next.actions.clone();
                actions.extend(out.actions);
                out.actions = actions;
                return out;
            }
            _ => Vec::new(),
        };
        Next {
            inputs: Vec::new(),
            actions,
        }
    }

    /// This error, saying that one of `inputs` is what was wrong or missing.
    pub fn needs(self, inputs: &[Input]) -> Error {
        self.guided(|next| next.inputs.extend_from_slice(inputs))
    }

    /// This error, with `action` as a way out of it.
    pub fn then(self, action: Action) -> Error {
        self.guided(|next| next.actions.push(action))
    }

    fn guided(self, add: impl FnOnce(&mut Next)) -> Error {
        match self {
            Error::Guided { error, mut next } => {
                add(&mut next);
                Error::Guided { error, next }
            }
            error => {
                let mut next = Next::default();
                add(&mut next);
                Error::Guided {
                    error: Box::new(error),
                    next: Box::new(next),
                }
            }
        }
    }

    /// The error without what to do about it: the variant to match on.
    pub fn kind(&self) -> &Error {
        match self {
            Error::Guided { error, .. } => error.kind(),
            other => other,
        }
    }

    /// The problems behind the error, each with its file and line, when there are several.
    pub fn problems(&self) -> Option<&[FileProblem]> {
        match self.kind() {
            Error::Invalid { problems, .. } => Some(problems),
            _ => None,
        }
    }

    /// The statuses a refused transition could have gone to instead.
    pub fn valid_transitions(&self) -> Option<&[Status]> {
        match self.kind() {
            Error::InvalidTransition { valid, .. } => Some(valid),
            _ => None,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn git(context: &str, err: impl fmt::Display) -> Self {
        Error::Git(format!("{context}: {err}"))
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
