"""Reading an ideas spreadsheet (CSV or XLSX) into rows, and writing the template to fill in.

A workbook is bounded before it is parsed: its unpacked size and number of parts (a small zip can
unpack to gigabytes), the rows its sheet claims (a 1.6 KB file can claim millions), and, while reading,
the rows and columns read and the time taken. Callers parse outside any write transaction.

The file is read as a stream (csv for CSV, openpyxl's read-only mode for XLSX) and reading stops one
row past the limit, so a file of 100,000 rows costs no more than one of 10,001. Every problem with the
file itself is reported in words; nothing here raises for bad input.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

from changeauth.domain.idea_import import (
    COLUMNS,
    FIRST_DATA_ROW,
    MAX_BYTES,
    MAX_ROWS,
    IdeaRow,
    ImportReport,
    heading_of,
    map_headers,
)
from changeauth.reporting.exports import csv_stream, xlsx_bytes

CSV = "csv"
XLSX = "xlsx"
MAX_COLUMNS = 50  # more than enough for the template; bounds what a hostile file can make us read
# Ideas plus the heading and room for blank rows between them; a sheet reaching past this is refused.
MAX_SHEET_ROWS = 2 * MAX_ROWS + 1
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_PARTS = 200
MAX_SECONDS = 10.0


class FileTooBig(ValueError):
    """The file is bigger, or would take longer, than an import allows (the message says how)."""


_ZIP_MAGIC = b"PK\x03\x04"
MIB = 1024 * 1024

TEMPLATE_COLUMNS = [(name, heading) for name, heading, _required, _hint in COLUMNS]
TEMPLATE_EXAMPLE = {
    "title": "Book bulky waste collections online",
    "problem": "Residents phone to book bulky waste collections and wait on hold at busy times.",
    "proposal": "Let residents book and pay online, with a confirmation email.",
    "expected_effect": "Fewer calls and quicker bookings.",
    "benefit_drivers": "channel_shift; customer_enablement",
    "team": "",
    "anonymous": "No",
}


def template(fmt: str) -> bytes:
    """The template with its headings and one example row to overwrite."""
    if fmt == CSV:
        return "".join(csv_stream(TEMPLATE_COLUMNS, [TEMPLATE_EXAMPLE])).encode("utf-8-sig")
    return xlsx_bytes(TEMPLATE_COLUMNS, [TEMPLATE_EXAMPLE], sheet="Ideas")


@dataclass(frozen=True)
class ParsedFile:
    rows: list[IdeaRow]
    report: ImportReport


def _format_of(filename: str, data: bytes) -> str | None:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == XLSX and data.startswith(_ZIP_MAGIC):
        return XLSX
    if extension == CSV and b"\x00" not in data[:8192] and not data.startswith(_ZIP_MAGIC):
        return CSV
    return None


def _decode(data: bytes) -> str | None:
    # Excel saves "CSV UTF-8" with a byte-order mark and plain "CSV" in Windows-1252.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    if text is None:
        raise ValueError("it is not text in UTF-8 or Windows-1252")
    for row in csv.reader(io.StringIO(text, newline="")):
        yield list(row[:MAX_COLUMNS])


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_package(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        parts = package.infolist()
        if len(parts) > MAX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
            raise FileTooBig(
                f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // MIB} MiB; save the ideas alone "
                "in a new workbook"
            )


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    _check_package(data)
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        claimed = sheet.max_row or 0  # from the sheet's own dimension, read without parsing the rows
        if claimed > MAX_SHEET_ROWS:
            raise FileTooBig(
                f"its first sheet says it has {claimed:,} rows; an import reads at most {MAX_SHEET_ROWS:,}"
            )
        # max_row also stops openpyxl from padding to a row number the file names further down.
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=MAX_SHEET_ROWS + 1, values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def _bounded(rows: Iterator[list[str]], *, clock: Callable[[], float]) -> Iterator[list[str]]:
    """The rows, refusing a sheet that reaches past ``MAX_SHEET_ROWS`` or takes longer than
    ``MAX_SECONDS`` to read (whatever its claims said)."""
    deadline = clock() + MAX_SECONDS
    for number, row in enumerate(rows, start=1):
        if number > MAX_SHEET_ROWS:
            raise FileTooBig(f"it has rows past row {MAX_SHEET_ROWS:,}; an import reads no further")
        if clock() > deadline:
            raise FileTooBig(f"reading it took longer than {MAX_SECONDS:.0f} seconds")
        yield row


def _value(row: Sequence[str], position: int) -> str:
    return row[position].strip() if position < len(row) else ""


def read_ideas(filename: str, data: bytes, *, clock: Callable[[], float] = time.monotonic) -> ParsedFile:
    """The file's rows by spreadsheet row number, or a report of what is wrong with the file."""
    report = ImportReport()
    if len(data) > MAX_BYTES:
        report.file_errors.append(
            f"The file is {len(data) / MIB:.1f} MiB; it must be {MAX_BYTES // MIB} MiB or smaller."
        )
        return ParsedFile([], report)
    if not data.strip():
        report.file_errors.append("The file is empty.")
        return ParsedFile([], report)
    fmt = _format_of(filename, data)
    if fmt is None:
        report.file_errors.append("The file must be a CSV file (.csv) or an Excel workbook (.xlsx).")
        return ParsedFile([], report)
    rows: list[IdeaRow] = []
    try:
        source = _bounded(_csv_rows(data) if fmt == CSV else _xlsx_rows(data), clock=clock)
        headings = next(source, None)
        if headings is None:
            report.file_errors.append("The file has no heading row.")
            return ParsedFile([], report)
        mapping = map_headers(headings)
        report.ignored_columns = list(mapping.ignored)
        if mapping.missing:
            names = ", ".join(heading_of(name) for name in mapping.missing)
            report.file_errors.append(
                f"The heading row must have these columns: {names}. Download the template to see them all."
            )
        if mapping.duplicated:
            names = ", ".join(heading_of(name) for name in mapping.duplicated)
            report.file_errors.append(f"These columns appear more than once: {names}.")
        if report.file_errors:
            return ParsedFile([], report)
        for number, row in enumerate(source, start=FIRST_DATA_ROW):
            values = {name: _value(row, position) for name, position in mapping.columns.items()}
            if not any(values.values()):
                continue  # blank rows between ideas are not mistakes
            if len(rows) == MAX_ROWS:
                report.file_errors.append(
                    f"The file has more than {MAX_ROWS:,} ideas. "
                    f"Split it into files of {MAX_ROWS:,} or fewer."
                )
                return ParsedFile([], report)
            rows.append(IdeaRow(number=number, values=values))
    except FileTooBig as error:
        report.file_errors.append(f"The file is too big to import: {error}.")
        return ParsedFile([], report)
    except (ValueError, csv.Error, zipfile.BadZipFile, KeyError, OSError, EOFError) as error:
        kind = "a CSV file" if fmt == CSV else "an Excel workbook"
        report.file_errors.append(f"The file could not be read as {kind}: {error}.")
        return ParsedFile([], report)
    if not rows:
        report.file_errors.append("The file has headings but no ideas.")
    report.rows = len(rows)
    return ParsedFile(rows, report)
