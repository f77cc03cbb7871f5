//! `cmos board` through the real binary: a server on a temporary repository, driven by a tiny
//! HTTP client over std's TcpStream.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Repo, hermetic};
use serde_json::{Value, json};

/// A running `cmos board`, ended when dropped.
struct Board {
    child: Child,
    port: u16,
}

impl Board {
    fn start(repo: &Repo, args: &[&str]) -> Board {
        let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
            .arg("board")
            .args(args)
            .current_dir(&repo.path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cmos board");
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("read the board's first line");
        let url = first
            .trim()
            .strip_prefix("cmos board: ")
            .unwrap_or_else(|| panic!("the first line names the URL: {first:?}"));
        let port = url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("a 127.0.0.1 URL: {url}"));
        Board { child, port }
    }

    fn get(&self, path: &str) -> Reply {
        self.send("GET", path, &[], b"")
    }

    fn json(&self, path: &str) -> Value {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
        assert!(
            reply
                .header("content-type")
                .is_some_and(|t| t == "application/json; charset=utf-8"),
            "{path} answers JSON"
        );
        serde_json::from_str(&reply.body).expect("a JSON body")
    }

    fn token(&self) -> String {
        let page = self.get("/").body;
        let start = page
            .find(r#"<meta name="cmos-token" content=""#)
            .expect("the page has the token")
            + r#"<meta name="cmos-token" content=""#.len();
        page[start..start + 32].to_string()
    }

    fn post_move(&self, id: &str, body: &Value, token: Option<&str>) -> Reply {
        let token_header;
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(token) = token {
            token_header = token.to_string();
            headers.push(("X-Cmos-Token", token_header.as_str()));
        }
        let body = body.to_string();
        self.send(
            "POST",
            &format!("/api/missions/{id}/move"),
            &headers,
            body.as_bytes(),
        )
    }

    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        let host = format!("127.0.0.1:{}", self.port);
        let mut all = vec![("Host", host.as_str())];
        all.extend_from_slice(headers);
        raw(self.port, method, path, &all, body)
    }
}

impl Drop for Board {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("JSON ({e}): {}", self.body))
    }
}

/// One request on its own connection; the server closes it after the answer.
fn raw(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(request.as_bytes()).expect("send head");
    stream.write_all(body).expect("send body");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("a whole answer: {answer:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A sprint with work in each state: B1 In Progress, B2 waits on B1, B3 ready, B4 blocked,
/// B5 completed; plus a mission in another sprint.
fn project() -> Repo {
    let repo = Repo::new();
    repo.init();
    repo.ok(&["sprint", "add", "S2", "--title", "Later"]);
    for (id, name, sprint) in [
        ("B1", "Parse the config", "S1"),
        ("B2", "Cache the index", "S1"),
        ("B3", "Write the docs", "S1"),
        ("B4", "Port to Windows", "S1"),
        ("B5", "Set up CI", "S1"),
        ("C1", "Next sprint's work", "S2"),
    ] {
        repo.ok(&["mission", "add", id, name, "--sprint", sprint]);
    }
    repo.ok(&["mission", "depends", "B1", "B2"]);
    repo.ok(&["mission", "start", "B5"]);
    repo.ok(&["mission", "complete", "B5", "--no-promote"]);
    repo.ok(&["mission", "start", "B1"]);
    repo.ok(&["mission", "start", "B4"]);
    repo.ok(&[
        "mission",
        "block",
        "B4",
        "--reason",
        "needs a Windows runner",
    ]);
    repo
}

fn card<'a>(board: &'a Value, id: &str) -> &'a Value {
    board["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .flat_map(|c| c["cards"].as_array().expect("cards"))
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("card {id} on the board"))
}

#[test]
fn test_board_serves_every_view_with_every_mission_of_the_sprint_once() {
    let repo = project();
    let board = Board::start(&repo, &[]);

    let meta = board.json("/api/meta");
    assert_eq!(meta["project"], "demo");
    assert_eq!(meta["agent"], "board");
    assert_eq!(meta["read_only"], false);
    assert_eq!(meta["current_sprint"], "S1");
    assert_eq!(meta["head"].as_str().map(str::len), Some(40));
    assert_eq!(meta["head"].as_str(), repo.tip().as_deref().map(str::trim));
    let sprints: Vec<&str> = meta["sprints"]
        .as_array()
        .expect("sprints")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect();
    assert_eq!(sprints, ["S1", "S2"]);
    assert_eq!(meta["problems"], json!([]));

    let kanban = board.json("/api/board");
    assert_eq!(kanban["sprint"]["id"], "S1");
    let keys: Vec<&str> = kanban["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "waiting",
            "ready",
            "current",
            "in_progress",
            "blocked",
            "completed",
            "deferred",
            "dropped"
        ]
    );
    let mut ids: Vec<&str> = kanban["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .flat_map(|c| {
            let cards = c["cards"].as_array().expect("cards");
            assert_eq!(c["count"], cards.len(), "count of {}", c["key"]);
            cards.iter().map(|card| card["id"].as_str().expect("id"))
        })
        .collect();
    ids.sort();
    assert_eq!(ids, ["B1", "B2", "B3", "B4", "B5"], "each mission once");
    assert_eq!(kanban["total"], 5);
    let waiting = card(&kanban, "B2");
    assert_eq!(waiting["column"], "waiting");
    assert_eq!(waiting["ready"], false);
    assert_eq!(waiting["blocked_by"], json!(["B1"]));
    assert_eq!(
        waiting["waiting"],
        json!(["is blocked by B1 (In Progress)"])
    );
    assert_eq!(card(&kanban, "B3")["column"], "ready");
    assert_eq!(card(&kanban, "B1")["column"], "in_progress");
    assert_eq!(card(&kanban, "B4")["column"], "blocked");
    assert_eq!(
        card(&kanban, "B4")["waiting"],
        json!(["blocked: needs a Windows runner"])
    );
    assert_eq!(card(&kanban, "B5")["column"], "completed");

    let other = board.json("/api/board?sprint=S2");
    assert_eq!(other["total"], 1);
    assert_eq!(card(&other, "C1")["column"], "ready");
    let unknown = board.get("/api/board?sprint=S9");
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(unknown.json()["error"]["code"], "not_found");

    let page = board.json("/api/missions/B2");
    assert_eq!(page["mission"]["id"], "B2");
    assert_eq!(page["links"][0]["id"], "B1");
    assert_eq!(page["links"][0]["direction"], "in");
    assert_eq!(page["links"][0]["status"], "In Progress");
    assert!(page["history"].is_array() && page["commits"].is_array());
    assert!(page["conflicts"].is_array());
    let history = board.json("/api/missions/B5")["history"].clone();
    assert_eq!(history.as_array().map(Vec::len), Some(2));
    assert_eq!(history[1]["to"], "Completed");
    let missing = board.get("/api/missions/NOPE");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["code"], "not_found");

    let timeline = board.json("/api/timeline");
    assert!(timeline["entries"].is_array());

    let burndown = board.json("/api/burndown");
    assert_eq!(burndown["sprint"], "S1");
    assert!(burndown["days"].as_array().is_some_and(|d| !d.is_empty()));
    let graph = board.json("/api/graph?sprint=S1");
    let nodes: Vec<&str> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id"))
        .collect();
    assert!(nodes.contains(&"B1") && nodes.contains(&"B2"), "{graph}");
    assert!(
        graph["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| e["from"] == "B1" && e["to"] == "B2"),
        "{graph}"
    );
    for path in [
        "/burndown.svg",
        "/graph.svg?sprint=S1&prune=1",
        "/graph.svg",
    ] {
        let svg = board.get(path);
        assert_eq!(svg.status, 200, "{path}: {}", svg.body);
        assert_eq!(
            svg.header("content-type"),
            Some("image/svg+xml; charset=utf-8")
        );
        assert!(svg.body.contains("<svg"), "{path}");
    }
    assert_eq!(board.get("/api/graph?sprint=S9").status, 404);

    let page = board.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert_eq!(board.token().len(), 32);
    assert!(board.token().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(board.get("/app.js").status, 200);
    assert_eq!(board.get("/app.css").status, 200);
    let nothing = board.get("/etc/passwd");
    assert_eq!(nothing.status, 404);
    assert_eq!(nothing.json()["error"]["code"], "not_found");
    assert_eq!(board.send("DELETE", "/api/meta", &[], b"").status, 405);
}

#[test]
fn test_board_move_changes_the_status_in_one_commit_by_the_board_agent() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let before = repo.git(&["rev-parse", "refs/heads/cmos"]);
    let reply = board.post_move(
        "B3",
        &json!({"to": "In Progress", "from": "Queued"}),
        Some(&board.token()),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(
        answer["mission"],
        json!({"id": "B3", "status": "In Progress"})
    );
    let after = repo.git(&["rev-parse", "refs/heads/cmos"]);
    assert_eq!(answer["commit"], after.trim());
    let parent = repo.git(&["rev-parse", "refs/heads/cmos^"]);
    assert_eq!(parent, before, "one commit");
    let message = repo.git(&["log", "-1", "--format=%B", "refs/heads/cmos"]);
    assert!(message.contains("Cmos-Agent: board"), "{message}");
    assert_eq!(
        repo.json(&["mission", "show", "B3"])["status"],
        "In Progress"
    );
    // The board shows its own move at once.
    assert_eq!(
        card(&board.json("/api/board"), "B3")["column"],
        "in_progress"
    );

    // Blocking needs its reason, which the body carries.
    let token = board.token();
    let no_reason = board.post_move("B3", &json!({"to": "Blocked"}), Some(&token));
    assert_eq!(no_reason.status, 400, "{}", no_reason.body);
    let blocked = board.post_move(
        "B3",
        &json!({"to": "Blocked", "reason": "waiting for a review"}),
        Some(&token),
    );
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    assert_eq!(
        repo.json(&["mission", "show", "B3"])["blocked"]["reason"],
        "waiting for a review"
    );
}

#[test]
fn test_board_refused_move_answers_409_with_the_valid_statuses() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let tip = repo.tip();
    let reply = board.post_move("B5", &json!({"to": "In Progress"}), Some(&board.token()));
    assert_eq!(reply.status, 409, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["error"]["code"], "refused");
    assert!(
        answer["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("B5 is Completed")),
        "{answer}"
    );
    assert_eq!(answer["valid"], json!([]));
    let reply = board.post_move("B2", &json!({"to": "Completed"}), Some(&board.token()));
    assert_eq!(reply.status, 409);
    assert_eq!(
        reply.json()["valid"],
        json!(["Current", "In Progress", "Dropped", "Deferred"])
    );
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn test_board_refuses_writes_without_the_token_from_other_hosts_and_when_read_only() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let tip = repo.tip();
    let to = json!({"to": "In Progress"});
    let missing = board.post_move("B3", &to, None);
    assert_eq!(missing.status, 403);
    assert_eq!(missing.json()["error"]["code"], "forbidden");
    let wrong = board.post_move("B3", &to, Some("0123456789abcdef0123456789abcdef"));
    assert_eq!(wrong.status, 403);
    let rebinding = raw(
        board.port,
        "GET",
        "/api/meta",
        &[("Host", &format!("attacker.example:{}", board.port))],
        b"",
    );
    assert_eq!(rebinding.status, 403, "a foreign Host gets nothing");
    assert_eq!(rebinding.json()["error"]["code"], "forbidden");
    let no_host = raw(board.port, "GET", "/api/meta", &[], b"");
    assert_eq!(no_host.status, 403);
    let localhost = raw(
        board.port,
        "GET",
        "/api/meta",
        &[("Host", &format!("localhost:{}", board.port))],
        b"",
    );
    assert_eq!(localhost.status, 200);
    let token = board.token();
    let foreign_origin = board.send(
        "POST",
        "/api/missions/B3/move",
        &[
            ("X-Cmos-Token", &token),
            ("Origin", "http://attacker.example"),
        ],
        to.to_string().as_bytes(),
    );
    assert_eq!(foreign_origin.status, 403);
    for bad in [&b"not json"[..], b"{\"to\": 3}", b"{\"to\": \"Sideways\"}"] {
        let reply = board.send(
            "POST",
            "/api/missions/B3/move",
            &[("X-Cmos-Token", &token)],
            bad,
        );
        assert_eq!(
            reply.status,
            400,
            "{:?}: {}",
            String::from_utf8_lossy(bad),
            reply.body
        );
        assert_eq!(reply.json()["error"]["code"], "invalid_input");
    }
    assert_eq!(repo.tip(), tip, "nothing written");
    drop(board);

    let read_only = Board::start(&repo, &["--read-only"]);
    assert_eq!(read_only.json("/api/meta")["read_only"], true);
    let reply = read_only.post_move("B3", &to, Some(&read_only.token()));
    assert_eq!(reply.status, 403);
    assert_eq!(reply.json()["error"]["code"], "read_only");
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn test_board_bounds_request_heads_and_bodies() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let long = "x".repeat(20 * 1024);
    let reply = board.send("GET", "/api/meta", &[("X-Padding", &long)], b"");
    assert_eq!(reply.status, 431);
    let body = vec![b'a'; 65 * 1024];
    let reply = board.send(
        "POST",
        "/api/missions/B3/move",
        &[("X-Cmos-Token", &board.token())],
        &body,
    );
    assert_eq!(reply.status, 413);
    // A client that sends half a request and stalls holds no one else up, and is cut off.
    let mut stalled = TcpStream::connect((Ipv4Addr::LOCALHOST, board.port)).expect("connect");
    stalled
        .write_all(b"GET /api/meta HTTP/1.1\r\n")
        .expect("send");
    let started = Instant::now();
    assert_eq!(board.get("/api/meta").status, 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    stalled
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(15),
        "the stalled connection was closed after {waited:?}"
    );
}

#[test]
fn test_board_on_a_port_in_use_says_so_and_names_a_free_one() {
    let repo = project();
    let taken = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let port = taken.local_addr().expect("address").port().to_string();
    let out = repo.cmos(&["board", "--port", &port]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("port {port} on 127.0.0.1 is in use")),
        "{stderr}"
    );
    assert!(stderr.contains("is free now"), "{stderr}");
    let out = repo.cmos(&["board", "--sprint", "S9"]);
    assert!(!out.status.success(), "an unknown sprint is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("S9"));
}

/// Reads SSE lines from `stream` until an event named `name` arrives; its data line.
fn next_event(reader: &mut BufReader<TcpStream>, name: &str) -> String {
    let mut line = String::new();
    let mut current = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("read the event stream");
        assert!(n > 0, "the stream ended before {name}");
        if let Some(event) = line.trim().strip_prefix("event: ") {
            current = event.to_string();
        } else if let Some(data) = line.trim().strip_prefix("data: ")
            && current == name
        {
            return data.to_string();
        }
    }
}

#[test]
fn test_board_pushes_changed_within_a_second_of_a_cli_write() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, board.port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        stream,
        "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
        board.port
    )
    .expect("send");
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status).expect("status line");
    assert!(status.starts_with("HTTP/1.1 200"), "{status}");
    let hello: Value = serde_json::from_str(&next_event(&mut reader, "hello")).expect("JSON");
    assert_eq!(hello["head"].as_str(), repo.tip().as_deref().map(str::trim));

    repo.ok(&["mission", "start", "B3"]);
    let written = Instant::now();
    let changed: Value = serde_json::from_str(&next_event(&mut reader, "changed")).expect("JSON");
    let latency = written.elapsed();
    assert!(
        latency < Duration::from_secs(1),
        "changed after {latency:?}"
    );
    assert_eq!(
        changed["head"].as_str(),
        repo.tip().as_deref().map(str::trim)
    );
    assert_eq!(
        card(&board.json("/api/board"), "B3")["column"],
        "in_progress"
    );
}

#[test]
fn test_board_listens_on_127_0_0_1_only() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, board.port)).is_ok());
    // Another loopback address of this machine reaches nothing: the socket is bound to
    // 127.0.0.1, not to every address.
    let other = SocketAddr::from((Ipv4Addr::new(127, 0, 0, 2), board.port));
    assert!(
        TcpStream::connect_timeout(&other, Duration::from_secs(2)).is_err(),
        "reached the board through 127.0.0.2"
    );
    // So does this machine's own non-loopback address, when it has one (a UDP connect
    // sends nothing; it only picks the route's source address).
    let outward = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| s.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).map(|_| s))
        .and_then(|s| s.local_addr());
    if let Ok(local) = outward
        && !local.ip().is_loopback()
        && !local.ip().is_unspecified()
    {
        let there = SocketAddr::new(local.ip(), board.port);
        assert!(
            TcpStream::connect_timeout(&there, Duration::from_secs(2)).is_err(),
            "reached the board through {there}"
        );
    }
    // And the kernel agrees: the listening socket's address is 127.0.0.1.
    let hex_port = format!(":{:04X}", board.port);
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let listening: Vec<&str> = table
        .lines()
        .filter(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() > 3 && cols[1].ends_with(&hex_port) && cols[3] == "0A"
        })
        .collect();
    if !table.is_empty() {
        assert_eq!(listening.len(), 1, "{listening:?}");
        assert!(
            listening[0]
                .split_whitespace()
                .nth(1)
                .expect("address")
                .starts_with("0100007F:")
        );
    }
}

#[test]
fn test_board_lists_a_malformed_record_and_still_serves_the_rest() {
    let repo = project();
    repo.edit_on_branch(
        ".cmos/missions/d8/BAD.toml",
        "id = \"BAD\"\nname = [broken\n",
    );
    repo.edit_on_branch(
        ".cmos/decisions/2026-11/hand-1.jsonl",
        "{\"id\": \"d-1\", broken\n",
    );
    let board = Board::start(&repo, &[]);
    let meta = board.json("/api/meta");
    let problems = meta["problems"].as_array().expect("problems");
    assert_eq!(problems.len(), 2, "{meta}");
    assert_eq!(problems[0]["path"], ".cmos/missions/d8/BAD.toml");
    assert!(problems[0]["line"].as_u64().is_some(), "{meta}");
    // A malformed log line is shown too, not only to the commands that read its log.
    assert_eq!(problems[1]["path"], ".cmos/decisions/2026-11/hand-1.jsonl");
    assert_eq!(problems[1]["line"], 1, "{meta}");
    assert_eq!(board.json("/api/board")["total"], 5);
    assert_eq!(board.json("/api/missions/B1")["mission"]["id"], "B1");
    assert!(board.json("/api/timeline")["entries"].is_array());
}

#[test]
fn test_board_move_of_a_card_that_moved_since_it_was_shown_is_a_409_conflict() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let token = board.token();
    // Another writer starts B3 while the page still shows it Queued.
    repo.ok(&["mission", "start", "B3"]);
    let tip = repo.tip();
    let reply = board.post_move(
        "B3",
        &json!({"to": "Current", "from": "Queued"}),
        Some(&token),
    );
    assert_eq!(reply.status, 409, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["error"]["code"], "conflict");
    assert!(answer["valid"].as_array().is_some_and(|v| !v.is_empty()));
    assert_eq!(repo.tip(), tip, "nothing written");
}

#[test]
fn test_board_move_after_the_branch_moved_is_written_on_the_new_tip() {
    let repo = project();
    let board = Board::start(&repo, &[]);
    let token = board.token();
    // The branch moves (another mission) after the board loaded it; the move is checked
    // and written against the tip at the time of the write, by compare-and-swap.
    repo.ok(&["mission", "add", "B6", "Late addition", "--sprint", "S1"]);
    let moved = repo.git(&["rev-parse", "refs/heads/cmos"]);
    let reply = board.post_move("B3", &json!({"to": "In Progress"}), Some(&token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(repo.git(&["rev-parse", "refs/heads/cmos^"]), moved);
    assert_eq!(repo.json(&["mission", "show", "B6"])["status"], "Queued");
}

#[test]
fn test_board_export_writes_every_view_with_branch_text_escaped() {
    let repo = project();
    repo.ok(&[
        "mission",
        "add",
        "X1",
        "<script>alert(1)</script> & co",
        "--sprint",
        "S1",
    ]);
    let out = repo.sibling("export");
    let printed = repo.json(&["board", "export", "--out", out.to_str().expect("utf-8")]);
    assert_eq!(printed["sprint"], "S1");
    for file in [
        "index.html",
        "burndown.svg",
        "graph.svg",
        "timeline.html",
        "missions/B1.html",
        "missions/B5.html",
        "missions/X1.html",
    ] {
        assert!(out.join(file).is_file(), "{file} written");
    }
    assert!(
        !out.join("missions/C1.html").exists(),
        "only the sprint's missions"
    );
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    assert!(index.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert!(
        !index.contains("<script"),
        "no script in the export, none injected"
    );
    assert!(index.contains("href=\"missions/X1.html\""));
    assert!(index.contains("data-column=\"waiting\""));
    assert!(index.contains("is blocked by B1 (In Progress)"));
    let page = std::fs::read_to_string(out.join("missions/X1.html")).expect("page");
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("href=\"../index.html\""));
    let b2 = std::fs::read_to_string(out.join("missions/B2.html")).expect("page");
    assert!(
        b2.contains("href=\"B1.html\""),
        "links between pages are relative"
    );
    let graph = std::fs::read_to_string(out.join("graph.svg")).expect("graph");
    assert!(graph.contains("missions/B1.html"));
    assert!(
        !graph.contains("#/mission/"),
        "the live board's routes are rewritten"
    );
    assert!(!graph.contains("<script"));
}

#[test]
fn test_board_export_refuses_a_file_and_never_writes_outside_its_directory() {
    let repo = project();
    let file = repo.sibling("a-file");
    std::fs::write(&file, "keep me").expect("write");
    let out = repo.cmos(&["board", "export", "--out", file.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a file"));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "keep me");

    // A `missions` link inside the directory that points elsewhere is not followed.
    let dir = repo.sibling("export");
    let elsewhere = repo.sibling("elsewhere");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::create_dir_all(&elsewhere).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, dir.join("missions")).expect("symlink");
    let out = repo.cmos(&["board", "export", "--out", dir.to_str().expect("utf-8")]);
    assert!(!out.status.success(), "a symlinked folder is refused");
    assert_eq!(
        std::fs::read_dir(&elsewhere).expect("read").count(),
        0,
        "nothing written through the link"
    );
    let unknown = repo.cmos(&["board", "export", "--out", "x", "--sprint", "S9"]);
    assert!(!unknown.status.success());
}

#[cfg(target_os = "linux")]
#[test]
fn test_board_open_runs_the_opener_with_the_url_as_its_argument() {
    use std::os::unix::fs::PermissionsExt;
    let repo = project();
    let bin = repo.sibling("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let said = repo.sibling("opened.txt");
    let opener = bin.join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n", said.display()),
    )
    .expect("write the opener");
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut child = hermetic(&mut Command::new(env!("CARGO_BIN_EXE_cmos")), &repo.home)
        .args(["board", "--open"])
        .env("PATH", path)
        .current_dir(&repo.path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("URL");
    let url = first.trim().trim_start_matches("cmos board: ").to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !said.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let opened = std::fs::read_to_string(&said).expect("the opener ran");
    assert_eq!(opened.trim(), url, "one argument: the URL");
}
