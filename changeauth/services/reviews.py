"""The benefits review at G3 (a decision per benefit, with its variance against plan and the causes) and
the lessons log (docs/benefits-and-resources.md#the-benefits-review).

A review decision reuses what benefits already have rather than keeping its own copy: *close* sets the
benefit's closing status, *revise* proposes the new target to the design authority through the change
control every approved target goes through (``services.benefit_control.propose_plan_change``, with the
reason; it applies once an independent member approves it), and *hand over* names the
business-as-usual owner (``services.benefits.hand_over_benefit``). Each checks its permission first
(403), then the stage (409), then the values (422), writes nothing until all pass, and is guarded by the
benefit's version, so two people deciding on one benefit at once cannot both win. One audit event per
decision and per lesson, in the same transaction. Flushes, never commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from changeauth.domain.lifecycle import Stage
from changeauth.domain.reviews import (
    CAUSES_MAX,
    LESSON_TEXT_MAX,
    LESSON_TITLE_MAX,
    LESSON_TITLE_MIN,
    ReviewDecision,
    causes_required,
)
from changeauth.models import Benefit, BenefitReview, Improvement, Lesson, Programme, Team, User
from changeauth.queries import reviews as review_queries
from changeauth.queries.improvements import access_to
from changeauth.services import benefit_control
from changeauth.services import benefits as benefit_service
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded, touch


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def record_review_decision(
    benefit_id: int,
    *,
    actor: User,
    decision: str,
    causes: str,
    expected_version: int | None,
    closing_status: str | None = None,
    target_value: Decimal | None = None,
    target_date: date | None = None,
    reason: str = "",
    owner_id: int | None = None,
    handed_over_on: date | None = None,
    note: str = "",
) -> BenefitReview:
    """Record the benefits review's decision on one benefit of an improvement in realisation.

    ``expected_version`` is the benefit's version as read. The variance against plan is computed at the
    benefit's latest measurement and kept with the decision; the causes are required when the benefit fell
    short of its plan or was never measured. *close* needs ``closing_status``; *revise* a new target
    (value or date) and a ``reason``; *hand over* ``owner_id`` and ``handed_over_on``. Taking a decision
    again replaces the last one (the audit log keeps each). Raises NotFound, PermissionDenied,
    InvalidTransition, VersionConflict or ValidationFailed. Flushes, does not commit.
    """
    benefit = db.session.get(Benefit, benefit_id)
    if benefit is None:
        raise NotFound("There is no benefit with that number.")
    if benefit.improvement_id is None:
        raise InvalidTransition(
            "A programme's benefit is not reviewed at an improvement's benefits review; the design "
            "authority closes it or hands it over from the benefit's page."
        )
    improvement = db.session.get(Improvement, benefit.improvement_id)
    assert improvement is not None
    facts = access_to(improvement, actor).improvement
    if not permissions.can_edit_benefit_profile(actor.as_actor(), facts):
        raise PermissionDenied(
            "Only the improvement's owner or the design authority can review its benefits."
        )
    if improvement.stage != Stage.REALISATION:
        raise InvalidTransition(
            "The benefits review is held while the improvement is realising its benefits."
        )
    expect_version(benefit, expected_version)

    errors: dict[str, list[str]] = {}
    try:
        chosen = ReviewDecision(decision)
    except ValueError:
        chosen = None
        _add(errors, "decision", "Choose continue, revise, close or hand over.")
    variance = review_queries.variance_of(benefit)
    causes = (causes or "").strip()
    if len(causes) > CAUSES_MAX:
        _add(errors, "causes", f"Keep the causes to {CAUSES_MAX:,} characters or fewer.")
    elif not causes and causes_required(variance):
        _add(
            errors,
            "causes",
            "Say what caused the variance: the benefit is behind its plan."
            if variance is not None
            else "Say why the benefit has no measurement to set against its plan.",
        )
    if chosen is ReviewDecision.CLOSE and not closing_status and not benefit.closing_status:
        _add(errors, "closing_status", "Choose realised, partially realised or not realised.")
    if chosen is ReviewDecision.REVISE:
        if target_value is None and target_date is None:
            _add(errors, "target_value", "Enter the revised target (its value, its date or both).")
        if not (reason or "").strip():
            _add(errors, "reason", "Say why the target is being revised; it is kept with the change.")
    if chosen is ReviewDecision.HAND_OVER and owner_id is None:
        _add(errors, "owner_id", "Choose the person in the service who will own the benefit from now on.")
    if errors:
        raise ValidationFailed(errors)
    assert chosen is not None
    if benefit.closing_status and chosen is not ReviewDecision.CLOSE:
        raise InvalidTransition(
            "This benefit has been closed; a design authority member reopens it before another decision."
        )

    review = db.session.scalar(select(BenefitReview).where(BenefitReview.benefit_id == benefit.id))
    before = {"decision": review.decision.value, "causes": review.causes} if review is not None else None
    # The decision's own change goes through the service that owns it (checks, audit, notices).
    if chosen is ReviewDecision.CLOSE and not benefit.closing_status:
        assert closing_status is not None
        benefit_service.set_closing_status(
            benefit, actor=actor, expected_version=benefit.version, closing_status=closing_status
        )
    elif chosen is ReviewDecision.REVISE:
        # The business case was approved on the target, so the revision is a change request the design
        # authority decides; the review records the decision to seek it.
        benefit_control.propose_plan_change(
            benefit,
            actor=actor,
            expected_version=benefit.version,
            reason=reason,
            target_value=target_value,
            target_date=target_date,
        )
    elif chosen is ReviewDecision.HAND_OVER:
        benefit_service.hand_over_benefit(
            benefit,
            actor=actor,
            owner_id=owner_id,
            handed_over_on=handed_over_on,
            note=note,
            expected_version=benefit.version,
        )
    else:
        # Continue (or a close already in place) changes nothing on the benefit but still moves its
        # version, so a decision taken on what someone read before is refused.
        touch(benefit)

    if review is None:
        review = BenefitReview(benefit_id=benefit.id, improvement_id=improvement.id)
        db.session.add(review)
    review.decision = chosen
    review.causes = causes
    review.measured_on = variance.measured_on if variance else None
    review.planned_value = variance.planned if variance else None
    review.actual_value = variance.actual if variance else None
    review.decided_by_id = actor.id
    review.decided_at = db.utcnow()
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.review_decided",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after={
            "decision": chosen.value,
            "causes": causes,
            "measured_on": review.measured_on,
            "planned_value": review.planned_value,
            "actual_value": review.actual_value,
        },
    )
    return review


# --- Lessons --------------------------------------------------------------------------------------------


def record_lesson(
    *,
    actor: User,
    title: str,
    what_happened: str,
    next_time: str,
    improvement_id: int | None = None,
    programme_id: int | None = None,
    team_code: str | None = None,
) -> Lesson:
    """Record a lesson learned from an improvement (its owner, its sponsor or the design authority, at its
    benefits review or at any time) or from a programme (the design authority).

    ``team_code`` names the area of the council it concerns (none: the whole council). Audited. Raises
    NotFound, PermissionDenied or ValidationFailed. Flushes, does not commit.
    """
    if (improvement_id is None) == (programme_id is None):
        raise ValidationFailed(
            {"improvement_id": ["Say which improvement or programme the lesson comes from."]}
        )
    if improvement_id is not None:
        improvement = db.session.get(Improvement, improvement_id)
        if improvement is None:
            raise NotFound("There is no improvement with that number.")
        facts = access_to(improvement, actor).improvement
        if not permissions.can_record_lesson(actor.as_actor(), facts):
            raise PermissionDenied(
                "Only the improvement's owner, its sponsor or the design authority can record its lessons."
            )
    else:
        if db.session.get(Programme, programme_id) is None:
            raise NotFound("There is no programme with that number.")
        if not permissions.can_record_lesson(actor.as_actor(), None):
            raise PermissionDenied("Only the design authority can record a programme's lessons.")
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    what_happened = (what_happened or "").strip()
    next_time = (next_time or "").strip()
    if not LESSON_TITLE_MIN <= len(title) <= LESSON_TITLE_MAX:
        _add(
            errors,
            "title",
            f"Give the lesson a title of {LESSON_TITLE_MIN} to {LESSON_TITLE_MAX} characters.",
        )
    for field, text, missing in (
        ("what_happened", what_happened, "Say what happened."),
        ("next_time", next_time, "Say what to do next time."),
    ):
        if not text:
            _add(errors, field, missing)
        elif len(text) > LESSON_TEXT_MAX:
            _add(errors, field, f"Keep it to {LESSON_TEXT_MAX:,} characters or fewer.")
    team = None
    if team_code:
        team = db.session.scalar(select(Team).where(Team.code == team_code))
        if team is None:
            _add(errors, "team", "Choose the area of the council the lesson concerns from the list.")
    if errors:
        raise ValidationFailed(errors)
    lesson = Lesson(
        improvement_id=improvement_id,
        programme_id=programme_id,
        team_id=team.id if team else None,
        title=title,
        what_happened=what_happened,
        next_time=next_time,
        recorded_by_id=actor.id,
        recorded_at=db.utcnow(),
    )
    db.session.add(lesson)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="lesson.recorded",
        subject_type="lesson",
        subject_id=lesson.id,
        after={
            "title": title,
            "what_happened": what_happened,
            "next_time": next_time,
            "improvement_id": improvement_id,
            "programme_id": programme_id,
            "team_id": lesson.team_id,
        },
    )
    return lesson
