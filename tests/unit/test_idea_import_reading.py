"""Reading an ideas spreadsheet: headers matched whatever their case and spacing, row numbers as the
spreadsheet shows them, and every kind of bad file reported in words, never raised."""

from __future__ import annotations

import io

import openpyxl
import pytest

from changeauth.domain.idea_import import MAX_BYTES, MAX_ROWS, map_headers, normalise_heading, parse_yes_no
from changeauth.reporting.imports import read_ideas, template

HEADER = "Title,Problem,Proposal,Benefit drivers\r\n"


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_headings_match_whatever_their_case_and_spacing() -> None:
    assert normalise_heading("  Benefit-Drivers ") == "benefit_drivers"
    mapping = map_headers([" TITLE", "problem ", "Proposal", "benefit   drivers", "Notes", "Team Code"])
    assert mapping.columns == {"title": 0, "problem": 1, "proposal": 2, "benefit_drivers": 3, "team": 5}
    assert mapping.ignored == ["Notes"] and mapping.missing == []


def test_missing_and_duplicated_headings() -> None:
    mapping = map_headers(["Title", "title", "Proposal"])
    assert mapping.missing == ["problem", "benefit_drivers"]
    assert mapping.duplicated == ["title"]


@pytest.mark.parametrize(("text", "expected"), [("Yes", True), (" y ", True), ("", False), ("No", False)])
def test_yes_no(text: str, expected: bool) -> None:
    assert parse_yes_no(text) is expected


def test_yes_no_rejects_anything_else() -> None:
    assert parse_yes_no("maybe") is None


def test_csv_rows_keep_spreadsheet_numbers_and_skip_blank_rows() -> None:
    data = (HEADER + "A title,P,Q,channel_shift\r\n,,,\r\nAnother,P,Q,remodelling\r\n").encode()
    parsed = read_ideas("ideas.csv", data)
    assert parsed.report.ok
    assert [row.number for row in parsed.rows] == [2, 4]
    assert parsed.rows[1].values["title"] == "Another"


def test_excel_csv_with_a_byte_order_mark_and_windows_1252() -> None:
    assert read_ideas("a.csv", ("\ufeff" + HEADER + "Café,P,Q,x\r\n").encode("utf-8")).rows[0].values[
        "title"
    ] == ("Café")
    assert read_ideas("a.csv", (HEADER + "Café £5,P,Q,x\r\n").encode("cp1252")).rows[0].values["title"] == (
        "Café £5"
    )


def test_xlsx_rows() -> None:
    data = _xlsx([["title", "PROBLEM", "proposal", "Drivers"], ["A", "P", "Q", "channel_shift"], [None] * 4])
    parsed = read_ideas("ideas.xlsx", data)
    assert parsed.report.ok and len(parsed.rows) == 1
    assert parsed.rows[0].values == {
        "title": "A",
        "problem": "P",
        "proposal": "Q",
        "benefit_drivers": "channel_shift",
    }


def test_the_templates_read_back_with_their_example_row() -> None:
    for fmt, name in (("csv", "t.csv"), ("xlsx", "t.xlsx")):
        parsed = read_ideas(name, template(fmt))
        assert parsed.report.ok, parsed.report.file_errors
        assert parsed.rows[0].values["benefit_drivers"] == "channel_shift; customer_enablement"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("ideas.pdf", b"%PDF-1.4 ...", "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
        ("ideas.xlsx", b"Title,Problem\r\n", "must be a CSV file"),  # text pretending to be a workbook
        ("ideas.csv", b"PK\x03\x04binary", "must be a CSV file"),  # a workbook named .csv
        ("ideas.csv", b"\x00\x01\x02", "must be a CSV file"),
        ("ideas.csv", b"", "The file is empty."),
        ("ideas.csv", b"Title,Problem\r\nA,B\r\n", "must have these columns: Proposal, Benefit drivers"),
        ("ideas.csv", HEADER.encode(), "has headings but no ideas"),
        ("ideas.xlsx", b"PK\x03\x04 not really a zip", "could not be read as an Excel workbook"),
        (
            "ideas.csv",
            b'Title,Problem,Proposal,Benefit drivers\r\n"' + b"x" * 200_000 + b'"\r\n',
            "could not",
        ),
    ],
)
def test_bad_files_are_reported_not_raised(name: str, data: bytes, message: str) -> None:
    parsed = read_ideas(name, data)
    assert parsed.rows == []
    assert any(message in error for error in parsed.report.file_errors), parsed.report.file_errors


def test_over_10_mib_is_refused_before_reading() -> None:
    parsed = read_ideas("big.csv", HEADER.encode() + b"x" * MAX_BYTES)
    assert parsed.rows == [] and "must be 10 MiB or smaller" in parsed.report.file_errors[0]


def test_100000_rows_are_refused() -> None:
    data = (HEADER + "A title,P,Q,channel_shift\r\n" * 100_000).encode()
    assert len(data) < MAX_BYTES
    parsed = read_ideas("many.csv", data)
    assert parsed.rows == []
    assert parsed.report.file_errors == [
        f"The file has more than {MAX_ROWS:,} ideas. Split it into files of {MAX_ROWS:,} or fewer."
    ]


def test_exactly_the_maximum_is_accepted() -> None:
    data = (HEADER + "A title,P,Q,channel_shift\r\n" * MAX_ROWS).encode()
    assert len(read_ideas("max.csv", data).rows) == MAX_ROWS
