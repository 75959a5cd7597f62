"""Reading the portfolio: the optimiser's candidates with their figures, and saved scenarios.

``load_candidates`` takes five queries whatever the number of candidates, reading plain rows (no ORM
objects, which cost seconds at council scale): the improvements with their stored scores, the versions
of their business cases, the chosen versions' appraisal settings, their options, and the preferred
options' years. Each candidate's figures come from its newest approved business case, or its newest
version when none is approved yet (README, "Portfolio optimiser"), through the same appraisal and
cost rules as the business case pages. The web shows them from a view worked out once per change of
the portfolio's marker for every process (``web.shared_views.portfolio_candidates``); nothing keeps
them per process.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, joinedload

from changeauth import db
from changeauth.domain.appraisal import OptionFigures, YearFigures, appraise
from changeauth.domain.business_cases import CaseStatus, name_key
from changeauth.domain.errors import NotFound
from changeauth.domain.lifecycle import Stage
from changeauth.domain.portfolio import Candidate, first_year_cost_pence, whole_life_cost_pence
from changeauth.domain.scoring import ScoreStatus
from changeauth.models import (
    BusinessCase,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    Improvement,
    ImprovementScore,
    PortfolioScenario,
)
from changeauth.models.derived_state import PORTFOLIO
from changeauth.queries import derived
from changeauth.queries.pagination import Page, clamp_page

CANDIDATE_STAGES = (Stage.APPROVED.value, Stage.BUSINESS_CASE.value)

T = TypeVar("T")


def _chosen_case_ids() -> dict[int, int]:
    """{improvement id: id of the case version whose figures count} for every candidate stage."""
    rows = db.session.execute(
        select(BusinessCase.improvement_id, BusinessCase.id, BusinessCase.version, BusinessCase.status)
        .join(Improvement, Improvement.id == BusinessCase.improvement_id)
        .where(Improvement.stage.in_(CANDIDATE_STAGES))
    ).all()
    best: dict[int, tuple[bool, int, int]] = {}
    for improvement_id, case_id, version, status in rows:
        assert improvement_id is not None  # joined to an improvement
        key = (status == CaseStatus.APPROVED.value, version, case_id)
        if improvement_id not in best or key > best[improvement_id]:
            best[improvement_id] = key
    return {improvement_id: key[2] for improvement_id, key in best.items()}


def _literal_in(column: InstrumentedAttribute[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN (ids)`` with the integer ids written into the statement rather than bound one
    parameter each: a large council's thousands of candidates would pass SQLite's parameter limit."""
    return column.in_(bindparam(f"{column.key}_ids", sorted(ids), expanding=True, literal_execute=True))


_DECIMALS = ("weighted_score", "delivery_person_months")


def candidates_json(candidates: Sequence[Candidate]) -> str:
    """The candidates as JSON text (read back by ``candidates_from_json``): the shared copy every process
    reads (``web.shared_views.portfolio_candidates``), never pickled."""
    names = [f.name for f in fields(Candidate)]
    return json.dumps(
        {
            "fields": names,
            "rows": [
                [
                    str(value) if name in _DECIMALS and value is not None else value
                    for name, value in ((name, getattr(c, name)) for name in names)
                ]
                for c in candidates
            ],
        }
    )


def candidates_from_json(text: str) -> tuple[Candidate, ...]:
    """``candidates_json``'s candidates read back (each row positionally, in the fields' order)."""
    data = json.loads(text)
    names = data["fields"]
    if names != [f.name for f in fields(Candidate)]:
        raise ValueError("the candidates were kept with other fields")
    at = [names.index(name) for name in _DECIMALS]
    rows = data["rows"]
    for row in rows:
        for index in at:
            if row[index] is not None:
                row[index] = Decimal(row[index])
    return tuple(Candidate(*row) for row in rows)


def candidate_page(
    candidates: Sequence[Candidate], *, search: str = "", page: int | None = None
) -> Page[Candidate]:
    """One page of ``candidates`` (in their order) whose reference or title contains ``search``,
    ignoring case and spacing."""
    words = " ".join(search.split()).casefold()
    if not words:
        return page_of(candidates, page)
    return page_of(
        [c for c in candidates if words in c.ref.casefold() or words in " ".join(c.title.split()).casefold()],
        page,
    )


def page_of(items: Sequence[T], page: int | None) -> Page[T]:
    """One page of a list already in memory (the candidates, or the rows of an optimiser's answer); a
    page past the end shows the last."""
    number, per_page = clamp_page(page, None)
    number = min(number, max(1, -(-len(items) // per_page)))
    start = (number - 1) * per_page
    return Page(items=items[start : start + per_page], page=number, per_page=per_page, total=len(items))


@derived.reads(
    PORTFOLIO,
    "improvement",
    "improvement_score",
    "business_case",
    "business_case_option",
    "business_case_option_year",
)
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
    figures = _case_figures(_chosen_case_ids())
    candidates = []
    for row in improvements:
        improvement_id, ref, title, stage, is_mandatory, owner_id, estimate, status, score, must_passed = row
        case = figures.get(improvement_id)
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
                **(case or {"has_case": False}),
            )
        )
    return candidates


def _case_figures(case_ids: dict[int, int]) -> dict[int, dict[str, Any]]:
    """{improvement id: its case's figures for ``Candidate``} from the chosen case versions' preferred
    options (three queries)."""
    if not case_ids:
        return {}
    cases = db.session.execute(
        select(
            BusinessCase.id,
            BusinessCase.improvement_id,
            BusinessCase.version,
            BusinessCase.preferred_option,
            BusinessCase.discount_rate,
            BusinessCase.optimism_bias_pct,
            BusinessCase.benefits_bias_pct,
            BusinessCase.duration_bias_pct,
        ).where(_literal_in(BusinessCase.id, case_ids.values()))
    ).all()
    preferred = {case.id: name_key(case.preferred_option or "") for case in cases}
    options: dict[int, tuple[int, str, bool]] = {}
    for option_id, case_id, name, is_bau in db.session.execute(
        select(
            BusinessCaseOption.id,
            BusinessCaseOption.business_case_id,
            BusinessCaseOption.name,
            BusinessCaseOption.is_business_as_usual,
        )
        .where(_literal_in(BusinessCaseOption.business_case_id, case_ids.values()))
        .order_by(BusinessCaseOption.business_case_id, BusinessCaseOption.position, BusinessCaseOption.id)
    ):
        # The first option by position whose name matches, as the case pages pick it.
        if case_id not in options and name_key(name) == preferred[case_id]:
            options[case_id] = (option_id, name, bool(is_bau))
    years: defaultdict[int, list[YearFigures]] = defaultdict(list)
    if options:
        for option_id, year, capital, revenue, cashable, non_cashable in db.session.execute(
            select(
                BusinessCaseOptionYear.option_id,
                BusinessCaseOptionYear.year,
                BusinessCaseOptionYear.capital_pence,
                BusinessCaseOptionYear.revenue_pence,
                BusinessCaseOptionYear.cashable_benefit_pence,
                BusinessCaseOptionYear.non_cashable_benefit_pence,
            )
            .where(_literal_in(BusinessCaseOptionYear.option_id, [o[0] for o in options.values()]))
            .order_by(BusinessCaseOptionYear.option_id, BusinessCaseOptionYear.year)
        ):
            years[option_id].append(
                YearFigures(
                    year=year,
                    capital_pence=capital,
                    revenue_pence=revenue,
                    cashable_benefit_pence=cashable,
                    non_cashable_benefit_pence=non_cashable,
                )
            )
    found: dict[int, dict[str, object]] = {}
    for case in cases:
        figures: dict[str, Any] = {"has_case": True, "case_version": case.version}
        option = options.get(case.id)
        if option is not None:
            option_id, name, is_bau = option
            option_figures = OptionFigures(
                name=name, is_business_as_usual=is_bau, years=tuple(years[option_id])
            )
            appraisal = appraise(
                option_figures.years,
                discount_rate=Decimal(case.discount_rate),
                optimism_bias_pct=Decimal(case.optimism_bias_pct),
                benefits_bias_pct=Decimal(case.benefits_bias_pct),
                duration_bias_pct=Decimal(case.duration_bias_pct),
            )
            figures.update(
                first_year_cost_pence=first_year_cost_pence(option_figures),
                whole_life_cost_pence=whole_life_cost_pence(option_figures),
                npv_pence=appraisal.npv_pence,
            )
        found[case.improvement_id] = figures
    return found


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
