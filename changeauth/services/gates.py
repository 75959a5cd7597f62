"""Gates: each improvement's criteria met or not (on the facts ``queries.gates`` gathers), manual ticks
with evidence, the configurable criteria, and closing the conditions a conditional go leaves behind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.choices import member_or_none
from changeauth.domain.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.domain.gates import (
    DEFAULT_GATE_CRITERIA,
    MANUAL,
    RULES,
    ConditionStatus,
    CriterionKind,
    CriterionStatus,
    GateCriterionSpec,
    GateFacts,
    criteria_for,
    evaluate,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Gate, Stage, gate_for
from changeauth.models import (
    Condition,
    CriterionTick,
    GateCriterion,
    Improvement,
    User,
)
from changeauth.queries import gates as gate_queries
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded


def configured_criteria(gate: Gate | None = None) -> list[GateCriterionSpec]:
    """The active criteria from the database, in their display order."""
    stmt = select(GateCriterion).where(GateCriterion.is_active.is_(True))
    if gate is not None:
        stmt = stmt.where(GateCriterion.gate == gate.value)
    rows = db.session.scalars(stmt.order_by(GateCriterion.gate, GateCriterion.position, GateCriterion.id))
    return [GateCriterionSpec(Gate(r.gate), r.code, r.text, CriterionKind(r.kind), r.check) for r in rows]


def gate_facts(improvement: Improvement, *, today: date) -> GateFacts:
    """Everything the automatic rules look at, in a handful of queries."""
    return gate_queries.gate_facts_for([improvement], today=today)[improvement.id]


def gate_status(improvement: Improvement, *, today: date) -> tuple[Gate | None, list[CriterionStatus]]:
    """The gate the improvement faces and each of its criteria, met or not, with why."""
    gate = gate_for(Stage(improvement.stage))
    if gate is None:
        return None, []
    specs = criteria_for(gate, improvement.route, configured_criteria(gate))
    return gate, evaluate(specs, gate_facts(improvement, today=today))


def gate_statuses(
    improvements: Sequence[Improvement], *, today: date
) -> dict[int, tuple[Gate | None, list[CriterionStatus]]]:
    """``gate_status`` of each improvement, in the same few queries however many there are."""
    facing = {improvement.id: gate_for(Stage(improvement.stage)) for improvement in improvements}
    at_a_gate = [improvement for improvement in improvements if facing[improvement.id] is not None]
    if not at_a_gate:
        return {improvement.id: (None, []) for improvement in improvements}
    configured = configured_criteria()
    facts = gate_queries.gate_facts_for(at_a_gate, today=today)
    statuses: dict[int, tuple[Gate | None, list[CriterionStatus]]] = {}
    for improvement in improvements:
        gate = facing[improvement.id]
        statuses[improvement.id] = (
            (gate, evaluate(criteria_for(gate, improvement.route, configured), facts[improvement.id]))
            if gate is not None
            else (None, [])
        )
    return statuses


def tick_criterion(
    improvement: Improvement, *, actor: User, code: str, is_met: bool, evidence: str
) -> CriterionTick:
    """A design authority member ticks (or unticks) a manual criterion, with evidence. Flushes."""
    facts = access_to(improvement, actor).improvement
    if not permissions.can_decide_gate(actor.as_actor(), facts):
        raise PermissionDenied("Only an independent design authority member may tick gate criteria.")
    gate = gate_for(Stage(improvement.stage))
    criterion = db.session.scalar(
        select(GateCriterion).where(
            GateCriterion.code == code,
            GateCriterion.gate == (gate.value if gate else ""),
            GateCriterion.is_active.is_(True),
        )
    )
    if criterion is None or criterion.check != MANUAL:
        raise NotFound("That is not a manual criterion of this improvement's gate.")
    if not evidence.strip() or len(evidence) > TEXT_MAX:
        raise ValidationFailed({"evidence": ["Say what shows the criterion is met (or why it is not)."]})
    tick = db.session.scalar(
        select(CriterionTick).where(
            CriterionTick.improvement_id == improvement.id, CriterionTick.criterion_id == criterion.id
        )
    )
    before = {"is_met": tick.is_met, "evidence": tick.evidence} if tick else None
    if tick is None:
        tick = CriterionTick(improvement_id=improvement.id, criterion_id=criterion.id)
        db.session.add(tick)
    tick.is_met, tick.evidence, tick.ticked_by_id, tick.ticked_at = (
        is_met,
        evidence.strip(),
        actor.id,
        db.utcnow(),
    )
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="criterion.ticked",
        subject_type="improvement",
        subject_id=improvement.id,
        before=before,
        after={"criterion": code, "is_met": is_met, "evidence": tick.evidence},
    )
    return tick


def close_condition(
    condition: Condition,
    *,
    actor: User,
    expected_version: int | None = None,
    status: ConditionStatus | str,
    note: str,
) -> Condition:
    """Close a condition as met (its owner, or an independent design authority member) or waived (an
    independent design authority member only: a waiver undoes part of a quorum's decision), with a note.
    Raises ValidationFailed, PermissionDenied or VersionConflict. Flushes."""
    closing = member_or_none(ConditionStatus, status)
    if closing not in (ConditionStatus.MET, ConditionStatus.WAIVED):
        raise ValidationFailed({"status": ["Choose met or waived."]})
    if not condition.is_open:
        raise ValidationFailed({"status": ["This condition is already closed."]})
    improvement = db.session.get_one(Improvement, condition.improvement_id)
    independent = permissions.is_independent(actor.as_actor(), access_to(improvement, actor).improvement)
    if closing is ConditionStatus.WAIVED and not independent:
        raise PermissionDenied(
            "Only a design authority member with no interest in this improvement may waive a condition."
        )
    if closing is ConditionStatus.MET and not (actor.id == condition.owner_id or independent):
        raise PermissionDenied("Only the condition's owner may close it as met.")
    if not note.strip() or len(note) > TEXT_MAX:
        raise ValidationFailed({"note": ["Add a note saying how it was met, or why it is waived."]})
    expect_version(condition, expected_version)
    condition.status, condition.note = closing, note.strip()
    condition.closed_by_id, condition.closed_at = actor.id, db.utcnow()
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action=f"condition.{closing.value}",
        subject_type="improvement",
        subject_id=condition.improvement_id,
        after={"condition_id": condition.id, "status": closing.value},
        reason=condition.note,
    )
    return condition


def load_default_gate_criteria() -> int:
    """Seed the default criteria (docs/gates.md) (reference data; existing rows are left as edited)."""
    existing = {(row.gate, row.code) for row in db.session.scalars(select(GateCriterion))}
    created = 0
    for position, spec in enumerate(DEFAULT_GATE_CRITERIA):
        if (spec.gate.value, spec.code) in existing:
            continue
        db.session.add(
            GateCriterion(
                gate=spec.gate.value,
                code=spec.code,
                text=spec.text,
                kind=spec.kind.value,
                check=spec.check,
                position=position,
            )
        )
        created += 1
    db.session.flush()
    return created


def update_gate_criterion(
    criterion: GateCriterion,
    *,
    actor: User,
    text: str,
    kind: CriterionKind | str,
    check: str,
    is_active: bool,
    expected_version: int | None,
) -> GateCriterion:
    """An administrator edits a criterion: its text, must or should, rule or manual, active. Flushes."""
    if not permissions.is_admin(actor.as_actor()):
        raise PermissionDenied("Only administrators edit gate criteria.")
    errors: dict[str, list[str]] = {}
    if not text.strip() or len(text) > 1000:
        errors["text"] = ["Describe the criterion in up to 1,000 characters."]
    chosen_kind = member_or_none(CriterionKind, kind)
    if chosen_kind is None:
        errors["kind"] = ["Choose must or should."]
    if check != MANUAL and check not in RULES:
        errors["check"] = [f"Choose manual or one of the rules: {', '.join(sorted(RULES))}."]
    if errors or chosen_kind is None:
        raise ValidationFailed(errors)
    if expected_version is None:
        raise VersionConflict()  # the edit form always says which version it showed
    expect_version(criterion, expected_version)
    before = {
        "text": criterion.text,
        "kind": criterion.kind,
        "check": criterion.check,
        "is_active": criterion.is_active,
    }
    criterion.text, criterion.kind, criterion.check, criterion.is_active = (
        text.strip(),
        chosen_kind,
        check,
        is_active,
    )
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="gate_criterion.edited",
        subject_type="gate_criterion",
        subject_id=criterion.id,
        subject_version=criterion.version,
        before=before,
        after={"text": criterion.text, "kind": criterion.kind.value, "check": check, "is_active": is_active},
    )
    return criterion
