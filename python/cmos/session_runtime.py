"""The original CMOS's ``context.session_runtime`` helpers, run by cmos.

``start``, ``capture`` and ``complete`` take the original's arguments. ``start`` returns the
new session's id, as the original did; ``capture`` and ``complete`` return cmos's outcome as a
dict (the original returned None). What differs, on purpose:

* ``metadata`` and ``evidence`` are refused with a CmosError (code ``invalid_input``): a cmos
  session has no free-form metadata, and a capture links to a mission (``mission_id``), not
  to arbitrary evidence. ``db_path`` is refused as in ``mission_runtime``.
* ``context`` is kept as a last paragraph of the capture's text ("Context: ...").
* Session ids are cmos's (``ps-20261130-…``), not ``PS-2026-11-30-001``.

``complete`` also takes the orchestration layer's ``validation_score`` and ``evidence`` (the
session's ``validation_state`` follows the validation policy) and the session's metrics
(``tokens_in``, ``tokens_out``, ``latency_ms``, ``accepted``, ``defects``, ``model``), all
recorded in the one commit that closes the session.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Union

from .client import (
    OriginalRuntime,
    PathLike,
    flag,
    measures,
    original_client,
    repeated,
    unsupported,
)
from .errors import CmosError

#: The original's exception names, all the same class as CmosError (match on ``code``).
SessionError = CmosError
SessionRuntimeError = CmosError
ActiveSessionError = CmosError
ValidationError = CmosError
NoActiveSessionError = CmosError


def start(
    session_type: str,
    title: str,
    *,
    agent: Optional[str] = None,
    sprint_id: Optional[str] = None,
    metadata: Optional[Dict[str, Any]] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> str:
    """Start a session of ``session_type`` (planning, onboarding, review, research, check-in,
    build, custom) in this worktree; returns its id."""
    if metadata:
        raise unsupported(
            "metadata",
            "a cmos session has no free-form metadata",
            "leave metadata out; capture what matters with capture()",
        )
    client = original_client(repo_root, db_path, agent)
    args = ["session", "start", *flag("type", session_type), *flag("title", title)]
    args += flag("sprint", sprint_id)
    outcome = client.run(args)
    return str(outcome["session"]["id"])


def capture(
    session_id: str,
    category: str,
    content: str,
    *,
    context: Optional[str] = None,
    agent: Optional[str] = None,
    evidence: Optional[List[Dict[str, str]]] = None,
    mission_id: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Note a ``category`` (decision, learning, constraint, context, next-step, blocker)
    in session ``session_id``."""
    if evidence:
        raise unsupported(
            "evidence",
            "a cmos capture links to a mission, not to evidence records",
            "pass mission_id, or name the evidence in the content",
        )
    client = original_client(repo_root, db_path, agent)
    note = (context or "").strip()
    text = f"{content}\n\nContext: {note}" if note else content
    args = ["session", "capture", *flag("session", session_id), *flag("mission", mission_id)]
    # The text goes through standard input (`-`): no argument-length limit, no flag look-alikes.
    outcome: Dict[str, Any] = client.run([*args, "--", category, "-"], stdin=text)
    return outcome


def complete(
    session_id: str,
    summary: str,
    *,
    next_steps: Optional[List[str]] = None,
    validation_score: Optional[Union[float, int, str]] = None,
    evidence: Optional[Sequence[str]] = None,
    tokens_in: Optional[int] = None,
    tokens_out: Optional[int] = None,
    latency_ms: Optional[int] = None,
    accepted: Optional[int] = None,
    defects: Optional[int] = None,
    model: Optional[str] = None,
    agent: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
    db_path: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Close session ``session_id`` with ``summary`` and the ``next_steps`` for whoever comes
    next; returns the closed session. ``validation_score`` (0 to 1) and ``evidence`` give the
    session its ``validation_state`` (``auto_approved``, ``needs_review`` or
    ``human_required``, as the validation policy says); the measures are recorded as a metric
    of the session. A bad score or measure raises CmosError and leaves the session open."""
    client = original_client(repo_root, db_path, agent)
    args = ["session", "complete", *flag("session", session_id), *flag("summary", summary)]
    for step in next_steps or []:
        args += flag("next-step", step)
    if validation_score is not None:
        args += flag("validation-score", str(validation_score))
    args += repeated("evidence", evidence)
    args += measures(
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        latency_ms=latency_ms,
        accepted=accepted,
        defects=defects,
        model=model,
    )
    outcome: Dict[str, Any] = client.run(args)
    return outcome


class SessionRuntime(OriginalRuntime):
    """The original's class form (``with SessionRuntime() as runtime``): the same operations
    as the functions above, on one project."""

    def start_session(self, session_type: str, title: str, **kwargs: Any) -> str:
        return start(session_type, title, repo_root=self.repo_root, **kwargs)

    def capture_insight(
        self, session_id: str, category: str, content: str, **kwargs: Any
    ) -> Dict[str, Any]:
        return capture(session_id, category, content, repo_root=self.repo_root, **kwargs)

    def complete_session(self, session_id: str, summary: str, **kwargs: Any) -> Dict[str, Any]:
        return complete(session_id, summary, repo_root=self.repo_root, **kwargs)


__all__ = [
    "SessionRuntime",
    "SessionError",
    "SessionRuntimeError",
    "ActiveSessionError",
    "ValidationError",
    "NoActiveSessionError",
    "start",
    "capture",
    "complete",
]
