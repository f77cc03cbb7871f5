//! How the CLI names what the library says to do next: inputs as flags (`--reason`) and
//! actions as commands (`cmos mission block B1 --reason TEXT`), for human output and for the
//! `suggested_commands` of the `--json` envelope.

use crate::next::{Action, Input, Names, Op, one_of};

/// The CLI's names for inputs and actions.
pub struct CliNames;

/// The command that runs `op`, without its arguments.
fn command(op: Op) -> String {
    let words = match op {
        Op::Init => "init",
        Op::Status => "status",
        Op::Verify => "verify",
        Op::Sync => "sync",
        Op::Conflicts => "conflicts",
        Op::MissionList => "mission list",
        Op::MissionShow => "mission show",
        Op::MissionAdd => "mission add",
        Op::MissionUpdate => "mission update",
        Op::MissionStart => "mission start",
        Op::MissionComplete => "mission complete",
        Op::MissionBlock => "mission block",
        Op::MissionUnblock => "mission unblock",
        Op::MissionApprove => "mission approve",
        Op::MissionReject => "mission reject",
        Op::SprintList => "sprint list",
        Op::SprintAdd => "sprint add",
        Op::SprintActivate => "sprint activate",
        Op::SessionList => "session list",
        Op::SessionStart => "session start",
        Op::SessionCapture => "session capture",
        Op::SessionComplete => "session complete",
        Op::SessionResume => "session resume",
        Op::ItemList(kind) => return format!("cmos {kind} list"),
        Op::DecisionAdd => "decision add",
        Op::SnapshotList => "context history",
        Op::NotesSet => "context notes set",
    };
    format!("cmos {words}")
}

/// True where the command takes `input` as a positional argument rather than a flag.
fn positional(op: Op, input: Input) -> bool {
    match input {
        Input::MissionId => matches!(
            op,
            Op::MissionShow
                | Op::MissionUpdate
                | Op::MissionStart
                | Op::MissionComplete
                | Op::MissionBlock
                | Op::MissionUnblock
                | Op::MissionApprove
                | Op::MissionReject
        ),
        Input::SprintId => matches!(op, Op::SprintAdd | Op::SprintActivate),
        Input::Name => op == Op::MissionAdd,
        Input::Category => op == Op::SessionCapture,
        Input::Text => matches!(op, Op::SessionCapture | Op::DecisionAdd | Op::NotesSet),
        Input::Remote => op == Op::Sync,
        _ => false,
    }
}

fn flag(input: Input) -> &'static str {
    match input {
        Input::MissionId => "--mission",
        Input::SprintId | Input::FirstSprint => "--sprint",
        Input::SessionId => "--session",
        Input::Name => "--name",
        Input::Title => "--title",
        Input::Objective => "--objective",
        Input::AppendNotes => "--append-notes",
        Input::Focus => "--focus",
        Input::StartDate => "--start",
        Input::EndDate => "--end",
        Input::Status => "--status",
        Input::Reason => "--reason",
        Input::Force => "--force",
        Input::Overwrite => "--overwrite",
        Input::Out => "--out",
        Input::File => "--file",
        Input::AllowIncomplete => "--allow-incomplete",
        Input::Summary => "--summary",
        Input::NextStep => "--next-step",
        Input::SessionType => "--type",
        Input::Category => "--category",
        Input::Text => "--text",
        Input::Remote => "--remote",
        Input::AllowUnrelated => "--allow-unrelated",
        Input::Rationale => "--rationale",
        Input::Supersedes => "--supersedes",
        Input::All => "--all",
        Input::ValidationScore => "--validation-score",
    }
}

/// The placeholder of a value the user fills in, as `--help` writes it.
fn metavar(input: Input) -> &'static str {
    match input {
        Input::MissionId | Input::Supersedes => "ID",
        Input::SprintId | Input::FirstSprint => "SPRINT",
        Input::SessionId => "SESSION",
        Input::Name => "NAME",
        Input::Title => "TITLE",
        Input::SessionType => "TYPE",
        Input::Category => "CATEGORY",
        Input::Status => "STATUS",
        Input::Out | Input::File => "PATH",
        Input::Remote => "REMOTE",
        Input::StartDate | Input::EndDate => "DATE",
        Input::ValidationScore => "SCORE",
        _ => "TEXT",
    }
}

/// A value as a shell word: quoted when the shell would split or expand it.
fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.,:/@%+=".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

impl Names for CliNames {
    fn input(&self, input: Input) -> String {
        if input.is_switch() {
            flag(input).to_string()
        } else {
            format!("{} {}", flag(input), metavar(input))
        }
    }

    fn action(&self, action: &Action) -> Option<String> {
        let mut words = vec![command(action.op)];
        // Positional arguments first, in the order given; flags after them.
        for (input, value) in action
            .args
            .iter()
            .filter(|(i, _)| positional(action.op, *i))
        {
            words.push(value.as_deref().map_or(metavar(*input).into(), shell_word));
        }
        for (input, value) in action
            .args
            .iter()
            .filter(|(i, _)| !positional(action.op, *i))
        {
            match value {
                _ if input.is_switch() => words.push(flag(*input).into()),
                Some(value) => words.push(format!("{} {}", flag(*input), shell_word(value))),
                None => words.push(self.input(*input)),
            }
        }
        Some(words.join(" "))
    }

    fn give(&self, inputs: &[Input]) -> String {
        let names: Vec<String> = inputs.iter().map(|i| self.input(*i)).collect();
        format!("pass {}", one_of(&names))
    }

    fn run(&self, actions: &[Action]) -> Option<String> {
        let shown: Vec<String> = actions
            .iter()
            .filter_map(|a| self.action(a))
            .map(|c| format!("`{c}`"))
            .collect();
        (!shown.is_empty()).then(|| format!("run {}", one_of(&shown)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ItemKind;

    #[test]
    fn actions_read_as_commands() {
        let names = CliNames;
        let block = Action::new(Op::MissionBlock)
            .with(Input::MissionId, "B1")
            .needs(Input::Reason);
        assert_eq!(
            names.action(&block).unwrap(),
            "cmos mission block B1 --reason TEXT"
        );
        let list = Action::new(Op::MissionList).with(Input::Status, "In Progress");
        assert_eq!(
            names.action(&list).unwrap(),
            "cmos mission list --status 'In Progress'"
        );
        let all = Action::new(Op::ItemList(ItemKind::NextStep)).needs(Input::All);
        assert_eq!(names.action(&all).unwrap(), "cmos next-step list --all");
        assert_eq!(
            names.give(&[Input::Title, Input::Focus, Input::Force]),
            "pass --title TITLE, --focus TEXT or --force"
        );
        assert_eq!(
            names.run(&[Action::new(Op::Verify)]).unwrap(),
            "run `cmos verify`"
        );
    }
}
