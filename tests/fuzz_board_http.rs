//! Fuzz target: the board's request reader, the one parser that reads bytes from a socket
//! any local process (or a web page's fetch) can open. On requests built from good and bad
//! pieces (methods, targets with broken escapes, headers over the limits, lengths that lie,
//! chunked bodies) and then damaged, delivered in pieces of random sizes, it never panics,
//! never returns a body or head over its bounds, decodes the path to text with no `%`
//! escape left undone, and reads the same request however the bytes were split.
//!
//! Longer run: `CMOS_FUZZ_SECONDS=120 cargo test --release --test fuzz_board_http -- --nocapture`

mod fuzzing;

use std::io::Read;

use cmos::board::http::{MAX_BODY, MAX_HEAD, Request, read_request};
use proptest::prelude::*;

const METHODS: [&str; 6] = ["GET", "POST", "PUT", "G\x00T", "", "POST /x"];
const TARGETS: [&str; 10] = [
    "/",
    "/api/board?sprint=S1",
    "/api/missions/B%31/move",
    "/api/missions/%2e%2e%2fetc/move",
    "/%zz",
    "/%e2%82",
    "/a?x=%41&&y&=z",
    "*",
    "http://127.0.0.1:1/",
    "/\u{1b}[31m",
];
const HEADERS: [&str; 10] = [
    "Host: 127.0.0.1:8080",
    "Content-Length: 17",
    "Content-Length: 0",
    "Content-Length: 70000",
    "Content-Length: -1",
    "Content-Length: 18446744073709551616",
    "Transfer-Encoding: chunked",
    "X-Cmos-Token: 00ff",
    "Origin: http://evil.example",
    "Bad Header",
];

/// One request: method, target, version, headers, body.
fn request() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        prop::sample::select(&HEADERS[..]).prop_map(str::to_string),
        // A header long enough to push the head past its bound.
        (1usize..3).prop_map(|n| format!("X-Long: {}", "a".repeat(n * MAX_HEAD / 2))),
    ];
    (
        prop::sample::select(&METHODS[..]),
        prop::sample::select(&TARGETS[..]),
        prop::sample::select(&["HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTCPCP/1.0"][..]),
        prop::collection::vec(header, 0..5),
        prop_oneof![
            Just(String::new()),
            Just(r#"{"to":"In Progress"}"#.to_string()),
            "[ -~]{0,40}",
        ],
    )
        .prop_map(|(method, target, version, headers, body)| {
            let mut text = format!("{method} {target} {version}\r\n");
            for h in headers {
                text.push_str(&h);
                text.push_str("\r\n");
            }
            text.push_str("\r\n");
            text.push_str(&body);
            text.into_bytes()
        })
}

#[derive(Debug, Clone)]
enum Damage {
    Flip(f64, u8),
    Cut(f64),
    Insert(f64, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64, any::<u8>()).prop_map(|(f, m)| Damage::Flip(f, m)),
        (0.0..1.0f64).prop_map(Damage::Cut),
        (0.0..1.0f64, any::<u8>()).prop_map(|(f, b)| Damage::Insert(f, b)),
    ]
}

fn damaged(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        let at = |f: f64| ((bytes.len() as f64) * f) as usize;
        match *d {
            Damage::Flip(f, mask) if !bytes.is_empty() => {
                let i = at(f).min(bytes.len() - 1);
                bytes[i] ^= mask;
            }
            Damage::Flip(..) => {}
            Damage::Cut(f) => bytes.truncate(at(f)),
            Damage::Insert(f, b) => bytes.insert(at(f), b),
        }
    }
    bytes
}

/// Bytes handed out in pieces of the given sizes (cycled), as a socket may.
struct Pieces<'a> {
    bytes: &'a [u8],
    sizes: &'a [usize],
    next: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()].max(1);
        self.next += 1;
        let n = size.min(buf.len()).min(self.bytes.len());
        buf[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

fn read(bytes: &[u8], sizes: &[usize]) -> Result<Request, String> {
    let mut pieces = Pieces {
        bytes,
        sizes,
        next: 0,
    };
    read_request(&mut pieces).map_err(|e| format!("{e:?}"))
}

fn check(bytes: &[u8], sizes: &[usize]) -> Result<(), String> {
    let whole = read(bytes, &[bytes.len().max(1)]);
    let split = read(bytes, sizes);
    if format!("{whole:?}") != format!("{split:?}") {
        return Err(format!("read whole: {whole:?}\nread in pieces: {split:?}"));
    }
    if let Ok(request) = whole {
        if request.body.len() > MAX_BODY {
            return Err(format!("a body of {} bytes", request.body.len()));
        }
        if request.header("transfer-encoding").is_some() {
            return Err("a chunked request was accepted".into());
        }
        let sent = request
            .header("content-length")
            .map_or(0, |v| v.parse::<usize>().unwrap_or(usize::MAX));
        if request.body.len() != sent {
            return Err(format!(
                "a body of {} bytes for a Content-Length of {sent}",
                request.body.len()
            ));
        }
    }
    Ok(())
}

#[test]
fn fuzz_board_http() {
    let input = (
        request(),
        prop::collection::vec(damage(), 0..3),
        prop::collection::vec(1usize..64, 1..6),
    );
    let report = fuzzing::run("board_http", input, |(bytes, damages, sizes)| {
        check(&damaged(bytes.clone(), damages), sizes)
    });
    assert!(report.executions > 0);
}
