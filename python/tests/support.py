"""Test scaffolding: a temporary git repository with a hermetic environment (as
tests/common/mod.rs builds for the Rust tests), and the real cmos binary from CMOS_BIN."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path
from typing import Any, Dict, List

# What tests/common/mod.rs sets and removes: no user or system config, a fixed identity.
HERMETIC_SET = {
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author",
    "GIT_COMMITTER_EMAIL": "author@example.com",
}
HERMETIC_REMOVE = ("CMOS_AGENT", "CMOS_JSON", "GIT_DIR", "GIT_WORK_TREE")


def restore_environment(saved: Dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(saved)


class RepoTestCase(unittest.TestCase):
    """Each test runs in a fresh repository (its working directory) with a cmos project
    whose first sprint is S1; the package under test finds cmos through CMOS_BIN."""

    init = True

    def setUp(self) -> None:
        if not os.environ.get("CMOS_BIN"):
            self.fail("set CMOS_BIN to the cmos binary under test (scripts/test does)")
        # The tests change directory: a relative CMOS_BIN must keep naming the same binary.
        binary = os.path.abspath(os.environ["CMOS_BIN"])
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        root = Path(tmp.name)
        self.home = root / "home"
        self.repo = root / "work"
        self.home.mkdir()
        self.repo.mkdir()
        saved = dict(os.environ)
        self.addCleanup(restore_environment, saved)
        os.environ.update(HERMETIC_SET)
        os.environ["CMOS_BIN"] = binary
        os.environ["HOME"] = str(self.home)
        for name in HERMETIC_REMOVE:
            os.environ.pop(name, None)
        cwd = os.getcwd()
        self.addCleanup(os.chdir, cwd)
        os.chdir(self.repo)
        self.git("init", "-q", "-b", "main")
        (self.repo / "README.md").write_text("hello\n")
        self.git("add", "README.md")
        self.git("commit", "-q", "-m", "first")
        if self.init:
            self.cmos("init", "--name", "demo", "--sprint", "S1", "--sprint-title", "First sprint")

    def git(self, *args: str) -> str:
        done = subprocess.run(["git", *args], cwd=self.repo, capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, f"git {args}: {done.stderr}")
        return done.stdout

    def cmos(self, *args: str) -> Any:
        """Runs the binary directly (not through the package): the data of its envelope."""
        done = subprocess.run(
            [os.environ["CMOS_BIN"], "--json", *args], cwd=self.repo, capture_output=True, text=True
        )
        envelope: Dict[str, Any] = json.loads(done.stdout)
        self.assertTrue(envelope["ok"], f"cmos {args}: {envelope}")
        return envelope["data"]

    def mission(self, mission_id: str) -> Dict[str, Any]:
        data: Dict[str, Any] = self.cmos("mission", "show", mission_id)
        return data

    def commits(self) -> List[str]:
        return self.git("log", "--format=%H", "cmos").split()
