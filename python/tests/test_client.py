"""Finding the binary and reading its envelope: what a script sees when something is off."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from cmos import Client, CmosError, find_binary

from support import RepoTestCase


class ClientTest(RepoTestCase):
    init = False

    def test_an_uninitialised_repository_raises_not_initialized_with_its_hint(self) -> None:
        with self.assertRaises(CmosError) as caught:
            Client().run(["mission", "list"])
        error = caught.exception
        self.assertEqual(error.code, "not_initialized")
        self.assertTrue(error.hint)
        self.assertNotEqual(error.exit_code, 0)
        assert error.envelope is not None
        self.assertFalse(error.envelope["ok"])
        self.assertIn(error.hint, str(error))

    def test_envelope_returns_failures_without_raising(self) -> None:
        envelope = Client(self.repo).envelope(["mission", "list"])
        self.assertFalse(envelope["ok"])
        self.assertEqual(envelope["error"]["code"], "not_initialized")

    def test_run_returns_the_data_and_records_the_agent(self) -> None:
        Client().run(["init", "--name", "demo"])
        added = Client(agent="script").run(["mission", "add", "B1.1", "First"])
        self.assertEqual(added["id"], "B1.1")
        moved = Client(agent="script").run(["mission", "start", "B1.1"])
        self.assertEqual(moved["to"], "In Progress")
        self.assertEqual(self.cmos("mission", "show", "B1.1")["transitions"][-1]["by"], "script")

    def test_cmos_is_found_on_path_when_cmos_bin_is_unset(self) -> None:
        bin_dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, bin_dir)
        os.symlink(os.environ["CMOS_BIN"], bin_dir / "cmos")
        del os.environ["CMOS_BIN"]
        os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
        self.assertEqual(find_binary(), str(bin_dir / "cmos"))
        Client().run(["init", "--name", "demo"])

    def test_no_binary_raises_cmos_not_found(self) -> None:
        del os.environ["CMOS_BIN"]
        os.environ["PATH"] = str(self.home)
        with self.assertRaises(CmosError) as caught:
            Client().run(["status"])
        self.assertEqual(caught.exception.code, "cmos_not_found")
        self.assertIn("CMOS_BIN", caught.exception.hint or "")
        os.environ["CMOS_BIN"] = str(self.home / "missing")
        with self.assertRaises(CmosError) as caught:
            Client().run(["status"])
        self.assertEqual(caught.exception.code, "cmos_not_found")

    def test_a_program_that_prints_no_envelope_raises_bad_output(self) -> None:
        fake = self.home / "not-cmos"
        fake.write_text("#!/bin/sh\necho 'Segmentation fault' >&2\nexit 139\n")
        fake.chmod(0o755)
        with self.assertRaises(CmosError) as caught:
            Client(binary=str(fake)).run(["status"])
        self.assertEqual(caught.exception.code, "bad_output")
        self.assertEqual(caught.exception.exit_code, 139)
        self.assertIn("Segmentation fault", caught.exception.message)

    def test_a_program_that_hangs_raises_timeout_not_a_subprocess_error(self) -> None:
        fake = self.home / "slow-cmos"
        fake.write_text("#!/bin/sh\nexec sleep 30\n")
        fake.chmod(0o755)
        with self.assertRaises(CmosError) as caught:
            Client(binary=str(fake), timeout=0.3).run(["status"])
        self.assertEqual(caught.exception.code, "timeout")
        self.assertIn("0.3 s", caught.exception.message)
