"""The original's ``context.session_runtime``: the helpers of :mod:`cmos.session_runtime`."""

from cmos.session_runtime import *  # noqa: F401,F403 (the original's names, re-exported)
from cmos.session_runtime import __all__  # noqa: F401
