"""The like-for-like staffing register (domain.staffing): the saving is recomputed from the posts, the
on-costs and the pay awards, and only the in-scope posts count."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.staffing import (
    OnCosts,
    Post,
    PostSide,
    like_for_like,
    pay_uplift,
    restated_by_year,
    validate_on_costs,
    validate_pay_award,
    validate_post,
)

salaries = st.integers(min_value=1, max_value=10_000_000)
ftes = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(200), places=2)
rates = st.decimals(min_value=Decimal(0), max_value=Decimal(40), places=2)
awards = st.decimals(min_value=Decimal(-5), max_value=Decimal(10), places=2)
on_costs = st.builds(OnCosts, employer_ni_pct=rates, pension_pct=rates)
posts = st.builds(
    Post, side=st.sampled_from(list(PostSide)), annual_salary_pence=salaries, fte=ftes, in_scope=st.booleans()
)
registers = st.lists(posts, max_size=12)


def _flip(post: Post) -> Post:
    other = PostSide.AFTER if post.side is PostSide.BEFORE else PostSide.BEFORE
    return Post(other, post.annual_salary_pence, post.fte, post.in_scope)


@given(st.lists(posts, max_size=8), on_costs)
def test_the_same_posts_before_and_after_save_nothing(lines: list[Post], rates_: OnCosts) -> None:
    before = [Post(PostSide.BEFORE, p.annual_salary_pence, p.fte, p.in_scope) for p in lines]
    after = [Post(PostSide.AFTER, p.annual_salary_pence, p.fte, p.in_scope) for p in lines]
    figures = like_for_like(before + after, rates_)
    assert figures.saving_pence == 0
    assert figures.fte_saved == 0


@given(registers, on_costs)
def test_swapping_before_and_after_turns_the_saving_round(lines: list[Post], rates_: OnCosts) -> None:
    assert (
        like_for_like([_flip(p) for p in lines], rates_).saving_pence
        == -like_for_like(lines, rates_).saving_pence
    )


@given(registers, st.lists(posts, max_size=4), on_costs)
def test_out_of_scope_posts_never_change_the_saving(
    lines: list[Post], extra: list[Post], rates_: OnCosts
) -> None:
    outside = [Post(p.side, p.annual_salary_pence, p.fte, False) for p in extra]
    with_them = like_for_like(lines + outside, rates_)
    without = like_for_like(lines, rates_)
    assert (with_them.saving_pence, with_them.fte_saved) == (without.saving_pence, without.fte_saved)
    for side, counted in (
        (PostSide.BEFORE, with_them.out_of_scope_fte_before - without.out_of_scope_fte_before),
        (PostSide.AFTER, with_them.out_of_scope_fte_after - without.out_of_scope_fte_after),
    ):
        assert counted == sum((p.fte for p in outside if p.side is side), Decimal(0))


@given(registers, posts, on_costs)
def test_bringing_a_post_into_scope_changes_the_saving_by_its_cost(
    lines: list[Post], post: Post, rates_: OnCosts
) -> None:
    outside = Post(post.side, post.annual_salary_pence, post.fte, False)
    inside = Post(post.side, post.annual_salary_pence, post.fte, True)
    change = (
        like_for_like([*lines, inside], rates_).saving_pence
        - like_for_like([*lines, outside], rates_).saving_pence
    )
    cost = post.annual_salary_pence * post.fte * rates_.multiplier
    signed = cost if post.side is PostSide.BEFORE else -cost
    # Each side is rounded to the penny once, so the change is the post's cost within a penny either side.
    assert abs(change - signed) <= 1


@given(registers, on_costs, st.lists(awards, min_size=1, max_size=6))
def test_a_pay_award_restates_the_saving_like_for_like(
    lines: list[Post], rates_: OnCosts, yearly: list[Decimal]
) -> None:
    pay_awards = {2019 + index: award for index, award in enumerate(yearly)}
    last = 2018 + len(yearly)
    base = like_for_like(lines, rates_)
    by_year = restated_by_year(lines, rates_, price_base=2018, pay_awards=pay_awards, last_year=last)
    assert by_year[2018] == base
    assert sorted(by_year) == list(range(2018, last + 1))
    for year, figures in by_year.items():
        uplift = pay_uplift(pay_awards, price_base=2018, year=year)
        # The same posts at the year's pay: the FTE do not move, the cost moves with the pay awards only.
        assert figures.fte_saved == base.fte_saved
        unrounded = sum(
            (
                (
                    p.annual_salary_pence * p.fte
                    if p.side is PostSide.BEFORE
                    else -p.annual_salary_pence * p.fte
                )
                for p in lines
                if p.in_scope
            ),
            Decimal(0),
        )
        assert abs(figures.saving_pence - unrounded * rates_.multiplier * uplift) <= 1


@given(st.lists(awards, min_size=2, max_size=8), st.integers(min_value=1, max_value=7))
def test_pay_awards_compound_year_on_year(yearly: list[Decimal], middle: int) -> None:
    pay_awards = {2001 + index: award for index, award in enumerate(yearly)}
    last = 2000 + len(yearly)
    middle = min(2000 + middle, last)
    whole = pay_uplift(pay_awards, price_base=2000, year=last)
    with localcontext(prec=500):
        in_two = pay_uplift(pay_awards, price_base=2000, year=middle) * pay_uplift(
            pay_awards, price_base=middle, year=last
        )
    assert whole == in_two
    assert pay_uplift(pay_awards, price_base=2000, year=2000) == 1


def test_a_year_before_the_price_base_is_refused() -> None:
    with pytest.raises(ValueError, match="price base"):
        pay_uplift({}, price_base=2019, year=2018)


def test_a_worked_register() -> None:
    rates_ = OnCosts(employer_ni_pct=Decimal("9.00"), pension_pct=Decimal("16.00"))
    lines = [
        Post(PostSide.BEFORE, 2_882_280, Decimal("150.00"), True),
        Post(PostSide.AFTER, 2_882_280, Decimal("100.00"), True),
        Post(PostSide.BEFORE, 2_000_000, Decimal("27.30"), True),
        Post(PostSide.BEFORE, 3_000_000, Decimal("12.00"), False),
        Post(PostSide.AFTER, 3_000_000, Decimal("12.00"), False),
    ]
    figures = like_for_like(lines, rates_)
    assert figures.fte_saved == Decimal("77.30")
    assert figures.saving_pence == 248_392_500
    # The 12 grant-funded FTE kept through the change are 12 posts, not 24: counted once on each side.
    assert (figures.out_of_scope_fte_before, figures.out_of_scope_fte_after) == (Decimal(12), Decimal(12))
    assert like_for_like(lines, rates_, uplift=Decimal("1.02")).saving_pence == 253_360_350


def test_bad_lines_are_refused_in_plain_words() -> None:
    errors = validate_post(side="during", title="", grade="", annual_salary_pence=0, fte=Decimal("0.005"))
    assert set(errors) == {"side", "title", "grade", "annual_salary_pence", "fte"}
    assert (
        validate_post(
            side="before",
            title="Case officer",
            grade="SCP 22",
            annual_salary_pence=2_800_000,
            fte=Decimal("1.5"),
        )
        == {}
    )
    assert set(
        validate_on_costs(price_base_year=None, employer_ni_pct=Decimal(-1), pension_pct=Decimal("NaN"))
    ) == {
        "price_base_year",
        "employer_ni_pct",
        "pension_pct",
    }
    assert set(validate_pay_award(financial_year=2018, pay_award_pct=Decimal(60), price_base_year=2018)) == {
        "financial_year",
        "pay_award_pct",
    }
