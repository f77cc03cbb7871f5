//! Runs one check's command: `sh -c COMMAND` in the work tree, stdin closed, stdout and
//! stderr on one pipe of which only the tail is kept, within a time limit. On time-out the
//! command's whole process group is killed (the shell and whatever it started), so a hung
//! test never outlives the check.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::model::text::escape_text;

/// How much of a check's output is kept: its last bytes, where failures are reported.
pub const TAIL_BYTES: usize = 2048;

/// How long the output may stay open after the command ended (a process it left behind
/// holding the pipe) before cmos stops waiting for it.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// What running a command gave.
#[derive(Debug, Clone)]
pub struct Ran {
    /// The exit code; None when a signal ended it (a time-out among them).
    pub exit_code: Option<i32>,
    pub timed_out: bool,
    pub duration: Duration,
    /// The last `TAIL_BYTES` of the output, as text made safe for a terminal.
    pub tail: String,
    /// How many bytes the command wrote in all.
    pub output_bytes: u64,
}

impl Ran {
    pub fn passed(&self) -> bool {
        !self.timed_out && self.exit_code == Some(0)
    }
}

/// Runs `command` with `sh -c` in `dir`, killing it after `limit`.
pub fn run(command: &str, dir: &Path, limit: Duration) -> Result<Ran> {
    let cannot = |e: std::io::Error| Error::io("cannot run a check's command with sh", e);
    let (reader, writer) = std::io::pipe().map_err(cannot)?;
    let mut shell = Command::new("sh");
    shell
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(writer.try_clone().map_err(cannot)?)
        .stderr(writer);
    own_process_group(&mut shell);
    let started = Instant::now();
    let mut child = shell.spawn().map_err(cannot)?;
    // The command holds this side's copies of the pipe's writing end: drop them, or the
    // reader would never see the end of the output.
    drop(shell);
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(read_tail(reader));
    });
    let (exit_code, timed_out) = wait(&mut child, started, limit)?;
    let duration = started.elapsed();
    let (bytes, output_bytes) = received.recv_timeout(DRAIN_GRACE).unwrap_or_default();
    Ok(Ran {
        exit_code,
        timed_out,
        duration,
        tail: tail_text(&bytes),
        output_bytes,
    })
}

/// Waits for the command, polling so the limit is kept; kills its group when it passes.
fn wait(child: &mut Child, started: Instant, limit: Duration) -> Result<(Option<i32>, bool)> {
    let lost = |e: std::io::Error| Error::io("cannot wait for a check's command", e);
    let mut pause = Duration::from_millis(5);
    loop {
        if let Some(status) = child.try_wait().map_err(lost)? {
            return Ok((status.code(), false));
        }
        if started.elapsed() >= limit {
            kill_group(child);
            child.wait().map_err(lost)?;
            return Ok((None, true));
        }
        std::thread::sleep(pause.min(limit.saturating_sub(started.elapsed())));
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// Reads everything, keeping the last `TAIL_BYTES` (and a little more, so a character cut
/// at the start can be dropped); returns them and the total.
fn read_tail(mut reader: impl Read) -> (Vec<u8>, u64) {
    let keep = TAIL_BYTES + 4;
    let mut tail: Vec<u8> = Vec::with_capacity(keep * 2);
    let mut total = 0u64;
    let mut chunk = [0u8; 8192];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                total += n as u64;
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > keep * 2 {
                    tail.drain(..tail.len() - keep);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    if tail.len() > keep {
        tail.drain(..tail.len() - keep);
    }
    (tail, total)
}

/// The last `TAIL_BYTES` of `bytes` as text: invalid UTF-8 replaced, cut on a character
/// boundary, terminal controls (escape sequences, carriage returns) made visible.
fn tail_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut start = text.len().saturating_sub(TAIL_BYTES);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    escape_text(text[start..].trim_end()).into_owned()
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_command: &mut Command) {}

/// Kills the command and every process in its group (the group the shell leads, made at
/// spawn), through the shell's own `kill` (POSIX `kill -s KILL -- -PGID`), so no unsafe code
/// is needed and no `kill` program (procps) has to be installed: checks need `sh` anyway. The
/// group id is passed as an argument, never spliced into the script. The child itself is
/// killed directly as well, in case that fails.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("sh")
            .args(["-c", "kill -s KILL -- \"$1\"", "sh", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_bytes_on_a_character_boundary() {
        let mut long = "é".repeat(3000).into_bytes();
        long.extend_from_slice(b"\x1b[2Jend\n");
        let (bytes, total) = read_tail(&long[..]);
        assert_eq!(total, long.len() as u64);
        let text = tail_text(&bytes);
        assert!(text.len() <= TAIL_BYTES + 8, "{}", text.len());
        assert!(text.ends_with("\\e[2Jend"), "{text}");
        assert!(text.starts_with('é'), "{text}");
    }

    #[test]
    fn a_command_passes_fails_and_times_out() {
        let dir = std::env::temp_dir();
        let ok = run("echo fine", &dir, Duration::from_secs(20)).unwrap();
        assert!(ok.passed() && ok.tail == "fine", "{ok:?}");
        let bad = run("echo broken >&2; exit 3", &dir, Duration::from_secs(20)).unwrap();
        assert_eq!(bad.exit_code, Some(3));
        assert_eq!(bad.tail, "broken");
        let slow = run("sleep 30; echo late", &dir, Duration::from_millis(300)).unwrap();
        assert!(slow.timed_out && !slow.passed(), "{slow:?}");
        assert!(slow.duration < Duration::from_secs(10), "{slow:?}");
    }
}
