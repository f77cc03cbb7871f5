//! The tools the MCP server offers. Each is one arguments struct: its doc comment is the
//! tool's description, its fields are the parameters (camelCase, the original CMOS names:
//! `missionId`, `sprintId`, `sessionId`), and its `run` calls the same operation as the CLI.
//! The JSON Schema that tools/list publishes is derived from the struct, and every call is
//! checked against that schema before the struct reads it, so the two cannot drift.

mod analytics;
mod args;
mod checks;
mod close_out;
mod condense;
mod fallback;
pub mod groups;
mod knowledge_review;
mod memory;
mod metrics;
mod original;
mod policy;
mod process;
mod results;
mod retro;
mod review;
mod schema;
mod spellings;
mod work;

use std::sync::OnceLock;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::mcp::names::McpNames;
use crate::ops::{Outcome, Workspace};
pub use schema::Limit;

/// What a tool's handler returns: an outcome whose data is already JSON.
pub type Reply = Outcome<Value>;

/// The arguments of one tool, and what the tool does with them.
pub trait ToolArgs: Readable {
    /// The name tools/list gives and tools/call asks for.
    const NAME: &'static str;

    /// Runs the tool's operation with these arguments.
    fn run(self, ws: &Workspace) -> Result<Reply>;

    /// `run`, for a server that names tools as `names` does: a tool whose result suggests
    /// other tools (onboarding, the context's markdown) names the ones the agent sees.
    fn run_named(self, ws: &Workspace, names: &'static McpNames) -> Result<Reply>
    where
        Self: Sized,
    {
        let _ = names;
        self.run(ws)
    }
}

/// What an arguments struct derives: serde reads it, schemars describes it. Under test it
/// also serializes, so the tests can see what it read; elsewhere it does not, so the compiler
/// warns about a field that no handler reads.
#[cfg(not(test))]
pub trait Readable: DeserializeOwned + JsonSchema {}
#[cfg(not(test))]
impl<T: DeserializeOwned + JsonSchema> Readable for T {}
#[cfg(test)]
pub trait Readable: DeserializeOwned + JsonSchema + Serialize {}
#[cfg(test)]
impl<T: DeserializeOwned + JsonSchema + Serialize> Readable for T {}

/// A tool as the server keeps it: its name, its schema (derived once) and its handler.
pub struct Tool {
    pub name: &'static str,
    derive: fn() -> schema::Derived,
    derived: OnceLock<schema::Derived>,
    run: fn(&Workspace, &'static McpNames, Map<String, Value>) -> Result<Reply>,
    /// Decodes arguments with serde alone and encodes them back: the tests compare what the
    /// struct reads with what the schema publishes.
    #[cfg(test)]
    decode: fn(Value) -> std::result::Result<Value, String>,
}

/// The tool whose arguments are `A`.
pub const fn tool<A: ToolArgs>() -> Tool {
    Tool {
        name: A::NAME,
        derive: schema::derive::<A>,
        derived: OnceLock::new(),
        run: run_as::<A>,
        #[cfg(test)]
        decode: decode_as::<A>,
    }
}

fn run_as<A: ToolArgs>(
    ws: &Workspace,
    names: &'static McpNames,
    arguments: Map<String, Value>,
) -> Result<Reply> {
    // The arguments passed the schema, so serde can only refuse them if the struct and its
    // schema disagree, which the tests rule out; say so plainly all the same.
    let args: A = serde_json::from_value(Value::Object(arguments)).map_err(|e| {
        Error::InvalidInput(format!("the arguments of {} cannot be read: {e}", A::NAME))
    })?;
    args.run_named(ws, names)
}

#[cfg(test)]
fn decode_as<A: ToolArgs>(arguments: Value) -> std::result::Result<Value, String> {
    let args: A = serde_json::from_value(arguments).map_err(|e| e.to_string())?;
    serde_json::to_value(&args).map_err(|e| e.to_string())
}

/// Every tool, in the order `tools/list` gives them.
pub fn all() -> Vec<&'static Tool> {
    work::TOOLS
        .iter()
        .chain(&memory::TOOLS)
        .chain(&review::TOOLS)
        .chain(&process::TOOLS)
        .chain(&original::TOOLS)
        .chain(&metrics::TOOLS)
        .chain(&policy::TOOLS)
        .chain(&checks::TOOLS)
        .chain(&fallback::TOOLS)
        .chain(&retro::TOOLS)
        .chain(&close_out::TOOLS)
        .chain(&analytics::TOOLS)
        .chain(&knowledge_review::TOOLS)
        .chain(&condense::TOOLS)
        .collect()
}

/// The granular tool `name`.
pub fn find(name: &str) -> Option<&'static Tool> {
    all().into_iter().find(|t| t.name == name)
}

/// Which tools tools/list shows. Whatever it shows, every tool of every generation can be
/// called: the profile only decides what costs the agent context on every turn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// The original's consolidated tools (`cmos_mission` with an action, ...), and
    /// cmos_agent_onboard: few schemas, all the operations.
    #[default]
    Consolidated,
    /// One tool per operation (`cmos_mission_start`, ...): cmos's own tools and the
    /// original's granular names.
    Granular,
    /// Both.
    All,
}

/// The tools/list entries of `profile`.
pub fn listing(profile: Profile) -> Vec<Value> {
    let granular = all().into_iter().map(Tool::listing);
    let groups = groups::GROUPS
        .iter()
        .filter(|g| g.listed)
        .map(|g| g.listing().clone());
    match profile {
        Profile::Granular => granular.collect(),
        Profile::All => granular.chain(groups).collect(),
        Profile::Consolidated => {
            let onboard = find("cmos_agent_onboard").map(Tool::listing);
            onboard.into_iter().chain(groups).collect()
        }
    }
}

/// Calls the tool `name` of any generation for a server listing `profile`; None when there
/// is no such tool.
pub fn call(
    ws: &Workspace,
    profile: Profile,
    name: &str,
    arguments: &Map<String, Value>,
) -> Option<Result<Reply>> {
    match find(name) {
        Some(tool) => Some(tool.call(ws, profile, arguments)),
        None => groups::find(name).map(|g| g.call(ws, profile, arguments)),
    }
}

impl Tool {
    fn derived(&self) -> &schema::Derived {
        self.derived.get_or_init(self.derive)
    }

    /// What the tool does: the doc comment of its arguments struct.
    pub fn description(&self) -> &str {
        &self.derived().description
    }

    /// The JSON Schema of the tool's arguments, as tools/list publishes it.
    pub fn input_schema(&self) -> &Value {
        &self.derived().input
    }

    /// The tool as `tools/list` describes it.
    pub fn listing(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description(),
            "inputSchema": self.input_schema(),
        })
    }

    /// Runs the tool for a server listing `profile`. The original's spellings every tool
    /// shares are read first (`page`/`pageSize`, `agent`, a `context` object, lists of
    /// ids: see `spellings`); the arguments are then checked against the tool's schema,
    /// those it does not know ignored with a warning. The result gains the original's
    /// field names (see `results`).
    pub fn call(
        &self,
        ws: &Workspace,
        profile: Profile,
        arguments: &Map<String, Value>,
    ) -> Result<Reply> {
        let mut warnings = Vec::new();
        let mut given = arguments.clone();
        let agent = spellings::agent(self.input_schema(), &mut given)?;
        spellings::pages(self.input_schema(), &mut given)?;
        spellings::reshape(self.input_schema(), &mut given)?;
        let arguments = args::read(self.name, self.input_schema(), &given, &mut warnings)?;
        let acting;
        let ws = match agent {
            Some(agent) => {
                acting = ws.acting_as(&agent);
                &acting
            }
            None => ws,
        };
        let mut reply = (self.run)(ws, McpNames::of(profile), arguments)?;
        results::add(self.name, &given, &mut reply);
        Ok(warnings.into_iter().fold(reply, Outcome::warn))
    }
}

/// An outcome with its data as JSON.
pub fn reply<T: Serialize>(outcome: Outcome<T>) -> Result<Reply> {
    let data = serde_json::to_value(&outcome.data)
        .map_err(|e| Error::io("cannot encode a result", e.into()))?;
    Ok(Outcome {
        data,
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    })
}

/// One page of a list: `limit` items (20 when not given) from `cursor` on, with the cursor of
/// the next page.
pub fn page<T: Serialize>(
    outcome: Outcome<Vec<T>>,
    limit: Option<Limit>,
    cursor: Option<&str>,
) -> Result<Reply> {
    let limit = Limit::or(limit, 20);
    let start = match cursor {
        Some(cursor) => cursor.parse::<usize>().map_err(|_| {
            Error::InvalidInput(format!(
                "cursor {cursor:?} is not one this server gave: pass the nextCursor of the previous page"
            ))
        })?,
        None => 0,
    };
    let total = outcome.data.len();
    let items: Vec<&T> = outcome.data.iter().skip(start).take(limit).collect();
    let next = (start + limit < total).then(|| (start + limit).to_string());
    let data = json!({"items": items, "total": total, "nextCursor": next});
    Ok(Outcome {
        data,
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    })
}

/// An argument the tool needs for what it was asked to do (an id for `action: archive`).
pub fn required<T>(value: Option<T>, name: &str) -> Result<T> {
    value.ok_or_else(|| Error::InvalidInput(format!("argument {name} is required")))
}

/// A string argument parsed with `FromStr` (times, durations), its error naming the argument.
pub fn parsed<T: std::str::FromStr<Err = Error>>(
    name: &str,
    value: Option<&str>,
) -> Result<Option<T>> {
    value
        .map(|v| {
            v.parse().map_err(|e| match e {
                Error::InvalidInput(message) => {
                    Error::InvalidInput(format!("argument {name}: {message}"))
                }
                other => other,
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests;
