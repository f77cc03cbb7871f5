//! What to do next, in no front-end's words: an operation and its arguments (`Action`), and
//! which input of a request was wrong or missing (`Input`). Errors, warnings and instructions
//! carry these typed fields; the CLI renders them as commands and flags (`cmos mission start
//! B2`, `--reason`), the MCP server as tool calls and parameter names (`cmos_mission_start
//! {"missionId":"B2"}`, `reason`), each through its own `Names`. So the library's messages say
//! what is wrong in domain words and never name a flag an agent over MCP could not pass.

use serde::Serialize;

use crate::model::ItemKind;

/// An operation a user or an agent can be told to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Init,
    Status,
    Verify,
    Sync,
    /// The fields a sync merged both ways.
    Conflicts,
    MissionList,
    MissionShow,
    MissionAdd,
    MissionUpdate,
    MissionStart,
    MissionComplete,
    MissionBlock,
    MissionUnblock,
    /// Approve a mission whose validation score waits for review.
    MissionApprove,
    /// Send a mission that waits for review back to work.
    MissionReject,
    SprintList,
    SprintAdd,
    SprintActivate,
    SessionList,
    SessionStart,
    SessionCapture,
    SessionComplete,
    SessionResume,
    /// The records of one kind (decisions, facts, ...).
    ItemList(ItemKind),
    /// A new decision.
    DecisionAdd,
    /// The named snapshots of the branch.
    SnapshotList,
    /// The project notes, written anew.
    NotesSet,
}

/// One input of a request: what an error says was wrong or missing, and the arguments of an
/// action. Front-ends name them (`--reason` and `reason`); positional CLI arguments have no
/// flag, and their `Names` say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Input {
    MissionId,
    SprintId,
    SessionId,
    /// The project's or a mission's name.
    Name,
    Title,
    Objective,
    /// A line added to a mission's notes.
    AppendNotes,
    Focus,
    StartDate,
    EndDate,
    Status,
    Reason,
    /// Go ahead although something is still open or would be replaced.
    Force,
    /// Replace files that exist.
    Overwrite,
    /// Where files are written.
    Out,
    /// The file an install writes.
    File,
    /// Report a mission that is not finished yet.
    AllowIncomplete,
    Summary,
    NextStep,
    /// A session's type (build, research, ...).
    SessionType,
    /// A capture's category.
    Category,
    /// The text of a capture or of the notes.
    Text,
    Remote,
    AllowUnrelated,
    Rationale,
    Supersedes,
    /// Closed records too.
    All,
    /// A first sprint made at init.
    FirstSprint,
    /// How sure the submitter is that the work meets its criteria, 0 to 1.
    ValidationScore,
}

impl Input {
    /// True for inputs that are switches (`--force`, `force: true`), not values.
    pub fn is_switch(self) -> bool {
        matches!(
            self,
            Input::Force
                | Input::Overwrite
                | Input::AllowIncomplete
                | Input::AllowUnrelated
                | Input::All
        )
    }
}

/// An operation with the arguments to give it; a value of None is for the user to fill in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub op: Op,
    pub args: Vec<(Input, Option<String>)>,
}

impl Action {
    pub fn new(op: Op) -> Action {
        Action {
            op,
            args: Vec::new(),
        }
    }

    /// The action with `input` set to `value`.
    pub fn with(mut self, input: Input, value: impl Into<String>) -> Action {
        self.args.push((input, Some(value.into())));
        self
    }

    /// The action with `input` for the user to fill in (or a switch to turn on).
    pub fn needs(mut self, input: Input) -> Action {
        self.args.push((input, None));
        self
    }
}

/// What can be done about an error: the inputs to give or change, and actions to run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Next {
    /// Inputs that were wrong or missing: one of them is needed.
    pub inputs: Vec<Input>,
    pub actions: Vec<Action>,
}

/// How a front-end names inputs and actions. The CLI writes flags and commands, the MCP server
/// parameter names and tool calls.
pub trait Names {
    /// The input as this front-end's user gives it: `--reason` or `reason`.
    fn input(&self, input: Input) -> String;

    /// The action as a command or a tool call; None when this front-end cannot run it.
    fn action(&self, action: &Action) -> Option<String>;

    /// How to say "give one of these inputs": `pass --reason`, `give the argument reason`.
    fn give(&self, inputs: &[Input]) -> String;

    /// The sentence that points at actions: "run `cmos verify`", "call cmos_verify {}".
    fn run(&self, actions: &[Action]) -> Option<String>;
}

/// Words joined as a list a person reads: `a`, `a or b`, `a, b or c`.
pub fn one_of(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_sentences() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(one_of(&words(&[])), "");
        assert_eq!(one_of(&words(&["a"])), "a");
        assert_eq!(one_of(&words(&["a", "b"])), "a or b");
        assert_eq!(one_of(&words(&["a", "b", "c"])), "a, b or c");
    }
}
