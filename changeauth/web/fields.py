"""Form fields for numbers people type: money (held as integer pence) and plain decimals such as
percentages. Both keep exactly what was typed when it is refused, with a message saying why."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from wtforms import StringField

from changeauth.domain.money import MoneyError, format_money, parse_money

# ASCII digits only: Decimal would also accept other scripts' digits, "NaN", "Infinity" and exponents.
_DECIMAL_RE = re.compile(r"(?P<sign>[-\u2212])?(?P<whole>[0-9]+)?(?:\.(?P<frac>[0-9]+))?")


class MoneyField(StringField):
    """An amount in pounds, such as ``1234``, ``1,234.50`` or ``£1,234.50``; ``data`` is integer pence.

    A blank box gives ``None`` (add ``InputRequired`` to demand an amount). A refused amount gives
    the message from ``parse_money`` (no NaN, Infinity, exponents, three decimals, or anything over
    the maximum), and the box shows what was typed. A stored amount is shown as ``7,448,155`` or
    ``1,234.50``; the template puts the £ before the box.
    """

    def __init__(
        self, label: str | None = None, validators: Any = None, *, allow_negative: bool = False, **kwargs: Any
    ):
        super().__init__(label, validators, **kwargs)
        self.allow_negative = allow_negative

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0])
        if not text.strip():
            self.data = None
            return
        try:
            self.data = parse_money(text, allow_negative=self.allow_negative)
        except MoneyError as error:
            self.data = None
            raise ValueError(error.message) from error

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None or self.data == "":
            return ""
        return format_money(int(self.data)).replace("£", "")


class DecimalTextField(StringField):
    """A plain decimal number (``3.5``, ``-2.5``) with at most ``places`` decimal places.

    Only ASCII digits, one point and (when allowed) a leading minus are accepted, so ``NaN``,
    ``Infinity`` and ``1E+999`` are refused. ``suffix`` (such as ``%``) may be typed after the number.
    Ranges are the service's business; this field checks only that a number was typed.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        places: int,
        allow_negative: bool = False,
        suffix: str = "",
        example: str = "3.5",
        **kwargs: Any,
    ):
        super().__init__(label, validators, **kwargs)
        self.places = places
        self.allow_negative = allow_negative
        self.suffix = suffix
        self.example = example

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        if self.suffix and text.endswith(self.suffix):
            text = text.removesuffix(self.suffix).rstrip()
        if not text:
            self.data = None
            return
        self.data = None
        match = _DECIMAL_RE.fullmatch(text)
        if match is None or not (match["whole"] or match["frac"]):
            raise ValueError(f"Enter a number, for example {self.example}.")
        if match["sign"] and not self.allow_negative:
            raise ValueError("Enter a number of 0 or more.")
        if match["frac"] and len(match["frac"]) > self.places:
            plural = "place" if self.places == 1 else "places"
            raise ValueError(f"Enter the number with no more than {self.places} decimal {plural}.")
        value = Decimal(f"{match['whole'] or '0'}.{match['frac'] or '0'}")
        self.data = -value if match["sign"] else value

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None or self.data == "":
            return ""
        return f"{Decimal(self.data).normalize():f}"
