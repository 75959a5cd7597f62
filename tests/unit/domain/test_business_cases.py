"""Business-case content rules beyond the appraisal's own validation, comparing two versions, and
which stages may have a case written."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from changeauth.domain import permissions
from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import (
    CaseContent,
    compare_appraisals,
    compare_versions,
    open_for_writing,
    validate_content,
)
from changeauth.domain.permissions import Actor, ImprovementFacts

BAU = OptionFigures("Business as usual", True, (YearFigures(0),))
DO_IT = OptionFigures(
    "Do it",
    False,
    (YearFigures(0, capital_pence=1_000_000), YearFigures(1, cashable_benefit_pence=600_000)),
)
CASE = CaseContent(kind="outline", options=(BAU, DO_IT), preferred_option="Do it")


def test_a_sound_case_has_no_errors() -> None:
    assert validate_content(CASE) == {}


@pytest.mark.parametrize(
    ("content", "key"),
    [
        (replace(CASE, kind="strategic"), "kind"),
        (replace(CASE, strategic_fit="x" * 10_001), "strategic_fit"),
        (replace(CASE, reform_risk="x" * 10_001), "reform_risk"),
        (
            replace(
                CASE,
                options=tuple(replace(DO_IT, name=f"Option {n}") for n in range(11)),
                preferred_option="Option 1",
            ),
            "options",
        ),
        (replace(CASE, options=(replace(BAU, name="n" * 121), DO_IT)), "options.0.name"),
        (
            replace(
                CASE,
                options=(
                    BAU,
                    replace(DO_IT, years=(YearFigures(0, cashable_benefit_pence=100_000_000_001),)),
                ),
            ),
            "options.1.years.0.cashable_benefit_pence",
        ),
        (replace(CASE, discount_rate=Decimal("0.03555")), "discount_rate"),
        (replace(CASE, optimism_bias_pct=Decimal("12.345")), "optimism_bias_pct"),
        (replace(CASE, fte_change=Decimal("-2.25")), "fte_change"),
        (replace(CASE, fte_change=Decimal("100000.1")), "fte_change"),
        (replace(CASE, fte_change=Decimal("Infinity")), "fte_change"),
    ],
)
def test_limits_the_database_and_readers_need(content: CaseContent, key: str) -> None:
    errors = validate_content(content)
    assert list(errors) == [key]
    assert errors[key] and all(message.endswith(".") for message in errors[key])


def test_the_exact_ceiling_and_places_are_allowed() -> None:
    at_limits = replace(
        CASE,
        options=(BAU, replace(DO_IT, years=(YearFigures(0, capital_pence=100_000_000_000),))),
        discount_rate=Decimal("0.0355"),
        optimism_bias_pct=Decimal("12.34"),
        fte_change=Decimal("-77.3"),
    )
    assert validate_content(at_limits) == {}


def test_appraisals_use_the_cases_rate_and_bias() -> None:
    (_, bau), (_, do_it) = replace(CASE, optimism_bias_pct=Decimal(50)).appraisals()
    assert bau.npv_pence == 0
    # £10,000 of capital × 1.5 = £15,000; £6,000 / 1.035 = £5,797.10 → 579,710p.
    assert (do_it.pv_costs_pence, do_it.pv_benefits_pence) == (1_500_000, 579_710)


class TestCompareVersions:
    def test_identical_versions_have_no_changes(self) -> None:
        assert not compare_versions(CASE, CASE).has_changes

    def test_case_fields_are_compared_as_people_read_them(self) -> None:
        after = replace(
            CASE,
            kind="full",
            discount_rate=Decimal("0.0300"),
            optimism_bias_pct=Decimal("40.00"),
            fte_change=Decimal("-1.5"),
            driver_codes=("channel_shift",),
        )
        changes = {c.field: (c.before, c.after) for c in compare_versions(CASE, after).fields}
        assert changes == {
            "kind": ("Outline business case", "Full business case"),
            "discount_rate": ("3.5%", "3%"),
            "optimism_bias_pct": ("0%", "40%"),
            "fte_change": ("Not given", "-1.5"),
            "driver_codes": ("", "channel_shift"),
        }

    def test_options_are_matched_by_name_and_compared_year_by_year(self) -> None:
        changed = replace(
            DO_IT,
            name="DO IT",
            years=(YearFigures(0, capital_pence=1_200_000), YearFigures(2, cashable_benefit_pence=600_000)),
        )
        added = OptionFigures("Do minimum", False, (YearFigures(0, revenue_pence=1),))
        after = replace(CASE, options=(changed, added), preferred_option="Do minimum")
        comparison = compare_versions(CASE, after)
        by_name = {option.name: option for option in comparison.options}
        assert by_name["Do minimum"].change == "added"
        assert by_name["Business as usual"].change == "removed"
        do_it = by_name["DO IT"]
        assert do_it.change == "changed"
        assert [(d.field, d.before, d.after) for d in do_it.details] == [("name", "Do it", "DO IT")]
        # Year 0 capital changed; year 1 disappeared (its benefit gone); year 2 is new.
        assert [(y.year, y.amount, y.before, y.after) for y in do_it.years] == [
            (0, "capital_pence", 1_000_000, 1_200_000),
            (1, "cashable_benefit_pence", 600_000, None),
            (2, "cashable_benefit_pence", None, 600_000),
        ]

    def test_a_year_added_with_nothing_in_it_is_no_change(self) -> None:
        padded = replace(DO_IT, years=(*DO_IT.years, YearFigures(5)))
        assert not compare_versions(CASE, replace(CASE, options=(BAU, padded))).has_changes

    def test_appraisals_side_by_side(self) -> None:
        cheaper = replace(
            DO_IT,
            years=(YearFigures(0, capital_pence=500_000), YearFigures(1, cashable_benefit_pence=600_000)),
        )
        after = replace(CASE, options=(cheaper,), preferred_option="Do it")
        rows = compare_appraisals(CASE, after)
        assert [(row.name, row.before is not None, row.after is not None) for row in rows] == [
            ("Do it", True, True),
            ("Business as usual", True, False),
        ]
        assert rows[0].before is not None and rows[0].after is not None
        assert (rows[0].before.pv_costs_pence, rows[0].after.pv_costs_pence) == (1_000_000, 500_000)


@pytest.mark.parametrize(
    ("stage", "route", "allowed"),
    [
        ("idea", "standard", False),
        ("business_case", "standard", True),
        ("approved", "standard", True),
        ("delivery", "standard", True),
        ("delivery", "quick_win", False),
        ("realisation", "standard", False),
        ("on_hold", "standard", False),
        ("closed", "standard", False),
    ],
)
def test_which_stages_have_a_business_case(stage: str, route: str, allowed: bool) -> None:
    assert open_for_writing(stage, route) is allowed


class TestPermissions:
    FACTS = ImprovementFacts(id=1, stage="business_case", submitter_id=10, owner_id=11, sponsor_id=12)

    @pytest.mark.parametrize(
        ("actor", "may_write"),
        [
            (Actor(11, frozenset({"staff", "manager"})), True),  # the owner
            (Actor(20, frozenset({"staff", "design_authority"})), True),
            (Actor(10, frozenset({"staff"})), False),  # the submitter is not the owner
            (Actor(21, frozenset({"staff", "manager"})), False),
            (Actor(22, frozenset({"finance"})), False),
            (Actor(11, frozenset({"manager"}), is_active=False), False),
        ],
    )
    def test_the_owner_and_design_authority_write(self, actor: Actor, may_write: bool) -> None:
        assert permissions.can_write_business_case(actor, self.FACTS) is may_write

    def test_a_withdrawn_idea_hides_its_case_from_other_staff(self) -> None:
        withdrawn = replace(self.FACTS, stage="withdrawn")
        assert not permissions.can_write_business_case(Actor(11, frozenset({"manager"})), withdrawn)

    @pytest.mark.parametrize(
        ("actor", "may_decide"),
        [
            (Actor(20, frozenset({"design_authority"})), True),
            (Actor(11, frozenset({"design_authority"})), False),  # owner
            (Actor(12, frozenset({"design_authority"})), False),  # sponsor
            (Actor(30, frozenset({"design_authority"})), False),  # declared a conflict
            (Actor(21, frozenset({"manager"})), False),
        ],
    )
    def test_an_independent_design_authority_member_decides(self, actor: Actor, may_decide: bool) -> None:
        facts = replace(self.FACTS, conflicted_user_ids=frozenset({30}))
        assert permissions.can_decide_business_case(actor, facts) is may_decide

    @pytest.mark.parametrize(
        ("roles", "listed"),
        [({"staff"}, False), ({"manager"}, True), ({"viewer"}, True), ({"finance"}, True)],
    )
    def test_the_list_is_in_the_navigation_of_those_who_work_with_cases(
        self, roles: set[str], listed: bool
    ) -> None:
        assert permissions.can_browse_business_cases(Actor(1, frozenset(roles))) is listed
