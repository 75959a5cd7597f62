"""Accountable owners (docs/benefits-and-resources.md#accountable-owners): the benefit's owner accepts its
profile and is asked again when it changes; the senior responsible owner (the sponsor) and the benefit's
owner never validate their own figures, whatever order the steps come in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth.domain.errors import AlreadyExists, PermissionDenied, VersionConflict
from changeauth.models import AuditEvent, Notification
from changeauth.queries import benefits as benefit_queries
from changeauth.services import benefit_control, engagement
from changeauth.services import benefits as benefit_service
from changeauth.services import improvements as improvement_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def _accept(benefit: Any, actor: Any = None) -> Any:
    return benefit_control.accept_benefit(
        benefit.id, actor=actor or benefit.owner, expected_version=benefit.version
    )


def _asked(db_session: Any, user_id: int) -> int:
    return len(
        db_session.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == "benefit.accept")
        ).all()
    )


def test_a_new_benefit_asks_its_owner_to_accept_it(db_session: Any) -> None:
    improvement = ImprovementFactory(business_case=True)
    owner = UserFactory()
    benefit = benefit_service.create_benefit(
        improvement.owner,
        improvement_id=improvement.id,
        title="Calls answered online",
        driver="channel_shift",
        cash_class="not_monetised",
        unit="calls per month",
        direction="decrease",
        baseline_value=Decimal(1000),
        baseline_date=date(2026, 1, 31),
        target_value=Decimal(600),
        target_date=date(2027, 1, 31),
        frequency="quarterly",
        owner_id=owner.id,
    )
    assert not benefit.is_accepted and _asked(db_session, owner.id) == 1
    assert benefit_queries.awaiting_acceptance(owner.id, limit=5) == (1, [benefit])
    _accept(benefit, owner)
    assert benefit.is_accepted and benefit.accepted_by_id == owner.id
    assert benefit_queries.awaiting_acceptance(owner.id, limit=5)[0] == 0
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "benefit.accepted"))
    assert event.actor_id == owner.id and event.after["target_value"] == "600"


def test_only_the_owner_accepts_once_and_on_the_version_read(db_session: Any) -> None:
    benefit = BenefitFactory()
    read = benefit.version
    for someone in (
        benefit.improvement.sponsor or UserFactory(manager=True),
        UserFactory(design_authority=True),
    ):
        with pytest.raises(PermissionDenied):
            _accept(benefit, someone)
    benefit_service.update_benefit(
        benefit.id, actor=benefit.owner, changes={"title": "Renamed"}, expected_version=read
    )
    with pytest.raises(VersionConflict):
        benefit_control.accept_benefit(benefit.id, actor=benefit.owner, expected_version=read)
    _accept(benefit)
    with pytest.raises(AlreadyExists):
        _accept(benefit)


def test_a_changed_profile_or_a_new_owner_is_accepted_afresh(db_session: Any) -> None:
    benefit = BenefitFactory(improvement=ImprovementFactory(business_case=True))
    _accept(benefit)
    benefit_service.update_benefit(
        benefit.id, actor=benefit.owner, changes={"title": "Renamed"}, expected_version=benefit.version
    )
    assert benefit.is_accepted  # a new title changes nothing the owner agreed to
    benefit_service.update_benefit(
        benefit.id,
        actor=benefit.owner,
        changes={"target_value": Decimal(650)},
        expected_version=benefit.version,
    )
    assert not benefit.is_accepted
    _accept(benefit)
    newcomer = UserFactory(manager=True)
    benefit_service.update_benefit(
        benefit.id,
        actor=benefit.improvement.owner,
        changes={"owner_id": newcomer.id},
        expected_version=benefit.version,
    )
    assert not benefit.is_accepted and _asked(db_session, newcomer.id) == 1


def _validated(db_session: Any) -> tuple[Any, Any]:
    benefit = BenefitMeasurementFactory(
        benefit=BenefitFactory(cashable=True), value=Decimal(1_000_000)
    ).benefit
    finance = UserFactory(role_list=("staff", "finance", "manager"))
    benefit_service.validate_benefit(benefit.id, actor=finance)
    assert benefit.is_validated
    return benefit, finance


def test_the_senior_responsible_owner_cannot_validate(db_session: Any) -> None:
    benefit = BenefitMeasurementFactory(
        benefit=BenefitFactory(cashable=True), value=Decimal(1_000_000)
    ).benefit
    sro = UserFactory(role_list=("staff", "finance", "manager"))
    benefit.improvement.sponsor_id = sro.id
    db_session.flush()
    with pytest.raises(PermissionDenied):
        benefit_service.validate_benefit(benefit.id, actor=sro)


def test_a_validator_who_becomes_the_senior_responsible_owner_loses_the_validation(db_session: Any) -> None:
    benefit, finance = _validated(db_session)
    improvement = benefit.improvement
    improvement_service.update_improvement(
        improvement,
        actor=UserFactory(design_authority=True),
        expected_version=improvement.version,
        changes={"sponsor_id": finance.id},
    )
    assert not benefit.is_validated
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "benefit.validation_withdrawn"))
    assert event.subject_id == benefit.id and event.before == {"validated_by_id": finance.id}
    # Another member of finance, independent of it, validates it again.
    benefit_service.validate_benefit(benefit.id, actor=UserFactory(finance=True))
    assert benefit.is_validated


def test_a_validator_who_declares_a_conflict_loses_the_validation(db_session: Any) -> None:
    benefit, finance = _validated(db_session)
    engagement.declare_conflict(benefit.improvement, actor=finance, note="My partner runs the team.")
    assert not benefit.is_validated


def test_a_validator_who_becomes_the_benefit_owner_loses_the_validation(db_session: Any) -> None:
    benefit, finance = _validated(db_session)
    benefit_service.update_benefit(
        benefit.id,
        actor=benefit.improvement.owner,
        changes={"owner_id": finance.id},
        expected_version=benefit.version,
    )
    assert not benefit.is_validated


def test_someone_else_becoming_sponsor_leaves_the_validation(db_session: Any) -> None:
    benefit, _ = _validated(db_session)
    improvement = benefit.improvement
    improvement_service.update_improvement(
        improvement,
        actor=UserFactory(design_authority=True),
        expected_version=improvement.version,
        changes={"sponsor_id": UserFactory(manager=True).id},
    )
    assert benefit.is_validated
