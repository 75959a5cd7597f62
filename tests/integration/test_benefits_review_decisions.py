"""The benefits review's decisions through the one service, on a real database: each decision does what
it says through the benefit's own services (closing status, target change control, handover), keeps the
variance the review saw, is guarded by the benefit's version and audited; the G3 criterion waits for a
decision on every benefit; and lessons are recorded by the right people and found for a new idea."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth.domain.errors import InvalidTransition, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.domain.lifecycle import Gate
from changeauth.models import AuditEvent, Benefit, BenefitChangeRequest, BenefitReview
from changeauth.queries import reviews as review_queries
from changeauth.queries.clock import today
from changeauth.services import benefit_control
from changeauth.services import gates as gate_service
from changeauth.services import reviews as review_service
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    ImprovementFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def at_review(db_session: Any) -> dict[str, Any]:
    """An improvement realising its benefits, with one benefit behind its plan (a decrease benefit at 900
    where the plan expected less)."""
    owner = UserFactory(manager=True)
    improvement = ImprovementFactory(realisation=True, owner=owner)
    benefit = BenefitFactory(
        improvement=improvement, owner=owner, baseline_date=today() - timedelta(days=200)
    )
    BenefitMeasurementFactory(benefit=benefit, period_end=today() - timedelta(days=5), value=Decimal(900))
    db_session.commit()
    db_session.refresh(benefit)
    return {"owner": owner, "improvement": improvement, "benefit": benefit}


def _decide(at_review: dict[str, Any], **values: Any) -> BenefitReview:
    benefit = at_review["benefit"]
    values.setdefault("causes", "Fewer people used the online form than planned.")
    values.setdefault("expected_version", benefit.version)
    return review_service.record_review_decision(
        benefit.id, actor=values.pop("actor", at_review["owner"]), **values
    )


def test_a_close_decision_sets_the_closing_status_and_keeps_the_variance_seen(
    at_review: dict[str, Any], db_session: Any
) -> None:
    review = _decide(at_review, decision="close", closing_status="partially_realised")
    db_session.commit()
    benefit = db_session.get(Benefit, at_review["benefit"].id)
    assert benefit.closing_status == "partially_realised"
    assert review.decision == "close"
    assert review.actual_value == Decimal(900)
    variance = review_queries.variance_of(benefit)
    assert variance is not None and review.planned_value == variance.planned and not variance.favourable
    events = db_session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "benefit", AuditEvent.subject_id == benefit.id
        )
    ).all()
    assert "benefit.review_decided" in events and "benefit.updated" in events


def test_causes_are_required_when_the_benefit_is_behind_plan(
    at_review: dict[str, Any], db_session: Any
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        _decide(at_review, decision="continue", causes="  ")
    assert "causes" in failure.value.fields
    assert db_session.scalar(select(BenefitReview)) is None


def test_a_revision_goes_through_the_target_change_control_with_its_reason(
    at_review: dict[str, Any], db_session: Any
) -> None:
    with pytest.raises(ValidationFailed) as failure:
        _decide(at_review, decision="revise", target_value=Decimal(700))
    assert "reason" in failure.value.fields
    _decide(at_review, decision="revise", target_value=Decimal(700), reason="The channel shift is slower.")
    db_session.commit()
    benefit = db_session.get(Benefit, at_review["benefit"].id)
    # Proposed to the design authority: the target changes once an independent member approves it.
    request = db_session.scalar(
        select(BenefitChangeRequest).where(BenefitChangeRequest.benefit_id == benefit.id)
    )
    assert request.is_pending and request.reason == "The channel shift is slower."
    assert benefit.target_value != Decimal(700)
    benefit_control.decide_plan_change(
        benefit.id,
        request.id,
        actor=UserFactory(design_authority=True),
        approve=True,
        note="Agreed at the review.",
        expected_version=request.version,
    )
    assert benefit.target_value == Decimal(700)
    updated = db_session.scalar(
        select(AuditEvent).where(AuditEvent.action == "benefit.updated", AuditEvent.subject_id == benefit.id)
    )
    assert updated.reason == "The channel shift is slower."


def test_a_hand_over_names_the_business_as_usual_owner(at_review: dict[str, Any], db_session: Any) -> None:
    service_manager = UserFactory(manager=True)
    _decide(at_review, decision="hand_over", owner_id=service_manager.id, handed_over_on=today())
    db_session.commit()
    benefit = db_session.get(Benefit, at_review["benefit"].id)
    assert benefit.owner_id == service_manager.id and benefit.handed_over_on == today()
    assert benefit.closing_status is None


def test_a_decision_on_a_stale_version_is_refused_and_writes_nothing(
    at_review: dict[str, Any], db_session: Any
) -> None:
    stale = at_review["benefit"].version
    _decide(at_review, decision="continue")
    db_session.commit()
    with pytest.raises(VersionConflict):
        _decide(at_review, decision="continue", causes="Another view.", expected_version=stale)
    db_session.rollback()
    assert (
        db_session.scalar(select(BenefitReview.causes)) == "Fewer people used the online form than planned."
    )


def test_only_the_owner_or_the_design_authority_decide_and_only_in_realisation(
    at_review: dict[str, Any], db_session: Any
) -> None:
    with pytest.raises(PermissionDenied):
        _decide(at_review, decision="continue", actor=UserFactory())
    delivering = BenefitFactory()
    db_session.commit()
    with pytest.raises(InvalidTransition):
        review_service.record_review_decision(
            delivering.id,
            actor=UserFactory(design_authority=True),
            decision="continue",
            causes="Not yet.",
            expected_version=delivering.version,
        )


def test_g3_waits_for_a_decision_on_every_benefit(at_review: dict[str, Any], db_session: Any) -> None:
    improvement = at_review["improvement"]

    def unmet() -> list[str]:
        gate, statuses = gate_service.gate_status(improvement, today=today())
        assert gate is Gate.G3
        return [s.code for s in statuses if s.is_must and not s.met]

    assert "benefits_reviewed" in unmet()
    _decide(at_review, decision="continue")
    db_session.commit()
    assert "benefits_reviewed" not in unmet()
    # Continuing keeps it in realisation: not settled until closed or handed over.
    assert "benefits_closed" in unmet()
    _decide(
        at_review,
        decision="close",
        closing_status="realised",
        expected_version=db_session.get(Benefit, at_review["benefit"].id).version,
    )
    db_session.commit()
    assert {"benefits_reviewed", "benefits_closed"}.isdisjoint(unmet())


def test_lessons_are_recorded_by_the_owner_sponsor_or_design_authority_and_found_for_a_new_idea(
    at_review: dict[str, Any], db_session: Any
) -> None:
    team = TeamFactory(name="Planning")
    improvement = at_review["improvement"]
    with pytest.raises(PermissionDenied):
        review_service.record_lesson(
            actor=UserFactory(),
            improvement_id=improvement.id,
            title="A lesson",
            what_happened="x",
            next_time="y",
        )
    with pytest.raises(ValidationFailed) as failure:
        review_service.record_lesson(
            actor=at_review["owner"], improvement_id=improvement.id, title="A", what_happened="", next_time=""
        )
    assert set(failure.value.fields) == {"title", "what_happened", "next_time"}
    lesson = review_service.record_lesson(
        actor=at_review["owner"],
        improvement_id=improvement.id,
        title="Plan the new devices with the people who use them",
        what_happened="The tablets arrived before the site officers had been asked what they needed.",
        next_time="Trial devices with the team first.",
        team_code=team.code,
    )
    db_session.commit()
    idea_in_area = ImprovementFactory(team=team, title="Rota for the reception desk", problem="Queues.")
    idea_alike = ImprovementFactory(title="New tablets for site officers", problem="Old devices are slow.")
    unrelated = ImprovementFactory(title="Rename the parks budget line", problem="Confusing codes.")
    db_session.commit()
    assert review_queries.lessons_for(idea_in_area) == [lesson]
    assert review_queries.lessons_for(idea_alike) == [lesson]
    assert review_queries.lessons_for(unrelated) == []
    assert review_queries.lessons_for(improvement) == []  # never its own
    found = review_queries.list_lessons(review_queries.LessonFilters(q="TABLETS"))
    assert [item.id for item in found.items] == [lesson.id]
    assert review_queries.list_lessons(review_queries.LessonFilters(q="no such words")).total == 0
    assert review_queries.list_lessons(review_queries.LessonFilters(team=team.code)).total == 1
