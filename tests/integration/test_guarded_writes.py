"""Every guarded write (services/guards.py) refuses to overwrite a row that another transaction changed
after this one read it: the UPDATE carries the version it read, so it finds no row and the service raises
VersionConflict instead of losing the other person's change.

The other transaction is stood in for by a plain UPDATE that moves the version behind the ORM's back, which
is what a concurrent commit looks like to a session that read the row before it (on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from changeauth.domain.errors import VersionConflict
from changeauth.models import Condition, GateCriterion, GateDecision, Improvement, TemporaryResource
from changeauth.services import gates
from changeauth.services import improvements as improvement_service
from changeauth.services import temporary_resources as resource_service
from tests.factories import ImprovementFactory, TemporaryResourceFactory, UserFactory


def _changed_behind_our_back(db_session: Any, model: Any, row_id: int, **values: Any) -> None:
    db_session.execute(
        update(model)
        .where(model.id == row_id)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    )


def test_closing_a_condition_someone_has_just_closed_is_refused(db_session: Any) -> None:
    work = ImprovementFactory(approved=True)
    member, owner = UserFactory(design_authority=True), UserFactory()
    decision = GateDecision(
        improvement_id=work.id,
        gate="G1",
        decision="go_with_conditions",
        rationale="ok",
        decided_by_id=member.id,
        decided_at=datetime(2026, 11, 1, tzinfo=UTC),
        from_stage="business_case",
        to_stage="approved",
    )
    condition = Condition(improvement_id=work.id, text="Sign", owner_id=owner.id, due_date=date(2027, 1, 31))
    decision.conditions = [condition]
    db_session.add(decision)
    db_session.flush()
    assert condition.version == 1

    _changed_behind_our_back(db_session, Condition, condition.id, note="Their note")
    with pytest.raises(VersionConflict):
        gates.close_condition(condition, actor=owner, status="met", note="My note", expected_version=1)

    db_session.rollback()


def test_editing_a_criterion_someone_has_just_edited_is_refused(db_session: Any) -> None:
    admin = UserFactory(admin=True)
    criterion = db_session.scalar(select(GateCriterion).order_by(GateCriterion.id).limit(1))
    seen = criterion.version

    _changed_behind_our_back(db_session, GateCriterion, criterion.id, text="Their wording")
    with pytest.raises(VersionConflict):
        gates.update_gate_criterion(
            criterion,
            actor=admin,
            text="My wording",
            kind=criterion.kind,
            check=criterion.check,
            is_active=criterion.is_active,
            expected_version=seen,
        )


def test_a_guarded_write_moves_the_version_once(db_session: Any) -> None:
    admin = UserFactory(admin=True)
    criterion = db_session.scalar(select(GateCriterion).order_by(GateCriterion.id).limit(1))
    seen = criterion.version
    gates.update_gate_criterion(
        criterion,
        actor=admin,
        text="Clearer wording",
        kind=criterion.kind,
        check=criterion.check,
        is_active=criterion.is_active,
        expected_version=seen,
    )
    db_session.expire_all()
    assert db_session.get(GateCriterion, criterion.id).version == seen + 1


def test_extending_a_resource_someone_has_just_extended_is_refused(db_session: Any) -> None:
    resource = TemporaryResourceFactory(end_date=date(2027, 3, 31))
    approver = UserFactory(finance=True)
    assert resource.version == 1

    _changed_behind_our_back(
        db_session,
        TemporaryResource,
        resource.id,
        extension_until=date(2027, 6, 30),
        extension_reason="Theirs",
    )
    with pytest.raises(VersionConflict):
        resource_service.extend_resource(
            resource,
            actor=approver,
            extension_until=date(2027, 9, 30),
            reason="Mine",
            expected_version=1,
        )
    db_session.rollback()


def test_editing_an_improvement_someone_has_just_edited_is_refused(db_session: Any) -> None:
    improvement = ImprovementFactory(approved=True)
    owner = improvement.owner
    assert improvement.version == 1

    _changed_behind_our_back(db_session, Improvement, improvement.id, title="Their title for the work")
    with pytest.raises(VersionConflict):
        improvement_service.update_improvement(
            improvement, actor=owner, expected_version=1, changes={"title": "My title for the work"}
        )
    # The refusal leaves the session usable (a page can show it), and nothing of the edit was written.
    assert db_session.scalar(select(Improvement.title).where(Improvement.id == improvement.id)) != (
        "My title for the work"
    )


def test_editing_an_improvement_moves_its_version_once_and_a_new_one_starts_at_one(db_session: Any) -> None:
    submitter = UserFactory()
    improvement = improvement_service.submit_idea(
        submitter, title="Book bulky waste online", problem="p", proposal="q", driver_codes=["channel_shift"]
    )
    assert (improvement.version, improvement.ref.startswith("IMP-")) == (1, True)
    improvement_service.update_improvement(
        improvement, actor=submitter, expected_version=1, changes={"title": "Book bulky waste collections"}
    )
    db_session.expire_all()
    assert db_session.get(Improvement, improvement.id).version == 2
