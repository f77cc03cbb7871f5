"""The original's ``context.mission_runtime``: the helpers of :mod:`cmos.mission_runtime`."""

from cmos.mission_runtime import (  # noqa: F401 (re-exported names)
    MissionEventResult,
    MissionRuntimeError,
    block,
    complete,
    next_mission,
    start,
)

__all__ = ["MissionEventResult", "MissionRuntimeError", "next_mission", "start", "complete", "block"]
