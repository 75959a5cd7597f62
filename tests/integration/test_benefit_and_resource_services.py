"""The benefit and temporary-resource services: audit events, permissions and separation of duties,
state rules (409), and bad input (422) leaving nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth.domain.errors import AlreadyExists, InvalidTransition, PermissionDenied, ValidationFailed
from changeauth.models import AuditEvent, Benefit, BenefitMeasurement, Programme
from changeauth.services import benefits as benefit_service
from changeauth.services import temporary_resources as resource_service
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ImprovementFactory,
    TemporaryResourceFactory,
    UserFactory,
)

TODAY = date(2026, 11, 29)


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def _profile(owner_id: int, **changes: Any) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "title": "Licence savings",
        "driver": "technology_process",
        "cash_class": "cashable",
        "unit": "GBP",
        "direction": "increase",
        "baseline_value": Decimal(0),
        "baseline_date": date(2026, 1, 31),
        "target_value": Decimal(4_500_000),
        "target_date": date(2027, 1, 31),
        "frequency": "quarterly",
        "owner_id": owner_id,
    }
    profile.update(changes)
    return profile


def _events(db_session: Any, action: str) -> list[AuditEvent]:
    return list(db_session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


class TestProfiles:
    def test_creating_writes_one_audit_event_with_the_profile(self, db_session: Any) -> None:
        improvement = ImprovementFactory(delivery=True)
        benefit = benefit_service.create_benefit(
            improvement.owner, improvement_id=improvement.id, **_profile(improvement.owner_id)
        )
        (event,) = _events(db_session, "benefit.created")
        assert (event.subject_id, event.after["target_value"], event.after["frequency"]) == (
            benefit.id,
            "4500000",
            "quarterly",
        )
        # Quarterly from 31 Jan 2026: due 30 Apr (April's last day), escalated three months after that
        # month end, on July's last day.
        assert (benefit.next_due_on, benefit.escalate_after_on) == (date(2026, 4, 30), date(2026, 7, 31))

    def test_several_bad_values_are_reported_together_and_nothing_is_written(self, db_session: Any) -> None:
        improvement = ImprovementFactory(delivery=True)
        with pytest.raises(ValidationFailed) as failure:
            benefit_service.create_benefit(
                improvement.owner,
                improvement_id=improvement.id,
                **_profile(
                    improvement.owner_id,
                    title="ab",
                    frequency="weekly",
                    target_date=date(2025, 1, 1),
                    baseline_value=Decimal("0.5"),
                ),
            )
        assert set(failure.value.fields) == {"title", "frequency", "target_date", "baseline_value"}
        assert db_session.scalar(select(func.count()).select_from(Benefit)) == 0
        assert _events(db_session, "benefit.created") == []

    def test_a_programme_benefit_is_the_design_authoritys(self, db_session: Any) -> None:
        programme = Programme(code="p1", name="Programme")
        db_session.add(programme)
        db_session.commit()
        manager = UserFactory(manager=True)
        with pytest.raises(PermissionDenied):
            benefit_service.create_benefit(manager, programme_id=programme.id, **_profile(manager.id))
        benefit = benefit_service.create_benefit(
            UserFactory(design_authority=True), programme_id=programme.id, **_profile(manager.id)
        )
        assert benefit.programme_id == programme.id and benefit.improvement_id is None

    def test_changing_a_validated_value_withdraws_the_validation_but_a_title_does_not(
        self, db_session: Any
    ) -> None:
        measurement = BenefitMeasurementFactory(
            benefit=BenefitFactory(cashable=True), value=Decimal(1_000_000)
        )
        benefit = measurement.benefit
        benefit_service.validate_benefit(benefit.id, actor=UserFactory(finance=True))
        validated = benefit.version
        benefit_service.update_benefit(
            benefit.id,
            actor=benefit.owner,
            changes={"title": "Licence savings, renamed"},
            expected_version=validated,
        )
        assert benefit.is_validated and benefit.version == validated + 1
        # In delivery the target is under change control, so a validated value the profile still changes
        # directly is the measure type: finance validated the figures as levels, so the validation lapses.
        benefit_service.update_benefit(
            benefit.id,
            actor=benefit.owner,
            changes={"measure_type": "per_period"},
            expected_version=validated + 1,
        )
        assert not benefit.is_validated and benefit.validated_by_id is None

    def test_the_driver_can_be_changed_and_the_record_s_links_cannot(self, db_session: Any) -> None:
        benefit = BenefitFactory()
        improvement = benefit.improvement
        changed = benefit_service.update_benefit(
            benefit.id,
            actor=benefit.owner,
            changes={"driver": "channel_shift"},
            expected_version=benefit.version,
        )
        assert changed.driver.code == "channel_shift"
        for field, value in (
            ("improvement_id", ImprovementFactory().id),
            ("validated_by_id", benefit.owner_id),
            ("version", 99),
        ):
            with pytest.raises(ValidationFailed) as refused:
                benefit_service.update_benefit(
                    benefit.id, actor=benefit.owner, changes={field: value}, expected_version=changed.version
                )
            assert field in refused.value.fields
        assert benefit.improvement_id == improvement.id and benefit.validated_by_id is None

    def test_the_g3_service_closes_a_benefit_and_it_is_then_frozen(self, db_session: Any) -> None:
        benefit = BenefitFactory(improvement=ImprovementFactory(realisation=True))
        da = UserFactory(design_authority=True)
        benefit_service.set_closing_status(benefit.id, actor=da, closing_status="realised")
        assert benefit.closing_status == "realised"
        with pytest.raises(InvalidTransition):
            benefit_service.record_measurement(
                benefit.id, actor=benefit.owner, period_end=date(2026, 4, 30), value=Decimal(1), today=TODAY
            )
        with pytest.raises(InvalidTransition):
            benefit_service.set_closing_status(benefit.id, actor=da, closing_status="not_realised")


class TestMeasurements:
    def test_the_improvement_owner_may_record_for_a_benefit_someone_else_owns(self, db_session: Any) -> None:
        improvement = ImprovementFactory(delivery=True)
        benefit = BenefitFactory(improvement=improvement, owner=UserFactory(manager=True))
        measurement = benefit_service.record_measurement(
            benefit.id, actor=improvement.owner, period_end=date(2026, 4, 30), value=Decimal(880), today=TODAY
        )
        assert measurement.recorded_by_id == improvement.owner_id
        # 880 calls against a plan of 1,000 − 400 × 89/365 = 902.47: favourable for a decrease, so green.
        assert benefit.rag == "green" and benefit.last_value == Decimal(880)

    def test_a_period_before_the_baseline_is_refused(self, db_session: Any) -> None:
        benefit = BenefitFactory()
        with pytest.raises(ValidationFailed) as failure:
            benefit_service.record_measurement(
                benefit.id, actor=benefit.owner, period_end=date(2025, 12, 31), value=Decimal(1), today=TODAY
            )
        assert failure.value.fields == {
            "period_end": ["The period end date cannot be before the baseline date."]
        }
        assert db_session.scalar(select(func.count()).select_from(BenefitMeasurement)) == 0

    def test_red_when_behind_plan_beyond_twice_the_tolerance(self, db_session: Any) -> None:
        # Baseline 1,000 → 600 over a year; 30 Apr plan 902.47; tolerance 10 % of 400 = 40, twice = 80.
        # 990 is 87.53 behind: red. 960 is 57.53 behind: amber.
        red = BenefitFactory()
        benefit_service.record_measurement(
            red.id, actor=red.owner, period_end=date(2026, 4, 30), value=Decimal(990), today=TODAY
        )
        amber = BenefitFactory()
        benefit_service.record_measurement(
            amber.id, actor=amber.owner, period_end=date(2026, 4, 30), value=Decimal(960), today=TODAY
        )
        assert (red.rag, amber.rag) == ("red", "amber")


class TestFinance:
    def test_validation_needs_a_cashable_benefit_with_a_measurement(self, db_session: Any) -> None:
        finance = UserFactory(finance=True)
        with pytest.raises(ValidationFailed):
            benefit_service.validate_benefit(BenefitFactory().id, actor=finance)
        with pytest.raises(ValidationFailed):
            benefit_service.validate_benefit(BenefitFactory(cashable=True).id, actor=finance)

    def test_validating_twice_is_a_conflict(self, db_session: Any) -> None:
        measurement = BenefitMeasurementFactory(benefit=BenefitFactory(cashable=True), value=Decimal(10))
        finance = UserFactory(finance=True)
        benefit_service.validate_benefit(measurement.benefit_id, actor=finance)
        with pytest.raises(AlreadyExists):
            benefit_service.validate_benefit(measurement.benefit_id, actor=finance)


class TestTemporaryResources:
    def test_who_may_extend(self, db_session: Any) -> None:
        owner = UserFactory(design_authority=True)
        resource = TemporaryResourceFactory(owner=owner)
        for actor in (owner, UserFactory(manager=True), UserFactory()):
            with pytest.raises(PermissionDenied):
                resource_service.extend_resource(
                    resource,
                    actor=actor,
                    extension_until=date(2027, 6, 30),
                    reason="More time",
                    expected_version=1,
                )
        extended = resource_service.extend_resource(
            resource,
            actor=UserFactory(finance=True),
            extension_until=date(2027, 6, 30),
            reason="More time",
            expected_version=1,
        )
        assert (extended.extension_until, extended.version) == (date(2027, 6, 30), 2)
        (event,) = _events(db_session, "temporary_resource.extended")
        assert event.reason == "More time" and event.before["extension_until"] is None

    def test_an_ended_resource_cannot_be_extended_or_ended_again(self, db_session: Any) -> None:
        resource = TemporaryResourceFactory(ended=True)
        with pytest.raises(InvalidTransition):
            resource_service.extend_resource(
                resource,
                actor=UserFactory(finance=True),
                extension_until=date(2027, 6, 30),
                reason="x",
                expected_version=1,
            )
        with pytest.raises(InvalidTransition):
            resource_service.end_resource(
                resource,
                actor=resource.owner,
                actual_end_date=date(2026, 5, 1),
                expected_version=1,
                today=TODAY,
            )

    def test_a_stale_version_is_a_conflict(self, db_session: Any) -> None:
        from changeauth.domain.errors import VersionConflict

        resource = TemporaryResourceFactory()
        with pytest.raises(VersionConflict):
            resource_service.end_resource(
                resource,
                actor=resource.owner,
                actual_end_date=date(2026, 5, 1),
                expected_version=7,
                today=TODAY,
            )
        assert resource.actual_end_date is None
