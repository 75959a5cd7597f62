"""The one transition service: every stage change of an improvement happens here and nowhere else.

A change is a conditional UPDATE on the improvement's version (``WHERE id = :id AND version = :v``),
so of two people deciding at once exactly one wins and the other gets a version conflict, on SQLite
and PostgreSQL alike. Each change writes one audit event and notifies the people following the idea.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from changeauth import db
from changeauth.domain import dates, permissions
from changeauth.domain.business_cases import CaseStatus
from changeauth.domain.errors import (
    GateCriteriaUnmet,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.domain.gate_decisions import (
    CONDITION_TEXT_MAX,
    ConditionInput,
    DecisionRequest,
    limit_errors,
)
from changeauth.domain.gates import unmet_musts
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import (
    DECISION_LABELS,
    STAGE_LABELS,
    Action,
    Decision,
    Gate,
    Outcome,
    Route,
    Stage,
    action_outcome,
    decision_outcome,
    gate_for,
    gate_title,
)
from changeauth.models import (
    BusinessCase,
    Comment,
    Condition,
    DaMeeting,
    GateDecision,
    Improvement,
    Support,
    User,
)
from changeauth.queries.improvements import access_to
from changeauth.services import notifications
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded


@dataclass(frozen=True)
class GateRules:
    """Settings that shape gate decisions (from configuration)."""

    quorum: int = 3


def _snapshot(improvement: Improvement) -> dict[str, Any]:
    return {
        "stage": improvement.stage,
        "status": improvement.status,
        "route": improvement.route,
        "version": improvement.version,
        "owner_id": improvement.owner_id,
        "hold_until": improvement.hold_until,
        "duplicate_of_id": improvement.duplicate_of_id,
    }


def _move(
    improvement: Improvement,
    outcome: Outcome,
    *,
    expected_version: int,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """Apply a stage move if, and only if, nobody changed the improvement since ``expected_version``
    (the improvement's version, services/guards.py)."""
    expect_version(improvement, expected_version)
    values: dict[str, Any] = {
        "stage": outcome.stage.value,
        "status": outcome.status.value,
        "updated_at": now,
        "stage_changed_at": now,
        "held_from_stage": None,
        "hold_until": None,
        **(extra or {}),
    }
    for name, value in values.items():
        setattr(improvement, name, value)
    flush_guarded()
    # The people and the improvement it was merged into follow their ids when next read.
    db.session.expire(improvement, ["owner", "duplicate_of"])


def _check_version(improvement: Improvement, version: int | None) -> int:
    if version is None:
        raise ValidationFailed({"version": ["Send the version of the improvement you are deciding on."]})
    if improvement.version != version:
        raise VersionConflict()
    return version


def _notify_followers(
    improvement: Improvement, *, text: str, event_key: str, extra_user_ids: Sequence[int | None] = ()
) -> None:
    supporter_ids = list(
        db.session.scalars(select(Support.user_id).where(Support.improvement_id == improvement.id))
    )
    notifications.enqueue(
        user_ids=[improvement.submitter_id, *supporter_ids, *extra_user_ids],
        kind="improvement.decision",
        text=text,
        event_key=event_key,
        subject_type="improvement",
        subject_id=improvement.id,
    )


def _validate_decision(
    improvement: Improvement,
    *,
    gate: Gate,
    decision: Decision,
    rationale: str,
    today: date,
    hold_until: date | None,
    duplicate_of_id: int | None,
    owner_id: int | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not rationale.strip():
        errors["rationale"] = ["Give the reasons for the decision; the submitter will read them."]
    if decision is Decision.HOLD and (hold_until is None or hold_until <= today):
        errors["hold_until"] = ["Give a date in the future until which it is on hold."]
    elif decision is Decision.HOLD:
        errors.update(dates.range_errors(hold_until=hold_until))
    if decision is Decision.MERGE:
        errors.update(_merge_target_errors(improvement, duplicate_of_id))
    if decision in (Decision.GO, Decision.QUICK_WIN) and gate is Gate.G0:
        owner = db.session.get(User, owner_id) if owner_id is not None else None
        if owner is None or not owner.is_active:
            errors["owner_id"] = ["Choose who will own this improvement."]
        elif not permissions.may_own_work(owner.roles):
            errors["owner_id"] = [permissions.OWNER_MUST_WORK]
    return errors


def _merge_target_errors(improvement: Improvement, duplicate_of_id: int | None) -> dict[str, list[str]]:
    if duplicate_of_id is None:
        return {"duplicate_of": ["Choose the improvement to merge this idea into."]}
    if duplicate_of_id == improvement.id:
        return {"duplicate_of": ["An idea cannot be merged into itself."]}
    target = db.session.get(Improvement, duplicate_of_id)
    if target is None or target.stage in (Stage.MERGED.value, Stage.WITHDRAWN.value):
        return {"duplicate_of": ["There is no improvement with that reference to merge into."]}
    return {}


def _check_attendees(
    improvement: Improvement,
    facts: permissions.ImprovementFacts,
    actor: User,
    attendee_ids: Collection[int],
    quorum: int,
) -> list[int]:
    attendees = sorted(set(attendee_ids) | {actor.id})
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(attendees)))}
    eligible = [
        user_id
        for user_id in attendees
        if (user := people.get(user_id)) is not None
        and user.is_active
        and permissions.can_attend_gate(user_id, user.roles, facts)
    ]
    # One answer for every reason (too few, not on the design authority, switched off, interested):
    # telling them apart would let a recorder find out who submitted an anonymous idea, one name at a time.
    if len(eligible) != len(attendees) or len(attendees) < quorum:
        raise ValidationFailed(
            {
                "attendee_ids": [
                    f"A gate decision needs at least {quorum} active design authority members, the recorder "
                    "included, none of whom has an interest in this improvement."
                ]
            }
        )
    return attendees


def decide_gate(
    improvement: Improvement,
    request: DecisionRequest,
    *,
    actor: User,
    rules: GateRules | None = None,
    now: datetime | None = None,
    today: date | None = None,
) -> GateDecision:
    """Record a gate decision and move the improvement as the lifecycle table says.

    G0 (triage) is decided by one independent design authority member; G1–G3 need a quorum of independent
    members attending, including the recorder. A go (with or without conditions) needs every must criterion
    of the gate met and no open conditions from an earlier gate. A conditional go leaves owned, dated
    conditions. At G1 a go approves the submitted business case and a recycle returns it: the case the
    quorum reviewed, named by ``business_case_version`` or implied by ``version`` (submitting a case
    moves the improvement's version on); a newer case is a VersionConflict.
    Raises PermissionDenied, InvalidTransition, ValidationFailed, GateCriteriaUnmet or VersionConflict; on
    any of them nothing changes. Flushes, does not commit.
    """
    rules = rules or GateRules()
    now = now or db.utcnow()
    today = today or now.date()
    checked = _validate_request(improvement, request, actor=actor, rules=rules, today=today)
    before = _snapshot(improvement)
    record = _apply_decision(improvement, request, checked, actor=actor, now=now)
    _record_and_announce(improvement, request, record, checked, actor=actor, before=before)
    return record


@dataclass(frozen=True)
class _CheckedDecision:
    """A request that passed every check: its gate and decision as enums, where it leads, the version
    the write is guarded by, and who attended."""

    gate: Gate
    decision: Decision
    outcome: Outcome
    expected_version: int
    attendee_ids: list[int]


def _validate_request(
    improvement: Improvement, request: DecisionRequest, *, actor: User, rules: GateRules, today: date
) -> _CheckedDecision:
    """Every check, in the order a person is best told about them; writes nothing."""
    facts = access_to(improvement, actor).improvement
    try:
        gate_value, decision_value = Gate(request.gate), Decision(request.decision)
    except ValueError:
        raise ValidationFailed({"decision": ["Choose a decision that exists at this gate."]}) from None
    current_gate = gate_for(Stage(improvement.stage))
    if current_gate is None or current_gate is not gate_value:
        raise InvalidTransition(f"This improvement is not waiting for the {gate_value.value} gate.")
    allowed = (
        permissions.can_triage(actor.as_actor(), facts)
        if gate_value is Gate.G0
        else permissions.can_decide_gate(actor.as_actor(), facts)
    )
    if not allowed:
        raise PermissionDenied(
            "Only a design authority member who did not submit, own, sponsor or declare a conflict on this "
            "improvement may decide it."
        )
    outcome = decision_outcome(gate_value, decision_value)
    if outcome is None:
        raise ValidationFailed(
            {"decision": [f"{DECISION_LABELS[decision_value]} is not a decision at {gate_value.value}."]}
        )
    expected = _check_version(improvement, request.version)
    if gate_value is Gate.G1 and request.business_case_version is not None:
        _check_case_version(improvement, request.business_case_version)
    errors = limit_errors(request)
    for field, messages in _validate_decision(
        improvement,
        gate=gate_value,
        decision=decision_value,
        rationale=request.rationale,
        today=today,
        hold_until=request.hold_until,
        duplicate_of_id=request.duplicate_of_id,
        owner_id=request.owner_id,
    ).items():
        errors.setdefault(field, messages)
    for field, messages in _condition_errors(decision_value, request.conditions, today).items():
        errors.setdefault(field, messages)
    if request.meeting_id is not None:
        meeting = db.session.get(DaMeeting, request.meeting_id)
        if meeting is None:
            errors["meeting_id"] = ["There is no design authority meeting with that number."]
        elif meeting.cancelled_at is not None or meeting.meets_on < today:
            errors["meeting_id"] = [
                "Choose a meeting that is still to be held: that one was cancelled or has taken place."
            ]
    if errors:
        raise ValidationFailed(errors)
    if decision_value in (Decision.GO, Decision.GO_WITH_CONDITIONS):
        _check_criteria(improvement, today)
    attendees = (
        [actor.id]
        if gate_value is Gate.G0
        else _check_attendees(improvement, facts, actor, request.attendee_ids, rules.quorum)
    )
    return _CheckedDecision(gate_value, decision_value, outcome, expected, attendees)


def _apply_decision(
    improvement: Improvement,
    request: DecisionRequest,
    checked: _CheckedDecision,
    *,
    actor: User,
    now: datetime,
) -> GateDecision:
    """Move the improvement, keep the decision with its attendees and conditions, and carry out what the
    decision means for the business case (G1) and the supporters (a merge)."""
    decision, hold_until = checked.decision, request.hold_until
    extra: dict[str, Any] = {}
    if decision is Decision.HOLD:
        extra = {"held_from_stage": improvement.stage, "hold_until": hold_until}
    elif decision is Decision.MERGE:
        extra = {"duplicate_of_id": request.duplicate_of_id}
    elif decision is Decision.QUICK_WIN:
        extra = {"route": Route.QUICK_WIN.value, "owner_id": request.owner_id}
    elif decision is Decision.GO and checked.gate is Gate.G0:
        extra = {"owner_id": request.owner_id}
    from_stage = improvement.stage
    _move(improvement, checked.outcome, expected_version=checked.expected_version, now=now, extra=extra)

    record = GateDecision(
        improvement_id=improvement.id,
        gate=checked.gate.value,
        decision=decision.value,
        rationale=request.rationale.strip(),
        decided_by_id=actor.id,
        decided_at=now,
        from_stage=from_stage,
        to_stage=improvement.stage,
        hold_until=hold_until if decision is Decision.HOLD else None,
        duplicate_of_id=request.duplicate_of_id if decision is Decision.MERGE else None,
        attendees=list(db.session.scalars(select(User).where(User.id.in_(checked.attendee_ids)))),
        meeting_id=request.meeting_id,
        conditions=[
            Condition(
                improvement_id=improvement.id,
                text=item.text.strip(),
                owner_id=item.owner_id,
                due_date=item.due_date,
                status="open",
            )
            for item in request.conditions
        ],
    )
    db.session.add(record)
    db.session.flush()
    if checked.gate is Gate.G1:
        _decide_business_case(improvement, actor=actor, decision=decision, reason=record.rationale, now=now)
    if decision is Decision.MERGE and request.duplicate_of_id is not None:
        _move_supports(improvement.id, request.duplicate_of_id)
    return record


def _record_and_announce(
    improvement: Improvement,
    request: DecisionRequest,
    record: GateDecision,
    checked: _CheckedDecision,
    *,
    actor: User,
    before: dict[str, Any],
) -> None:
    """The audit event, and the notice to the people following the improvement, its owner, its sponsor
    and each condition's owner."""
    record_event(
        actor_id=actor.id,
        action="improvement.decided",
        subject_type="improvement",
        subject_id=improvement.id,
        subject_version=improvement.version,
        before=before,
        after={
            **_snapshot(improvement),
            "gate": checked.gate.value,
            "decision": checked.decision.value,
            "decision_id": record.id,
            "attendee_ids": checked.attendee_ids,
        },
        reason=record.rationale,
    )
    _notify_followers(
        improvement,
        text=decision_notice(improvement, record, request.duplicate_of_id),
        event_key=f"decision:{record.id}",
        extra_user_ids=[
            improvement.owner_id,
            improvement.sponsor_id,
            *(c.owner_id for c in request.conditions),
        ],
    )


def _condition_errors(
    decision: Decision, conditions: Sequence[ConditionInput], today: date
) -> dict[str, list[str]]:
    if decision is not Decision.GO_WITH_CONDITIONS:
        return {"conditions": ["Conditions go only with a conditional go."]} if conditions else {}
    if not conditions:
        return {
            "conditions": ["A conditional go needs at least one condition, with an owner and a due date."]
        }
    problems = []
    owners = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_([c.owner_id for c in conditions])))
    }
    for number, item in enumerate(conditions, start=1):
        owner = owners.get(item.owner_id)
        if not item.text.strip() or len(item.text) > CONDITION_TEXT_MAX:
            problems.append(f"Condition {number}: say what must be done.")
        if owner is None or not owner.is_active:
            problems.append(f"Condition {number}: choose an active owner.")
        elif not permissions.may_own_work(owner.roles):
            problems.append(f"Condition {number}: {permissions.OWNER_MUST_WORK}")
        if item.due_date <= today:
            problems.append(f"Condition {number}: the due date must be in the future.")
        elif not dates.in_range(item.due_date):
            problems.append(f"Condition {number}: {dates.OUT_OF_RANGE}")
    return {"conditions": problems} if problems else {}


def _check_criteria(improvement: Improvement, today: date) -> None:
    """A go needs every must criterion met, and no conditions left open from an earlier gate."""
    from changeauth.services.gates import gate_facts, gate_status

    _gate, statuses = gate_status(improvement, today=today)
    unmet = unmet_musts(statuses)
    # People read the criteria's own words and why each is not met; the API also gets their codes.
    reasons = [
        f"{status.text.rstrip('.')} ({status.detail.rstrip('.')})"
        for status in statuses
        if status.code in unmet
    ]
    open_conditions = gate_facts(improvement, today=today).open_conditions
    if open_conditions and "no_open_conditions" not in unmet:
        unmet.append("no_open_conditions")
        reasons.append(f"Conditions from an earlier gate are closed ({open_conditions} still open)")
    if unmet:
        raise GateCriteriaUnmet(unmet, f"Not every must criterion is met: {'; '.join(reasons)}.")


def _check_case_version(improvement: Improvement, reviewed: int) -> None:
    latest = db.session.scalar(
        select(func.max(BusinessCase.version)).where(
            BusinessCase.improvement_id == improvement.id, BusinessCase.status == CaseStatus.SUBMITTED.value
        )
    )
    if latest is None or latest != reviewed:
        raise VersionConflict(
            f"The business case in front of the decision is version {latest}, not version {reviewed}. "
            "Reload the improvement and review that version before deciding."
            if latest is not None
            else "This improvement has no submitted business case to decide on."
        )


def _decide_business_case(
    improvement: Improvement, *, actor: User, decision: Decision, reason: str, now: datetime
) -> None:
    from changeauth.services import business_cases

    case = db.session.scalar(
        select(BusinessCase)
        .where(BusinessCase.improvement_id == improvement.id)
        .order_by(BusinessCase.version.desc())
        .limit(1)
    )
    if case is None or case.status != CaseStatus.SUBMITTED.value:
        return
    if decision in (Decision.GO, Decision.GO_WITH_CONDITIONS):
        business_cases.approve_business_case(case, actor=actor, now=now)
    elif decision is Decision.RECYCLE:
        business_cases.return_business_case(case, actor=actor, reason=reason, now=now)


def decision_notice(
    improvement: Improvement, record: GateDecision, duplicate_of_id: int | None = None
) -> str:
    """The notice a decision sends to the people following the improvement."""
    label = DECISION_LABELS[Decision(record.decision)].lower()
    where = STAGE_LABELS[Stage(record.to_stage)]
    text = (
        f"{improvement.ref} “{improvement.title}”: decision at {gate_title(record.gate)} — {label}. "
        f"It is now at {where}."
    )
    if record.decision == Decision.MERGE.value and duplicate_of_id is not None:
        target = db.session.get(Improvement, duplicate_of_id)
        if target is not None:
            text = f"{improvement.ref} “{improvement.title}” was merged into {target.ref} “{target.title}”."
    if record.decision == Decision.RECYCLE.value and record.gate == Gate.G0.value:
        text += " The design authority needs more information: answer on the idea's page and resubmit it."
    return f"{text} Reason: {record.rationale}"


def _move_supports(from_id: int, to_id: int) -> None:
    """Supporters of a merged idea follow it to the improvement it joined (one support each)."""
    target = db.session.get(Improvement, to_id)
    already = set(db.session.scalars(select(Support.user_id).where(Support.improvement_id == to_id)))
    for support in db.session.scalars(select(Support).where(Support.improvement_id == from_id)):
        if support.user_id in already or (target is not None and support.user_id == target.submitter_id):
            db.session.delete(support)
        else:
            support.improvement_id = to_id
            already.add(support.user_id)
    db.session.flush()


ACTION_RULES = {
    Action.START_DELIVERY: permissions.can_start_delivery,
    Action.RESUME: permissions.can_resume,
    Action.WITHDRAW: permissions.can_withdraw,
    Action.RESUBMIT: permissions.can_resubmit,
}


def apply_action(
    improvement: Improvement,
    *,
    actor: User,
    action: str,
    version: int | None,
    note: str = "",
    now: datetime | None = None,
) -> Improvement:
    """Start delivery, resume held work, withdraw an idea, or resubmit one the design authority asked about.

    Resubmitting needs the submitter's answer, kept as a comment. Raises InvalidTransition when the action
    is not possible in the current stage, PermissionDenied, ValidationFailed or VersionConflict.
    Flushes, does not commit.
    """
    now = now or db.utcnow()
    try:
        action_value = Action(action)
    except ValueError:
        raise ValidationFailed({"action": ["Choose start_delivery, resume, withdraw or resubmit."]}) from None
    if action_value is Action.RESUBMIT and not improvement.needs_info:
        raise InvalidTransition("Only an idea the design authority asked about can be resubmitted.")
    outcome = action_outcome(
        Stage(improvement.stage), action_value, held_from_stage=improvement.held_from_stage
    )
    if outcome is None:
        raise InvalidTransition(
            f"You cannot {action_value.value.replace('_', ' ')} an improvement at this stage."
        )
    if not ACTION_RULES[action_value](actor.as_actor(), access_to(improvement, actor).improvement):
        raise PermissionDenied("You may not do that to this improvement.")
    if action_value is Action.RESUBMIT and not note.strip():
        raise ValidationFailed({"note": ["Answer the design authority's question before resubmitting."]})
    if len(note) > TEXT_MAX:
        raise ValidationFailed({"note": [f"Keep this to {TEXT_MAX:,} characters or fewer."]})
    expected = _check_version(improvement, version)
    before = _snapshot(improvement)
    _move(improvement, outcome, expected_version=expected, now=now)
    if action_value is Action.RESUBMIT:
        db.session.add(
            Comment(improvement_id=improvement.id, author_id=actor.id, body=note.strip(), created_at=now)
        )
        db.session.flush()
    event = record_event(
        actor_id=actor.id,
        action="improvement.transitioned",
        subject_type="improvement",
        subject_id=improvement.id,
        subject_version=improvement.version,
        before=before,
        after={**_snapshot(improvement), "action": action_value.value},
        reason=note.strip() or None,
    )
    if action_value in (Action.RESUME, Action.START_DELIVERY):
        stage_label = STAGE_LABELS[Stage(improvement.stage)]
        _notify_followers(
            improvement,
            text=f"{improvement.ref} “{improvement.title}” is now at {stage_label}.",
            event_key=f"transition:{event.id}",
        )
    return improvement
