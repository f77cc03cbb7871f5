//! Decision and learning upkeep: the review of stale records (read-only), reaffirming one
//! (one commit), and archiving a review's archive group at once (one commit). The staleness
//! rule is `lifecycle::review`; the threshold is the policy `review.stale_sprints`.

use std::collections::HashMap;

use serde::Serialize;

use super::{Outcome, Workspace, policy};
use crate::error::{Error, Result};
use crate::lifecycle::{self, review as rule};
use crate::model::{Item, ItemKind, ItemStatus, SprintStatus, Timestamp, clean_text, validate_id};

/// The largest threshold, in sprints (the bound of every count policy).
pub const MAX_THRESHOLD: u32 = 1_000_000;
/// The most records one archive takes.
pub const MAX_ARCHIVE: usize = 500;

#[derive(Debug, Serialize)]
pub struct Review {
    pub kind: ItemKind,
    /// The threshold in sprints: asked for, else the policy's.
    pub threshold: u32,
    /// The sprint ages are counted to: the current one, else the newest Active or Completed.
    pub current_sprint: Option<String>,
    /// Active records of the kind.
    pub active: usize,
    /// Stale records, the stalest first.
    pub candidates: Vec<Candidate>,
    /// The ids of the candidates suggested for archiving, to archive together.
    pub archive: Vec<String>,
    /// Active records left out as evergreen, and as reaffirmed within the threshold's span.
    pub evergreen: usize,
    pub recently_reaffirmed: usize,
}

#[derive(Debug, Serialize)]
pub struct Candidate {
    pub id: String,
    pub text: String,
    /// Its sprint (its own, else its mission's or session's), if it has one.
    pub sprint: Option<String>,
    pub age: u64,
    pub aged_by: rule::AgedBy,
    pub score: f64,
    pub suggestion: rule::Suggestion,
    /// Linked to a mission or carrying the original's evidence.
    pub evidence: bool,
    /// The decision it replaced.
    pub supersedes: Option<String>,
    pub created_at: Timestamp,
    pub reviewed_at: Option<Timestamp>,
}

/// Whether a record has grounds beyond its own words: the work it came from (a mission) or
/// the original's evidence list. A decision's rationale does not count: cmos asks every
/// decision for one, so it would tell no record from another.
fn has_evidence(item: &Item) -> bool {
    let legacy_evidence = item
        .extra
        .get("legacy")
        .and_then(|l| l.get("evidence"))
        .is_some_and(|e| match e {
            serde_json::Value::Array(a) => !a.is_empty(),
            serde_json::Value::String(s) => !matches!(s.trim(), "" | "[]" | "null"),
            _ => false,
        });
    item.mission.is_some() || legacy_evidence
}

/// The stale decisions or learnings, scored against `threshold` sprints (else the policy).
pub fn review(ws: &Workspace, kind: ItemKind, threshold: Option<u32>) -> Result<Outcome<Review>> {
    lifecycle::check_review_kind(kind)?;
    if let Some(t) = threshold
        && !(1..=MAX_THRESHOLD).contains(&t)
    {
        return Err(Error::InvalidInput(format!(
            "the staleness threshold must be from 1 to {MAX_THRESHOLD} sprints, not {t}"
        )));
    }
    let snapshot = ws.snapshot()?;
    let threshold = match threshold {
        Some(t) => t,
        None => policy::effective(&snapshot)?.review.stale_sprints,
    };
    let meta = &snapshot.meta;
    let order = meta.sprints_in_order();
    let position: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(n, s)| (s.id.as_str(), n))
        .collect();
    let current = meta.current_sprint().or_else(|| {
        order
            .iter()
            .rev()
            .find(|s| matches!(s.status, SprintStatus::Active | SprintStatus::Completed))
            .copied()
    });
    let now = Timestamp::now();

    let (items, _) = ws.store().items(&snapshot, kind)?;
    let active: Vec<Item> = items
        .into_iter()
        .filter(|i| i.status == ItemStatus::Active)
        .collect();
    let sprints = super::knowledge::item_sprints(ws, &snapshot, &active)?;
    let (mut evergreen, mut recently_reaffirmed) = (0, 0);
    let mut candidates = Vec::new();
    for (item, sprint) in active.iter().zip(sprints) {
        // A sprint name no sprint answers to is as good as none: the record ages on the clock.
        let own = sprint
            .as_deref()
            .and_then(|name| meta.find_sprint(name).ok().flatten());
        let aging = rule::Aging {
            sprint_position: own.and_then(|s| position.get(s.id.as_str()).copied()),
            current_position: current.and_then(|s| position.get(s.id.as_str()).copied()),
            created_at: item.created_at,
            reviewed_at: item.reviewed_at,
            evergreen: item.evergreen,
            evidence: has_evidence(item),
            supersedes: item.supersedes.is_some(),
        };
        let Some(stale) = rule::staleness(&aging, threshold, now) else {
            if item.evergreen {
                evergreen += 1;
            } else if item.reviewed_at.is_some()
                && rule::staleness(
                    &rule::Aging {
                        reviewed_at: None,
                        ..aging
                    },
                    threshold,
                    now,
                )
                .is_some()
            {
                recently_reaffirmed += 1;
            }
            continue;
        };
        candidates.push(Candidate {
            id: item.id.clone(),
            text: item.text.clone(),
            sprint: own.map(|s| s.id.clone()).or(sprint),
            age: stale.age,
            aged_by: stale.aged_by,
            score: stale.score,
            suggestion: stale.suggestion,
            evidence: aging.evidence,
            supersedes: item.supersedes.clone(),
            created_at: item.created_at,
            reviewed_at: item.reviewed_at,
        });
    }
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.age.cmp(&a.age))
            .then(a.created_at.cmp(&b.created_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    let archive = candidates
        .iter()
        .filter(|c| c.suggestion == rule::Suggestion::Archive)
        .map(|c| c.id.clone())
        .collect();
    let review = Review {
        kind,
        threshold,
        current_sprint: current.map(|s| s.id.clone()),
        active: active.len(),
        candidates,
        archive,
        evergreen,
        recently_reaffirmed,
    };
    Ok(Outcome::read(review, &snapshot))
}

/// Confirms a decision or learning still holds: sets when it was reviewed (and makes it
/// evergreen when asked), in one commit. A review does not flag it again for the threshold's
/// span, and never once it is evergreen.
pub fn reaffirm(
    ws: &Workspace,
    kind: ItemKind,
    id: &str,
    evergreen: bool,
) -> Result<Outcome<Item>> {
    lifecycle::check_review_kind(kind)?;
    validate_id(kind.as_str(), id)?;
    let written = ws.store().write(&format!("{kind}.reaffirm"), |tx| {
        let item = tx.item(kind, id)?;
        lifecycle::check_reaffirm(&item)?;
        let now = tx.now();
        let mut next = item.revised(now);
        next.reviewed_at = Some(now);
        next.evergreen = item.evergreen || evergreen;
        tx.record(
            &format!("{kind}.reaffirmed"),
            id,
            item.reviewed_at.map(|t| t.to_string()),
            Some(now.to_string()),
            (next.evergreen && !item.evergreen).then(|| "made evergreen".to_string()),
        );
        tx.set_subject(format!("{kind} reaffirm {id}"));
        tx.put_item(next.clone());
        Ok(next)
    })?;
    Ok(written.into_outcome())
}

/// Archives several Active records of `kind` in one commit (a review's archive group), each
/// with `note`; nothing is written unless every one of them can be archived.
pub fn archive_all(
    ws: &Workspace,
    kind: ItemKind,
    ids: &[String],
    note: Option<&str>,
) -> Result<Outcome<Vec<Item>>> {
    if ids.is_empty() || ids.len() > MAX_ARCHIVE {
        return Err(Error::InvalidInput(format!(
            "archive from 1 to {MAX_ARCHIVE} records at a time, not {}",
            ids.len()
        )));
    }
    let mut unique: Vec<&str> = Vec::with_capacity(ids.len());
    for id in ids {
        validate_id(kind.as_str(), id)?;
        if !unique.contains(&id.as_str()) {
            unique.push(id);
        }
    }
    let note = clean_text("note", note)?;
    lifecycle::check_close_target(kind, unique[0], ItemStatus::Archived)?;
    let written = ws.store().write(&format!("{kind}.archive"), |tx| {
        let mut archived = Vec::with_capacity(unique.len());
        for id in &unique {
            let item = tx.item(kind, id)?;
            lifecycle::check_item_open(&item)?;
            let mut next = item.revised(tx.now());
            next.status = ItemStatus::Archived;
            next.note = note.clone();
            tx.record(
                &format!("{kind}.status"),
                id,
                Some(item.status.to_string()),
                Some(ItemStatus::Archived.to_string()),
                note.clone(),
            );
            tx.put_item(next.clone());
            archived.push(next);
        }
        tx.set_subject(if unique.len() <= 5 {
            format!("{kind} archive {}", unique.join(" "))
        } else {
            format!("{kind} archive {} records", unique.len())
        });
        Ok(archived)
    })?;
    Ok(written.into_outcome())
}
