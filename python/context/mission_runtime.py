"""The original's ``context.mission_runtime``: the helpers of :mod:`cmos.mission_runtime`."""

from cmos.mission_runtime import *  # noqa: F401,F403 (the original's names, re-exported)
from cmos.mission_runtime import __all__  # noqa: F401
