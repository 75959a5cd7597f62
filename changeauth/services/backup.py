"""Backup and restore (BAK-01, BAK-02), and per-table fingerprints to prove a restore is complete.

- SQLite: the online backup API (``sqlite3.Connection.backup``), which copies a consistent snapshot while
  the app keeps running; never a file copy of a live database (a copy can catch a half-written page or
  miss the WAL).
- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --no-owner``. The password,
  if the URL has one, goes to the tools in ``PGPASSWORD``, never on a command line. They run with an
  argument list and no shell, which is what bandit's B404/B603 (marked ``nosec``) warn about.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import URL, make_url

from changeauth import db
from changeauth.models import Base

BACKUP_FORMATS = ("sqlite", "pg_dump")


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    sha256: str


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.loads(json.dumps(value, sort_keys=True, default=str))
    return value


def _ordered(table: Table) -> Any:
    keys = list(table.primary_key.columns) or list(table.columns)
    return select(*table.columns).order_by(*keys)


def table_fingerprints(*, skip_columns: frozenset[str] = frozenset()) -> dict[str, TableFingerprint]:
    """Row count and a SHA-256 over every row (in primary-key order) of every table the models know.

    ``skip_columns`` names ``table.column`` values left out (bookkeeping such as a token's last use).
    """
    session = db.session()
    result: dict[str, TableFingerprint] = {}
    for table in Base.metadata.sorted_tables:
        digest = hashlib.sha256()
        count = 0
        names = [c.name for c in table.columns if f"{table.name}.{c.name}" not in skip_columns]
        for row in session.execute(_ordered(table)).mappings():
            digest.update(json.dumps([_plain(row[name]) for name in names], default=str).encode())
            digest.update(b"\n")
            count += 1
        result[table.name] = TableFingerprint(rows=count, sha256=digest.hexdigest())
    return result


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, with the password in the environment."""
    args = ["--dbname", url.database or ""]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools (postgresql-client).")
    return path


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def backup(database_url: str, target: Path) -> str:
    """Write a consistent backup of the database to ``target``; returns the format used."""
    url = make_url(database_url)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"Cannot make the folder {target.parent}: {exc.strerror}.") from exc
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        try:
            destination = sqlite3.connect(target)
        except sqlite3.Error as exc:
            source.close()
            raise BackupError(f"Cannot write a backup to {target}: {exc}.") from exc
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        args, env = _libpq(url)
        completed = subprocess.run(  # nosec B603
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise BackupError(f"pg_dump failed: {completed.stderr.strip()}")
        return "pg_dump"
    raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")


def restore(backup_path: Path, database_url: str) -> str:
    """Replace the database's contents with the backup at ``backup_path``; returns the format used."""
    if not backup_path.is_file():
        raise BackupError(f"There is no backup at {backup_path}.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
        destination = sqlite3.connect(_sqlite_path(url))
        try:
            try:
                checked = source.execute("PRAGMA integrity_check").fetchone()[0]
            except sqlite3.DatabaseError as exc:
                raise BackupError(
                    f"{backup_path} is not a readable SQLite backup ({exc}); nothing was restored."
                ) from exc
            if checked != "ok":
                raise BackupError(f"{backup_path} fails SQLite's integrity check; nothing was restored.")
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        args, env = _libpq(url)
        completed = subprocess.run(  # nosec B603
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                *args,
                str(backup_path),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise BackupError(f"pg_restore failed: {completed.stderr.strip()}")
        return "pg_dump"
    raise BackupError(f"Restores into {url.get_backend_name()} databases are not supported.")


def integrity_ok() -> bool:
    """SQLite's ``PRAGMA integrity_check`` (PostgreSQL checks pages as it reads: answering is enough)."""
    session = db.session()
    if db.is_sqlite(session.get_bind()):
        return bool(session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok")
    return bool(session.connection().exec_driver_sql("SELECT 1").scalar() == 1)
