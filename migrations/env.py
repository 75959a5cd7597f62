"""Alembic environment: the models' metadata, comparing types, SQLite batch mode.

A caller may pass an open connection in ``config.attributes["connection"]`` (tests do). The trigram
search indexes exist on PostgreSQL only (revision 0014) and the similar-work text index (revision 0042:
SQLite's FTS5 table and its shadow tables, PostgreSQL's generated column and its index) is written per
database; none is in the models, so the comparison of models and migrations leaves them out by name."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import changeauth.models  # noqa: F401  (loads every table into the metadata)
from changeauth.db import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations must not import the app: render the UTC wrapper as the plain column type it is.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# PostgreSQL-only indexes created by migrations and deliberately absent from the models.
POSTGRESQL_ONLY_INDEXES = frozenset(
    {
        "ix_improvement_ref_trigram",
        "ix_improvement_title_trigram",
        "ix_improvement_problem_trigram",
        "ix_improvement_search_words",
    }
)
# The similar-work text index's column (PostgreSQL) and tables (SQLite's FTS5 table and its shadows).
TEXT_SEARCH_COLUMNS = frozenset({"search_words"})
TEXT_SEARCH_TABLES = frozenset(
    {f"improvement_search{suffix}" for suffix in ("", "_data", "_idx", "_content", "_docsize", "_config")}
)


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if not reflected or compare_to is not None:
        return True
    excluded = {"index": POSTGRESQL_ONLY_INDEXES, "column": TEXT_SEARCH_COLUMNS, "table": TEXT_SEARCH_TABLES}
    return name not in excluded.get(type_, frozenset())


def _configure(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_item=_render_item,
        include_object=_include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
