"""Gate criteria: each default rule met and not met, quick wins, manual ticks and unknown rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from changeauth.domain.gates import (
    DEFAULT_GATE_CRITERIA,
    MANUAL,
    BenefitFacts,
    CriterionKind,
    CriterionStatus,
    GateCriterionSpec,
    GateFacts,
    criteria_for,
    evaluate,
    unmet_musts,
)
from changeauth.domain.lifecycle import Gate

TODAY = date(2026, 11, 29)
PROFILED = BenefitFacts(
    owner_id=1,
    baseline_date=date(2026, 1, 1),
    target_date=date(2027, 1, 1),
    frequency="quarterly",
    has_baseline_value=True,
    has_target_value=True,
    latest_measurement_on=date(2026, 10, 31),
    closing_status=None,
    title="Calls answered online",
    baseline_quality="measured",
)


def _unmet(gate: Gate, facts: GateFacts, route: str = "standard") -> list[str]:
    return unmet_musts(evaluate(criteria_for(gate, route, DEFAULT_GATE_CRITERIA), facts))


def _status(facts: GateFacts, code: str) -> CriterionStatus:
    statuses = evaluate(criteria_for(Gate.G2, "standard", DEFAULT_GATE_CRITERIA), facts)
    return next(status for status in statuses if status.code == code)


class TestG1:
    READY = GateFacts(
        today=TODAY,
        business_case_status="submitted",
        benefits=(PROFILED,),
        score_status="final",
        must_meet_passed=True,
    )

    def test_a_ready_improvement_meets_every_must(self) -> None:
        assert _unmet(Gate.G1, self.READY) == []

    @pytest.mark.parametrize(
        ("change", "unmet"),
        [
            ({"business_case_status": None}, ["business_case_submitted"]),
            ({"business_case_status": "draft"}, ["business_case_submitted"]),
            ({"benefits": ()}, ["benefits_profiled"]),
            ({"benefits": (replace(PROFILED, owner_id=None),)}, ["benefits_profiled"]),
            ({"benefits": (replace(PROFILED, frequency=None),)}, ["benefits_profiled"]),
            ({"score_status": "provisional"}, ["score_final_pass"]),
            ({"must_meet_passed": False}, ["score_final_pass"]),
        ],
    )
    def test_each_missing_fact_is_named(self, change: dict[str, object], unmet: list[str]) -> None:
        assert _unmet(Gate.G1, replace(self.READY, **change)) == unmet

    def test_the_manual_should_criterion_does_not_block(self) -> None:
        statuses = evaluate(criteria_for(Gate.G1, "standard", DEFAULT_GATE_CRITERIA), self.READY)
        reform = next(s for s in statuses if s.code == "reform_risk_considered")
        assert (reform.kind, reform.met) == (CriterionKind.SHOULD, False)
        ticked = replace(self.READY, manual_ticks={"reform_risk_considered": True})
        assert next(
            s
            for s in evaluate(criteria_for(Gate.G1, "standard", DEFAULT_GATE_CRITERIA), ticked)
            if s.code == "reform_risk_considered"
        ).met


class TestG2:
    READY = GateFacts(today=TODAY, benefits=(PROFILED,), resource_end_dates=(date(2027, 3, 31),))

    def test_ready(self) -> None:
        assert _unmet(Gate.G2, self.READY) == []

    def test_a_baseline_still_to_come_blocks(self) -> None:
        later = replace(PROFILED, baseline_date=date(2026, 11, 30))
        assert _unmet(Gate.G2, replace(self.READY, benefits=(later,))) == ["baselines_measured"]

    @pytest.mark.parametrize(
        ("quality", "said"),
        [
            ("estimated", "“Calls answered online” has an estimated baseline, not a measured one"),
            ("proxy", "“Calls answered online” has a baseline from a proxy (an indirect measure)"),
            (None, "“Calls answered online” does not say whether its baseline was measured"),
        ],
    )
    def test_a_baseline_not_measured_blocks_and_is_named_with_why(
        self, quality: str | None, said: str
    ) -> None:
        facts = replace(self.READY, benefits=(replace(PROFILED, baseline_quality=quality),))
        assert _unmet(Gate.G2, facts) == ["baselines_measured"]
        detail = _status(facts, "baselines_measured").detail
        assert detail.startswith("1 of 1 benefits need a measured baseline: ")
        assert said in detail
        assert "Record a measured baseline with its evidence, or have finance validate the benefit." in detail

    def test_a_baseline_finance_validated_counts_whatever_its_quality(self) -> None:
        validated = replace(PROFILED, baseline_quality="estimated", validated=True)
        assert _unmet(Gate.G2, replace(self.READY, benefits=(validated,))) == []

    def test_a_measured_baseline_still_to_come_is_named_with_its_date(self) -> None:
        later = replace(PROFILED, baseline_date=date(2026, 12, 31))
        detail = _status(replace(self.READY, benefits=(later,)), "baselines_measured").detail
        assert "“Calls answered online” has a baseline date still to come (31 December 2026)" in detail

    def test_only_the_failing_benefits_are_named(self) -> None:
        other = replace(PROFILED, title="Complaints about missed bins", baseline_quality="estimated")
        detail = _status(replace(self.READY, benefits=(PROFILED, other)), "baselines_measured").detail
        assert detail.startswith("1 of 2 benefits need a measured baseline: “Complaints about missed bins”")
        assert "Calls answered online" not in detail

    def test_the_baseline_date_today_counts_as_measured(self) -> None:
        today = replace(PROFILED, baseline_date=TODAY)
        assert _unmet(Gate.G2, replace(self.READY, benefits=(today,))) == []

    def test_a_resource_without_an_end_date_blocks(self) -> None:
        assert _unmet(Gate.G2, replace(self.READY, resource_end_dates=(None,))) == [
            "resources_have_end_dates"
        ]

    @pytest.mark.parametrize(
        ("ends", "words"),
        [
            ((), "No temporary resource is linked to it."),
            ((date(2027, 3, 31),), "Its one linked temporary resource has an end date."),
            ((date(2027, 3, 31), date(2027, 6, 30)), "All 2 linked temporary resources have an end date."),
            ((date(2027, 3, 31), None), "1 of 2 linked temporary resources has no end date."),
        ],
    )
    def test_the_resources_criterion_reads_as_a_sentence_for_any_count(
        self, ends: tuple[date | None, ...], words: str
    ) -> None:
        assert (
            _status(replace(self.READY, resource_end_dates=ends), "resources_have_end_dates").detail == words
        )

    def test_open_conditions_block(self) -> None:
        assert _unmet(Gate.G2, replace(self.READY, open_conditions=2)) == ["no_open_conditions"]


class TestG3:
    READY = GateFacts(
        today=TODAY,
        benefits=(replace(PROFILED, closing_status="realised", review_decision="close"),),
        went_live_on=date(2026, 6, 1),
    )

    def test_ready(self) -> None:
        assert _unmet(Gate.G3, self.READY) == []

    def test_a_measurement_on_the_go_live_day_does_not_count(self) -> None:
        on_the_day = replace(
            PROFILED,
            closing_status="realised",
            review_decision="close",
            latest_measurement_on=date(2026, 6, 1),
        )
        assert _unmet(Gate.G3, replace(self.READY, benefits=(on_the_day,))) == ["measured_after_go_live"]

    def test_no_closing_status_blocks(self) -> None:
        assert _unmet(
            Gate.G3, replace(self.READY, benefits=(replace(PROFILED, review_decision="continue"),))
        ) == ["benefits_closed"]

    def test_a_benefit_without_a_review_decision_blocks(self) -> None:
        undecided = replace(PROFILED, closing_status="realised")
        assert _unmet(Gate.G3, replace(self.READY, benefits=(undecided,))) == ["benefits_reviewed"]

    def test_a_benefit_handed_to_business_as_usual_needs_no_closing_status(self) -> None:
        handed = replace(PROFILED, review_decision="hand_over", handed_over=True)
        assert _unmet(Gate.G3, replace(self.READY, benefits=(handed,))) == []

    def test_a_close_decision_on_a_benefit_reopened_since_no_longer_holds(self) -> None:
        reopened = replace(PROFILED, review_decision="close", closing_status=None)
        assert _unmet(Gate.G3, replace(self.READY, benefits=(reopened,))) == [
            "benefits_closed",
            "benefits_reviewed",
        ]

    @pytest.mark.parametrize("decision", ["continue", "revise"])
    def test_a_benefit_kept_in_realisation_is_reviewed_but_not_settled(self, decision: str) -> None:
        kept = replace(PROFILED, review_decision=decision)
        assert _unmet(Gate.G3, replace(self.READY, benefits=(kept,))) == ["benefits_closed"]


class TestQuickWins:
    @pytest.mark.parametrize("gate", [Gate.G2, Gate.G3])
    def test_need_only_a_recorded_effect(self, gate: Gate) -> None:
        facts = GateFacts(today=TODAY)
        assert _unmet(gate, facts, route="quick_win") == ["effect_recorded"]
        assert _unmet(gate, replace(facts, effect_recorded=True), route="quick_win") == []


def test_an_unknown_rule_is_never_met() -> None:
    spec = GateCriterionSpec(Gate.G1, "typo", "A mistyped rule", CriterionKind.MUST, "no_such_rule")
    [status] = evaluate([spec], GateFacts(today=TODAY))
    assert not status.met and "not known" in status.detail


def test_every_default_criterion_names_a_known_rule_or_manual() -> None:
    from changeauth.domain.gates import RULES

    assert all(spec.check in RULES or spec.check == MANUAL for spec in DEFAULT_GATE_CRITERIA)
    codes = [(spec.gate, spec.code) for spec in DEFAULT_GATE_CRITERIA]
    assert len(codes) == len(set(codes))


def test_a_criterion_a_person_ticks_says_so_whatever_its_wording() -> None:
    """The gate page offers a tick form for exactly the manual criteria; it asks ``is_manual`` rather than
    reading the words of the status, so rewording a message cannot remove the form."""
    specs = (
        GateCriterionSpec(Gate.G1, "ticked_by_a_person", "A person checks", CriterionKind.SHOULD, MANUAL),
        GateCriterionSpec(
            Gate.G1, "decided_by_a_rule", "A rule checks", CriterionKind.MUST, "business_case_submitted"
        ),
    )
    manual, ruled = evaluate(specs, GateFacts(today=date(2026, 12, 7)))
    assert manual.is_manual and not ruled.is_manual
