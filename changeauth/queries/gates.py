"""Reading gate decisions, conditions and meetings: the decision register, open conditions, agendas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import NotFound
from changeauth.domain.gates import BenefitFacts, ConditionStatus, GateFacts
from changeauth.domain.lifecycle import GATE_STAGE, Decision, Gate
from changeauth.models import (
    Benefit,
    BenefitMeasurement,
    BenefitReview,
    BusinessCase,
    Condition,
    CriterionTick,
    DaMeeting,
    GateCriterion,
    GateDecision,
    Improvement,
    ImprovementDependency,
    ImprovementScore,
    MeetingAction,
    MeetingAgendaItem,
    Notification,
    TemporaryResource,
    User,
)
from changeauth.queries.improvements import withdrawn_hidden_from
from changeauth.queries.pagination import Page, clamp_page


def get_condition(condition_id: int, viewer: User) -> Condition:
    condition = db.session.scalar(
        select(Condition).options(joinedload(Condition.owner)).where(Condition.id == condition_id)
    )
    improvement = db.session.get(Improvement, condition.improvement_id) if condition else None
    if (
        condition is None
        or improvement is None
        or not permissions.can_view_improvement(viewer.as_actor(), improvement.visibility_facts())
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
            .where(Condition.owner_id == user_id, Condition.status == ConditionStatus.OPEN)
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


def register_statement(filters: RegisterFilters, viewer: User) -> Select[GateDecision]:
    stmt = select(GateDecision)
    hidden = withdrawn_hidden_from(viewer)
    if hidden is not None:
        stmt = stmt.where(GateDecision.improvement_id.not_in(hidden))
    if filters.gate:
        stmt = stmt.where(GateDecision.gate == filters.gate)
    if filters.decision:
        stmt = stmt.where(GateDecision.decision == filters.decision)
    if filters.date_from:
        stmt = stmt.where(func.date(GateDecision.decided_at) >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(func.date(GateDecision.decided_at) <= filters.date_to)
    if filters.q:
        # Joined only to search: every decision has its improvement, so the count needs no join.
        pattern = f"%{filters.q.strip().lower()}%"
        stmt = stmt.join(Improvement, Improvement.id == GateDecision.improvement_id).where(
            func.lower(Improvement.title).like(pattern) | func.lower(Improvement.ref).like(pattern)
        )
    return stmt


def decision_register(
    filters: RegisterFilters, viewer: User, *, page: int | None = None, per_page: int | None = None
) -> Page[GateDecision]:
    """Every gate decision the viewer may see (not those on other people's withdrawn ideas, unless they
    are on the design authority or an administrator), newest first, with the improvement, recorder and
    attendees loaded."""
    page, per_page = clamp_page(page, per_page)
    stmt = register_statement(filters, viewer)
    # Counted on the table, not on a subquery of every column: 87,000 decisions count in a few ms.
    total = (
        db.session.scalar(stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None))
        or 0
    )
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


def _waiting_at_a_gate() -> Any:
    stages = [GATE_STAGE[gate].value for gate in GATE_STAGE if gate.value != "G0"]
    return Improvement.stage.in_(stages)


def gate_ready_improvements(*, limit: int | None = None, offset: int = 0) -> list[Improvement]:
    """The agenda: improvements waiting at G1, G2 or G3, oldest stage change first; ``limit`` and
    ``offset`` read one stretch of it."""
    return list(
        db.session.scalars(
            select(Improvement)
            .options(joinedload(Improvement.owner), selectinload(Improvement.drivers))
            .where(_waiting_at_a_gate())
            .order_by(Improvement.stage_changed_at, Improvement.id)
            .limit(limit)
            .offset(offset)
        )
    )


def count_gate_ready() -> int:
    """How many improvements are waiting at G1, G2 or G3."""
    return db.session.scalar(select(func.count()).select_from(Improvement).where(_waiting_at_a_gate())) or 0


def decisions_in_meeting(meeting_id: int) -> list[GateDecision]:
    return list(
        db.session.scalars(
            select(GateDecision)
            .options(joinedload(GateDecision.improvement), selectinload(GateDecision.attendees))
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


def _benefit_facts(benefit: Benefit, review_decision: str | None = None) -> BenefitFacts:
    return BenefitFacts(
        owner_id=benefit.owner_id,
        baseline_date=benefit.baseline_date,
        target_date=benefit.target_date,
        frequency=benefit.frequency,
        has_baseline_value=benefit.baseline_value is not None,
        has_target_value=benefit.target_value is not None,
        latest_measurement_on=benefit.last_period_end,
        closing_status=benefit.closing_status,
        review_decision=review_decision,
        handed_over=benefit.is_handed_over,
        title=benefit.title,
        baseline_quality=benefit.baseline_quality,
        validated=benefit.is_validated,
    )


def _went_live_query(ids: Sequence[int]) -> Select[int, datetime]:
    """When each improvement went live: its latest go (or conditional go) at G2."""
    return (
        select(GateDecision.improvement_id, func.max(GateDecision.decided_at))
        .where(
            GateDecision.improvement_id.in_(ids),
            GateDecision.gate == Gate.G2.value,
            GateDecision.decision.in_([Decision.GO.value, Decision.GO_WITH_CONDITIONS.value]),
        )
        .group_by(GateDecision.improvement_id)
    )


def went_live_on(improvement_id: int) -> date | None:
    """The day the improvement went live (its G2 go), or None before then."""
    row = db.session.execute(_went_live_query([improvement_id])).first()
    return row[1].date() if row and row[1] else None


def gate_facts_for(improvements: Sequence[Improvement], *, today: date) -> dict[int, GateFacts]:
    """Everything the automatic gate rules look at, for each improvement: nine queries however many."""
    ids = [improvement.id for improvement in improvements]
    latest_case: dict[int, tuple[int, str]] = {}
    for improvement_id, version, status in db.session.execute(
        select(BusinessCase.improvement_id, BusinessCase.version, BusinessCase.status).where(
            BusinessCase.improvement_id.in_(ids)
        )
    ):
        assert improvement_id is not None  # the IN filter leaves out programme cases
        if improvement_id not in latest_case or version > latest_case[improvement_id][0]:
            latest_case[improvement_id] = (version, status)
    benefits: dict[int, list[BenefitFacts]] = {}
    # With the benefits review's decision on each, in the same query.
    for benefit, review_decision in db.session.execute(
        select(Benefit, BenefitReview.decision)
        .outerjoin(BenefitReview, BenefitReview.benefit_id == Benefit.id)
        .where(Benefit.improvement_id.in_(ids))
        .order_by(Benefit.id)
    ):
        benefits.setdefault(benefit.improvement_id or 0, []).append(_benefit_facts(benefit, review_decision))
    measured = set(
        db.session.scalars(
            select(Benefit.improvement_id)
            .join(BenefitMeasurement, BenefitMeasurement.benefit_id == Benefit.id)
            .where(Benefit.improvement_id.in_(ids))
            .distinct()
        )
    )
    scores = {
        score.improvement_id: score
        for score in db.session.scalars(
            select(ImprovementScore).where(ImprovementScore.improvement_id.in_(ids))
        )
    }
    resource_ends: dict[int, list[date | None]] = {}
    for improvement_id, end_date in db.session.execute(
        select(TemporaryResource.improvement_id, TemporaryResource.end_date).where(
            TemporaryResource.improvement_id.in_(ids)
        )
    ):
        assert improvement_id is not None  # the IN filter leaves out programme resources
        resource_ends.setdefault(improvement_id, []).append(end_date)
    open_conditions: dict[int, int] = dict(
        db.session.execute(
            select(Condition.improvement_id, func.count())
            .where(Condition.improvement_id.in_(ids), Condition.status == ConditionStatus.OPEN)
            .group_by(Condition.improvement_id)
        ).all()
    )
    went_live: dict[int, datetime] = {row[0]: row[1] for row in db.session.execute(_went_live_query(ids))}
    ticks: dict[int, dict[str, bool]] = {}
    for improvement_id, code, is_met in db.session.execute(
        select(CriterionTick.improvement_id, GateCriterion.code, CriterionTick.is_met)
        .join(GateCriterion, GateCriterion.id == CriterionTick.criterion_id)
        .where(CriterionTick.improvement_id.in_(ids))
    ):
        ticks.setdefault(improvement_id, {})[code] = is_met
    needed_stages: dict[int, list[str]] = {}
    depended_on = aliased(Improvement)
    for improvement_id, stage in db.session.execute(
        select(ImprovementDependency.improvement_id, depended_on.stage)
        .join(depended_on, depended_on.id == ImprovementDependency.depends_on_id)
        .where(ImprovementDependency.improvement_id.in_(ids))
    ):
        needed_stages.setdefault(improvement_id, []).append(stage)
    facts = {}
    for improvement in improvements:
        score = scores.get(improvement.id)
        live = went_live.get(improvement.id)
        facts[improvement.id] = GateFacts(
            today=today,
            route=improvement.route,
            business_case_status=latest_case[improvement.id][1] if improvement.id in latest_case else None,
            benefits=tuple(benefits.get(improvement.id, ())),
            score_status=score.status if score else None,
            must_meet_passed=score.must_meet_passed if score else None,
            resource_end_dates=tuple(resource_ends.get(improvement.id, ())),
            open_conditions=open_conditions.get(improvement.id, 0),
            went_live_on=live.date() if live else None,
            effect_recorded=improvement.id in measured,
            manual_ticks=ticks.get(improvement.id, {}),
            dependency_stages=tuple(needed_stages.get(improvement.id, ())),
        )
    return facts


def agenda_improvements(meeting_id: int) -> list[Improvement]:
    """The meeting's agenda as the design authority ordered it (owners and drivers loaded)."""
    return list(
        db.session.scalars(
            select(Improvement)
            .join(MeetingAgendaItem, MeetingAgendaItem.improvement_id == Improvement.id)
            .options(joinedload(Improvement.owner), selectinload(Improvement.drivers))
            .where(MeetingAgendaItem.meeting_id == meeting_id)
            .order_by(MeetingAgendaItem.position, MeetingAgendaItem.id)
        )
    )


def invitations_sent(meeting_id: int) -> bool:
    """Whether the members were sent an invitation to the meeting (none is, for a meeting recorded after
    it was held)."""
    return bool(
        db.session.scalar(
            select(Notification.id)
            .where(
                Notification.subject_type == "da_meeting",
                Notification.subject_id == meeting_id,
                Notification.kind == "meeting_invitation",
            )
            .limit(1)
        )
    )


def actions_of(meeting_id: int) -> list[MeetingAction]:
    """Actions agreed at the meeting, in the order they were recorded, with their owners."""
    return list(
        db.session.scalars(
            select(MeetingAction)
            .options(joinedload(MeetingAction.owner))
            .where(MeetingAction.meeting_id == meeting_id)
            .order_by(MeetingAction.id)
        )
    )
