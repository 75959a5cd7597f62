"""The retention schedule (issue 25, item 3): the ``apply-retention`` job deletes exactly what the
schedule says, once per day however often it is started, and a council can change the schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth.domain.retention import RecordKind, RetentionSchedule
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import (
    Attachment,
    Comment,
    GateDecision,
    Improvement,
    JobRun,
    LoginAttempt,
    Notification,
    PasswordToken,
    SecondFactorAttempt,
)
from changeauth.queries.attachments import storage_dir
from tests.factories import CommentFactory, ImprovementFactory, UserFactory

AS_OF = date(2026, 6, 1)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def _ago(days: int) -> datetime:
    return NOW - timedelta(days=days)


def _count(db_session: Any, model: Any) -> int:
    return int(db_session.scalar(select(func.count()).select_from(model)) or 0)


def _attachment(db_session: Any, improvement: Improvement, name: str) -> Path:
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"%PDF-1.4 evidence")
    db_session.add(
        Attachment(
            improvement_id=improvement.id,
            title="Evidence",
            original_name="evidence.pdf",
            stored_name=name,
            media_type="application/pdf",
            size_bytes=17,
            sha256="0" * 64,
            uploaded_by_id=improvement.submitter_id,
        )
    )
    return path


@pytest.fixture
def records(db_session: Any) -> dict[str, Any]:
    """Each kind of record just inside and just outside the default schedule, on 1 June 2026."""
    person = UserFactory()
    for days in (91, 89):
        db_session.add(LoginAttempt(email_key=person.email, attempted_at=_ago(days), succeeded=False))
        db_session.add(SecondFactorAttempt(user_id=person.id, attempted_at=_ago(days), succeeded=False))
    for days in (91, 1):
        db_session.add(
            PasswordToken(
                user_id=person.id,
                purpose="set",
                token_hash=f"{days:064d}",
                created_at=_ago(days + 3),
                expires_at=_ago(days),
            )
        )
    for days in (366, 364):
        db_session.add(
            Notification(
                user_id=person.id, kind="test", text="t", dedupe_key=f"n{days}", created_at=_ago(days)
            )
        )
    for days, status, key in ((31, "succeeded", "a"), (31, "running", "b"), (29, "succeeded", "c")):
        db_session.add(JobRun(job="send-notifications", period_key=key, status=status, started_at=_ago(days)))

    old_withdrawn = ImprovementFactory(stage="withdrawn", status="withdrawn", stage_changed_at=_ago(731))
    CommentFactory(improvement=old_withdrawn, body="A comment on a withdrawn idea.")
    decided_withdrawn = ImprovementFactory(stage="withdrawn", status="withdrawn", stage_changed_at=_ago(731))
    db_session.add(
        GateDecision(
            improvement_id=decided_withdrawn.id,
            gate="G0",
            decision="go",
            rationale="ok",
            decided_by_id=person.id,
            decided_at=_ago(800),
            from_stage="idea",
            to_stage="business_case",
        )
    )
    recent_withdrawn = ImprovementFactory(stage="withdrawn", status="withdrawn", stage_changed_at=_ago(729))
    old_active = ImprovementFactory(stage_changed_at=_ago(3000))
    closed_long_ago = ImprovementFactory(stage="closed", status="closed", stage_changed_at=_ago(2191))
    db_session.flush()
    files = {
        "due": _attachment(db_session, closed_long_ago, "a" * 32 + ".pdf"),
        "kept": _attachment(db_session, old_active, "b" * 32 + ".pdf"),
        "withdrawn": _attachment(db_session, old_withdrawn, "c" * 32 + ".pdf"),
    }
    db_session.flush()
    return {
        "old_withdrawn": old_withdrawn.id,
        "kept_ideas": {decided_withdrawn.id, recent_withdrawn.id, old_active.id, closed_long_ago.id},
        "files": files,
    }


def test_it_deletes_exactly_what_the_schedule_says_once(db_session: Any, records: dict[str, Any]) -> None:
    first = run_job(get_job("apply-retention"), AS_OF)
    assert first.status == "succeeded", first.error
    assert first.counts == {
        "sign_in_attempts": 1,
        "security_events": 2,  # one second-factor attempt, one expired set-password link
        "notifications": 1,
        "job_runs": 1,
        "withdrawn_ideas": 1,
        "attachments": 1,
    }
    db_session.expire_all()
    assert [a.attempted_at for a in db_session.scalars(select(LoginAttempt))] == [_ago(89)]
    assert [a.attempted_at for a in db_session.scalars(select(SecondFactorAttempt))] == [_ago(89)]
    assert [t.expires_at for t in db_session.scalars(select(PasswordToken))] == [_ago(1)]
    assert [n.dedupe_key for n in db_session.scalars(select(Notification))] == ["n364"]
    # The running claim and the recent run stay, with this run's own claim.
    assert sorted(
        r.period_key for r in db_session.scalars(select(JobRun)) if r.job == "send-notifications"
    ) == [
        "b",
        "c",
    ]
    ideas = set(db_session.scalars(select(Improvement.id)))
    assert records["old_withdrawn"] not in ideas and records["kept_ideas"] <= ideas
    assert (
        db_session.scalar(select(Comment).where(Comment.improvement_id == records["old_withdrawn"])) is None
    )
    assert not records["files"]["due"].exists() and not records["files"]["withdrawn"].exists()
    assert records["files"]["kept"].exists()
    assert _count(db_session, Attachment) == 1

    again = run_job(get_job("apply-retention"), AS_OF)
    assert again.ran is False and again.status == "skipped"
    next_day = run_job(get_job("apply-retention"), AS_OF + timedelta(days=1))
    assert next_day.status == "succeeded" and set(next_day.counts.values()) == {0}


def test_a_council_can_change_the_schedule_or_keep_a_kind_for_ever(
    app: Flask, db_session: Any, records: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setitem(
        app.config,
        "RETENTION_DAYS",
        {**app.config["RETENTION_DAYS"], "sign_in_attempts": 30, "notifications": 0},
    )
    result = run_job(get_job("apply-retention"), AS_OF)
    assert result.counts["sign_in_attempts"] == 2
    assert result.counts["notifications"] == 0
    assert _count(db_session, Notification) == 2


def test_the_schedule_is_read_from_the_environment(monkeypatch: Any) -> None:
    from changeauth.config import ConfigError, load_config

    monkeypatch.setenv("CHANGEAUTH_RETAIN_JOB_RUNS_DAYS", "7")
    monkeypatch.setenv("CHANGEAUTH_RETAIN_ATTACHMENTS_DAYS", "0")
    schedule = RetentionSchedule.from_config(load_config("testing"))
    assert schedule.days[RecordKind.JOB_RUNS] == 7 and schedule.describe(RecordKind.JOB_RUNS) == "7 days"
    assert schedule.keeps_for_ever(RecordKind.ATTACHMENTS)
    assert schedule.describe(RecordKind.WITHDRAWN_IDEAS) == "2 years"
    monkeypatch.setenv("CHANGEAUTH_RETAIN_NOTIFICATIONS_DAYS", "a year")
    with pytest.raises(ConfigError, match="CHANGEAUTH_RETAIN_NOTIFICATIONS_DAYS"):
        load_config("testing")
