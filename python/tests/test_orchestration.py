"""The orchestration layer from Python: the confidence gate on mission and session completion,
approval and rejection, metrics, policies and reports, driven against the real cmos binary."""

from __future__ import annotations

import datetime

import cmos.mission_runtime as mission_runtime
import cmos.session_runtime as session_runtime
from cmos import CmosError, orchestration
from cmos.orchestration import (
    Orchestration,
    add_metric,
    get_policy,
    list_metrics,
    list_policies,
    set_policy,
    sprint_report,
    unset_policy,
    weekly_report,
)
from context.mission_runtime import approve, complete, reject, start

from support import RepoTestCase


class ConfidenceGateTest(RepoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cmos("mission", "add", "B1.1", "First mission")
        self.cmos("mission", "add", "B1.2", "Second mission")
        start("B1.1", summary="go", agent="worker")

    def test_context_import_path_provides_approve_and_reject(self) -> None:
        self.assertIs(approve, mission_runtime.approve)
        self.assertIs(reject, mission_runtime.reject)

    def test_a_high_score_completes_with_its_evidence_recorded(self) -> None:
        result = complete(
            "B1.1",
            summary="done",
            notes="all tests pass",
            agent="worker",
            validation_score=0.85,
            evidence=["cargo test: 412 passed", "--reviewed by a peer"],
        )
        self.assertEqual(result["to"], "Completed")
        self.assertEqual(result["approval_state"], "auto_approved")
        self.assertEqual(result.event["status"], "completed")
        self.assertEqual(result.event["validation_score"], 0.85)
        self.assertEqual(result.next_mission, "B1.2")
        shown = self.mission("B1.1")
        self.assertEqual(shown["validation_score"], 0.85)
        self.assertEqual(shown["evidence"], ["cargo test: 412 passed", "--reviewed by a peer"])

    def test_a_score_in_the_review_range_waits_until_someone_else_approves(self) -> None:
        result = complete(
            "B1.1", summary="done", notes="n", agent="worker", validation_score=0.72, evidence="ok"
        )
        self.assertEqual(result["to"], "In Progress")
        self.assertEqual(result.event["status"], "needs_review")
        self.assertIsNone(result.next_mission)
        self.assertEqual(self.mission("B1.1")["status"], "In Progress")
        with self.assertRaises(CmosError) as caught:
            approve("B1.1", agent="worker")
        self.assertEqual(caught.exception.code, "refused")
        self.assertIn("own work", caught.exception.message)
        approved = approve("B1.1", note="read the diff", agent="lead")
        self.assertEqual(approved["to"], "Completed")
        self.assertEqual(approved["approval_state"], "approved")
        self.assertEqual(approved.event["status"], "completed")
        self.assertEqual(approved.next_mission, "B1.2")

    def test_reject_sends_the_mission_back_with_the_reason(self) -> None:
        complete("B1.1", summary="done", notes="n", agent="worker", validation_score=0.7)
        rejected = reject("B1.1", reason="-the edge cases are untested", agent="lead")
        self.assertEqual(rejected["to"], "In Progress")
        self.assertEqual(rejected["approval_state"], "rejected")
        self.assertEqual(rejected.event["status"], "rejected")
        shown = self.mission("B1.1")
        self.assertEqual(shown["review_note"], "-the edge cases are untested")
        self.assertEqual(shown["status"], "In Progress")

    def test_a_low_score_or_one_outside_0_to_1_is_refused_and_nothing_moves(self) -> None:
        before = self.commits()
        for score in (1.5, -0.1, "high"):
            with self.assertRaises(CmosError) as caught:
                complete("B1.1", summary="done", notes="n", validation_score=score)
            self.assertEqual(caught.exception.code, "invalid_input", score)
        self.assertEqual(self.commits(), before)
        with self.assertRaises(CmosError) as caught:
            complete("B1.1", summary="done", notes="n", validation_score=0.41)
        self.assertEqual(caught.exception.code, "refused")
        self.assertEqual(self.mission("B1.1")["status"], "In Progress")

    def test_the_class_form_approves_and_rejects(self) -> None:
        with mission_runtime.MissionRuntime(repo_root=self.repo) as runtime:
            runtime.complete_mission(
                "B1.1", summary="s", notes="n", agent="worker", validation_score=0.65
            )
            runtime.reject_mission("B1.1", reason="not yet", agent="lead")
            runtime.complete_mission(
                "B1.1", summary="s", notes="n", agent="worker", validation_score=0.7
            )
            result = runtime.approve_mission("B1.1", agent="lead")
        self.assertEqual(result["to"], "Completed")


class SessionCompletionTest(RepoTestCase):
    def test_complete_records_score_evidence_and_metrics_in_one_commit(self) -> None:
        self.cmos("mission", "add", "B1.1", "First mission")
        session_id = session_runtime.start("build", "Build it", agent="worker")
        before = len(self.commits())
        closed = session_runtime.complete(
            session_id,
            "Built",
            validation_score=0.65,
            evidence=["smoke test"],
            tokens_in=1200,
            tokens_out=300,
            latency_ms=4500,
            model="sonnet",
        )
        self.assertEqual(len(self.commits()), before + 1)
        self.assertEqual(closed["status"], "Completed")
        self.assertEqual(closed["validation_state"], "needs_review")
        self.assertEqual(closed["validation_score"], 0.65)
        self.assertEqual(closed["evidence"], ["smoke test"])
        (metric,) = list_metrics(session_id=session_id)
        self.assertEqual((metric["tokens_in"], metric["model"]), (1200, "sonnet"))

    def test_a_negative_measure_raises_and_leaves_the_session_open(self) -> None:
        session_id = session_runtime.start("build", "Build it")
        with self.assertRaises(CmosError) as caught:
            session_runtime.complete(session_id, "Built", tokens_in=-5)
        self.assertEqual(caught.exception.code, "invalid_input")
        self.assertIn("negative", caught.exception.message)
        self.assertEqual(self.cmos("session", "show", session_id)["status"], "Active")


class MetricsPoliciesReportsTest(RepoTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cmos("mission", "add", "B1.1", "First mission")
        self.cmos("mission", "add", "B1.2", "Second mission")

    def test_metrics_roll_up_into_the_weekly_and_sprint_reports(self) -> None:
        for tokens in (100, 200, 600):
            add_metric(mission_id="B1.1", tokens_in=tokens, latency_ms=10)
        added = add_metric(mission_id="B1.2", defects=1, model="haiku", agent="bot")
        self.assertEqual((added["mission"], added["defects"]), ("B1.2", 1))
        self.assertEqual(len(list_metrics()), 4)
        self.assertEqual(len(list_metrics(mission_id="B1.1", limit=2)), 2)

        weekly = weekly_report()
        self.assertEqual(weekly["kind"], "weekly")
        self.assertEqual(weekly["total"]["metrics"], 4)
        b11 = weekly["by_mission"][0]
        self.assertEqual(b11["key"], "B1.1")
        self.assertEqual((b11["tokens_in"]["mean"], b11["tokens_in"]["median"]), (300.0, 200.0))
        self.assertEqual(weekly_report(since=datetime.date(2999, 1, 1))["total"]["metrics"], 0)
        self.assertEqual(weekly_report(since="2000-01-01")["total"]["metrics"], 4)
        sprint = sprint_report("S1")
        self.assertEqual((sprint["sprint"], sprint["total"]["metrics"]), ("S1", 4))

    def test_bad_metrics_and_unknown_targets_raise_with_the_code(self) -> None:
        before = self.commits()
        cases = [
            ({"mission_id": "B1.1", "tokens_in": -1}, "invalid_input"),
            ({"mission_id": "B1.1", "latency_ms": "fast"}, "invalid_input"),
            ({"mission_id": "B1.1", "model": "m"}, "invalid_input"),
            ({"mission_id": "B9.9", "tokens_in": 1}, "not_found"),
        ]
        for kwargs, code in cases:
            with self.assertRaises(CmosError) as caught:
                add_metric(**kwargs)  # type: ignore[arg-type]
            self.assertEqual(caught.exception.code, code, kwargs)
        with self.assertRaises(CmosError) as caught:
            sprint_report("S9")
        self.assertEqual(caught.exception.code, "not_found")
        self.assertEqual(self.commits(), before)

    def test_policies_are_read_set_checked_and_unset(self) -> None:
        self.assertEqual(get_policy("validation.auto_approve_min")["value"], 0.8)
        changed = set_policy("validation.auto_approve_min", 0.9, agent="lead")
        self.assertEqual((changed["value"], changed["previous"]), (0.9, 0.8))
        self.assertEqual(changed["set_by"], "lead")
        self.assertIs(set_policy("validation.allow_self_approval", True)["value"], True)
        self.assertEqual(set_policy("limits.tool_cap", 50)["value"], 50)
        listed = {p["key"]: p for p in list_policies()}
        self.assertEqual(listed["limits.tool_cap"]["source"], "set")
        self.assertEqual(listed["routing.simple"]["source"], "default")
        before = self.commits()
        for key, value in [("limits.tool_cap", "x"), ("validation.auto_approve_min", 2)]:
            with self.assertRaises(CmosError) as caught:
                set_policy(key, value)
            self.assertEqual(caught.exception.code, "invalid_input", key)
            self.assertIn(key, caught.exception.message)
        self.assertEqual(self.commits(), before)
        self.assertEqual(unset_policy("validation.auto_approve_min")["source"], "default")

    def test_a_policy_change_moves_the_gate(self) -> None:
        start("B1.1", summary="go", agent="worker")
        set_policy("validation.allow_self_approval", True)
        result = complete("B1.1", summary="s", notes="n", agent="worker", validation_score=0.7)
        self.assertEqual(result.event["status"], "needs_review")
        self.assertEqual(approve("B1.1", agent="worker")["to"], "Completed")

    def test_the_class_form_runs_the_same_operations(self) -> None:
        self.assertIs(orchestration.add_metric, add_metric)
        with Orchestration(repo_root=self.repo) as runtime:
            runtime.ensure_database()
            runtime.add_metric(mission_id="B1.1", accepted=2)
            runtime.set_policy("routing.complex", "opus")
            self.assertEqual(runtime.get_policy("routing.complex")["value"], "opus")
            self.assertEqual(runtime.weekly_report()["total"]["accepted"]["total"], 2)
            self.assertEqual(runtime.sprint_report("S1")["total"]["metrics"], 1)
            self.assertEqual(len(runtime.list_metrics()), 1)
            runtime.unset_policy("routing.complex")
            self.assertEqual(len(runtime.list_policies()), len(list_policies()))
        with self.assertRaises(CmosError):
            Orchestration(db_path="cmos/db/cmos.sqlite")
