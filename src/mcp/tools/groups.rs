//! The original CMOS's consolidated tools (its "G4" surface): one tool per area with an
//! `action` argument (`cmos_mission {"action": "list"}`). They are data, not code: each
//! action names the granular tool that does it, and a call is that tool's call, checked
//! against that tool's schema. The schema a group publishes is its actions plus the union of
//! their tools' parameters, so the two cannot drift either. Actions that only existed for the
//! original's hosted dashboard, or for its SQLite file, are refused saying why and what to
//! use instead.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::schema::{self, COMMON};
use super::{Profile, Reply};
use crate::error::{Error, Result};
use crate::model::fold;
use crate::ops::Workspace;

/// The original's parameter names read as a granular tool's: (theirs, the tool's).
pub type Renames = &'static [(&'static str, &'static str)];

/// What one action of a group does.
pub enum Target {
    /// The granular tool `name`, with `fixed` arguments set and the original's parameter
    /// names in `renamed` read as the tool's (`constraintAction` as `action`).
    Tool {
        name: &'static str,
        fixed: &'static [(&'static str, &'static str)],
        renamed: &'static [(&'static str, &'static str)],
    },
    /// Something cmos does not do, and why, with what to do instead.
    Elsewhere(&'static str),
    /// Something that needed the original's hosted dashboard.
    Hosted,
}

const fn to(name: &'static str) -> Target {
    Target::Tool {
        name,
        fixed: &[],
        renamed: &[],
    }
}

/// A consolidated tool: its name, what it is for, and its actions. A group whose one action
/// is named "" takes no `action` (the original's `cmos_review`).
pub struct Group {
    pub name: &'static str,
    summary: &'static str,
    actions: &'static [(&'static str, Target)],
    /// Whether tools/list shows it; a group every action of which is refused is only
    /// callable, so it costs no agent context.
    pub listed: bool,
    listing: OnceLock<Value>,
}

const fn group(
    name: &'static str,
    summary: &'static str,
    actions: &'static [(&'static str, Target)],
) -> Group {
    Group {
        name,
        summary,
        actions,
        listed: true,
        listing: OnceLock::new(),
    }
}

/// The first sentence of a parameter's description, without its default: what a merged
/// description keeps of each action's meaning, so the listing stays small.
fn gist(description: &str) -> &str {
    let end = [
        description.find(" ["),
        // A sentence ends at ". " before a capital ("e.g. 2h" goes on).
        description
            .match_indices(". ")
            .map(|(at, _)| at)
            .find(|at| description[at + 2..].starts_with(char::is_uppercase)),
        description.find(';'),
    ]
    .into_iter()
    .flatten()
    .min()
    .unwrap_or(description.len());
    description[..end].trim_end_matches('.')
}

/// A parameter as a group lists it. An object's own keys are left out when each is also a
/// parameter of its own (`fields` repeats `name`, `status`, ...): the listing says so once
/// instead of describing every key twice, and a call is still checked against the granular
/// tool's full schema.
fn listed_property(property: &Value, siblings: &Value) -> Value {
    let mut listed = schema::without_original(property);
    let repeats_siblings = |keys: &Value| {
        keys.as_object()
            .is_some_and(|keys| keys.keys().all(|k| siblings.get(k).is_some()))
    };
    if let Some(object) = listed.as_object_mut()
        && object.get("properties").is_some_and(repeats_siblings)
    {
        object.remove("properties");
        let said = object
            .get("description")
            .and_then(Value::as_str)
            .map(|d| {
                d.split(';')
                    .next()
                    .unwrap_or(d)
                    .trim_end_matches('.')
                    .to_string()
            })
            .unwrap_or_default();
        object.insert(
            "description".into(),
            Value::from(format!("{said}, with the keys of the parameters above.")),
        );
    }
    listed
}

/// A group of the original's that cmos does not offer: callable, every action refused.
const fn refused(name: &'static str, actions: &'static [(&'static str, Target)]) -> Group {
    Group {
        name,
        summary: "",
        actions,
        listed: false,
        listing: OnceLock::new(),
    }
}

const NO_SNAPSHOTS: &str = "every change is already a commit on the cmos branch: read them with cmos_db action log or history";
const ONE_PROJECT: &str = "the original's registry of several projects has no counterpart: this server serves the one repository it was started in";
const NO_CONDENSING: &str = "cmos builds the context from the records each time it is read, so there is nothing to update by hand: capture with cmos_session action capture, and trim what it loads with cmos_context action condense";
const NO_FEEDBACK: &str = "cmos keeps no agent feedback records: capture it with cmos_session action capture (category learning)";
const NO_REVIEW: &str = "cmos does not edit records in place: record a new decision with supersedes (cmos_decisions action record), confirm one with action reaffirm, or archive the stale ones a review lists (cmos decision archive ID ID ...)";

pub static GROUPS: [Group; 15] = [
    group(
        "cmos_mission",
        "Missions: list, show, status (the work queue), next (the mission to take), add, update, depends, undepends.",
        &[
            ("list", to("cmos_mission_list")),
            ("show", to("cmos_mission_show")),
            ("status", to("cmos_mission_status")),
            ("next", to("cmos_mission_next")),
            ("add", to("cmos_mission_add")),
            ("update", to("cmos_mission_update")),
            ("depends", to("cmos_mission_depends")),
            ("undepends", to("cmos_mission_undepends")),
        ],
    ),
    group(
        "cmos_mission_transition",
        "Move a mission through its lifecycle: start, complete, block (reason required), unblock, drop, defer.",
        &[
            ("start", to("cmos_mission_start")),
            ("complete", to("cmos_mission_complete")),
            ("block", to("cmos_mission_block")),
            ("unblock", to("cmos_mission_unblock")),
            ("drop", to("cmos_mission_drop")),
            ("defer", to("cmos_mission_defer")),
        ],
    ),
    group(
        "cmos_sprint",
        "Sprints: list, show (with its missions), add, update, complete, retro (the close-out report), carry_forward (open work to another sprint), analytics (trends over sprints).",
        &[
            ("list", to("cmos_sprint_list")),
            ("show", to("cmos_sprint_show")),
            ("add", to("cmos_sprint_add")),
            ("update", to("cmos_sprint_update")),
            (
                "complete",
                Target::Tool {
                    name: "cmos_sprint_update",
                    fixed: &[("status", "Completed")],
                    renamed: &[("forceComplete", "force")],
                },
            ),
            ("retro", to("cmos_sprint_retro")),
            (
                "carry_forward",
                Target::Tool {
                    name: "cmos_sprint_carry_forward",
                    fixed: &[],
                    renamed: &[("targetSprintId", "to")],
                },
            ),
            ("analytics", to("cmos_sprint_analytics")),
        ],
    ),
    group(
        "cmos_context",
        "The project's context: view, snapshot, history (snapshots), next_steps, constraints, facts, add_fact, search (full text over documents and records), condense (trim what it loads).",
        &[
            ("view", to("cmos_context_view")),
            ("snapshot", to("cmos_context_snapshot")),
            ("history", to("cmos_context_history")),
            (
                "next_steps",
                Target::Tool {
                    name: "cmos_next_steps",
                    fixed: &[],
                    renamed: &[("nextStepAction", "action")],
                },
            ),
            (
                "constraints",
                Target::Tool {
                    name: "cmos_constraints",
                    fixed: &[],
                    renamed: &[("constraintAction", "action")],
                },
            ),
            ("facts", to("cmos_facts_list")),
            ("add_fact", to("cmos_facts_add")),
            (
                "search",
                Target::Tool {
                    name: "cmos_kb_search",
                    fixed: &[],
                    renamed: &[("searchLimit", "limit")],
                },
            ),
            ("update", Target::Elsewhere(NO_CONDENSING)),
            ("condense", to("cmos_context_condense")),
        ],
    ),
    group(
        "cmos_session",
        "Work sessions: start, capture (decision, learning, constraint, context, next-step), complete, list, show, search, resume (after losing context).",
        &[
            ("start", to("cmos_session_start")),
            ("capture", to("cmos_session_capture")),
            ("complete", to("cmos_session_complete")),
            ("list", to("cmos_session_list")),
            ("show", to("cmos_session_show")),
            ("search", to("cmos_session_search")),
            ("resume", to("cmos_session_resume")),
        ],
    ),
    group(
        "cmos_decisions",
        "Decisions: list, search, show, record (supersedes replaces an earlier one), review (stale ones), reaffirm (still holds).",
        &[
            ("list", to("cmos_decisions_list")),
            ("search", to("cmos_decisions_search")),
            ("show", to("cmos_decisions_show")),
            ("record", to("cmos_decisions_record")),
            ("update", Target::Elsewhere(NO_REVIEW)),
            (
                "review",
                Target::Tool {
                    name: "cmos_knowledge_review",
                    fixed: &[("kind", "decision")],
                    renamed: &[],
                },
            ),
            (
                "reaffirm",
                Target::Tool {
                    name: "cmos_knowledge_reaffirm",
                    fixed: &[("kind", "decision")],
                    renamed: &[("decisionId", "id")],
                },
            ),
            ("batch_update", Target::Elsewhere(NO_REVIEW)),
        ],
    ),
    group(
        "cmos_learnings",
        "Learnings: list, search, review (stale ones), reaffirm (still holds; evergreen for good).",
        &[
            ("list", to("cmos_learnings_list")),
            (
                "search",
                Target::Tool {
                    name: "cmos_kb_search",
                    fixed: &[("kind", "learning")],
                    renamed: &[],
                },
            ),
            ("update", Target::Elsewhere(NO_REVIEW)),
            (
                "review",
                Target::Tool {
                    name: "cmos_knowledge_review",
                    fixed: &[("kind", "learning")],
                    renamed: &[],
                },
            ),
            (
                "reaffirm",
                Target::Tool {
                    name: "cmos_knowledge_reaffirm",
                    fixed: &[("kind", "learning")],
                    renamed: &[("learningId", "id")],
                },
            ),
        ],
    ),
    group(
        "cmos_db",
        "The store (the cmos git branch): health, verify, sync (with the remote), log (recent changes), history (of one mission), diff.",
        &[
            ("health", to("cmos_db_health")),
            ("verify", to("cmos_verify")),
            ("sync", to("cmos_sync")),
            ("log", to("cmos_log")),
            ("history", to("cmos_history")),
            ("diff", to("cmos_diff")),
            ("export", to("cmos_backlog_export")),
            ("snapshot", Target::Elsewhere(NO_SNAPSHOTS)),
            ("restore", Target::Elsewhere(NO_SNAPSHOTS)),
            ("backfill", Target::Elsewhere(NO_SNAPSHOTS)),
            ("reconcile", Target::Elsewhere(NO_SNAPSHOTS)),
            ("purge", Target::Elsewhere(NO_SNAPSHOTS)),
            ("identify_orphans", to("cmos_verify")),
            ("pull", Target::Hosted),
            ("clone", Target::Hosted),
        ],
    ),
    group(
        "cmos_project",
        "The project: init (set up cmos in this repository).",
        &[
            ("init", to("cmos_project_init")),
            ("register", Target::Elsewhere(ONE_PROJECT)),
            ("list", Target::Elsewhere(ONE_PROJECT)),
            ("unregister", Target::Elsewhere(ONE_PROJECT)),
            ("validate", Target::Elsewhere(ONE_PROJECT)),
            ("prune", Target::Elsewhere(ONE_PROJECT)),
            ("update", Target::Elsewhere(ONE_PROJECT)),
            ("sweep", Target::Elsewhere(ONE_PROJECT)),
        ],
    ),
    group(
        "cmos_review",
        "A short digest to open a session with: the project, current sprint, work queue, recent decisions and next steps (the same as cmos_agent_onboard).",
        &[("", to("cmos_agent_onboard"))],
    ),
    refused(
        "cmos_auth",
        &[
            ("rotate", Target::Hosted),
            ("revoke", Target::Hosted),
            ("list", Target::Hosted),
            ("reissue", Target::Hosted),
            ("login", Target::Hosted),
            ("login_init", Target::Hosted),
            ("login_complete", Target::Hosted),
            ("logout", Target::Hosted),
        ],
    ),
    refused(
        "cmos_message",
        &[
            ("send", Target::Hosted),
            ("list", Target::Hosted),
            ("get", Target::Hosted),
            ("respond", Target::Hosted),
            ("ack", Target::Hosted),
            ("directory", Target::Hosted),
            ("whoami", Target::Hosted),
        ],
    ),
    refused("cmos_status", &[("", Target::Hosted)]),
    // The original's granular tool for what cmos_context action update did.
    refused(
        "cmos_context_update",
        &[("", Target::Elsewhere(NO_CONDENSING))],
    ),
    refused(
        "cmos_feedback",
        &[
            ("list", Target::Elsewhere(NO_FEEDBACK)),
            ("triage", Target::Elsewhere(NO_FEEDBACK)),
            ("resolve", Target::Elsewhere(NO_FEEDBACK)),
            ("archive", Target::Elsewhere(NO_FEEDBACK)),
        ],
    ),
];

/// The listed group and action that run the granular tool `tool` as it is (no argument
/// fixed), with the original's names for its parameters: how a suggestion to call `tool` reads
/// in the consolidated tools' words.
pub fn home_of(tool: &str) -> Option<(&'static str, &'static str, Renames)> {
    GROUPS.iter().filter(|g| g.listed).find_map(|g| {
        g.actions.iter().find_map(|(word, target)| match target {
            Target::Tool {
                name,
                fixed: [],
                renamed,
            } if *name == tool => Some((g.name, *word, *renamed)),
            _ => None,
        })
    })
}

pub fn find(name: &str) -> Option<&'static Group> {
    GROUPS.iter().find(|g| g.name == name)
}

impl Group {
    /// True for a group that takes no `action`.
    fn single(&self) -> bool {
        matches!(self.actions, [("", _)])
    }

    fn words(&self) -> Vec<&'static str> {
        self.actions.iter().map(|(word, _)| *word).collect()
    }

    /// The group as tools/list describes it.
    pub fn listing(&self) -> &Value {
        self.listing.get_or_init(|| self.derive())
    }

    fn derive(&self) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        if !self.single() {
            properties.insert(
                "action".into(),
                json!({"type": "string", "enum": self.words(), "description": "What to do."}),
            );
            required.push(Value::from("action"));
        }
        // Each parameter with the actions that take it and what each says it means.
        let mut meanings: Map<String, Value> = Map::new();
        for (word, target) in self.actions {
            let Target::Tool {
                name,
                fixed,
                renamed,
            } = target
            else {
                continue;
            };
            let tool = super::find(name).expect("a group names granular tools that exist");
            let schema = tool.input_schema();
            let theirs = schema["properties"].as_object().into_iter().flatten();
            for (key, property) in theirs {
                // projectRoot is accepted by every tool and means nothing here: the tool the
                // action names still takes it, but it is not worth its place in every listing.
                // The original's spellings a tool also reads cost every listing of the group
                // their place: the granular tool lists them, the group accepts them.
                let original = property.get(schema::ORIGINAL).is_some();
                if original || COMMON.contains(&key.as_str()) || fixed.iter().any(|(k, _)| k == key)
                {
                    continue;
                }
                let ours = renamed
                    .iter()
                    .find(|(_, to)| to == key)
                    .map_or(key.as_str(), |(from, _)| from);
                properties
                    .entry(ours.to_string())
                    .or_insert_with(|| listed_property(property, &schema["properties"]));
                let said = property["description"].as_str().unwrap_or_default();
                let Value::Array(entries) = meanings.entry(ours).or_insert_with(|| json!([]))
                else {
                    continue;
                };
                match entries.iter_mut().find(|e| e[1] == said) {
                    Some(entry) => {
                        entry[0] =
                            format!("{}, {word}", entry[0].as_str().unwrap_or_default()).into()
                    }
                    None => entries.push(json!([word, said])),
                }
            }
            if self.single() {
                required.extend(schema["required"].as_array().into_iter().flatten().cloned());
            }
        }
        // A parameter that means different things to different actions says what it means to
        // each ("sprintId": a filter to list, where the mission goes to add).
        for (key, entries) in &meanings {
            let Some(entries) = entries.as_array().filter(|e| e.len() > 1) else {
                continue;
            };
            let text: Vec<String> = entries
                .iter()
                .map(|e| {
                    let words = e[0].as_str().unwrap_or_default();
                    format!("{words}: {}.", gist(e[1].as_str().unwrap_or_default()))
                })
                .collect();
            properties[key]["description"] = Value::from(text.join(" "));
        }
        let description = match self.summary.is_empty() {
            true => "Not available in a git-native project.".to_string(),
            false => self.summary.to_string(),
        };
        json!({
            "name": self.name,
            "description": description,
            "inputSchema": {"type": "object", "properties": properties, "required": required},
        })
    }

    /// Runs the action `arguments` name with the rest of the arguments.
    pub fn call(
        &self,
        ws: &Workspace,
        profile: Profile,
        arguments: &Map<String, Value>,
    ) -> Result<Reply> {
        let mut arguments = arguments.clone();
        let (word, target) = match self.single() {
            true => (&self.actions[0].0, &self.actions[0].1),
            false => {
                let given = arguments.remove("action").unwrap_or(Value::Null);
                let words = self.words().join(", ");
                let Some(text) = given.as_str() else {
                    return Err(Error::InvalidInput(match given {
                        Value::Null => format!("argument action is required: one of {words}"),
                        other => format!("argument action must be one of {words}, not {other}"),
                    }));
                };
                let found = self.actions.iter().find(|(w, _)| fold(w) == fold(text));
                let Some((word, target)) = found else {
                    return Err(Error::InvalidInput(format!(
                        "argument action must be one of {words}, not {given}"
                    )));
                };
                (word, target)
            }
        };
        let what = match word.is_empty() {
            true => self.name.to_string(),
            false => format!("{} action {word}", self.name),
        };
        match target {
            Target::Tool {
                name,
                fixed,
                renamed,
            } => {
                for (from, to) in *renamed {
                    if let Some(value) = arguments.remove(*from) {
                        arguments.insert(to.to_string(), value);
                    }
                }
                for (key, value) in *fixed {
                    arguments.insert(key.to_string(), Value::from(*value));
                }
                let tool = super::find(name).expect("a group names granular tools that exist");
                tool.call(ws, profile, &arguments)
            }
            Target::Elsewhere(why) => Err(Error::Refused(format!(
                "{what} is not available in a git-native project: {why}"
            ))),
            Target::Hosted => Err(Error::Refused(format!(
                "{what} is not available in a git-native project: it worked through the original CMOS's hosted dashboard, which cmos does not use; share the project's memory by pushing the cmos branch (cmos_db action sync)"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fields` is listed once, as "the keys above", only when every one of its keys is a
    /// parameter of its own; an object with keys of its own keeps them.
    #[test]
    fn an_object_parameter_drops_only_keys_listed_beside_it() {
        let fields = json!({"type": "object", "description": "The changes; wins.",
            "properties": {"name": {"type": "string"}}});
        let beside = json!({"name": {"type": "string"}, "fields": fields});
        let listed = listed_property(&fields, &beside);
        assert!(listed.get("properties").is_none());
        assert_eq!(
            listed["description"],
            "The changes, with the keys of the parameters above."
        );
        let alone = json!({"fields": fields});
        assert_eq!(
            listed_property(&fields, &alone)["properties"],
            fields["properties"]
        );
    }

    /// Every action names a granular tool that exists, renames the original's parameter to one
    /// that tool has, and fixes arguments that tool's schema accepts: a renamed tool or
    /// parameter fails here, not in an agent's hands.
    #[test]
    fn every_action_names_a_real_tool_and_real_parameters() {
        for group in &GROUPS {
            let listing = group.listing();
            assert_eq!(listing["name"], group.name);
            for (word, target) in group.actions {
                let Target::Tool {
                    name,
                    fixed,
                    renamed,
                } = target
                else {
                    continue;
                };
                let tool = super::super::find(name)
                    .unwrap_or_else(|| panic!("{} {word}: no tool {name}", group.name));
                let properties = &tool.input_schema()["properties"];
                for (from, to) in *renamed {
                    assert!(properties.get(*to).is_some(), "{name} has no {to}");
                    assert!(
                        listing["inputSchema"]["properties"].get(*from).is_some(),
                        "{} lists {from}",
                        group.name
                    );
                }
                let fixed: Map<String, Value> = fixed
                    .iter()
                    .map(|(k, v)| (k.to_string(), Value::from(*v)))
                    .collect();
                let mut warnings = Vec::new();
                let schema = json!({"properties": properties});
                super::super::args::read(name, &schema, &fixed, &mut warnings)
                    .unwrap_or_else(|e| panic!("{name} refuses {fixed:?}: {e}"));
                assert!(warnings.is_empty(), "{name}: {warnings:?}");
            }
        }
    }
}
