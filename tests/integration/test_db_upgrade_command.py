"""``changeauth db upgrade``: says what it will do, backs up a database holding data first (unless told
not to), and leaves the database untouched when the backup fails or on a dry run."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask

from changeauth import create_app, db
from changeauth.cli.migrations import alembic_config, script_head
from tests.conftest import TEST_SECRET_KEY

HEAD = script_head()
OLDER = "0012"


def _app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'council.db'}",
            "SECRET_KEY": TEST_SECRET_KEY,
            "INSTANCE_PATH": tmp_path / "instance",
        }
    )


def _revision(path: Path) -> str | None:
    with sqlite3.connect(path) as connection:
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def _upgrade(app: Flask, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=["db", "upgrade", *args])
    db.get_engine(app).dispose()
    return result


@pytest.fixture
def older_council(tmp_path: Path) -> Path:
    """A database at an older revision holding one team."""
    path = tmp_path / "council.db"
    command.upgrade(alembic_config(f"sqlite:///{path}"), OLDER)
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO team (code, name) VALUES ('rev', 'Revenues')")
    return path


def test_an_empty_database_is_migrated_without_a_backup(tmp_path: Path) -> None:
    app = _app(tmp_path)
    result = _upgrade(app)
    assert result.exit_code == 0, result.output
    assert "It holds no data, so no backup is needed." in result.output
    assert "  0001  Initial schema" in result.output
    assert f"Database is at {HEAD}" in result.output
    assert _revision(tmp_path / "council.db") == HEAD
    assert not (tmp_path / "instance" / "backups").exists()


def test_a_database_holding_data_is_backed_up_before_it_is_migrated(
    tmp_path: Path, older_council: Path
) -> None:
    app = _app(tmp_path)
    result = _upgrade(app)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"It is at revision {OLDER}; upgrading to {HEAD}." in lines
    assert (
        "  0013  Council scale (issue 13): the marker of each member's cached list of improvements to score."
        in lines
    )
    assert "  0012" not in result.output  # already applied
    (backup,) = (tmp_path / "instance" / "backups").iterdir()
    assert backup.name.startswith(f"changeauth-before-{HEAD}-from-{OLDER}-")
    # The backup says what it will do before it does it, and holds the database as it was.
    assert lines.index(next(line for line in lines if line.startswith("Backing up to"))) < lines.index(
        "Migrating..."
    )
    assert _revision(backup) == OLDER
    with sqlite3.connect(backup) as connection:
        assert connection.execute("SELECT name FROM team").fetchall() == [("Revenues",)]
    assert _revision(older_council) == HEAD


def test_the_backup_goes_where_it_is_told(tmp_path: Path, older_council: Path) -> None:
    target = tmp_path / "elsewhere" / "before-upgrade.db"
    result = _upgrade(_app(tmp_path), "--backup", str(target))
    assert result.exit_code == 0, result.output
    assert _revision(target) == OLDER
    assert f"to go back: changeauth restore {target} --yes" in result.output


def test_no_backup_is_taken_when_told_not_to(tmp_path: Path, older_council: Path) -> None:
    result = _upgrade(_app(tmp_path), "--no-backup")
    assert result.exit_code == 0, result.output
    assert "Not backing up first (--no-backup)." in result.output
    assert not (tmp_path / "instance" / "backups").exists()
    assert _revision(older_council) == HEAD


def test_a_dry_run_changes_nothing(tmp_path: Path, older_council: Path) -> None:
    result = _upgrade(_app(tmp_path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would back up to " in result.output
    assert "Dry run: nothing was changed." in result.output
    assert _revision(older_council) == OLDER
    assert not (tmp_path / "instance" / "backups").exists()


def test_a_failed_backup_stops_the_upgrade(tmp_path: Path, older_council: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _upgrade(_app(tmp_path), "--backup", str(blocker / "backup.db"))
    assert result.exit_code != 0
    assert "Nothing was migrated." in result.output
    assert _revision(older_council) == OLDER


def test_a_database_at_the_head_is_left_alone(tmp_path: Path, older_council: Path) -> None:
    app = _app(tmp_path)
    _upgrade(app, "--no-backup")
    result = _upgrade(app)
    assert result.exit_code == 0, result.output
    assert f"Nothing to do: the database is at {HEAD}." in result.output
    assert not (tmp_path / "instance" / "backups").exists()
