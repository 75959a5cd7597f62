"""Shared fixtures: the app, the test database (SQLite, or PostgreSQL when configured), a rolled-back
transaction per test, an HTTP client with sign-in helpers, and a SQL query counter.

The database is migrated once per run with Alembic (so every run exercises the migrations) and the
reference data is loaded once; each test then runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from alembic import command
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url

from changeauth import create_app, db
from changeauth.cli.migrations import alembic_config
from changeauth.services import users as user_service
from tests.helpers import sign_in_by_session

# Chromium and the live server, once per worker for tests/browser and tests/journeys alike.
pytest_plugins = ["tests.browser_fixtures"]

TEST_SECRET_KEY = "test-" + "k" * 40

# Passwords in the tests are hashed at the OWASP minimum that AUTH-08 allows (argon2id, 19 MiB, t=2, p=1)
# rather than the production profile, which costs about seven times the CPU for every account the tests
# create and every sign-in they verify (docs/architecture.md#keeping-ci-fast). Verifying reads the
# parameters from the hash itself; tests/integration/test_users.py checks the production profile.
PRODUCTION_PASSWORD_HASHER = user_service.password_hasher
user_service.password_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
user_service._DUMMY_HASH = user_service.password_hasher.hash("changeauth-timing-equaliser")


def _postgres_url() -> str | None:
    return os.environ.get("CHANGEAUTH_TEST_DATABASE_URL") or None


def _require(name: str) -> bool:
    return os.environ.get(name, "") in {"1", "true", "yes"}


@contextmanager
def _fresh_postgres_database(base_url: str, worker: str, *, template: str | None = None) -> Iterator[str]:
    """Create a database of our own on the server for this run (and worker), drop it afterwards; a copy
    of the database named ``template`` when given (no one may be connected to it)."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"changeauth_test_{os.getpid()}_{worker}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    copy_of = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
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


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under --junitxml (as .ci/run asks), each test's markers go into the report as a property, so that
    .ci/every_test_ran.py can check that each test ran in the steps docs/architecture.md names. Last,
    after the folders' conftests have added theirs (``browser``)."""
    if not config.getoption("xmlpath", None):
        return
    for item in items:
        item.user_properties.append(("markers", " ".join(sorted({m.name for m in item.iter_markers()}))))


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


@pytest.fixture(scope="module")
def _worked_example_connection(
    request: pytest.FixtureRequest, app: Flask, _database: Engine
) -> Iterator[Connection | None]:
    """For a module marked ``worked_example`` or ``module_transaction``: one connection for the module's
    tests, in a transaction rolled back after its last test; each test's own writes are rolled back to a
    savepoint (``db_session``), so each sees the module's data as it was first written.

    ``worked_example`` loads the report's worked example on it first (seconds of CPU, once for the module
    rather than per test); the marker's ``as_of`` is the day the example is loaded on (some of its dates
    count from today). ``module_transaction`` alone leaves the writing to the module's own module-scoped
    fixtures, which bind ``db.SessionFactory`` to this connection (tests/functional/test_route_security.py).
    """
    marker = request.node.get_closest_marker("worked_example")
    if marker is None and request.node.get_closest_marker("module_transaction") is None:
        yield None
        return
    from changeauth.devtools.worked_example import load_demo

    connection = _database.connect()
    outer = connection.begin()
    db.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        if marker is not None:
            as_of = marker.kwargs.get("as_of")
            # The example is loaded at noon on ``as_of`` (``db.clock_at``), and replays its history at the
            # history's own instants inside that.
            loaded_at = datetime.combine(as_of, time(12, 0), tzinfo=UTC) if as_of is not None else db.utcnow()
            with app.app_context(), db.clock_at(loaded_at):
                db.set_write_intent(True)
                load_demo()
                db.session.commit()
                db.set_write_intent(False)
                db.session.remove()
        yield connection
    finally:
        db.session.remove()
        db.SessionFactory.configure(bind=None)
        outer.rollback()
        connection.close()


@pytest.fixture
def db_session(_database: Engine, _worked_example_connection: Connection | None) -> Iterator[Any]:
    """One outer transaction per test; the app's commits become savepoints; rolled back at the end.

    In a module marked ``worked_example`` or ``module_transaction`` the outer transaction is a savepoint on
    the module's connection, so each test starts from the module's data as written.
    """
    shared = _worked_example_connection
    connection = shared if shared is not None else _database.connect()
    outer = connection.begin_nested() if shared is not None else connection.begin()
    db.SessionFactory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db.session
    finally:
        db.session.remove()
        db.SessionFactory.configure(bind=None)
        outer.rollback()
        if shared is None:
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
        return sign_in_by_session(client, user)

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


# Hypothesis's properties are checked for what they assert, never for how fast they run: its default
# 200 ms deadline and its "too slow" health check are timings, and on this shared two-core machine they
# failed properties that hold (the ranking's permutation, the what-if property) whenever other work ran
# beside them. Speed belongs in the benchmark (bench/). The other health checks, which point at a
# strategy that filters away most of what it draws, stay on.
hypothesis.settings.register_profile(
    "changeauth", deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile("changeauth")
