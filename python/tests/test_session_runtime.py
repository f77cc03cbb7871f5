"""The original's session_runtime helpers, driven against the real cmos binary."""

from __future__ import annotations

import cmos.session_runtime as runtime
from cmos import CmosError
from context.session_runtime import (
    SessionRuntime,
    SessionRuntimeError,
    capture,
    complete,
    start,
)

from support import RepoTestCase


class SessionRuntimeTest(RepoTestCase):
    def test_context_import_path_provides_the_package_helpers(self) -> None:
        self.assertIs(start, runtime.start)
        self.assertIs(capture, runtime.capture)
        self.assertIs(complete, runtime.complete)
        self.assertIs(SessionRuntimeError, CmosError)

    def test_a_session_from_start_to_complete(self) -> None:
        self.cmos("mission", "add", "B1.1", "First mission")
        session_id = start("planning", "Plan sprint 1", agent="planner", sprint_id="S1")
        self.assertIsInstance(session_id, str)
        captured = capture(
            session_id, "decision", "Use SQLite", context="small data", mission_id="B1.1"
        )
        self.assertEqual(captured["captures"], 1)
        self.assertEqual(captured["capture"]["mission"], "B1.1")
        capture(session_id, "next-step", "-write the schema")
        closed = complete(session_id, "Planned", next_steps=["Start B1.1", "--review"])
        self.assertEqual(closed["status"], "Completed")

        shown = self.cmos("session", "show", session_id)
        self.assertEqual(
            (shown["type"], shown["title"], shown["sprint"]), ("planning", "Plan sprint 1", "S1")
        )
        self.assertEqual(shown["agent"], "planner")
        self.assertEqual(shown["summary"], "Planned")
        self.assertEqual(shown["next_steps"], ["Start B1.1", "--review"])
        texts = [(c["category"], c["text"]) for c in shown["captures"]]
        self.assertEqual(
            texts,
            [("decision", "Use SQLite\n\nContext: small data"), ("next-step", "-write the schema")],
        )

    def test_a_second_session_in_the_worktree_is_refused(self) -> None:
        start("planning", "First")
        with self.assertRaises(CmosError) as caught:
            start("review", "Second")
        self.assertEqual(caught.exception.code, "refused")
        self.assertTrue(caught.exception.hint)

    def test_capture_into_a_closed_session_raises(self) -> None:
        session_id = start("research", "Look around")
        complete(session_id, "Looked")
        with self.assertRaises(CmosError) as caught:
            capture(session_id, "learning", "too late")
        self.assertNotEqual(caught.exception.code, "bad_output")
        self.assertEqual(self.cmos("session", "show", session_id).get("captures", []), [])

    def test_metadata_and_evidence_are_refused_before_anything_is_written(self) -> None:
        before = self.commits()
        with self.assertRaises(CmosError) as caught:
            start("planning", "Plan", metadata={"origin": "script"})
        self.assertEqual(caught.exception.code, "invalid_input")
        self.assertEqual(self.commits(), before)
        session_id = start("planning", "Plan")
        before = self.commits()
        with self.assertRaises(CmosError) as caught:
            capture(session_id, "decision", "Use SQLite", evidence=[{"type": "doc", "id": "D1"}])
        self.assertEqual(caught.exception.code, "invalid_input")
        self.assertEqual(self.commits(), before)

    def test_the_class_form_runs_the_same_operations(self) -> None:
        with SessionRuntime(repo_root=self.repo) as runtime:
            runtime.ensure_database()
            session_id = runtime.start_session("review", "Review", agent="reviewer")
            runtime.capture_insight(session_id, "learning", "Reviews find bugs")
            runtime.complete_session(session_id, "Reviewed", next_steps=["Fix them"])
        shown = self.cmos("session", "show", session_id)
        self.assertEqual((shown["status"], shown["next_steps"]), ("Completed", ["Fix them"]))
        self.assertEqual(shown["captures"][0]["text"], "Reviews find bugs")
