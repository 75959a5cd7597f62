"""What a council's database holds, read with plain SQL from its own schema (no models): the revision,
the rows of every table, and the sum of every money and decimal column."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Numeric, column, create_engine, func, inspect, pool, select, table, text


@dataclass(frozen=True)
class Snapshot:
    revision: str | None
    rows: dict[str, int]
    figures: dict[str, Decimal]  # "table.column" -> its sum, for money in pence and every decimal column


def _is_figure(name: str, type_: object) -> bool:
    return name.endswith("_pence") or isinstance(type_, Numeric)


def take(database_url: str) -> Snapshot:
    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            names = sorted(inspector.get_table_names())
            revision = (
                connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
                if "alembic_version" in names
                else None
            )
            rows: dict[str, int] = {}
            figures: dict[str, Decimal] = {}
            for name in names:
                if name == "alembic_version":
                    continue
                rows[name] = int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
                for col in inspector.get_columns(name):
                    if _is_figure(col["name"], col["type"]):
                        total = connection.scalar(
                            select(func.sum(column(col["name"]))).select_from(table(name))
                        )
                        figures[f"{name}.{col['name']}"] = Decimal(str(total or 0))
    finally:
        engine.dispose()
    return Snapshot(revision, rows, figures)
