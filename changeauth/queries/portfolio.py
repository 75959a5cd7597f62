"""Reading the portfolio: the optimiser's candidates with their figures, and saved scenarios.

``load_candidates`` takes five queries whatever the number of candidates: the improvements with their
stored scores, the versions of their business cases, and the chosen versions, their options and their
years (selectinload). Each candidate's figures come from its newest approved business case, or its
newest version when none is approved yet (README, "Portfolio optimiser").
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from changeauth import db
from changeauth.domain.appraisal import appraise
from changeauth.domain.business_cases import CaseStatus, name_key
from changeauth.domain.errors import NotFound
from changeauth.domain.lifecycle import Stage
from changeauth.domain.portfolio import Candidate, first_year_cost_pence, whole_life_cost_pence
from changeauth.domain.scoring import ScoreStatus
from changeauth.models import (
    BusinessCase,
    BusinessCaseOption,
    Improvement,
    ImprovementScore,
    PortfolioScenario,
)
from changeauth.queries.pagination import Page, clamp_page

CANDIDATE_STAGES = (Stage.APPROVED.value, Stage.BUSINESS_CASE.value)


def _chosen_case_ids() -> dict[int, int]:
    """{improvement id: id of the case version whose figures count} for every candidate stage."""
    rows = db.session.execute(
        select(BusinessCase.improvement_id, BusinessCase.id, BusinessCase.version, BusinessCase.status)
        .join(Improvement, Improvement.id == BusinessCase.improvement_id)
        .where(Improvement.stage.in_(CANDIDATE_STAGES))
    ).all()
    best: dict[int, tuple[bool, int, int]] = {}
    for improvement_id, case_id, version, status in rows:
        key = (status == CaseStatus.APPROVED.value, version, case_id)
        if improvement_id not in best or key > best[improvement_id]:
            best[improvement_id] = key
    return {improvement_id: key[2] for improvement_id, key in best.items()}


def load_candidates() -> list[Candidate]:
    """Approved improvements, and those in business case that have a business case, with their cost,
    NPV, weighted score and delivery estimate (five queries)."""
    improvements = db.session.execute(
        select(
            Improvement.id,
            Improvement.ref,
            Improvement.title,
            Improvement.stage,
            Improvement.is_mandatory,
            Improvement.owner_id,
            Improvement.delivery_person_months,
            ImprovementScore.status,
            ImprovementScore.weighted_score,
            ImprovementScore.must_meet_passed,
        )
        .outerjoin(ImprovementScore, ImprovementScore.improvement_id == Improvement.id)
        .where(Improvement.stage.in_(CANDIDATE_STAGES))
        .order_by(Improvement.id)
    ).all()
    case_ids = _chosen_case_ids()
    cases = {
        case.improvement_id: case
        for case in db.session.scalars(
            select(BusinessCase)
            .options(selectinload(BusinessCase.options).selectinload(BusinessCaseOption.years))
            .where(BusinessCase.id.in_(list(case_ids.values())))
        )
    }
    candidates = []
    for row in improvements:
        improvement_id, ref, title, stage, is_mandatory, owner_id, estimate, status, score, must_passed = row
        case = cases.get(improvement_id)
        if case is None and stage == Stage.BUSINESS_CASE.value:
            continue  # not a candidate until it has a business case
        candidates.append(
            Candidate(
                id=improvement_id,
                ref=ref,
                title=title,
                stage=stage,
                is_mandatory=bool(is_mandatory),
                owner_id=owner_id,
                weighted_score=None if score is None else Decimal(score),
                score_status=status or ScoreStatus.UNSCORED.value,
                must_meet_passed=must_passed,
                delivery_person_months=None if estimate is None else Decimal(estimate),
                **_case_figures(case),
            )
        )
    return candidates


def _case_figures(case: BusinessCase | None) -> dict[str, object]:
    if case is None:
        return {"has_case": False}
    figures: dict[str, object] = {"has_case": True, "case_version": case.version}
    preferred = name_key(case.preferred_option or "")
    option = next((o for o in case.options if name_key(o.name) == preferred), None)
    if option is None:
        return figures
    option_figures = option.figures()
    appraisal = appraise(
        option_figures.years,
        discount_rate=Decimal(case.discount_rate),
        optimism_bias_pct=Decimal(case.optimism_bias_pct),
    )
    figures.update(
        first_year_cost_pence=first_year_cost_pence(option_figures),
        whole_life_cost_pence=whole_life_cost_pence(option_figures),
        npv_pence=appraisal.npv_pence,
    )
    return figures


# --- scenarios --------------------------------------------------------------------------------------


def list_scenarios(*, page: int | None = None, per_page: int | None = None) -> Page[PortfolioScenario]:
    """Saved scenarios, the agreed plan first, then newest first, with who saved them (two queries)."""
    page, per_page = clamp_page(page, per_page)
    total = db.session.scalar(select(func.count()).select_from(PortfolioScenario)) or 0
    items = db.session.scalars(
        select(PortfolioScenario)
        .options(joinedload(PortfolioScenario.created_by), joinedload(PortfolioScenario.agreed_by))
        .order_by(
            PortfolioScenario.is_agreed.desc(),
            PortfolioScenario.created_at.desc(),
            PortfolioScenario.id.desc(),
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def get_scenario(scenario_id: int) -> PortfolioScenario:
    scenario = db.session.scalar(
        select(PortfolioScenario)
        .options(joinedload(PortfolioScenario.created_by), joinedload(PortfolioScenario.agreed_by))
        .where(PortfolioScenario.id == scenario_id)
    )
    if scenario is None:
        raise NotFound("There is no scenario with that number.")
    return scenario


def get_scenarios(scenario_ids: Sequence[int]) -> list[PortfolioScenario]:
    """The scenarios in the order asked for; NotFound names any that do not exist (one query)."""
    found = {
        scenario.id: scenario
        for scenario in db.session.scalars(
            select(PortfolioScenario)
            .options(joinedload(PortfolioScenario.created_by))
            .where(PortfolioScenario.id.in_(list(scenario_ids)))
        )
    }
    missing = [i for i in scenario_ids if i not in found]
    if missing:
        raise NotFound(f"There is no scenario numbered {', '.join(str(i) for i in missing)}.")
    return [found[i] for i in scenario_ids]


def agreed_scenario() -> PortfolioScenario | None:
    return db.session.scalar(select(PortfolioScenario).where(PortfolioScenario.is_agreed.is_(True)))
