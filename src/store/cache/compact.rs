//! The meta records and the digest in the cache's compact form. A write reads both whole at
//! every start, and a project with a thousand sprints made that the largest cost of a write
//! as JSON: each sprint's free-form fields are flattened into it, which makes the parser
//! buffer every field before it can tell the known ones from the rest, and the digest counts
//! every sprint's missions by status name. Here times are numbers, statuses a byte, the
//! free-form fields TOML text (parsed only when there are any), and the rest postcard.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::FileProblem;
use crate::index::{Meta, MissionEntry, StatusCounts, WidthCounts};
use crate::lifecycle::Skipped;
use crate::model::{Date, Format, Project, Sprint, SprintStatus, Timestamp};
use std::collections::BTreeMap;

/// The meta records but the sprints, which are in chunks of their own (`cache::MetaParts`):
/// `sprint_chunks` names them.
#[derive(Serialize, Deserialize)]
struct CompactMeta {
    format: Option<CompactFormat>,
    project: Option<CompactProject>,
    sprint_chunks: Vec<u8>,
    problems: Vec<(String, FileProblem)>,
}

#[derive(Serialize, Deserialize)]
struct CompactFormat {
    major: u32,
    minor: u32,
    extra: String,
}

#[derive(Serialize, Deserialize)]
struct CompactProject {
    id: String,
    name: String,
    description: Option<String>,
    current_sprint: Option<String>,
    created_at: i64,
    extra: String,
}

/// A sprint in a chunk. Its text borrows from the chunk's bytes, so checking a chunk
/// allocates nothing; only decoding it does.
#[derive(Serialize, Deserialize)]
struct CompactSprint<'a> {
    id: &'a str,
    uid: &'a str,
    title: &'a str,
    #[serde(borrow)]
    focus: Option<&'a str>,
    status: u8,
    start: Option<i32>,
    end: Option<i32>,
    created_at: i64,
    updated_at: i64,
    completed_at: Option<i64>,
    #[serde(borrow)]
    extra: Cow<'a, str>,
}

/// The meta records but the sprints as bytes, with `sprint_chunks` (what names the chunks the
/// sprints are in), or None if a free-form table cannot be written as TOML (the cache is then
/// not written, and the next command rebuilds it).
pub fn encode(meta: &Meta, sprint_chunks: &[u8]) -> Option<Vec<u8>> {
    let compact = CompactMeta {
        format: match &meta.format {
            Some(f) => Some(CompactFormat {
                major: f.major,
                minor: f.minor,
                extra: table_text(&f.extra)?,
            }),
            None => None,
        },
        project: match &meta.project {
            Some(p) => Some(CompactProject {
                id: p.id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                current_sprint: p.current_sprint.clone(),
                created_at: p.created_at.unix_seconds(),
                extra: table_text(&p.extra)?,
            }),
            None => None,
        },
        sprint_chunks: sprint_chunks.to_vec(),
        problems: meta
            .problems
            .iter()
            .map(|(path, problem)| (path.clone(), problem.clone()))
            .collect(),
    };
    postcard::to_allocvec(&compact).ok()
}

/// The meta records [`encode`] wrote (without sprints) and what names the sprints' chunks, or
/// None if the bytes are not such records.
pub fn decode(bytes: &[u8]) -> Option<(Meta, Vec<u8>)> {
    let compact: CompactMeta = postcard::from_bytes(bytes).ok()?;
    let format = match compact.format {
        Some(f) => Some(Format {
            major: f.major,
            minor: f.minor,
            extra: table(&f.extra)?,
        }),
        None => None,
    };
    let project = match compact.project {
        Some(p) => Some(Project {
            id: p.id,
            name: p.name,
            description: p.description,
            current_sprint: p.current_sprint,
            created_at: time(p.created_at),
            extra: table(&p.extra)?,
        }),
        None => None,
    };
    let meta = Meta {
        format,
        project,
        sprints: Default::default(),
        problems: compact.problems.into_iter().collect(),
    };
    Some((meta, compact.sprint_chunks))
}

/// One chunk of sprints as bytes (None as for [`encode`]).
pub fn encode_sprints<'a>(sprints: impl Iterator<Item = &'a Sprint>) -> Option<Vec<u8>> {
    let compact: Vec<CompactSprint> = sprints.map(compact_sprint).collect::<Option<_>>()?;
    postcard::to_allocvec(&compact).ok()
}

/// What plan order compares of a sprint in a chunk, its id as a range of the chunk's bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFields {
    pub start: Option<i32>,
    pub created: i64,
    pub id: std::ops::Range<usize>,
}

/// The sprints of a chunk [`encode_sprints`] wrote, as plan order compares them, checking
/// every field [`decode_sprints`] converts; None if the bytes are not such a chunk. Decoding
/// a chunk this accepted cannot fail, which is what lets the sprints be decoded on first use.
pub fn check_sprints(bytes: &[u8]) -> Option<Vec<PlanFields>> {
    let compact = postcard::from_bytes::<Vec<CompactSprint<'_>>>(bytes).ok()?;
    let base = bytes.as_ptr() as usize;
    compact
        .iter()
        .map(|s| {
            converted(s)?;
            table(&s.extra)?;
            // The id borrows from `bytes`: where it starts is how far its address is in.
            let at = (s.id.as_ptr() as usize).checked_sub(base)?;
            Some(PlanFields {
                start: s.start,
                created: s.created_at,
                id: at..at + s.id.len(),
            })
        })
        .collect()
}

/// Adds the sprints of a chunk [`encode_sprints`] wrote to `into`, keyed by id; false if the
/// bytes are not such a chunk.
pub fn decode_sprints(bytes: &[u8], into: &mut Vec<(String, Sprint)>) -> bool {
    let Ok(compact) = postcard::from_bytes::<Vec<CompactSprint<'_>>>(bytes) else {
        return false;
    };
    into.reserve(compact.len());
    for s in &compact {
        match sprint(s) {
            Some(sprint) => into.push((s.id.to_string(), sprint)),
            None => return false,
        }
    }
    true
}

/// The digest as stored: the passed-over missions (few, with optional fields postcard cannot
/// skip) stay JSON, and the counts per sprint are apart, in chunks (`cache::sprint_counts`).
/// Written from borrowed parts, read back owned, in one layout.
#[derive(Serialize)]
struct DigestParts<'a> {
    totals: &'a StatusCounts,
    in_progress: &'a [MissionEntry],
    current: &'a [MissionEntry],
    blocked: &'a [MissionEntry],
    next: &'a Option<MissionEntry>,
    next_reason: &'a str,
    skipped: Vec<u8>,
    skipped_total: usize,
    widths: &'a WidthCounts,
}

#[derive(Deserialize)]
struct CompactDigest {
    totals: StatusCounts,
    in_progress: Vec<MissionEntry>,
    current: Vec<MissionEntry>,
    blocked: Vec<MissionEntry>,
    next: Option<MissionEntry>,
    next_reason: String,
    skipped: Vec<u8>,
    skipped_total: usize,
    widths: WidthCounts,
}

/// The digest but its counts per sprint.
pub fn encode_digest(digest: &Digest) -> Option<Vec<u8>> {
    let parts = DigestParts {
        totals: &digest.totals,
        in_progress: &digest.in_progress,
        current: &digest.current,
        blocked: &digest.blocked,
        next: &digest.next,
        next_reason: &digest.next_reason,
        skipped: serde_json::to_vec(&digest.skipped).ok()?,
        skipped_total: digest.skipped_total,
        widths: &digest.widths,
    };
    postcard::to_allocvec(&parts).ok()
}

/// The digest `encode_digest` wrote, with `sprint_counts` as its counts per sprint.
pub fn decode_digest(
    bytes: &[u8],
    sprint_counts: BTreeMap<String, StatusCounts>,
) -> Option<Digest> {
    let c: CompactDigest = postcard::from_bytes(bytes).ok()?;
    let skipped: Vec<Skipped> = serde_json::from_slice(&c.skipped).ok()?;
    Some(Digest {
        totals: c.totals,
        sprint_counts,
        in_progress: c.in_progress,
        current: c.current,
        blocked: c.blocked,
        next: c.next,
        next_reason: c.next_reason,
        skipped,
        skipped_total: c.skipped_total,
        widths: c.widths,
    })
}

fn compact_sprint(s: &Sprint) -> Option<CompactSprint<'_>> {
    Some(CompactSprint {
        id: &s.id,
        uid: &s.uid,
        title: &s.title,
        focus: s.focus.as_deref(),
        status: status_code(s.status),
        start: s.start.map(|d| d.days_from_ce()),
        end: s.end.map(|d| d.days_from_ce()),
        created_at: s.created_at.unix_seconds(),
        updated_at: s.updated_at.unix_seconds(),
        completed_at: s.completed_at.map(|t| t.unix_seconds()),
        extra: Cow::Owned(table_text(&s.extra)?),
    })
}

/// The fields of a sprint that a chunk may hold out of range: its status and dates.
fn converted(s: &CompactSprint<'_>) -> Option<(SprintStatus, Option<Date>, Option<Date>)> {
    let date = |days: Option<i32>| match days {
        Some(d) => Date::from_days_from_ce(d).map(Some),
        None => Some(None),
    };
    Some((status(s.status)?, date(s.start)?, date(s.end)?))
}

fn sprint(s: &CompactSprint<'_>) -> Option<Sprint> {
    let (status, start, end) = converted(s)?;
    Some(Sprint {
        id: s.id.to_string(),
        uid: s.uid.to_string(),
        title: s.title.to_string(),
        focus: s.focus.map(str::to_string),
        status,
        start,
        end,
        created_at: time(s.created_at),
        updated_at: time(s.updated_at),
        completed_at: s.completed_at.map(time),
        extra: table(&s.extra)?,
    })
}

/// Times on the branch are whole seconds, so seconds keep them exactly.
fn time(seconds: i64) -> Timestamp {
    Timestamp::from_millis(seconds.saturating_mul(1000))
}

fn status_code(status: SprintStatus) -> u8 {
    match status {
        SprintStatus::Planned => 0,
        SprintStatus::Active => 1,
        SprintStatus::Completed => 2,
    }
}

fn status(code: u8) -> Option<SprintStatus> {
    match code {
        0 => Some(SprintStatus::Planned),
        1 => Some(SprintStatus::Active),
        2 => Some(SprintStatus::Completed),
        _ => None,
    }
}

/// A free-form table as TOML text; empty when the table is (most are).
fn table_text(table: &toml::Table) -> Option<String> {
    if table.is_empty() {
        return Some(String::new());
    }
    toml::to_string(table).ok()
}

fn table(text: &str) -> Option<toml::Table> {
    if text.is_empty() {
        return Some(toml::Table::new());
    }
    toml::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn sprint_with(extra: toml::Table, start: Option<&str>) -> Sprint {
        Sprint {
            id: "S1".into(),
            uid: "u1".into(),
            title: "First".into(),
            focus: Some("focus".into()),
            status: SprintStatus::Completed,
            start: start.map(|d| d.parse().unwrap()),
            end: Some("2026-12-31".parse().unwrap()),
            created_at: "2026-11-24T09:30:00Z".parse().unwrap(),
            updated_at: "2026-11-25T10:00:01Z".parse().unwrap(),
            completed_at: Some("2026-11-26T00:00:00Z".parse().unwrap()),
            extra,
        }
    }

    #[test]
    fn meta_records_survive_the_round_trip_with_their_free_form_fields() {
        let extra: toml::Table = toml::from_str(
            "owner = \"ana\"\nweights = [1, 2.5]\n[nested]\nwhen = 2026-11-24T09:30:00Z\n",
        )
        .unwrap();
        let mut meta = Meta {
            format: Some(Format {
                extra: extra.clone(),
                ..Format::default()
            }),
            ..Meta::default()
        };
        meta.sprints
            .insert("S1".into(), sprint_with(extra.clone(), Some("0001-01-01")));
        let mut plain = sprint_with(toml::Table::new(), None);
        plain.id = "S2".into();
        plain.status = SprintStatus::Planned;
        plain.completed_at = None;
        meta.sprints.insert("S2".into(), plain);
        meta.problems.insert(
            ".cmos/sprints/bad.toml".into(),
            FileProblem {
                path: ".cmos/sprints/bad.toml".into(),
                line: Some(3),
                column: None,
                message: "expected `=`".into(),
            },
        );
        let (back, chunks) = decode(&encode(&meta, b"names").unwrap()).unwrap();
        assert_eq!(chunks, b"names");
        let mut sprints = Vec::new();
        assert!(decode_sprints(
            &encode_sprints(meta.sprints.values()).unwrap(),
            &mut sprints
        ));
        assert_eq!(BTreeMap::from_iter(sprints), *meta.sprints);
        assert!(back.sprints.is_empty());
        assert_eq!(back.format, meta.format);
        assert_eq!(back.problems, meta.problems);
        assert!(back.project.is_none());
    }

    #[test]
    fn a_digest_survives_the_round_trip() {
        let mut index = crate::index::Index::default();
        for (i, status) in [Status::InProgress, Status::Blocked, Status::Queued]
            .into_iter()
            .enumerate()
        {
            index.upsert_mission(MissionEntry {
                id: format!("M{i}"),
                created: i as u128,
                name: "Name".into(),
                status,
                sprint: Some("S1".into()),
                rank: None,
                depends: vec![],
                blocked_reason: None,
                awaiting_review: false,
                needs_human: i == 2,
                decided: false,
            });
        }
        let digest = Digest::of(&index);
        assert!(!digest.sprint_counts.is_empty() && !digest.in_progress.is_empty());
        let counts = digest.sprint_counts.clone();
        assert_eq!(
            decode_digest(&encode_digest(&digest).unwrap(), counts),
            Some(digest)
        );
    }

    #[test]
    fn a_chunk_is_checked_field_by_field_as_decoding_would_convert_it() {
        let good = sprint_with(toml::Table::new(), Some("2026-12-01"));
        let chunk = encode_sprints([&good].into_iter()).unwrap();
        let fields = check_sprints(&chunk).unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(&chunk[fields[0].id.clone()], b"S1");
        assert_eq!(fields[0].start, good.start.map(|d| d.days_from_ce()));
        assert_eq!(fields[0].created, good.created_at.unix_seconds());
        assert_eq!(
            check_sprints(&encode_sprints(std::iter::empty()).unwrap()),
            Some(vec![])
        );
        let mut decoded = Vec::new();
        assert!(decode_sprints(&chunk, &mut decoded));
        assert_eq!(decoded, vec![("S1".to_string(), good.clone())]);

        // Each field decoding converts, out of range in a chunk of otherwise good bytes.
        type Damage = fn(&mut CompactSprint<'_>);
        let damaged: [(&str, Damage); 4] = [
            ("an unknown status", |s| s.status = 7),
            ("a start date past the calendar", |s| {
                s.start = Some(i32::MAX)
            }),
            ("an end date past the calendar", |s| s.end = Some(i32::MIN)),
            ("free-form fields that are not TOML", |s| {
                s.extra = Cow::Borrowed("= =")
            }),
        ];
        for (what, damage) in damaged {
            let mut compact = compact_sprint(&good).unwrap();
            damage(&mut compact);
            let bytes = postcard::to_allocvec(&vec![compact]).unwrap();
            assert_eq!(check_sprints(&bytes), None, "{what}");
            assert!(!decode_sprints(&bytes, &mut Vec::new()), "{what}");
        }
        // Text that is not UTF-8, and bytes cut short.
        let at = chunk.windows(5).position(|w| w == b"First").unwrap();
        let mut bad_text = chunk.clone();
        bad_text[at..at + 5].fill(0xff);
        assert_eq!(check_sprints(&bad_text), None);
        assert_eq!(check_sprints(&chunk[..chunk.len() - 3]), None);
    }

    #[test]
    fn bytes_that_are_not_meta_records_are_refused() {
        let meta = Meta::default();
        let mut bytes = encode(&meta, &[]).unwrap();
        assert!(decode(&bytes).is_some());
        bytes.push(0xff);
        bytes.insert(0, 9);
        assert!(decode(&bytes).is_none());
        assert!(decode(b"{\"format\": null}").is_none());
        let mut sprints = Vec::new();
        assert!(!decode_sprints(&bytes, &mut sprints));
        assert!(!decode_sprints(b"\x05", &mut sprints));
    }
}
