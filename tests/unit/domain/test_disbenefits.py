"""The dis-benefit rules (domain.disbenefits): what may be recorded, in plain words, and which dis-benefits
come off the net saving: only cashable money, from its start to its end."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain import savings
from changeauth.domain.disbenefits import (
    DisbenefitDetails,
    DisbenefitStatus,
    counts_in_net,
    money_line,
    validate_details,
)
from changeauth.domain.savings import BenefitLine

EXCLUSION = DisbenefitDetails(
    title="Customers who cannot go online are left behind",
    description="Some customers will not or cannot deal with the council online.",
    affected="Customers without the internet",
    owner_id=7,
    mitigation="Phone and face to face contact stay open.",
)
LOST_INCOME = replace(
    EXCLUSION,
    title="Car park income lost to online permits",
    annual_value_pence=1_200_000,
    cash_class="cashable",
    starts_on=date(2019, 10, 1),
)
SAVING = BenefitLine(
    cash_class="cashable",
    is_money=True,
    baseline_value=Decimal(0),
    direction="increase",
    validated=True,
    measurements=[(date(2020, 3, 31), Decimal(10_000_000))],
)


def test_a_dis_benefit_with_no_money_may_be_recorded() -> None:
    assert validate_details(EXCLUSION) == {}
    assert not EXCLUSION.is_money


def test_a_money_dis_benefit_may_be_recorded() -> None:
    assert validate_details(LOST_INCOME) == {}


def test_each_missing_part_is_named_in_plain_words() -> None:
    empty = DisbenefitDetails(
        title="", description=" ", affected="", owner_id=None, mitigation="", status="gone"
    )
    errors = validate_details(empty)
    assert set(errors) == {"title", "description", "affected", "owner_id", "mitigation", "status"}
    assert errors["mitigation"] == ["Enter how it is mitigated."]
    assert errors["status"] == ["Choose open, mitigated or closed."]


def test_money_must_come_whole() -> None:
    assert "cash_class" in validate_details(replace(LOST_INCOME, cash_class=None))
    assert "cash_class" in validate_details(replace(LOST_INCOME, cash_class="not_monetised"))
    assert "starts_on" in validate_details(replace(LOST_INCOME, starts_on=None))
    assert "annual_value_pence" in validate_details(replace(LOST_INCOME, annual_value_pence=0))
    assert "annual_value_pence" in validate_details(replace(EXCLUSION, cash_class="cashable"))
    assert "starts_on" in validate_details(replace(EXCLUSION, starts_on=date(2020, 1, 1)))
    assert validate_details(replace(LOST_INCOME, ends_on=date(2019, 9, 30)))["ends_on"] == [
        "The end date must be on or after the start date."
    ]


def test_only_cashable_money_counts_in_the_net() -> None:
    assert counts_in_net(annual_value_pence=100, cash_class="cashable")
    assert not counts_in_net(annual_value_pence=100, cash_class="non_cashable")
    assert not counts_in_net(annual_value_pence=None, cash_class=None)
    assert money_line(annual_value_pence=None, cash_class=None, starts_on=None, ends_on=None) is None
    assert (
        money_line(
            annual_value_pence=100, cash_class="non_cashable", starts_on=date(2020, 4, 1), ends_on=None
        )
        is None
    )


def test_a_cashable_dis_benefit_lowers_the_net_of_the_years_it_falls_in() -> None:
    line = money_line(
        annual_value_pence=LOST_INCOME.annual_value_pence,
        cash_class=LOST_INCOME.cash_class,
        starts_on=LOST_INCOME.starts_on,
        ends_on=None,
    )
    assert line is not None
    plain = savings.year_figures([SAVING], [], first_year=2019, last_year=2020)
    after = savings.year_figures([SAVING], [], first_year=2019, last_year=2020, disbenefits=[line])
    # Half of 2019/20 (from 1 October), all of 2020/21.
    assert [y.net_pence for y in plain] == [10_000_000, 10_000_000]
    assert [y.net_pence for y in after] == [9_400_000, 8_800_000]


@given(
    value=st.integers(min_value=1, max_value=10**10),
    cash_class=st.sampled_from(["cashable", "non_cashable"]),
    start=st.dates(min_value=date(2015, 4, 1), max_value=date(2025, 3, 31)),
)
def test_the_net_falls_by_exactly_what_a_cashable_dis_benefit_costs(
    value: int, cash_class: str, start: date
) -> None:
    line = money_line(annual_value_pence=value, cash_class=cash_class, starts_on=start, ends_on=None)
    lines = [line] if line is not None else []
    plain = savings.programme_figures([SAVING], [], first_year=2015, last_year=2024)
    after = savings.programme_figures([SAVING], [], first_year=2015, last_year=2024, disbenefits=lines)
    cost = sum(savings.disbenefit_by_financial_year(line, 2024).values()) if line is not None else 0
    assert plain.net_pence - after.net_pence == cost
    assert (cost > 0) == (cash_class == "cashable")
    # The realised and like-for-like figures never move: a dis-benefit is taken off the net only.
    assert (after.realised_pence, after.like_for_like_pence) == (
        plain.realised_pence,
        plain.like_for_like_pence,
    )


def test_the_statuses_read_in_plain_words() -> None:
    assert [s.label for s in DisbenefitStatus] == ["Open", "Mitigated", "Closed"]
