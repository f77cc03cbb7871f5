//! The MCP server on the benchmark project: from spawning `cmos mcp` to the answer of the
//! first tools/list, and single tools/call round trips on a running server.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Medians over `runs` measurements each.
pub struct McpTimes {
    pub start_to_list: Vec<Duration>,
    /// (tool, round-trip times).
    pub calls: Vec<(&'static str, Vec<Duration>)>,
}

/// `show` is a mission id to show.
pub fn measure(
    mut command: impl FnMut() -> Command,
    show: &str,
    warmup: usize,
    runs: usize,
) -> McpTimes {
    // The calls timed on a running server, with their arguments.
    let requests: [(&'static str, String); 3] = [
        ("cmos_mission_status", "{}".into()),
        ("cmos_mission_show", format!(r#"{{"missionId":"{show}"}}"#)),
        ("cmos_mission_list", r#"{"limit":20}"#.into()),
    ];
    let mut start_to_list = Vec::new();
    for run in 0..warmup + runs {
        let started = Instant::now();
        let mut session = Session::spawn(command());
        session.initialize();
        session.send(r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#);
        let tools = session.receive();
        // The default listing is the consolidated tools; granular ones are still callable.
        assert!(tools.contains(r#""name":"cmos_mission"#), "{tools}");
        if run >= warmup {
            start_to_list.push(started.elapsed());
        }
    }
    let mut session = Session::spawn(command());
    session.initialize();
    let mut calls = Vec::new();
    for (tool, arguments) in requests {
        let mut times = Vec::new();
        for run in 0..warmup + runs {
            let request = format!(
                r#"{{"jsonrpc":"2.0","id":{},"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#,
                100 + run
            );
            let started = Instant::now();
            session.send(&request);
            let answer = session.receive();
            let elapsed = started.elapsed();
            assert!(answer.contains(r#""isError":false"#), "{tool}: {answer}");
            if run >= warmup {
                times.push(elapsed);
            }
        }
        calls.push((tool, times));
    }
    McpTimes {
        start_to_list,
        calls,
    }
}

struct Session {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: BufReader<std::process::ChildStdout>,
}

impl Session {
    fn spawn(mut command: Command) -> Session {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cmos mcp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Session {
            child,
            stdin,
            stdout,
        }
    }

    fn initialize(&mut self) {
        self.send(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}"#);
        self.receive();
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write to the server");
        self.stdin.flush().expect("flush");
    }

    fn receive(&mut self) -> String {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read from the server");
        line
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
