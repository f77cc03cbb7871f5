//! Decisions, facts, learnings, constraints and next steps: add, list, show, search, and the
//! changes of status each kind allows (supersede, archive, done, drop, carry); the rules of
//! each kind are in `lifecycle::items`.

use serde::Serialize;

use super::session::{MAX_CAPTURE_LEN, open_session};
use super::{Outcome, Workspace};
use crate::error::{Error, Result};
use crate::lifecycle::{self, KindFields};
use crate::model::{
    Item, ItemKind, ItemStatus, clean_name, clean_text, new_short_id, quote, validate_id,
};

/// What `<kind> add` asks for. Fields that do not apply to a kind are refused, not ignored.
#[derive(Debug, Clone, Default)]
pub struct NewItem {
    pub text: String,
    pub rationale: Option<String>,
    pub category: Option<String>,
    pub mission: Option<String>,
    pub sprint: Option<String>,
    /// The decision this one replaces.
    pub supersedes: Option<String>,
    /// Files a fact is pinned to.
    pub files: Vec<String>,
    /// Where the files are pinned [default: HEAD].
    pub commit: Option<String>,
}

/// Checks the text of an item: a decision's title is a one-line name, the others a page.
pub fn clean_item_text(kind: ItemKind, text: &str) -> Result<String> {
    if kind == ItemKind::Decision {
        return clean_name("decision title", text);
    }
    let what = kind.as_str();
    if text.len() > MAX_CAPTURE_LEN {
        return Err(Error::InvalidInput(format!(
            "the {what} is {} bytes; the limit is {MAX_CAPTURE_LEN} bytes: keep the gist and point to where the rest lives",
            text.len()
        )));
    }
    clean_text(what, Some(text))?
        .ok_or_else(|| Error::InvalidInput(format!("the {what} is empty: say what it is")))
}

pub fn add(ws: &Workspace, kind: ItemKind, request: NewItem) -> Result<Outcome<Item>> {
    let text = clean_item_text(kind, &request.text)?;
    let rationale = clean_text("rationale", request.rationale.as_deref())?;
    let category = match &request.category {
        Some(c) => Some(clean_name("category", c)?),
        None => None,
    };
    lifecycle::check_item_fields(
        kind,
        KindFields {
            supersedes: request.supersedes.is_some(),
            rationale: rationale.is_some(),
            commit: request.commit.is_some(),
            files: !request.files.is_empty(),
        },
    )?;
    let pin = pin_files(ws, &request.files, request.commit.as_deref())?;
    let session = open_session(ws)?;
    let head = ws.store().head_commit().map(|c| c.to_string());
    let written = ws.store().write(&format!("{kind}.add"), |tx| {
        let now = tx.now();
        if let Some(mission) = &request.mission {
            tx.require(mission)?;
        }
        let sprint = match &request.sprint {
            Some(name) => Some(tx.meta().resolve_sprint(name)?.id.clone()),
            None => None,
        };
        let mut item = Item::new(
            kind,
            new_short_id(kind.id_prefix()),
            text.clone(),
            tx.agent(),
            now,
        );
        item.rationale = rationale.clone();
        item.category = category.clone();
        item.mission = request.mission.clone();
        item.session = session.clone();
        item.sprint = sprint.or_else(|| {
            (kind == ItemKind::NextStep)
                .then(|| tx.meta().project.as_ref()?.current_sprint.clone())
                .flatten()
        });
        if let Some((files, commit)) = &pin {
            item.files = files.clone();
            item.commit = Some(commit.clone());
        }
        if kind == ItemKind::Decision {
            // Provenance: the project's commit the decision was made on.
            item.commit = head.clone();
        }
        if let Some(old_id) = &request.supersedes {
            let mut old = tx.item(ItemKind::Decision, old_id)?;
            lifecycle::check_supersede(&old)?;
            old = old.revised(now);
            old.status = ItemStatus::Superseded;
            old.superseded_by = Some(item.id.clone());
            tx.put_item(old);
            item.supersedes = Some(old_id.clone());
        }
        tx.record(
            &format!("{kind}.added"),
            &item.id,
            None,
            None,
            Some(crate::model::text::first_line(&text).to_string()),
        );
        tx.set_subject(format!("{kind} add {}", item.id));
        tx.put_item(item.clone());
        Ok(item)
    })?;
    Ok(written.into_outcome())
}

/// The files a fact is pinned to, checked against the commit they are pinned at.
fn pin_files(
    ws: &Workspace,
    files: &[String],
    commit: Option<&str>,
) -> Result<Option<(Vec<String>, String)>> {
    if files.is_empty() {
        return Ok(match commit {
            Some(rev) => Some((Vec::new(), ws.store().resolve_commit(rev)?.to_string())),
            None => None,
        });
    }
    let commit = match commit {
        Some(rev) => ws.store().resolve_commit(rev)?,
        None => lifecycle::pin_commit(ws.store().head_commit())?,
    }
    .to_string();
    let files: Vec<String> = files
        .iter()
        .map(|f| f.trim().trim_start_matches("./").to_string())
        .collect();
    let ids = ws.store().file_ids_at(&commit, &files)?;
    if let Some((missing, _)) = files.iter().zip(&ids).find(|(_, id)| id.is_none()) {
        return Err(Error::InvalidInput(format!(
            "{} is not a file in commit {}; pin facts to files as committed, with paths from the repository root",
            quote(missing),
            &commit[..commit.len().min(12)]
        )));
    }
    Ok(Some((files, commit)))
}

/// Which items `list` returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Every status, not only Active.
    pub all: bool,
    pub status: Option<ItemStatus>,
    pub mission: Option<String>,
    pub category: Option<String>,
    pub sprint: Option<String>,
    /// Refuse a `sprint` that names no sprint and no item of the kind (a typo), instead of
    /// listing nothing: what `decisions by-sprint` does.
    pub require_sprint: bool,
}

impl ListFilter {
    /// Everything but the sprint, which `list` resolves once for all items.
    fn keeps(&self, item: &Item) -> bool {
        let status_ok = match self.status {
            Some(status) => item.status == status,
            None => self.all || item.status == ItemStatus::Active,
        };
        status_ok
            && (self.mission.is_none() || item.mission == self.mission)
            && self
                .category
                .as_deref()
                .is_none_or(|c| in_category(item, c))
    }
}

/// Whether an item is of category `c`. An item without one is of the original CMOS's
/// default domain, "general", so its scripts' `--domain general` still finds it.
pub fn in_category(item: &Item, c: &str) -> bool {
    match item.category.as_deref() {
        Some(mine) => mine.eq_ignore_ascii_case(c),
        None => c.trim().eq_ignore_ascii_case(DEFAULT_DOMAIN),
    }
}

/// The original CMOS's domain for a decision that names none.
pub const DEFAULT_DOMAIN: &str = "general";

/// Items of one kind, newest first.
pub fn list(ws: &Workspace, kind: ItemKind, filter: &ListFilter) -> Result<Outcome<Vec<Item>>> {
    let snapshot = ws.snapshot()?;
    let (items, problems) = ws.store().items(&snapshot, kind)?;
    let in_sprint = filter
        .sprint
        .as_deref()
        .map(|wanted| snapshot.meta.sprint_matcher(wanted));
    let sprints = match filter.sprint {
        Some(_) => item_sprints(ws, &snapshot, &items)?,
        None => Vec::new(),
    };
    if let Some(wanted) = filter.sprint.as_deref().filter(|_| filter.require_sprint) {
        let named = snapshot.meta.find_sprint(wanted)?.is_some()
            || in_sprint
                .as_ref()
                .is_some_and(|m| sprints.iter().any(|s| m(s.as_deref())));
        if !named {
            return Err(snapshot.meta.missing("sprint", wanted.trim()));
        }
    }
    let mut kept: Vec<Item> = items
        .into_iter()
        .enumerate()
        .filter(|(_, i)| filter.keeps(i))
        .filter(|(n, _)| {
            let sprint = sprints.get(*n).and_then(|s| s.as_deref());
            in_sprint.as_ref().is_none_or(|m| m(sprint))
        })
        .map(|(_, i)| i)
        .collect();
    kept.reverse();
    let mut outcome = Outcome::read(kept, &snapshot);
    for problem in problems {
        outcome = outcome.warn(format!("unreadable line, skipped: {problem}"));
    }
    Ok(outcome)
}

/// The sprint each item belongs to: its own, else its mission's, else its session's (a
/// decision noted while working on a mission of the sprint was made in that sprint).
pub(super) fn item_sprints(
    ws: &Workspace,
    snapshot: &crate::store::Snapshot<'_>,
    items: &[Item],
) -> Result<Vec<Option<String>>> {
    let index = snapshot.index()?;
    let mut session_sprints = std::collections::HashMap::new();
    if items
        .iter()
        .any(|i| i.sprint.is_none() && i.session.is_some())
    {
        for session in ws.store().sessions(snapshot)?.0 {
            session_sprints.insert(session.id, session.sprint);
        }
    }
    Ok(items
        .iter()
        .map(|i| {
            i.sprint
                .clone()
                .or_else(|| index.missions.get(i.mission.as_deref()?)?.sprint.clone())
                .or_else(|| {
                    session_sprints
                        .get(i.session.as_deref()?)
                        .cloned()
                        .flatten()
                })
        })
        .collect())
}

pub fn show(ws: &Workspace, kind: ItemKind, id: &str) -> Result<Outcome<Item>> {
    validate_id(kind.as_str(), id)?;
    let snapshot = ws.snapshot()?;
    let (items, _) = ws.store().items(&snapshot, kind)?;
    let item = items
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(|| Error::NotFound {
            kind: kind.as_str(),
            id: id.to_string(),
        })?;
    Ok(Outcome::read(item, &snapshot))
}

/// One search result.
#[derive(Debug, Serialize)]
pub struct Hit {
    pub score: f32,
    pub item: Item,
}

/// Items of `kind` whose text, rationale or category contain every word of `query`, best
/// first (BM25); superseded and archived ones too, since history is what a search is often for.
pub fn search(
    ws: &Workspace,
    kind: ItemKind,
    query: &str,
    limit: usize,
) -> Result<Outcome<Vec<Hit>>> {
    if crate::kb::engine::words(query).next().is_none() {
        return Err(Error::InvalidInput(
            "the query has no words to search for".into(),
        ));
    }
    let snapshot = ws.snapshot()?;
    let (items, _) = ws.store().items(&snapshot, kind)?;
    let index = crate::kb::Index::new(items.iter().map(crate::kb::records::item).collect());
    let by_id: std::collections::HashMap<&str, &Item> =
        items.iter().map(|i| (i.id.as_str(), i)).collect();
    let hits = index
        .search_all(query, limit, |_| true)
        .into_iter()
        .filter_map(|hit| match &hit.document.source {
            crate::kb::Source::Record { id, .. } => Some(Hit {
                score: hit.score,
                item: (*by_id.get(id.as_str())?).clone(),
            }),
            crate::kb::Source::File { .. } => None,
        })
        .collect();
    Ok(Outcome::read(hits, &snapshot))
}

/// Closes an Active item: archives a learning, constraint, fact or decision; marks a next
/// step done or dropped.
pub fn close(
    ws: &Workspace,
    kind: ItemKind,
    id: &str,
    status: ItemStatus,
    note: Option<&str>,
) -> Result<Outcome<Item>> {
    validate_id(kind.as_str(), id)?;
    let note = clean_text("note", note)?;
    lifecycle::check_close_target(kind, id, status)?;
    let verb = status.as_str().to_lowercase();
    let written = ws.store().write(&format!("{kind}.{verb}"), |tx| {
        let item = tx.item(kind, id)?;
        lifecycle::check_item_open(&item)?;
        let mut next = item.revised(tx.now());
        next.status = status;
        next.note = note.clone();
        tx.record(
            &format!("{kind}.status"),
            id,
            Some(item.status.to_string()),
            Some(status.to_string()),
            note.clone(),
        );
        tx.set_subject(format!("{kind} {verb} {id}"));
        tx.put_item(next.clone());
        Ok(next)
    })?;
    Ok(written.into_outcome())
}

/// Moves an open next step to another sprint.
pub fn carry(ws: &Workspace, id: &str, sprint: &str) -> Result<Outcome<Item>> {
    validate_id("next step", id)?;
    let kind = ItemKind::NextStep;
    let written = ws.store().write("next-step.carry", |tx| {
        let sprint = tx.meta().resolve_sprint(sprint)?.id.clone();
        let sprint = sprint.as_str();
        let item = tx.item(kind, id)?;
        let next = carry_in(tx, &item, sprint)?;
        tx.set_subject(format!("next-step carry {id} {sprint}"));
        Ok(next)
    })?;
    Ok(written.into_outcome())
}

/// Moves the open next step `item` to `sprint` (an id) within a write, with a note saying
/// where it came from; `from` names the sprint it leaves when it had no sprint of its own.
pub(super) fn carry_in(tx: &mut crate::store::Tx<'_>, item: &Item, sprint: &str) -> Result<Item> {
    lifecycle::check_carry(item, sprint)?;
    let mut next = item.revised(tx.now());
    next.sprint = Some(sprint.to_string());
    next.note = Some(match &item.sprint {
        Some(from) => format!("carried from sprint {from}"),
        None => "carried into a sprint".to_string(),
    });
    tx.record(
        "next-step.carried",
        &item.id,
        item.sprint.clone(),
        Some(sprint.to_string()),
        None,
    );
    tx.put_item(next.clone());
    Ok(next)
}

/// A fact with whether its files changed since the commit it is pinned at.
#[derive(Debug, Serialize)]
pub struct FactView {
    #[serde(flatten)]
    pub item: Item,
    pub stale: bool,
    /// Pinned files that differ in HEAD (changed or deleted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_files: Vec<String>,
}

/// Facts, newest first, each with its staleness against HEAD; only stale ones with `stale_only`.
pub fn facts(
    ws: &Workspace,
    filter: &ListFilter,
    stale_only: bool,
) -> Result<Outcome<Vec<FactView>>> {
    let listed = list(ws, ItemKind::Fact, filter)?;
    let head = ws.store().head_commit().map(|c| c.to_string());
    let mut views = Vec::new();
    for item in listed.data {
        let changed_files = match (&item.commit, &head) {
            (Some(pinned), Some(head)) if pinned != head && !item.files.is_empty() => {
                let then = ws.store().file_ids_at(pinned, &item.files)?;
                let now = ws.store().file_ids_at(head, &item.files)?;
                item.files
                    .iter()
                    .zip(then.iter().zip(&now))
                    .filter(|(_, (a, b))| a != b)
                    .map(|(f, _)| f.clone())
                    .collect()
            }
            _ => Vec::new(),
        };
        let stale = !changed_files.is_empty();
        if stale || !stale_only {
            views.push(FactView {
                item,
                stale,
                changed_files,
            });
        }
    }
    Ok(Outcome {
        data: views,
        warnings: listed.warnings,
        instructions: listed.instructions,
    })
}
