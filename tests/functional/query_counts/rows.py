"""Building blocks for the query-count cases: rows with the related rows their pages show."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from changeauth import db
from changeauth.models import (
    BenefitAdjustment,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    Condition,
    Flag,
    GateDecision,
    Improvement,
    User,
)
from changeauth.queries import scoring as scoring_queries
from changeauth.services import scoring as scoring_service
from changeauth.services.audit import record_event
from tests.factories import (
    AssessmentFactory,
    BenefitFactory,
    BenefitMeasurementFactory,
    BusinessCaseFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    TeamFactory,
    TemporaryResourceFactory,
    UserFactory,
)
from tests.functional.query_counts import next_number

TODAY = date.today()
SCORING_RULES = {"quorum": 3, "disagreement_threshold": 3}


def event(subject_id: int, action: str = "improvement.transitioned", **extra: Any) -> None:
    """An audit event on an improvement: a stage change unless ``action`` says otherwise."""
    record_event(
        actor_id=None,
        action=action,
        subject_type="improvement",
        subject_id=subject_id,
        before={"stage": "approved"},
        after={"stage": "delivery", "action": "start_delivery", **extra},
        reason="Work has started.",
    )


def decision(improvement: Improvement, *, meeting_id: int | None = None) -> GateDecision:
    """A G2 go-with-conditions decision by a DA member, with two attendees and one open condition."""
    decider = UserFactory(design_authority=True)
    attendees = [UserFactory(design_authority=True) for _ in range(2)]
    record = GateDecision(
        improvement_id=improvement.id,
        gate="G2",
        decision="go_with_conditions",
        rationale="Ready to go live once the privacy notice is published.",
        decided_by_id=decider.id,
        from_stage="approved",
        to_stage="delivery",
        meeting_id=meeting_id,
        attendees=attendees,
    )
    db.session.add(record)
    db.session.flush()
    db.session.add(
        Condition(
            decision_id=record.id,
            improvement_id=improvement.id,
            text="Publish the privacy notice.",
            owner_id=improvement.owner_id or decider.id,
            due_date=TODAY + timedelta(days=30),
        )
    )
    db.session.flush()
    return record


def option(case_id: int, position: int) -> BusinessCaseOption:
    """An option of a business case with three years of figures."""
    made = BusinessCaseOption(
        business_case_id=case_id,
        position=position,
        name=f"Option {position}",
        years=[
            BusinessCaseOptionYear(
                year=year, capital_pence=100_000 if year == 0 else 0, cashable_benefit_pence=50_000
            )
            for year in range(3)
        ],
    )
    db.session.add(made)
    return made


def add_options(*case_ids: int) -> Callable[[int], None]:
    """``grow(n)``: ``n`` more options on each of these cases (after the factory's two)."""
    positions = itertools.count(2)

    def grow(n: int) -> None:
        for _ in range(n):
            position = next(positions)
            for case_id in case_ids:
                option(case_id, position)
        db.session.commit()

    return grow


def measured_benefit(improvement: Improvement | None, **fields_: Any) -> Any:
    """A cashable benefit in pounds with a measurement and a confirmed finance adjustment, validated by
    finance so that it counts as realised (on the improvement, or on the programme given when
    ``improvement`` is None)."""
    benefit = BenefitFactory(cashable=True, improvement=improvement, **fields_)
    BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_000_000))
    db.session.add(
        BenefitAdjustment(
            benefit_id=benefit.id,
            category="other",
            amount_pence=-10_000,
            rationale="Prices rose.",
            recorded_by_id=benefit.owner_id,
            status="confirmed",
        )
    )
    benefit.validated_by_id, benefit.validated_at = benefit.owner_id, datetime(2026, 11, 30, tzinfo=UTC)
    return benefit


def flag(kind: str, subject_type: str, subject_id: int, *, resolved: bool = False) -> None:
    """A flag raised three days ago, open unless ``resolved``."""
    db.session.add(
        Flag(
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            raised_on=TODAY - timedelta(days=3),
            resolved_on=TODAY if resolved else None,
            message=f"A {kind.replace('_', ' ')} flag.",
            details={"n": subject_id},
        )
    )


def overrunning_resource(**links: Any) -> Any:
    """A temporary resource whose end date passed a month ago."""
    return TemporaryResourceFactory(
        start_date=TODAY - timedelta(days=400), end_date=TODAY - timedelta(days=30), **links
    )


def scored(panel: list[User], number: int, **traits: Any) -> Improvement:
    """An improvement scored by the panel (raw assessments, then the stored score as the service keeps it)."""
    improvement = ImprovementFactory(business_case=True, **traits)
    for member in panel:
        values = {**AssessmentFactory.build().values(), "customer_need": number % 6}
        AssessmentFactory(improvement=improvement, assessor=member, values=values)
    scoring_service.recompute_score(improvement.id, scoring_queries.active_scheme(), **SCORING_RULES)
    return improvement


def scored_backlog() -> Callable[[int], None]:
    """``grow(n)``: ``n`` more improvements scored by one panel of three, each planned for a quarter."""
    panel = [UserFactory(design_authority=True) for _ in range(3)]
    quarters = itertools.cycle(["2027-Q1", "2027-Q2", "2027-Q3"])

    def grow(n: int) -> None:
        for _ in range(n):
            scored(panel, next_number(), planned_quarter=next(quarters), team=TeamFactory())
        db.session.commit()

    return grow


def candidate(number: int) -> Improvement:
    """An approved improvement with an approved case and a final score: a portfolio candidate."""
    improvement = ImprovementFactory(approved=True, delivery_person_months=Decimal(2))
    BusinessCaseFactory(improvement=improvement, status="approved")
    ImprovementScoreFactory(improvement=improvement, weighted_score=Decimal(number % 90))
    return improvement
