"""The original CMOS's ``context.mission_runtime`` helpers, run by cmos.

``next_mission``, ``start``, ``complete`` and ``block`` take the original's arguments and
call the cmos command that does the same thing; cmos's own rules decide (one implementation).
The confidence gate of the orchestration layer is here too: ``complete`` takes a
``validation_score`` (0 to 1) and ``evidence``; a score in the review range leaves the mission
In Progress, waiting for ``approve`` or ``reject`` by someone other than who scored it.
What differs, on purpose:

* ``ts`` and ``db_path`` are refused with a CmosError (code ``invalid_input``): cmos stamps
  each operation with its own clock, and keeps its state on the ``cmos`` branch of the git
  repository rather than in a database file. ``repo_root`` is any directory in that
  repository.
* ``agent`` defaults to cmos's own default (``$CMOS_AGENT``, else git's user.name) rather
  than ``"codex"``.
* The mission's history keeps one note per move: ``summary``, then ``notes``, ``reason`` or
  ``next_hint``, each once.
* cmos's transition rules apply: completing a mission that was never started is refused
  (the original allowed it); start it first.

Each helper returns a dict (``MissionEventResult``, readable as attributes too, as the
original's dataclass was): cmos's outcome (``mission``, ``from``, ``to``, ``promoted``) plus
the original's ``event``, ``raw_event`` and ``next_mission``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Union

from .client import OriginalRuntime, PathLike, flag, original_client, repeated, unsupported
from .errors import CmosError

#: The original's exception name; the same class as CmosError, so either can be caught.
MissionRuntimeError = CmosError


class MissionEventResult(Dict[str, Any]):
    """A plain dict whose keys can also be read as attributes (``result.next_mission``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _refuse_ts(ts: Optional[str]) -> None:
    if ts is not None:
        raise unsupported(
            "ts",
            "cmos records the time of each operation itself",
            "leave ts out; the mission's history shows when each move was made",
        )


def _note(*parts: Optional[str]) -> Optional[str]:
    """The parts that say something, each once, as paragraphs of one note."""
    kept: List[str] = []
    for part in parts:
        text = (part or "").strip()
        if text and text not in kept:
            kept.append(text)
    return "\n\n".join(kept) or None


def _result(
    outcome: Dict[str, Any], event: Dict[str, Any], next_mission: Optional[str]
) -> MissionEventResult:
    result = MissionEventResult(outcome)
    result["event"] = event
    result["raw_event"] = json.dumps(event, ensure_ascii=False)
    result["next_mission"] = next_mission
    return result


def next_mission(
    *, repo_root: Optional[PathLike] = None, db_path: Optional[PathLike] = None
) -> Optional[Dict[str, Any]]:
    """The mission to work on now (In Progress first, then Current, then ready Queued), in
    full, or None when there is none. The original's keys ``completed_at``, ``notes`` and
    ``metadata`` are always present; ``reason`` says why this mission was chosen."""
    client = original_client(repo_root, db_path, None)
    chosen = client.run(["mission", "next"])
    summary = (chosen or {}).get("mission")
    if not summary:
        return None
    mission: Dict[str, Any] = client.run(["mission", "show", "--", summary["id"]])
    for key in ("completed_at", "notes", "metadata"):
        mission.setdefault(key, None)
    mission["reason"] = chosen.get("reason")
    return mission


def start(
    mission_id: str,
    *,
    summary: str,
    agent: Optional[str] = None,
    ts: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> MissionEventResult:
    """Start ``mission_id`` (In Progress); ``summary`` goes into its history."""
    _refuse_ts(ts)
    client = original_client(repo_root, db_path, agent)
    outcome = client.run(["mission", "start", *flag("notes", _note(summary)), "--", mission_id])
    event = {
        "agent": agent,
        "mission": mission_id,
        "action": "start",
        "status": "in_progress",
        "summary": summary,
    }
    return _result(outcome, event, None)


def _score(validation_score: Optional[Union[float, int, str]]) -> List[str]:
    # cmos checks the score (a number from 0 to 1) and says what is wrong with it.
    return flag("validation-score", None if validation_score is None else str(validation_score))


def _status(outcome: Dict[str, Any]) -> str:
    """The original's event status: ``completed``, or the approval state while it waits."""
    if outcome.get("to") == "Completed":
        return "completed"
    return str(outcome.get("approval_state") or "in_progress")


def complete(
    mission_id: str,
    *,
    summary: str,
    notes: str,
    agent: Optional[str] = None,
    ts: Optional[str] = None,
    next_hint: Optional[str] = None,
    promote_next: bool = True,
    immediate: bool = False,
    validation_score: Optional[Union[float, int, str]] = None,
    evidence: Optional[Sequence[str]] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> MissionEventResult:
    """Complete ``mission_id``. With ``promote_next`` the next ready Queued mission becomes
    Current, or, with ``immediate``, is started too (in the same operation: one commit).

    With ``validation_score`` (0 to 1) and ``evidence`` (texts that back it), the project's
    validation policy decides: at or above its auto-approval threshold the mission is
    Completed (``approval_state`` ``auto_approved``); in the review range it stays In Progress
    with ``approval_state`` ``needs_review`` (the result's ``event["status"]`` too) until
    :func:`approve` or :func:`reject`; below, CmosError (code ``refused``) and nothing moves."""
    _refuse_ts(ts)
    client = original_client(repo_root, db_path, agent)
    args = ["mission", "complete", *flag("notes", _note(summary, notes, next_hint))]
    if not promote_next:
        args.append("--no-promote")
    elif immediate:
        args.append("--immediate")
    args += _score(validation_score) + repeated("evidence", evidence)
    outcome = client.run([*args, "--", mission_id])
    promoted = (outcome.get("promoted") or {}).get("id")
    if promoted and not next_hint:
        next_hint = f"{promoted} is now {'In Progress' if immediate else 'Current'}"
    event = {
        "agent": agent,
        "mission": mission_id,
        "action": "complete",
        "status": _status(outcome),
        "summary": summary,
        "next_hint": next_hint,
    }
    if validation_score is not None:
        event["validation_score"] = outcome.get("validation_score")
        event["evidence"] = [evidence] if isinstance(evidence, str) else list(evidence or [])
    return _result(outcome, event, promoted)


def approve(
    mission_id: str,
    *,
    note: Optional[str] = None,
    agent: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> MissionEventResult:
    """Approve ``mission_id``, which waits for review after a completion with a score: it is
    Completed and the next ready mission promoted. Whoever gave the score may not approve it
    (CmosError, code ``refused``) unless the validation policy allows self-approval."""
    client = original_client(repo_root, db_path, agent)
    outcome = client.run(["mission", "approve", *flag("note", note), "--", mission_id])
    promoted = (outcome.get("promoted") or {}).get("id")
    event = {
        "agent": agent,
        "mission": mission_id,
        "action": "approve",
        "status": _status(outcome),
        "summary": note,
    }
    return _result(outcome, event, promoted)


def reject(
    mission_id: str,
    *,
    reason: str,
    agent: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> MissionEventResult:
    """Send ``mission_id``, which waits for review, back to work: it stays In Progress with
    ``approval_state`` ``rejected`` and ``reason`` (what must change) in its history."""
    client = original_client(repo_root, db_path, agent)
    outcome = client.run(["mission", "reject", *flag("reason", reason), "--", mission_id])
    event = {
        "agent": agent,
        "mission": mission_id,
        "action": "reject",
        "status": _status(outcome),
        "reason": reason,
    }
    return _result(outcome, event, None)


def block(
    mission_id: str,
    *,
    summary: str,
    reason: str,
    needs: Optional[List[str]] = None,
    agent: Optional[str] = None,
    ts: Optional[str] = None,
    next_hint: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> MissionEventResult:
    """Block ``mission_id`` for ``reason``; ``needs`` are what would unblock it."""
    _refuse_ts(ts)
    client = original_client(repo_root, db_path, agent)
    args = ["mission", "block", *flag("reason", _note(reason, summary, next_hint) or reason)]
    for need in needs or []:
        args += flag("needs", need)
    outcome = client.run([*args, "--", mission_id])
    event = {
        "agent": agent,
        "mission": mission_id,
        "action": "blocked",
        "status": "blocked",
        "summary": summary,
        "next_hint": next_hint,
        "needs": list(needs or []),
        "reason": reason,
    }
    return _result(outcome, event, None)


class MissionRuntime(OriginalRuntime):
    """The original's class form, for scripts that wrote ``with MissionRuntime() as runtime``:
    the same operations as the functions above, on one project."""

    def fetch_next_candidate(self) -> Optional[Dict[str, Any]]:
        return next_mission(repo_root=self.repo_root)

    def start_mission(self, mission_id: str, **kwargs: Any) -> MissionEventResult:
        return start(mission_id, repo_root=self.repo_root, **kwargs)

    def complete_mission(self, mission_id: str, **kwargs: Any) -> MissionEventResult:
        return complete(mission_id, repo_root=self.repo_root, **kwargs)

    def block_mission(self, mission_id: str, **kwargs: Any) -> MissionEventResult:
        return block(mission_id, repo_root=self.repo_root, **kwargs)

    def approve_mission(self, mission_id: str, **kwargs: Any) -> MissionEventResult:
        return approve(mission_id, repo_root=self.repo_root, **kwargs)

    def reject_mission(self, mission_id: str, **kwargs: Any) -> MissionEventResult:
        return reject(mission_id, repo_root=self.repo_root, **kwargs)


__all__ = [
    "MissionRuntime",
    "MissionEventResult",
    "MissionRuntimeError",
    "next_mission",
    "start",
    "complete",
    "block",
    "approve",
    "reject",
]
