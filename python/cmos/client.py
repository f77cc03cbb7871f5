"""Runs the cmos binary with ``--json`` and turns its envelope into Python data or a CmosError."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, TypeVar, Union

from .errors import CmosError

PathLike = Union[str, "os.PathLike[str]"]

#: The envelope version this package reads; cmos bumps it only on incompatible changes.
SCHEMA_VERSION = 1


def find_binary() -> str:
    """The cmos program to run: ``$CMOS_BIN`` when set, else ``cmos`` on ``PATH``."""
    configured = os.environ.get("CMOS_BIN")
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise CmosError(
                "cmos_not_found",
                f"CMOS_BIN is {configured!r}, which is not an executable file",
                hint="point CMOS_BIN at the cmos binary, or unset it to use cmos from PATH",
            )
        return configured
    found = shutil.which("cmos")
    if found is None:
        raise CmosError(
            "cmos_not_found",
            "no cmos program on PATH",
            hint="install cmos (cargo install --path . in its repository) or set CMOS_BIN",
        )
    return found


class Client:
    """One project's cmos, run as a program.

    ``repo`` is a directory inside the project's git repository (cmos finds the repository
    from it, like git); ``None`` means the current directory. ``agent`` is recorded on every
    commit and event (``None``: cmos's default, ``$CMOS_AGENT`` else git's user.name).
    """

    def __init__(
        self,
        repo: Optional[PathLike] = None,
        *,
        agent: Optional[str] = None,
        binary: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> None:
        self.repo = Path(repo) if repo is not None else None
        self.agent = agent
        self.binary = binary
        self.timeout = timeout

    def envelope(self, args: Sequence[str], *, stdin: Optional[str] = None) -> Dict[str, Any]:
        """The whole envelope of ``cmos --json ARGS``, successful or not."""
        return self._invoke(args, stdin)[0]

    def run(self, args: Sequence[str], *, stdin: Optional[str] = None) -> Any:
        """The ``data`` of ``cmos --json ARGS``; raises CmosError when cmos reports a failure."""
        envelope, exit_code = self._invoke(args, stdin)
        if not envelope.get("ok"):
            raise CmosError.from_envelope(envelope, exit_code)
        return envelope.get("data")

    def _invoke(self, args: Sequence[str], stdin: Optional[str]) -> Tuple[Dict[str, Any], int]:
        command: List[str] = [self.binary or find_binary(), "--json"]
        if self.repo is not None:
            command += ["-C", str(self.repo)]
        if self.agent is not None:
            command.append(f"--agent={self.agent}")
        command += list(args)
        try:
            done = subprocess.run(
                command,
                input=(stdin or "").encode("utf-8"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise CmosError(
                "timeout",
                f"cmos {' '.join(args)} did not answer within {self.timeout} s",
                hint="raise the client's timeout, or look at what holds the repository",
            ) from error
        except OSError as error:
            raise CmosError(
                "cmos_not_found",
                f"could not run {command[0]!r}: {error}",
                hint="set CMOS_BIN to the cmos binary",
            ) from error
        try:
            envelope = json.loads(done.stdout.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            envelope = None
        if not isinstance(envelope, dict) or "ok" not in envelope:
            stderr = done.stderr.decode("utf-8", "replace").strip()
            raise CmosError(
                "bad_output",
                f"cmos exited with {done.returncode} without a JSON envelope: {stderr[:2000]}",
                hint="check that CMOS_BIN or PATH names the cmos binary",
                exit_code=done.returncode,
            )
        if envelope.get("schema_version") != SCHEMA_VERSION:
            raise CmosError(
                "bad_output",
                f"cmos answered with envelope version {envelope.get('schema_version')!r}; "
                f"this package reads version {SCHEMA_VERSION}",
                hint="install the Python package from the same cmos release as the binary",
                exit_code=done.returncode,
                envelope=envelope,
            )
        return envelope, done.returncode


def unsupported(name: str, why: str, instead: str) -> CmosError:
    """The error for an argument of the original's API that cmos cannot honour."""
    return CmosError("invalid_input", f"{name} is not supported: {why}", hint=instead)


def flag(name: str, value: Optional[str]) -> List[str]:
    # `--flag=value` keeps a value that starts with `-` from reading as another flag.
    return [f"--{name}={value}"] if value is not None else []


def repeated(name: str, values: Union[str, Sequence[str], None]) -> List[str]:
    """A flag given once per value (``--evidence=a --evidence=b``); one string is one value."""
    if isinstance(values, str):
        values = [values]
    return [arg for value in values or [] for arg in flag(name, value)]


def measures(**given: Union[int, str, None]) -> List[str]:
    """The flags of a metric's measures (``tokens_in=1200`` is ``--tokens-in=1200``); cmos
    checks the values (whole numbers, 0 or more) and says what is wrong with one."""
    args: List[str] = []
    for name, value in given.items():
        if value is not None:
            args += flag(name.replace("_", "-"), str(value))
    return args


def original_client(
    repo_root: Optional[PathLike], db_path: Optional[PathLike], agent: Optional[str]
) -> Client:
    """A client for the original's arguments: ``repo_root`` is where to run; ``db_path`` is
    refused, since there is no database file."""
    if db_path is not None:
        raise unsupported(
            "db_path",
            "cmos keeps its state on the cmos branch of the git repository, not in a database file",
            "pass repo_root (a directory in the project's repository) instead of db_path",
        )
    return Client(repo_root, agent=agent)


_Runtime = TypeVar("_Runtime", bound="OriginalRuntime")


class OriginalRuntime:
    """What the original's ``MissionRuntime`` and ``SessionRuntime`` classes share: one
    project (``repo_root``), a context manager with nothing to close (each call runs cmos
    once), and a check that the project can be read."""

    def __init__(
        self, *, repo_root: Optional[PathLike] = None, db_path: Optional[PathLike] = None
    ) -> None:
        original_client(repo_root, db_path, None)  # refuses db_path now, as the functions do
        self.repo_root = repo_root

    def __enter__(self: _Runtime) -> _Runtime:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to close: each call runs cmos once."""

    def ensure_database(self) -> None:
        """Raises CmosError unless the project's cmos branch can be read."""
        original_client(self.repo_root, None, None).run(["status"])
