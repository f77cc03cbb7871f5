//! The live-update stream (Server-Sent Events): `hello` with the loaded head at once, then
//! `changed` whenever the board reloads a moved branch, and a comment every 15 s so proxies
//! and browsers keep the connection.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use super::http::COMMON_HEADERS;
use super::state::Shared;

const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn stream(shared: &Shared, mut stream: TcpStream) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n{COMMON_HEADERS}\r\n"
    );
    let mut seen = shared.generation();
    let hello = event("hello", &shared.loaded().head);
    if stream
        .write_all(head.as_bytes())
        .and_then(|_| stream.write_all(hello.as_bytes()))
        .and_then(|_| stream.flush())
        .is_err()
    {
        return;
    }
    loop {
        let now = shared.wait_change(seen, HEARTBEAT);
        let message = if now == seen {
            ": heartbeat\n\n".to_string()
        } else {
            seen = now;
            event("changed", &shared.loaded().head)
        };
        // A client that went away ends the stream (and frees its connection slot).
        if stream
            .write_all(message.as_bytes())
            .and_then(|_| stream.flush())
            .is_err()
        {
            return;
        }
    }
}

fn event(name: &str, head: &str) -> String {
    format!(
        "event: {name}\ndata: {}\n\n",
        serde_json::json!({ "head": head })
    )
}
