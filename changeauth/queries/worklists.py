"""What each role's Home page lists: the reads behind the worklists that the pages they lead to do not
already offer (a member of staff's questions and supported ideas, what an owner owns, the next meeting,
benefits waiting for finance, overrunning resources, the latest decisions)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from changeauth import db
from changeauth.domain.benefits import CashClass
from changeauth.domain.lifecycle import ENDED_STAGES, Decision, Gate, Stage, Status
from changeauth.domain.savings import AdjustmentStatus
from changeauth.models import (
    Benefit,
    BenefitAdjustment,
    DaMeeting,
    GateDecision,
    Improvement,
    JobRun,
    Support,
    TemporaryResource,
    User,
)
from changeauth.models.job_run import JobRunStatus
from changeauth.queries.temporary_resources import ResourceRow, describe, overrunning_statement

HOME_LIST_LIMIT = 10

# What a member of staff reads about their idea, in words: the stage alone says too little at triage.
_PLAIN_STATUS = {
    (Stage.IDEA, Status.SUBMITTED): "Waiting for the design authority to look at it",
    (Stage.IDEA, Status.NEEDS_INFO): "Needs your reply",
    (Stage.BUSINESS_CASE, Status.ACTIVE): "Accepted: a business case is being written",
    (Stage.APPROVED, Status.ACTIVE): "Approved: waiting to start delivery",
    (Stage.DELIVERY, Status.ACTIVE): "Being delivered",
    (Stage.REALISATION, Status.ACTIVE): "Live: its benefits are being measured",
    (Stage.CLOSED, Status.CLOSED): "Closed after its benefits review",
    (Stage.ON_HOLD, Status.ON_HOLD): "On hold",
    (Stage.MERGED, Status.MERGED): "Merged with similar work",
    (Stage.DECLINED, Status.DECLINED): "Not taken forward",
    (Stage.WITHDRAWN, Status.WITHDRAWN): "Withdrawn by you",
}


def plain_status(stage: str, status: str) -> str:
    """An idea's stage and status as one plain sentence for the person who submitted it."""
    try:
        return _PLAIN_STATUS.get((Stage(stage), Status(status)), Stage(stage).label)
    except ValueError:
        return stage.replace("_", " ").capitalize()


def needs_reply(improvement: Improvement) -> bool:
    """The design authority asked the submitter for more information and is waiting for the answer."""
    return improvement.stage == Stage.IDEA.value and improvement.status == Status.NEEDS_INFO.value


def questions_for(improvement_ids: Sequence[int]) -> dict[int, str]:
    """The design authority's latest question (the reasons of its latest "recycle" at triage) on each
    idea, by improvement id."""
    if not improvement_ids:
        return {}
    rows = db.session.execute(
        select(GateDecision.improvement_id, GateDecision.rationale)
        .where(
            GateDecision.improvement_id.in_(improvement_ids),
            GateDecision.gate == Gate.G0.value,
            GateDecision.decision == Decision.RECYCLE.value,
        )
        .order_by(GateDecision.decided_at, GateDecision.id)
    ).all()
    return {row[0]: row[1] for row in rows}


def supported_by(user_id: int, *, limit: int = HOME_LIST_LIMIT) -> list[Improvement]:
    """Ideas and improvements the person supports, newest support first (withdrawn ones left out)."""
    return list(
        db.session.scalars(
            select(Improvement)
            .join(Support, Support.improvement_id == Improvement.id)
            .where(Support.user_id == user_id, Improvement.stage != Stage.WITHDRAWN.value)
            .order_by(Support.created_at.desc(), Support.id.desc())
            .limit(limit)
        )
    )


def owned_by(user_id: int) -> list[Improvement]:
    """Improvements the person owns that are still under way, the longest waiting first."""
    return list(
        db.session.scalars(
            select(Improvement)
            .where(
                Improvement.owner_id == user_id,
                Improvement.stage.not_in([stage.value for stage in ENDED_STAGES]),
            )
            .order_by(Improvement.stage_changed_at, Improvement.id)
        )
    )


def next_meeting(today: date) -> DaMeeting | None:
    """The design authority's next meeting that has not been cancelled, today's included."""
    return db.session.scalar(
        select(DaMeeting)
        .where(DaMeeting.meets_on >= today, DaMeeting.cancelled_at.is_(None))
        .order_by(DaMeeting.meets_on, DaMeeting.starts_at, DaMeeting.id)
        .limit(1)
    )


def _awaiting_validation(validator_id: int) -> tuple[ColumnElement[bool], ...]:
    # The same conditions the validation service checks: cashable, measured, not yet validated, and
    # never one the validator owns.
    return (
        Benefit.cash_class == CashClass.CASHABLE.value,
        Benefit.validated_at.is_(None),
        Benefit.last_period_end.is_not(None),
        Benefit.owner_id != validator_id,
    )


def benefits_awaiting_validation(
    validator_id: int, *, limit: int = HOME_LIST_LIMIT
) -> tuple[int, list[Benefit]]:
    """How many measured cashable benefits wait for this finance person's validation, and the oldest."""
    where = _awaiting_validation(validator_id)
    total = db.session.scalar(select(func.count(Benefit.id)).where(*where)) or 0
    rows = db.session.scalars(
        select(Benefit)
        .options(joinedload(Benefit.improvement), joinedload(Benefit.owner))
        .where(*where)
        .order_by(Benefit.last_period_end, Benefit.id)
        .limit(limit)
    )
    return total, list(rows)


def proposed_adjustments(*, limit: int = HOME_LIST_LIMIT) -> tuple[int, list[BenefitAdjustment]]:
    """Like-for-like adjustments still proposed (only a confirmed one counts), the oldest first, with
    their benefit."""
    where = BenefitAdjustment.status == AdjustmentStatus.PROPOSED.value
    total = db.session.scalar(select(func.count(BenefitAdjustment.id)).where(where)) or 0
    rows = db.session.scalars(
        select(BenefitAdjustment)
        .options(joinedload(BenefitAdjustment.benefit).joinedload(Benefit.improvement))
        .where(where)
        .order_by(BenefitAdjustment.recorded_at, BenefitAdjustment.id)
        .limit(limit)
    )
    return total, list(rows)


def overrunning_resources(on: date, *, limit: int = HOME_LIST_LIMIT) -> tuple[int, list[ResourceRow]]:
    """Temporary resources running past their end date on ``on``, the costliest first."""
    rows = [
        describe(resource, on)
        for resource in db.session.scalars(
            overrunning_statement(on).options(joinedload(TemporaryResource.improvement))
        )
    ]
    rows.sort(key=lambda row: (-row.exposure_pence, row.resource.id))
    return len(rows), rows[:limit]


def latest_decisions(*, limit: int = HOME_LIST_LIMIT) -> list[GateDecision]:
    """The latest gate decisions with their reasons, newest first."""
    return list(
        db.session.scalars(
            select(GateDecision)
            .options(joinedload(GateDecision.improvement))
            .join(Improvement, Improvement.id == GateDecision.improvement_id)
            .where(Improvement.stage != Stage.WITHDRAWN.value)
            .order_by(GateDecision.decided_at.desc(), GateDecision.id.desc())
            .limit(limit)
        )
    )


def improvements_with_leavers(*, limit: int = HOME_LIST_LIMIT) -> tuple[int, list[Improvement]]:
    """Improvements still under way whose owner or sponsor has left (their account is switched off):
    someone must be given the work. The count of all of them, and the first ``limit`` oldest first."""
    owner, sponsor = aliased(User), aliased(User)
    stmt = (
        select(Improvement)
        .outerjoin(owner, owner.id == Improvement.owner_id)
        .outerjoin(sponsor, sponsor.id == Improvement.sponsor_id)
        .where(Improvement.stage.not_in([stage.value for stage in ENDED_STAGES]))
        .where(or_(owner.is_active.is_(False), sponsor.is_active.is_(False)))
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.options(joinedload(Improvement.owner), joinedload(Improvement.sponsor))
        .order_by(Improvement.id)
        .limit(limit)
    ).all()
    return total, list(items)


def failed_job_runs(since: datetime, *, limit: int = HOME_LIST_LIMIT) -> tuple[int, list[JobRun]]:
    """Scheduled runs that failed since ``since``, newest first (a failed period is retried by its next
    run, but someone should know why it failed)."""
    stmt = select(JobRun).where(JobRun.status == JobRunStatus.FAILED, JobRun.started_at >= since)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(stmt.order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)).all()
    return total, list(items)
