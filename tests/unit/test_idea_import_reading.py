"""Reading an ideas spreadsheet: headers matched whatever their case and spacing, row numbers as the
spreadsheet shows them, and every kind of bad file reported in words, never raised."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import openpyxl
import pytest

from changeauth.domain.idea_import import MAX_BYTES, MAX_ROWS, map_headers, normalise_heading, parse_yes_no
from changeauth.reporting.imports import MAX_SHEET_ROWS, MAX_UNPACKED_BYTES, read_ideas, template

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


# --- a workbook is bounded before it is parsed (issue 18, finding 6) --------------------------------------

IDEA_ROW = ["Bins online", "Calls", "A form", "channel_shift"]


def _rewrite_sheet(data: bytes, change: Callable[[str], str]) -> bytes:
    """The same workbook with its first sheet's XML changed (as a hostile file would be made)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()


def _ticking_clock(step: float) -> Callable[[], float]:
    """A clock that moves ``step`` seconds each time it is read: no real time passes in the test."""
    now = [0.0]

    def read() -> float:
        now[0] += step
        return now[0]

    return read


def test_a_workbook_claiming_millions_of_rows_is_refused_before_its_rows_are_read() -> None:
    honest = _xlsx([["Title", "Problem", "Proposal", "Benefit drivers"], IDEA_ROW])
    hostile = _rewrite_sheet(
        honest, lambda xml: re.sub(r'<dimension ref="[^"]+"', '<dimension ref="A1:D5000000"', xml)
    )
    assert len(hostile) < 10_000
    clock = _ticking_clock(0.001)
    parsed = read_ideas("ideas.xlsx", hostile, clock=clock)
    assert parsed.rows == []
    assert parsed.report.file_errors == [
        "The file is too big to import: its first sheet says it has 5,000,000 rows; an import reads at most "
        f"{MAX_SHEET_ROWS:,}."
    ]


def test_a_row_numbered_far_down_is_refused_at_the_row_limit() -> None:
    honest = _xlsx([["Title", "Problem", "Proposal", "Benefit drivers"], IDEA_ROW])

    def far_row(xml: str) -> str:
        xml = re.sub(r"<dimension[^>]*/>", "", xml)
        return xml.replace(
            "</sheetData>",
            '<row r="3000000"><c r="A3000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        )

    reads = [0]
    clock = _ticking_clock(0.0)

    def counting() -> float:
        reads[0] += 1
        return clock()

    parsed = read_ideas("ideas.xlsx", _rewrite_sheet(honest, far_row), clock=counting)
    assert parsed.report.file_errors == [
        f"The file is too big to import: it has rows past row {MAX_SHEET_ROWS:,}; an import reads no further."
    ]
    assert reads[0] <= MAX_SHEET_ROWS + 2  # one look at the clock per row read, and no row past the limit


def test_reading_stops_when_it_takes_too_long() -> None:
    data = _xlsx([["Title", "Problem", "Proposal", "Benefit drivers"], *[IDEA_ROW] * 50])
    parsed = read_ideas("ideas.xlsx", data, clock=_ticking_clock(1.0))
    assert parsed.report.file_errors == [
        "The file is too big to import: reading it took longer than 10 seconds."
    ]


def test_a_workbook_that_unpacks_to_too_much_is_refused_unparsed() -> None:
    honest = _xlsx([["Title", "Problem", "Proposal", "Benefit drivers"], IDEA_ROW])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(honest)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (MAX_UNPACKED_BYTES + 1))
    bomb = out.getvalue()
    assert len(bomb) < MAX_BYTES
    parsed = read_ideas("ideas.xlsx", bomb)
    assert parsed.report.file_errors and "unpacks to more than 64 MiB" in parsed.report.file_errors[0]
