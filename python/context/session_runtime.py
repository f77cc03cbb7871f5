"""The original's ``context.session_runtime``: the helpers of :mod:`cmos.session_runtime`."""

from cmos.session_runtime import (  # noqa: F401 (re-exported names)
    ActiveSessionError,
    NoActiveSessionError,
    SessionError,
    SessionRuntimeError,
    ValidationError,
    capture,
    complete,
    start,
)

__all__ = [
    "SessionError",
    "SessionRuntimeError",
    "ActiveSessionError",
    "ValidationError",
    "NoActiveSessionError",
    "start",
    "capture",
    "complete",
]
