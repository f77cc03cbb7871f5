//! Which way a dependency of the original CMOS points. Its Python CLI wrote "from blocks to"
//! (the prerequisite first), its MCP server "from depends on to" (the dependent first), and
//! real databases hold both. The work itself says which: a Completed mission cannot have
//! waited on one that is still open, and work In Progress or Current came before work Queued.
//! Then the type's own word: `depends_on` or `requires` name the dependent first, while
//! `blocks` was written both ways; for those, of two completed missions the one completed
//! first is the prerequisite. Links without such evidence follow the reading the source's
//! decided links support; with none decided, the order of ids within a sprint is a weak
//! hint, and the dependent-first reading the default.

use std::cmp::Ordering;

use crate::index::Index;
use crate::model::{DepType, Status, Timestamp};

use super::natural_cmp;

/// What a link's direction can be judged by: a mission as the source recorded it.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub id: &'a str,
    pub status: Status,
    pub completed_at: Option<Timestamp>,
    pub sprint: Option<&'a str>,
}

/// How the source's `from` and `to` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// `from` depends on `to`.
    DependentFirst,
    /// `from` must finish before `to`.
    PrerequisiteFirst,
}

impl Reading {
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::DependentFirst => "dependent first",
            Reading::PrerequisiteFirst => "prerequisite first",
        }
    }
}

/// The reading of one link and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oriented {
    pub reading: Reading,
    /// True when the link's own missions decided it; false when it follows the convention.
    pub decided: bool,
    /// The evidence, in a few words (`B3.1 Completed, B3.4 Current`).
    pub evidence: String,
}

/// How far along a status is: done, under way, not started; None says nothing.
fn progress(status: Status) -> Option<u8> {
    match status {
        Status::Completed => Some(0),
        Status::InProgress | Status::Current | Status::Blocked => Some(1),
        Status::Queued | Status::Deferred => Some(2),
        Status::Dropped => None,
    }
}

/// One link as the source wrote it: its two missions, and whether its type's word names
/// the dependent first (`depends_on`, `requires`) rather than being ambiguous (`blocks`).
pub type Written<'a> = (Facts<'a>, Facts<'a>, bool);

/// The evidence of the link's own missions (and its type's word): which came first, and why.
fn decide(from: &Facts<'_>, to: &Facts<'_>, explicit: bool) -> Option<(Reading, String)> {
    let first = |earlier: &Facts<'_>| {
        if earlier.id == from.id {
            Reading::PrerequisiteFirst
        } else {
            Reading::DependentFirst
        }
    };
    if let (Some(a), Some(b)) = (progress(from.status), progress(to.status)) {
        let earlier = match a.cmp(&b) {
            Ordering::Less => Some(from),
            Ordering::Greater => Some(to),
            Ordering::Equal => None,
        };
        if let Some(earlier) = earlier {
            return Some((
                first(earlier),
                format!("{} {}, {} {}", from.id, from.status, to.id, to.status),
            ));
        }
    }
    if explicit {
        return Some((
            Reading::DependentFirst,
            "the type names the dependent first".to_string(),
        ));
    }
    if let (Some(a), Some(b)) = (from.completed_at, to.completed_at)
        && a != b
    {
        let earlier = if a < b { from } else { to };
        return Some((first(earlier), format!("{} completed first", earlier.id)));
    }
    None
}

/// The weak hint: within one sprint, the lower id (in natural order) came first.
fn hint(from: &Facts<'_>, to: &Facts<'_>) -> Option<Reading> {
    if from.sprint.is_none() || from.sprint != to.sprint {
        return None;
    }
    match natural_cmp(from.id, to.id) {
        Ordering::Less => Some(Reading::PrerequisiteFirst),
        Ordering::Greater => Some(Reading::DependentFirst),
        Ordering::Equal => None,
    }
}

/// The reading of each of `links` (`from`, `to`, as the source wrote them).
pub fn orient(links: &[Written<'_>]) -> Vec<Oriented> {
    let decided: Vec<Option<(Reading, String)>> = links
        .iter()
        .map(|(a, b, explicit)| decide(a, b, *explicit))
        .collect();
    let tally = |readings: &mut dyn Iterator<Item = Reading>| {
        readings.fold((0usize, 0usize), |(p, d), r| match r {
            Reading::PrerequisiteFirst => (p + 1, d),
            Reading::DependentFirst => (p, d + 1),
        })
    };
    let (prerequisite, dependent) = tally(&mut decided.iter().flatten().map(|(r, _)| *r));
    let (convention, why) = if prerequisite + dependent > 0 {
        let reading = if prerequisite > dependent {
            Reading::PrerequisiteFirst
        } else {
            Reading::DependentFirst
        };
        let agree = prerequisite.max(dependent);
        (
            reading,
            format!(
                "no evidence of its own; {agree} of the source's {} decided links read {}",
                prerequisite + dependent,
                reading.as_str()
            ),
        )
    } else {
        let (p, d) = tally(&mut links.iter().filter_map(|(a, b, _)| hint(a, b)));
        if p > d {
            (
                Reading::PrerequisiteFirst,
                format!(
                    "no evidence; {p} of {} links within a sprint list the lower id first",
                    p + d
                ),
            )
        } else {
            (
                Reading::DependentFirst,
                "no evidence in the source; read as the dependent first".to_string(),
            )
        }
    };
    decided
        .into_iter()
        .map(|d| match d {
            Some((reading, evidence)) => Oriented {
                reading,
                decided: true,
                evidence,
            },
            None => Oriented {
                reading: convention,
                decided: false,
                evidence: why.clone(),
            },
        })
        .collect()
}

/// Completed missions that require one still unfinished: (the Completed mission, why). The
/// order of work never allows it; an import that read a link backwards does.
pub fn completed_before_prerequisites(index: &Index) -> Vec<(String, String)> {
    let unfinished = |id: &str| {
        index
            .missions
            .get(id)
            .is_some_and(|m| !matches!(m.status, Status::Completed | Status::Dropped))
    };
    let mut found = Vec::new();
    for m in index.missions.values() {
        for (on, kind) in &m.depends {
            let (done, waits_on) = match kind {
                DepType::Requires => (m.id.as_str(), on.as_str()),
                DepType::Blocks => (on.as_str(), m.id.as_str()),
                _ => continue,
            };
            let done_status = index.missions.get(done).map(|d| d.status);
            if done_status == Some(Status::Completed) && unfinished(waits_on) {
                let status = index.missions[waits_on].status;
                found.push((
                    done.to_string(),
                    format!(
                        "is Completed but requires {waits_on}, which is {status}: is the link backwards?"
                    ),
                ));
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(id: &'static str, status: Status, sprint: Option<&'static str>) -> Facts<'static> {
        Facts {
            id,
            status,
            completed_at: None,
            sprint,
        }
    }

    #[test]
    fn statuses_decide_and_the_rest_follow_the_majority() {
        let s = Some("S3");
        let links = [
            // The backlog: B3.4 Current before B3.5 Queued, written prerequisite first.
            (
                facts("B3.4", Status::Current, s),
                facts("B3.5", Status::Queued, s),
                false,
            ),
            (
                facts("B3.1", Status::Completed, s),
                facts("B3.4", Status::Current, s),
                false,
            ),
            (
                facts("B3.6", Status::Queued, s),
                facts("B3.7", Status::Queued, s),
                false,
            ),
        ];
        let out = orient(&links);
        assert_eq!(out[0].reading, Reading::PrerequisiteFirst);
        assert!(out[0].decided);
        assert_eq!(out[0].evidence, "B3.4 Current, B3.5 Queued");
        assert_eq!(out[2].reading, Reading::PrerequisiteFirst);
        assert!(!out[2].decided);
        assert!(
            out[2].evidence.contains("2 of the source's 2"),
            "{}",
            out[2].evidence
        );
    }

    #[test]
    fn completion_times_decide_between_completed_missions() {
        let t = |s: &str| -> Timestamp { s.parse().unwrap() };
        let mut a = facts("A", Status::Completed, None);
        let mut b = facts("B", Status::Completed, None);
        a.completed_at = Some(t("2025-01-02T00:00:00Z"));
        b.completed_at = Some(t("2025-01-01T00:00:00Z"));
        let out = orient(&[(a, b, false), (b, a, true)]);
        assert_eq!(out[0].reading, Reading::DependentFirst);
        assert_eq!(out[0].evidence, "B completed first");
        // `B depends_on A` says so itself, whatever the times.
        assert_eq!(out[1].reading, Reading::DependentFirst);
        assert_eq!(out[1].evidence, "the type names the dependent first");
    }

    #[test]
    fn without_evidence_the_sprint_order_of_ids_hints() {
        let s = Some("S1");
        let queued = |id| facts(id, Status::Queued, s);
        let out = orient(&[
            (queued("m2"), queued("m10"), false),
            (queued("m3"), queued("m4"), false),
        ]);
        assert!(
            out.iter()
                .all(|o| o.reading == Reading::PrerequisiteFirst && !o.decided)
        );
        let (x, y) = (
            facts("x", Status::Queued, None),
            facts("y", Status::Queued, None),
        );
        let out = orient(&[(x, y, false)]);
        assert_eq!(out[0].reading, Reading::DependentFirst);
    }
}
