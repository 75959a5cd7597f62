"""Writing generated rows in bulk: one compiled Core INSERT run with executemany per batch on SQLite,
COPY on PostgreSQL.

Rows carry their ids (the generator assigns them), so nothing is read back; afterwards each table's
PostgreSQL sequence is moved past the largest id so the application's own inserts carry on from there.
Every value goes through its column type's bind processing, as in an ORM insert (UTC instants, JSON,
decimals), so what is stored reads back the same whichever way it was written. The statements run on
the session's connection, in its transaction, but below the ORM: the caller tells the derived views
(``models.derived_state``) once at the end, instead of once per batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from itertools import islice
from operator import itemgetter
from typing import Any, Protocol

from psycopg import sql
from sqlalchemy import JSON, Integer, Table, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ScalarElementColumnDefault

from changeauth.db import Base, UTCDateTime

BATCH_ROWS = 10_000
SQLITE_CACHE_KIB = 256 * 1024
JSON_NULL = "null"


class Progress(Protocol):
    """What a stage reports its progress to (``click.progressbar`` is one)."""

    def update(self, n_steps: int) -> None: ...


# Called with a label and the number of rows the stage will write; returns a progress context.
ProgressFactory = Callable[[str, int], AbstractContextManager[Progress]]


class _Silent:
    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def update(self, n_steps: int) -> None:
        return None


def silent_progress(_label: str, _length: int) -> AbstractContextManager[Progress]:
    """A progress report that shows nothing (services and tests)."""
    return _Silent()


def _batches(rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[Mapping[str, Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


class Writer:
    """Inserts rows into tables in batches and counts them per table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.counts: dict[str, int] = {}
        self._cache_pages: int | None = None
        if self.dialect.name == "sqlite":
            # The audit log's unique hash index takes rows in random order: a larger page cache for this
            # connection keeps it in memory while a million rows go in (restored by ``finish``).
            connection = self.session.connection()
            self._cache_pages = connection.exec_driver_sql("PRAGMA cache_size").scalar()
            connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        self._statements: dict[tuple[str, tuple[str, ...]], tuple[str, Any, list[Any]]] = {}

    def insert(self, table: Table, rows: Iterable[Mapping[str, Any]], progress: Progress) -> int:
        """Write every row (each a mapping of column name to value); returns how many were written."""
        written = 0
        for batch in _batches(rows, BATCH_ROWS):
            if self.dialect.name == "postgresql":
                self._copy(table, batch)
            else:
                self._execute_many(table, batch)
            written += len(batch)
            progress.update(len(batch))
        self.counts[table.name] = self.counts.get(table.name, 0) + written
        return written

    def _execute_many(self, table: Table, batch: list[Mapping[str, Any]]) -> None:
        key = (table.name, tuple(batch[0]))
        if key not in self._statements:
            compiled = insert(table).compile(dialect=self.dialect, column_keys=list(key[1]))
            order = list(compiled.positiontup or ())
            processors = [
                (index, _null_first(table, name, process))
                for index, name in enumerate(order)
                if (process := table.c[name].type.dialect_impl(self.dialect).bind_processor(self.dialect))
            ]
            missing = [name for name in order if name not in key[1]]
            if missing:
                # The compiled INSERT names every column with a Python-side default; a row that leaves one
                # out takes that default, as the ORM would (COPY on PostgreSQL leaves it to the server's).
                defaults = {name: _scalar_default(table, name) for name in missing}
                values_of = _with_defaults(order, defaults)
            else:
                values_of = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))
            self._statements[key] = (str(compiled), values_of, processors)
        statement, values_of, processors = self._statements[key]
        parameters: list[tuple[Any, ...]] = []
        for row in batch:
            values = list(values_of(row))
            for index, convert in processors:
                values[index] = convert(values[index])
            parameters.append(tuple(values))
        self.session.connection().exec_driver_sql(statement, parameters)

    def _copy(self, table: Table, batch: list[Mapping[str, Any]]) -> None:
        names = list(batch[0])
        converters = [_copy_converter(table, name) for name in names]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(name) for name in names)
        )
        driver_connection = self.session.connection().connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in batch:
                copy.write_row([convert(row[name]) for name, convert in zip(names, converters, strict=True)])

    def finish(self) -> None:
        """Put back the connection's page cache size (SQLite), once everything is written."""
        if self._cache_pages is not None:
            self.session.connection().exec_driver_sql(f"PRAGMA cache_size = {int(self._cache_pages)}")

    def reset_sequences(self) -> None:
        """Move each PostgreSQL id sequence past the largest id written (nothing to do on SQLite)."""
        if self.dialect.name != "postgresql":
            return
        for table in Base.metadata.sorted_tables:
            id_column = table.c.get("id")
            if id_column is None or not isinstance(id_column.type, Integer) or not id_column.primary_key:
                continue
            largest = self.session.scalar(select(func.max(id_column)))
            if largest is None:
                continue
            sequence = func.pg_get_serial_sequence(table.name, "id")
            self.session.execute(select(func.setval(sequence, largest)))


def _null_first(table: Table, name: str, process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """JSON columns store Python None as JSON null; say so without serialising (most ``before`` values)."""
    if not isinstance(table.c[name].type, JSON):
        return process
    return lambda value: JSON_NULL if value is None else process(value)


def _identity(value: Any) -> Any:
    return value


def _json_text(value: Any) -> str:
    # As SQLAlchemy's JSON type stores it: Python None becomes JSON null.
    return JSON_NULL if value is None else json.dumps(value)


def _copy_converter(table: Table, name: str) -> Callable[[Any], Any]:
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return _json_text
    if isinstance(column_type, UTCDateTime):
        return lambda value: column_type.process_bind_param(value, None)
    return _identity


def _scalar_default(table: Table, name: str) -> Any:
    default = table.c[name].default
    if not isinstance(default, ScalarElementColumnDefault):
        raise ValueError(f"{table.name}.{name} has no plain default: the generated rows must give it")
    return default.arg


def _with_defaults(order: list[str], defaults: dict[str, Any]) -> Any:
    def values_of(row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[name] if name in row else defaults[name] for name in order)

    return values_of
