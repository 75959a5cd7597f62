"""``changeauth backup PATH`` and ``changeauth restore PATH`` (BAK-01, BAK-02)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from changeauth import db
from changeauth.services import backup as backup_service


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write a consistent backup of the database to PATH while the app keeps running.

    SQLite: the online backup API. PostgreSQL: pg_dump's custom format (restore it with pg_restore or with
    ``changeauth restore``).
    """
    started = time.monotonic()
    try:
        kind = backup_service.backup(current_app.config["DATABASE_URL"], path)
    except backup_service.BackupError as failure:
        raise click.ClickException(str(failure)) from failure
    click.echo(
        json.dumps(
            {
                "backup": str(path),
                "format": kind,
                "bytes": path.stat().st_size,
                "seconds": round(time.monotonic() - started, 3),
            }
        )
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the database's current contents are to be replaced.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup at PATH, then check it and count its rows.

    Stop the web workers and the scheduler first: a restore is not meant to run beside them.
    """
    if not yes:
        raise click.ClickException("This replaces everything in the database. Run it again with --yes.")
    started = time.monotonic()
    db.get_engine().dispose()  # no pooled connection may keep the old database open
    try:
        kind = backup_service.restore(path, current_app.config["DATABASE_URL"])
    except backup_service.BackupError as failure:
        raise click.ClickException(str(failure)) from failure
    db.get_engine().dispose()
    seconds = round(time.monotonic() - started, 3)
    fingerprints = backup_service.table_fingerprints()
    click.echo(
        json.dumps(
            {
                "restored": str(path),
                "format": kind,
                "seconds": seconds,
                "integrity_ok": backup_service.integrity_ok(),
                "rows": {name: fp.rows for name, fp in fingerprints.items()},
            }
        )
    )
