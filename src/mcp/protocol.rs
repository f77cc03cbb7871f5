//! JSON-RPC 2.0 as MCP uses it over stdio: one message per line, requests answered in order,
//! notifications never answered, and every id echoed exactly as the client wrote it.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::value::{RawValue, to_raw_value};
use serde_json::{Value, json};

/// The protocol revisions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// A request's id as the exact JSON text the client sent. Parsed into a `Value`, a number
/// past 2^64 would come back as a float (`1e29`), which the client could not match with its
/// request; the raw text round-trips whatever its size.
#[derive(Debug, Clone, Serialize)]
pub struct Id(Box<RawValue>);

impl Id {
    /// The id of an answer to a message whose id could not be read.
    pub fn null() -> Id {
        Id(RawValue::from_string("null".into()).expect("null is JSON"))
    }

    /// The id as a value (numbers past 2^64 approximated), for a caller that compares ids.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.0.get()).unwrap_or(Value::Null)
    }
}

/// One incoming message.
#[derive(Debug)]
pub enum Message {
    Request {
        id: Id,
        method: String,
        params: Value,
    },
    Notification,
    /// Not JSON-RPC at all: answered with this error (id null unless one could be read).
    Invalid {
        id: Id,
        code: i64,
        message: String,
    },
}

/// One answer: a result or an error for the request with `id`.
#[derive(Debug, Serialize)]
pub struct Response {
    jsonrpc: &'static str,
    pub id: Id,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// Reads one line of input as a message.
pub fn parse(line: &str) -> Message {
    let value: Value = match serde_json::from_str(line) {
        Ok(value) => value,
        Err(e) => {
            return Message::Invalid {
                id: Id::null(),
                code: PARSE_ERROR,
                message: format!("not JSON: {e}"),
            };
        }
    };
    let Some(object) = value.as_object() else {
        let message = if value.is_array() {
            "batches are not supported: send one request per line"
        } else {
            "a request is a JSON object"
        };
        return Message::Invalid {
            id: Id::null(),
            code: INVALID_REQUEST,
            message: message.into(),
        };
    };
    // The line parsed as a value, so it parses again, each member kept as its raw text. A key
    // given twice keeps its last value, as the parse into a value did. (Making a raw id from
    // the value instead would not do: serde_json may round a long number differently.)
    let raw_id = serde_json::from_str::<HashMap<String, &RawValue>>(line)
        .ok()
        .and_then(|members| members.get("id").map(|raw| Id((*raw).to_owned())));
    let id = object.get("id").map(|value| {
        raw_id.unwrap_or_else(|| Id(to_raw_value(value).unwrap_or_else(|_| Id::null().0)))
    });
    let id_is_valid = object
        .get("id")
        .is_none_or(|v| v.is_string() || v.is_number());
    let invalid = |message: &str| Message::Invalid {
        id: id.clone().filter(|_| id_is_valid).unwrap_or_else(Id::null),
        code: INVALID_REQUEST,
        message: message.into(),
    };
    if object.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return invalid("\"jsonrpc\" must be \"2.0\"");
    }
    let Some(method) = object.get("method").and_then(Value::as_str) else {
        // A response from the client (to a request we never send): nothing to do.
        return if object.contains_key("result") || object.contains_key("error") {
            Message::Notification
        } else {
            invalid("a request needs a \"method\"")
        };
    };
    let params = object.get("params").cloned().unwrap_or(json!({}));
    match id {
        Some(id) if id_is_valid => Message::Request {
            id,
            method: method.to_string(),
            params,
        },
        Some(_) => invalid("\"id\" must be a string or a number"),
        None => Message::Notification,
    }
}

/// The id of a line that could not be read as it should (not UTF-8): taken from the line read
/// with replacement characters, when that still parses as a request with an id.
pub fn salvage_id(bytes: &[u8]) -> Id {
    match parse(&String::from_utf8_lossy(bytes)) {
        Message::Request { id, .. } => id,
        _ => Id::null(),
    }
}

pub fn result(id: &Id, result: Value) -> Response {
    Response {
        jsonrpc: "2.0",
        id: id.clone(),
        result: Some(result),
        error: None,
    }
}

pub fn error(id: &Id, code: i64, message: &str) -> Response {
    Response {
        jsonrpc: "2.0",
        id: id.clone(),
        result: None,
        error: Some(json!({"code": code, "message": message})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_echoed_as_written() {
        let line = r#"{"jsonrpc":"2.0","id": 123456789012345678901234567890 ,"method":"ping"}"#;
        let Message::Request { id, .. } = parse(line) else {
            panic!("a request");
        };
        let answer = serde_json::to_string(&result(&id, json!({}))).unwrap();
        assert!(
            answer.contains(r#""id":123456789012345678901234567890,"#),
            "{answer}"
        );
        let Message::Request { id, .. } = parse(r#"{"id":"a\u0041","jsonrpc":"2.0","method":"x"}"#)
        else {
            panic!("a request");
        };
        assert_eq!(id.to_value(), json!("aA"));
        // With the key twice, serde_json keeps the last value: the raw id must agree.
        let Message::Request { id, .. } =
            parse(r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}"#)
        else {
            panic!("a request");
        };
        assert_eq!(id.to_value(), json!(2));
        // Found by fuzz_mcp: a long id after a duplicate key came back one ulp off.
        let line = r#"{"jsonrpc":"2.0","id":null,"id":9012345678901234567890,"method":"ping"}"#;
        let Message::Request { id, .. } = parse(line) else {
            panic!("a request");
        };
        let answer = serde_json::to_string(&result(&id, json!({}))).unwrap();
        assert!(
            answer.contains(r#""id":9012345678901234567890,"#),
            "{answer}"
        );
    }

    #[test]
    fn messages_are_told_apart() {
        assert!(matches!(
            parse("{"),
            Message::Invalid {
                code: PARSE_ERROR,
                ..
            }
        ));
        assert!(matches!(
            parse("[]"),
            Message::Invalid {
                code: INVALID_REQUEST,
                ..
            }
        ));
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            Message::Notification
        ));
        assert!(matches!(
            parse(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Message::Request { .. }
        ));
        assert!(matches!(
            parse(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
            Message::Invalid {
                code: INVALID_REQUEST,
                ..
            }
        ));
    }
}
