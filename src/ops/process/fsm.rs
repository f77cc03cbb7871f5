//! Where the project is in its process graph. Every move is an `fsm.transition` event in
//! the activity log (merged as a union), and each clone keeps its own latest move in
//! `.cmos/fsm/<writer>.toml`: no file is rewritten by two clones, so a sync merges their
//! moves without conflict. The state is the latest of those files by (moves, time, writer):
//! the move count grows by one with each move, so a move made after seeing another sorts
//! after it whatever the clocks say, and concurrent moves are ordered the same way by every
//! clone. Operations emit their events inside their own write (`emit`); `step` takes any
//! other event by hand.

use serde::{Deserialize, Serialize};

use super::{graph_in, graph_of};
use crate::error::{FileProblem, Result};
use crate::format::codec::{from_toml, to_toml};
use crate::format::layout;
use crate::lifecycle::process::{self, Graph, SuggestedAction};
use crate::model::{Status, Timestamp};
use crate::ops::{Outcome, Workspace};
use crate::store::{DirQuery, Tx};

/// Largest state file read: a few names and the clone's latest moves.
const MAX_STATE_BYTES: usize = 64 * 1024;
/// State files read: one per clone that ever moved the project. A directory with more is
/// not read (the project reads as not having moved, with a warning where one is shown).
const MAX_WRITERS: usize = 4096;
/// The activity log's kind of a move.
const TRANSITION: &str = "fsm.transition";
/// Moves shown by `show`, newest last.
const SHOWN_HISTORY: usize = 20;

/// A clone's latest move: where it left the project, the move that brought it there and
/// what that move suggests doing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FsmState {
    pub state: String,
    pub event: String,
    pub from: String,
    pub updated_at: Timestamp,
    pub by: String,
    /// How many moves led here: one more than the state this move started from had.
    #[serde(default)]
    pub moves: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<SuggestedAction>,
    /// This clone's latest moves, oldest first, at most `SHOWN_HISTORY`: the latest moves of
    /// the project are among the latest of each clone, so `show` reads them here instead of
    /// searching the whole activity log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent: Vec<Moved>,
}

/// One move as the history shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moved {
    pub at: Timestamp,
    pub by: String,
    pub from: String,
    pub event: String,
    pub to: String,
    /// The move count after it, which orders moves across clones.
    pub moves: u64,
}

/// A move made.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub from: String,
    pub event: String,
    pub to: String,
    pub action: Option<SuggestedAction>,
}

/// Where the project is and what it can do next.
#[derive(Debug, Serialize)]
pub struct FsmView {
    pub state: String,
    /// The events the state accepts.
    pub accepted: Vec<String>,
    /// What the move into this state suggests doing.
    pub action: Option<SuggestedAction>,
    /// `branch` or `default`: which graph is in force.
    pub graph: &'static str,
    /// When the project got here (none: it has not moved yet).
    pub since: Option<Timestamp>,
    /// The latest moves, oldest first.
    pub history: Vec<Moved>,
    /// The move this command made, if it made one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moved: Option<Move>,
}

fn parse_state(path: &str, bytes: &[u8]) -> std::result::Result<FsmState, FileProblem> {
    if bytes.len() > MAX_STATE_BYTES {
        return Err(FileProblem {
            path: path.into(),
            line: None,
            column: None,
            message: format!("{} bytes; at most {MAX_STATE_BYTES} are read", bytes.len()),
        });
    }
    from_toml(path, bytes)
}

/// A clone's writer id and its state.
type WriterState = (String, FsmState);

/// Every clone's state file that reads, by writer, and the files that could not be read:
/// each is skipped, so one bad file never stops the others.
fn states(files: Option<Vec<(String, Vec<u8>)>>) -> (Vec<WriterState>, Vec<FileProblem>) {
    let Some(files) = files.filter(|f| f.len() <= MAX_WRITERS) else {
        let problem = FileProblem {
            path: format!("{}/{}", layout::ROOT, layout::FSM),
            line: None,
            column: None,
            message: format!(
                "more than {MAX_WRITERS} state files: none is read, so the project reads as not having moved"
            ),
        };
        return (Vec::new(), vec![problem]);
    };
    let mut read = Vec::new();
    let mut problems = Vec::new();
    for (path, bytes) in files {
        let writer = path.rsplit('/').next().and_then(layout::record_id);
        let Some(writer) = writer else {
            problems.push(FileProblem {
                path,
                line: None,
                column: None,
                message: "not a state file: they are named <writer>.toml".into(),
            });
            continue;
        };
        match parse_state(&path, &bytes) {
            Ok(state) => read.push((writer.to_string(), state)),
            Err(problem) => problems.push(problem),
        }
    }
    (read, problems)
}

/// The latest state and its writer: by moves, then time, then writer, the same in every
/// clone.
fn newest(states: &[WriterState]) -> Option<&WriterState> {
    states
        .iter()
        .max_by(|(wa, a), (wb, b)| (a.moves, a.updated_at, wa).cmp(&(b.moves, b.updated_at, wb)))
}

/// The latest `SHOWN_HISTORY` of `moves` (each with the clone that made it), oldest first.
fn latest_moves<'a>(moves: impl Iterator<Item = (&'a str, &'a Moved)>) -> Vec<(String, Moved)> {
    let mut all: Vec<(&str, &Moved)> = moves.collect();
    all.sort_by(|(wa, a), (wb, b)| (a.moves, a.at, wa).cmp(&(b.moves, b.at, wb)));
    let skip = all.len().saturating_sub(SHOWN_HISTORY);
    all.into_iter()
        .skip(skip)
        .map(|(writer, m)| (writer.to_string(), m.clone()))
        .collect()
}

/// What the state files of every clone but this one say, as the local cache keeps it between
/// commands (a clone's own file changes with each of its moves, the others' rarely).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Others {
    /// More state files than are read: then none is, this clone's own included.
    too_many: bool,
    newest: Option<WriterState>,
    /// Their latest moves, oldest first, by writer.
    history: Vec<(String, Moved)>,
    problems: Vec<FileProblem>,
}

impl Others {
    fn of(files: Option<Vec<(String, Vec<u8>)>>) -> Others {
        let too_many = files.as_ref().is_none_or(|f| f.len() > MAX_WRITERS);
        let (read, problems) = states(files);
        let moves = read
            .iter()
            .flat_map(|(writer, state)| state.recent.iter().map(move |m| (writer.as_str(), m)));
        Others {
            too_many,
            newest: newest(&read).cloned(),
            history: latest_moves(moves),
            problems,
        }
    }
}

/// Where every clone's state file leaves the project.
struct Known {
    /// The project's state: the latest of every clone's.
    newest: Option<FsmState>,
    /// The project's latest moves, oldest first.
    history: Vec<Moved>,
    /// State files that could not be read.
    problems: Vec<FileProblem>,
    /// This clone's latest moves, oldest first.
    own_recent: Vec<Moved>,
}

impl Known {
    /// `others` with this clone's own state file (`own`: its writer, path and bytes).
    fn with_own(others: Others, own: Option<(String, String, Vec<u8>)>) -> Known {
        let mut candidates: Vec<WriterState> = others.newest.into_iter().collect();
        let mut problems = others.problems;
        let mut own_recent = Vec::new();
        let mut own_writer = String::new();
        if let Some((writer, path, bytes)) = own.filter(|_| !others.too_many) {
            match parse_state(&path, &bytes) {
                Ok(state) => {
                    own_recent = state.recent.clone();
                    own_writer = writer.clone();
                    candidates.push((writer, state));
                }
                Err(problem) => problems.push(problem),
            }
        }
        let moves = others
            .history
            .iter()
            .map(|(writer, m)| (writer.as_str(), m))
            .chain(own_recent.iter().map(|m| (own_writer.as_str(), m)));
        let history = latest_moves(moves).into_iter().map(|(_, m)| m).collect();
        Known {
            newest: newest(&candidates).map(|(_, state)| state.clone()),
            history,
            problems,
            own_recent,
        }
    }
}

/// The cache of the other clones' states, leaving out `own_path` (this clone's file).
fn others_query(own_path: Option<&str>) -> DirQuery<'_> {
    DirQuery {
        dir: layout::FSM,
        leave_out: own_path,
        limit: MAX_WRITERS - usize::from(own_path.is_some()),
        name: "fsm-states",
    }
}

/// Where the state files leave the project within a write, as the write has them so far.
fn known_in(tx: &Tx<'_>) -> Result<Known> {
    let own_path = layout::fsm_path(tx.writer());
    let others = tx.dir_memo(&others_query(Some(&own_path)), Others::of)?;
    let own = tx
        .file(&own_path)?
        .map(|bytes| (tx.writer().to_string(), own_path, bytes));
    Ok(Known::with_own(others, own))
}

/// Where the state files of `commit` leave the project.
fn known_at(ws: &Workspace, commit: crate::store::CommitId) -> Result<Known> {
    let store = ws.store();
    let writer = store.writer_if_any();
    let own_path = writer.as_deref().map(layout::fsm_path);
    let others = store.dir_memo_at(commit, &others_query(own_path.as_deref()), Others::of)?;
    let own = match (writer, own_path) {
        (Some(writer), Some(path)) => store
            .file_at(commit, &path)?
            .map(|bytes| (writer, path, bytes)),
        _ => None,
    };
    Ok(Known::with_own(others, own))
}

/// The state as of a write, if the project has moved yet. State files that do not read are
/// skipped (`show` and `verify` name them).
pub(crate) fn recorded(tx: &Tx<'_>) -> Result<Option<FsmState>> {
    Ok(known_in(tx)?.newest)
}

/// The state files of `commit` that could not be read (`verify` lists them).
pub(crate) fn state_problems(
    ws: &Workspace,
    commit: crate::store::CommitId,
) -> Result<Vec<FileProblem>> {
    Ok(known_at(ws, commit)?.problems)
}

/// Takes `event` from the current state within a write: records the new state, writes the
/// default graph down when the branch has none, and logs the move. A state that does not
/// accept the event is refused with the events it does accept.
pub(crate) fn take(tx: &mut Tx<'_>, graph: &Graph, event: &str) -> Result<Move> {
    let known = known_in(tx)?;
    take_from(tx, graph, event, known)
}

/// [`take`], from where the state files left the project as the write read them (`known`).
fn take_from(tx: &mut Tx<'_>, graph: &Graph, event: &str, known: Known) -> Result<Move> {
    let current = known.newest;
    let mut recent = known.own_recent;
    let from = current
        .as_ref()
        .map_or(graph.initial().to_string(), |s| s.state.clone());
    let row = process::check_step(graph, &from, event)?;
    let moved = Move {
        from: from.clone(),
        event: event.to_string(),
        to: row.next.clone(),
        action: row.action(),
    };
    let state = FsmState {
        state: moved.to.clone(),
        event: event.to_string(),
        from,
        updated_at: tx.now(),
        by: tx.agent().to_string(),
        moves: current.as_ref().map_or(0, |s| s.moves) + 1,
        action: moved.action.clone(),
        recent: Vec::new(),
    };
    recent.push(Moved {
        at: state.updated_at,
        by: state.by.clone(),
        from: state.from.clone(),
        event: state.event.clone(),
        to: state.state.clone(),
        moves: state.moves,
    });
    let skip = recent.len().saturating_sub(SHOWN_HISTORY);
    recent.drain(..skip);
    let state = FsmState { recent, ..state };
    if tx.file(layout::PROCESS)?.is_none() {
        // The default was in force without a write; the first move records it, so a later
        // change to the built-in default never changes this project's graph under it.
        tx.put_file(layout::PROCESS, process::DEFAULT_GRAPH.as_bytes().to_vec());
    }
    let own = layout::fsm_path(tx.writer());
    tx.put_file(&own, to_toml(&state)?);
    if let Some(action) = moved
        .action
        .as_ref()
        .filter(|a| a.action_type == process::ActionType::Remote)
    {
        super::requests::open(tx, &moved.to, event, action);
    }
    tx.record(
        TRANSITION,
        "process",
        Some(moved.from.clone()),
        Some(moved.to.clone()),
        Some(event.to_string()),
    );
    Ok(moved)
}

/// An event an operation emits inside its own write. The operation never fails for it: a
/// graph that does not accept the event (or cannot be read) records nothing.
pub(crate) fn emit(tx: &mut Tx<'_>, event: &str) -> Option<Move> {
    let (graph, _) = graph_in(tx).ok()?;
    // The state files are read once for both steps.
    let known = known_in(tx).ok()?;
    let state = known.newest.as_ref().map_or(graph.initial(), |s| &s.state);
    graph.row(state, event)?;
    take_from(tx, &graph, event, known).ok()
}

/// The events a mission's move emits, worked out inside its write: completing emits
/// `mission_completed`, or `sprint_tasks_done` when it was the last open mission of the
/// current sprint; blocking emits `mission_blocked`; unblocking `unblocked`.
pub(crate) fn emit_for_mission(
    tx: &mut Tx<'_>,
    id: &str,
    from: Status,
    to: Status,
) -> Option<Move> {
    let event = match to {
        Status::Completed => {
            let current = tx.meta().project.as_ref()?.current_sprint.clone();
            let sprint = tx.entry(id).ok()??.sprint;
            let sprint_done = match (&current, &sprint) {
                (Some(current), Some(sprint)) if current == sprint => {
                    !tx.has_open_in_sprint(current).ok()?
                }
                _ => false,
            };
            if sprint_done {
                "sprint_tasks_done"
            } else {
                "mission_completed"
            }
        }
        Status::Blocked => "mission_blocked",
        _ if from == Status::Blocked => "unblocked",
        _ => return None,
    };
    emit(tx, event)
}

fn view_of(ws: &Workspace, moved: Option<Move>) -> Result<Outcome<FsmView>> {
    let snapshot = ws.snapshot()?;
    let store = ws.store();
    let graph_bytes = store.branch_file(&snapshot, layout::PROCESS)?;
    let (graph, source) = graph_of(graph_bytes.as_deref())?;
    let Known {
        newest: state,
        history,
        problems,
        ..
    } = known_at(ws, snapshot.commit)?;
    let name = state
        .as_ref()
        .map_or(graph.initial().to_string(), |s| s.state.clone());
    let view = FsmView {
        accepted: graph
            .accepted(&name)
            .into_iter()
            .map(str::to_string)
            .collect(),
        action: state.as_ref().and_then(|s| s.action.clone()),
        since: state.as_ref().map(|s| s.updated_at),
        state: name,
        graph: source,
        history,
        moved,
    };
    let mut outcome = Outcome::read(view, &snapshot);
    outcome.warnings.extend(
        problems
            .into_iter()
            .map(|p| super::super::Warning::from(format!("a process state file was skipped: {p}"))),
    );
    Ok(outcome)
}

/// The project's state and suggested action, as every response recalls them.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessReminder {
    pub state: String,
    pub suggested_action: Option<SuggestedAction>,
}

/// The state at the branch tip, read without the index (every response asks). None when the
/// branch cannot say: no project, or a state or graph file that does not read (the commands
/// about the graph report those).
pub fn reminder(ws: &Workspace) -> Option<ProcessReminder> {
    let store = ws.store();
    let tip = store.tip().ok()??;
    match known_at(ws, tip).ok()?.newest {
        Some(state) => Some(ProcessReminder {
            state: state.state,
            suggested_action: state.action,
        }),
        None => {
            let graph = store.file_at(tip, layout::PROCESS).ok()?;
            let (graph, _) = graph_of(graph.as_deref()).ok()?;
            Some(ProcessReminder {
                state: graph.initial().to_string(),
                suggested_action: None,
            })
        }
    }
}

/// Where the project is in its process graph.
pub fn show(ws: &Workspace) -> Result<Outcome<FsmView>> {
    view_of(ws, None)
}

/// Takes `event` by hand: refused, naming the accepted events, when the state does not
/// accept it; refused too when this agent keeps taking the same event (the loop guard: the
/// policy's window and counts, as for captures and session log lines).
pub fn step(ws: &Workspace, event: &str) -> Result<Outcome<FsmView>> {
    let (repeat, ways_out) = guard(ws, event)?;
    let written = ws.store().write("fsm.step", |tx| {
        tx.meta().project()?;
        let (graph, _) = graph_in(tx)?;
        let moved = take(tx, &graph, event)?;
        tx.set_subject(format!("fsm step {event}: {} -> {}", moved.from, moved.to));
        Ok(moved)
    })?;
    let outcome = view_of(ws, Some(written.value))?;
    Ok(crate::ops::loop_guard::warned(outcome, repeat, &ways_out))
}

/// The loop guard on a step by hand: the moves by this agent with the same event within the
/// policy's window (any session: moves are the project's, not a session's), whether an
/// operation or a step took them. Another agent's moves never count.
fn guard(
    ws: &Workspace,
    event: &str,
) -> Result<(crate::lifecycle::Repeat, Vec<crate::next::Action>)> {
    let store = ws.store();
    let snapshot = ws.snapshot()?;
    let limits = crate::ops::policy::effective(&snapshot)?.limits;
    let limits = crate::ops::loop_guard::limits(&limits);
    let now = Timestamp::now();
    let since = crate::lifecycle::window_start(now, limits.window_secs);
    let recent = store.latest_events_of_kinds(&snapshot, since, &[TRANSITION])?;
    let said = |at, agent, text| crate::lifecycle::Said {
        at,
        session: None,
        agent,
        what: "process event",
        text,
    };
    let ways_out = crate::ops::loop_guard::ways_out(
        store.active_session().as_deref(),
        store.active_mission().as_deref(),
    );
    let repeat = crate::lifecycle::check_repeat(
        &said(now, store.agent(), event),
        recent
            .iter()
            .filter_map(|e| Some(said(e.at, &e.agent, e.note.as_deref()?))),
        limits,
        &ways_out,
    )?;
    Ok((repeat, ways_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(writer: &str, moves: u64, at: i64) -> Moved {
        Moved {
            at: Timestamp::from_millis(at * 1000),
            by: writer.into(),
            from: "A".into(),
            event: format!("e{moves}"),
            to: "B".into(),
            moves,
        }
    }

    /// A clone's state file with `count` recent moves, the last one `last`.
    fn state_file(writer: &str, last: u64, count: u64, at: i64) -> (String, Vec<u8>) {
        let recent: Vec<Moved> = (0..count)
            .map(|k| {
                moved(
                    writer,
                    last - (count - 1 - k) * 2,
                    at - (count - 1 - k) as i64,
                )
            })
            .collect();
        let state = FsmState {
            state: "B".into(),
            event: format!("e{last}"),
            from: "A".into(),
            updated_at: Timestamp::from_millis(at * 1000),
            by: writer.into(),
            moves: last,
            action: None,
            recent,
        };
        (layout::fsm_path(writer), to_toml(&state).unwrap())
    }

    #[test]
    fn the_cached_others_with_the_own_file_say_what_reading_every_file_says() {
        // Equal move counts and times are broken by writer, as in every clone.
        let files = vec![
            state_file("w1", 40, 15, 100),
            state_file("w2", 41, 20, 90),
            state_file("w3", 41, 12, 90),
            state_file("w4", 12, 3, 500),
            ("bad name".into(), b"state = \"B\"".to_vec()),
            (layout::fsm_path("w5"), b"state = \"B".to_vec()),
        ];
        let (all, all_problems) = states(Some(files.clone()));
        let every_move = all
            .iter()
            .flat_map(|(w, s)| s.recent.iter().map(move |m| (w.as_str(), m)));
        let expected_history: Vec<Moved> = latest_moves(every_move)
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        assert_eq!(expected_history.len(), SHOWN_HISTORY);
        for own in ["w1", "w2", "w3", "w4"] {
            let own_path = layout::fsm_path(own);
            let (mine, others): (Vec<_>, Vec<_>) = files
                .iter()
                .cloned()
                .partition(|(path, _)| *path == own_path);
            let (_, bytes) = mine.into_iter().next().unwrap();
            // Through the cache's own form, as a later command reads it.
            let cached: Others =
                serde_json::from_str(&serde_json::to_string(&Others::of(Some(others))).unwrap())
                    .unwrap();
            let known = Known::with_own(cached, Some((own.into(), own_path, bytes)));
            assert_eq!(
                known.newest.as_ref(),
                newest(&all).map(|(_, s)| s),
                "own {own}"
            );
            assert_eq!(known.history, expected_history, "own {own}");
            let mut problems = known.problems.clone();
            problems.sort_by(|a, b| a.path.cmp(&b.path));
            let mut expected = all_problems.clone();
            expected.sort_by(|a, b| a.path.cmp(&b.path));
            assert_eq!(problems, expected, "own {own}");
            let own_state = &all.iter().find(|(w, _)| w == own).unwrap().1;
            assert_eq!(known.own_recent, own_state.recent);
        }
        // Too many state files: none is read, not even this clone's own.
        let own = state_file("w1", 40, 15, 100);
        let known = Known::with_own(Others::of(None), Some(("w1".into(), own.0, own.1)));
        assert_eq!(known.newest, None);
        assert!(known.problems[0].message.contains("none is read"));
        // A clone that never moved has no file of its own.
        let known = Known::with_own(Others::of(Some(files)), None);
        assert_eq!(known.newest.as_ref(), newest(&all).map(|(_, s)| s));
        assert!(known.own_recent.is_empty());
    }
}
