"""Every SQLite connection gets foreign keys, WAL and a busy timeout; PostgreSQL gets pre-ping."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import text

from changeauth import db


def test_sqlite_connections_have_the_pragmas(db_session: Any) -> None:
    bind = db_session.get_bind()
    if bind.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db_session.scalar(text("PRAGMA foreign_keys")) == 1
    assert db_session.scalar(text("PRAGMA journal_mode")) == "wal"
    assert db_session.scalar(text("PRAGMA busy_timeout")) == db.SQLITE_BUSY_TIMEOUT_MS


def test_postgresql_pings_before_use(app: Any) -> None:
    engine = db.make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert engine.pool._pre_ping is True


def test_a_writing_unit_of_work_takes_the_sqlite_lock_up_front(tmp_path: Any) -> None:
    path = tmp_path / "lock.db"
    engine = db.make_engine(f"sqlite:///{path}")
    with db.write_intent(), engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        # The first statement began the transaction with BEGIN IMMEDIATE, so another writer is refused.
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    engine.dispose()


def test_a_reading_unit_of_work_leaves_the_lock_free(tmp_path: Any) -> None:
    path = tmp_path / "lock.db"
    engine = db.make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
        other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
    engine.dispose()
