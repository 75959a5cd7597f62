"""A benefit is chased until its benefits review closes it: a programme's recurring saving keeps being
chased after the programme ends, by the business-as-usual owner named at handover, through the same
stale-benefits job (one flag per step, each notifying once), on exact dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth.domain.errors import InvalidTransition, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.jobs import get_job
from changeauth.jobs.runner import RunResult, run_job
from changeauth.models import AuditEvent, Benefit, Flag, Notification, Programme
from changeauth.services import benefits as benefit_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def run(as_of: date) -> RunResult:
    result = run_job(get_job("stale-benefits"), as_of)
    assert result.status == "succeeded", result.error
    return result


def open_flags(db_session: Any, benefit_id: int) -> set[str]:
    return set(
        db_session.scalars(
            select(Flag.kind).where(
                Flag.subject_type == "benefit", Flag.subject_id == benefit_id, Flag.resolved_on.is_(None)
            )
        )
    )


def flag_notices(db_session: Any, user_id: int) -> list[str]:
    return sorted(
        db_session.scalars(
            select(Notification.kind).where(Notification.user_id == user_id, Notification.kind.like("flag.%"))
        )
    )


@pytest.fixture
def ended_programme_saving(db_session: Any) -> Benefit:
    """A programme that ended on 31 March 2021, with its annual saving last measured on 30 November 2020
    (so due 30 November 2021) and owned by the programme's manager."""
    programme = Programme(
        code="closed-2021", name="Closed programme", starts_on=date(2017, 4, 1), ends_on=date(2021, 3, 31)
    )
    db_session.add(programme)
    db_session.flush()
    saving = BenefitFactory(
        improvement=None,
        programme=programme,
        cashable=True,
        frequency="annually",
        baseline_date=date(2017, 4, 1),
        target_date=date(2019, 3, 31),
        target_value=Decimal(248_392_500),
    )
    BenefitMeasurementFactory(benefit=saving, period_end=date(2020, 11, 30), value=Decimal(248_392_500))
    db_session.commit()
    assert saving.next_due_on == date(2021, 11, 30)
    assert saving.escalate_after_on == date(2022, 11, 30)
    return saving


def hand_over(saving: Benefit, to: Any, on: date = date(2021, 3, 31)) -> Benefit:
    design_authority = UserFactory(design_authority=True)
    return benefit_service.hand_over_benefit(
        saving.id,
        actor=design_authority,
        owner_id=to.id,
        handed_over_on=on,
        note="Confirm each year that the posts stay gone.",
        expected_version=saving.version,
        today=date(2021, 4, 1),
    )


class TestAfterTheProgrammeEnds:
    def test_the_business_as_usual_owner_is_told_when_overdue_and_again_when_escalated(
        self, db_session: Any, ended_programme_saving: Benefit
    ) -> None:
        # Due 30 Nov 2021: stale from the day after due + 14 days (15 Dec 2021); escalated from the day
        # after one more whole year (1 Dec 2022). Each step tells the business-as-usual owner once.
        programme_manager = ended_programme_saving.owner
        service_manager = UserFactory(manager=True)
        hand_over(ended_programme_saving, service_manager)
        db_session.commit()
        run(date(2021, 12, 14))
        assert open_flags(db_session, ended_programme_saving.id) == set()
        run(date(2021, 12, 15))
        assert open_flags(db_session, ended_programme_saving.id) == {"stale_benefit"}
        assert flag_notices(db_session, service_manager.id) == ["flag.stale_benefit"]
        run(date(2022, 11, 30))
        assert open_flags(db_session, ended_programme_saving.id) == {"stale_benefit"}
        run(date(2022, 12, 1))
        run(date(2022, 12, 2))
        assert open_flags(db_session, ended_programme_saving.id) == {"stale_benefit", "benefit_escalated"}
        assert flag_notices(db_session, service_manager.id) == [
            "flag.benefit_escalated",
            "flag.stale_benefit",
        ]
        # The programme's manager handed it over and is told nothing more.
        assert flag_notices(db_session, programme_manager.id) == []

    def test_the_business_as_usual_owner_measures_it_and_the_flags_resolve(
        self, db_session: Any, ended_programme_saving: Benefit
    ) -> None:
        service_manager = UserFactory(manager=True)
        hand_over(ended_programme_saving, service_manager)
        run(date(2022, 12, 1))
        benefit_service.record_measurement(
            ended_programme_saving.id,
            actor=service_manager,
            period_end=date(2022, 11, 30),
            value=Decimal(248_392_500),
            today=date(2022, 12, 1),
        )
        assert open_flags(db_session, ended_programme_saving.id) == set()
        assert ended_programme_saving.next_due_on == date(2023, 11, 30)

    def test_a_saving_not_handed_over_is_still_chased_to_its_owner(
        self, db_session: Any, ended_programme_saving: Benefit
    ) -> None:
        # Before, a programme's benefit stopped being chased the day after the programme ended.
        run(date(2021, 12, 15))
        assert open_flags(db_session, ended_programme_saving.id) == {"stale_benefit"}
        assert flag_notices(db_session, ended_programme_saving.owner_id) == ["flag.stale_benefit"]

    def test_closing_it_at_its_benefits_review_stops_the_chase(
        self, db_session: Any, ended_programme_saving: Benefit
    ) -> None:
        run(date(2021, 12, 15))
        ended_programme_saving.closing_status = "realised"
        db_session.commit()
        run(date(2021, 12, 16))
        assert open_flags(db_session, ended_programme_saving.id) == set()


class TestHandover:
    def test_the_handover_is_audited_and_the_new_owner_notified(
        self, db_session: Any, ended_programme_saving: Benefit
    ) -> None:
        before_owner = ended_programme_saving.owner_id
        service_manager = UserFactory(manager=True)
        handed = hand_over(ended_programme_saving, service_manager)
        assert handed.owner_id == service_manager.id and handed.handed_over_on == date(2021, 3, 31)
        event = db_session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "benefit.handed_over", AuditEvent.subject_id == handed.id
            )
        )
        assert event is not None
        assert event.before["owner_id"] == before_owner and event.after["owner_id"] == service_manager.id
        told = db_session.scalars(
            select(Notification.text).where(
                Notification.user_id == service_manager.id, Notification.kind == "benefit.handed_over"
            )
        ).all()
        assert len(told) == 1 and "31 March 2021" in told[0]

    def test_an_improvement_benefit_handed_over_at_its_review_is_chased_after_the_improvement_closes(
        self, db_session: Any
    ) -> None:
        improvement = ImprovementFactory(realisation=True)
        benefit = BenefitFactory(improvement=improvement, baseline_date=date(2026, 1, 31))
        service_manager = UserFactory(manager=True)
        benefit_service.hand_over_benefit(
            benefit.id,
            actor=improvement.owner,
            owner_id=service_manager.id,
            handed_over_on=date(2026, 3, 1),
            expected_version=benefit.version,
            today=date(2026, 3, 1),
        )
        improvement.stage, improvement.status = "closed", "closed"
        db_session.commit()
        # Quarterly from 31 Jan 2026: due 30 Apr, stale from 15 May.
        run(date(2026, 5, 15))
        assert open_flags(db_session, benefit.id) == {"stale_benefit"}
        assert flag_notices(db_session, service_manager.id) == ["flag.stale_benefit"]

    def test_refusals_write_nothing(self, db_session: Any, ended_programme_saving: Benefit) -> None:
        saving = ended_programme_saving
        version = saving.version
        with pytest.raises(PermissionDenied):
            benefit_service.hand_over_benefit(
                saving.id,
                actor=UserFactory(manager=True),
                owner_id=UserFactory(manager=True).id,
                handed_over_on=date(2021, 3, 31),
                expected_version=version,
            )
        da = UserFactory(design_authority=True)
        with pytest.raises(VersionConflict):
            benefit_service.hand_over_benefit(
                saving.id,
                actor=da,
                owner_id=da.id,
                handed_over_on=date(2021, 3, 31),
                expected_version=version + 1,
            )
        with pytest.raises(ValidationFailed) as failure:
            benefit_service.hand_over_benefit(
                saving.id,
                actor=da,
                owner_id=UserFactory(viewer=True).id,
                handed_over_on=date(2030, 1, 1),
                expected_version=version,
                today=date(2026, 12, 7),
            )
        assert set(failure.value.fields) == {"owner_id", "handed_over_on"}
        delivering = BenefitFactory(improvement=ImprovementFactory(delivery=True))
        with pytest.raises(InvalidTransition):
            benefit_service.hand_over_benefit(
                delivering.id,
                actor=da,
                owner_id=da.id,
                handed_over_on=date(2026, 3, 1),
                expected_version=delivering.version,
            )
        db_session.refresh(saving)
        assert saving.version == version and saving.handed_over_on is None
