//! The process graph's rules: what a graph must be to be used (every row well-formed, one row
//! per (state, event), every state reachable, every target a state with moves of its own),
//! and which move an event makes from a state. Pure: the graph comes parsed, from the branch
//! or from a file someone hands in, and every refusal names the row.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::error::{Error, FileProblem, Result};

/// Longest graph file read, in bytes: the default is under 2 KiB.
pub const MAX_GRAPH_BYTES: usize = 64 * 1024;
/// Most rows a graph may have.
pub const MAX_ROWS: usize = 500;
/// Longest state, event, reference or parameter name.
const MAX_NAME: usize = 64;
/// Most parameters on one row, and the longest parameter value.
const MAX_PARAMS: usize = 16;
const MAX_PARAM_VALUE: usize = 200;

/// Local actions cmos runs itself; nothing else is ever run.
pub const LOCAL_ACTIONS: [&str; 4] = [
    "select_next_mission",
    "kb_index",
    "export_backlog",
    "notify_blocker",
];
/// Remote actions cmos writes out as requests for an outside tool or agent.
pub const REMOTE_ACTIONS: [&str; 1] = ["mission_protocol"];
/// The protocols a `mission_protocol` request may name.
pub const PROTOCOLS: [&str; 2] = ["sprint_planning", "sprint_report"];

/// Who carries out a suggested action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionType {
    /// cmos runs it (`LOCAL_ACTIONS`).
    Local,
    /// An outside tool or agent picks it up as a request.
    Remote,
}

impl std::fmt::Display for ActionType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ActionType::Local => "local",
            ActionType::Remote => "remote",
        })
    }
}

/// What to do once a move is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedAction {
    pub action_type: ActionType,
    pub action_ref: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
}

/// One row of the graph: in `state`, `event` moves to `next` and suggests the action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub state: String,
    pub event: String,
    pub next: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_type: Option<ActionType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_ref: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// The 1-based line the row starts on in the file it was read from (0: built in).
    #[serde(skip)]
    pub line: usize,
}

impl Row {
    /// The row's suggested action, if it has one.
    pub fn action(&self) -> Option<SuggestedAction> {
        Some(SuggestedAction {
            action_type: self.action_type?,
            action_ref: self.action_ref.clone()?,
            params: self.params.clone(),
        })
    }

    fn label(&self) -> String {
        format!("{} -{}-> {}", self.state, self.event, self.next)
    }
}

/// A checked graph: its rows in file order; the first row's state is where a project starts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Graph {
    pub rows: Vec<Row>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GraphFile {
    #[serde(default)]
    transition: Vec<toml::Spanned<Row>>,
}

/// The same file for the quick reader, which keeps no places.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainGraphFile {
    #[serde(default)]
    transition: Vec<Row>,
}

/// The default graph, as it is written on `init`: the original's rows, plus the moves a real
/// cycle needs back to planning.
pub const DEFAULT_GRAPH: &str = r#"# The project's process graph: one [[transition]] per row. In `state`, `event` moves the
# project to `next` and suggests an action: local (cmos runs it: select_next_mission, kb_index,
# export_backlog, notify_blocker) or remote (a request an outside agent picks up:
# mission_protocol with protocol = sprint_planning or sprint_report). The first row's state is
# where a project starts. A project may replace this graph with one of its own.

[[transition]]
state = "Startup"
event = "init_complete"
next = "Sprint_Planning"
action_type = "remote"
action_ref = "mission_protocol"
params = { protocol = "sprint_planning" }

[[transition]]
state = "Sprint_Planning"
event = "plan_approved"
next = "In_Sprint"
action_type = "local"
action_ref = "select_next_mission"

[[transition]]
state = "In_Sprint"
event = "mission_completed"
next = "In_Sprint"
action_type = "local"
action_ref = "select_next_mission"

[[transition]]
state = "In_Sprint"
event = "sprint_tasks_done"
next = "Sprint_Review"
action_type = "remote"
action_ref = "mission_protocol"
params = { protocol = "sprint_report" }

[[transition]]
state = "In_Sprint"
event = "mission_blocked"
next = "Blocked"
action_type = "local"
action_ref = "notify_blocker"

[[transition]]
state = "Blocked"
event = "unblocked"
next = "In_Sprint"
action_type = "local"
action_ref = "select_next_mission"

# A blocked mission may be dropped rather than unblocked; when the rest of the sprint is
# done, the sprint is done: without this row the project would stay Blocked for good.
[[transition]]
state = "Blocked"
event = "sprint_tasks_done"
next = "Sprint_Review"
action_type = "remote"
action_ref = "mission_protocol"
params = { protocol = "sprint_report" }

[[transition]]
state = "Sprint_Review"
event = "sprint_review_done"
next = "Sprint_Planning"
action_type = "remote"
action_ref = "mission_protocol"
params = { protocol = "sprint_planning" }
"#;

impl Graph {
    /// The built-in graph, in force on a branch that has none.
    pub fn default_graph() -> Graph {
        // The text is ours and checked by the tests below.
        parse("default process graph", DEFAULT_GRAPH.as_bytes())
            .expect("the default graph is valid")
    }

    /// Where a project with no recorded state is.
    pub fn initial(&self) -> &str {
        &self.rows[0].state
    }

    /// The events `state` accepts, in row order.
    pub fn accepted(&self, state: &str) -> Vec<&str> {
        self.rows
            .iter()
            .filter(|r| r.state == state)
            .map(|r| r.event.as_str())
            .collect()
    }

    /// The row `event` takes from `state`, if any.
    pub fn row(&self, state: &str, event: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.state == state && r.event == event)
    }

    /// Every state, in order of first mention.
    pub fn states(&self) -> Vec<&str> {
        let mut seen = Vec::new();
        for r in &self.rows {
            for s in [r.state.as_str(), r.next.as_str()] {
                if !seen.contains(&s) {
                    seen.push(s);
                }
            }
        }
        seen
    }
}

/// Reads and checks a graph file; `path` names it in every problem (`path:line: ...`).
pub fn parse(path: &str, bytes: &[u8]) -> std::result::Result<Graph, FileProblem> {
    let problem = |line: Option<usize>, message: String| FileProblem {
        path: path.to_string(),
        line,
        column: None,
        message,
    };
    if bytes.len() > MAX_GRAPH_BYTES {
        return Err(problem(
            None,
            format!(
                "the process graph is {} bytes; at most {MAX_GRAPH_BYTES} are read",
                bytes.len()
            ),
        ));
    }
    let rows = match plain_rows(bytes) {
        Some(rows) => rows,
        None => spanned_rows(path, bytes)?,
    };
    let graph = Graph { rows };
    // A row's problem points at the row's first line, column 1.
    check(&graph).map_err(|(line, message)| FileProblem {
        column: line.map(|_| 1),
        ..problem(line, message)
    })?;
    Ok(graph)
}

/// The rows of a file in the plain form `init` writes, each on the line of its own
/// `[[transition]]` header, read by the quick reader (a tenth of the cost: every completion
/// reads the graph). None when the quick reader refuses the file, or when the header lines do
/// not pair one to one with the rows (rows written inline, a header with a comment after it):
/// the toml crate then reads it, knowing where each row starts.
fn plain_rows(bytes: &[u8]) -> Option<Vec<Row>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let file: PlainGraphFile = crate::format::plain_toml::from_str(text)?;
    let headers: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_end() == "[[transition]]")
        .map(|(i, _)| i + 1)
        .collect();
    if headers.len() != file.transition.len() {
        return None;
    }
    let rows = file.transition.into_iter().zip(headers);
    Some(rows.map(|(row, line)| Row { line, ..row }).collect())
}

/// The rows of any graph file through the toml crate, each on the line its table starts on;
/// a file that does not read is a problem at the place the crate names.
fn spanned_rows(path: &str, bytes: &[u8]) -> std::result::Result<Vec<Row>, FileProblem> {
    let file: GraphFile = crate::format::codec::from_toml(path, bytes)?;
    let line_of = |offset: usize| {
        bytes[..offset.min(bytes.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    };
    Ok(file
        .transition
        .into_iter()
        .map(|spanned| {
            let line = line_of(spanned.span().start);
            Row {
                line,
                ..spanned.into_inner()
            }
        })
        .collect())
}

/// The first thing wrong with a graph, with the line of the row it is about.
fn check(graph: &Graph) -> std::result::Result<(), (Option<usize>, String)> {
    let at = |row: &Row| (Some(row.line).filter(|l| *l > 0), row.label());
    if graph.rows.is_empty() {
        return Err((None, "the process graph has no [[transition]] rows".into()));
    }
    if graph.rows.len() > MAX_ROWS {
        return Err((
            None,
            format!(
                "the process graph has {} rows; at most {MAX_ROWS} are allowed",
                graph.rows.len()
            ),
        ));
    }
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for row in &graph.rows {
        let (line, label) = at(row);
        let bad = |why: String| Err((line, format!("row {label}: {why}")));
        for (what, name) in [
            ("state", &row.state),
            ("event", &row.event),
            ("next state", &row.next),
        ] {
            if let Some(why) = bad_name(name) {
                return bad(format!("the {what} {why}"));
            }
        }
        if let Some(first) = seen.insert((&row.state, &row.event), row.line) {
            return bad(format!(
                "a second row for state {} and event {} (the first is on line {first}); one (state, event) makes one move",
                row.state, row.event
            ));
        }
        if let Some(why) = bad_action(row) {
            return bad(why);
        }
    }
    let sources: BTreeSet<&str> = graph.rows.iter().map(|r| r.state.as_str()).collect();
    for row in &graph.rows {
        if !sources.contains(row.next.as_str()) {
            let (line, label) = at(row);
            return Err((
                line,
                format!(
                    "row {label}: unknown state {}: no row leaves it, so a project there could never move (a misspelt state?)",
                    row.next
                ),
            ));
        }
    }
    let reached = reachable(graph);
    if let Some(row) = graph
        .rows
        .iter()
        .find(|r| !reached.contains(r.state.as_str()))
    {
        let (line, label) = at(row);
        return Err((
            line,
            format!(
                "row {label}: state {} cannot be reached from {}, where a project starts",
                row.state,
                graph.initial()
            ),
        ));
    }
    Ok(())
}

fn bad_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("is empty".into());
    }
    if name.chars().count() > MAX_NAME {
        return Some(format!("is longer than {MAX_NAME} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Some(format!(
            "{:?} holds characters other than letters, digits, _ and -",
            crate::model::text::one_line_cut(name, MAX_NAME)
        ));
    }
    None
}

fn bad_action(row: &Row) -> Option<String> {
    let (kind, name) = match (row.action_type, &row.action_ref) {
        (None, None) if row.params.is_empty() => return None,
        (None, _) => {
            return Some("an action_ref or params without an action_type (local or remote)".into());
        }
        (Some(_), None) => return Some("an action_type without an action_ref".into()),
        (Some(kind), Some(name)) => (kind, name.as_str()),
    };
    let known: &[&str] = match kind {
        ActionType::Local => &LOCAL_ACTIONS,
        ActionType::Remote => &REMOTE_ACTIONS,
    };
    if !known.contains(&name) {
        return Some(format!(
            "unknown {kind} action {:?}; {kind} actions are {}",
            crate::model::text::one_line_cut(name, MAX_NAME),
            known.join(", ")
        ));
    }
    if row.params.len() > MAX_PARAMS {
        return Some(format!("more than {MAX_PARAMS} params"));
    }
    for (key, value) in &row.params {
        if let Some(why) = bad_name(key) {
            return Some(format!("the param name {why}"));
        }
        if value.chars().count() > MAX_PARAM_VALUE || value.chars().any(char::is_control) {
            return Some(format!(
                "the param {key} is longer than {MAX_PARAM_VALUE} characters or holds control characters"
            ));
        }
    }
    if name == "mission_protocol" {
        let protocol = row.params.get("protocol").map(String::as_str);
        if !protocol.is_some_and(|p| PROTOCOLS.contains(&p)) {
            return Some(format!(
                "mission_protocol needs params.protocol, one of {}",
                PROTOCOLS.join(", ")
            ));
        }
    }
    None
}

/// The states reachable from the initial state.
fn reachable(graph: &Graph) -> BTreeSet<&str> {
    let mut reached = BTreeSet::from([graph.initial()]);
    let mut queue = VecDeque::from([graph.initial()]);
    while let Some(state) = queue.pop_front() {
        for row in graph.rows.iter().filter(|r| r.state == state) {
            if reached.insert(row.next.as_str()) {
                queue.push_back(&row.next);
            }
        }
    }
    reached
}

/// The move `event` makes from `state`, or a refusal naming the events `state` accepts.
pub fn check_step<'g>(graph: &'g Graph, state: &str, event: &str) -> Result<&'g Row> {
    if let Some(row) = graph.row(state, event) {
        return Ok(row);
    }
    let accepted = graph.accepted(state);
    let shown = crate::model::text::one_line_cut(event, MAX_NAME);
    Err(Error::Refused(if accepted.is_empty() {
        format!(
            "the project is in state {state}, which the process graph gives no moves; event {shown:?} cannot be taken"
        )
    } else {
        format!(
            "the project is in state {state}, which does not accept event {shown:?}; it accepts {}",
            accepted.join(", ")
        )
    }))
}

/// Refuses a new graph that has no place for the state the project is in.
pub fn check_keeps_state(graph: &Graph, state: &str) -> Result<()> {
    if graph.states().contains(&state) {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "the project is in state {state}, which the new process graph does not have; keep a row for {state} (it may lead straight to a state of the new graph)"
    )))
}

/// The local action the state suggests, or a refusal: a remote action is an outside agent's
/// to carry out (as a request), and a state may suggest nothing.
pub fn check_runnable<'a>(
    state: &str,
    action: Option<&'a SuggestedAction>,
) -> Result<&'a SuggestedAction> {
    match action {
        Some(a) if a.action_type == ActionType::Local => Ok(a),
        Some(a) => Err(Error::Refused(format!(
            "the action of state {state} is remote ({}): an outside tool or agent carries it out from the pending requests, and records its output when it is done",
            a.action_ref
        ))),
        None => Err(Error::Refused(format!(
            "state {state} suggests no action; take an event it accepts to move on"
        ))),
    }
}

/// Refuses to answer a request twice: its output is a fact already.
pub fn check_request_open(id: &str, answered: bool) -> Result<()> {
    if answered {
        return Err(Error::Refused(format!(
            "request {id} is answered already; its output is a fact of the project"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str) -> FileProblem {
        parse("g.toml", text.as_bytes()).unwrap_err()
    }

    const ROW_A: &str = "[[transition]]\nstate = \"A\"\nevent = \"go\"\nnext = \"B\"\n";
    const ROW_B: &str = "[[transition]]\nstate = \"B\"\nevent = \"back\"\nnext = \"A\"\n";

    #[test]
    fn the_default_graph_is_valid_and_starts_at_startup() {
        let graph = Graph::default_graph();
        assert_eq!(graph.initial(), "Startup");
        assert_eq!(
            graph.accepted("In_Sprint"),
            ["mission_completed", "sprint_tasks_done", "mission_blocked"]
        );
        assert_eq!(graph.rows[1].line, 15);
    }

    /// The quick reader gives the rows the toml crate gives, on the same lines; files whose
    /// rows it cannot place (a header with a comment after it, rows written inline, a header
    /// line inside a string) it leaves to the crate, and they read as before.
    #[test]
    fn the_quick_reader_places_rows_as_the_toml_crate_does() {
        let same = |text: &str| {
            let plain = plain_rows(text.as_bytes()).expect("read by the quick reader");
            assert_eq!(plain, spanned_rows("g", text.as_bytes()).unwrap(), "{text}");
        };
        same(DEFAULT_GRAPH);
        same(&format!("# a graph\n\n{ROW_A}\n\n{ROW_B}  "));
        same(&format!(
            "{ROW_A}action_type = \"remote\"\naction_ref = \"mission_protocol\"\nparams = {{ protocol = \"sprint_report\" }}\n{ROW_B}"
        ));
        let commented = format!("{ROW_A}{}", ROW_B.replace("]]\n", "]] # back\n"));
        let inline = "transition = [\n  { state = \"A\", event = \"go\", next = \"A\" },\n]\n";
        let in_string = format!(
            "{ROW_A}action_type = \"local\"\naction_ref = \"\"\"\n[[transition]]\n\"\"\"\n{ROW_B}"
        );
        for text in [commented.as_str(), inline, in_string.as_str()] {
            assert!(plain_rows(text.as_bytes()).is_none(), "{text}");
            assert!(!spanned_rows("g", text.as_bytes()).unwrap().is_empty());
        }
        assert_eq!(parse("g", commented.as_bytes()).unwrap().rows[1].line, 5);
    }

    /// A graph file of `rows` (state, event, next, an action, a protocol), each after the
    /// text `between` gives it, its header followed by a comment where `commented` says so.
    fn graph_text(rows: &[Generated], between: &[&str], commented: &[bool]) -> String {
        let mut text = String::new();
        for (i, (state, event, next, action_ref, protocol)) in rows.iter().enumerate() {
            text.push_str(between[i]);
            text.push_str("[[transition]]");
            text.push_str(if commented[i] { " # row\n" } else { "\n" });
            text.push_str(&format!("state = \"{state}\"\nevent = \"{event}\"\n"));
            text.push_str(&format!("next = \"{next}\"\n"));
            if let Some(action_ref) = action_ref {
                text.push_str("action_type = \"local\"\n");
                text.push_str(&format!("action_ref = \"{action_ref}\"\n"));
            }
            if let Some(protocol) = protocol {
                text.push_str(&format!("params = {{ protocol = \"{protocol}\" }}\n"));
            }
        }
        text
    }

    type Generated = (String, String, String, Option<String>, Option<String>);

    proptest::proptest! {
        /// Any file of rows, with lines between them and each header written plainly or
        /// followed by a comment, and any one byte of it changed: whenever the quick reader
        /// reads it, the toml crate reads the same rows on the same lines.
        #[test]
        fn any_graph_the_quick_reader_reads_it_places_as_the_toml_crate_does(
            rows in proptest::collection::vec(
                (
                    "[A-Za-z_]{1,6}",
                    "[a-z_]{1,6}",
                    "[A-Za-z_]{1,6}",
                    proptest::option::of("[a-z_]{1,8}"),
                    proptest::option::of("[a-z_]{1,8}"),
                ),
                0..6,
            ),
            between in proptest::collection::vec(
                proptest::sample::select(vec!["", "\n", "# note\n", "\n\n", "  \n"]),
                6,
            ),
            commented in proptest::collection::vec(proptest::prelude::any::<bool>(), 6),
            change in proptest::option::of(proptest::prelude::any::<(usize, u8)>()),
        ) {
            let mut bytes = graph_text(&rows, &between, &commented).into_bytes();
            if let (Some((at, byte)), false) = (change, bytes.is_empty()) {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if let Some(plain) = plain_rows(&bytes) {
                let spanned = spanned_rows("g", &bytes);
                proptest::prop_assert_eq!(Ok(plain), spanned.map_err(|p| p.message));
            }
        }
    }

    #[test]
    fn duplicate_state_event_rows_are_refused_with_both_lines() {
        let p = refusal(&format!("{ROW_A}{ROW_B}{ROW_A}"));
        assert_eq!(p.line, Some(9));
        assert!(
            p.message
                .contains("a second row for state A and event go (the first is on line 1)"),
            "{p}"
        );
    }

    #[test]
    fn unreachable_states_are_refused_with_the_row() {
        let c = "[[transition]]\nstate = \"C\"\nevent = \"x\"\nnext = \"A\"\n";
        let p = refusal(&format!("{ROW_A}{ROW_B}{c}"));
        assert_eq!(p.line, Some(9));
        assert!(
            p.message.contains("state C cannot be reached from A"),
            "{p}"
        );
    }

    #[test]
    fn unknown_targets_and_actions_are_refused() {
        let p = refusal(ROW_A);
        assert!(p.message.contains("unknown state B"), "{p}");
        let p = refusal(&format!(
            "{ROW_A}action_type = \"local\"\naction_ref = \"rm_rf\"\n{ROW_B}"
        ));
        assert!(p.message.contains("unknown local action \"rm_rf\""), "{p}");
        let p = refusal(&format!("{ROW_A}action_type = \"shell\"\n{ROW_B}"));
        assert_eq!(p.line, Some(5), "{p}");
        let p = refusal(&format!(
            "{ROW_A}action_type = \"remote\"\naction_ref = \"mission_protocol\"\n{ROW_B}"
        ));
        assert!(p.message.contains("params.protocol"), "{p}");
    }

    #[test]
    fn malformed_files_say_where() {
        let p = refusal("[[transition]]\nstate = \"A\n");
        assert_eq!(p.line, Some(2));
        assert!(refusal("").message.contains("no [[transition]]"));
        let big = vec![b'#'; MAX_GRAPH_BYTES + 1];
        assert!(parse("g", &big).unwrap_err().message.contains("at most"));
    }

    #[test]
    fn a_step_the_state_does_not_accept_names_the_accepted_events() {
        let graph = Graph::default_graph();
        let row = check_step(&graph, "In_Sprint", "mission_blocked").unwrap();
        assert_eq!(row.next, "Blocked");
        let err = check_step(&graph, "Blocked", "plan_approved")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("it accepts unblocked, sprint_tasks_done"),
            "{err}"
        );
    }
}
