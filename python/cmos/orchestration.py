"""The orchestration layer for automation: metrics, policies and reports, run by cmos.

* ``add_metric`` records what a piece of work cost (tokens, latency, accepted work, defects,
  the model) for a session and/or a mission; ``list_metrics`` reads them back.
* ``get_policy``, ``set_policy``, ``unset_policy`` and ``list_policies`` read and change the
  project's policies (validation thresholds, limits, model routing), kept on the cmos branch.
* ``weekly_report`` and ``sprint_report`` roll the metrics up per mission and per session
  type (counts, totals, means and medians) with the estimate accuracy of completed missions.

The confidence gate itself is in :mod:`cmos.mission_runtime` (``complete`` with a
``validation_score``, ``approve``, ``reject``) and :mod:`cmos.session_runtime`
(``complete`` with a score and measures). Every function returns cmos's data as dicts and
lists and raises :class:`CmosError` when cmos refuses (code ``invalid_input`` for a negative
measure or a score outside 0 to 1, ``not_found`` for an unknown session, mission or sprint).
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional, Union

from .client import Client, OriginalRuntime, PathLike, flag, measures

#: What a policy value may be given as; booleans are written ``true``/``false``.
PolicyValue = Union[bool, int, float, str]


def _client(repo_root: Optional[PathLike], agent: Optional[str] = None) -> Client:
    return Client(repo_root, agent=agent)


def add_metric(
    *,
    session_id: Optional[str] = None,
    mission_id: Optional[str] = None,
    tokens_in: Optional[int] = None,
    tokens_out: Optional[int] = None,
    latency_ms: Optional[int] = None,
    accepted: Optional[int] = None,
    defects: Optional[int] = None,
    model: Optional[str] = None,
    agent: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Record a metric, as one commit; returns it. Without ``session_id`` it belongs to the
    session open in the worktree; without ``mission_id`` to that session's mission, else the
    active mission. At least one measure is needed."""
    args = ["metric", "add", *flag("session", session_id), *flag("mission", mission_id)]
    args += measures(
        tokens_in=tokens_in,
        tokens_out=tokens_out,
        latency_ms=latency_ms,
        accepted=accepted,
        defects=defects,
        model=model,
    )
    metric: Dict[str, Any] = _client(repo_root, agent).run(args)
    return metric


def list_metrics(
    *,
    session_id: Optional[str] = None,
    mission_id: Optional[str] = None,
    limit: int = 50,
    repo_root: Optional[PathLike] = None,
) -> List[Dict[str, Any]]:
    """The metrics of a session or a mission (every metric without either), newest first."""
    args = ["metric", "list", *flag("session", session_id), *flag("mission", mission_id)]
    listed: List[Dict[str, Any]] = _client(repo_root).run([*args, f"--limit={int(limit)}"])
    return listed


def _policy_text(value: PolicyValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def get_policy(key: str, *, repo_root: Optional[PathLike] = None) -> Dict[str, Any]:
    """One policy (``validation.auto_approve_min``, ``limits.tool_cap``, ``routing.complex``
    ...): its ``value``, its ``default`` and its ``source`` (``default`` or ``set``, with
    ``set_by`` and ``set_at``)."""
    policy: Dict[str, Any] = _client(repo_root).run(["policy", "get", "--", key])
    return policy


def set_policy(
    key: str,
    value: PolicyValue,
    *,
    agent: Optional[str] = None,
    repo_root: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """Set a policy, as one commit; cmos checks the value against the key and the other
    policies. Returns the policy with its ``previous`` value."""
    args = ["policy", "set", "--", key, _policy_text(value)]
    policy: Dict[str, Any] = _client(repo_root, agent).run(args)
    return policy


def unset_policy(
    key: str, *, agent: Optional[str] = None, repo_root: Optional[PathLike] = None
) -> Dict[str, Any]:
    """Return a policy to its default, as one commit."""
    policy: Dict[str, Any] = _client(repo_root, agent).run(["policy", "unset", "--", key])
    return policy


def list_policies(*, repo_root: Optional[PathLike] = None) -> List[Dict[str, Any]]:
    """Every policy, with its value and where it comes from."""
    policies: List[Dict[str, Any]] = _client(repo_root).run(["policy", "list"])
    return policies


def weekly_report(
    *,
    since: Optional[Union[str, datetime.date]] = None,
    repo_root: Optional[PathLike] = None,
) -> Dict[str, Any]:
    """The roll-up of the metrics recorded since ``since`` (a date or ``YYYY-MM-DD``; the
    last seven days without it): ``total``, ``by_mission``, ``by_session_type`` and
    ``estimates``."""
    day = since.isoformat() if isinstance(since, datetime.date) else since
    report: Dict[str, Any] = _client(repo_root).run(["report", "weekly", *flag("since", day)])
    return report


def sprint_report(sprint_id: str, *, repo_root: Optional[PathLike] = None) -> Dict[str, Any]:
    """The roll-up of a sprint's metrics (written in it, or about one of its missions)."""
    report: Dict[str, Any] = _client(repo_root).run(["report", "sprint", "--", sprint_id])
    return report


class Orchestration(OriginalRuntime):
    """The same operations on one project (``repo_root``), in the runtimes' class form."""

    def add_metric(self, **kwargs: Any) -> Dict[str, Any]:
        return add_metric(repo_root=self.repo_root, **kwargs)

    def list_metrics(self, **kwargs: Any) -> List[Dict[str, Any]]:
        return list_metrics(repo_root=self.repo_root, **kwargs)

    def get_policy(self, key: str) -> Dict[str, Any]:
        return get_policy(key, repo_root=self.repo_root)

    def set_policy(self, key: str, value: PolicyValue, **kwargs: Any) -> Dict[str, Any]:
        return set_policy(key, value, repo_root=self.repo_root, **kwargs)

    def unset_policy(self, key: str, **kwargs: Any) -> Dict[str, Any]:
        return unset_policy(key, repo_root=self.repo_root, **kwargs)

    def list_policies(self) -> List[Dict[str, Any]]:
        return list_policies(repo_root=self.repo_root)

    def weekly_report(self, **kwargs: Any) -> Dict[str, Any]:
        return weekly_report(repo_root=self.repo_root, **kwargs)

    def sprint_report(self, sprint_id: str) -> Dict[str, Any]:
        return sprint_report(sprint_id, repo_root=self.repo_root)


__all__ = [
    "Orchestration",
    "PolicyValue",
    "add_metric",
    "list_metrics",
    "get_policy",
    "set_policy",
    "unset_policy",
    "list_policies",
    "weekly_report",
    "sprint_report",
]
