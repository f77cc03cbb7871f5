//! The one document every front-end answers with: `--json` prints it, the MCP server returns
//! it from every tool. Fields in a fixed order; errors carry a stable code and what to do.

use serde::Serialize;

use super::{Instructions, Outcome, Workspace};
use crate::error::{Error, FileProblem};
use crate::model::Status;

/// Version of the envelope; bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Warnings shown one by one; past this many, the rest are counted.
pub const SHOWN_WARNINGS: usize = 5;
/// Longest warning shown, in characters: a warning may quote a name or path from the branch.
pub const MAX_WARNING_CHARS: usize = 400;

/// The warnings of an outcome as every front-end shows them: at most `SHOWN_WARNINGS` of them,
/// each cut to `MAX_WARNING_CHARS`, then one line counting the rest and pointing at `verify`,
/// which lists them all. A branch with 300,000 misplaced files warns about each one; a reply
/// must stay readable and an agent's context must not fill with them.
pub fn collapse_warnings(warnings: &[String]) -> Vec<String> {
    let shown = if warnings.len() > SHOWN_WARNINGS + 1 {
        SHOWN_WARNINGS
    } else {
        warnings.len()
    };
    let mut out: Vec<String> = warnings[..shown]
        .iter()
        .map(|w| match w.char_indices().nth(MAX_WARNING_CHARS) {
            Some((end, _)) => format!("{}… [cut: {} bytes in all]", &w[..end], w.len()),
            None => w.clone(),
        })
        .collect();
    if shown < warnings.len() {
        out.push(format!(
            "… and {} more warnings ({} in all): `cmos verify` lists every problem of the branch",
            warnings.len() - shown,
            warnings.len()
        ));
    }
    out
}

#[derive(Debug, Serialize)]
pub struct Envelope<T: Serialize> {
    pub schema_version: u32,
    pub ok: bool,
    pub data: Option<T>,
    pub warnings: Vec<String>,
    pub error: Option<ErrorBody>,
    pub instructions: Instructions,
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_transitions: Option<Vec<Status>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<FileProblem>>,
}

impl<T: Serialize> Envelope<T> {
    /// A success; with a workspace, the instructions recall its active session and mission.
    pub fn success(outcome: Outcome<T>, workspace: Option<&Workspace>) -> Self {
        let mut instructions = outcome.instructions;
        if let Some(workspace) = workspace {
            workspace.remind(&mut instructions);
        }
        Envelope {
            schema_version: SCHEMA_VERSION,
            ok: true,
            data: Some(outcome.data),
            warnings: collapse_warnings(&outcome.warnings),
            error: None,
            instructions,
        }
    }
}

impl Envelope<()> {
    /// A failure; `context` is where the project stands, when it could be read.
    pub fn failure(err: &Error, context: Option<Instructions>) -> Self {
        let mut instructions = context.unwrap_or_default();
        instructions.next_actions = err.hint().into_iter().collect();
        instructions.suggested_commands = suggested_for(err);
        Envelope {
            schema_version: SCHEMA_VERSION,
            ok: false,
            data: None,
            warnings: Vec::new(),
            error: Some(ErrorBody {
                code: err.code(),
                message: err.to_string(),
                hint: err.hint(),
                valid_transitions: err.valid_transitions().map(<[Status]>::to_vec),
                problems: err.problems().map(<[FileProblem]>::to_vec),
            }),
            instructions,
        }
    }
}

/// Commands that get an agent out of the error, when there is an obvious one.
fn suggested_for(err: &Error) -> Vec<String> {
    match err {
        Error::NotInitialized => vec!["cmos init".into()],
        Error::NotFound {
            kind: "mission", ..
        } => vec!["cmos mission list".into()],
        Error::NotFound { kind: "sprint", .. } => vec!["cmos sprint list".into()],
        Error::InvalidTransition { id, .. } => vec![format!("cmos mission show {id}")],
        Error::Conflict(_) => vec!["cmos status".into()],
        _ => Vec::new(),
    }
}

/// Where the project stands, for the instructions of an error; None if it cannot be read.
pub fn context_of(workspace: &Workspace) -> Option<Instructions> {
    let snapshot = workspace.store().snapshot().ok()?;
    let mut instructions = Instructions::from_digest(&snapshot.meta, &snapshot.digest);
    workspace.remind(&mut instructions);
    Some(instructions)
}
