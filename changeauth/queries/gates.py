"""Reading gate decisions, conditions and meetings: the decision register, open conditions, agendas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import NotFound
from changeauth.domain.lifecycle import GATE_STAGE
from changeauth.models import Condition, DaMeeting, GateCriterion, GateDecision, Improvement, User
from changeauth.queries.pagination import Page, clamp_page


def get_condition(condition_id: int, viewer: User) -> Condition:
    condition = db.session.scalar(
        select(Condition).options(joinedload(Condition.owner)).where(Condition.id == condition_id)
    )
    improvement = db.session.get(Improvement, condition.improvement_id) if condition else None
    if (
        condition is None
        or improvement is None
        or not permissions.can_view_improvement(viewer.as_actor(), improvement.facts())
    ):
        raise NotFound("There is no condition with that number.")
    return condition


def conditions_of(improvement_id: int) -> list[Condition]:
    return list(
        db.session.scalars(
            select(Condition)
            .options(joinedload(Condition.owner))
            .where(Condition.improvement_id == improvement_id)
            .order_by(Condition.due_date, Condition.id)
        )
    )


def open_conditions_owned_by(user_id: int) -> list[Condition]:
    return list(
        db.session.scalars(
            select(Condition)
            .where(Condition.owner_id == user_id, Condition.status == "open")
            .order_by(Condition.due_date, Condition.id)
        )
    )


@dataclass(frozen=True)
class RegisterFilters:
    gate: str | None = None
    decision: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


def _register_query(filters: RegisterFilters) -> Select[tuple[GateDecision]]:
    stmt = select(GateDecision).join(Improvement, Improvement.id == GateDecision.improvement_id)
    if filters.gate:
        stmt = stmt.where(GateDecision.gate == filters.gate)
    if filters.decision:
        stmt = stmt.where(GateDecision.decision == filters.decision)
    if filters.date_from:
        stmt = stmt.where(func.date(GateDecision.decided_at) >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(func.date(GateDecision.decided_at) <= filters.date_to)
    if filters.q:
        pattern = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            func.lower(Improvement.title).like(pattern) | func.lower(Improvement.ref).like(pattern)
        )
    return stmt


def decision_register(
    filters: RegisterFilters, *, page: int | None = None, per_page: int | None = None
) -> Page[GateDecision]:
    """Every gate decision, newest first, with the improvement, recorder and attendees loaded."""
    page, per_page = clamp_page(page, per_page)
    stmt = _register_query(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.options(
            joinedload(GateDecision.improvement),
            joinedload(GateDecision.decided_by),
            selectinload(GateDecision.attendees),
        )
        .order_by(GateDecision.decided_at.desc(), GateDecision.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def register_rows(filters: RegisterFilters) -> list[dict[str, object]]:
    """The register as plain rows for export (one query for decisions, one for attendees)."""
    decisions = db.session.scalars(
        _register_query(filters)
        .options(
            joinedload(GateDecision.improvement),
            joinedload(GateDecision.decided_by),
            selectinload(GateDecision.attendees),
        )
        .order_by(GateDecision.decided_at.desc(), GateDecision.id.desc())
    ).all()
    return [
        {
            "decided_on": d.decided_at.date(),
            "reference": d.improvement.ref,
            "title": d.improvement.title,
            "gate": d.gate,
            "decision": d.decision,
            "from_stage": d.from_stage,
            "to_stage": d.to_stage,
            "reasons": d.rationale,
            "decided_by": d.decided_by.name,
            "attendees": "; ".join(sorted(a.name for a in d.attendees)),
        }
        for d in decisions
    ]


def list_meetings() -> list[DaMeeting]:
    return list(
        db.session.scalars(
            select(DaMeeting).options(selectinload(DaMeeting.members)).order_by(DaMeeting.meets_on.desc())
        )
    )


def get_meeting(meeting_id: int) -> DaMeeting:
    meeting = db.session.scalar(
        select(DaMeeting).options(selectinload(DaMeeting.members)).where(DaMeeting.id == meeting_id)
    )
    if meeting is None:
        raise NotFound("There is no meeting with that number.")
    return meeting


def gate_ready_improvements() -> list[Improvement]:
    """The agenda: improvements waiting at G1, G2 or G3, oldest stage change first."""
    stages = [GATE_STAGE[gate].value for gate in GATE_STAGE if gate.value != "G0"]
    return list(
        db.session.scalars(
            select(Improvement)
            .options(joinedload(Improvement.owner), selectinload(Improvement.drivers))
            .where(Improvement.stage.in_(stages))
            .order_by(Improvement.stage_changed_at, Improvement.id)
        )
    )


def decisions_in_meeting(meeting_id: int) -> list[GateDecision]:
    return list(
        db.session.scalars(
            select(GateDecision)
            .options(joinedload(GateDecision.improvement))
            .where(GateDecision.meeting_id == meeting_id)
            .order_by(GateDecision.decided_at)
        )
    )


def list_criteria() -> list[GateCriterion]:
    return list(
        db.session.scalars(select(GateCriterion).order_by(GateCriterion.gate, GateCriterion.position))
    )


def get_criterion(criterion_id: int) -> GateCriterion:
    criterion = db.session.get(GateCriterion, criterion_id)
    if criterion is None:
        raise NotFound("There is no gate criterion with that number.")
    return criterion
