"""CSV and XLSX exports. Cells that a spreadsheet would run as a formula are neutralised (OUT-09), CSV
streams row by row, and XLSX is written in constant-memory mode so large exports stay small in memory.

Every download goes the same way: the rows come from ``reporting/datasets.py`` (a lazy generator), and
``export()`` turns them into a ``Download`` that ``web/downloads.py`` sends, streaming a CSV as it is
written."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A leading = + - @ (or tab / carriage return) makes Excel and LibreOffice treat text as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would execute with an apostrophe; numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(value))


def csv_stream(columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Yield an RFC 4180 CSV (header first), one row at a time. ``columns`` are (key, heading) pairs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow([neutralise(heading) for _key, heading in columns])
    yield flush()
    for row in rows:
        writer.writerow([_text(row.get(key)) for key, _heading in columns])
        yield flush()


def xlsx_bytes(
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Mapping[str, Any]],
    *,
    sheet: str = "Export",
    title: str = "",
) -> bytes:
    """A one-sheet workbook with a bold header row; text neutralised, numbers and dates typed."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {"constant_memory": True, "in_memory": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    worksheet = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "d mmmm yyyy"})
    start = 0
    if title:
        worksheet.write_string(0, 0, str(neutralise(title)), bold)
        start = 2
    for col, (_key, heading) in enumerate(columns):
        worksheet.write_string(start, col, str(neutralise(heading)), bold)
    for row_number, row in enumerate(rows, start=start + 1):
        for col, (key, _heading) in enumerate(columns):
            value = row.get(key)
            if value is None:
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(row_number, col, value)
            elif isinstance(value, int | float | Decimal):
                worksheet.write_number(row_number, col, float(value))
            elif isinstance(value, datetime):
                worksheet.write_datetime(row_number, col, value.replace(tzinfo=None), date_format)
            elif isinstance(value, date):
                worksheet.write_datetime(
                    row_number, col, datetime(value.year, value.month, value.day), date_format
                )
            else:
                worksheet.write_string(row_number, col, str(neutralise(value)))
    workbook.close()
    return output.getvalue()


@dataclass(frozen=True)
class Download:
    """A file to send: its name, its media type, and its body (text chunks to stream, or bytes)."""

    filename: str
    mimetype: str
    body: Iterator[str] | bytes


def export(
    fmt: str,
    name: str,
    columns: Sequence[tuple[str, str]],
    rows: Iterable[Mapping[str, Any]],
    *,
    on: date | None = None,
    sheet: str = "",
    title: str = "",
) -> Download:
    """``rows`` as CSV (streamed: nothing is read until the first chunk is sent) or XLSX (one sheet, named
    ``sheet`` or after the file), in a file called ``name``, followed by the date ``on`` when given."""
    filename = f"{name}-{on.isoformat()}.{fmt}" if on else f"{name}.{fmt}"
    if fmt == "csv":
        return Download(filename, CSV, csv_stream(columns, rows))
    sheet = sheet or name.replace("-", " ").capitalize()
    return Download(filename, XLSX, xlsx_bytes(columns, rows, sheet=sheet, title=title))
