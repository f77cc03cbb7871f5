//! The working memory an agent loads: project, sprint, the missions in play, constraints,
//! decisions, the last handover, open next steps and the project notes, ranked and cut to a
//! token budget. `onboard` is the same with what a newcomer should do first.

use serde::Serialize;

use super::{Instructions, Outcome, Workspace};
use crate::error::Result;
use crate::format::layout;
use crate::model::{Item, ItemKind, ItemStatus, Session, SessionStatus, Status};
use crate::next::{Action, Input, Names, Op};

/// How tokens are counted: a budget needs an estimate, not a tokenizer.
pub const TOKEN_ESTIMATE: &str = "characters / 4 of the Markdown rendering, rounded up";

/// How many entries a section holds before any budget applies.
pub const SECTION_CAP: usize = 20;

/// One part of the context, in the order of importance.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// A stable key: project, active, in_progress, next, constraints, blocked, last_session,
    /// next_steps, decisions, notes, learnings, suggested_actions.
    pub name: &'static str,
    pub title: String,
    pub entries: Vec<Entry>,
    /// Entries left out, by the section's cap or the budget.
    pub omitted: usize,
    /// There are more records of this kind than the section shows (it reads only the newest,
    /// so it does not count them): the kind to list them all by; the instructions hold the
    /// action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub more: Option<ItemKind>,
}

/// One line of a section.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub text: String,
}

impl Entry {
    fn new(id: Option<&str>, text: impl Into<String>) -> Entry {
        Entry {
            id: id.map(str::to_string),
            text: text.into(),
        }
    }

    /// The Markdown list item for this entry.
    fn markdown(&self) -> String {
        match &self.id {
            Some(id) => format!("- [{id}] {}\n", self.text),
            None => format!("- {}\n", self.text),
        }
    }
}

/// The context, cut to the budget.
#[derive(Debug, Serialize)]
pub struct Context {
    pub project: String,
    pub sections: Vec<Section>,
    pub budget: Budget,
    /// Which state of the branch was read and the view's parameters; `context view` sets
    /// it (see `ops::context_view`), onboarding leaves it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub view: Option<super::context_view::ViewPoint>,
}

#[derive(Debug, Serialize)]
pub struct Budget {
    /// The budget asked for, if any.
    pub tokens: Option<usize>,
    /// The estimated size of what is included.
    pub used: usize,
    pub estimate: &'static str,
    /// Entries left out in all, by caps and budget.
    pub omitted: usize,
}

impl Context {
    /// The context as Markdown, which is also what the budget measures; where a section has
    /// more records, it says so in words.
    pub fn markdown(&self) -> String {
        self.render(None)
    }

    /// The Markdown with the commands or tool calls that list the rest named by `names`.
    pub fn markdown_for(&self, names: &dyn Names) -> String {
        self.render(Some(names))
    }

    fn render(&self, names: Option<&dyn Names>) -> String {
        let mut out = format!("# {}\n", self.project);
        for section in &self.sections {
            out.push_str(&section_markdown(section, names));
        }
        if self.budget.omitted > 0 {
            out.push_str(&footer(
                self.budget.omitted,
                self.budget.tokens.unwrap_or(0),
            ));
        }
        out
    }
}

/// A section as Markdown; without `names`, the line pointing at the rest is in words, which
/// is what the budget measures (never shorter than a command or tool call that lists them).
fn section_markdown(section: &Section, names: Option<&dyn Names>) -> String {
    let mut out = format!("\n## {}\n", section.title);
    for entry in &section.entries {
        out.push_str(&entry.markdown());
    }
    if section.omitted > 0 {
        out.push_str(&format!("- … {} more\n", section.omitted));
    }
    if let Some(kind) = section.more {
        out.push_str(&more_line(kind, names));
    }
    out
}

/// The line that says where the rest of a section's records are.
fn more_line(kind: ItemKind, names: Option<&dyn Names>) -> String {
    match names.and_then(|n| n.action(&Action::new(Op::ItemList(kind)))) {
        Some(how) => format!("- … more: `{how}`\n"),
        None => format!("- … more: the full list of {}\n", kind.log_dir()),
    }
}

/// Tokens of `text` by the estimate.
fn tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// Builds the context of the project, cut to `budget` tokens when given.
pub fn context(ws: &Workspace, budget: Option<usize>) -> Result<Outcome<Context>> {
    let snapshot = ws.snapshot()?;
    let (shape, problem) = windowed(ws, &snapshot)?;
    let (sections, project, instructions) = gather(ws, &snapshot, &shape, true)?;
    check_budget(&project, budget)?;
    Ok(with_problem(
        outcome(fit(project, sections, budget), instructions),
        problem,
    ))
}

/// The default shape with the windows `.cmos/context.toml` sets at `snapshot`; a file with
/// a problem leaves the defaults, and the problem is returned to warn about.
pub(super) fn windowed(
    ws: &Workspace,
    snapshot: &crate::store::Snapshot<'_>,
) -> Result<(Shape, Option<String>)> {
    let mut shape = Shape::default();
    let Some(bytes) = ws
        .store()
        .branch_file(snapshot, super::context_windows::PATH)?
    else {
        return Ok((shape, None));
    };
    match super::context_windows::parse(&bytes) {
        Ok(file) => {
            shape.windows = file.windows;
            Ok((shape, None))
        }
        Err(problem) => Ok((
            shape,
            Some(format!(
                "{problem}; the context loads everything, as if the file were absent"
            )),
        )),
    }
}

fn with_problem(outcome: Outcome<Context>, problem: Option<String>) -> Outcome<Context> {
    match problem {
        Some(problem) => outcome.warn(problem),
        None => outcome,
    }
}

/// Refuses a budget too small to hold anything.
pub(super) fn check_budget(project: &str, budget: Option<usize>) -> Result<()> {
    match budget {
        Some(b) if b < minimum_budget(project, b) => {
            Err(crate::error::Error::InvalidInput(format!(
                "a budget of {b} tokens cannot hold even the project's title and the note of what was left out; give at least {} (tokens are estimated as {TOKEN_ESTIMATE})",
                minimum_budget(project, b)
            )))
        }
        _ => Ok(()),
    }
}

/// The context for an agent new to the project, with what to do first in words.
pub fn onboard(ws: &Workspace, budget: Option<usize>) -> Result<Outcome<Context>> {
    onboard_for(ws, budget, None)
}

/// The context for an agent new to the project, with what to do first, each step with the
/// command or tool call that does it as `names` spells it (measured against the budget as
/// shown).
pub fn onboard_for(
    ws: &Workspace,
    budget: Option<usize>,
    names: Option<&dyn Names>,
) -> Result<Outcome<Context>> {
    let snapshot = ws.snapshot()?;
    let (shape, problem) = windowed(ws, &snapshot)?;
    let (mut sections, project, mut instructions) = gather(ws, &snapshot, &shape, true)?;
    check_budget(&project, budget)?;
    let mut actions: Vec<Entry> = instructions
        .next_actions
        .iter()
        .map(|a| Entry::new(None, a.clone()))
        .collect();
    let steps = [
        (
            "Work in a session: start one for the work at hand.",
            Some(
                Action::new(Op::SessionStart)
                    .needs(Input::SessionType)
                    .needs(Input::Title),
            ),
        ),
        (
            "Capture decisions, learnings, constraints and next steps in it as they happen.",
            Some(
                Action::new(Op::SessionCapture)
                    .needs(Input::Category)
                    .needs(Input::Text),
            ),
        ),
        (
            "Read a mission in full before starting it; start it, and complete it when its success criteria are met.",
            Some(Action::new(Op::MissionShow).needs(Input::MissionId)),
        ),
        (
            "Before stopping, complete the session with a summary and next steps.",
            Some(
                Action::new(Op::SessionComplete)
                    .needs(Input::Summary)
                    .needs(Input::NextStep),
            ),
        ),
        (
            "Every result carries instructions: what to do next, and the commands or calls that do it.",
            None,
        ),
    ];
    for (text, action) in steps {
        let how = action
            .as_ref()
            .and_then(|a| names.and_then(|n| n.action(a)));
        actions.push(Entry::new(
            None,
            match how {
                Some(how) => format!("{} (`{how}`).", text.trim_end_matches('.')),
                None => text.to_string(),
            },
        ));
        // The how, typed, for each front-end to name in the instructions.
        instructions.suggested.extend(action);
    }
    // What to do comes right after where things stand, ahead of the history.
    let at = sections
        .iter()
        .position(|s| s.name == "constraints")
        .unwrap_or(sections.len());
    sections.insert(
        at,
        Section {
            name: "suggested_actions",
            title: "Suggested actions".into(),
            entries: actions,
            omitted: 0,
            more: None,
        },
    );
    Ok(with_problem(
        outcome(fit(project, sections, budget), instructions),
        problem,
    ))
}

pub(super) fn outcome(context: Context, mut instructions: Instructions) -> Outcome<Context> {
    for section in &context.sections {
        if let Some(kind) = section.more {
            instructions.suggested.push(Action::new(Op::ItemList(kind)));
        }
    }
    Outcome {
        data: context,
        warnings: Vec::new(),
        instructions,
    }
}

/// How much of each section, and which records: what `context view` may narrow.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    /// Entries a section holds before any budget applies.
    pub cap: usize,
    /// Only decisions, learnings, constraints and next steps of this category.
    pub domain: Option<String>,
    /// What the condensation left loaded (`.cmos/context.toml`).
    pub windows: super::context_windows::Windows,
    /// Next steps to leave out as if closed: a condensation's estimate before it writes.
    pub closed: std::collections::HashSet<String>,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            cap: SECTION_CAP,
            domain: None,
            windows: Default::default(),
            closed: Default::default(),
        }
    }
}

impl Shape {
    /// The newest Active items of `kind` in the shape's domain, one past the cap.
    fn newest(
        &self,
        ws: &Workspace,
        snapshot: &crate::store::Snapshot<'_>,
        kind: ItemKind,
    ) -> Result<Vec<Item>> {
        let Some(domain) = self.domain.as_deref().map(str::trim) else {
            return ws.store().newest_active(snapshot, kind, self.cap + 1);
        };
        let (mut items, _) = ws.store().items(snapshot, kind)?;
        items.retain(|i| i.status == ItemStatus::Active && self.in_domain(i, domain));
        items.reverse();
        items.truncate(self.cap + 1);
        Ok(items)
    }

    fn in_domain(&self, item: &Item, domain: &str) -> bool {
        item.category
            .as_deref()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case(domain))
    }
}

/// Every section at its cap, in order of importance, with the project name and instructions,
/// read from `snapshot`; `worktree` adds what this worktree is doing (not for a past state).
pub(super) fn gather(
    ws: &Workspace,
    snapshot: &crate::store::Snapshot<'_>,
    shape: &Shape,
    worktree: bool,
) -> Result<(Vec<Section>, String, Instructions)> {
    let meta = &snapshot.meta;
    let digest = &snapshot.digest;
    let project = meta.project()?;
    let mut instructions = Instructions::from_digest(meta, digest);
    if worktree {
        ws.remind(&mut instructions);
    }
    let cap = shape.cap;
    let mut sections = Vec::new();

    let mut about = Vec::new();
    if let Some(description) = &project.description {
        about.push(Entry::new(None, description.clone()));
    }
    let totals = &digest.totals;
    about.push(Entry::new(
        None,
        format!(
            "{} missions: {} completed, {} in progress, {} blocked, {} queued",
            totals.total,
            totals.get(Status::Completed),
            totals.get(Status::InProgress),
            totals.get(Status::Blocked),
            totals.get(Status::Queued) + totals.get(Status::Current),
        ),
    ));
    match project
        .current_sprint
        .as_deref()
        .and_then(|s| meta.sprints.get(s))
    {
        Some(sprint) => {
            let counts = digest.sprint(&sprint.id);
            let focus = sprint
                .focus
                .as_deref()
                .map_or(String::new(), |f| format!("; focus: {f}"));
            about.push(Entry::new(
                Some(&sprint.id),
                format!(
                    "current sprint {}: {}% done ({} of {} missions){focus}",
                    sprint.title,
                    super::sprint::progress(&counts),
                    counts.get(Status::Completed),
                    counts.total
                ),
            ));
        }
        None => about.push(Entry::new(None, "no sprint is current")),
    }
    sections.push(section(cap, "project", "Project", about, 0));

    let mut active = Vec::new();
    if let Some(s) = &instructions.context.active_session {
        active.push(Entry::new(
            Some(&s.id),
            format!(
                "your open {} session \"{}\", {} so far, {} captures",
                s.kind, s.title, s.elapsed, s.captures
            ),
        ));
    }
    if let Some(m) = &instructions.context.active_mission {
        active.push(Entry::new(
            Some(&m.id),
            format!(
                "your active mission \"{}\" ({}), {} worked",
                m.name, m.status, m.worked
            ),
        ));
    }
    if !active.is_empty() {
        sections.push(section(cap, "active", "This worktree", active, 0));
    }

    let in_progress = digest
        .in_progress
        .iter()
        .map(|m| Entry::new(Some(&m.id), m.name.clone()))
        .collect();
    let more = totals
        .get(Status::InProgress)
        .saturating_sub(digest.in_progress.len());
    sections.push(section(
        cap,
        "in_progress",
        "In progress",
        in_progress,
        more,
    ));

    let next = match &digest.next {
        Some(m) => vec![Entry::new(
            Some(&m.id),
            format!("{} ({}; {})", m.name, m.status, digest.next_reason),
        )],
        None => vec![Entry::new(None, digest.next_reason.clone())],
    };
    sections.push(section(cap, "next", "Next", next, 0));

    // Every constraint in force applies, however old; the section lists the newest up to
    // its cap and says when there are more, so the newest one past the cap is enough.
    let constraints = shape.newest(ws, snapshot, ItemKind::Constraint)?;
    sections.push(items_section(
        cap,
        "constraints",
        "Constraints",
        &constraints,
        |i| i.text.clone(),
    ));

    let blocked = digest
        .blocked
        .iter()
        .map(|m| {
            let reason = m.blocked_reason.as_deref().unwrap_or("no reason recorded");
            Entry::new(Some(&m.id), format!("{}: blocked by {reason}", m.name))
        })
        .collect();
    let more = totals
        .get(Status::Blocked)
        .saturating_sub(digest.blocked.len());
    sections.push(section(cap, "blocked", "Blocked", blocked, more));

    if let Some(last) = last_handover(ws, snapshot)? {
        sections.push(handover_section(cap, &last));
    }

    let mut earlier = Earlier::of(ws, snapshot, shape)?;
    let steps = earlier.listed(ws, snapshot, shape, ItemKind::NextStep)?;
    sections.push(items_section(
        cap,
        "next_steps",
        "Open next steps",
        &steps,
        |i| match &i.sprint {
            Some(sprint) => format!("{} (sprint {sprint})", i.text),
            None => i.text.clone(),
        },
    ));

    let decisions = earlier.listed(ws, snapshot, shape, ItemKind::Decision)?;
    sections.push(items_section(
        cap,
        "decisions",
        "Recent decisions",
        &decisions,
        |i| match &i.rationale {
            Some(why) => format!("{} (because {})", i.text, first_sentence(why)),
            None => i.text.clone(),
        },
    ));

    if let Some(notes) = ws.store().branch_file(snapshot, layout::NOTES)? {
        let text = String::from_utf8_lossy(&notes);
        let paragraphs: Vec<Entry> = text
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| Entry::new(None, p.replace('\n', " ")))
            .collect();
        sections.push(section(cap, "notes", "Project notes", paragraphs, 0));
    }

    let learnings = earlier.listed(ws, snapshot, shape, ItemKind::Learning)?;
    sections.push(items_section(
        cap,
        "learnings",
        "Recent learnings",
        &learnings,
        |i| i.text.clone(),
    ));
    if let Some(summaries) = earlier.section(cap, snapshot) {
        sections.push(summaries);
    }

    sections.retain(|s| !s.entries.is_empty() || s.omitted > 0);
    Ok((sections, project.name.clone(), instructions))
}

fn section(
    cap: usize,
    name: &'static str,
    title: &str,
    mut entries: Vec<Entry>,
    more: usize,
) -> Section {
    let over = entries.len().saturating_sub(cap);
    entries.truncate(cap);
    Section {
        name,
        title: title.into(),
        entries,
        omitted: over + more,
        more: None,
    }
}

/// Active items, newest first, each as `text`. Given one item past the cap, the section
/// says there are more and where to see them.
fn items_section(
    cap: usize,
    name: &'static str,
    title: &str,
    items: &[Item],
    text: impl Fn(&Item) -> String,
) -> Section {
    let entries = items
        .iter()
        .take(cap)
        .map(|i| Entry::new(Some(&i.id), one_line(&text(i))))
        .collect();
    let mut section = section(cap, name, title, entries, 0);
    if let Some(kind) = items.first().map(|i| i.kind)
        && items.len() > cap
    {
        section.more = Some(kind);
    }
    section
}

/// The most recently completed session among the latest ones.
fn last_handover(ws: &Workspace, snapshot: &crate::store::Snapshot<'_>) -> Result<Option<Session>> {
    for want in [10, 100] {
        let recent = ws.store().recent_sessions(snapshot, want)?;
        let done = recent
            .iter()
            .filter(|s| s.status == SessionStatus::Completed)
            .max_by_key(|s| (s.completed_at, s.started_at));
        if let Some(done) = done {
            return Ok(Some(done.clone()));
        }
        if recent.len() < want {
            break;
        }
    }
    Ok(None)
}

fn handover_section(cap: usize, s: &Session) -> Section {
    let when = s.completed_at.map_or(String::new(), |t| format!(" on {t}"));
    let mut entries = vec![Entry::new(
        Some(&s.id),
        format!(
            "{} session \"{}\" by {}{when}: {}",
            s.kind,
            s.title,
            s.agent,
            one_line(s.summary.as_deref().unwrap_or("no summary"))
        ),
    )];
    entries.extend(
        s.next_steps
            .iter()
            .map(|step| Entry::new(None, format!("next: {}", one_line(step)))),
    );
    section(cap, "last_session", "Last session", entries, 0)
}

/// Keeps whole entries in order of importance while they fit in `budget` tokens; an entry
/// that does not fit is left out (and counted), smaller ones after it may still go in. The
/// Markdown of the result, footer included, stays within the budget.
pub(super) fn fit(project: String, sections: Vec<Section>, budget: Option<usize>) -> Context {
    let mut used = tokens(&format!("# {project}\n"));
    let mut kept = Vec::new();
    let mut omitted = 0;
    // Room for the footer that says how much was left out.
    let limit = budget.map(|b| b.saturating_sub(tokens(&footer(99_999, b))));
    for mut section in sections {
        let Some(limit) = limit else {
            used += tokens(&section_markdown(&section, None));
            omitted += section.omitted;
            kept.push(section);
            continue;
        };
        let mut cost = tokens(&format!("\n## {}\n", section.title));
        let mut entries = Vec::new();
        for entry in std::mem::take(&mut section.entries) {
            let size = tokens(&entry.markdown());
            if used + cost + size <= limit {
                cost += size;
                entries.push(entry);
            } else {
                section.omitted += 1;
            }
        }
        // The lines saying what is left out must fit too: give back entries until they do.
        while used + cost + tail(&section) > limit {
            let Some(last) = entries.pop() else { break };
            cost -= tokens(&last.markdown());
            section.omitted += 1;
        }
        if entries.is_empty() {
            omitted += section.omitted;
            continue;
        }
        cost += tail(&section);
        omitted += section.omitted;
        section.entries = entries;
        used += cost;
        kept.push(section);
    }
    if omitted > 0 {
        used += tokens(&footer(omitted, budget.unwrap_or(0)));
    }
    Context {
        project,
        sections: kept,
        budget: Budget {
            tokens: budget,
            used,
            estimate: TOKEN_ESTIMATE,
            omitted,
        },
        view: None,
    }
}

/// Tokens of the lines that end a section: how many entries were left out, and where more are.
fn tail(section: &Section) -> usize {
    let mut text = String::new();
    if section.omitted > 0 {
        text.push_str(&format!("- … {} more\n", section.omitted));
    }
    if let Some(kind) = section.more {
        text.push_str(&more_line(kind, None));
    }
    if text.is_empty() { 0 } else { tokens(&text) }
}

/// The smallest budget that holds the title and the footer: below it nothing fits.
fn minimum_budget(project: &str, budget: usize) -> usize {
    tokens(&format!("# {project}\n")) + tokens(&footer(99_999, budget))
}

fn footer(omitted: usize, budget: usize) -> String {
    let fit = if budget > 0 {
        format!(" to fit {budget} tokens")
    } else {
        String::new()
    };
    format!(
        "\n_{omitted} more entries left out{fit}; the full lists of decisions, next steps and missions hold them._\n"
    )
}

/// Text on one line, cut to 300 characters: a context line, not the record.
fn one_line(text: &str) -> String {
    crate::model::text::one_line_cut(text, 300)
}

fn first_sentence(text: &str) -> String {
    let end = text.find(". ").map_or(text.len(), |i| i + 1);
    one_line(&text[..end])
}

/// The completed sprints a window leaves out of the detail (older than the newest
/// `sprint_detail` completed ones), and how many records of each it left out.
struct Earlier {
    /// The sprints summarised, oldest first.
    sprints: Vec<crate::model::Sprint>,
    /// (decisions, learnings, open next steps) left out, by sprint id.
    counts: std::collections::HashMap<String, [usize; 3]>,
}

impl Earlier {
    fn of(ws: &Workspace, snapshot: &crate::store::Snapshot<'_>, shape: &Shape) -> Result<Self> {
        let _ = ws;
        let sprints = match shape.windows.sprint_detail {
            None => Vec::new(),
            Some(keep) => {
                let completed: Vec<crate::model::Sprint> = snapshot
                    .meta
                    .sprints_in_order()
                    .into_iter()
                    .filter(|s| s.status == crate::model::SprintStatus::Completed)
                    .cloned()
                    .collect();
                let older = completed.len().saturating_sub(keep as usize);
                completed[..older].to_vec()
            }
        };
        Ok(Earlier {
            sprints,
            counts: Default::default(),
        })
    }

    /// The newest Active items of `kind` the context lists, one past the cap: those of a
    /// summarised sprint and next steps taken as closed are left out (and counted).
    fn listed(
        &mut self,
        ws: &Workspace,
        snapshot: &crate::store::Snapshot<'_>,
        shape: &Shape,
        kind: ItemKind,
    ) -> Result<Vec<Item>> {
        if self.sprints.is_empty() && (kind != ItemKind::NextStep || shape.closed.is_empty()) {
            return shape.newest(ws, snapshot, kind);
        }
        let (mut items, _) = ws.store().items(snapshot, kind)?;
        items.retain(|i| {
            i.status == ItemStatus::Active
                && !shape.closed.contains(&i.id)
                && shape
                    .domain
                    .as_deref()
                    .is_none_or(|d| shape.in_domain(i, d.trim()))
        });
        let of_sprint = super::knowledge::item_sprints(ws, snapshot, &items)?;
        let slot = match kind {
            ItemKind::Decision => 0,
            ItemKind::Learning => 1,
            _ => 2,
        };
        let mut kept = Vec::new();
        for (item, sprint) in items.into_iter().zip(of_sprint) {
            let summarised = sprint.as_deref().and_then(|name| {
                let found = snapshot.meta.find_sprint(name).ok().flatten()?;
                self.sprints
                    .iter()
                    .any(|s| s.id == found.id)
                    .then(|| found.id.clone())
            });
            match summarised {
                Some(id) => self.counts.entry(id).or_default()[slot] += 1,
                None => kept.push(item),
            }
        }
        kept.reverse();
        kept.truncate(shape.cap + 1);
        Ok(kept)
    }

    /// One line per summarised sprint, the newest first.
    fn section(&self, cap: usize, snapshot: &crate::store::Snapshot<'_>) -> Option<Section> {
        if self.sprints.is_empty() {
            return None;
        }
        let entries = self
            .sprints
            .iter()
            .rev()
            .map(|s| {
                let counts = snapshot.digest.sprint(&s.id);
                let [d, l, n] = self.counts.get(&s.id).copied().unwrap_or_default();
                Entry::new(
                    Some(&s.id),
                    format!(
                        "{}: {} of {} missions completed; {d} decisions, {l} learnings, {n} open next steps not listed",
                        s.title,
                        counts.get(Status::Completed),
                        counts.total
                    ),
                )
            })
            .collect();
        Some(section(
            cap,
            "earlier_sprints",
            "Earlier sprints (summaries)",
            entries,
            0,
        ))
    }
}
