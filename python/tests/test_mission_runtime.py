"""The original's mission_runtime helpers, driven against the real cmos binary."""

from __future__ import annotations

import os
import tempfile

import cmos.mission_runtime as runtime
from cmos import CmosError
from context.mission_runtime import (
    MissionRuntime,
    MissionRuntimeError,
    block,
    complete,
    next_mission,
    start,
)

from support import RepoTestCase


class MissionRuntimeTest(RepoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cmos("mission", "add", "B1.1", "First mission")
        self.cmos("mission", "add", "B1.2", "Second mission")

    def test_context_import_path_provides_the_package_helpers(self) -> None:
        self.assertIs(next_mission, runtime.next_mission)
        self.assertIs(start, runtime.start)
        self.assertIs(complete, runtime.complete)
        self.assertIs(block, runtime.block)
        self.assertIs(MissionRuntimeError, CmosError)

    def test_next_mission_returns_the_first_queued_mission_with_the_original_keys(self) -> None:
        candidate = next_mission()
        assert candidate is not None
        self.assertEqual(candidate["id"], "B1.1")
        self.assertEqual(candidate["name"], "First mission")
        self.assertEqual(candidate["status"], "Queued")
        for key in ("completed_at", "notes", "metadata"):
            self.assertIn(key, candidate)
        self.assertIn("first ready Queued mission", candidate["reason"])

    def test_next_mission_prefers_the_mission_in_progress(self) -> None:
        start("B1.2", summary="Out of order")
        candidate = next_mission()
        assert candidate is not None
        self.assertEqual((candidate["id"], candidate["status"]), ("B1.2", "In Progress"))

    def test_next_mission_is_none_when_nothing_is_open(self) -> None:
        for mission_id in ("B1.1", "B1.2"):
            self.cmos("mission", "drop", mission_id, "--reason", "not needed")
        self.assertIsNone(next_mission())

    def test_start_and_complete_update_status(self) -> None:
        result = start("B1.1", summary="Starting helper mission", agent="unittest")
        self.assertEqual(self.mission("B1.1")["status"], "In Progress")
        self.assertEqual(result["to"], "In Progress")
        self.assertEqual(result.event["action"], "start")
        moved = self.mission("B1.1")["transitions"][-1]
        self.assertEqual((moved["by"], moved["note"]), ("unittest", "Starting helper mission"))

        result = complete(
            "B1.1",
            summary="Finished helper mission",
            notes="Validated helper workflow",
            agent="unittest",
            promote_next=False,
        )
        self.assertEqual(self.mission("B1.1")["status"], "Completed")
        note = self.mission("B1.1")["transitions"][-1]["note"]
        self.assertEqual(note, "Finished helper mission\n\nValidated helper workflow")
        self.assertIsNone(result.next_mission)
        self.assertEqual(self.mission("B1.2")["status"], "Queued")

    def test_complete_promotes_the_next_queued_mission_to_current(self) -> None:
        start("B1.1", summary="go")
        result = complete("B1.1", summary="done", notes="all of it")
        self.assertEqual(result.next_mission, "B1.2")
        self.assertEqual(result["event"]["next_hint"], "B1.2 is now Current")
        self.assertEqual(self.mission("B1.2")["status"], "Current")

    def test_complete_immediate_starts_the_promoted_mission(self) -> None:
        start("B1.1", summary="go")
        result = complete("B1.1", summary="done", notes="all of it", immediate=True)
        self.assertEqual(result.next_mission, "B1.2")
        self.assertEqual(result["event"]["next_hint"], "B1.2 is now In Progress")
        self.assertEqual(self.mission("B1.2")["status"], "In Progress")

    def test_text_that_looks_like_a_flag_stays_text(self) -> None:
        start("B1.1", summary="--no-promote")
        complete("B1.1", summary="done", notes="--no-promote")
        self.assertEqual(self.mission("B1.2")["status"], "Current")
        self.assertEqual(self.mission("B1.1")["transitions"][0]["note"], "--no-promote")

    def test_block_records_reason_and_needs(self) -> None:
        start("B1.1", summary="go")
        result = block(
            "B1.1",
            summary="Waiting on inputs",
            reason="Need design review",
            needs=["Architecture sign-off", "-budget"],
        )
        self.assertEqual(result["to"], "Blocked")
        self.assertEqual(result.event["needs"], ["Architecture sign-off", "-budget"])
        blocked = self.mission("B1.1")["blocked"]
        self.assertEqual(blocked["reason"], "Need design review\n\nWaiting on inputs")
        self.assertEqual(blocked["needs"], ["Architecture sign-off", "-budget"])

    def test_refused_move_raises_with_code_and_hint_and_writes_nothing(self) -> None:
        before = self.commits()
        with self.assertRaises(MissionRuntimeError) as caught:
            complete("B1.1", summary="done", notes="never started")
        error = caught.exception
        self.assertEqual(error.code, "invalid_transition")
        self.assertIn("B1.1 is Queued", error.message)
        self.assertTrue(error.hint)
        self.assertIn("In Progress", error.valid_transitions)
        self.assertNotEqual(error.exit_code, 0)
        self.assertEqual(self.commits(), before)

    def test_unknown_mission_raises_not_found(self) -> None:
        with self.assertRaises(CmosError) as caught:
            start("B9.9", summary="go")
        self.assertEqual(caught.exception.code, "not_found")

    def test_ts_and_db_path_are_refused_with_what_to_do(self) -> None:
        before = self.commits()
        with self.assertRaises(CmosError) as caught:
            start("B1.1", summary="go", ts="2025-11-01T00:00:00Z")
        self.assertEqual(caught.exception.code, "invalid_input")
        self.assertIn("ts", caught.exception.message)
        with self.assertRaises(CmosError) as caught:
            next_mission(db_path="cmos/db/cmos.sqlite")
        self.assertEqual(caught.exception.code, "invalid_input")
        self.assertIn("repo_root", caught.exception.hint or "")
        self.assertEqual(self.commits(), before)
        self.assertEqual(self.mission("B1.1")["status"], "Queued")

    def test_repo_root_runs_the_helpers_from_elsewhere(self) -> None:
        elsewhere = tempfile.TemporaryDirectory()
        self.addCleanup(elsewhere.cleanup)
        os.chdir(elsewhere.name)
        (self.repo / "cmos").mkdir()
        candidate = next_mission(repo_root=self.repo / "cmos")
        assert candidate is not None
        start(candidate["id"], summary="from outside", repo_root=str(self.repo))
        self.assertEqual(self.mission("B1.1")["status"], "In Progress")

    def test_the_class_form_runs_the_same_operations(self) -> None:
        with MissionRuntime(repo_root=self.repo) as runtime:
            runtime.ensure_database()
            candidate = runtime.fetch_next_candidate()
            assert candidate is not None
            runtime.start_mission(candidate["id"], agent="codex", summary="go")
            result = runtime.complete_mission(
                candidate["id"], agent="codex", summary="done", notes="n", promote_next=False
            )
        self.assertEqual(result["to"], "Completed")
        self.assertEqual(self.mission("B1.2")["status"], "Queued")
        with self.assertRaises(CmosError):
            MissionRuntime(db_path="cmos/db/cmos.sqlite")
