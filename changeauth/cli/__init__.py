"""The ``changeauth`` console script: a FlaskGroup with the project's command groups.

The developer commands (``demo``, ``demo-data``, ``seed demo``) live in ``changeauth.devtools.cli`` and
join this group through the ``flask.commands`` entry points in ``pyproject.toml``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from changeauth.app import create_app


def register_cli(app: Flask) -> None:
    """Attach the command groups to ``app.cli`` (so ``flask --app changeauth`` works too)."""
    from changeauth.cli import audit, backup, database, imports, jobs, seed, users

    app.cli.add_command(database.db_group)
    app.cli.add_command(seed.seed_group)
    app.cli.add_command(users.users_group)
    app.cli.add_command(audit.audit_group)
    app.cli.add_command(jobs.jobs_group)
    app.cli.add_command(jobs.scheduler_alias)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(backup.restore_command)
    app.cli.add_command(imports.import_group)


def _make_app() -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_make_app, add_version_option=False)
def main() -> None:
    """changeauth: change authority and improvement backlog for local councils."""
