"""The temporary-resources, hold-reviews, triage-sla and verify-audit-chain jobs at their edges, and the
runner's claim: a period runs once, a failed or crashed run can be retried, a failure rolls back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, text

from changeauth.jobs import JobSpec, get_job
from changeauth.jobs.runner import RunResult, run_job
from changeauth.models import AuditEvent, Flag, JobRun, Notification
from changeauth.services import temporary_resources as resource_service
from tests.factories import ImprovementFactory, TemporaryResourceFactory, UserFactory


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def run(name: str, as_of: date) -> RunResult:
    result = run_job(get_job(name), as_of)
    assert result.status == "succeeded", result.error
    return result


def open_flags(db_session: Any, subject_type: str, subject_id: int) -> set[str]:
    return set(
        db_session.scalars(
            select(Flag.kind).where(
                Flag.subject_type == subject_type, Flag.subject_id == subject_id, Flag.resolved_on.is_(None)
            )
        )
    )


class TestTemporaryResources:
    def test_a_resource_ending_today_is_ending_soon_and_overruns_tomorrow(self, db_session: Any) -> None:
        resource = TemporaryResourceFactory(end_date=date(2027, 3, 31))
        run("temporary-resources", date(2027, 3, 31))
        assert open_flags(db_session, "temporary_resource", resource.id) == {"temporary_resource_ending"}
        result = run("temporary-resources", date(2027, 4, 1))
        assert open_flags(db_session, "temporary_resource", resource.id) == {"temporary_resource_overrun"}
        assert result.counts["overrun_raised"] == 1 and result.counts["ending_resolved"] == 1
        kinds = db_session.scalars(
            select(Notification.kind).where(Notification.user_id == resource.owner_id)
        ).all()
        assert sorted(kinds) == ["flag.temporary_resource_ending", "flag.temporary_resource_overrun"]

    def test_ending_soon_starts_30_days_before_the_end(self, db_session: Any) -> None:
        # End 31 Mar 2027: 1 Mar 2027 is 30 days before (ending soon); 28 Feb is 31 days before (active).
        resource = TemporaryResourceFactory(end_date=date(2027, 3, 31))
        run("temporary-resources", date(2027, 2, 28))
        assert open_flags(db_session, "temporary_resource", resource.id) == set()
        run("temporary-resources", date(2027, 3, 1))
        assert open_flags(db_session, "temporary_resource", resource.id) == {"temporary_resource_ending"}

    def test_an_extension_takes_it_out_of_overrun_and_the_job_agrees(self, db_session: Any) -> None:
        resource = TemporaryResourceFactory(end_date=date(2027, 3, 31))
        run("temporary-resources", date(2027, 4, 10))
        approver = UserFactory(finance=True)
        resource_service.extend_resource(
            resource,
            actor=approver,
            extension_until=date(2027, 9, 30),
            reason="Go-live moved to September",
            expected_version=resource.version,
            today=date(2027, 4, 10),
        )
        assert open_flags(db_session, "temporary_resource", resource.id) == set()
        result = run("temporary-resources", date(2027, 4, 11))
        assert result.counts["raised"] == 0
        run("temporary-resources", date(2027, 9, 30))
        assert open_flags(db_session, "temporary_resource", resource.id) == {"temporary_resource_ending"}
        run("temporary-resources", date(2027, 10, 1))
        assert open_flags(db_session, "temporary_resource", resource.id) == {"temporary_resource_overrun"}

    def test_an_actual_end_resolves_and_is_never_flagged_again(self, db_session: Any) -> None:
        resource = TemporaryResourceFactory(end_date=date(2027, 3, 31))
        run("temporary-resources", date(2027, 4, 5))
        resource_service.end_resource(
            resource,
            actor=resource.owner,
            actual_end_date=date(2027, 4, 5),
            expected_version=resource.version,
            today=date(2027, 4, 5),
        )
        assert open_flags(db_session, "temporary_resource", resource.id) == set()
        run("temporary-resources", date(2027, 4, 6))
        assert open_flags(db_session, "temporary_resource", resource.id) == set()

    def test_a_planned_resource_is_not_flagged_before_it_starts(self, db_session: Any) -> None:
        resource = TemporaryResourceFactory(start_date=date(2027, 3, 20), end_date=date(2027, 3, 31))
        run("temporary-resources", date(2027, 3, 19))
        assert open_flags(db_session, "temporary_resource", resource.id) == set()
        run("temporary-resources", date(2027, 3, 20))
        assert open_flags(db_session, "temporary_resource", resource.id) == {"temporary_resource_ending"}


class TestHoldReviews:
    def test_a_hold_past_its_date_is_flagged_for_the_design_authority_and_owner(
        self, db_session: Any
    ) -> None:
        member = UserFactory(design_authority=True)
        owner = UserFactory(manager=True)
        held = ImprovementFactory(on_hold=True, hold_until=date(2027, 1, 15), owner=owner)
        run("hold-reviews", date(2027, 1, 15))
        assert open_flags(db_session, "improvement", held.id) == set()
        run("hold-reviews", date(2027, 1, 16))
        assert open_flags(db_session, "improvement", held.id) == {"hold_review_due"}
        told = set(
            db_session.scalars(
                select(Notification.user_id).where(Notification.kind == "flag.hold_review_due")
            )
        )
        assert {member.id, owner.id} <= told

    def test_moving_the_hold_resolves_it(self, db_session: Any) -> None:
        held = ImprovementFactory(on_hold=True, hold_until=date(2027, 1, 15))
        run("hold-reviews", date(2027, 1, 20))
        held.hold_until = date(2027, 6, 30)
        db_session.commit()
        run("hold-reviews", date(2027, 1, 21))
        assert open_flags(db_session, "improvement", held.id) == set()


class TestTriageSla:
    def test_ten_working_days_skip_the_weekends(self, db_session: Any) -> None:
        # Submitted Monday 2 Nov 2026 at 09:00 London: ten working days later is Monday 16 Nov.
        member = UserFactory(design_authority=True)
        idea = ImprovementFactory(created_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
        run("triage-sla", date(2026, 11, 16))
        assert open_flags(db_session, "improvement", idea.id) == set()
        run("triage-sla", date(2026, 11, 17))
        assert open_flags(db_session, "improvement", idea.id) == {"triage_overdue"}
        assert member.id in set(
            db_session.scalars(select(Notification.user_id).where(Notification.kind == "flag.triage_overdue"))
        )

    def test_a_late_evening_submission_counts_from_its_london_day(self, db_session: Any) -> None:
        # 23:30 UTC on Sun 1 Nov 2026 is still Sunday in London (GMT); from Sunday, ten working days
        # end on Fri 13 Nov, so the idea is overdue on Sat 14 Nov.
        idea = ImprovementFactory(created_at=datetime(2026, 11, 1, 23, 30, tzinfo=UTC))
        run("triage-sla", date(2026, 11, 13))
        assert open_flags(db_session, "improvement", idea.id) == set()
        run("triage-sla", date(2026, 11, 14))
        assert open_flags(db_session, "improvement", idea.id) == {"triage_overdue"}

    def test_the_flag_resolves_when_the_idea_leaves_submitted(self, db_session: Any) -> None:
        idea = ImprovementFactory(created_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
        run("triage-sla", date(2026, 11, 20))
        idea.status = "needs_info"
        db_session.commit()
        run("triage-sla", date(2026, 11, 23))
        assert open_flags(db_session, "improvement", idea.id) == set()


class TestVerifyAuditChain:
    def test_records_that_it_checked_and_alerts_administrators_once_when_broken(
        self, db_session: Any
    ) -> None:
        admin = UserFactory(admin=True)
        result = run("verify-audit-chain", date(2026, 11, 29))
        assert result.counts["ok"] == 1
        assert db_session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == (
            "audit.chain_verified"
        )
        first_id = db_session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).limit(1))
        if db_session.get_bind().dialect.name == "sqlite":
            db_session.execute(text("DROP TRIGGER audit_event_no_update"))
        else:
            db_session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        db_session.execute(text("UPDATE audit_event SET action = 'forged' WHERE id = :id"), {"id": first_id})
        broken = run("verify-audit-chain", date(2026, 11, 30))
        again = run("verify-audit-chain", date(2026, 12, 1))
        assert broken.counts["ok"] == 0 and broken.counts["first_broken_id"] == first_id
        assert broken.counts["notified"] >= 1 and again.counts["notified"] == 0
        kinds = db_session.scalars(select(Notification.kind).where(Notification.user_id == admin.id)).all()
        assert kinds == ["audit.chain_broken"]


def _exploding(as_of: date) -> dict[str, int]:
    from changeauth.services import flags

    flags.raise_flag(
        kind="hold_review_due",
        subject_type="improvement",
        subject_id=999_999,
        on=as_of,
        message="half-written",
    )
    raise RuntimeError("disk on fire")


class TestRunner:
    SPEC = JobSpec("test-exploding", _exploding, {"hour": 6}, "A job that fails after writing.")

    def test_a_failure_rolls_back_the_work_and_is_recorded(self, db_session: Any) -> None:
        result = run_job(self.SPEC, date(2026, 11, 29))
        assert (result.ran, result.status) == (True, "failed")
        assert "disk on fire" in (result.error or "")
        assert db_session.scalar(select(Flag).where(Flag.subject_id == 999_999)) is None
        claim = db_session.scalar(select(JobRun).where(JobRun.job == "test-exploding"))
        assert claim.status == "failed" and "disk on fire" in claim.error

    def test_a_failed_run_is_retried_by_the_next_run(self, db_session: Any) -> None:
        run_job(self.SPEC, date(2026, 11, 29))
        working = JobSpec(
            "test-exploding", lambda as_of: {"raised": 0, "resolved": 0}, {"hour": 6}, "Now fixed."
        )
        retry = run_job(working, date(2026, 11, 29))
        assert (retry.ran, retry.status) == (True, "succeeded")
        runs = db_session.scalars(select(JobRun).where(JobRun.job == "test-exploding")).all()
        assert [(r.period_key, r.status, r.error) for r in runs] == [("2026-11-29", "succeeded", None)]
        assert run_job(working, date(2026, 11, 29)).ran is False

    def test_a_crashed_run_is_taken_over_only_after_its_lease(self, db_session: Any) -> None:
        working = JobSpec("test-crashed", lambda as_of: {"raised": 0}, {"hour": 6}, "Works.")
        db_session.add(
            JobRun(
                job="test-crashed",
                period_key="2026-11-29",
                status="running",
                started_at=datetime.now(UTC) - timedelta(minutes=5),
            )
        )
        db_session.commit()
        assert run_job(working, date(2026, 11, 29)).ran is False
        claim = db_session.scalar(select(JobRun).where(JobRun.job == "test-crashed"))
        claim.started_at = datetime.now(UTC) - timedelta(hours=2)
        db_session.commit()
        assert run_job(working, date(2026, 11, 29)).status == "succeeded"
