"""Money input and display for council figures.

All money in changeauth is held as integer pence. This module turns what an
officer types into pence (strictly, with plain-English errors) and turns pence
back into the text shown on screens and in reports.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["MAX_PENCE", "MoneyError", "format_money", "parse_money"]

MAX_PENCE = 100_000_000_000  # £1,000,000,000: the sanest ceiling for one council figure

_MINUS_SIGNS = "-\u2212"  # hyphen-minus, and the Unicode minus that pastes in from Word and Excel

# Thousands separators are all-or-nothing: either plain digits, or groups of
# exactly three after a first group of one to three (which must not start with 0).
# [0-9] rather than \d, because \d also matches non-ASCII digits that Decimal would accept.
_MONEY_RE = re.compile(
    r"""
    (?P<sign>[-\u2212])?
    \s*
    £?
    \s*
    (?:
        (?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?
      | \.(?P<frac_only>[0-9]{1,2})
    )
    """,
    re.VERBOSE,
)

_EXAMPLE = "for example £1,234.50"


class MoneyError(ValueError):
    """An amount of money could not be accepted; ``message`` is written for the officer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_money(text: str, *, allow_negative: bool = False) -> int:
    """Parse an amount typed by an officer into integer pence.

    Accepts forms such as ``1234``, ``1,234.50``, ``£1,234.50`` and ``1234.5``
    (one decimal place means tens of pence), with surrounding spaces. A leading
    minus sign is accepted only when ``allow_negative`` is true. Exponents,
    ``NaN``/``Infinity``, more than two decimal places, badly placed commas and
    amounts beyond ``MAX_PENCE`` are rejected.

    Raises:
        MoneyError: with a message suitable for showing next to the form field.
    """
    stripped = text.strip()
    if not stripped:
        raise MoneyError(f"Enter an amount in pounds, {_EXAMPLE}.")

    match = _MONEY_RE.fullmatch(stripped)
    if match is None:
        raise MoneyError(_explain_rejection(stripped))

    negative = match["sign"] is not None
    if negative and not allow_negative:
        raise MoneyError("Enter an amount of £0 or more.")

    whole = (match["whole"] or "0").replace(",", "")
    frac = match["frac"] or match["frac_only"] or "0"
    pounds = Decimal(f"{whole}.{frac}")
    if pounds * 100 > MAX_PENCE:
        if allow_negative:
            raise MoneyError("Enter an amount between -£1,000,000,000 and £1,000,000,000.")
        raise MoneyError("Enter an amount of £1,000,000,000 or less.")

    pence = int(pounds * 100)
    return -pence if negative else pence


def _explain_rejection(text: str) -> str:
    """Say, as specifically as we can, why ``text`` is not an amount of money."""
    if text.count("£") > 1:
        return f"Enter the amount with only one £ sign, {_EXAMPLE}."
    body = text.lstrip(_MINUS_SIGNS).lstrip().lstrip("£").strip()
    if re.fullmatch(r"[0-9,]*\.[0-9]{3,}", body):
        return "Enter the amount to the nearest penny, with no more than 2 decimal places."
    if re.fullmatch(r"[0-9,]+(?:\.[0-9]{1,2})?", body) and "," in body:
        return "Check the commas in the amount: they should separate thousands, for example £1,234,567."
    return f"Enter the amount using numbers only, {_EXAMPLE}."


def format_money(pence: int, *, show_pence: bool | None = None) -> str:
    """Format integer pence for display, such as ``£2,483,925`` or ``-£1,234.50``.

    With ``show_pence`` left as ``None``, pence are shown only when the amount
    is not a whole number of pounds. ``True`` always shows them; ``False``
    rounds to the nearest pound (halves away from zero). Negative amounts use
    a hyphen-minus before the pound sign.
    """
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise TypeError("format_money expects integer pence")

    sign = "-" if pence < 0 else ""
    magnitude = abs(pence)
    if show_pence is None:
        show_pence = magnitude % 100 != 0

    if show_pence:
        pounds, remainder = divmod(magnitude, 100)
        return f"{sign}£{pounds:,}.{remainder:02d}"

    pounds = int((Decimal(magnitude) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if pounds == 0:
        sign = ""  # "-£0" would read as a debt of nothing
    return f"{sign}£{pounds:,}"
