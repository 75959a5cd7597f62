"""Importing ideas from a spreadsheet: the template's columns, how headers are matched, the limits, and
the shape of the report a dry run or an import gives back (pure Python; reading the file is in
``reporting.imports``, writing the ideas in ``services.idea_import``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MAX_BYTES = 10 * 1024 * 1024  # 10 MiB
MAX_ROWS = 10_000
FIRST_DATA_ROW = 2  # spreadsheet numbering: the header is row 1

# (field, heading in the template, required, hint)
COLUMNS: tuple[tuple[str, str, bool, str], ...] = (
    ("title", "Title", True, "A short name for the idea."),
    ("problem", "Problem", True, "What is wrong today, and for whom."),
    ("proposal", "Proposal", True, "What should change."),
    ("expected_effect", "Expected effect", False, "What difference it would make."),
    (
        "benefit_drivers",
        "Benefit drivers",
        True,
        "One or more benefit drivers by code or name, separated by semicolons.",
    ),
    ("team", "Team", False, "The team's code or name, if known."),
    ("anonymous", "Anonymous", False, "Yes to hide who submitted it; No or empty otherwise."),
)
REQUIRED = tuple(name for name, _heading, required, _hint in COLUMNS if required)

# Headings people commonly use for the same column, once normalised.
ALIASES: Mapping[str, str] = {
    "idea": "title",
    "name": "title",
    "effect": "expected_effect",
    "drivers": "benefit_drivers",
    "benefit_driver": "benefit_drivers",
    "driver": "benefit_drivers",
    "team_code": "team",
    "is_anonymous": "anonymous",
}
_KNOWN = {name for name, *_ in COLUMNS}
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def normalise_heading(heading: object) -> str:
    """Case, spaces, hyphens and underscores do not matter: ' Benefit-Drivers ' → 'benefit_drivers'."""
    return re.sub(r"[\s_\-]+", "_", str(heading).strip().lower()).strip("_")


@dataclass(frozen=True)
class HeaderMapping:
    columns: Mapping[str, int]  # field → position in the file
    ignored: Sequence[str]  # headings that match no field
    missing: Sequence[str]  # required fields with no column
    duplicated: Sequence[str]  # fields given by more than one column


def map_headers(headings: Sequence[object]) -> HeaderMapping:
    columns: dict[str, int] = {}
    ignored: list[str] = []
    duplicated: list[str] = []
    for position, heading in enumerate(headings):
        key = normalise_heading(heading)
        key = ALIASES.get(key, key)
        if key not in _KNOWN:
            if str(heading).strip():
                ignored.append(str(heading).strip())
            continue
        if key in columns:
            duplicated.append(key)
            continue
        columns[key] = position
    missing = [name for name in REQUIRED if name not in columns]
    return HeaderMapping(
        columns=columns, ignored=ignored, missing=missing, duplicated=sorted(set(duplicated))
    )


def heading_of(name: str) -> str:
    return next(heading for key, heading, *_ in COLUMNS if key == name)


def split_list(text: str) -> list[str]:
    """'a; b, c' → ['a', 'b', 'c']: semicolons or commas separate items."""
    return [part.strip() for part in re.split(r"[;,]", text) if part.strip()]


def parse_yes_no(text: str) -> bool | None:
    """True, False, or None when the text is neither."""
    value = text.strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    return None


@dataclass(frozen=True)
class IdeaRow:
    """One row of the file, by its spreadsheet row number, as text."""

    number: int
    values: Mapping[str, str]


@dataclass(frozen=True)
class RowProblem:
    number: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What a dry run or an import found. Nothing is written unless ``imported`` is true."""

    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    imported: bool = False
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_errors

    @property
    def rows_with_problems(self) -> int:
        return len({problem.number for problem in self.problems})
