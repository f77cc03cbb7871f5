//! JSON-RPC 2.0 as MCP uses it over stdio: one message per line, requests answered in order,
//! notifications never answered.

use serde_json::{Value, json};

/// The protocol revisions this server speaks, newest first.
pub const PROTOCOL_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// One incoming message.
#[derive(Debug)]
pub enum Message {
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    Notification,
    /// Not JSON-RPC at all: answered with this error (id null unless one could be read).
    Invalid {
        id: Value,
        code: i64,
        message: String,
    },
}

/// Reads one line of input as a message.
pub fn parse(line: &str) -> Message {
    let value: Value = match serde_json::from_str(line) {
        Ok(value) => value,
        Err(e) => {
            return Message::Invalid {
                id: Value::Null,
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
            id: Value::Null,
            code: INVALID_REQUEST,
            message: message.into(),
        };
    };
    let id = object.get("id").cloned();
    let invalid = |message: &str| Message::Invalid {
        id: id.clone().unwrap_or(Value::Null),
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
        Some(id) if id.is_string() || id.is_number() => Message::Request {
            id,
            method: method.to_string(),
            params,
        },
        Some(_) => invalid("\"id\" must be a string or a number"),
        None => Message::Notification,
    }
}

pub fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

pub fn error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

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
