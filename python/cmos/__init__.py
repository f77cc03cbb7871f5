"""Python API for cmos, and the original CMOS's ``mission_runtime``/``session_runtime`` helpers.

Automation written for the original keeps its imports::

    from context.mission_runtime import next_mission, start, complete, block
    from context.session_runtime import start, capture, complete

and new code imports the same functions from ``cmos.mission_runtime`` and
``cmos.session_runtime``, or runs any command with ``cmos.Client().run([...])``.

The orchestration layer is reachable the same way: ``mission_runtime.complete`` and
``session_runtime.complete`` take a ``validation_score`` and ``evidence`` (the confidence
gate), ``mission_runtime.approve``/``reject`` settle a mission that waits for review, and
:mod:`cmos.orchestration` records metrics, reads and sets policies and builds reports.

Why a client over ``cmos --json`` rather than in-process bindings (PyO3/maturin):

* users need nothing but the cmos binary they already have: no Rust toolchain, no compiled
  wheel per platform and Python version;
* every rule has one implementation, in cmos: this package maps the original's arguments onto
  cmos commands and never decides a transition itself;
* the JSON envelope (``schema_version``, ``ok``, ``data``, ``error``) is already cmos's stable
  contract with scripts and agents, so this package depends on nothing less stable.

The cost is one process per call (milliseconds), which automation of this kind does not feel.
Results are plain dicts and lists; failures raise :class:`CmosError` with the envelope's
``code``, ``message`` and ``hint``. The binary is ``$CMOS_BIN`` when set, else ``cmos`` on PATH.
"""

from . import mission_runtime, orchestration, session_runtime
from .client import Client, find_binary
from .errors import CmosError

__all__ = [
    "Client",
    "CmosError",
    "find_binary",
    "mission_runtime",
    "orchestration",
    "session_runtime",
]
