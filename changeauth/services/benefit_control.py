"""Accountable owners and change control of a benefit (docs/benefits-and-resources.md#accountable-owners):
the benefit's owner accepts its profile, and a change to the baseline or target of a benefit whose
improvement's business case is approved is a change request the design authority approves or rejects
before anything changes.

Every use case checks its permission first (403), then the state (409), then the values (422), and
writes nothing until all of them pass. One audit event per change, in the same transaction; the design
authority members who may decide a change request are told of it, the proposer is told of the decision,
and the owner is asked to accept the changed profile.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from changeauth import db
from changeauth.domain import benefits as rules
from changeauth.domain import permissions
from changeauth.domain.errors import (
    AlreadyExists,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from changeauth.models import Benefit, BenefitChangeRequest, BenefitDriver, User
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import users as user_queries
from changeauth.queries.clock import today as council_today
from changeauth.services import benefits as benefit_service
from changeauth.services import notifications
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded, touch

REASON_MAX = benefit_service.NOTE_MAX
NOTE_MAX = benefit_service.NOTE_MAX


# --- Acceptance by the benefit's owner ------------------------------------------------------------------


def accept_benefit(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None,
) -> Benefit:
    """The benefit's owner accepts its profile as it stands (baseline, target, dates, measure and, for a
    saving, its plan by year): they are accountable for realising it.

    Raises NotFound, PermissionDenied (not the owner), InvalidTransition (closed), AlreadyExists (already
    accepted) or VersionConflict. Flushes, does not commit.
    """
    benefit = benefit_service._load_benefit(benefit_or_id)
    if not permissions.can_accept_benefit(actor.as_actor(), benefit_owner_id=benefit.owner_id):
        raise PermissionDenied("Only the benefit's owner accepts its profile.")
    expect_version(benefit, expected_version)
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed; there is nothing left to accept.")
    if benefit.is_accepted:
        raise AlreadyExists("You have already accepted this benefit's profile as it stands.")
    benefit.accepted_by_id = actor.id
    benefit.accepted_at = db.utcnow()
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.accepted",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        after={
            "accepted_by_id": actor.id,
            "accepted_at": benefit.accepted_at,
            **{name: getattr(benefit, name) for name in sorted(rules.PLAN_FIELDS)},
        },
    )
    return benefit


# --- Change requests ------------------------------------------------------------------------------------


def _pending_request(benefit_id: int) -> BenefitChangeRequest | None:
    return db.session.scalar(
        select(BenefitChangeRequest).where(
            BenefitChangeRequest.benefit_id == benefit_id,
            BenefitChangeRequest.status == rules.ChangeRequestStatus.PENDING,
        )
    )


def _check_reason(errors: dict[str, list[str]], reason: str, *, field: str, missing: str) -> None:
    if not reason:
        errors.setdefault(field, []).append(missing)
    elif len(reason) > REASON_MAX:
        errors.setdefault(field, []).append(f"Keep it to {REASON_MAX:,} characters or fewer.")


def propose_plan_change(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None,
    reason: str,
    baseline_value: Decimal | None = None,
    baseline_date: date | None = None,
    target_value: Decimal | None = None,
    target_date: date | None = None,
) -> BenefitChangeRequest:
    """Propose a new baseline or target for a benefit whose improvement's business case is approved
    (``domain.benefits.needs_change_request``), with the reason. Nothing about the benefit changes until
    the design authority approves it (``decide_plan_change``). A value left out stays as it is. The
    design authority members who may decide it are told of it.

    The benefit's owner, the improvement's owner or the design authority may propose; one request is
    pending per benefit at a time. ``expected_version`` is the benefit's version the person read; the
    benefit's version moves, so two proposals sent at once cannot both be pending. Raises NotFound,
    PermissionDenied, InvalidTransition, AlreadyExists, VersionConflict or ValidationFailed. Flushes.
    """
    benefit = benefit_service._load_benefit(benefit_or_id)
    improvement = benefit_service._improvement_of(benefit)
    facts = benefit_service._facts(improvement, actor)
    if not permissions.can_propose_plan_change(
        actor.as_actor(), benefit_owner_id=benefit.owner_id, improvement=facts
    ):
        raise PermissionDenied(
            "Only the benefit's owner, the improvement's owner or the design authority can propose a change "
            "to its baseline or target."
        )
    benefit_service._check_version(benefit, expected_version, required=True)
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed; its baseline and target can no longer change.")
    benefit_service._stage_allows_profile(improvement)
    if improvement is None or not rules.needs_change_request(
        improvement_stage=improvement.stage, held_from_stage=improvement.held_from_stage
    ):
        raise InvalidTransition(
            "The business case is not approved yet: change the baseline or target on the profile itself."
        )
    if _pending_request(benefit.id) is not None:
        raise AlreadyExists(
            "A change to this benefit's baseline or target is already waiting for the design authority."
        )
    proposed = {
        "baseline_value": benefit.baseline_value if baseline_value is None else baseline_value,
        "baseline_date": baseline_date or benefit.baseline_date,
        "target_value": benefit.target_value if target_value is None else target_value,
        "target_date": target_date or benefit.target_date,
    }
    current = {name: getattr(benefit, name) for name in rules.PLAN_FIELDS}
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if proposed == current:
        errors["target_value"] = ["Change the baseline or the target: these are the ones it has."]
    else:
        profile_errors, _ = benefit_service._validate_profile(_profile_with(benefit, proposed))
        errors.update(profile_errors)
    _check_reason(
        errors,
        reason,
        field="reason",
        missing="Say why the baseline or target should change: the design authority decides on it.",
    )
    if errors:
        raise ValidationFailed(errors)
    request = BenefitChangeRequest(
        benefit_id=benefit.id,
        status=rules.ChangeRequestStatus.PENDING,
        reason=reason,
        **proposed,
        was_baseline_value=benefit.baseline_value,
        was_baseline_date=benefit.baseline_date,
        was_target_value=benefit.target_value,
        was_target_date=benefit.target_date,
        proposed_by_id=actor.id,
        proposed_at=db.utcnow(),
    )
    db.session.add(request)
    # The benefit's version moves with the request, so a second proposal read before it is refused.
    touch(benefit, at=db.utcnow())
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.change_proposed",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=current,
        after={"change_request_id": request.id, **proposed},
        reason=reason,
    )
    where = f" of {improvement.ref}" if improvement is not None else ""
    notifications.enqueue(
        user_ids=[
            member.id
            for member in user_queries.list_design_authority_members()
            if may_decide(member, benefit, request)
        ],
        kind="benefit.change_proposed",
        text=(
            f"{actor.name} proposes a change to the baseline or target of the benefit “{benefit.title}”"
            f"{where}, for the design authority to decide. Their reason: {reason}"
        ),
        event_key=f"benefit-change-proposed:{request.id}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return request


def _profile_with(benefit: Benefit, plan: dict[str, object]) -> dict[str, object]:
    """The benefit's whole profile with another baseline and target, as ``_validate_profile`` checks it."""
    driver = db.session.get(BenefitDriver, benefit.driver_id)
    return {
        "title": benefit.title,
        "driver": driver.code if driver else None,
        "cash_class": benefit.cash_class,
        "unit": benefit.unit,
        "direction": benefit.direction,
        "frequency": benefit.frequency,
        "owner_id": benefit.owner_id,
        "tolerance_pct": benefit.tolerance_pct,
        # A stepped or custom plan's values must still lie between the new baseline and target dates.
        "profile_shape": benefit.profile_shape,
        "measure_type": benefit.measure_type,
        "planned_points": benefit_queries.planned_points(benefit.id),
        **plan,
    }


def load_request(benefit_id: int, request_id: int) -> BenefitChangeRequest:
    request = db.session.scalar(
        select(BenefitChangeRequest).where(
            BenefitChangeRequest.id == request_id, BenefitChangeRequest.benefit_id == benefit_id
        )
    )
    if request is None:
        raise NotFound("There is no such change request on this benefit.")
    return request


def may_decide(actor: User, benefit: Benefit, request: BenefitChangeRequest) -> bool:
    """Whether this person may approve or reject the request (``permissions.can_decide_plan_change``)."""
    return permissions.can_decide_plan_change(
        actor.as_actor(),
        proposer_id=request.proposed_by_id,
        benefit_owner_id=benefit.owner_id,
        improvement=benefit_service._facts(benefit_service._improvement_of(benefit), actor),
    )


def decide_plan_change(
    benefit_or_id: Benefit | int,
    request_id: int,
    *,
    actor: User,
    approve: bool,
    note: str,
    expected_version: int | None,
) -> BenefitChangeRequest:
    """The design authority approves or rejects a proposed change to a benefit's baseline or target, with
    a note (needed to reject). An approved change is applied at once: the validation of the old figures
    lapses, the owner is asked to accept the new profile, and the benefit's history shows who proposed it,
    who approved it, when and why. The proposer is notified of the decision.

    The decider is a design authority member independent of the improvement, as for a gate decision,
    and is neither the proposer nor the benefit's owner (``permissions.can_decide_plan_change``).
    ``expected_version`` is the request's version the person read. Raises NotFound, PermissionDenied,
    InvalidTransition, VersionConflict or ValidationFailed. Flushes, does not commit.
    """
    benefit = benefit_service._load_benefit(benefit_or_id)
    request = load_request(benefit.id, request_id)
    if not may_decide(actor, benefit, request):
        raise PermissionDenied(
            "A change to a benefit's baseline or target is decided by a design authority member with no "
            "interest in the improvement, who neither proposed it nor owns the benefit."
        )
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the change request you read."]})
    expect_version(request, expected_version)
    if not request.is_pending:
        raise InvalidTransition("This change request has been decided already.")
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if len(note) > NOTE_MAX:
        errors["note"] = [f"Keep the note to {NOTE_MAX:,} characters or fewer."]
    elif not approve and not note:
        errors["note"] = ["Say why the change is rejected; the person who proposed it will read it."]
    if errors:
        raise ValidationFailed(errors)
    improvement = benefit_service._improvement_of(benefit)
    plan = {
        "baseline_value": request.baseline_value,
        "baseline_date": request.baseline_date,
        "target_value": request.target_value,
        "target_date": request.target_date,
    }
    if approve:
        if benefit.closing_status:
            raise InvalidTransition("This benefit has been closed since; reject the change instead.")
        benefit_service._stage_allows_profile(improvement)
        profile_errors, _ = benefit_service._validate_profile(_profile_with(benefit, plan))
        if profile_errors:
            raise ValidationFailed(profile_errors)
    request.status = rules.ChangeRequestStatus.APPROVED if approve else rules.ChangeRequestStatus.REJECTED
    request.decided_by_id = actor.id
    request.decided_at = db.utcnow()
    request.decision_note = note
    if approve:
        _apply(benefit, request, plan, actor=actor)
    else:
        flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.change_approved" if approve else "benefit.change_rejected",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before={name: getattr(request, f"was_{name}") for name in sorted(rules.PLAN_FIELDS)},
        after={
            "change_request_id": request.id,
            "proposed_by_id": request.proposed_by_id,
            "proposed_at": request.proposed_at,
            "decision_note": note,
            **plan,
        },
        reason=request.reason,
    )
    where = f" of {improvement.ref}" if improvement is not None else ""
    decided = "approved" if approve else "rejected"
    notifications.enqueue(
        user_ids=[request.proposed_by_id],
        kind=f"benefit.change_{decided}",
        text=(
            f"The design authority {decided} your change to the baseline or target of the benefit "
            f"“{benefit.title}”{where}." + (f" Their note: {note}" if note else "")
        ),
        event_key=f"benefit-change:{request.id}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return request


def _apply(benefit: Benefit, request: BenefitChangeRequest, plan: dict[str, object], *, actor: User) -> None:
    """Apply an approved change: the plan, the schedule derived from it, and what lapses with it."""
    latest = benefit_service._latest_measurement(benefit.id)
    points = benefit_queries.planned_points(benefit.id)
    before = benefit_service._profile(benefit)
    for name, value in plan.items():
        setattr(benefit, name, value)
    # Finance validated the figures against the old plan, and the owner accepted the old one.
    benefit.validated_by_id = None
    benefit.validated_at = None
    asked = benefit_service.clear_acceptance(benefit)
    benefit.reschedule(latest, points)
    flush_guarded()
    benefit_service._resolve_cleared_flags(
        benefit, benefit_service._improvement_of(benefit), on=council_today()
    )
    record_event(
        actor_id=actor.id,
        action="benefit.updated",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after=benefit_service._profile(benefit) | {"change_request_id": request.id},
        reason=request.reason,
    )
    if asked or not benefit.is_accepted:
        benefit_service.ask_to_accept(benefit, actor_id=actor.id)
