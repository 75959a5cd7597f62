"""Reads for the benefits review (each benefit with its variance against plan and the decision on it) and
the lessons log (listed, searched, and matched to a new idea's area and words as lessons from earlier
work)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from changeauth import db
from changeauth.domain.benefits import Point
from changeauth.domain.lifecycle import Stage
from changeauth.domain.reviews import ReviewVariance, decision_carried_out, review_variance
from changeauth.domain.similarity import most_similar
from changeauth.models import Benefit, BenefitReview, Improvement, Lesson, Team
from changeauth.queries import benefits as benefit_queries
from changeauth.queries.pagination import Page, clamp_page

# Lessons shown beside the similar work of an idea, at most.
LESSONS_FOR_AN_IDEA = 3


@dataclass(frozen=True)
class ReviewRow:
    """One benefit at the benefits review: its variance against plan today and the decision taken on it."""

    benefit: Benefit
    variance: ReviewVariance | None
    review: BenefitReview | None

    @property
    def decided(self) -> bool:
        return self.review is not None and decision_carried_out(
            self.review.decision,
            closing_status=self.benefit.closing_status,
            handed_over=self.benefit.is_handed_over,
        )


def variance_of(benefit: Benefit, points: Sequence[Point] | None = None) -> ReviewVariance | None:
    """The benefit's latest value against the value its profile planned for the same date (a stepped or
    custom plan's ``points`` read when not given)."""
    if points is None:
        points = benefit_queries.planned_points(benefit.id) if benefit.profile_shape.uses_points else []
    return review_variance(
        latest_on=benefit.last_period_end,
        latest_value=benefit.last_value,
        baseline_date=benefit.baseline_date,
        baseline_value=benefit.baseline_value,
        target_date=benefit.target_date,
        target_value=benefit.target_value,
        direction=benefit.direction,
        tolerance_pct=benefit.tolerance_pct,
        shape=benefit.profile_shape,
        points=points,
    )


def review_rows(improvement_id: int) -> list[ReviewRow]:
    """Every benefit of the improvement, in the order they were added, with its variance and the decision
    on it with who took it (two queries, however many benefits)."""
    benefits = db.session.scalars(
        select(Benefit)
        .options(joinedload(Benefit.owner))
        .where(Benefit.improvement_id == improvement_id)
        .order_by(Benefit.id)
    ).all()
    reviews = {
        review.benefit_id: review
        for review in db.session.scalars(
            select(BenefitReview)
            .options(joinedload(BenefitReview.decided_by))
            .where(BenefitReview.improvement_id == improvement_id)
        )
    }
    points = benefit_queries.planned_points_by_benefit(
        [b.id for b in benefits if b.profile_shape.uses_points]
    )
    return [
        ReviewRow(benefit, variance_of(benefit, points.get(benefit.id, [])), reviews.get(benefit.id))
        for benefit in benefits
    ]


def get_review(benefit_id: int) -> BenefitReview | None:
    return db.session.scalar(select(BenefitReview).where(BenefitReview.benefit_id == benefit_id))


# --- Lessons --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LessonFilters:
    q: str | None = None
    team: str | None = None  # a team's code


def _lesson_options() -> tuple[LoaderOption, ...]:
    return (
        joinedload(Lesson.team),
        joinedload(Lesson.improvement),
        joinedload(Lesson.programme),
        joinedload(Lesson.recorded_by),
    )


def _shown() -> Select[Lesson]:
    """Every lesson anyone may read: not one from an idea its submitter withdrew (nobody else sees it)."""
    return (
        select(Lesson)
        .outerjoin(Improvement, Improvement.id == Lesson.improvement_id)
        .where(or_(Lesson.improvement_id.is_(None), Improvement.stage != Stage.WITHDRAWN.value))
    )


def _filtered(filters: LessonFilters) -> Select[Lesson]:
    stmt = _shown()
    if filters.team:
        stmt = stmt.where(Lesson.team_id.in_(select(Team.id).where(Team.code == filters.team)))
    if filters.q and filters.q.strip():
        # As the ideas search: bound parameters only, the same on SQLite and PostgreSQL (OUT-05).
        pattern = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Lesson.title).like(pattern),
                func.lower(Lesson.what_happened).like(pattern),
                func.lower(Lesson.next_time).like(pattern),
            )
        )
    return stmt


def list_lessons(
    filters: LessonFilters, *, page: int | None = None, per_page: int | None = None
) -> Page[Lesson]:
    """Newest first, with the area, the work it came from and who recorded it (one query plus the count)."""
    page, per_page = clamp_page(page, per_page)
    stmt = _filtered(filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = db.session.scalars(
        stmt.options(*_lesson_options())
        .order_by(Lesson.recorded_at.desc(), Lesson.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def lessons_of(improvement_id: int) -> list[Lesson]:
    """The lessons recorded from one improvement, oldest first."""
    return list(
        db.session.scalars(
            select(Lesson)
            .options(*_lesson_options())
            .where(Lesson.improvement_id == improvement_id)
            .order_by(Lesson.recorded_at, Lesson.id)
        )
    )


def get_lesson(lesson_id: int) -> Lesson | None:
    return db.session.scalar(_shown().options(*_lesson_options()).where(Lesson.id == lesson_id))


def lessons_for(improvement: Improvement, *, limit: int = LESSONS_FOR_AN_IDEA) -> list[Lesson]:
    """Lessons from earlier work that a new idea touches: those about the idea's own area (its team, or the
    service its team is part of) first, then those whose words resemble the idea's title and problem.
    Never the idea's own lessons. The log is small (a few per improvement), so it is read whole."""
    candidates = [
        lesson
        for lesson in db.session.scalars(
            _shown().options(*_lesson_options()).order_by(Lesson.recorded_at.desc(), Lesson.id.desc())
        ).unique()
        if lesson.improvement_id != improvement.id
    ]
    if not candidates:
        return []
    areas: set[int] = set()
    if improvement.team_id is not None:
        areas.add(improvement.team_id)
        parent_id = db.session.scalar(select(Team.parent_id).where(Team.id == improvement.team_id))
        # The service the team is part of, but not the council as a whole (every team's root).
        if parent_id is not None and db.session.scalar(select(Team.parent_id).where(Team.id == parent_id)):
            areas.add(parent_id)
    by_area = [lesson for lesson in candidates if lesson.team_id in areas]
    matches = most_similar(
        f"{improvement.title} {improvement.problem[:300]}",
        [(lesson.id, f"{lesson.title} {lesson.what_happened}") for lesson in candidates],
        limit=limit,
    )
    by_id = {lesson.id: lesson for lesson in candidates}
    chosen: list[Lesson] = []
    for lesson in [*by_area, *(by_id[m.id] for m in matches)]:
        if lesson not in chosen:
            chosen.append(lesson)
    return chosen[:limit]


def list_reviews(improvement_id: int) -> Sequence[ReviewRow]:
    """The review rows of an improvement's benefits that have a decision (the API's list)."""
    return [row for row in review_rows(improvement_id) if row.review is not None]
