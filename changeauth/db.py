"""Engine, session and declarative base.

- One engine per application, kept in ``app.extensions``; one scoped session per thread, removed when
  the application context ends. Services flush; the request, job or CLI boundary commits.
- SQLite: every connection gets ``foreign_keys=ON``, WAL and a busy timeout. SQLAlchemy owns the
  transactions (the pysqlite driver's own BEGIN handling is switched off) so SAVEPOINTs work, and a unit
  of work that is going to write begins with ``BEGIN IMMEDIATE``: a SQLite read snapshot cannot be
  upgraded to a write once another writer has committed, so writers take the lock up front.
- PostgreSQL: ``pool_pre_ping`` so a restarted server is reconnected to transparently.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from flask import current_app
from flask.globals import _cv_app
from sqlalchemy import CursorResult, DateTime, Engine, MetaData, Result, Table, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from flask import Flask

ENGINE_KEY = "changeauth.engine"
SQLITE_BUSY_TIMEOUT_MS = 15_000

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_write_intent: ContextVar[bool] = ContextVar("changeauth_write_intent", default=False)
# A replayed instant (devtools and tests only; production never sets it): see ``clock_at``.
_replay_instant: ContextVar[datetime | None] = ContextVar("changeauth_replay_instant", default=None)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so Alembic diffs are readable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}
    if TYPE_CHECKING:
        # Every model here is mapped to a Table (SQLAlchemy types it as any FromClause), so Core
        # statements such as update(Model.__table__) type-check without a cast at each use.
        __table__: ClassVar[Table]


class AppSession(Session):
    """A session that binds to the current application's engine unless bound explicitly (tests)."""

    def get_bind(self, mapper: Any = None, clause: Any = None, **kw: Any) -> Any:
        if self.bind is not None:
            return self.bind
        return current_app.extensions[ENGINE_KEY]


def _session_scope() -> int:
    # One session per application context (each request, job run or command has its own), and per
    # thread outside any context; the context's teardown removes it.
    ctx = _cv_app.get(None)
    return id(ctx) if ctx is not None else threading.get_ident()


SessionFactory = sessionmaker(class_=AppSession, expire_on_commit=False)
session: scoped_session[AppSession] = scoped_session(SessionFactory, scopefunc=_session_scope)


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC (the replayed instant inside ``clock_at``)."""
    replayed = _replay_instant.get()
    return replayed if replayed is not None else datetime.now(UTC)


def replayed_instant() -> datetime | None:
    """The instant ``clock_at`` is replaying, if any."""
    return _replay_instant.get()


@contextmanager
def clock_at(instant: datetime) -> Iterator[None]:
    """Run a block as if it were ``instant``: ``utcnow()`` and ``clock.today()`` answer from it, so
    services build a history at its own dates (the worked example, tests). Never set in production."""
    if instant.tzinfo is None:
        raise ValueError("clock_at needs a timezone-aware instant")
    token = _replay_instant.set(instant.astimezone(UTC))
    try:
        yield
    finally:
        _replay_instant.reset(token)


def set_write_intent(writes: bool) -> None:
    """Declare whether the coming unit of work writes (SQLite then starts it with BEGIN IMMEDIATE)."""
    _write_intent.set(writes)


@contextmanager
def write_intent() -> Iterator[None]:
    """Run a block (a job, a CLI command) as a writing unit of work."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine with the per-dialect settings described in the module docstring."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 15})
        _configure_sqlite(engine)
        return engine
    # Sessions in UTC: the driver then hands back instants with the fixed UTC zone, which the column
    # type passes through as they are (converting from a named zone is costly at council scale, see
    # docs/performance.md), and SQL date arithmetic never depends on the server's zone.
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args={"options": "-c TimeZone=UTC"})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the "begin" listener below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def is_sqlite(bind: Any) -> bool:
    """True when the bind (engine or connection) talks to SQLite."""
    return bool(bind.dialect.name == "sqlite")


def init_app(app: Flask) -> None:
    """Create the application's engine and remove the scoped session at the end of each context."""
    from changeauth import metrics

    engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
    metrics.watch_pool(engine)
    app.extensions[ENGINE_KEY] = engine

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        session.remove()


def get_engine(app: Flask | None = None) -> Engine:
    """The engine of the given (or current) application."""
    engine: Engine = (app or current_app).extensions[ENGINE_KEY]
    return engine


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE executed through the session changed.

    ``Session.execute`` is typed to return a ``Result``; for DML it is a ``CursorResult``, which
    carries ``rowcount``."""
    return cast(CursorResult[Any], result).rowcount
