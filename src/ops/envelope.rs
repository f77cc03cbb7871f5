//! The one document every front-end answers with: `--json` prints it, the MCP server returns
//! it from every tool. Fields in a fixed order; errors carry a stable code and what to do.

use serde::Serialize;

use super::{InstructionContext, Instructions, Outcome, Warning, Workspace};
use crate::error::{Error, FileProblem};
use crate::model::Status;
use crate::next::{Action, Names, Op};

/// Version of the envelope; bumped only on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Warnings shown one by one; past this many, the rest are counted.
pub const SHOWN_WARNINGS: usize = 5;
/// Longest warning shown, in characters: a warning may quote a name or path from the branch.
pub const MAX_WARNING_CHARS: usize = 400;

/// The warnings of an outcome as every front-end shows them: at most `SHOWN_WARNINGS` of them,
/// each cut to `MAX_WARNING_CHARS`, with its action named by `names`, then one line counting
/// the rest and pointing at verification, which lists them all. A branch with 300,000
/// misplaced files warns about each one; a reply must stay readable and an agent's context
/// must not fill with them.
pub fn collapse_warnings(warnings: &[Warning], names: &dyn Names) -> Vec<String> {
    let shown = if warnings.len() > SHOWN_WARNINGS + 1 {
        SHOWN_WARNINGS
    } else {
        warnings.len()
    };
    let mut out: Vec<String> = warnings[..shown]
        .iter()
        .map(|w| {
            let text = match w.text.char_indices().nth(MAX_WARNING_CHARS) {
                Some((end, _)) => {
                    format!("{}… [cut: {} bytes in all]", &w.text[..end], w.text.len())
                }
                None => w.text.clone(),
            };
            with_action(text, w.then.as_ref(), names)
        })
        .collect();
    if shown < warnings.len() {
        out.push(with_action(
            format!(
                "… and {} more warnings ({} in all): verifying the branch lists every problem",
                warnings.len() - shown,
                warnings.len()
            ),
            Some(&Action::new(Op::Verify)),
            names,
        ));
    }
    out
}

/// `text`, then how to run `action` in this front-end's words, when it can.
fn with_action(text: String, action: Option<&Action>, names: &dyn Names) -> String {
    match action.and_then(|a| names.run(std::slice::from_ref(a))) {
        Some(how) => format!("{text}; {how}"),
        None => text,
    }
}

#[derive(Debug, Serialize)]
pub struct Envelope<T: Serialize> {
    pub schema_version: u32,
    pub ok: bool,
    pub data: Option<T>,
    pub warnings: Vec<String>,
    pub error: Option<ErrorBody>,
    pub instructions: ShownInstructions,
}

/// The instructions as a front-end shows them: the typed actions named as its commands or
/// tool calls.
#[derive(Debug, Serialize)]
pub struct ShownInstructions {
    pub next_actions: Vec<String>,
    pub suggested_commands: Vec<String>,
    pub context: InstructionContext,
}

impl ShownInstructions {
    pub fn new(instructions: Instructions, names: &dyn Names) -> Self {
        let mut suggested_commands: Vec<String> = Vec::new();
        for action in &instructions.suggested {
            if let Some(shown) = names.action(action)
                && !suggested_commands.contains(&shown)
            {
                suggested_commands.push(shown);
            }
        }
        // A reminder may be added twice (by the operation and by the envelope): once is enough.
        let mut next_actions: Vec<String> = Vec::new();
        for action in instructions.next_actions {
            if !next_actions.contains(&action) {
                next_actions.push(action);
            }
        }
        ShownInstructions {
            next_actions,
            suggested_commands,
            context: instructions.context,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    pub hint: Option<String>,
    /// The inputs that were wrong or missing, as this front-end names them (`--reason`,
    /// `reason`): one of them is needed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_transitions: Option<Vec<Status>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<FileProblem>>,
}

impl<T: Serialize> Envelope<T> {
    /// A success; with a workspace, the instructions recall its active session and mission.
    pub fn success(outcome: Outcome<T>, workspace: Option<&Workspace>, names: &dyn Names) -> Self {
        let mut instructions = outcome.instructions;
        if let Some(workspace) = workspace {
            workspace.remind(&mut instructions);
        }
        Envelope {
            schema_version: SCHEMA_VERSION,
            ok: true,
            data: Some(outcome.data),
            warnings: collapse_warnings(&outcome.warnings, names),
            error: None,
            instructions: ShownInstructions::new(instructions, names),
        }
    }
}

impl Envelope<()> {
    /// A failure; `context` is where the project stands, when it could be read.
    pub fn failure(err: &Error, context: Option<Instructions>, names: &dyn Names) -> Self {
        let next = err.next();
        let hint = hint(err, names);
        let mut instructions = context.unwrap_or_default();
        instructions.next_actions = hint.clone().into_iter().collect();
        instructions.suggested = next.actions;
        Envelope {
            schema_version: SCHEMA_VERSION,
            ok: false,
            data: None,
            warnings: Vec::new(),
            error: Some(ErrorBody {
                code: err.code(),
                message: err.to_string(),
                hint,
                inputs: next.inputs.iter().map(|i| names.input(*i)).collect(),
                valid_transitions: err.valid_transitions().map(<[Status]>::to_vec),
                problems: err.problems().map(<[FileProblem]>::to_vec),
            }),
            instructions: ShownInstructions::new(instructions, names),
        }
    }
}

/// What to do about `err` in this front-end's words: the library's hint, then the inputs to
/// give and the actions to run, named by `names`.
pub fn hint(err: &Error, names: &dyn Names) -> Option<String> {
    let next = err.next();
    let mut parts: Vec<String> = err.hint().into_iter().collect();
    if !next.inputs.is_empty() {
        parts.push(names.give(&next.inputs));
    }
    parts.extend(names.run(&next.actions));
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Where the project stands, for the instructions of an error; None if it cannot be read.
pub fn context_of(workspace: &Workspace) -> Option<Instructions> {
    let snapshot = workspace.store().snapshot().ok()?;
    let mut instructions = Instructions::from_digest(&snapshot.meta, &snapshot.digest);
    workspace.remind(&mut instructions);
    Some(instructions)
}
