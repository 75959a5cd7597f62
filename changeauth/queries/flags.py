"""Reading flags and job runs: the flags list, what a person owns that is flagged, escalations for the
design authority, and the record of scheduled runs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select
from sqlalchemy.orm import aliased, joinedload

from changeauth import db
from changeauth.domain.flags import FlagKind
from changeauth.models import Benefit, Flag, Improvement, JobRun, TemporaryResource, User
from changeauth.queries.improvements import withdrawn_hidden_from
from changeauth.queries.pagination import Page, clamp_page


def _open_on_same_subject(kinds: tuple[FlagKind, ...]) -> ColumnElement[bool]:
    other = aliased(Flag)
    return exists(
        select(other.id).where(
            other.kind.in_([kind.value for kind in kinds]),
            other.subject_type == Flag.subject_type,
            other.subject_id == Flag.subject_id,
            other.resolved_on.is_(None),
        )
    )


def counted_once() -> ColumnElement[bool]:
    """One benefit is one thing to chase, so every count and worklist counts its open flags once, by the
    most pressing: escalated, then overdue, then out of tolerance.

    The "overdue" flag stays open under an escalation (so each step notifies once) and is left out while
    the "escalated" one is open. An "out of tolerance" flag stays open while the benefit is overdue (no
    value has brought it back) and is left out while either lateness flag is open."""
    return not_(
        or_(
            and_(
                Flag.kind == FlagKind.STALE_BENEFIT.value,
                Flag.resolved_on.is_(None),
                _open_on_same_subject((FlagKind.BENEFIT_ESCALATED,)),
            ),
            and_(
                Flag.kind == FlagKind.BENEFIT_OUT_OF_TOLERANCE.value,
                Flag.resolved_on.is_(None),
                _open_on_same_subject((FlagKind.STALE_BENEFIT, FlagKind.BENEFIT_ESCALATED)),
            ),
        )
    )


@dataclass(frozen=True)
class FlagFilters:
    kind: str | None = None
    status: str | None = None  # "open" or "resolved"
    subject_type: str | None = None
    subject_id: int | None = None


@dataclass(frozen=True)
class Subject:
    """What a flag is about, for showing it with a link."""

    type: str
    id: int
    label: str


def _filtered(filters: FlagFilters, viewer: User) -> Select[Flag]:
    stmt = select(Flag)
    hidden = withdrawn_hidden_from(viewer)
    if hidden is not None:
        # Nothing about someone else's withdrawn idea: not the idea, nor its benefits or resources.
        stmt = stmt.where(
            ~(
                ((Flag.subject_type == "improvement") & Flag.subject_id.in_(hidden))
                | (
                    (Flag.subject_type == "benefit")
                    & Flag.subject_id.in_(select(Benefit.id).where(Benefit.improvement_id.in_(hidden)))
                )
                | (
                    (Flag.subject_type == "temporary_resource")
                    & Flag.subject_id.in_(
                        select(TemporaryResource.id).where(TemporaryResource.improvement_id.in_(hidden))
                    )
                )
            )
        )
    if filters.kind:
        stmt = stmt.where(Flag.kind == filters.kind)
    if filters.status == "open":
        stmt = stmt.where(Flag.resolved_on.is_(None))
    elif filters.status == "resolved":
        stmt = stmt.where(Flag.resolved_on.is_not(None))
    if filters.subject_type:
        stmt = stmt.where(Flag.subject_type == filters.subject_type)
    if filters.subject_id is not None:
        stmt = stmt.where(Flag.subject_id == filters.subject_id)
    return stmt


def list_flags(
    filters: FlagFilters, viewer: User, *, page: int | None = None, per_page: int | None = None
) -> Page[Flag]:
    """Open flags first, then newest first (flags have no relationships to load); none about other
    people's withdrawn ideas unless the viewer may see those."""
    page, per_page = clamp_page(page, per_page)
    base = _filtered(filters, viewer)
    total = db.session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
    items = db.session.scalars(
        base.order_by(Flag.resolved_on.is_not(None), Flag.raised_on.desc(), Flag.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def describe_subjects(flags: Sequence[Flag]) -> dict[tuple[str, int], Subject]:
    """A label for each flag's subject: one query per subject type on the page."""
    wanted: dict[str, set[int]] = {}
    for flag in flags:
        wanted.setdefault(flag.subject_type, set()).add(flag.subject_id)
    subjects: dict[tuple[str, int], Subject] = {}
    if wanted.get("benefit"):
        for id_, title in db.session.execute(
            select(Benefit.id, Benefit.title).where(Benefit.id.in_(wanted["benefit"]))
        ):
            subjects[("benefit", id_)] = Subject("benefit", id_, title)
    if wanted.get("temporary_resource"):
        for id_, title in db.session.execute(
            select(TemporaryResource.id, TemporaryResource.role_title).where(
                TemporaryResource.id.in_(wanted["temporary_resource"])
            )
        ):
            subjects[("temporary_resource", id_)] = Subject("temporary_resource", id_, title)
    if wanted.get("improvement"):
        for id_, ref, title in db.session.execute(
            select(Improvement.id, Improvement.ref, Improvement.title).where(
                Improvement.id.in_(wanted["improvement"])
            )
        ):
            subjects[("improvement", id_)] = Subject("improvement", id_, f"{ref}: {title}")
    return subjects


def open_flags_on_what_they_own(user_id: int) -> list[Flag]:
    """Open flags on benefits, resources and improvements the person owns (or whose improvement they own)."""
    owned_improvements = select(Improvement.id).where(Improvement.owner_id == user_id)
    owned_benefits = select(Benefit.id).where(
        or_(Benefit.owner_id == user_id, Benefit.improvement_id.in_(owned_improvements))
    )
    owned_resources = select(TemporaryResource.id).where(TemporaryResource.owner_id == user_id)
    return list(
        db.session.scalars(
            select(Flag)
            .where(
                Flag.resolved_on.is_(None),
                counted_once(),
                or_(
                    (Flag.subject_type == "benefit") & Flag.subject_id.in_(owned_benefits),
                    (Flag.subject_type == "temporary_resource") & Flag.subject_id.in_(owned_resources),
                    (Flag.subject_type == "improvement") & Flag.subject_id.in_(owned_improvements),
                ),
            )
            .order_by(Flag.raised_on, Flag.id)
        )
    )


def open_escalations(viewer: User, *, limit: int = 100) -> list[Flag]:
    """Open ``benefit_escalated`` flags the viewer may see, oldest first: the design authority's watch
    list."""
    return list(
        db.session.scalars(
            _filtered(FlagFilters(kind="benefit_escalated", status="open"), viewer)
            .order_by(Flag.raised_on, Flag.id)
            .limit(limit)
        )
    )


def benefits_off_track(viewer: User, *, limit: int = 100) -> list[tuple[Flag, Benefit]]:
    """Open ``benefit_out_of_tolerance`` flags the viewer may see with their benefit (and its improvement),
    counted once (left out while the benefit is overdue), oldest first: the design authority's list of
    benefits behind plan."""
    flags = list(
        db.session.scalars(
            _filtered(FlagFilters(kind=FlagKind.BENEFIT_OUT_OF_TOLERANCE.value, status="open"), viewer)
            .where(counted_once())
            .order_by(Flag.raised_on, Flag.id)
            .limit(limit)
        )
    )
    benefits = {
        benefit.id: benefit
        for benefit in db.session.scalars(
            select(Benefit)
            .options(joinedload(Benefit.improvement))
            .where(Benefit.id.in_([flag.subject_id for flag in flags]))
        )
    }
    return [(flag, benefits[flag.subject_id]) for flag in flags if flag.subject_id in benefits]


def open_flag_on_benefit(kind: FlagKind, benefit_id: int) -> Flag | None:
    """The open flag of ``kind`` on one benefit, if any: what its page says about it."""
    return db.session.scalar(
        select(Flag).where(
            Flag.kind == kind.value,
            Flag.subject_type == "benefit",
            Flag.subject_id == benefit_id,
            Flag.resolved_on.is_(None),
        )
    )


def list_job_runs(
    *, job: str | None = None, page: int | None = None, per_page: int | None = None
) -> Page[JobRun]:
    """Scheduled runs, newest first."""
    page, per_page = clamp_page(page, per_page)
    stmt = select(JobRun)
    if job:
        stmt = stmt.where(JobRun.job == job)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)
