//! What each path of the board answers. Reads of the kanban and the summary come from the
//! loaded tip; the other views and moves open the project for the request.

use std::str::FromStr;

use serde::Deserialize;
use serde_json::json;

use super::http::{Request, Response};
use super::state::Shared;
use crate::error::Error;
use crate::lifecycle;
use crate::model::Status;
use crate::ops::{self, Workspace};

/// The answer to `request` (the event stream is served before this, by `events`).
pub fn answer(shared: &Shared, request: &Request) -> Response {
    let path = request.path.as_str();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (request.method.as_str(), segments.as_slice()) {
        ("GET", [""]) => Response::new(
            200,
            "text/html; charset=utf-8",
            super::assets::index_html(&shared.settings.token),
        ),
        ("GET", ["app.js"]) => {
            Response::new(200, "text/javascript; charset=utf-8", super::assets::APP_JS)
        }
        ("GET", ["app.css"]) => {
            Response::new(200, "text/css; charset=utf-8", super::assets::APP_CSS)
        }
        ("GET", ["api", "meta"]) => meta(shared),
        ("GET", ["api", "board"]) => board(shared, request),
        ("GET", ["api", "timeline"]) => timeline(shared, request),
        ("GET", ["api", "burndown"]) => burndown(shared, request, false),
        ("GET", ["burndown.svg"]) => burndown(shared, request, true),
        ("GET", ["api", "graph"]) => graph(shared, request, false),
        ("GET", ["graph.svg"]) => graph(shared, request, true),
        ("GET", ["api", "missions", id]) => with_workspace(shared, |ws| {
            let page = ops::board::mission_page(ws, id)?;
            Ok(Response::json(200, &page.data))
        }),
        ("POST", ["api", "missions", id, "move"]) => move_mission(shared, request, id),
        (
            _,
            [""]
            | ["app.js"]
            | ["app.css"]
            | ["burndown.svg"]
            | ["graph.svg"]
            | ["api", _]
            | ["api", "missions", _],
        ) => Response::error(405, "method_not_allowed", "this path answers GET only"),
        (_, ["api", "missions", _, "move"]) => {
            Response::error(405, "method_not_allowed", "a move is a POST")
        }
        _ => Response::error(404, "not_found", &format!("nothing at {path}")),
    }
}

/// The sprint a view asks for: the query's, else the one the board was started on.
fn sprint<'a>(shared: &'a Shared, request: &'a Request) -> Option<&'a str> {
    request
        .param("sprint")
        .or(shared.settings.sprint.as_deref())
}

fn meta(shared: &Shared) -> Response {
    let loaded = shared.loaded();
    let m = &loaded.meta;
    Response::json(
        200,
        &json!({
            "project": m.project,
            "agent": shared.settings.agent,
            "read_only": shared.settings.read_only,
            "head": loaded.head,
            "current_sprint": m.current_sprint,
            "board_sprint": shared.settings.sprint,
            "sprints": m.sprints,
            "problems": m.problems,
        }),
    )
}

fn board(shared: &Shared, request: &Request) -> Response {
    let loaded = shared.loaded();
    match ops::board::kanban(&loaded.index, sprint(shared, request)) {
        Ok(kanban) => Response::json(200, &kanban),
        Err(err) => error_response(&err),
    }
}

fn timeline(shared: &Shared, request: &Request) -> Response {
    let limit = match request.param("limit").map(usize::from_str) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => {
            return Response::error(400, "invalid_input", "limit is a whole number");
        }
    };
    let sprint = sprint(shared, request);
    with_workspace(shared, |ws| {
        let timeline = ops::board::timeline(ws, sprint, limit)?;
        Ok(Response::json(200, &timeline.data))
    })
}

const SVG: &str = "image/svg+xml; charset=utf-8";

/// The burndown of the asked sprint (else the board's, else the current one), as JSON or SVG.
fn burndown(shared: &Shared, request: &Request, svg: bool) -> Response {
    let sprint = sprint(shared, request);
    with_workspace(shared, |ws| {
        let burndown = ops::burndown::burndown(ws, sprint)?.data;
        Ok(match svg {
            true => Response::new(200, SVG, crate::svg::burndown(&burndown)),
            false => Response::json(200, &burndown),
        })
    })
}

/// The dependency graph of the asked sprint, else of all open work, from the loaded tip.
fn graph(shared: &Shared, request: &Request, svg: bool) -> Response {
    let scope = ops::depgraph::GraphScope {
        sprint: request.param("sprint").map(str::to_string),
        prune: matches!(request.param("prune"), Some("1" | "true")),
    };
    let loaded = shared.loaded();
    match ops::depgraph::layout(&loaded.index, &scope) {
        Ok(graph) if svg => Response::new(200, SVG, crate::svg::graph(&graph)),
        Ok(graph) => Response::json(200, &graph),
        Err(err) => error_response(&err),
    }
}

/// Runs `f` with a workspace opened for this request; a library error becomes its answer.
fn with_workspace(
    shared: &Shared,
    f: impl FnOnce(&Workspace) -> crate::Result<Response>,
) -> Response {
    match shared.workspace().and_then(|ws| f(&ws)) {
        Ok(response) => response,
        Err(err) => error_response(&err),
    }
}

/// The innermost error (a guided error says what to do around another one).
fn root(err: &Error) -> &Error {
    match err {
        Error::Guided { error, .. } => root(error),
        other => other,
    }
}

/// The status and error shape of a library error.
pub fn error_response(err: &Error) -> Response {
    let inner = root(err);
    let refused = matches!(inner, Error::InvalidDependency(_) | Error::Refused(_))
        || matches!(inner, Error::InvalidTransition { .. });
    let status = match root(err) {
        Error::NotFound { .. } => 404,
        Error::InvalidInput(_) | Error::AlreadyExists { .. } => 400,
        Error::Conflict(_) => 409,
        _ if refused => 409,
        _ => 500,
    };
    let code = if refused { "refused" } else { root(err).code() };
    Response::error(status, code, &err.to_string())
}

/// The body of a move.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveBody {
    /// The status to move to, as the CLI spells it (`In Progress`).
    to: String,
    /// The status the card showed: when the mission moved since, the move is refused.
    #[serde(default)]
    from: Option<String>,
    /// Why, for a block (which needs one), a drop or a deferral.
    #[serde(default)]
    reason: Option<String>,
}

/// Compares the token in constant time: its length is public, its bytes are not.
fn token_matches(given: Option<&str>, token: &str) -> bool {
    let Some(given) = given else { return false };
    given.len() == token.len()
        && given
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn move_mission(shared: &Shared, request: &Request, id: &str) -> Response {
    if shared.settings.read_only {
        return Response::error(403, "read_only", "this board is read-only: moves are off");
    }
    if !token_matches(request.header("x-cmos-token"), &shared.settings.token) {
        return Response::error(
            403,
            "forbidden",
            "a move needs this board's token (the page served at / carries it)",
        );
    }
    let body: MoveBody = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(err) => {
            return Response::error(
                400,
                "invalid_input",
                &format!("the move's body is JSON like {{\"to\": \"In Progress\"}}: {err}"),
            );
        }
    };
    let to = match Status::from_str(&body.to) {
        Ok(to) => to,
        Err(err) => return error_response(&err),
    };
    let from = match body.from.as_deref().map(Status::from_str).transpose() {
        Ok(from) => from,
        Err(err) => return error_response(&err),
    };
    let ws = match shared.workspace() {
        Ok(ws) => ws,
        Err(err) => return error_response(&err),
    };
    match moved(&ws, id, to, from, body.reason.as_deref()) {
        Ok(status) => {
            // The board shows its own move at once rather than on the watcher's next tick.
            let _ = shared.refresh(&ws);
            let commit = ws.store().tip().ok().flatten().map(|c| c.to_string());
            Response::json(
                200,
                &json!({"mission": {"id": id, "status": status}, "commit": commit}),
            )
        }
        Err(err) => refused(&ws, id, to, &err),
    }
}

/// Performs the move through the same operations as the CLI: completing (which promotes the
/// next ready mission), blocking (with its reason), or a plain change of status.
fn moved(
    ws: &Workspace,
    id: &str,
    to: Status,
    from: Option<Status>,
    reason: Option<&str>,
) -> crate::Result<Status> {
    if let Some(from) = from {
        let now = ws.store().mission_at_tip(id)?.status;
        if now != from {
            return Err(Error::Conflict(format!(
                "mission {id} is {now} now, not {from} as the board showed: the board has \
                 reloaded; try the move again"
            )));
        }
    }
    let outcome = match (to, reason) {
        (Status::Completed, _) => ops::transition::complete(ws, id, reason, true)?,
        (Status::Blocked, Some(reason)) => ops::transition::block(ws, id, reason, &[])?,
        (Status::Dropped, _) => ops::transition::drop(ws, id, reason)?,
        (Status::Deferred, _) => ops::transition::defer(ws, id, reason)?,
        _ => ops::transition::set_status(ws, id, to)?,
    };
    Ok(outcome.data.to)
}

/// A move that did not go through: a refusal names the statuses the mission can move to.
fn refused(ws: &Workspace, id: &str, to: Status, err: &Error) -> Response {
    let mut response = error_response(err);
    if response.status != 409 {
        return response;
    }
    let valid: Vec<Status> = match root(err) {
        Error::InvalidTransition { valid, .. } => valid.clone(),
        _ => match ws.store().mission_at_tip(id) {
            Ok(m) => lifecycle::valid_targets(m.status)
                .iter()
                .copied()
                .filter(|s| *s != to)
                .collect(),
            Err(_) => Vec::new(),
        },
    };
    let message = err.to_string();
    let code = if matches!(root(err), Error::Conflict(_)) {
        "conflict"
    } else {
        "refused"
    };
    response = Response::json(
        409,
        &json!({"error": {"code": code, "message": message}, "valid": valid}),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::token_matches;

    #[test]
    fn a_token_matches_only_itself() {
        assert!(token_matches(Some("abcd"), "abcd"));
        assert!(!token_matches(Some("abce"), "abcd"));
        assert!(!token_matches(Some("abc"), "abcd"));
        assert!(!token_matches(None, "abcd"));
    }
}
