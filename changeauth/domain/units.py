"""The units a benefit is measured in.

A benefit's unit is chosen from a short list; anything else is an "other" unit with a label of its own,
such as "calls per month". The unit is stored as text: the code of a listed unit (``GBP``, ``count``,
``%``, ``hours``, ``days``, ``FTE``) or the label of an other unit. Money is only ever ``GBP``: every money
total adds up benefits in ``GBP``, so a label that names money ("£", "pounds", "gbp") is refused rather
than stored, where it would silently drop the saving from every total. See
docs/benefits-and-resources.md.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

UNIT_MAX = 40


class Unit(StrEnum):
    MONEY = "GBP"
    COUNT = "count"
    PERCENTAGE = "%"
    HOURS = "hours"
    DAYS = "days"
    FTE = "FTE"
    OTHER = "other"


UNIT_LABELS = {
    Unit.MONEY: "Money, in pounds (£)",
    Unit.COUNT: "A count (for example calls, cases or visits)",
    Unit.PERCENTAGE: "A percentage (%)",
    Unit.HOURS: "Hours",
    Unit.DAYS: "Days",
    Unit.FTE: "Full-time equivalent posts (FTE)",
    Unit.OTHER: "Something else",
}

# The listed units by their stored code (everything but OTHER, which stores its label).
LISTED = {unit.value: unit for unit in Unit if unit is not Unit.OTHER}

# Words and signs that mean money. "p" alone is left out: "p" is too short to be sure of.
_MONEY = re.compile(
    r"[£$€]|\b(?:gbp|pounds?|pence|sterling|money|cash|eur|euros?|usd|dollars?)\b|^\s*k\s*$",
    re.IGNORECASE,
)


def unit_kind(stored: str) -> Unit:
    """The kind of a stored unit: a listed unit, or OTHER for a label of its own."""
    return LISTED.get(stored.strip(), Unit.OTHER)


def stored_unit(kind: str | None, other_label: str | None) -> str:
    """What to store for a choice from the list, or for "something else" with its label."""
    if kind == Unit.OTHER.value:
        return (other_label or "").strip()
    return (kind or "").strip()


def unit_error(stored: str | None) -> str | None:
    """Why a unit cannot be stored, or None when it can."""
    text = (stored or "").strip()
    if not text or text == Unit.OTHER.value:
        return "Choose the unit the benefit is measured in, or name it under ‘Something else’."
    if text in LISTED:
        return None
    if len(text) > UNIT_MAX:
        return f"Keep the name of the unit to {UNIT_MAX} characters or fewer."
    if _MONEY.search(text):
        return "For money, choose ‘Money, in pounds (£)’, so that the benefit counts in every money total."
    return None


def is_money(stored: str) -> bool:
    return stored.strip() == Unit.MONEY.value


def describe(value: Decimal, stored: str, number: str) -> str:
    """A formatted number with its unit, as a person reads it: 35%, 1,250 hours, 3.5 FTE, 1,250 calls.

    ``number`` is ``value`` already formatted; money is formatted by the caller and never reaches here.
    """
    kind = unit_kind(stored)
    if kind is Unit.PERCENTAGE:
        return f"{number}%"
    if is_percentage(stored):  # a named percentage: "86% of target efficiency", "80.5% online"
        return f"{number}{stored.strip()}"
    if kind is Unit.COUNT:
        return number
    if kind in (Unit.HOURS, Unit.DAYS):
        singular = kind.value.removesuffix("s")
        return f"{number} {singular if value == 1 else kind.value}"
    return f"{number} {stored.strip()}"


def is_percentage(stored: str) -> bool:
    """A percentage, listed ("%") or named ("% online", "% of developments")."""
    return unit_kind(stored) is Unit.PERCENTAGE or stored.strip().startswith("%")


def describe_change(value: Decimal, stored: str, number: str, *, from_nothing: bool = False) -> str:
    """A difference between two values in the unit: as ``describe``, except that a change in a
    percentage is in percentage points (73% to 80.5% is 7.5 percentage points, not 7.5%). A percentage
    counted from nothing (``from_nothing``: a baseline of 0%, such as a driver's efficiency achieved) has
    realised the percentage itself, shown as one: "86%", never "86 percentage points"."""
    if is_percentage(stored) and not from_nothing:
        return f"{number} percentage {'point' if abs(value) == 1 else 'points'}"
    return describe(value, stored, number)


def phrase(stored: str) -> str:
    """How a value is measured, to follow a verb: "in pounds", "as a percentage", "in calls per month"."""
    kind = unit_kind(stored)
    return {
        Unit.MONEY: "in pounds",
        Unit.COUNT: "as a count",
        Unit.PERCENTAGE: "as a percentage",
        Unit.HOURS: "in hours",
        Unit.DAYS: "in days",
        Unit.FTE: "in full-time equivalent posts",
    }.get(kind, f"in {stored.strip()}")
