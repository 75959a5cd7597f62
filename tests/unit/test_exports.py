"""Exports neutralise formula triggers (OUT-09), quote per RFC 4180, and write typed XLSX cells."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from changeauth.reporting.exports import csv_stream, neutralise, xlsx_bytes

COLUMNS = [("name", "Name"), ("amount", "Amount"), ("on", "On")]


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx"])
def test_formula_triggers_are_prefixed(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["plain", "IMP-2026-0001", 5, -3, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert neutralise(value) == value


def test_csv_round_trips_with_quoting_and_neutralising() -> None:
    rows = [
        {"name": 'Says "hello", twice', "amount": 12, "on": date(2026, 11, 29)},
        {"name": "=HYPERLINK(1)"},
    ]
    text = "".join(csv_stream(COLUMNS, rows))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [
        ["Name", "Amount", "On"],
        ['Says "hello", twice', "12", "2026-11-29"],
        ["'=HYPERLINK(1)", "", ""],
    ]


def test_xlsx_round_trips_with_types() -> None:
    rows = [{"name": "-risky", "amount": 1500, "on": date(2026, 11, 29)}]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(COLUMNS, rows, sheet="Register"))).active
    assert [cell.value for cell in sheet[1]] == ["Name", "Amount", "On"]
    name, amount, on = (cell.value for cell in sheet[2])
    assert name == "'-risky" and amount == 1500 and on.date() == date(2026, 11, 29)
