"""``changeauth demo-data`` through Click's runner, on a database file of its own: it migrates, loads
the reference data, fills the database and commits; run again, it refuses; never in production."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth import db
from changeauth.app import create_app
from changeauth.cli import main
from changeauth.devtools import scale_data
from changeauth.models import Improvement
from changeauth.services.audit import verify_audit_chain
from tests.conftest import TEST_SECRET_KEY
from tests.integration.test_scale_data import TINY


@pytest.fixture
def file_app(tmp_path: Path, db_session: Any) -> Iterator[Flask]:
    """An application on a database file of its own: the command migrates and commits there, so the
    session is unbound from the test transaction for the test (the fixture rebinds nothing after)."""
    db.session.remove()
    db.SessionFactory.configure(bind=None)
    application = create_app(
        {
            "ENV_NAME": "development",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'scale.db'}",
            "SECRET_KEY": TEST_SECRET_KEY,
            "INSTANCE_PATH": tmp_path,
        }
    )
    yield application
    db.get_engine(application).dispose()


def test_the_command_fills_a_new_database_then_refuses_to_fill_it_again(
    file_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(scale_data.SCALES, "small", TINY)
    runner = file_app.test_cli_runner()
    first = runner.invoke(main, args=["demo-data", "--scale", "small", "--seed", "5"])
    assert first.exit_code == 0, first.output
    assert "Audit log" in first.output and "password is changeauth-demo-2026" in first.output
    with file_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Improvement)) == TINY.improvements
        assert verify_audit_chain().ok
    again = runner.invoke(main, args=["demo-data", "--scale", "small"])
    assert again.exit_code != 0
    assert "already has improvements" in again.output
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and '"ok": true' in verify.output


def test_the_command_refuses_production_and_a_bad_anchor(
    file_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = file_app.test_cli_runner()
    bad = runner.invoke(main, args=["demo-data", "--scale", "small", "--anchor", "29/11/2026"])
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output
    monkeypatch.setitem(file_app.config, "ENV_NAME", "production")
    refused = runner.invoke(main, args=["demo-data", "--scale", "small"])
    assert refused.exit_code != 0
    assert "never loaded in production" in refused.output


def test_a_filled_postgresql_database_has_planner_statistics_and_sqlite_none(
    tmp_path: Path, db_session: Any, monkeypatch: pytest.MonkeyPatch, worker_id: str
) -> None:
    """After the bulk load the command ANALYZEs a PostgreSQL database, so its plans are the planner's
    and not guesses (a server may run with autovacuum off); SQLite is left without statistics, as its
    plans were measured."""
    from sqlalchemy import create_engine, text

    from tests.live_server import own_database

    monkeypatch.setitem(scale_data.SCALES, "small", TINY)
    db.session.remove()
    db.SessionFactory.configure(bind=None)
    with own_database(tmp_path, f"statistics_{worker_id}") as url:
        application = create_app(
            {
                "ENV_NAME": "development",
                "DATABASE_URL": url,
                "SECRET_KEY": TEST_SECRET_KEY,
                "INSTANCE_PATH": tmp_path,
            }
        )
        result = application.test_cli_runner().invoke(main, args=["demo-data", "--scale", "small"])
        assert result.exit_code == 0, result.output
        db.get_engine(application).dispose()
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.connect() as connection:
                if engine.dialect.name == "postgresql":
                    analyzed = connection.scalar(
                        text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'audit_event'")
                    )
                    assert analyzed is not None
                else:
                    assert (
                        connection.scalar(
                            text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
                        )
                        == 0
                    )
        finally:
            engine.dispose()
