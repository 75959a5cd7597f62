"""A staffing saving measured like for like: the posts before and after the change, priced at one price base
with the same on-costs, restated at a later year's pay when pay awards are made
(docs/benefits-and-resources.md#like-for-like-baseline-register).

The report's first like-for-like test (§3.2) is that the calculation keeps "NI and superannuation" the
same, the salary (SCP) points the same, "so reported savings have not been eroded by inflation", and the
roles in scope the same on both sides. Here:

- **Cost of a post** = full-time salary at the price base × FTE × (1 + employer's National Insurance %
  + employer's pension %) × the pay awards since the price base. The same rates apply to both sides.
- **Saving** = the in-scope posts' cost before − the in-scope posts' cost after. Out-of-scope posts are
  listed so the scope can be seen and checked, and count nothing.
- **Restated** at a financial year's pay = each year's pay award since the price base compounded
  (2.0 % then 1.75 % is × 1.02 × 1.0175), so a saving recorded at 2018/19 pay is compared with a
  budget at 2020/21 pay like for like, the HM Treasury Green Book's *real terms at a stated price base*.

Money is integer pence at the edges and ``Decimal`` inside; each side is rounded to the penny once (half
up) and the saving is their difference, so the figures on the page always add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from changeauth.domain.savings import FIRST_FINANCIAL_YEAR, LAST_FINANCIAL_YEAR

__all__ = [
    "FTE_MAX",
    "OnCosts",
    "Post",
    "PostSide",
    "StaffingFigures",
    "like_for_like",
    "pay_uplift",
    "restated_by_year",
    "validate_on_costs",
    "validate_pay_award",
    "validate_post",
]

FTE_MAX = Decimal(10_000)
SALARY_MAX_PENCE = 100_000_000  # £1,000,000 a year for one full-time post
RATE_MAX = Decimal(100)
PAY_AWARD_MIN, PAY_AWARD_MAX = Decimal(-20), Decimal(50)
TITLE_MIN, TITLE_MAX = 2, 200
GRADE_MAX = 60
_PENNY = Decimal(1)


class PostSide(StrEnum):
    BEFORE = "before"
    AFTER = "after"

    @property
    def label(self) -> str:
        return "Before the change" if self is PostSide.BEFORE else "After the change"


@dataclass(frozen=True)
class Post:
    """One line of the register: a post (or a group of identical posts) on one side of the change."""

    side: PostSide
    annual_salary_pence: int
    fte: Decimal
    in_scope: bool


@dataclass(frozen=True)
class OnCosts:
    """The employer's on-cost rates, in per cent of salary, the same for both sides."""

    employer_ni_pct: Decimal
    pension_pct: Decimal

    @property
    def multiplier(self) -> Decimal:
        return 1 + (self.employer_ni_pct + self.pension_pct) / 100


@dataclass(frozen=True)
class StaffingFigures:
    """The register's figures at one year's pay; money in pence."""

    fte_before: Decimal
    fte_after: Decimal
    cost_before_pence: int
    cost_after_pence: int
    out_of_scope_fte_before: Decimal
    out_of_scope_fte_after: Decimal

    @property
    def fte_saved(self) -> Decimal:
        return self.fte_before - self.fte_after

    @property
    def saving_pence(self) -> int:
        return self.cost_before_pence - self.cost_after_pence


def _pence(amount: Decimal) -> int:
    return int(amount.quantize(_PENNY, rounding=ROUND_HALF_UP))


def pay_uplift(pay_awards: Mapping[int, Decimal], *, price_base: int, year: int) -> Decimal:
    """The factor pay has risen by from the price base to ``year``: each financial year's award after the
    price base compounded; a year with no award recorded counts as no rise. ``year`` before the price
    base is refused (a price base is the earliest year the register is stated at)."""
    if year < price_base:
        raise ValueError("A register is restated only at its price base or a later year")
    # Exact: each factor has at most four decimal places, and a century of them fits in 500 digits.
    with localcontext(prec=500):
        factor = Decimal(1)
        for each in range(price_base + 1, year + 1):
            factor *= 1 + pay_awards.get(each, Decimal(0)) / 100
    return factor


def like_for_like(
    posts: Iterable[Post], on_costs: OnCosts, *, uplift: Decimal = Decimal(1)
) -> StaffingFigures:
    """The register's in-scope FTE and cost on each side, and so its saving, at the pay ``uplift`` gives."""
    fte = {PostSide.BEFORE: Decimal(0), PostSide.AFTER: Decimal(0)}
    cost = {PostSide.BEFORE: Decimal(0), PostSide.AFTER: Decimal(0)}
    # Out of scope by side: a post kept through the change is listed on both sides, and is one post.
    out_of_scope = {PostSide.BEFORE: Decimal(0), PostSide.AFTER: Decimal(0)}
    for post in posts:
        if not post.in_scope:
            out_of_scope[post.side] += post.fte
            continue
        fte[post.side] += post.fte
        cost[post.side] += post.annual_salary_pence * post.fte
    factor = on_costs.multiplier * uplift
    return StaffingFigures(
        fte_before=fte[PostSide.BEFORE],
        fte_after=fte[PostSide.AFTER],
        cost_before_pence=_pence(cost[PostSide.BEFORE] * factor),
        cost_after_pence=_pence(cost[PostSide.AFTER] * factor),
        out_of_scope_fte_before=out_of_scope[PostSide.BEFORE],
        out_of_scope_fte_after=out_of_scope[PostSide.AFTER],
    )


def restated_by_year(
    posts: Iterable[Post],
    on_costs: OnCosts,
    *,
    price_base: int,
    pay_awards: Mapping[int, Decimal],
    last_year: int,
) -> dict[int, StaffingFigures]:
    """The register at each financial year's pay from the price base to ``last_year`` (inclusive)."""
    lines = list(posts)
    return {
        year: like_for_like(lines, on_costs, uplift=pay_uplift(pay_awards, price_base=price_base, year=year))
        for year in range(price_base, max(price_base, last_year) + 1)
    }


# --- Validation (plain-English messages by field, as the services raise them) ---------------------------


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def validate_post(
    *,
    side: str | None,
    title: str | None,
    grade: str | None,
    annual_salary_pence: int | None,
    fte: Decimal | None,
) -> dict[str, list[str]]:
    """Check one line of the register; returns the problems by field (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    if side not in {s.value for s in PostSide}:
        _add(errors, "side", "Choose whether the post is from before or after the change.")
    if not TITLE_MIN <= len((title or "").strip()) <= TITLE_MAX:
        _add(errors, "title", f"Enter the post's title ({TITLE_MIN} to {TITLE_MAX} characters).")
    if not 1 <= len((grade or "").strip()) <= GRADE_MAX:
        _add(
            errors,
            "grade",
            f"Enter the grade or pay point, for example SCP 22 (up to {GRADE_MAX} characters).",
        )
    if annual_salary_pence is None or isinstance(annual_salary_pence, bool):
        _add(
            errors, "annual_salary_pence", "Enter the full-time annual salary in pounds, for example £28,000."
        )
    elif not 1 <= annual_salary_pence <= SALARY_MAX_PENCE:
        _add(errors, "annual_salary_pence", "Enter a full-time annual salary between 1p and £1,000,000.")
    if fte is None or not fte.is_finite():
        _add(errors, "fte", "Enter the full-time equivalent, for example 1 or 0.5.")
    elif not Decimal(0) < fte <= FTE_MAX:
        _add(errors, "fte", "Enter a full-time equivalent above 0 and no more than 10,000.")
    elif _places(fte) > 2:
        _add(errors, "fte", "Enter the full-time equivalent to no more than 2 decimal places.")
    return errors


def _rate_errors(errors: dict[str, list[str]], field: str, value: Decimal | None, what: str) -> None:
    if value is None or not value.is_finite():
        _add(errors, field, f"Enter the {what} rate as a percentage, for example 13.8.")
    elif not Decimal(0) <= value <= RATE_MAX:
        _add(errors, field, f"Enter the {what} rate between 0 and 100 per cent.")
    elif _places(value) > 2:
        _add(errors, field, f"Enter the {what} rate to no more than 2 decimal places.")


def validate_on_costs(
    *, price_base_year: int | None, employer_ni_pct: Decimal | None, pension_pct: Decimal | None
) -> dict[str, list[str]]:
    """Check the register's price base and on-cost rates."""
    errors: dict[str, list[str]] = {}
    if price_base_year is None or isinstance(price_base_year, bool):
        _add(errors, "price_base_year", "Choose the financial year whose pay the salaries are at.")
    elif not FIRST_FINANCIAL_YEAR <= price_base_year <= LAST_FINANCIAL_YEAR:
        _add(errors, "price_base_year", "Choose a financial year between 1990/91 and 2100/01.")
    _rate_errors(errors, "employer_ni_pct", employer_ni_pct, "employer's National Insurance")
    _rate_errors(errors, "pension_pct", pension_pct, "employer's pension")
    return errors


def validate_pay_award(
    *, financial_year: int | None, pay_award_pct: Decimal | None, price_base_year: int
) -> dict[str, list[str]]:
    """Check a pay award: a year after the register's price base, and a rise (or cut) within reason."""
    errors: dict[str, list[str]] = {}
    if financial_year is None or isinstance(financial_year, bool):
        _add(errors, "financial_year", "Choose the financial year of the pay award.")
    elif not price_base_year < financial_year <= LAST_FINANCIAL_YEAR:
        _add(
            errors,
            "financial_year",
            "Choose a financial year after the price base: the salaries already include its pay award.",
        )
    if pay_award_pct is None or not pay_award_pct.is_finite():
        _add(errors, "pay_award_pct", "Enter the pay award as a percentage, for example 2.75.")
    elif not PAY_AWARD_MIN <= pay_award_pct <= PAY_AWARD_MAX:
        _add(errors, "pay_award_pct", "Enter a pay award between -20 and 50 per cent.")
    elif _places(pay_award_pct) > 2:
        _add(errors, "pay_award_pct", "Enter the pay award to no more than 2 decimal places.")
    return errors
