"""Query-count cases: benefits, temporary resources, business cases, scoring, the backlog, the
portfolio and the reports."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.models import (
    BenefitAdjustment,
    BenefitChangeRequest,
    BenefitReview,
    Disbenefit,
    Lesson,
    MaturityAssessment,
    Programme,
    SchemeCriterion,
    ScoringScheme,
    User,
    disbenefit_offset,
)
from changeauth.queries import scoring as scoring_queries
from changeauth.services import portfolio as portfolio_service
from changeauth.services import scoring as scoring_service
from tests.factories import (
    AssessmentFactory,
    BenefitFactory,
    BenefitMeasurementFactory,
    BusinessCaseFactory,
    ImprovementFactory,
    PortfolioScenarioFactory,
    TeamFactory,
    UserFactory,
)
from tests.functional.query_counts import Arranged, case, grown, next_number
from tests.functional.query_counts.rows import (
    SCORING_RULES,
    add_options,
    candidate,
    flag,
    measured_benefit,
    overrunning_resource,
    scored_backlog,
)

# --- benefits and temporary resources -----------------------------------------------------------------------


@case("benefits.tracker", "benefits_api.list_benefits")
def benefits(viewer: User) -> Arranged:
    """Each row: a measured, adjusted and flagged benefit on its own improvement."""

    def add(number: int) -> None:
        benefit = measured_benefit(ImprovementFactory(delivery=True, team=TeamFactory()))
        flag("stale_benefit", "benefit", benefit.id)

    return Arranged(grown(add))


@case(
    "benefits.detail",
    "benefits_api.get_benefit",
    "benefits_api.list_measurements",
    "benefits_api.list_adjustments",
)
def benefit_with_measurements(viewer: User) -> Arranged:
    """A monthly cashable benefit; each row adds a measurement (by a different person) and an adjustment."""
    benefit = BenefitFactory(cashable=True, frequency="monthly", baseline_date=date(2022, 1, 31))
    db.session.commit()

    def add(number: int) -> None:
        BenefitMeasurementFactory(
            benefit=benefit,
            period_end=date(2022, 2, 1) + timedelta(days=number),
            value=Decimal(10_000 * number),
            recorded_by=UserFactory(),
        )
        db.session.add(
            BenefitAdjustment(
                benefit_id=benefit.id,
                category="other",
                amount_pence=-number,
                rationale=f"Adjustment {number}.",
                recorded_by_id=UserFactory(finance=True).id,
                status="confirmed",  # only a confirmed adjustment counts in the totals shown
            )
        )

    return Arranged(grown(add), path={"benefit_id": benefit.id})


@case("benefits_api.list_change_requests")
def benefit_change_requests(viewer: User) -> Arranged:
    """A benefit; each row adds a rejected change to its target, proposed and decided by other people."""
    benefit = BenefitFactory()
    db.session.commit()

    def add(number: int) -> None:
        db.session.add(
            BenefitChangeRequest(
                benefit_id=benefit.id,
                status="rejected",
                reason=f"Change {number}.",
                baseline_value=benefit.baseline_value,
                baseline_date=benefit.baseline_date,
                target_value=Decimal(500 + number),
                target_date=benefit.target_date,
                was_baseline_value=benefit.baseline_value,
                was_baseline_date=benefit.baseline_date,
                was_target_value=benefit.target_value,
                was_target_date=benefit.target_date,
                proposed_by_id=UserFactory().id,
                decided_by_id=UserFactory(design_authority=True).id,
                decided_at=db.utcnow(),
                decision_note="No.",
            )
        )

    return Arranged(grown(add), path={"benefit_id": benefit.id})


@case("benefits.for_improvement", "benefits_api.improvement_benefits", "benefits_api.improvement_disbenefits")
def improvement_benefits(viewer: User) -> Arranged:
    """An improvement in delivery; each row adds a measured benefit and a cashable dis-benefit, owned by
    someone new, that offsets it."""
    improvement = ImprovementFactory(delivery=True)

    def add(number: int) -> None:
        benefit = measured_benefit(improvement)
        disbenefit = Disbenefit(
            improvement_id=improvement.id,
            title=f"Income lost {number}",
            description="Fees no longer charged.",
            affected="The council's budget",
            owner_id=UserFactory(manager=True).id,
            mitigation="Reviewed each year.",
            annual_value_pence=100_000,
            cash_class="cashable",
            starts_on=date(2025, 4, 1),
        )
        db.session.add(disbenefit)
        db.session.flush()
        db.session.execute(
            disbenefit_offset.insert().values(disbenefit_id=disbenefit.id, benefit_id=benefit.id)
        )

    return Arranged(grown(add), path={"improvement_id": improvement.id})


@case("temporary_resources.index", "temporary_resources_api.list_resources")
def temporary_resources(viewer: User) -> Arranged:
    """Each row: an overrunning resource on its own improvement (with a measured benefit) and one on its
    own programme (with a measured benefit and an improvement): the benefit at risk covers both."""

    def add(number: int) -> None:
        improvement = ImprovementFactory(delivery=True, team=TeamFactory())
        measured_benefit(improvement)
        overrunning_resource(improvement=improvement, team=TeamFactory())
        programme = Programme(code=f"programme_{number}", name=f"Programme {number}")
        db.session.add(programme)
        db.session.flush()
        measured_benefit(improvement=None, programme=programme)
        measured_benefit(ImprovementFactory(delivery=True, programme=programme))
        overrunning_resource(improvement=None, programme=programme)

    return Arranged(grown(add))


@case("temporary_resources.detail", "temporary_resources_api.get_resource")
def resource_with_benefits(viewer: User) -> Arranged:
    """An overrunning resource on an improvement in a programme; each row adds a measured benefit to the
    improvement, one to the programme, and another improvement of the programme with its own."""
    programme = Programme(code=f"programme_{next_number()}", name="Channel shift programme")
    db.session.add(programme)
    db.session.flush()
    improvement = ImprovementFactory(delivery=True, programme=programme)
    resource = overrunning_resource(improvement=improvement)

    def add(number: int) -> None:
        measured_benefit(improvement)
        measured_benefit(improvement=None, programme=programme)
        measured_benefit(ImprovementFactory(delivery=True, programme=programme))

    return Arranged(grown(add), path={"resource_id": resource.id})


# --- business cases ------------------------------------------------------------------------------------


@case("business_cases.index")
def business_cases(viewer: User) -> Arranged:
    """Each row: an improvement's submitted business case."""
    return Arranged(grown(lambda number: BusinessCaseFactory(submitted=True)))


@case("business_cases.show", "business_cases.version", "business_cases_api.latest")
def case_with_options(viewer: User) -> Arranged:
    """Version 60 of a case; each row adds an option with three years, and an earlier version."""
    improvement = ImprovementFactory(business_case=True)
    latest = BusinessCaseFactory(improvement=improvement, version=60)
    db.session.commit()
    versions = itertools.count(1)
    more_options = add_options(latest.id)

    def grow(n: int) -> None:
        more_options(n)
        for _ in range(n):
            BusinessCaseFactory(improvement=improvement, version=next(versions), approved=True)
        db.session.commit()

    return Arranged(grow, path={"improvement_id": improvement.id, "case_id": latest.id})


@case("business_cases.compare")
def versions_to_compare(viewer: User) -> Arranged:
    """Versions 1 and 2 of a case; each row adds an option to both."""
    improvement = ImprovementFactory(business_case=True)
    older = BusinessCaseFactory(improvement=improvement, approved=True)
    newer = BusinessCaseFactory(improvement=improvement, version=2, based_on_version=1)
    db.session.commit()
    return Arranged(add_options(older.id, newer.id), path={"improvement_id": improvement.id})


@case("business_cases.programme_case")
def programme_case(viewer: User) -> Arranged:
    """A programme's business case; each row adds an option."""
    programme = Programme(code=f"programme_{next_number()}", name="Customer access programme")
    db.session.add(programme)
    db.session.flush()
    programme_case = BusinessCaseFactory(improvement=None, programme=programme, created_by=viewer)
    db.session.commit()
    return Arranged(add_options(programme_case.id), path={"programme_id": programme.id})


# --- scoring, the backlog and the portfolio ---------------------------------------------------------


@case("backlog.index", "backlog.matrix", "backlog.roadmap", "scoring_api.backlog")
def backlog(viewer: User) -> Arranged:
    """Each row: a scored improvement, planned for a quarter."""
    return Arranged(scored_backlog())


@case("backlog.what_if")
def what_if(viewer: User) -> Arranged:
    """The backlog under other weights; each row: a scored improvement."""
    specs = scoring_queries.active_scheme().specs()
    weights = {f"weights.{spec.code}": "10" for spec in specs if spec.kind.value == "should"}
    return Arranged(scored_backlog(), query=weights)


@case("scoring.index")
def scoring_to_do(viewer: User) -> Arranged:
    """Each row: an improvement waiting for the viewer's score, and one they have scored."""

    def add(number: int) -> None:
        ImprovementFactory(business_case=True, team=TeamFactory())
        AssessmentFactory(assessor=viewer)

    return Arranged(grown(add))


@case("scoring.score", "scoring_api.get_score")
def panel_scores(viewer: User) -> Arranged:
    """An improvement; each row adds a DA member's assessment (the stored score follows)."""
    improvement = ImprovementFactory(business_case=True)

    def grow(n: int) -> None:
        for _ in range(n):
            AssessmentFactory(improvement=improvement, assessor=UserFactory(design_authority=True))
        scoring_service.recompute_score(improvement.id, scoring_queries.active_scheme(), **SCORING_RULES)
        db.session.commit()

    return Arranged(grow, path={"improvement_id": improvement.id})


def _scheme_copy(status: str) -> ScoringScheme:
    """A copy of the active scheme's criteria under a new version number."""
    active = scoring_queries.active_scheme()
    version = db.session.scalar(select(ScoringScheme.version).order_by(ScoringScheme.version.desc()).limit(1))
    scheme = ScoringScheme(version=(version or 0) + 1, status=status, created_by_id=active.created_by_id)
    scheme.criteria = [
        SchemeCriterion(
            position=c.position,
            code=c.code,
            name=c.name,
            kind=c.kind,
            weight=c.weight,
            direction=c.direction,
            descriptors=c.descriptors,
        )
        for c in active.criteria
    ]
    db.session.add(scheme)
    db.session.flush()
    return scheme


def _add_criteria(scheme_id: int) -> Callable[[int], None]:
    """One more should criterion on the scheme, per call."""

    def add(number: int) -> None:
        db.session.add(
            SchemeCriterion(
                scheme_id=scheme_id,
                position=100 + number,
                code=f"extra_{number}",
                name=f"Extra criterion {number}",
                kind="should",
                weight=Decimal(1),
                descriptors={str(score): f"Level {score}" for score in range(6)},
            )
        )

    return add


@case("scoring.schemes")
def schemes(viewer: User) -> Arranged:
    """Each row: a retired version of the scheme."""
    return Arranged(grown(lambda number: _scheme_copy("retired")))


@case("scoring.scheme")
def draft_scheme(viewer: User) -> Arranged:
    """A draft version (its page previews the ranking): each row adds a criterion and a scored improvement."""
    scheme = _scheme_copy("draft")
    db.session.commit()
    add_criterion = _add_criteria(scheme.id)
    add_scored = scored_backlog()

    def grow(n: int) -> None:
        for _ in range(n):
            add_criterion(next_number())
        add_scored(n)

    return Arranged(grow, path={"scheme_id": scheme.id})


@case("scoring_api.active_scheme")
def active_scheme_criteria(viewer: User) -> Arranged:
    """Each row: a criterion on the active scheme."""
    return Arranged(grown(_add_criteria(scoring_queries.active_scheme().id)))


@case("portfolio.index")
def portfolio_candidates(viewer: User) -> Arranged:
    """An optimiser run; each row: a candidate with a case and a score."""
    run = {"budget_pence": "30,000", "objective": "score", "cost_basis": "first_year"}
    return Arranged(grown(candidate), query=run)


@case("portfolio.scenarios", "portfolio_api.list_scenarios")
def scenarios(viewer: User) -> Arranged:
    """Each row: a saved scenario."""
    return Arranged(
        grown(lambda number: PortfolioScenarioFactory(created_by=UserFactory(design_authority=True)))
    )


def _rerun_over_candidates(viewer: User, *budgets: tuple[Any, int]) -> Callable[[int], None]:
    """``grow(n)``: add ``n`` candidates, then re-run each saved scenario over all of them with its budget,
    so the scenario's result lists every candidate (selected or left out)."""

    def grow(n: int) -> None:
        for _ in range(n):
            candidate(next_number())
        for scenario, budget_pence in budgets:
            scenario.result = portfolio_service.optimise(viewer, budget_pence=budget_pence, objective="score")
        db.session.commit()

    return grow


@case("portfolio.scenario", "portfolio_api.read_scenario")
def scenario_with_result(viewer: User) -> Arranged:
    """A saved run whose result lists every candidate."""
    scenario = PortfolioScenarioFactory()
    return Arranged(_rerun_over_candidates(viewer, (scenario, 10**6)), path={"scenario_id": scenario.id})


@case("portfolio.compare", "portfolio_api.compare")
def scenarios_to_compare(viewer: User) -> Arranged:
    """Two runs: one with a budget for every candidate, one for some of them."""
    first, second = PortfolioScenarioFactory(), PortfolioScenarioFactory()
    grow = _rerun_over_candidates(viewer, (first, 10**11), (second, 10**6))
    return Arranged(grow, query={"ids": [first.id, second.id]})


# --- reports ----------------------------------------------------------------------------------------------


@case("reports.dashboard_page", "reports.scrutiny")
def dashboard(viewer: User) -> Arranged:
    """Each row: an improvement in delivery with a measured benefit and an overrunning resource, a flag,
    a programme with a benefit of its own, and a maturity assessment."""

    def add(number: int) -> None:
        improvement = ImprovementFactory(delivery=True, team=TeamFactory())
        benefit = measured_benefit(improvement)
        flag("stale_benefit", "benefit", benefit.id)
        overrunning_resource(improvement=improvement)
        programme = Programme(
            code=f"programme_{number}", name=f"Programme {number}", planned_annual_benefit_pence=10_000
        )
        db.session.add(programme)
        db.session.flush()
        measured_benefit(improvement=None, programme=programme)
        driver_id = benefit.driver_id
        db.session.add(
            MaturityAssessment(
                driver_id=driver_id,
                assessed_on=date(2020, 1, 1) + timedelta(days=number),
                achieved_pct=Decimal(50),
            )
        )

    return Arranged(grown(add))


@case("programmes_api.list_programmes")
def programmes(viewer: User) -> Arranged:
    """Each row: a programme with a validated benefit of its own, an improvement with one, and an
    overrunning resource."""

    def add(number: int) -> None:
        programme = Programme(
            code=f"programme_{number}", name=f"Programme {number}", planned_annual_benefit_pence=10_000
        )
        db.session.add(programme)
        db.session.flush()
        measured_benefit(improvement=None, programme=programme)
        improvement = ImprovementFactory(delivery=True, programme=programme)
        measured_benefit(improvement)
        overrunning_resource(improvement=improvement)

    return Arranged(grown(add), query={"per_page": 100})


@case("reports.close_down")
def close_down(viewer: User) -> Arranged:
    """One programme; each row adds an improvement of it with a validated benefit and an overrunning
    resource, and a benefit of the programme's own. The page shows totals, so it is also BOUNDED."""
    programme = Programme(
        code=f"programme_{next_number()}", name="Closing programme", planned_annual_benefit_pence=10_000
    )
    db.session.add(programme)
    db.session.flush()

    def add(number: int) -> None:
        improvement = ImprovementFactory(delivery=True, programme=programme)
        measured_benefit(improvement)
        measured_benefit(improvement=None, programme=programme)
        overrunning_resource(improvement=improvement)

    return Arranged(grown(add), path={"programme_id": programme.id})


@case("reviews.review", "reviews_api.list_review_decisions")
def benefits_review(viewer: User) -> Arranged:
    """An improvement realising its benefits; each row adds a measured benefit with the review's decision
    on it (by its own decider) and a lesson from the improvement about its own area."""
    improvement = ImprovementFactory(realisation=True)

    def add(number: int) -> None:
        benefit = measured_benefit(improvement)
        db.session.add(
            BenefitReview(
                benefit_id=benefit.id,
                improvement_id=improvement.id,
                decision="continue",
                causes=f"Cause {number}",
                decided_by_id=UserFactory(design_authority=True).id,
            )
        )
        db.session.add(
            Lesson(
                improvement_id=improvement.id,
                team_id=TeamFactory().id,
                title=f"Lesson {number}",
                what_happened="It happened.",
                next_time="Do it sooner.",
                recorded_by_id=UserFactory().id,
            )
        )
        db.session.flush()

    return Arranged(grown(add), path={"improvement_id": improvement.id})


@case("reviews.lessons", "reviews_api.list_lessons")
def lessons_log(viewer: User) -> Arranged:
    """Each row: a lesson from its own improvement about its own area, recorded by its own person."""

    def add(number: int) -> None:
        db.session.add(
            Lesson(
                improvement_id=ImprovementFactory(realisation=True).id,
                team_id=TeamFactory().id,
                title=f"Lesson {number}",
                what_happened="It happened.",
                next_time="Do it sooner.",
                recorded_by_id=UserFactory().id,
            )
        )
        db.session.flush()

    return Arranged(grown(add))
