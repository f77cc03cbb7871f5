//! The tools the MCP server offers: each a name (the original CMOS names where they exist),
//! a precise description, typed parameters (the original camelCase names: `missionId`,
//! `sprintId`, `sessionId`), and a handler that calls the same operation as the CLI.

mod args;
mod memory;
mod review;
mod work;

use serde::Serialize;
use serde_json::{Map, Value, json};

pub use args::Args;

use crate::error::Result;
use crate::ops::{Outcome, Workspace};

/// What a tool's handler returns: an outcome whose data is already JSON.
pub type Reply = Outcome<Value>;

/// The JSON type of a parameter.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Str,
    Int,
    Bool,
    /// A list of strings.
    List,
    /// An object of named fields (the `fields` of update tools).
    Object,
    /// One of these strings.
    OneOf(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    pub doc: &'static str,
}

/// A required parameter.
pub const fn req(name: &'static str, kind: Kind, doc: &'static str) -> Param {
    Param {
        name,
        kind,
        required: true,
        doc,
    }
}

/// An optional parameter.
pub const fn opt(name: &'static str, kind: Kind, doc: &'static str) -> Param {
    Param {
        name,
        kind,
        required: false,
        doc,
    }
}

pub struct Tool {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [Param],
    pub run: fn(&Workspace, &Args<'_>) -> Result<Reply>,
}

/// Every tool, in the order `tools/list` gives them.
pub fn all() -> Vec<&'static Tool> {
    work::TOOLS
        .iter()
        .chain(memory::TOOLS)
        .chain(review::TOOLS)
        .collect()
}

pub fn find(name: &str) -> Option<&'static Tool> {
    all().into_iter().find(|t| t.name == name)
}

/// The page size of list tools.
pub const LIMIT: Param = opt(
    "limit",
    Kind::Int,
    "Items per page, 1 to 100 [default: 20].",
);
/// Where a list tool's page starts.
pub const CURSOR: Param = opt(
    "cursor",
    Kind::Str,
    "The nextCursor of the previous page, to read on.",
);

/// Parameters every tool accepts.
const COMMON: [&str; 1] = ["projectRoot"];

impl Tool {
    /// The tool as `tools/list` describes it, with a JSON Schema for its input.
    pub fn listing(&self) -> Value {
        let mut properties = Map::new();
        for p in self.params {
            let mut schema = match p.kind {
                Kind::Str => json!({"type": "string"}),
                Kind::Int => json!({"type": "integer"}),
                Kind::Bool => json!({"type": "boolean"}),
                Kind::List => json!({"type": "array", "items": {"type": "string"}}),
                Kind::Object => json!({"type": "object"}),
                Kind::OneOf(values) => json!({"type": "string", "enum": values}),
            };
            schema["description"] = p.doc.into();
            properties.insert(p.name.to_string(), schema);
        }
        properties.insert(
            "projectRoot".into(),
            json!({"type": "string", "description": "Ignored: the server works on the repository it was started in (or --repo). Accepted so prompts written for the original CMOS keep working."}),
        );
        let required: Vec<&str> = self
            .params
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect();
        json!({
            "name": self.name,
            "description": self.description,
            "inputSchema": {
                "type": "object",
                "properties": properties,
                "required": required,
            },
        })
    }

    /// Runs the tool; arguments it does not know are ignored with a warning.
    pub fn call(&self, ws: &Workspace, arguments: &Map<String, Value>) -> Result<Reply> {
        let args = Args::new(arguments);
        let known: Vec<&str> = self.params.iter().map(|p| p.name).chain(COMMON).collect();
        let unknown = args.unknown(&known);
        let mut reply = (self.run)(ws, &args)?;
        for name in unknown {
            reply = reply.warn(format!(
                "argument {name} is not a parameter of {} and was ignored",
                self.name
            ));
        }
        Ok(reply)
    }
}

/// An outcome with its data as JSON.
pub fn reply<T: Serialize>(outcome: Outcome<T>) -> Result<Reply> {
    let data = serde_json::to_value(&outcome.data)
        .map_err(|e| crate::error::Error::Git(format!("cannot encode a result: {e}")))?;
    Ok(Outcome {
        data,
        warnings: outcome.warnings,
        instructions: outcome.instructions,
    })
}

/// One page of a list: `limit` items from `cursor` on, with the cursor of the next page.
pub fn page<T: Serialize>(outcome: Outcome<Vec<T>>, args: &Args<'_>) -> Result<Reply> {
    let limit = args.count("limit", 20, 100)?;
    let start = match args.str("cursor")? {
        Some(cursor) => cursor.parse::<usize>().map_err(|_| {
            crate::error::Error::InvalidInput(format!(
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
