"""Similar work from the database's own text index (issue 22): the words of each improvement's title and
the start of its problem are indexed in the transaction that writes them, so a search finds a new or
edited idea at once and no process keeps a corpus of its own.

- SQLite: an FTS5 table ``improvement_search`` with external content (the view
  ``improvement_search_text``: the title and the problem's first 300 characters), kept by triggers on
  ``improvement``, with a prefix index of five letters for stem searches.
- PostgreSQL: a stored generated column ``improvement.search_words`` (``to_tsvector('simple', ...)`` of
  the same text) with a GIN index.

Both are filled for the existing rows here. Neither is in the models: ``migrations/env.py`` leaves them
out of the models-versus-migrations comparison by name. A later migration that rebuilds ``improvement``
in SQLite's batch mode drops its triggers and must create them again (``create_sqlite_triggers``).
The ``similar`` view's marker row is no longer read and goes.

Revision ID: 0042
Revises: 0041
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

SHOWN = "substr({row}.problem, 1, 300)"
SQLITE_TRIGGERS = {
    "improvement_search_after_insert": (
        "AFTER INSERT ON improvement BEGIN "
        "INSERT INTO improvement_search (rowid, title, problem) "
        f"VALUES (new.id, new.title, {SHOWN.format(row='new')}); END"
    ),
    "improvement_search_after_delete": (
        "AFTER DELETE ON improvement BEGIN "
        "INSERT INTO improvement_search (improvement_search, rowid, title, problem) "
        f"VALUES ('delete', old.id, old.title, {SHOWN.format(row='old')}); END"
    ),
    "improvement_search_after_update": (
        "AFTER UPDATE OF title, problem ON improvement BEGIN "
        "INSERT INTO improvement_search (improvement_search, rowid, title, problem) "
        f"VALUES ('delete', old.id, old.title, {SHOWN.format(row='old')}); "
        "INSERT INTO improvement_search (rowid, title, problem) "
        f"VALUES (new.id, new.title, {SHOWN.format(row='new')}); END"
    ),
}


def create_sqlite_triggers() -> None:
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(sa.text(f"CREATE TRIGGER {name} {body}"))


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            sa.text(
                "ALTER TABLE improvement ADD COLUMN search_words tsvector GENERATED ALWAYS AS "
                "(to_tsvector('simple', title || ' ' || left(problem, 300))) STORED"
            )
        )
        op.execute(
            sa.text("CREATE INDEX ix_improvement_search_words ON improvement USING gin (search_words)")
        )
    else:
        op.execute(
            sa.text(
                "CREATE VIEW improvement_search_text AS "
                f"SELECT id, title, {SHOWN.format(row='improvement')} AS problem FROM improvement"
            )
        )
        op.execute(
            sa.text(
                "CREATE VIRTUAL TABLE improvement_search USING fts5(title, problem, "
                "content='improvement_search_text', content_rowid='id', prefix='5')"
            )
        )
        create_sqlite_triggers()
        op.execute(sa.text("INSERT INTO improvement_search (improvement_search) VALUES ('rebuild')"))
    op.execute(sa.text("DELETE FROM derived_state WHERE name = 'similar'"))


def downgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO derived_state (name, token, changed_at) VALUES ('similar', 'initial', CURRENT_TIMESTAMP)"
        )
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP INDEX IF EXISTS ix_improvement_search_words"))
        op.execute(sa.text("ALTER TABLE improvement DROP COLUMN IF EXISTS search_words"))
        return
    for name in SQLITE_TRIGGERS:
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
    op.execute(sa.text("DROP TABLE IF EXISTS improvement_search"))
    op.execute(sa.text("DROP VIEW IF EXISTS improvement_search_text"))
