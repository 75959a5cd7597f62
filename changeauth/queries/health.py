"""Readiness: can the database answer right now?"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from changeauth import db


def database_ready() -> bool:
    """``SELECT 1`` answers (on SQLite, reading the schema version also proves the file is a database)."""
    try:
        session = db.session()
        session.execute(text("SELECT 1"))
        if db.is_sqlite(session.get_bind()):
            session.execute(text("PRAGMA schema_version"))
        return True
    except SQLAlchemyError:
        db.session.rollback()
        return False
