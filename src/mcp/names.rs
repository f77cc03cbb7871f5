//! How the MCP server names what the library says to do next: inputs as the tools' parameter
//! names (`reason`, `missionId`) and actions as tool calls (`cmos_mission_start
//! {"missionId":"B2"}`), so an agent reads what it can call and never a CLI flag.

use serde_json::{Map, Value};

use crate::mcp::tools::{Profile, groups};
use crate::model::ItemKind;
use crate::next::{Action, Input, Names, Op, one_of};

/// The MCP server's names for inputs and actions: in the granular tools' words
/// (`cmos_mission_start {"missionId":"B2"}`), or, when the server lists the consolidated
/// tools, in theirs (`cmos_mission_transition {"action":"start","missionId":"B2"}`), so a
/// suggestion names a tool the agent sees.
pub struct McpNames {
    consolidated: bool,
}

impl McpNames {
    pub const GRANULAR: McpNames = McpNames {
        consolidated: false,
    };
    pub const CONSOLIDATED: McpNames = McpNames { consolidated: true };

    /// The names that match what `profile` lists.
    pub fn of(profile: Profile) -> &'static McpNames {
        match profile {
            Profile::Consolidated => &McpNames::CONSOLIDATED,
            Profile::Granular | Profile::All => &McpNames::GRANULAR,
        }
    }
}

/// The tool that runs `op`, with the arguments it always takes; None when no tool does.
fn tool(op: Op) -> Option<(&'static str, &'static [(&'static str, &'static str)])> {
    let name = match op {
        Op::Init => "cmos_project_init",
        Op::Status => "cmos_mission_status",
        Op::Verify => "cmos_verify",
        Op::Sync => "cmos_sync",
        // Merge conflicts are shown per mission (cmos_mission_show); there is no list tool.
        Op::Conflicts | Op::NotesSet => return None,
        Op::MissionList => "cmos_mission_list",
        Op::MissionShow => "cmos_mission_show",
        Op::MissionAdd => "cmos_mission_add",
        Op::MissionUpdate => "cmos_mission_update",
        Op::MissionStart => "cmos_mission_start",
        Op::MissionComplete => "cmos_mission_complete",
        Op::MissionBlock => "cmos_mission_block",
        Op::MissionUnblock => "cmos_mission_unblock",
        Op::MissionApprove => "cmos_mission_approve",
        Op::MissionReject => "cmos_mission_reject",
        Op::SprintList => "cmos_sprint_list",
        Op::SprintAdd => "cmos_sprint_add",
        Op::SprintActivate => return Some(("cmos_sprint_update", &[("status", "Active")])),
        Op::SessionList => "cmos_session_list",
        Op::SessionStart => "cmos_session_start",
        Op::SessionCapture => "cmos_session_capture",
        Op::SessionComplete => "cmos_session_complete",
        Op::SessionResume => "cmos_session_resume",
        Op::ItemList(kind) => match kind {
            ItemKind::Decision => "cmos_decisions_list",
            ItemKind::Fact => "cmos_facts_list",
            ItemKind::Learning => "cmos_learnings_list",
            ItemKind::Constraint => "cmos_constraints",
            ItemKind::NextStep => "cmos_next_steps",
            ItemKind::Snapshot => "cmos_context_history",
        },
        Op::DecisionAdd => "cmos_decisions_record",
        Op::SnapshotList => "cmos_context_history",
    };
    Some((name, &[]))
}

/// The parameter that carries `input`, in the tool of `op` when one is given.
fn param(op: Option<Op>, input: Input) -> &'static str {
    match input {
        Input::MissionId => "missionId",
        Input::SprintId | Input::FirstSprint => "sprintId",
        Input::SessionId => "sessionId",
        Input::Name if op == Some(Op::Init) => "projectName",
        Input::Name => "name",
        Input::Title => "title",
        Input::Objective => "objective",
        Input::AppendNotes => "notes",
        Input::Focus => "focus",
        Input::StartDate => "startDate",
        Input::EndDate => "endDate",
        Input::Status if op == Some(Op::MissionUnblock) => "targetStatus",
        Input::Status => "status",
        Input::Reason => "reason",
        Input::Force => "force",
        Input::Overwrite => "overwrite",
        Input::Out => "out",
        Input::File => "file",
        Input::AllowIncomplete => "allowIncomplete",
        Input::Summary => "summary",
        Input::NextStep => "nextSteps",
        Input::SessionType => "type",
        Input::Category => "category",
        Input::Text if op == Some(Op::SessionCapture) => "content",
        Input::Text if op == Some(Op::DecisionAdd) => "decision",
        Input::Text => "text",
        Input::Remote => "remote",
        Input::AllowUnrelated => "allowUnrelated",
        Input::Rationale => "rationale",
        Input::Supersedes => "supersedes",
        Input::All => "all",
        Input::ValidationScore => "validationScore",
    }
}

impl Names for McpNames {
    fn input(&self, input: Input) -> String {
        param(None, input).to_string()
    }

    fn action(&self, action: &Action) -> Option<String> {
        let (name, fixed) = tool(action.op)?;
        let mut arguments = Map::new();
        for (input, value) in &action.args {
            let key = param(Some(action.op), *input);
            let value = match value {
                _ if input.is_switch() => Value::Bool(true),
                Some(value) if *input == Input::NextStep => Value::from(vec![value.clone()]),
                Some(value) => Value::from(value.clone()),
                None if *input == Input::NextStep => Value::from(vec![format!("<{key}>")]),
                None => Value::from(format!("<{key}>")),
            };
            arguments.insert(key.to_string(), value);
        }
        for (key, value) in fixed {
            arguments.insert(key.to_string(), Value::from(*value));
        }
        let mut name = name;
        if self.consolidated
            && let Some((group, word, renamed)) = groups::home_of(name)
        {
            for (theirs, ours) in renamed {
                if let Some(value) = arguments.remove(*ours) {
                    arguments.insert(theirs.to_string(), value);
                }
            }
            if !word.is_empty() {
                // The action first, as a person would write the call.
                let mut ordered = Map::new();
                ordered.insert("action".into(), Value::from(word));
                ordered.extend(arguments);
                arguments = ordered;
            }
            name = group;
        }
        Some(format!("{name} {}", Value::Object(arguments)))
    }

    fn give(&self, inputs: &[Input]) -> String {
        let names: Vec<String> = inputs
            .iter()
            .map(|i| match i.is_switch() {
                true => format!("{}=true", self.input(*i)),
                false => self.input(*i),
            })
            .collect();
        match names.len() {
            1 => format!("give the argument {}", names[0]),
            _ => format!("give one of the arguments {}", one_of(&names)),
        }
    }

    fn run(&self, actions: &[Action]) -> Option<String> {
        let shown: Vec<String> = actions.iter().filter_map(|a| self.action(a)).collect();
        (!shown.is_empty()).then(|| format!("call {}", one_of(&shown)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action the library suggests names a tool the server has, with parameters that
    /// tool declares: a renamed tool or parameter fails here, not in an agent's hands.
    #[test]
    fn actions_name_real_tools_and_parameters() {
        let kinds = [
            ItemKind::Decision,
            ItemKind::Fact,
            ItemKind::Learning,
            ItemKind::Constraint,
            ItemKind::NextStep,
        ];
        let mut actions = vec![
            Action::new(Op::Init).needs(Input::Name),
            Action::new(Op::Status),
            Action::new(Op::Verify),
            Action::new(Op::Sync).needs(Input::AllowUnrelated),
            Action::new(Op::MissionList).with(Input::Status, "Blocked"),
            Action::new(Op::MissionShow).with(Input::MissionId, "B1"),
            Action::new(Op::MissionAdd).needs(Input::Name),
            Action::new(Op::MissionUpdate)
                .with(Input::MissionId, "B1")
                .needs(Input::Name)
                .needs(Input::Objective)
                .needs(Input::AppendNotes),
            Action::new(Op::MissionStart).with(Input::MissionId, "B1"),
            Action::new(Op::MissionComplete).with(Input::MissionId, "B1"),
            Action::new(Op::MissionBlock)
                .with(Input::MissionId, "B1")
                .needs(Input::Reason),
            Action::new(Op::MissionUnblock)
                .with(Input::MissionId, "B1")
                .with(Input::Status, "Current"),
            Action::new(Op::SprintList),
            Action::new(Op::SprintAdd)
                .needs(Input::SprintId)
                .needs(Input::Title),
            Action::new(Op::SprintActivate).needs(Input::SprintId),
            Action::new(Op::SessionList),
            Action::new(Op::SessionStart)
                .needs(Input::SessionType)
                .needs(Input::Title)
                .needs(Input::Force),
            Action::new(Op::SessionCapture)
                .needs(Input::Category)
                .needs(Input::Text)
                .needs(Input::SessionId),
            Action::new(Op::SessionComplete)
                .needs(Input::Summary)
                .needs(Input::NextStep)
                .needs(Input::SessionId)
                .needs(Input::Force),
            Action::new(Op::SessionResume),
            Action::new(Op::DecisionAdd)
                .needs(Input::Text)
                .needs(Input::Rationale)
                .needs(Input::Supersedes),
            Action::new(Op::SnapshotList),
        ];
        actions.extend(kinds.map(|k| Action::new(Op::ItemList(k)).needs(Input::All)));
        let listed: Vec<Value> = crate::mcp::tools::all()
            .iter()
            .map(|t| t.listing())
            .collect();
        for action in &actions {
            let shown = McpNames::GRANULAR
                .action(action)
                .expect("a tool for each of these");
            let (name, arguments) = shown.split_once(' ').expect("name and arguments");
            let tool = listed
                .iter()
                .find(|t| t["name"] == name)
                .unwrap_or_else(|| panic!("{shown}: no tool {name}"));
            let arguments: Map<String, Value> = serde_json::from_str(arguments).unwrap();
            for key in arguments.keys() {
                assert!(
                    tool["inputSchema"]["properties"].get(key).is_some(),
                    "{shown}: {name} has no parameter {key}"
                );
            }
        }
        assert_eq!(
            McpNames::GRANULAR
                .action(&Action::new(Op::MissionStart).with(Input::MissionId, "B2"))
                .unwrap(),
            r#"cmos_mission_start {"missionId":"B2"}"#
        );
        assert_eq!(
            McpNames::GRANULAR.give(&[Input::Reason]),
            "give the argument reason"
        );
        // In the consolidated tools' words, every suggestion names a listed tool, one of its
        // actions, and parameters it lists.
        let listed = crate::mcp::tools::listing(Profile::Consolidated);
        for action in &actions {
            let shown = McpNames::CONSOLIDATED.action(action).expect("a tool");
            let (name, arguments) = shown.split_once(' ').expect("name and arguments");
            let tool = listed
                .iter()
                .find(|t| t["name"] == name)
                .unwrap_or_else(|| panic!("{shown}: {name} is not listed"));
            let arguments: Map<String, Value> = serde_json::from_str(arguments).unwrap();
            let properties = &tool["inputSchema"]["properties"];
            for (key, value) in &arguments {
                assert!(properties.get(key).is_some(), "{shown}: no parameter {key}");
                if key == "action" {
                    let words = properties["action"]["enum"].as_array().unwrap();
                    assert!(words.contains(value), "{shown}: no action {value}");
                }
            }
        }
        assert_eq!(
            McpNames::CONSOLIDATED
                .action(&Action::new(Op::MissionStart).with(Input::MissionId, "B2"))
                .unwrap(),
            r#"cmos_mission_transition {"action":"start","missionId":"B2"}"#
        );
    }
}
