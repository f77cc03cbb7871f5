//! The original CMOS's parameter spellings that every tool reads the same way, and what cmos
//! says about the ones it cannot honour. `page`/`pageSize` become the tool's `cursor` and
//! `limit`; `agent` names who acts for that one call; a parameter the original documented
//! that cmos has no meaning for is ignored with a warning that names it and says why, never
//! silently.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::parsed;
use crate::error::{Error, Result};
use crate::model::Timestamp;
use crate::ops::Outcome;

/// The original's parameters that cmos does not honour, and why: the warning's reason.
const IGNORED: &[(&str, &str)] = &[
    (
        "includeApproaching",
        "cmos does not date decisions for review, so none is approaching a review date",
    ),
    (
        "acrossProjects",
        "this server serves the one repository it was started in",
    ),
    (
        "autoRefreshMasterContext",
        "cmos builds the context from the records on every read, so it is always fresh",
    ),
    (
        "agentFeedback",
        "cmos keeps no feedback records: capture it in the session (category learning)",
    ),
    (
        "decisions",
        "record each decision as a capture (category decision) or with the decisions record tool",
    ),
    (
        "contextType",
        "cmos has one context, built from the records: the original's master and project contexts are the same view",
    ),
    (
        "sizeOnly",
        "give budget (a token limit) to bound the context instead",
    ),
    (
        "compact",
        "give budget (a token limit) to bound the context instead",
    ),
    (
        "expiresAt",
        "constraints stay in force until archived (constraints tool, action archive)",
    ),
    (
        "sourceChunkIds",
        "cmos has no TraceLab chunks: name the documents in the content",
    ),
    (
        "tracelabProjectId",
        "cmos has no TraceLab link: the project is this repository",
    ),
    (
        "projectId",
        "cmos makes the project's id itself when it starts the project",
    ),
    (
        "initialMissions",
        "add each mission with the mission add tool",
    ),
    (
        "deferUntil",
        "cmos does not schedule a deferred mission's return: queue it again with the mission update tool (status Queued)",
    ),
    (
        "citesLearningIds",
        "this tool keeps no citations: cite learnings on a capture (session capture)",
    ),
    (
        "sessionId",
        "cmos lists every snapshot: each names the session it was taken in",
    ),
    (
        "nextStepStatus",
        "cmos lists the open next steps: give all to include done and dropped ones",
    ),
    (
        "constraintStatus",
        "cmos lists the constraints in force: give all to include archived ones",
    ),
    (
        "searchTypes",
        "cmos searches every kind of record and document at once: give kind for one",
    ),
    ("recencyWeight", "cmos ranks by relevance (BM25) alone"),
    (
        "status",
        "a new sprint starts Planned: activate it with the sprint tools",
    ),
];

/// Why the original's parameter `name` is ignored, if it is one of its.
pub fn why_ignored(name: &str) -> Option<&'static str> {
    IGNORED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

/// Takes the original's `agent` (who acts) out of `arguments` when the tool has no parameter
/// of that name: the call then runs as that agent.
pub fn agent(schema: &Value, arguments: &mut Map<String, Value>) -> Result<Option<String>> {
    if schema["properties"].get("agent").is_some() {
        return Ok(None);
    }
    match arguments.remove("agent") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) if !name.trim().is_empty() => Ok(Some(name)),
        Some(other) => Err(Error::InvalidInput(format!(
            "argument agent must be the name of who acts (a non-empty string), not {other}"
        ))),
    }
}

/// The original's spellings of one parameter that a tool reads under another name and shape:
/// a mission's `context` given as an object (the original kept its JSON text), and a list of
/// ids where the tool acts on one (`nextStepIds` for `nextStepId`).
pub fn reshape(schema: &Value, arguments: &mut Map<String, Value>) -> Result<()> {
    let properties = &schema["properties"];
    if properties["context"]["type"] == "string"
        && let Some(Value::Object(context)) = arguments.get("context")
    {
        let text = Value::Object(context.clone()).to_string();
        arguments.insert("context".into(), Value::from(text));
    }
    for (plural, single) in [
        ("nextStepIds", "nextStepId"),
        ("constraintIds", "constraintId"),
    ] {
        if properties.get(single).is_none() || properties.get(plural).is_some() {
            continue;
        }
        match arguments.remove(plural) {
            None | Some(Value::Null) => {}
            Some(Value::Array(ids)) if ids.len() == 1 && arguments.get(single).is_none() => {
                arguments.insert(single.into(), ids[0].clone());
            }
            Some(Value::Array(ids)) if ids.is_empty() => {}
            Some(other) => {
                return Err(Error::InvalidInput(format!(
                    "argument {plural} must be a list of one id here, not {other}: cmos acts on one at a time, so call once per id with {single}"
                )));
            }
        }
    }
    Ok(())
}

/// Reads the original's `page` (from 1) and `pageSize` as the tool's `cursor` and `limit`,
/// for a tool that pages with those. A tool that does not page keeps them (and warns).
pub fn pages(schema: &Value, arguments: &mut Map<String, Value>) -> Result<()> {
    let properties = &schema["properties"];
    if properties.get("cursor").is_none() || properties.get("limit").is_none() {
        return Ok(());
    }
    let number = |key: &str, max: u64, arguments: &Map<String, Value>| match arguments.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(Error::InvalidInput(format!(
                "argument {key} must be a whole number between 1 and {max}, not {value}"
            ))),
        },
    };
    let page = number("page", u64::from(u32::MAX), arguments)?;
    let size = number("pageSize", 100, arguments)?;
    arguments.remove("page");
    arguments.remove("pageSize");
    if page.is_none() && size.is_none() {
        return Ok(());
    }
    if arguments.get("cursor").is_some_and(|c| !c.is_null()) && page.is_some() {
        return Err(Error::InvalidInput(
            "give either cursor or page, not both: cursor reads on from the previous page, page counts from 1".into(),
        ));
    }
    let limit = match size {
        Some(size) => size,
        None => arguments.get("limit").and_then(Value::as_u64).unwrap_or(20),
    };
    arguments.insert("limit".into(), Value::from(limit));
    if let Some(page) = page.filter(|p| *p > 1) {
        arguments.insert(
            "cursor".into(),
            Value::from(((page - 1) * limit).to_string()),
        );
    }
    Ok(())
}

/// The original's time window on a list or a search (its `since` and `until`).
#[derive(Default, Deserialize, JsonSchema)]
#[cfg_attr(test, derive(Serialize))]
pub struct Window {
    /// RFC 3339 time; only those at or after it.
    #[schemars(extend("x-original" = true))]
    since: Option<String>,
    /// RFC 3339 time; only those at or before it.
    #[schemars(extend("x-original" = true))]
    until: Option<String>,
}

impl Window {
    /// True when neither end is given.
    pub fn is_open(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// The items of `outcome` whose time `field` lies in the window.
    pub fn keep<T: Serialize>(
        &self,
        outcome: Outcome<Vec<T>>,
        field: &str,
    ) -> Result<Outcome<Vec<Value>>> {
        window(outcome, field, self.since.as_deref(), self.until.as_deref())
    }
}

/// The items of `outcome` whose time `field` lies between `since` and `until` (RFC 3339,
/// both ends included): the original's time window on its lists and searches.
pub fn window<T: Serialize>(
    outcome: Outcome<Vec<T>>,
    field: &str,
    since: Option<&str>,
    until: Option<&str>,
) -> Result<Outcome<Vec<Value>>> {
    let since = parsed::<Timestamp>("since", since)?;
    let until = parsed::<Timestamp>("until", until)?;
    let mut kept = Vec::new();
    for item in &outcome.data {
        let item = serde_json::to_value(item)
            .map_err(|e| Error::io("cannot encode a record", e.into()))?;
        // Search hits hold the record under `item`.
        let time = item[field]
            .as_str()
            .or(item["item"][field].as_str())
            .and_then(|t| t.parse::<Timestamp>().ok());
        let inside = match time {
            Some(t) => since.is_none_or(|s| t >= s) && until.is_none_or(|u| t <= u),
            None => since.is_none() && until.is_none(),
        };
        if inside {
            kept.push(item);
        }
    }
    Ok(Outcome {
        data: kept,
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paged(arguments: Value) -> Result<Value> {
        let schema = json!({"properties": {"limit": {}, "cursor": {}}});
        let Value::Object(mut arguments) = arguments else {
            unreachable!()
        };
        pages(&schema, &mut arguments).map(|()| Value::Object(arguments))
    }

    #[test]
    fn page_counts_from_one_in_pages_of_page_size() {
        assert_eq!(
            paged(json!({"page": 3, "pageSize": 10})).unwrap(),
            json!({"limit": 10, "cursor": "20"})
        );
        assert_eq!(paged(json!({"page": 1})).unwrap(), json!({"limit": 20}));
        assert_eq!(
            paged(json!({"page": 2, "limit": 5})).unwrap(),
            json!({"limit": 5, "cursor": "5"})
        );
    }

    #[test]
    fn test_page_zero_and_page_size_over_100_are_refused_naming_the_argument() {
        let err = paged(json!({"page": 0})).unwrap_err().to_string();
        assert!(err.contains("argument page"), "{err}");
        let err = paged(json!({"pageSize": 500})).unwrap_err().to_string();
        assert!(err.contains("argument pageSize"), "{err}");
        let err = paged(json!({"page": 2, "cursor": "4"}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("either cursor or page"), "{err}");
    }

    #[test]
    fn a_context_object_is_kept_as_its_json_text_and_a_list_of_one_id_as_the_id() {
        let schema = json!({"properties": {"context": {"type": "string"}, "nextStepId": {}}});
        let Value::Object(mut arguments) =
            json!({"context": {"area": "loader"}, "nextStepIds": ["n-1"]})
        else {
            unreachable!()
        };
        reshape(&schema, &mut arguments).unwrap();
        assert_eq!(
            Value::Object(arguments),
            json!({"context": "{\"area\":\"loader\"}", "nextStepId": "n-1"})
        );
    }

    #[test]
    fn test_several_next_step_ids_are_refused_saying_to_call_once_per_id() {
        let schema = json!({"properties": {"nextStepId": {}}});
        let Value::Object(mut arguments) = json!({"nextStepIds": ["n-1", "n-2"]}) else {
            unreachable!()
        };
        let err = reshape(&schema, &mut arguments).unwrap_err().to_string();
        assert!(err.contains("call once per id with nextStepId"), "{err}");
    }
}
