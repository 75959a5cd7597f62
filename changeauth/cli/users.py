"""``changeauth users create|token``."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from changeauth.domain.errors import DomainError, ValidationFailed
from changeauth.domain.roles import ALL_ROLES
from changeauth.services import transaction
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
