"""Reading improvements: the filtered list, the detail page, my ideas, supports and comments."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import NotFound
from changeauth.domain.lifecycle import Stage
from changeauth.models import (
    AuditEvent,
    BenefitDriver,
    Comment,
    ConflictDeclaration,
    Improvement,
    Support,
    Team,
    User,
    improvement_driver,
)
from changeauth.queries.pagination import Page, clamp_page


@dataclass(frozen=True)
class ImprovementFilters:
    stage: str | None = None
    driver: str | None = None
    team: str | None = None
    q: str | None = None
    mine_user_id: int | None = None


def _list_options() -> tuple[LoaderOption, ...]:
    return (joinedload(Improvement.team), selectinload(Improvement.drivers))


def _sees_withdrawn(viewer: User) -> bool:
    actor = viewer.as_actor()
    return permissions.is_design_authority(actor) or permissions.is_admin(actor)


def withdrawn_hidden_from(viewer: User) -> Select[int] | None:
    """The ids of other people's withdrawn ideas, which ``viewer`` may not see (None when they may see
    them all: design authority members and administrators). Every list, register, feed and export that
    names improvements leaves these out."""
    if _sees_withdrawn(viewer):
        return None
    return select(Improvement.id).where(
        Improvement.stage == Stage.WITHDRAWN.value, Improvement.submitter_id.is_distinct_from(viewer.id)
    )


def _visible_to(stmt: Select[Improvement], viewer: User) -> Select[Improvement]:
    if _sees_withdrawn(viewer):
        return stmt
    return stmt.where(or_(Improvement.stage != Stage.WITHDRAWN.value, Improvement.submitter_id == viewer.id))


def _count_visible(filtered: Select[Improvement], viewer: User) -> int:
    """How many of the filtered improvements the viewer may see, in one statement.

    Counted as all of them less the withdrawn ones of other people: the withdrawn are few and indexed by
    stage, while counting "not withdrawn or mine" read every improvement (docs/performance.md).
    """
    counted = filtered.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    if _sees_withdrawn(viewer):
        return db.session.scalar(counted) or 0
    hidden = counted.where(
        Improvement.stage == Stage.WITHDRAWN.value, Improvement.submitter_id.is_distinct_from(viewer.id)
    )
    return db.session.scalar(select(counted.scalar_subquery() - hidden.scalar_subquery())) or 0


def _apply_filters(stmt: Select[Improvement], filters: ImprovementFilters) -> Select[Improvement]:
    if filters.stage:
        stmt = stmt.where(Improvement.stage == filters.stage)
    if filters.team:
        stmt = stmt.where(Improvement.team_id.in_(select(Team.id).where(Team.code == filters.team)))
    if filters.driver:
        stmt = stmt.where(
            Improvement.id.in_(
                select(improvement_driver.c.improvement_id)
                .join(BenefitDriver, BenefitDriver.id == improvement_driver.c.driver_id)
                .where(BenefitDriver.code == filters.driver)
            )
        )
    if filters.q:
        # Bound parameters only: the search text never becomes SQL (OUT-05).
        pattern = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Improvement.title).like(pattern),
                func.lower(Improvement.ref).like(pattern),
                func.lower(Improvement.problem).like(pattern),
            )
        )
    if filters.mine_user_id is not None:
        stmt = stmt.where(Improvement.submitter_id == filters.mine_user_id)
    return stmt


def list_improvements(
    viewer: User, filters: ImprovementFilters, *, page: int | None = None, per_page: int | None = None
) -> Page[Improvement]:
    """Newest first, with team and drivers loaded (two queries plus the count, whatever the page size)."""
    page, per_page = clamp_page(page, per_page)
    filtered = _apply_filters(select(Improvement), filters)
    base = _visible_to(filtered, viewer)
    total = _count_visible(filtered, viewer)
    items = db.session.scalars(
        base.options(*_list_options())
        .order_by(Improvement.created_at.desc(), Improvement.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def list_my_ideas(viewer: User, *, limit: int = 20) -> list[Improvement]:
    """The viewer's own submissions, newest first, anonymous ones included."""
    return list(
        db.session.scalars(
            select(Improvement)
            .options(*_list_options())
            .where(Improvement.submitter_id == viewer.id)
            .order_by(Improvement.created_at.desc(), Improvement.id.desc())
            .limit(limit)
        )
    )


def conflicted_user_ids(improvement_id: int) -> frozenset[int]:
    return frozenset(
        db.session.scalars(
            select(ConflictDeclaration.user_id).where(ConflictDeclaration.improvement_id == improvement_id)
        )
    )


# The events that start a stage; owner and sponsor changes after the latest of them count.
_STAGE_START_ACTIONS = ("improvement.submitted", "improvement.decided", "improvement.transitioned")
_HOLDER_FIELDS = ("owner_id", "sponsor_id")


def former_holder_ids(improvement_id: int) -> frozenset[int]:
    """Everyone who owned or sponsored the improvement at any time since it entered its current stage,
    read from the audit log's edits after the event that started the stage (event ids follow the
    chain's order, so no clock is trusted)."""
    stage_start = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id == improvement_id,
            AuditEvent.action.in_(_STAGE_START_ACTIONS),
        )
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(AuditEvent.before, AuditEvent.after).where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id == improvement_id,
            AuditEvent.action == "improvement.edited",
            AuditEvent.id > func.coalesce(stage_start, 0),
        )
    ).all()
    found: set[int] = set()
    for before, after in rows:
        for values in (before or {}, after or {}):
            for name in _HOLDER_FIELDS:
                if isinstance(values.get(name), int):
                    found.add(values[name])
    return frozenset(found)


def access_to(improvement: Improvement, user: User) -> permissions.Access:
    """The one way to ask what a person may do with an improvement: the person as an actor and the
    improvement's facts with its declared conflicts and the people who held a role in it during the
    current stage always loaded (``permissions.can_comment(*access_to(improvement, user))``; a rule
    that takes only the facts reads ``access_to(improvement, user).improvement``)."""
    facts = improvement.facts(conflicted_user_ids(improvement.id), former_holder_ids(improvement.id))
    return permissions.Access(user.as_actor(), facts)


def facts_for_member(improvements: list[Improvement], user: User) -> dict[int, permissions.ImprovementFacts]:
    """Each improvement's facts with what the rules need to say whether ``user`` is independent of it
    (their own declared conflicts, and whether they owned or sponsored it in its current stage), read
    in two queries for the whole list: ``permissions.is_independent(actor, facts[improvement.id])``."""
    ids = [improvement.id for improvement in improvements]
    if not ids:
        return {}
    conflicted = set(
        db.session.scalars(
            select(ConflictDeclaration.improvement_id).where(
                ConflictDeclaration.user_id == user.id, ConflictDeclaration.improvement_id.in_(ids)
            )
        )
    )
    events = db.session.execute(
        select(AuditEvent.subject_id, AuditEvent.action, AuditEvent.before, AuditEvent.after)
        .where(
            AuditEvent.subject_type == "improvement",
            AuditEvent.subject_id.in_(ids),
            AuditEvent.action.in_((*_STAGE_START_ACTIONS, "improvement.edited")),
        )
        .order_by(AuditEvent.id)
    ).all()
    held: dict[int, set[int]] = {}
    for subject_id, action, before, after in events:
        if action != "improvement.edited":
            held[subject_id] = set()  # a new stage starts: earlier holders no longer count
            continue
        found = held.setdefault(subject_id, set())
        for values in (before or {}, after or {}):
            for name in _HOLDER_FIELDS:
                if isinstance(values.get(name), int):
                    found.add(values[name])
    return {
        improvement.id: improvement.facts(
            frozenset({user.id}) if improvement.id in conflicted else frozenset(),
            frozenset(held.get(improvement.id, ())),
        )
        for improvement in improvements
    }


def get_improvement(improvement_id: int, viewer: User) -> Improvement:
    """The improvement with everything its page shows; NotFound when missing or not visible to the viewer."""
    improvement = db.session.scalar(
        select(Improvement)
        .options(
            joinedload(Improvement.team),
            joinedload(Improvement.owner),
            joinedload(Improvement.sponsor),
            joinedload(Improvement.submitter),
            joinedload(Improvement.programme),
            joinedload(Improvement.duplicate_of),
            selectinload(Improvement.drivers),
            selectinload(Improvement.priorities),
        )
        .where(Improvement.id == improvement_id)
    )
    if improvement is None or not permissions.can_view_improvement(
        viewer.as_actor(), improvement.visibility_facts()
    ):
        raise NotFound("There is no improvement with that number.")
    return improvement


def support_count(improvement_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Support).where(Support.improvement_id == improvement_id)
        )
        or 0
    )


def list_comments(improvement_id: int) -> list[Comment]:
    return list(
        db.session.scalars(
            select(Comment)
            .options(joinedload(Comment.author))
            .where(Comment.improvement_id == improvement_id)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def has_supported(improvement_id: int, user_id: int) -> bool:
    return (
        db.session.scalar(
            select(Support.id).where(Support.improvement_id == improvement_id, Support.user_id == user_id)
        )
        is not None
    )


def find_by_ref(ref: str) -> Improvement | None:
    """An improvement by its reference (IMP-2026-0042), case-insensitively."""
    return db.session.scalar(select(Improvement).where(Improvement.ref == ref.strip().upper()))


def support_counts(improvement_ids: list[int]) -> dict[int, int]:
    """Supporters per improvement for a page of them, in one query."""
    if not improvement_ids:
        return {}
    rows = db.session.execute(
        select(Support.improvement_id, func.count())
        .where(Support.improvement_id.in_(improvement_ids))
        .group_by(Support.improvement_id)
    ).all()
    return dict(rows)
