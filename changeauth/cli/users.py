"""``changeauth users create|token|export|anonymise``."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from changeauth.domain.errors import DomainError, ValidationFailed
from changeauth.domain.roles import ALL_ROLES
from changeauth.services import leavers, personal_data, transaction
from changeauth.services import users as user_service


@click.group("users")
def users_group() -> None:
    """Accounts and API tokens."""


@users_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ALL_ROLES))
@click.option("--team", "team_code", default=None, help="Team code.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create(
    email: str, name: str, roles: tuple[str, ...], team_code: str | None, password_stdin: bool
) -> None:
    """Create an account."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    if password_stdin and not password:
        raise click.ClickException("No password was given on standard input.")
    transaction.begin_unit_of_work(writes=True)
    try:
        user = user_service.create_user(
            email=email,
            name=name,
            roles=roles,
            team_code=team_code,
            password=password,
            org_name=current_app.config["ORG_NAME"],
        )
    except ValidationFailed as failure:
        raise click.ClickException("; ".join(m for ms in failure.fields.values() for m in ms)) from failure
    except DomainError as failure:
        raise click.ClickException(failure.message) from failure
    transaction.commit()
    click.echo(f"Created {user.email} with roles {', '.join(sorted(user.roles))}.")


@users_group.command("token")
@click.argument("email")
@click.option("--name", default="Command-line token", help="A name to recognise the token by.")
@with_appcontext
def token(email: str, name: str) -> None:
    """Print a new API token for EMAIL (shown once; only its hash is kept)."""
    transaction.begin_unit_of_work(writes=True)
    try:
        user = user_service.get_user_by_email(email)
    except DomainError as failure:
        raise click.ClickException(failure.message) from failure
    if not user.is_active:
        raise click.ClickException(f"{user.email} is deactivated.")
    plain, _record = user_service.issue_api_token(user, name=name, actor_id=None)
    transaction.commit()
    click.echo(plain)


@users_group.command("export")
@click.argument("email")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the JSON file here instead of to standard output.",
)
@with_appcontext
def export(email: str, output: str | None) -> None:
    """Export everything held about EMAIL as JSON, for a subject access request (audited)."""
    transaction.begin_unit_of_work(writes=True)
    try:
        user = user_service.get_user_by_email(email)
        data = personal_data.export_person(user.id, actor_id=None, form=personal_data.ExportForm.COMMAND)
    except DomainError as failure:
        raise click.ClickException(failure.message) from failure
    document = json.dumps(data.as_json(), indent=2, ensure_ascii=False)
    transaction.commit()
    if output is None:
        click.echo(document)
        return
    with open(output, "w", encoding="utf-8") as file:
        file.write(document + "\n")
    click.echo(f"Wrote everything held about {user.email} to {output}; the export is in the audit log.")


@users_group.command("anonymise")
@click.argument("email")
@click.option(
    "--free-text",
    is_flag=True,
    help="Also replace their name and email where people wrote them (on request).",
)
@with_appcontext
def anonymise(email: str, free_text: bool) -> None:
    """Anonymise the switched-off account EMAIL now, without waiting for the leavers' period (audited)."""
    transaction.begin_unit_of_work(writes=True)
    try:
        user = user_service.get_user_by_email(email)
        if user.anonymised_at is not None:
            raise click.ClickException(f"{user.email} has already been anonymised.")
        leavers.anonymise(user, actor_id=None, free_text=free_text)
    except DomainError as failure:
        raise click.ClickException(failure.message) from failure
    except leavers.NotSwitchedOff as refused:
        raise click.ClickException(str(refused)) from refused
    transaction.commit()
    click.echo(f"Anonymised the account that was {email.strip().lower()}; it is now {user.email}.")
