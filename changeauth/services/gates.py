"""Gates: gathering the facts a gate's criteria look at, manual ticks with evidence, the configurable
criteria, and closing the conditions a conditional go leaves behind."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.domain.gates import (
    DEFAULT_GATE_CRITERIA,
    MANUAL,
    RULES,
    BenefitFacts,
    CriterionKind,
    CriterionStatus,
    GateCriterionSpec,
    GateFacts,
    criteria_for,
    evaluate,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Decision, Gate, Stage, gate_for
from changeauth.models import (
    Benefit,
    BenefitMeasurement,
    BusinessCase,
    Condition,
    CriterionTick,
    GateCriterion,
    GateDecision,
    Improvement,
    ImprovementScore,
    TemporaryResource,
    User,
)
from changeauth.queries.improvements import conflicted_user_ids
from changeauth.services.audit import record_event


def configured_criteria(gate: Gate | None = None) -> list[GateCriterionSpec]:
    """The active criteria from the database, in their display order."""
    stmt = select(GateCriterion).where(GateCriterion.is_active.is_(True))
    if gate is not None:
        stmt = stmt.where(GateCriterion.gate == gate.value)
    rows = db.session.scalars(stmt.order_by(GateCriterion.gate, GateCriterion.position, GateCriterion.id))
    return [GateCriterionSpec(Gate(r.gate), r.code, r.text, CriterionKind(r.kind), r.check) for r in rows]


def gate_facts(improvement: Improvement, *, today: date) -> GateFacts:
    """Everything the automatic rules look at, in a handful of queries."""
    case_status = db.session.scalar(
        select(BusinessCase.status)
        .where(BusinessCase.improvement_id == improvement.id)
        .order_by(BusinessCase.version.desc())
        .limit(1)
    )
    benefits = db.session.scalars(select(Benefit).where(Benefit.improvement_id == improvement.id)).all()
    measured = set(
        db.session.scalars(
            select(BenefitMeasurement.benefit_id).where(
                BenefitMeasurement.benefit_id.in_([b.id for b in benefits])
            )
        )
    )
    score = db.session.scalar(
        select(ImprovementScore).where(ImprovementScore.improvement_id == improvement.id)
    )
    resource_ends = tuple(
        db.session.scalars(
            select(TemporaryResource.end_date).where(TemporaryResource.improvement_id == improvement.id)
        )
    )
    open_conditions = (
        db.session.scalar(
            select(func.count())
            .select_from(Condition)
            .where(Condition.improvement_id == improvement.id, Condition.status == "open")
        )
        or 0
    )
    went_live: datetime | None = db.session.scalar(
        select(func.max(GateDecision.decided_at)).where(
            GateDecision.improvement_id == improvement.id,
            GateDecision.gate == Gate.G2.value,
            GateDecision.decision.in_([Decision.GO.value, Decision.GO_WITH_CONDITIONS.value]),
        )
    )
    ticks = db.session.execute(
        select(GateCriterion.code, CriterionTick.is_met)
        .join(GateCriterion, GateCriterion.id == CriterionTick.criterion_id)
        .where(CriterionTick.improvement_id == improvement.id)
    ).all()
    return GateFacts(
        today=today,
        route=improvement.route,
        business_case_status=case_status,
        benefits=tuple(
            BenefitFacts(
                owner_id=b.owner_id,
                baseline_date=b.baseline_date,
                target_date=b.target_date,
                frequency=b.frequency,
                has_baseline_value=b.baseline_value is not None,
                has_target_value=b.target_value is not None,
                latest_measurement_on=b.last_period_end,
                closing_status=b.closing_status,
            )
            for b in benefits
        ),
        score_status=score.status if score else None,
        must_meet_passed=score.must_meet_passed if score else None,
        resource_end_dates=resource_ends,
        open_conditions=open_conditions,
        went_live_on=went_live.date() if went_live else None,
        effect_recorded=bool(measured),
        manual_ticks=dict(ticks),
    )


def gate_status(improvement: Improvement, *, today: date) -> tuple[Gate | None, list[CriterionStatus]]:
    """The gate the improvement faces and each of its criteria, met or not, with why."""
    gate = gate_for(Stage(improvement.stage))
    if gate is None:
        return None, []
    specs = criteria_for(gate, improvement.route, configured_criteria(gate))
    return gate, evaluate(specs, gate_facts(improvement, today=today))


def tick_criterion(
    improvement: Improvement, *, actor: User, code: str, is_met: bool, evidence: str
) -> CriterionTick:
    """A design authority member ticks (or unticks) a manual criterion, with evidence. Flushes."""
    facts = improvement.facts(conflicted_user_ids(improvement.id))
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
    condition: Condition, *, actor: User, status: str, note: str, version: int | None = None
) -> Condition:
    """Close a condition as met (its owner or a DA member) or waived (a DA member), with a note. Flushes."""
    is_da = permissions.is_design_authority(actor.as_actor())
    if status not in ("met", "waived"):
        raise ValidationFailed({"status": ["Choose met or waived."]})
    if condition.status != "open":
        raise ValidationFailed({"status": ["This condition is already closed."]})
    if status == "waived" and not is_da:
        raise PermissionDenied("Only a design authority member may waive a condition.")
    if status == "met" and not (actor.id == condition.owner_id or is_da):
        raise PermissionDenied("Only the condition's owner may close it as met.")
    if not note.strip() or len(note) > TEXT_MAX:
        raise ValidationFailed({"note": ["Add a note saying how it was met, or why it is waived."]})
    if version is not None and version != condition.version:
        raise VersionConflict()
    condition.status, condition.note = status, note.strip()
    condition.closed_by_id, condition.closed_at = actor.id, db.utcnow()
    condition.version += 1
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action=f"condition.{status}",
        subject_type="improvement",
        subject_id=condition.improvement_id,
        after={"condition_id": condition.id, "status": status},
        reason=condition.note,
    )
    return condition


def load_default_gate_criteria() -> int:
    """Seed the default criteria of DESIGN.md §4 (reference data; existing rows are left as edited)."""
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
    kind: str,
    check: str,
    is_active: bool,
    version: int | None,
) -> GateCriterion:
    """An administrator edits a criterion: its text, must or should, rule or manual, active. Flushes."""
    if not permissions.is_admin(actor.as_actor()):
        raise PermissionDenied("Only administrators edit gate criteria.")
    errors: dict[str, list[str]] = {}
    if not text.strip() or len(text) > 1000:
        errors["text"] = ["Describe the criterion in up to 1,000 characters."]
    if kind not in ("must", "should"):
        errors["kind"] = ["Choose must or should."]
    if check != MANUAL and check not in RULES:
        errors["check"] = [f"Choose manual or one of the rules: {', '.join(sorted(RULES))}."]
    if errors:
        raise ValidationFailed(errors)
    if version != criterion.version:
        raise VersionConflict()
    before = {
        "text": criterion.text,
        "kind": criterion.kind,
        "check": criterion.check,
        "is_active": criterion.is_active,
    }
    criterion.text, criterion.kind, criterion.check, criterion.is_active = (
        text.strip(),
        kind,
        check,
        is_active,
    )
    criterion.version += 1
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="gate_criterion.edited",
        subject_type="gate_criterion",
        subject_id=criterion.id,
        subject_version=criterion.version,
        before=before,
        after={"text": criterion.text, "kind": kind, "check": check, "is_active": is_active},
    )
    return criterion
