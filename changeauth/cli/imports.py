"""``changeauth import ideas FILE [--dry-run] [--as EMAIL]``: bring a spreadsheet backlog in."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from changeauth.domain.errors import DomainError
from changeauth.domain.idea_import import MAX_BYTES, ImportReport
from changeauth.queries import users
from changeauth.reporting.imports import read_ideas
from changeauth.services import transaction
from changeauth.services.idea_import import import_ideas


@click.group("import")
def import_group() -> None:
    """Import records from spreadsheets."""


def _print_report(report: ImportReport) -> None:
    for error in report.file_errors:
        click.echo(f"File: {error}", err=True)
    for problem in report.problems:
        click.echo(f"Row {problem.number}: {problem.column}: {problem.message}", err=True)
    if report.ignored_columns:
        click.echo(f"Columns ignored: {', '.join(report.ignored_columns)}")


@import_group.command("ideas")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report problems; import nothing.")
@click.option(
    "--as", "email", default=None, help="Submit the ideas as this person (default: the first admin)."
)
@with_appcontext
def ideas(path: Path, dry_run: bool, email: str | None) -> None:
    """Import ideas from a CSV or XLSX file: every row or none of them."""
    if path.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"{path.name} is larger than {MAX_BYTES // 1024 // 1024} MiB.")
    parsed = read_ideas(path.name, path.read_bytes())
    # A dry run writes too, inside a savepoint it then rolls back.
    transaction.begin_unit_of_work(writes=True)
    actor = users.find_user_by_email(email) if email else users.first_active_admin()
    if actor is None or not actor.is_active:
        raise click.ClickException(f"No active account {email}." if email else "There is no active admin.")
    if not parsed.report.ok:
        _print_report(parsed.report)
        raise click.ClickException("Nothing was imported.")
    try:
        with click.progressbar(
            length=len(parsed.rows), label="Checking rows" if dry_run else "Importing"
        ) as bar:
            report = import_ideas(
                actor, parsed.rows, report=parsed.report, dry_run=dry_run, progress=bar.update
            )
    except DomainError as failure:
        transaction.rollback()
        raise click.ClickException(failure.message) from failure
    _print_report(report)
    if not report.ok:
        transaction.rollback()
        raise click.ClickException(
            f"{report.rows_with_problems} of {report.rows} rows have problems. Nothing was imported."
        )
    if dry_run:
        transaction.rollback()
        click.echo(f"All {report.rows} rows are ready to import. Nothing was imported (dry run).")
        return
    transaction.commit()
    click.echo(f"Imported {len(report.refs)} ideas: {report.refs[0]} to {report.refs[-1]}.")
