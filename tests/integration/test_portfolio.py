"""The portfolio on the real database: which improvements are candidates and with what figures, the
optimiser's permissions, saving scenarios, the agreed plan (audited, one at a time, enforced by the
database too), and delivery estimates recorded through the improvement service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from changeauth.domain.errors import AlreadyExists, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.models import (
    AuditEvent,
    BusinessCase,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    Improvement,
    ImprovementScore,
    PortfolioScenario,
)
from changeauth.queries import portfolio as portfolio_queries
from changeauth.services import improvements as improvement_service
from changeauth.services import portfolio as portfolio_service
from tests.factories import (
    BusinessCaseFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    PortfolioScenarioFactory,
    UserFactory,
)

POUND = 100


def case_with(
    improvement: Improvement,
    years: list[tuple[int, int, int, int]],
    *,
    version: int = 1,
    status: str = "draft",
) -> BusinessCase:
    """A case whose preferred option "Do it" has (year, capital £, revenue £, cashable benefit £) rows."""
    option = BusinessCaseOption(
        position=0,
        name="Do it",
        is_business_as_usual=False,
        years=[
            BusinessCaseOptionYear(
                year=year,
                capital_pence=capital * POUND,
                revenue_pence=revenue * POUND,
                cashable_benefit_pence=benefit * POUND,
                non_cashable_benefit_pence=0,
            )
            for year, capital, revenue, benefit in years
        ],
    )
    return BusinessCaseFactory(improvement=improvement, version=version, status=status, options=[option])


def audit_events(session: Any, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
    )


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


class TestCandidates:
    def test_who_is_a_candidate_and_their_figures(self, db_session: Any, count_queries: Any) -> None:
        approved = ImprovementFactory(approved=True, is_mandatory=True, delivery_person_months=Decimal("4.5"))
        # £10,000 capital in year 0, £2,000 in year 1; revenue £500 in years 0 and 1; £7,000 benefit in
        # years 1 and 2. First-year: £12,000 + £500 = £12,500. Whole-life: £12,000 + £1,000 = £13,000.
        case_with(
            approved, [(0, 10_000, 500, 0), (1, 2_000, 500, 7_000), (2, 0, 0, 7_000)], status="approved"
        )
        ImprovementScoreFactory(improvement=approved, weighted_score=Decimal("72.5"))
        in_case = ImprovementFactory(business_case=True)
        BusinessCaseFactory(improvement=in_case)  # the factory's case: £10,000 now, £6,000 in years 1-2
        ImprovementFactory(business_case=True)  # no case yet: not a candidate
        no_case = ImprovementFactory(approved=True)  # approved without a case: a candidate lacking figures
        BusinessCaseFactory(improvement=ImprovementFactory(delivery=True))  # in delivery: not a candidate

        with count_queries() as counter:
            found = {c.id: c for c in portfolio_queries.load_candidates()}
        assert counter.count == 5
        assert set(found) == {approved.id, in_case.id, no_case.id}
        first = found[approved.id]
        assert (first.first_year_cost_pence, first.whole_life_cost_pence) == (1_250_000, 1_300_000)
        assert (first.weighted_score, first.score_status, first.is_mandatory) == (
            Decimal("72.5"),
            "final",
            True,
        )
        assert first.delivery_person_months == Decimal("4.5")
        # NPV at 3.5 %: PV costs 1,050,000 + 250,000 / 1.035 = 1,291,545.89 -> 1,291,546; PV benefits
        # 700,000 / 1.035 + 700,000 / 1.035² = 676,328.50 + 653,457.49 = 1,329,785.99 -> 1,329,786.
        assert first.npv_pence == 1_329_786 - 1_291_546
        second = found[in_case.id]
        # PV benefits 600,000 / 1.035 + 600,000 / 1.035² = 1,139,816.57 -> 1,139,817; less £10,000.
        assert (second.first_year_cost_pence, second.npv_pence, second.weighted_score) == (
            1_000_000,
            139_817,
            None,
        )
        assert (found[no_case.id].has_case, found[no_case.id].first_year_cost_pence) == (False, None)

    def test_the_query_count_does_not_grow_with_the_candidates(
        self, db_session: Any, count_queries: Any
    ) -> None:
        for _ in range(6):
            BusinessCaseFactory(improvement=ImprovementFactory(approved=True))
        with count_queries() as counter:
            assert len(portfolio_queries.load_candidates()) == 6
        assert counter.count == 5

    def test_the_approved_version_counts_over_a_newer_draft(self, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        case_with(improvement, [(0, 5_000, 0, 0)], version=1, status="approved")
        case_with(improvement, [(0, 9_000, 0, 0)], version=2, status="draft")
        (candidate,) = portfolio_queries.load_candidates()
        assert (candidate.case_version, candidate.first_year_cost_pence) == (1, 500_000)

    def test_without_an_approved_version_the_newest_counts(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        case_with(improvement, [(0, 5_000, 0, 0)], version=1, status="returned")
        case_with(improvement, [(0, 9_000, 0, 0)], version=2, status="draft")
        (candidate,) = portfolio_queries.load_candidates()
        assert (candidate.case_version, candidate.first_year_cost_pence) == (2, 900_000)


class TestOptimise:
    @pytest.mark.parametrize("trait", ["design_authority", "viewer", "admin"])
    def test_the_design_authority_viewers_and_admins_may_run_it(self, db_session: Any, trait: str) -> None:
        improvement = ImprovementFactory(approved=True)
        BusinessCaseFactory(improvement=improvement)
        ImprovementScoreFactory(improvement=improvement)
        answer = portfolio_service.optimise(
            UserFactory(**{trait: True}), budget_pence=1_000_000, objective="score"
        )
        assert [row["id"] for row in answer["selected"]] == [improvement.id]
        assert (answer["total_cost_pence"], answer["total_value"]) == (1_000_000, 50.0)

    @pytest.mark.parametrize("trait", ["manager", "finance"])
    def test_others_may_not(self, db_session: Any, trait: str) -> None:
        with pytest.raises(PermissionDenied):
            portfolio_service.optimise(UserFactory(**{trait: True}), budget_pence=1, objective="score")

    def test_no_candidates(self, db_session: Any) -> None:
        with pytest.raises(ValidationFailed) as refused:
            portfolio_service.optimise(UserFactory(viewer=True), budget_pence=1, objective="npv")
        assert "nothing to choose from" in refused.value.message


class TestCandidatesAndRunsOutsideTheWeb:
    """Outside the web nothing is kept per process: the candidates and each run are read and solved
    afresh, so any change to an improvement, a score or a business case - its options and years
    included, through the ORM or a set-based statement - is seen at once (the web's shared copies are
    in tests/functional/test_portfolio.py)."""

    def test_nothing_is_kept_per_process(self, db_session: Any, monkeypatch: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        case_with(improvement, [(0, 5_000, 0, 0)], status="approved")
        ImprovementScoreFactory(improvement=improvement)
        viewer = UserFactory(viewer=True)
        loads: list[int] = []
        real_load = portfolio_queries.load_candidates
        monkeypatch.setattr(portfolio_queries, "load_candidates", lambda: loads.append(1) or real_load())
        answer = portfolio_service.optimise(viewer, budget_pence=1_000_000, objective="score")
        again = portfolio_service.optimise(viewer, budget_pence=1_000_000, objective="score")
        assert again == answer and again is not answer and loads == [1, 1]
        assert [row["id"] for row in answer["selected"]] == [improvement.id]
        other = portfolio_service.optimise(viewer, budget_pence=100, objective="score")
        assert other["selected"] == []

    def test_a_change_to_a_years_figures_is_seen(self, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        case = case_with(improvement, [(0, 5_000, 0, 0)], status="approved")
        ImprovementScoreFactory(improvement=improvement)
        viewer = UserFactory(viewer=True)
        (before,) = portfolio_queries.load_candidates()
        answer = portfolio_service.optimise(viewer, budget_pence=600_000, objective="score")
        assert (before.first_year_cost_pence, [row["id"] for row in answer["selected"]]) == (
            500_000,
            [improvement.id],
        )
        case.options[0].years[0].capital_pence = 7_000 * POUND  # through the ORM
        db_session.flush()
        (after,) = portfolio_queries.load_candidates()
        assert after.first_year_cost_pence == 700_000
        again = portfolio_service.optimise(viewer, budget_pence=600_000, objective="score")
        assert again["selected"] == [] and again["excluded"][0]["reason"] == "over_budget"

    def test_a_set_based_change_and_a_new_version_are_seen(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        case_with(improvement, [(0, 5_000, 0, 0)], version=1, status="returned")
        assert [c.first_year_cost_pence for c in portfolio_queries.load_candidates()] == [500_000]
        db_session.execute(
            update(BusinessCaseOptionYear)
            .where(BusinessCaseOptionYear.capital_pence == 5_000 * POUND)
            .values(capital_pence=6_000 * POUND)
            .execution_options(synchronize_session=False)
        )
        assert [c.first_year_cost_pence for c in portfolio_queries.load_candidates()] == [600_000]
        case_with(improvement, [(0, 9_000, 0, 0)], version=2, status="draft")
        (newest,) = portfolio_queries.load_candidates()
        assert (newest.case_version, newest.first_year_cost_pence) == (2, 900_000)

    def test_a_rolled_back_change_does_not_linger(self, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        case_with(improvement, [(0, 5_000, 0, 0)], status="approved")
        ImprovementScoreFactory(improvement=improvement, weighted_score=Decimal(40))
        db_session.flush()
        savepoint = db_session.begin_nested()
        db_session.execute(
            update(ImprovementScore)
            .where(ImprovementScore.improvement_id == improvement.id)
            .values(weighted_score=Decimal(90))
            .execution_options(synchronize_session=False)
        )
        assert portfolio_queries.load_candidates()[0].weighted_score == Decimal(90)
        savepoint.rollback()
        assert portfolio_queries.load_candidates()[0].weighted_score == Decimal(40)


class TestScenarios:
    def setup_candidates(self) -> list[Improvement]:
        improvements = []
        for score in ("60", "40"):
            improvement = ImprovementFactory(approved=True)
            BusinessCaseFactory(improvement=improvement)  # £10,000 each
            ImprovementScoreFactory(improvement=improvement, weighted_score=Decimal(score))
            improvements.append(improvement)
        return improvements

    def test_saving_keeps_the_inputs_and_the_computed_result(self, db_session: Any) -> None:
        first, _second = self.setup_candidates()
        member = UserFactory(design_authority=True)
        scenario = portfolio_service.save_scenario(
            member, name="  Tight   budget ", budget_pence=1_500_000, objective="score"
        )
        db_session.commit()
        assert scenario.name == "Tight budget"
        assert scenario.inputs["budget_pence"] == 1_500_000
        assert [row["id"] for row in scenario.result["selected"]] == [first.id]  # £15,000 fits one
        (event,) = audit_events(db_session, "portfolio_scenario.saved")
        assert (event.actor_id, event.subject_id) == (member.id, scenario.id)
        assert event.after["selected"] == [first.id] and event.after["total_value"] == 60.0

    def test_names_are_unique_ignoring_case(self, db_session: Any) -> None:
        self.setup_candidates()
        member = UserFactory(design_authority=True)
        portfolio_service.save_scenario(member, name="Plan A", budget_pence=0, objective="score")
        with pytest.raises(AlreadyExists):
            portfolio_service.save_scenario(member, name="plan a", budget_pence=0, objective="score")
        assert count(db_session, PortfolioScenario) == 1

    @pytest.mark.parametrize(
        ("name", "inputs", "field"),
        [
            ("   ", {"budget_pence": 0, "objective": "score"}, "name"),
            ("x" * 121, {"budget_pence": 0, "objective": "score"}, "name"),
            ("Bad", {"budget_pence": -5, "objective": "score"}, "budget_pence"),
            ("Bad", {"budget_pence": 0, "objective": "score", "force_in": [10**9]}, "force_in"),
        ],
    )
    def test_bad_input_stores_nothing(
        self, db_session: Any, name: str, inputs: dict[str, Any], field: str
    ) -> None:
        self.setup_candidates()
        with pytest.raises(ValidationFailed) as refused:
            portfolio_service.save_scenario(UserFactory(design_authority=True), name=name, **inputs)
        assert field in refused.value.fields
        assert count(db_session, PortfolioScenario) == 0
        assert audit_events(db_session, "portfolio_scenario.saved") == []

    def test_viewers_may_not_save(self, db_session: Any) -> None:
        self.setup_candidates()
        with pytest.raises(PermissionDenied):
            portfolio_service.save_scenario(
                UserFactory(viewer=True), name="Mine", budget_pence=0, objective="npv"
            )

    def test_agreeing_a_plan_unmarks_the_previous_one(self, db_session: Any) -> None:
        before = PortfolioScenarioFactory(agreed=True)
        after = PortfolioScenarioFactory()
        member = UserFactory(design_authority=True)
        portfolio_service.agree_scenario(after, actor=member, expected_version=1)
        db_session.commit()
        db_session.refresh(before)
        assert (before.is_agreed, after.is_agreed, after.agreed_by_id, after.version) == (
            False,
            True,
            member.id,
            2,
        )
        assert after.agreed_at is not None
        assert portfolio_queries.agreed_scenario() == after
        (event,) = audit_events(db_session, "portfolio_scenario.agreed")
        assert (event.subject_id, event.before, event.after["agreed_scenario_id"]) == (
            after.id,
            {"agreed_scenario_id": before.id},
            after.id,
        )

    def test_agreeing_checks_the_version_and_the_role(self, db_session: Any) -> None:
        scenario = PortfolioScenarioFactory()
        with pytest.raises(PermissionDenied):
            portfolio_service.agree_scenario(scenario, actor=UserFactory(admin=True), expected_version=1)
        with pytest.raises(VersionConflict):
            portfolio_service.agree_scenario(
                scenario, actor=UserFactory(design_authority=True), expected_version=7
            )
        with pytest.raises(ValidationFailed):
            portfolio_service.agree_scenario(
                scenario, actor=UserFactory(design_authority=True), expected_version=None
            )
        assert not scenario.is_agreed and audit_events(db_session, "portfolio_scenario.agreed") == []

    def test_agreeing_the_agreed_plan_again_is_refused(self, db_session: Any) -> None:
        scenario = PortfolioScenarioFactory(agreed=True)
        with pytest.raises(AlreadyExists):
            portfolio_service.agree_scenario(
                scenario, actor=UserFactory(design_authority=True), expected_version=1
            )

    def test_the_database_allows_one_agreed_plan(self, db_session: Any) -> None:
        PortfolioScenarioFactory(agreed=True)
        with pytest.raises(IntegrityError):
            PortfolioScenarioFactory(agreed=True)
        db_session.rollback()


class TestDeliveryEstimates:
    def test_the_owner_records_it_audited(self, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        improvement_service.update_improvement(
            improvement,
            actor=improvement.owner,
            changes={"delivery_person_months": Decimal("6.5")},
            expected_version=improvement.version,
        )
        db_session.commit()
        assert (improvement.delivery_person_months, improvement.version) == (Decimal("6.5"), 2)
        event = audit_events(db_session, "improvement.edited")[-1]
        assert (event.before, event.after) == (
            {"delivery_person_months": None},
            {"delivery_person_months": "6.5"},
        )

    def test_a_design_authority_member_may_record_it_too(self, db_session: Any) -> None:
        improvement = ImprovementFactory(business_case=True)
        improvement_service.update_improvement(
            improvement,
            actor=UserFactory(design_authority=True),
            changes={"delivery_person_months": Decimal(3)},
            expected_version=1,
        )
        assert improvement.delivery_person_months == Decimal(3)

    @pytest.mark.parametrize(
        ("trait", "stage"), [("manager", "approved"), ("finance", "approved"), ("design_authority", "closed")]
    )
    def test_nobody_else_and_not_once_work_has_ended(self, db_session: Any, trait: str, stage: str) -> None:
        improvement = ImprovementFactory(**{stage: True})
        with pytest.raises(PermissionDenied):
            improvement_service.update_improvement(
                improvement,
                actor=UserFactory(**{trait: True}),
                changes={"delivery_person_months": Decimal(3)},
                expected_version=1,
            )

    def test_a_negative_estimate_changes_nothing(self, db_session: Any) -> None:
        improvement = ImprovementFactory(approved=True)
        with pytest.raises(ValidationFailed) as refused:
            improvement_service.update_improvement(
                improvement,
                actor=improvement.owner,
                changes={"delivery_person_months": Decimal("-1")},
                expected_version=1,
            )
        assert refused.value.fields == {
            "delivery_person_months": ["Enter an estimate of 0 person-months or more."]
        }
        db_session.refresh(improvement)
        assert (improvement.delivery_person_months, improvement.version) == (None, 1)

    def test_the_database_refuses_a_negative_estimate(self, db_session: Any) -> None:
        with pytest.raises(IntegrityError):
            ImprovementFactory(approved=True, delivery_person_months=Decimal("-1"))
        db_session.rollback()
