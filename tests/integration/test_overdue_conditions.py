"""The overdue-conditions sweep: flags an open condition the day after it is due, notifies its owner and
the improvement's owner once, and resolves the flag when the condition is closed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from changeauth.models import Condition, Flag, GateDecision, Notification, User
from changeauth.services import gates
from changeauth.services.condition_monitoring import sweep_overdue_conditions
from tests.factories import ImprovementFactory, UserFactory

DUE = date(2027, 1, 31)


def _condition(db_session: Any) -> Condition:
    work = ImprovementFactory(approved=True)
    da, owner = UserFactory(design_authority=True), UserFactory()
    decision = GateDecision(
        improvement_id=work.id,
        gate="G1",
        decision="go_with_conditions",
        rationale="ok",
        decided_by_id=da.id,
        decided_at=datetime(2026, 11, 1, tzinfo=UTC),
        from_stage="business_case",
        to_stage="approved",
    )
    condition = Condition(
        improvement_id=work.id, text="Agree the provider", owner_id=owner.id, due_date=DUE, status="open"
    )
    decision.conditions = [condition]
    db_session.add(decision)
    db_session.commit()
    return condition


def test_not_flagged_on_the_due_date_flagged_the_day_after(db_session: Any) -> None:
    condition = _condition(db_session)
    assert sweep_overdue_conditions(DUE)["raised"] == 0
    counts = sweep_overdue_conditions(date(2027, 2, 1))
    assert counts["raised"] == 1
    flag = db_session.scalar(select(Flag).where(Flag.kind == "condition_overdue"))
    assert (flag.subject_type, flag.subject_id) == ("condition", condition.id)
    recipients = set(
        db_session.scalars(select(Notification.user_id).where(Notification.kind == "flag.condition_overdue"))
    )
    assert condition.owner_id in recipients


def test_a_second_sweep_raises_nothing_new(db_session: Any) -> None:
    _condition(db_session)
    sweep_overdue_conditions(date(2027, 2, 1))
    again = sweep_overdue_conditions(date(2027, 2, 2))
    assert (again["raised"], again["notified"]) == (0, 0)


def test_closing_the_condition_resolves_the_flag(db_session: Any) -> None:
    condition = _condition(db_session)
    sweep_overdue_conditions(date(2027, 2, 1))
    owner = db_session.get(User, condition.owner_id)
    gates.close_condition(condition, actor=owner, status="met", note="Signed.")
    assert sweep_overdue_conditions(date(2027, 2, 3))["resolved"] == 1
    assert db_session.scalar(select(Flag.resolved_on)) == date(2027, 2, 3)
