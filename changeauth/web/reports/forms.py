"""The ideas import form: one spreadsheet, checked (dry run) or imported."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired

from changeauth.domain.idea_import import MAX_BYTES, MAX_ROWS
from changeauth.web.forms import PageForm


class ImportIdeasForm(PageForm):
    file = FileField(
        "Spreadsheet of ideas",
        description=(
            f"A CSV file or an Excel workbook (XLSX) with the template's headings, up to "
            f"{MAX_BYTES // 1024 // 1024} MiB and {MAX_ROWS:,} ideas."
        ),
        validators=[FileRequired("Choose a CSV or XLSX file.")],
    )
