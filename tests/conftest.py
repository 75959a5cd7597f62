"""Shared fixtures: the app, the test database (SQLite, or PostgreSQL when configured), a rolled-back
transaction per test, an HTTP client with sign-in helpers, and a SQL query counter.

The database is migrated once per run with Alembic (so every run exercises the migrations) and the
reference data is loaded once; each test then runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from changeauth import create_app, db
from changeauth.cli.migrations import alembic_config

TEST_SECRET_KEY = "test-" + "k" * 40


def _postgres_url() -> str | None:
    return os.environ.get("CHANGEAUTH_TEST_DATABASE_URL") or None


def _require(name: str) -> bool:
    return os.environ.get(name, "") in {"1", "true", "yes"}


@contextmanager
def _fresh_postgres_database(base_url: str, worker: str) -> Iterator[str]:
    """Create a database of our own on the server for this run (and worker), drop it afterwards."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"changeauth_test_{os.getpid()}_{worker}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no PostgreSQL here"
        admin.dispose()
        message = f"PostgreSQL at {url.render_as_string(hide_password=True)} is not reachable: {exc}"
        if _require("CHANGEAUTH_REQUIRE_PG"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    pg = _postgres_url()
    if pg:
        with _fresh_postgres_database(pg, worker_id) as url:
            yield url
        return
    if _require("CHANGEAUTH_REQUIRE_PG"):
        pytest.fail("CHANGEAUTH_REQUIRE_PG=1 but CHANGEAUTH_TEST_DATABASE_URL is not set", pytrace=False)
    yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'changeauth-test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    application = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": TEST_SECRET_KEY,
            "INSTANCE_PATH": tmp_path_factory.mktemp("instance"),
            "SERVER_NAME": "changeauth.test",
        }
    )
    yield application
    # Close pooled connections before the test database is dropped.
    db.get_engine(application).dispose()


@pytest.fixture(scope="session")
def _database(app: Flask, database_url: str) -> Engine:
    """Migrate the empty test database to head and load the reference data, once per run."""
    command.upgrade(alembic_config(database_url), "head")
    with app.app_context():
        from changeauth.cli.seed import load_reference

        db.set_write_intent(True)
        load_reference()
        db.session.commit()
        db.set_write_intent(False)
    return db.get_engine(app)


@pytest.fixture
def db_session(_database: Engine) -> Iterator[Any]:
    """One outer transaction per test; the app's commits become savepoints; rolled back at the end."""
    connection = _database.connect()
    outer = connection.begin()
    db.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db.session
    finally:
        db.session.remove()
        db.SessionFactory.configure(bind=None)
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db_session: Any) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login_as(client: FlaskClient) -> Any:
    """Sign ``user`` in by writing the session cookie (only the auth tests sign in through the form).

    The session is a complete one: signed in now, seen now, and past the second factor, so people whose
    role needs a second factor are not sent to set one up (tests of that flow sign in through the form).
    """

    def _login(user: Any) -> Any:
        now = int(time.time())
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["_signed_in_at"] = now
            session["_last_seen"] = now
            session["_auth_at"] = now
            session["_2fa"] = True
        return user

    return _login


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(_database: Engine) -> Any:
    """``with count_queries() as counter:`` counts the SQL statements the block sends."""

    @contextmanager
    def _count() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def _before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        event.listen(_database, "before_cursor_execute", _before)
        try:
            yield counter
        finally:
            event.remove(_database, "before_cursor_execute", _before)

    return _count


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_write_intent_between_tests() -> Iterator[None]:
    """Commands and fixtures declare write intent for their unit of work; no test inherits another's."""
    db.set_write_intent(False)
    yield
    db.set_write_intent(False)
