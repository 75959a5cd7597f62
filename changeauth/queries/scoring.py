"""Reading scoring schemes, assessments and stored scores, with the blind-scoring rule applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import NotFound
from changeauth.domain.panel import criterion_results
from changeauth.domain.scoring import (
    CriterionKind,
    CriterionResult,
    CriterionSpec,
    SchemeStatus,
    ScoreStatus,
    can_see_individual_scores,
)
from changeauth.models import (
    Assessment,
    AssessmentScore,
    ConflictDeclaration,
    Improvement,
    ImprovementScore,
    ScoringScheme,
    User,
)
from changeauth.queries.pagination import Page, clamp_page

TO_DO_STAGES = tuple(sorted(stage.value for stage in permissions.SCORING_TO_DO_STAGES))


def active_scheme() -> ScoringScheme:
    """The active scheme with its criteria (two queries). NotFound when none is active."""
    scheme = db.session.scalar(
        select(ScoringScheme)
        .options(selectinload(ScoringScheme.criteria))
        .where(ScoringScheme.status == SchemeStatus.ACTIVE)
    )
    if scheme is None:
        raise NotFound(
            "No scoring scheme is active. Load the reference data with `changeauth seed reference`."
        )
    return scheme


def get_scheme(scheme_id: int) -> ScoringScheme:
    scheme = db.session.scalar(
        select(ScoringScheme)
        .options(selectinload(ScoringScheme.criteria))
        .where(ScoringScheme.id == scheme_id)
    )
    if scheme is None:
        raise NotFound("There is no scoring scheme with that number.")
    return scheme


@dataclass(frozen=True)
class SchemeSummary:
    scheme: ScoringScheme
    assessments: int


def list_schemes() -> list[SchemeSummary]:
    """Every version, newest first, with how many assessments were given under it (two queries)."""
    used = (
        select(func.count())
        .select_from(Assessment)
        .where(Assessment.scheme_id == ScoringScheme.id)
        .correlate(ScoringScheme)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(ScoringScheme, used)
        .options(joinedload(ScoringScheme.created_by), selectinload(ScoringScheme.criteria))
        .order_by(ScoringScheme.version.desc())
    ).all()
    return [SchemeSummary(scheme, count) for scheme, count in rows]


def scheme_is_used(scheme_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Assessment.scheme_id == scheme_id))))


def get_improvement_score(improvement_id: int) -> ImprovementScore | None:
    return db.session.get(ImprovementScore, improvement_id)


def improvement_scores(improvement_ids: Sequence[int]) -> dict[int, ImprovementScore]:
    """{improvement id: stored score} for those that have one, in one query."""
    return {
        score.improvement_id: score
        for score in db.session.scalars(
            select(ImprovementScore).where(ImprovementScore.improvement_id.in_(list(improvement_ids)))
        )
    }


def own_assessment(improvement_id: int, assessor_id: int, scheme_id: int) -> Assessment | None:
    """The member's assessment under one scheme version, with its scores."""
    return db.session.scalar(
        select(Assessment)
        .options(selectinload(Assessment.scores))
        .where(
            Assessment.improvement_id == improvement_id,
            Assessment.assessor_id == assessor_id,
            Assessment.scheme_id == scheme_id,
        )
    )


def get_assessment(assessment_id: int) -> Assessment:
    """One assessment with its scores, its assessor and the scheme version it was made under."""
    return db.session.execute(
        select(Assessment)
        .options(
            selectinload(Assessment.scores), joinedload(Assessment.assessor), joinedload(Assessment.scheme)
        )
        .where(Assessment.id == assessment_id)
    ).scalar_one()


def latest_own_assessment(improvement_id: int, assessor_id: int) -> Assessment | None:
    """The member's most recent assessment under any scheme version, with its scores and scheme."""
    return db.session.scalar(
        select(Assessment)
        .join(ScoringScheme, ScoringScheme.id == Assessment.scheme_id)
        .options(selectinload(Assessment.scores), joinedload(Assessment.scheme))
        .where(Assessment.improvement_id == improvement_id, Assessment.assessor_id == assessor_id)
        .order_by(ScoringScheme.version.desc())
        .limit(1)
    )


def has_assessed(improvement_id: int, user_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(Assessment.improvement_id == improvement_id, Assessment.assessor_id == user_id)
            )
        )
    )


def panel_assessments(improvement_id: int) -> list[Assessment]:
    """Each member's latest assessment of the improvement (the ones that count), oldest first."""
    assessments = db.session.scalars(
        select(Assessment)
        .join(ScoringScheme, ScoringScheme.id == Assessment.scheme_id)
        .options(
            selectinload(Assessment.scores), joinedload(Assessment.assessor), joinedload(Assessment.scheme)
        )
        .where(Assessment.improvement_id == improvement_id)
        .order_by(Assessment.assessor_id, ScoringScheme.version.desc())
    ).all()
    latest: dict[int, Assessment] = {}
    for assessment in assessments:
        latest.setdefault(assessment.assessor_id, assessment)
    return sorted(latest.values(), key=lambda a: (a.submitted_at, a.id))


@dataclass(frozen=True)
class ScoreView:
    """An improvement's score as the viewer may see it."""

    scheme: ScoringScheme
    status: ScoreStatus
    scorers: int
    weighted_score: Any
    must_meet_passed: bool | None
    disagreement: bool
    criteria: tuple[CriterionResult, ...]
    specs: tuple[CriterionSpec, ...]
    computed_at: Any
    # None when blind scoring hides individual scores from the viewer.
    assessments: list[Assessment] | None
    viewer_has_submitted: bool
    # True when the spread (lowest, highest, how many said a must is met, disagreement) is hidden too:
    # on a panel of three or fewer it would give away each member's score.
    spread_hidden: bool = False


def score_view(improvement_id: int, viewer: User, *, disagreement_threshold: int) -> ScoreView:
    """The stored result under the active scheme, and the panel's assessments if the viewer may see them."""
    scheme = active_scheme()
    specs = scheme.specs()
    stored = get_improvement_score(improvement_id)
    submitted = has_assessed(improvement_id, viewer.id)
    visible = can_see_individual_scores(
        viewer_has_submitted=submitted,
        viewer_is_admin_or_viewer=permissions.reads_all_scores(viewer.as_actor()),
    )
    summary = stored.criteria if stored else {}
    criteria = criterion_results(summary, specs, disagreement_threshold=disagreement_threshold)
    if not visible:
        # Blind scoring: until someone may read the individual scores they see each criterion's median
        # and how many scored it, never the spread (docs/scoring-and-backlog.md).
        criteria = tuple(
            replace(result, min=None, max=None, passes=None, disagreement=False) for result in criteria
        )
    return ScoreView(
        scheme=scheme,
        status=ScoreStatus(stored.status) if stored else ScoreStatus.UNSCORED,
        scorers=stored.scorers if stored else 0,
        weighted_score=stored.weighted_score if stored else None,
        must_meet_passed=stored.must_meet_passed if stored else None,
        disagreement=bool(stored.disagreement) if stored and visible else False,
        criteria=criteria,
        specs=specs,
        computed_at=stored.computed_at if stored else None,
        assessments=panel_assessments(improvement_id) if visible else None,
        viewer_has_submitted=submitted,
        spread_hidden=not visible,
    )


def _covered_by_own_assessment(member_id: int, specs: tuple[CriterionSpec, ...]) -> Any:
    """True where the member has an assessment of the improvement with a value of the right kind for
    every criterion of the scheme: a weights-only change leaves it done, a new criterion puts it back.

    Correlated with the improvement, so it probes only the member's assessments of each candidate
    (the unique index on assessment (improvement_id, assessor_id, scheme_id), then the unique index on
    assessment_score (assessment_id, criterion_code)), never every assessment the member has made."""
    if not specs:
        return false()
    should = [spec.code for spec in specs if spec.kind is CriterionKind.SHOULD]
    must = [spec.code for spec in specs if spec.kind is CriterionKind.MUST]
    matches = or_(
        and_(AssessmentScore.criterion_code.in_(should), AssessmentScore.score.is_not(None)),
        and_(AssessmentScore.criterion_code.in_(must), AssessmentScore.passed.is_not(None)),
    )
    covered = (
        select(func.count(AssessmentScore.id))
        .where(AssessmentScore.assessment_id == Assessment.id, matches)
        .correlate(Assessment)
        .scalar_subquery()
    )
    return exists(
        select(Assessment.id)
        .where(
            Assessment.improvement_id == Improvement.id,
            Assessment.assessor_id == member_id,
            covered == len(specs),
        )
        .correlate(Improvement)
    )


def assessments_to_do(
    member: User, scheme: ScoringScheme, *, page: int | None = None, per_page: int | None = None
) -> Page[Improvement]:
    """Proposals waiting for a decision (business case or approved) that the member may score and has not
    yet scored on every active criterion, oldest first, one page of them.

    Excludes what they submitted, own, sponsor or declared a conflict on. Read from the database on every
    view (two queries: the count and the page), so a score or a conflict is seen on the member's next
    page by every process: the proposals in the two stages come from the index on improvement (stage,
    created_at), and each is checked against the member's own assessment and declaration of it through
    their unique indexes (docs/architecture.md#derived-views).
    """
    page, per_page = clamp_page(page, per_page)
    where = _to_do_for(member.id, scheme.specs())
    total = db.session.scalar(select(func.count()).select_from(Improvement).where(*where)) or 0
    items = list(
        db.session.scalars(
            select(Improvement)
            .options(joinedload(Improvement.team))
            .where(*where)
            .order_by(Improvement.stage_changed_at, Improvement.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return Page(items=items, page=page, per_page=per_page, total=total)


def _to_do_for(member_id: int, specs: tuple[CriterionSpec, ...]) -> list[Any]:
    """The conditions of the member's scoring to-do list on ``improvement``."""
    return [
        Improvement.stage.in_(TO_DO_STAGES),
        or_(Improvement.submitter_id.is_(None), Improvement.submitter_id != member_id),
        or_(Improvement.owner_id.is_(None), Improvement.owner_id != member_id),
        or_(Improvement.sponsor_id.is_(None), Improvement.sponsor_id != member_id),
        ~exists(
            select(ConflictDeclaration.id)
            .where(
                ConflictDeclaration.improvement_id == Improvement.id,
                ConflictDeclaration.user_id == member_id,
            )
            .correlate(Improvement)
        ),
        ~_covered_by_own_assessment(member_id, specs),
    ]


def left_out_for(member: User, *, limit: int = 50) -> list[Improvement]:
    """Proposals waiting for a decision that the member may not score because they submitted, own or
    sponsor them or declared a conflict on them (another member scores them), oldest first."""
    conflicted = select(ConflictDeclaration.improvement_id).where(ConflictDeclaration.user_id == member.id)
    return list(
        db.session.scalars(
            select(Improvement)
            .where(
                Improvement.stage.in_(TO_DO_STAGES),
                or_(
                    Improvement.submitter_id == member.id,
                    Improvement.owner_id == member.id,
                    Improvement.sponsor_id == member.id,
                    Improvement.id.in_(conflicted),
                ),
            )
            .order_by(Improvement.stage_changed_at, Improvement.id)
            .limit(limit)
        )
    )


def my_recent_assessments(member: User, *, limit: int = 20) -> list[Assessment]:
    """The member's latest assessments, newest first, with the improvement and scheme."""
    return list(
        db.session.scalars(
            select(Assessment)
            .options(joinedload(Assessment.scheme))
            .where(Assessment.assessor_id == member.id)
            .order_by(Assessment.updated_at.desc(), Assessment.id.desc())
            .limit(limit)
        )
    )


def improvement_refs(ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (ref, title)} in one query."""
    if not ids:
        return {}
    rows = db.session.execute(
        select(Improvement.id, Improvement.ref, Improvement.title).where(Improvement.id.in_(ids))
    ).all()
    return {row.id: (row.ref, row.title) for row in rows}
