"""The one exception the package raises, carrying the error of cmos's JSON envelope."""

from __future__ import annotations

from typing import Any, Dict, List, Optional


class CmosError(RuntimeError):
    """A cmos operation failed, or could not be run.

    ``code`` is the envelope's stable error code (``invalid_input``, ``not_found``,
    ``invalid_transition``, ``refused``, ``not_initialized``, ...), to match on; ``message``
    says what was wrong; ``hint`` what to do, when cmos knows. Two codes come from this
    package rather than from cmos: ``cmos_not_found`` (no binary to run) and ``bad_output``
    (the binary answered with something that is not an envelope).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        hint: Optional[str] = None,
        inputs: Optional[List[str]] = None,
        valid_transitions: Optional[List[str]] = None,
        exit_code: Optional[int] = None,
        envelope: Optional[Dict[str, Any]] = None,
    ) -> None:
        text = message if not hint else f"{message} (hint: {hint})"
        super().__init__(text)
        self.code = code
        self.message = message
        self.hint = hint
        self.inputs = list(inputs or [])
        self.valid_transitions = list(valid_transitions or [])
        self.exit_code = exit_code
        self.envelope = envelope

    @classmethod
    def from_envelope(cls, envelope: Dict[str, Any], exit_code: Optional[int]) -> "CmosError":
        error = envelope.get("error") or {}
        return cls(
            str(error.get("code") or "unknown"),
            str(error.get("message") or "cmos reported a failure without a message"),
            hint=error.get("hint"),
            inputs=error.get("inputs"),
            valid_transitions=error.get("valid_transitions"),
            exit_code=exit_code,
            envelope=envelope,
        )
