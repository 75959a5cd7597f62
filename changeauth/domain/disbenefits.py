"""Dis-benefits (docs/benefits-and-resources.md#dis-benefits): the consequences of a change that a
stakeholder sees as negative and that the council accepts as part of the cost of its benefits, such as
customers left behind by channel shift, or the experience lost when posts go early (Managing Benefits;
the IPA's *Guide for Effective Benefits Management*). A dis-benefit is expected, where a risk is
uncertain, so it is recorded, owned and mitigated like a benefit, and shown against the benefits it
offsets.

A dis-benefit may carry a value in pounds a year. Only a *cashable* one (money the council loses or no
longer earns) comes off the net saving by financial year, as only cashable savings count towards it
(``domain.savings.DisbenefitLine``); a non-cashable value is shown beside the figures, as a
non-cashable benefit is. A dis-benefit with no value, such as digital exclusion, is managed beside the
figures and never priced into them. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from changeauth.domain.dates import range_errors
from changeauth.domain.savings import DisbenefitLine

__all__ = [
    "AFFECTED_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "TITLE_MIN",
    "DisbenefitDetails",
    "DisbenefitMoney",
    "DisbenefitStatus",
    "counts_in_net",
    "money_line",
    "validate_details",
]

TITLE_MIN, TITLE_MAX = 3, 200
AFFECTED_MAX = 300
TEXT_MAX = 5_000


class DisbenefitMoney(StrEnum):
    """The kind of money a dis-benefit in money is, as for a benefit's class (``CashClass``): cashable
    (money the council loses or no longer earns) or non-cashable. One that is not money has none."""

    CASHABLE = "cashable"
    NON_CASHABLE = "non_cashable"


class DisbenefitStatus(StrEnum):
    """Where the management of a dis-benefit stands: still open, mitigated (the mitigation is working), or
    closed (it no longer needs managing). The status never changes the figures: a money dis-benefit
    costs from its start to its end date."""

    OPEN = "open"
    MITIGATED = "mitigated"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {"open": "Open", "mitigated": "Mitigated", "closed": "Closed"}[self.value]


@dataclass(frozen=True)
class DisbenefitDetails:
    """What a person records about a dis-benefit: the form and the API both build one. Money is pence a
    year; ``cash_class`` and ``starts_on`` go with it (``None`` when the dis-benefit is not money)."""

    title: str
    description: str
    affected: str
    owner_id: int | None
    mitigation: str
    status: str = DisbenefitStatus.OPEN.value
    offsets: tuple[int, ...] = field(default=())
    annual_value_pence: int | None = None
    cash_class: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None

    @property
    def is_money(self) -> bool:
        return self.annual_value_pence is not None


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _text(errors: dict[str, list[str]], name: str, value: str, what: str, maximum: int) -> None:
    if not value.strip():
        _add(errors, name, f"Enter {what}.")
    elif len(value) > maximum:
        _add(errors, name, f"Keep {what} to {maximum:,} characters or fewer.")


def validate_details(details: DisbenefitDetails) -> dict[str, list[str]]:
    """Every problem with ``details``, by field, in plain words (empty when it may be recorded)."""
    errors: dict[str, list[str]] = {}
    title = details.title.strip()
    if len(title) < TITLE_MIN:
        _add(errors, "title", f"Enter a title of at least {TITLE_MIN} characters.")
    elif len(title) > TITLE_MAX:
        _add(errors, "title", f"Keep the title to {TITLE_MAX} characters or fewer.")
    _text(errors, "description", details.description, "what the dis-benefit is", TEXT_MAX)
    _text(errors, "affected", details.affected, "who is affected", AFFECTED_MAX)
    _text(errors, "mitigation", details.mitigation, "how it is mitigated", TEXT_MAX)
    if details.owner_id is None:
        _add(errors, "owner_id", "Choose who owns the dis-benefit.")
    if details.status not in {s.value for s in DisbenefitStatus}:
        _add(errors, "status", "Choose open, mitigated or closed.")
    if details.annual_value_pence is None:
        if details.cash_class is not None:
            _add(errors, "annual_value_pence", "Enter the value a year, or say it is not money.")
        if details.starts_on is not None or details.ends_on is not None:
            _add(errors, "starts_on", "Dates are only for a dis-benefit in money: enter its value a year.")
        return errors
    if details.annual_value_pence <= 0:
        _add(errors, "annual_value_pence", "Enter the value a year as an amount above £0.")
    if details.cash_class not in {c.value for c in DisbenefitMoney}:
        _add(errors, "cash_class", "Say whether the money is cashable or non-cashable.")
    if details.starts_on is None:
        _add(errors, "starts_on", "Enter the date the dis-benefit starts to cost.")
    for name, messages in range_errors(starts_on=details.starts_on, ends_on=details.ends_on).items():
        errors.setdefault(name, []).extend(messages)
    if details.ends_on is not None and details.starts_on is not None and details.ends_on < details.starts_on:
        _add(errors, "ends_on", "The end date must be on or after the start date.")
    return errors


def counts_in_net(*, annual_value_pence: int | None, cash_class: str | None) -> bool:
    """A dis-benefit comes off the net saving only when it is cashable money."""
    return annual_value_pence is not None and cash_class == DisbenefitMoney.CASHABLE.value


def money_line(
    *, annual_value_pence: int | None, cash_class: str | None, starts_on: date | None, ends_on: date | None
) -> DisbenefitLine | None:
    """The ``domain.savings`` line a dis-benefit adds to the net figures, or None when it adds nothing."""
    if not counts_in_net(annual_value_pence=annual_value_pence, cash_class=cash_class) or starts_on is None:
        return None
    assert annual_value_pence is not None
    return DisbenefitLine(annual_cost_pence=annual_value_pence, start=starts_on, stop=ends_on)
