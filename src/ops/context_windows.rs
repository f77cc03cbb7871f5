//! `.cmos/context.toml`: what `context` and `onboard` load, as the context's condensation
//! left it. Read from the branch, so untrusted: bounded, checked, and a file with a problem
//! is reported (path:line) and the defaults are used instead.

use serde::{Deserialize, Serialize};

use crate::error::FileProblem;
use crate::format::codec;
use crate::model::Timestamp;

/// Where the windows live on the branch.
pub const PATH: &str = ".cmos/context.toml";
/// The largest file read: the windows are a few lines.
const MAX_FILE_BYTES: usize = 4096;
/// The most completed sprints a window may keep in detail.
pub const MAX_SPRINT_DETAIL: u32 = 100;

/// What context loads; the default is everything (no window).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Windows {
    /// The newest completed sprints whose decisions, learnings and next steps are listed one
    /// by one; older completed sprints are one summary line each. None: every sprint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sprint_detail: Option<u32>,
}

/// Who condensed the context, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condensed {
    pub at: Timestamp,
    pub by: String,
    pub target_tokens: u64,
}

/// The file as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    #[serde(default)]
    pub windows: Windows,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condensed: Option<Condensed>,
}

/// The windows `bytes` set, or what is wrong with them.
pub fn parse(bytes: &[u8]) -> Result<File, FileProblem> {
    let problem = |line: Option<usize>, message: String| FileProblem {
        path: PATH.to_string(),
        line,
        column: line.map(|_| 1),
        message,
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(problem(
            None,
            format!(
                "the file is {} bytes, more than the {MAX_FILE_BYTES} a context file may have",
                bytes.len()
            ),
        ));
    }
    let file: File = codec::from_toml(PATH, bytes)?;
    if let Some(n) = file.windows.sprint_detail
        && n > MAX_SPRINT_DETAIL
    {
        let text = String::from_utf8_lossy(bytes);
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("sprint_detail"))
            .map(|n| n + 1);
        return Err(problem(
            line,
            format!("sprint_detail is {n}, more than the {MAX_SPRINT_DETAIL} allowed"),
        ));
    }
    Ok(file)
}

/// The file's text: the windows, then who condensed.
pub fn render(file: &File) -> String {
    let mut out = String::from(
        "# What `context` and `onboard` load, as the last condensation left it.\n\
         # Nothing is deleted from the branch: older records are summarised, not removed.\n",
    );
    out.push_str(&toml::to_string(file).unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_round_trips_and_bad_ones_name_their_line() {
        let file = File {
            windows: Windows {
                sprint_detail: Some(3),
            },
            condensed: Some(Condensed {
                at: "2026-01-01T00:00:00Z".parse().unwrap(),
                by: "ann".into(),
                target_tokens: 1000,
            }),
        };
        assert_eq!(parse(render(&file).as_bytes()).unwrap(), file);
        let unknown = parse(b"[windows]\nsprint_detail = 3\nsessions = 2\n").unwrap_err();
        assert_eq!(unknown.line, Some(3), "{unknown}");
        let big = parse(b"[windows]\n\nsprint_detail = 500\n").unwrap_err();
        assert_eq!(big.line, Some(3), "{big}");
        assert!(parse(b"[windows]\nsprint_detail = -1\n").is_err());
        assert!(parse(&vec![b'#'; 5000]).is_err());
        assert_eq!(parse(b"").unwrap(), File::default());
    }
}
