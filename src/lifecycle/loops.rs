//! Loop guards: an agent that writes the same thing again and again is stuck, and more of
//! the same only buries what the project knows. The same capture, `session log` line or
//! event repeated within a window warns, and past a count is refused with what to do
//! instead; a server's tool calls past their cap are refused the same way. Pure functions:
//! the operations hand in what they read (only the window's entries) and the limits.

use crate::error::{Error, Result};
use crate::model::Timestamp;
use crate::next::Action;

/// One thing written: by whom, in which session, what kind of thing and its text. Two are
/// the same when all of these are; a different session or agent is never a repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Said<'a> {
    pub at: Timestamp,
    pub session: Option<&'a str>,
    pub agent: &'a str,
    /// What was written, in words for the message: `capture (learning)`, `log line (start)`.
    pub what: &'a str,
    pub text: &'a str,
}

impl Said<'_> {
    fn same_as(&self, other: &Said<'_>) -> bool {
        self.session == other.session
            && self.agent == other.agent
            && self.what == other.what
            && self.text == other.text
    }
}

/// The window and the counts: the `warn_at`-th identical one within `window_secs` warns,
/// the `refuse_at`-th and later are refused. A count of 0 turns that step off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopLimits {
    pub window_secs: u64,
    pub warn_at: u32,
    pub refuse_at: u32,
}

/// What the guard says about a new entry that may be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repeat {
    /// Not a repeat, or not yet one worth saying.
    Fine,
    /// The `count`-th identical one within the window: written, with this warning.
    Warn { count: u32, text: String },
}

/// Checks `new` against the `recent` entries (any order; those outside the window and those
/// of other sessions, agents or kinds are passed over). Refuses the `refuse_at`-th identical
/// one with `instead` as the ways out (close the session, block the mission).
pub fn check_repeat<'a>(
    new: &Said<'_>,
    recent: impl IntoIterator<Item = Said<'a>>,
    limits: LoopLimits,
    instead: &[Action],
) -> Result<Repeat> {
    let count = 1 + recent
        .into_iter()
        .filter(|old| new.same_as(old) && within(old.at, new.at, limits.window_secs))
        .count() as u32;
    let window = minutes(limits.window_secs);
    let whose = match new.session {
        Some(session) => format!("agent {} in session {session}", new.agent),
        None => format!("agent {}", new.agent),
    };
    if limits.refuse_at > 0 && count >= limits.refuse_at {
        let mut err = Error::Refused(format!(
            "not written: this would be the {} identical {} by {whose} within {window}, so the work looks stuck in a loop; do something else instead: close the session with what is done and what is left, ask a person for help, or block the mission with the reason",
            ordinal(count),
            new.what
        ));
        for action in instead {
            err = err.then(action.clone());
        }
        return Err(err);
    }
    if limits.warn_at > 0 && count >= limits.warn_at {
        let refused = if limits.refuse_at > count {
            format!(" (from the {} on it is refused)", ordinal(limits.refuse_at))
        } else {
            String::new()
        };
        return Ok(Repeat::Warn {
            count,
            text: format!(
                "this is the {} identical {} by {whose} within {window}{refused}: if the work is stuck, close the session, ask a person for help or block the mission instead of repeating it",
                ordinal(count),
                new.what
            ),
        });
    }
    Ok(Repeat::Fine)
}

/// True when `old` is within `window_secs` before `now`. An entry stamped later than `now`
/// (another clock) counts as recent.
pub fn within(old: Timestamp, now: Timestamp, window_secs: u64) -> bool {
    let age = now.unix_seconds() - old.unix_seconds();
    age < i64::try_from(window_secs).unwrap_or(i64::MAX)
}

/// The earliest moment a window of `window_secs` before `now` reaches back to.
pub fn window_start(now: Timestamp, window_secs: u64) -> Timestamp {
    let secs = i64::try_from(window_secs).unwrap_or(i64::MAX / 1000);
    Timestamp::from_millis(now.unix_seconds().saturating_sub(secs).saturating_mul(1000))
}

/// What the tool-call cap says about call number `calls` of a server's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    Fine,
    /// Near the cap: the call runs, with this warning.
    Warn(String),
}

/// The share of the cap from which each call warns: 90%.
const WARN_SHARE: (u32, u32) = (9, 10);

/// Checks call number `calls` (counting this one) against `cap`: from 90% of the cap it
/// warns, past it it is refused with `instead` as the ways out. A cap of 0 means no cap.
pub fn check_tool_calls(calls: u32, cap: u32, instead: &[Action]) -> Result<Budget> {
    if cap == 0 {
        return Ok(Budget::Fine);
    }
    if calls > cap {
        let mut err = Error::Refused(format!(
            "this server session has made its {cap} tool calls (the policy's tool cap), so call {calls} was not run: close the session with what is done and what is left, ask a person for help, or block the mission with the reason; a new server session starts a new count"
        ));
        for action in instead {
            err = err.then(action.clone());
        }
        return Err(err);
    }
    let warn_from = (u64::from(cap) * u64::from(WARN_SHARE.0)).div_ceil(u64::from(WARN_SHARE.1));
    if u64::from(calls) >= warn_from {
        return Ok(Budget::Warn(format!(
            "tool call {calls} of {cap} in this server session: {} left; wrap up (capture what was learned, close the session) before the cap refuses further calls",
            cap - calls
        )));
    }
    Ok(Budget::Fine)
}

fn minutes(secs: u64) -> String {
    match secs {
        s if s % 60 == 0 && s >= 60 => {
            let m = s / 60;
            format!("{m} minute{}", if m == 1 { "" } else { "s" })
        }
        s => format!("{s} second{}", if s == 1 { "" } else { "s" }),
    }
}

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::next::{Input, Op};

    const LIMITS: LoopLimits = LoopLimits {
        window_secs: 600,
        warn_at: 3,
        refuse_at: 5,
    };

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000 + secs * 1000)
    }

    fn said(secs: i64, session: &'static str, agent: &'static str) -> Said<'static> {
        Said {
            at: at(secs),
            session: Some(session),
            agent,
            what: "capture (learning)",
            text: "retry the flaky test",
        }
    }

    fn check(new: Said<'_>, recent: &[Said<'static>]) -> Result<Repeat> {
        let instead = [Action::new(Op::SessionComplete).with(Input::SessionId, "S1")];
        check_repeat(&new, recent.iter().copied(), LIMITS, &instead)
    }

    #[test]
    fn the_third_identical_warns_and_the_fifth_is_refused() {
        let mut recent = Vec::new();
        for n in 1..=4 {
            let verdict = check(said(n * 10, "S1", "alice"), &recent).unwrap();
            match n {
                1 | 2 => assert_eq!(verdict, Repeat::Fine, "entry {n}"),
                _ => match verdict {
                    Repeat::Warn { count, text } => {
                        assert_eq!(count, n as u32);
                        assert!(text.contains(&ordinal(n as u32)), "{text}");
                        assert!(text.contains("within 10 minutes"), "{text}");
                    }
                    Repeat::Fine => panic!("entry {n} should warn"),
                },
            }
            recent.push(said(n * 10, "S1", "alice"));
        }
        let err = check(said(50, "S1", "alice"), &recent).unwrap_err();
        assert_eq!(err.code(), "refused");
        let text = err.to_string();
        assert!(text.contains("5th identical capture (learning)"), "{text}");
        assert!(text.contains("close the session"), "{text}");
        assert!(text.contains("block the mission"), "{text}");
        assert_eq!(err.next().actions[0].op, Op::SessionComplete);
    }

    #[test]
    fn other_sessions_agents_kinds_and_texts_are_not_repeats() {
        let recent = [said(0, "S1", "alice"); 6];
        let fine = |new: Said<'_>| assert_eq!(check(new, &recent).unwrap(), Repeat::Fine);
        fine(said(10, "S2", "alice"));
        fine(said(10, "S1", "bob"));
        fine(Said {
            what: "capture (decision)",
            ..said(10, "S1", "alice")
        });
        fine(Said {
            text: "retry the flaky test once more",
            ..said(10, "S1", "alice")
        });
        fine(Said {
            session: None,
            ..said(10, "S1", "alice")
        });
    }

    #[test]
    fn entries_older_than_the_window_do_not_count() {
        let recent = [said(0, "S1", "alice"); 6];
        assert_eq!(
            check(said(600, "S1", "alice"), &recent).unwrap(),
            Repeat::Fine
        );
        assert!(check(said(599, "S1", "alice"), &recent).is_err());
        // An entry stamped later by another clock is still recent.
        assert!(check(said(-30, "S1", "alice"), &recent).is_err());
    }

    #[test]
    fn a_count_of_zero_turns_the_step_off() {
        let recent = [said(0, "S1", "alice"); 9];
        let off = LoopLimits {
            warn_at: 0,
            refuse_at: 0,
            ..LIMITS
        };
        let verdict = check_repeat(&said(1, "S1", "alice"), recent, off, &[]).unwrap();
        assert_eq!(verdict, Repeat::Fine);
    }

    #[test]
    fn the_window_starts_its_length_before_now() {
        assert_eq!(window_start(at(600), 600), at(0));
        assert!(window_start(at(0), u64::MAX) < at(0));
    }

    #[test]
    fn tool_calls_warn_from_ninety_percent_and_are_refused_past_the_cap() {
        assert_eq!(check_tool_calls(179, 200, &[]).unwrap(), Budget::Fine);
        match check_tool_calls(180, 200, &[]).unwrap() {
            Budget::Warn(text) => assert!(text.contains("call 180 of 200"), "{text}"),
            Budget::Fine => panic!("180 of 200 should warn"),
        }
        assert!(matches!(
            check_tool_calls(200, 200, &[]),
            Ok(Budget::Warn(_))
        ));
        let err = check_tool_calls(201, 200, &[]).unwrap_err();
        assert_eq!(err.code(), "refused");
        assert!(err.to_string().contains("200 tool calls"), "{err}");
        // A small cap still warns before it refuses.
        assert!(matches!(check_tool_calls(3, 3, &[]), Ok(Budget::Warn(_))));
        assert_eq!(check_tool_calls(2, 3, &[]).unwrap(), Budget::Fine);
        assert_eq!(check_tool_calls(1_000, 0, &[]).unwrap(), Budget::Fine);
    }

    #[test]
    fn ordinals_read_as_english() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101]
            .map(ordinal)
            .into();
        assert_eq!(
            words,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st"
            ]
        );
    }
}
