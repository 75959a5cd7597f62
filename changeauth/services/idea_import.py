"""Importing ideas from a spreadsheet through ``submit_idea``, row by row, all or nothing.

Each row is submitted inside its own savepoint, so every row is checked by exactly the form's
validation and a bad row leaves nothing behind; the whole import sits in one outer savepoint that is
released only when every row went in and this is not a dry run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.domain.idea_import import (
    COLUMNS,
    IdeaRow,
    ImportReport,
    RowProblem,
    parse_yes_no,
    split_list,
)
from changeauth.models import User
from changeauth.queries import reference
from changeauth.services.improvements import submit_idea

_HEADINGS = {name: heading for name, heading, *_ in COLUMNS}


def _lookup(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Code or name, in any case → code."""
    table: dict[str, str] = {}
    for code, name in pairs:
        table[name.strip().lower()] = code
        table[code.strip().lower()] = code
    return table


def import_ideas(
    actor: User,
    rows: Sequence[IdeaRow],
    *,
    report: ImportReport | None = None,
    dry_run: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Check every row (dry run) or import them all; any row with a problem means nothing is imported.

    Raises PermissionDenied. Problems with rows are returned in the report by row number, never raised.
    Flushes, does not commit.
    """
    if not permissions.can_import_ideas(actor.as_actor()):
        raise PermissionDenied("Your account cannot import ideas.")
    report = report or ImportReport(rows=len(rows))
    report.dry_run = dry_run
    if report.file_errors:
        return report
    drivers = _lookup([(d.code, d.name) for d in reference.list_drivers()])
    teams = _lookup([(t.code, t.name) for t in reference.list_teams()])
    whole = db.session.begin_nested()
    try:
        for row in rows:
            _submit(actor, row, drivers, teams, report)
            if progress is not None:
                progress(1)
    except BaseException:
        whole.rollback()
        raise
    if dry_run or report.problems:
        whole.rollback()
        report.refs = []
        return report
    whole.commit()
    report.imported = True
    return report


def _submit(
    actor: User, row: IdeaRow, drivers: dict[str, str], teams: dict[str, str], report: ImportReport
) -> None:
    values = row.values
    anonymous = parse_yes_no(values.get("anonymous", ""))
    if anonymous is None:
        report.problems.append(RowProblem(row.number, _HEADINGS["anonymous"], "Enter Yes or No."))
    team = values.get("team", "")
    try:
        with db.session.begin_nested():
            improvement = submit_idea(
                actor,
                title=values.get("title", ""),
                problem=values.get("problem", ""),
                proposal=values.get("proposal", ""),
                expected_effect=values.get("expected_effect", ""),
                # Unknown names pass through as typed, so the form's own message names them.
                driver_codes=[
                    drivers.get(item.lower(), item) for item in split_list(values["benefit_drivers"])
                ],
                team_code=teams.get(team.lower(), team) if team else None,
                is_anonymous=bool(anonymous),
            )
    except ValidationFailed as failure:
        for field, messages in failure.fields.items():
            for message in messages:
                report.problems.append(RowProblem(row.number, _HEADINGS.get(field, field), message))
        return
    report.refs.append(improvement.ref)
