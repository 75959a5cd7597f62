"""Reading business cases: the latest version, one version, the version history, and each
option's appraisal. Every query loads a case's options, years, priorities and drivers up front."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.appraisal import (
    Appraisal,
    BaselineComparison,
    OptionFigures,
    Sensitivity,
    expected_business_as_usual_warning,
    recurring_benefit_warning,
)
from changeauth.domain.business_cases import Affordability, CaseContent, CaseStatus, name_key
from changeauth.domain.errors import NotFound
from changeauth.domain.lifecycle import Stage
from changeauth.models import BusinessCase, BusinessCaseOption, Improvement, Programme, User
from changeauth.queries.pagination import Page, clamp_page


@dataclass(frozen=True)
class AppraisedOption:
    figures: OptionFigures
    appraisal: Appraisal
    is_preferred: bool
    relative: BaselineComparison  # against business as usual


@dataclass(frozen=True)
class AppraisedCase:
    """One version with its content as plain data and every option appraised."""

    case: BusinessCase
    content: CaseContent
    options: tuple[AppraisedOption, ...]
    business_as_usual_warning: str | None
    recurring_benefit_warning: str | None = None
    sensitivity: Sensitivity | None = None  # the preferred option's switching values and what-ifs

    @property
    def affordability(self) -> Affordability:
        return self.content.affordability()

    @property
    def preferred(self) -> AppraisedOption | None:
        return next((option for option in self.options if option.is_preferred), None)

    @property
    def warnings(self) -> list[str]:
        """The warnings to show beside the figures, in the order they are read."""
        return [w for w in (self.business_as_usual_warning, self.recurring_benefit_warning) if w]


def _full() -> tuple[LoaderOption, ...]:
    return (
        selectinload(BusinessCase.options).selectinload(BusinessCaseOption.years),
        selectinload(BusinessCase.priorities),
        selectinload(BusinessCase.drivers),
        joinedload(BusinessCase.created_by),
    )


def appraise_case(case: BusinessCase) -> AppraisedCase:
    """Appraise every option of a fully loaded case at its own discount rate and optimism biases,
    each against business as usual, with the preferred option's switching values and what-ifs."""
    content = case.content()
    preferred = name_key(content.preferred_option or "")
    options = tuple(
        AppraisedOption(item.figures, item.appraisal, name_key(item.figures.name) == preferred, item.relative)
        for item in content.against_baseline()
    )
    return AppraisedCase(
        case,
        content,
        options,
        expected_business_as_usual_warning(content.options),
        recurring_benefit_warning(content.options, appraisal_years=content.appraisal_years),
        content.sensitivity(),
    )


def latest_for_improvement(improvement_id: int) -> BusinessCase | None:
    """The newest version of the improvement's case, fully loaded (three queries), or None."""
    return db.session.scalar(
        select(BusinessCase)
        .options(*_full())
        .where(BusinessCase.improvement_id == improvement_id)
        .order_by(BusinessCase.version.desc())
        .limit(1)
    )


def latest_for_programme(programme_id: int) -> BusinessCase | None:
    return db.session.scalar(
        select(BusinessCase)
        .options(*_full())
        .where(BusinessCase.programme_id == programme_id)
        .order_by(BusinessCase.version.desc())
        .limit(1)
    )


def _visible(case: BusinessCase | None, viewer: User) -> BusinessCase:
    if case is None:
        raise NotFound("There is no business case with that number.")
    if case.improvement_id is not None:
        improvement = db.session.get(Improvement, case.improvement_id)
        if improvement is None or not permissions.can_view_improvement(
            viewer.as_actor(), improvement.visibility_facts()
        ):
            raise NotFound("There is no business case with that number.")
    elif not viewer.as_actor().is_active:
        raise NotFound("There is no business case with that number.")
    return case


def get_case(case_id: int, viewer: User, *, fresh: bool = False) -> BusinessCase:
    """One version, fully loaded; NotFound when missing or its improvement is hidden from the viewer.

    ``fresh`` re-reads a case already in the session (after a service changed it).
    """
    stmt = select(BusinessCase).options(*_full()).where(BusinessCase.id == case_id)
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    return _visible(db.session.scalar(stmt), viewer)


def get_version(
    viewer: User, version: int, *, improvement_id: int | None = None, programme_id: int | None = None
) -> BusinessCase:
    """Version ``version`` of an improvement's (or a programme's) case, fully loaded, or NotFound."""
    stmt = select(BusinessCase).options(*_full()).where(BusinessCase.version == version)
    if improvement_id is not None:
        stmt = stmt.where(BusinessCase.improvement_id == improvement_id)
    else:
        stmt = stmt.where(BusinessCase.programme_id == programme_id)
    return _visible(db.session.scalar(stmt), viewer)


def list_versions(
    *, improvement_id: int | None = None, programme_id: int | None = None
) -> list[BusinessCase]:
    """Every version of one case, newest first, without their figures (one query)."""
    stmt = select(BusinessCase).options(joinedload(BusinessCase.created_by))
    if improvement_id is not None:
        stmt = stmt.where(BusinessCase.improvement_id == improvement_id)
    else:
        stmt = stmt.where(BusinessCase.programme_id == programme_id)
    return list(db.session.scalars(stmt.order_by(BusinessCase.version.desc())))


def latest_approved_version(versions: list[BusinessCase]) -> int | None:
    """The version currently approved: the newest approved one (earlier approvals stay as history)."""
    return next((case.version for case in versions if case.status == CaseStatus.APPROVED.value), None)


def get_programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound("There is no programme with that number.")
    return programme


def programme_case_exists(programme_id: int) -> bool:
    return (
        db.session.scalar(select(BusinessCase.id).where(BusinessCase.programme_id == programme_id).limit(1))
        is not None
    )


@dataclass(frozen=True)
class CaseSummary:
    """What the improvement page shows about its business case."""

    version: int
    status: str
    kind: str
    preferred_option: str
    preferred: Appraisal | None
    # The preferred option against business as usual: its switching values and what-ifs.
    sensitivity: Sensitivity | None = None
    # Whether the preferred option plans any cashable benefit: cash payback counts those only.
    has_cashable_benefits: bool = False


def _summary(case: BusinessCase) -> CaseSummary:
    appraised = appraise_case(case)
    preferred = appraised.preferred
    return CaseSummary(
        version=case.version,
        status=case.status,
        kind=case.kind,
        preferred_option=case.preferred_option,
        preferred=preferred.appraisal if preferred else None,
        sensitivity=appraised.sensitivity,
        has_cashable_benefits=preferred is not None
        and any(year.cashable_benefit_pence for year in preferred.figures.years),
    )


def summary_for_improvement(improvement_id: int) -> CaseSummary | None:
    """The latest version's headline figures, or None when there is no case yet."""
    case = latest_for_improvement(improvement_id)
    return _summary(case) if case is not None else None


def summaries_for_improvements(improvement_ids: Sequence[int]) -> dict[int, CaseSummary]:
    """{improvement id: its latest version's headline figures} for those with a case: the same few
    queries however many improvements."""
    latest = (
        select(BusinessCase.improvement_id, func.max(BusinessCase.version).label("version"))
        .where(BusinessCase.improvement_id.in_(list(improvement_ids)))
        .group_by(BusinessCase.improvement_id)
        .subquery()
    )
    cases = db.session.scalars(
        select(BusinessCase)
        .join(
            latest,
            and_(
                BusinessCase.improvement_id == latest.c.improvement_id,
                BusinessCase.version == latest.c.version,
            ),
        )
        .options(*_full())
    )
    return {case.improvement_id or 0: _summary(case) for case in cases}


def list_latest_cases(
    viewer: User,
    *,
    status: str | None = None,
    owner_id: int | None = None,
    page: int | None = None,
    per_page: int | None = None,
) -> Page[BusinessCase]:
    """The latest version of each improvement's case, most recently changed first, with its
    improvement loaded (a count and one select, whatever the page size)."""
    page, per_page = clamp_page(page, per_page)
    latest = (
        select(BusinessCase.improvement_id, func.max(BusinessCase.version).label("version"))
        .where(BusinessCase.improvement_id.is_not(None))
        .group_by(BusinessCase.improvement_id)
        .subquery()
    )
    base = (
        select(BusinessCase)
        .join(
            latest,
            and_(
                BusinessCase.improvement_id == latest.c.improvement_id,
                BusinessCase.version == latest.c.version,
            ),
        )
        .join(Improvement, Improvement.id == BusinessCase.improvement_id)
    )
    actor = viewer.as_actor()
    if not (permissions.is_design_authority(actor) or permissions.is_admin(actor)):
        base = base.where(
            or_(Improvement.stage != Stage.WITHDRAWN.value, Improvement.submitter_id == viewer.id)
        )
    if status:
        base = base.where(BusinessCase.status == status)
    if owner_id is not None:
        base = base.where(Improvement.owner_id == owner_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = db.session.scalars(
        base.options(joinedload(BusinessCase.improvement))
        .order_by(BusinessCase.updated_at.desc(), BusinessCase.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)
