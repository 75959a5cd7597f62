"""Profiles and measure types on a real database: the planned points are stored and replaced through the
service (audited, with the reason change control asks for), today's RAG and the out-of-tolerance list
judge against a stepped plan's value today, and a per-period measure's realised figure adds up its
periods in the tracker's figures, the net by improvement and the savings by financial year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth import db
from changeauth.domain.errors import ValidationFailed
from changeauth.models import AuditEvent, Benefit, User
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import savings as savings_queries
from changeauth.services import benefit_control
from changeauth.services import benefits as benefit_service
from tests.factories import ImprovementFactory, UserFactory


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def _benefit(**kwargs: Any) -> Benefit:
    """A cashable saving from 0 to £10,000 over 2026, measured quarterly, on an improvement in delivery."""
    owner = UserFactory(manager=True)
    improvement = ImprovementFactory(delivery=True, owner=owner)
    values = {
        "improvement_id": improvement.id,
        "title": "Saving on agency staff",
        "driver": "channel_shift",
        "cash_class": "cashable",
        "unit": "GBP",
        "direction": "increase",
        "baseline_value": Decimal(0),
        "baseline_date": date(2025, 12, 31),
        "target_value": Decimal(1_000_000),
        "target_date": date(2026, 12, 31),
        "frequency": "quarterly",
        "owner_id": owner.id,
        **kwargs,
    }
    return benefit_service.create_benefit(owner, **values)


def _owner(benefit: Benefit) -> User:
    owner = db.session.get(User, benefit.owner_id)
    assert owner is not None
    return owner


def _measure(benefit: Benefit, period_end: date, value: int) -> None:
    benefit_service.record_measurement(
        benefit.id,
        actor=_owner(benefit),
        period_end=period_end,
        value=Decimal(value),
        today=date(2026, 12, 31),
    )


def test_a_stepped_plan_is_stored_replaced_and_audited(db_session: Any) -> None:
    benefit = _benefit(profile_shape="stepped", planned_points=[(date(2026, 6, 30), Decimal(400_000))])
    assert benefit_queries.planned_points(benefit.id) == [(date(2026, 6, 30), Decimal(400_000))]
    with pytest.raises(ValidationFailed) as refused:
        benefit_service.update_benefit(
            benefit.id,
            actor=_owner(benefit),
            changes={"planned_points": [(date(2026, 3, 31), Decimal(200_000))]},
            expected_version=benefit.version,
        )
    assert "reason" in refused.value.fields
    benefit_service.update_benefit(
        benefit.id,
        actor=_owner(benefit),
        changes={
            "planned_points": [(date(2026, 9, 30), Decimal(700_000)), (date(2026, 3, 31), Decimal(200_000))]
        },
        expected_version=benefit.version,
        reason="The second team moves in September.",
    )
    assert benefit_queries.planned_points(benefit.id) == [
        (date(2026, 3, 31), Decimal(200_000)),
        (date(2026, 9, 30), Decimal(700_000)),
    ]
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "benefit.updated").order_by(AuditEvent.id.desc())
    ).first()
    assert event.reason == "The second team moves in September."
    assert len(event.before["planned_points"]) == 1 and len(event.after["planned_points"]) == 2


def test_points_that_fall_outside_new_dates_are_refused_clearly(db_session: Any) -> None:
    # In delivery the dates change only by a change request: the proposal is refused, row by row.
    benefit = _benefit(profile_shape="custom", planned_points=[(date(2026, 9, 30), Decimal(700_000))])
    with pytest.raises(ValidationFailed) as refused:
        benefit_control.propose_plan_change(
            benefit.id,
            actor=_owner(benefit),
            expected_version=benefit.version,
            reason="Sooner.",
            target_date=date(2026, 6, 30),
        )
    assert "Row 1: the date must be after the baseline date" in refused.value.fields["planned_points"][0]
    assert benefit_queries.planned_points(benefit.id) == [(date(2026, 9, 30), Decimal(700_000))]
    assert benefit.target_date == date(2026, 12, 31)


def test_an_approved_change_is_refused_when_the_plan_moved_past_its_new_dates(db_session: Any) -> None:
    # The planned values may change after the proposal (with a reason): the approval checks them again.
    benefit = _benefit(profile_shape="custom", planned_points=[(date(2026, 9, 30), Decimal(700_000))])
    request = benefit_control.propose_plan_change(
        benefit.id,
        actor=_owner(benefit),
        expected_version=benefit.version,
        reason="The contract ends in October.",
        target_date=date(2026, 10, 31),
    )
    benefit_service.update_benefit(
        benefit.id,
        actor=_owner(benefit),
        changes={"planned_points": [(date(2026, 11, 30), Decimal(800_000))]},
        expected_version=benefit.version,
        reason="The second team moves in November.",
    )
    with pytest.raises(ValidationFailed) as refused:
        benefit_control.decide_plan_change(
            benefit.id,
            request.id,
            actor=UserFactory(design_authority=True),
            approve=True,
            note="",
            expected_version=request.version,
        )
    assert "Row 1: the date must be after the baseline date" in refused.value.fields["planned_points"][0]
    assert benefit.target_date == date(2026, 12, 31)
    assert benefit_queries.planned_points(benefit.id) == [(date(2026, 11, 30), Decimal(800_000))]


def test_today_s_rag_and_tolerance_follow_the_stepped_plan(db_session: Any) -> None:
    stepped = _benefit(profile_shape="stepped", planned_points=[(date(2026, 6, 30), Decimal(800_000))])
    straight = _benefit()
    for benefit in (stepped, straight):
        _measure(benefit, date(2026, 3, 31), 100_000)
    # 1 April: nothing planned yet by the steps (green); about £2,493 by the straight line, against £1,000
    # measured: short by more than the tolerance (10 % of £10,000), within twice it (amber).
    for benefit, expected in ((stepped, "green"), (straight, "amber")):
        _, rag = benefit_queries.standing_today(
            benefit_queries.get_benefit(benefit.id), as_of=date(2026, 4, 1), grace_days=14
        )
        assert rag == expected
    # After the step, £1,000 against £8,000 planned is red, and out of tolerance.
    out = benefit_queries.out_of_tolerance_ids(as_of=date(2026, 6, 30), grace_days=14)
    assert {stepped.id, straight.id} <= set(out)
    assert stepped.id not in benefit_queries.out_of_tolerance_ids(as_of=date(2026, 6, 29), grace_days=14)


def test_a_per_period_saving_adds_up_its_periods_everywhere(db_session: Any) -> None:
    benefit = _benefit(measure_type="per_period")
    for end, value in ((date(2026, 3, 31), 200_000), (date(2026, 6, 30), 300_000)):
        _measure(benefit, end, value)
    loaded = benefit_queries.get_benefit(benefit.id)
    figures = benefit_queries.benefit_figures(loaded, as_of=date(2026, 7, 1), grace_days=14)
    assert figures.realised_gross == Decimal(500_000)
    validator = UserFactory(finance=True)
    benefit_service.validate_benefit(benefit.id, actor=validator, expected_version=loaded.version)
    net = benefit_queries.net_benefit_by_subject(improvement_ids=[benefit.improvement_id])
    assert net[("improvement", benefit.improvement_id)] == Decimal(500_000)
    years = savings_queries.saving_years(date(2026, 7, 1), benefit_id=benefit.id)
    realised = {row.figures.year: row.figures.realised_pence for row in years}
    # £2,000 in the quarter to 31 March 2026 (2025/26), £3,000 in the next (2026/27).
    assert (realised.get(2025), realised.get(2026)) == (200_000, 300_000)
