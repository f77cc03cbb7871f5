//! The argument parsers commands share: statuses, durations, moments and link types read
//! one way everywhere, with the library's own message when the text is wrong.

use crate::error::Error;
use crate::model::{Date, DepType, Minutes, SprintStatus, Status, Timestamp};

/// Any word the library parses (`FromStr` with our error): session types, capture
/// categories, item statuses.
pub fn parsed<T: std::str::FromStr<Err = Error>>(text: &str) -> Result<T, String> {
    text.parse().map_err(|e: Error| e.to_string())
}

/// A mission status: queued, current, in-progress, blocked, completed, dropped, deferred.
pub fn status(text: &str) -> Result<Status, String> {
    parsed(text)
}

/// A sprint status: planned, active, completed.
pub fn sprint_status(text: &str) -> Result<SprintStatus, String> {
    parsed(text)
}

/// A duration: 45m, 2h, 1.5h, 2h30m, 1d.
pub fn minutes(text: &str) -> Result<Minutes, String> {
    parsed(text)
}

/// A link type between missions: requires, blocks, relates, informs, and the original
/// CMOS's words for them in any case. Its CLI read `FROM <type> TO` as "FROM blocks TO", so
/// `sequential` (FROM, then TO) is blocks; `enables` feeds TO without gating it, as imports
/// read it (informs); `blocked_by` and `after` name the dependent first (requires).
pub fn dep_type(text: &str) -> Result<DepType, String> {
    let folded: String = text
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match folded.as_str() {
        "sequential" => Ok(DepType::Blocks),
        "enables" => Ok(DepType::Informs),
        "blockedby" | "after" => Ok(DepType::Requires),
        "relatesto" => Ok(DepType::Relates),
        _ => parsed(text),
    }
}

/// A moment as people give it: a timestamp, a date (midnight UTC), or a span back from now.
pub fn since(text: &str) -> Result<Timestamp, String> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(at);
    }
    if let Ok(date) = text.parse::<Date>() {
        return Ok(date.start());
    }
    match text.parse::<Minutes>() {
        Ok(ago) => Ok(Timestamp::from_millis(
            (Timestamp::now().unix_seconds() - ago.0 as i64 * 60) * 1000,
        )),
        Err(_) => Err(format!(
            "invalid time {text:?}: use RFC 3339 (2026-11-24T09:30:00Z), a date (2026-11-24) or a span back from now (3h, 2d)"
        )),
    }
}

/// A validation score: a number (the library checks that it is from 0 to 1).
pub fn validation_score(text: &str) -> Result<f64, String> {
    text.trim().parse::<f64>().map_err(|_| {
        format!("a validation score is a number from 0 to 1 (for example 0.85), not {text:?}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_reads_as_that_long_ago() {
        let at = since("2h").unwrap();
        let ago = Timestamp::now().unix_seconds() - at.unix_seconds();
        assert!((7199..=7201).contains(&ago), "{ago}");
        assert_eq!(
            since("2026-11-24").unwrap().to_string(),
            "2026-11-24T00:00:00Z"
        );
        assert!(since("yesterday").unwrap_err().contains("RFC 3339"));
    }

    #[test]
    fn words_parse_with_the_librarys_message() {
        assert_eq!(status("in-progress"), Ok(Status::InProgress));
        assert_eq!(dep_type("blocks"), Ok(DepType::Blocks));
        assert_eq!(dep_type("Blocks"), Ok(DepType::Blocks));
        assert_eq!(dep_type("depends_on"), Ok(DepType::Requires));
        assert_eq!(dep_type("Sequential"), Ok(DepType::Blocks));
        assert_eq!(dep_type("ENABLES"), Ok(DepType::Informs));
        assert_eq!(dep_type("Relates"), Ok(DepType::Relates));
        assert!(dep_type("sometimes").is_err());
        assert!(status("finished").is_err());
    }
}
