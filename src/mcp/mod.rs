//! `cmos mcp`: a Model Context Protocol server over stdio, so agents call the library's
//! operations as tools. A small implementation of the protocol (line-delimited JSON-RPC,
//! initialize, ping, tools/list, tools/call), answered in order on one thread: no async
//! runtime to start, and concurrent writers are made safe by the store's compare-and-swap.

pub mod names;
pub mod protocol;
pub mod reader;
pub mod tools;
pub mod usage;

use std::io::{BufRead, Write};

use serde_json::{Map, Value, json};

use crate::error::Error;
use crate::ops::Workspace;
use crate::ops::envelope::{self, Envelope};
use names::McpNames;
use protocol::{Id, Message, Response};
use reader::{Line, Lines};
use tools::Profile;
use usage::Calls;

/// The largest tool result, in bytes of JSON: long texts are cut beyond it, so one call can
/// never flood an agent's context.
pub const MAX_RESULT: usize = 24 * 1024;
/// How long a string may stay when a result must shrink.
const CUT_STRING: usize = 2_000;

const INSTRUCTIONS: &str = "cmos is this project's memory. Call cmos_agent_onboard first. Work in a session (cmos_session_start), capture decisions, learnings, constraints and next steps as they happen (cmos_session_capture), take work from cmos_mission_next, start and complete missions, and close the session with a summary and next steps (cmos_session_complete). After losing context, call cmos_session_resume. Every result carries `instructions` with what to do next.";

/// The same, in the consolidated tools' words.
const INSTRUCTIONS_CONSOLIDATED: &str = "cmos is this project's memory. Call cmos_agent_onboard first. Work in a session (cmos_session action start), capture decisions, learnings, constraints and next steps as they happen (cmos_session action capture), take work from cmos_mission action next, start and complete missions (cmos_mission_transition), and close the session with a summary and next steps (cmos_session action complete). After losing context, call cmos_session action resume. Every result carries `instructions` with what to do next; a tool named there can be called although it is not listed.";

/// Serves requests from `input` until it ends, writing one response line per request. A line
/// that is not UTF-8, not JSON or too long gets an error answer, and the server reads on.
pub fn serve(ws: &Workspace, input: impl BufRead, output: impl Write) -> std::io::Result<()> {
    serve_with(ws, Profile::default(), input, output)
}

/// `serve`, listing the tools of `profile`.
pub fn serve_with(
    ws: &Workspace,
    profile: Profile,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut lines = Lines::new(input);
    // One connection is one server session: its tool calls count against the cap.
    let mut calls = Calls::default();
    while let Some(line) = lines.next_line()? {
        let response = match line {
            Line::Text(text) if text.trim().is_empty() => continue,
            Line::Text(text) => handle_counted(ws, profile, &mut calls, &text),
            Line::NotUtf8(bytes) => Some(protocol::error(
                &protocol::salvage_id(&bytes),
                protocol::PARSE_ERROR,
                "the line is not UTF-8: JSON-RPC messages are UTF-8 text, one per line",
            )),
            Line::TooLong { bytes } => Some(protocol::error(
                &Id::null(),
                protocol::INVALID_REQUEST,
                &format!(
                    "the line is {bytes} bytes; the limit is {} bytes: send shorter texts, or split the work over several calls",
                    reader::MAX_LINE
                ),
            )),
        };
        if let Some(response) = response {
            serde_json::to_writer(&mut output, &response)?;
            output.write_all(b"\n")?;
            output.flush()?;
        }
    }
    Ok(())
}

/// The response to one line, None for notifications.
pub fn handle(ws: &Workspace, line: &str) -> Option<Response> {
    handle_with(ws, Profile::default(), line)
}

/// `handle`, listing the tools of `profile`.
pub fn handle_with(ws: &Workspace, profile: Profile, line: &str) -> Option<Response> {
    handle_counted(ws, profile, &mut Calls::default(), line)
}

/// `handle_with`, counting a tool call in `calls`, the server session's count.
pub fn handle_counted(
    ws: &Workspace,
    profile: Profile,
    calls: &mut Calls,
    line: &str,
) -> Option<Response> {
    match protocol::parse(line) {
        Message::Notification => None,
        Message::Invalid { id, code, message } => Some(protocol::error(&id, code, &message)),
        Message::Request { id, method, params } => Some(match method.as_str() {
            "initialize" => protocol::result(&id, initialize(&params, profile)),
            "ping" => protocol::result(&id, json!({})),
            "tools/list" => protocol::result(&id, json!({"tools": tools::listing(profile)})),
            "tools/call" => call(ws, profile, calls, &id, &params),
            other => protocol::error(
                &id,
                protocol::METHOD_NOT_FOUND,
                &format!(
                    "unknown method {other:?}: this server answers initialize, ping, tools/list and tools/call"
                ),
            ),
        }),
    }
}

fn initialize(params: &Value, profile: Profile) -> Value {
    let asked = params.get("protocolVersion").and_then(Value::as_str);
    let version = asked
        .filter(|v| protocol::PROTOCOL_VERSIONS.contains(v))
        .unwrap_or(protocol::PROTOCOL_VERSIONS[0]);
    json!({
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": false}},
        "serverInfo": {"name": "cmos", "version": env!("CARGO_PKG_VERSION")},
        "instructions": match profile {
            Profile::Consolidated => INSTRUCTIONS_CONSOLIDATED,
            Profile::Granular | Profile::All => INSTRUCTIONS,
        },
    })
}

fn call(ws: &Workspace, profile: Profile, calls: &mut Calls, id: &Id, params: &Value) -> Response {
    let Some(name) = params.get("name").and_then(Value::as_str) else {
        return protocol::error(
            id,
            protocol::INVALID_PARAMS,
            "tools/call needs the tool's \"name\"",
        );
    };
    let empty = Map::new();
    let arguments = match params.get("arguments") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            return protocol::error(
                id,
                protocol::INVALID_PARAMS,
                "\"arguments\" must be an object",
            );
        }
    };
    if tools::find(name).is_none() && tools::groups::find(name).is_none() {
        return protocol::error(
            id,
            protocol::INVALID_PARAMS,
            &format!("unknown tool {name:?}: list the tools with tools/list"),
        );
    }
    let (counted, allowed) = calls.count(ws, name, arguments);
    let outcome = match allowed {
        Ok(()) => tools::call(ws, profile, name, arguments).expect("the tool was found above"),
        Err(err) => Err(err),
    };
    let (mut envelope, failed) = match outcome {
        Ok(reply) => (
            json!(Envelope::success(reply, Some(ws), McpNames::of(profile))),
            false,
        ),
        Err(err) => (
            json!(Envelope::failure(
                &err,
                envelope::context_of(ws),
                McpNames::of(profile)
            )),
            true,
        ),
    };
    counted.mark(&mut envelope);
    // The reply carries the envelope twice (as text for older clients, and structured), the
    // text copy with its quotes escaped: shrink the envelope until the whole reply fits.
    let reply = |envelope: Value| {
        let text = serde_json::to_string(&envelope).unwrap_or_default();
        json!({
            "content": [{"type": "text", "text": text}],
            "structuredContent": envelope,
            "isError": failed,
        })
    };
    let mut budget = MAX_RESULT / 2;
    let mut result = reply(cap(envelope.clone(), budget));
    while serde_json::to_string(&result).map_or(0, |s| s.len()) > MAX_RESULT - 256 && budget > 2048
    {
        budget = budget * 3 / 4;
        result = reply(cap(envelope.clone(), budget));
    }
    protocol::result(id, result)
}

/// Shrinks an envelope past `budget` bytes: long strings are cut (saying how much), then long
/// lists; a warning says what happened and how to read the rest. The data shrinks first; if
/// the rest is still too large (an error's list of problems, warnings), it shrinks too, so
/// the whole envelope, warnings included, stays within the cap.
fn cap(mut envelope: Value, budget: usize) -> Value {
    let size = |v: &Value| serde_json::to_string(v).map_or(0, |s| s.len());
    if size(&envelope) <= budget {
        return envelope;
    }
    // Room for the note added below.
    let limit = budget - 512;
    let mut lists_cut = false;
    for part in ["data", "error", ""] {
        if size(&envelope) <= limit {
            break;
        }
        let Some(target) = (if part.is_empty() {
            Some(&mut envelope)
        } else {
            envelope.get_mut(part)
        }) else {
            continue;
        };
        cut_strings(target, CUT_STRING);
        while size(&envelope) > limit {
            let target = if part.is_empty() {
                &mut envelope
            } else {
                envelope.get_mut(part).expect("the part was there above")
            };
            if !halve_longest_list(target) {
                break;
            }
            lists_cut = true;
        }
    }
    if size(&envelope) > limit {
        cut_strings(&mut envelope, CUT_STRING / 10);
    }
    let note = if lists_cut {
        "the result was larger than 24 KiB: long texts were cut and lists shortened; ask for a page (limit, cursor) or one record (the show tools)"
    } else {
        "the result was larger than 24 KiB: long texts were cut; read one record with the show tools"
    };
    if let Some(Value::Array(warnings)) = envelope.get_mut("warnings") {
        warnings.push(note.into());
    }
    envelope
}

fn cut_strings(value: &mut Value, longest: usize) {
    match value {
        Value::String(s) if s.len() > longest => {
            let mut end = longest;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            let total = s.len();
            s.truncate(end);
            s.push_str(&format!("… [cut: {total} bytes in all]"));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| cut_strings(v, longest)),
        Value::Object(map) => map.values_mut().for_each(|v| cut_strings(v, longest)),
        _ => {}
    }
}

/// Halves a list inside `value`: the first one found on the way down its largest parts;
/// false when no list has more than one item.
fn halve_longest_list(value: &mut Value) -> bool {
    match value {
        Value::Array(items) if items.len() > 1 => {
            let keep = items.len() / 2;
            items.truncate(keep);
            true
        }
        Value::Array(items) => items.iter_mut().any(halve_longest_list),
        Value::Object(map) => {
            let mut keys: Vec<(usize, String)> = map
                .iter()
                .map(|(k, v)| (serde_json::to_string(v).map_or(0, |s| s.len()), k.clone()))
                .collect();
            keys.sort_by(|a, b| b.cmp(a));
            keys.into_iter()
                .any(|(_, k)| map.get_mut(&k).is_some_and(halve_longest_list))
        }
        _ => false,
    }
}

/// What the CLI prints for `--print-config CLIENT`.
pub fn client_config(client: &str) -> Result<String, Error> {
    let command = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
        .unwrap_or_else(|| "cmos".into());
    match client {
        "claude" | "cursor" => Ok(serde_json::to_string_pretty(&json!({
            "mcpServers": {"cmos": {"command": command, "args": ["mcp"]}}
        }))
        .unwrap_or_default()
            + "\n"),
        "codex" => Ok(format!(
            "[mcp_servers.cmos]\ncommand = {}\nargs = [\"mcp\"]\n",
            toml::Value::String(command)
        )),
        other => Err(Error::InvalidInput(format!(
            "no configuration for {other:?}: use claude, cursor or codex"
        ))),
    }
}
