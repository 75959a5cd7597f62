"""Every state column is typed by its enum and checked by the database against exactly that enum's values.

A state is read as the enum member in Python (``improvement.stage is Stage.IDEA``) and stored as a plain
string with a named CHECK (docs/architecture.md#states-are-enums). This ties the two: a member added to an
enum without a migration widening the CHECK, or a new state column left a bare string, fails here."""

from __future__ import annotations

import re

from sqlalchemy import CheckConstraint, Column, String

import changeauth.models  # noqa: F401 - every table on the metadata
from changeauth.db import Base
from changeauth.models._columns import EnumString

# Column names that hold a state wherever they appear.
STATE_COLUMN_NAMES = re.compile(
    r"^(status|stage|\w+_stage|kind|route|severity|direction|cash_class|frequency|closing_status|rag|"
    r"data_quality|category|recurrence|purpose|role|gate|decision)$"
)
# Columns with a state-like name that are not a closed set of states, and why.
NOT_STATES = {
    # A notification's kind names the event that caused it; new events add kinds without a migration.
    ("notification", "kind"),
}


def _columns() -> list[tuple[str, Column[object]]]:
    return [(table.name, column) for table in Base.metadata.sorted_tables for column in table.columns]


def _check_values(table_name: str, column_name: str) -> list[str]:
    table = Base.metadata.tables[table_name]
    for constraint in table.constraints:
        if isinstance(constraint, CheckConstraint) and str(constraint.name).endswith(f"{column_name}_known"):
            return re.findall(r"'([^']*)'", str(constraint.sqltext))
    return []


def test_state_columns_are_enum_typed() -> None:
    bare = [
        f"{table}.{column.name}"
        for table, column in _columns()
        if STATE_COLUMN_NAMES.match(column.name)
        and (table, column.name) not in NOT_STATES
        and not isinstance(column.type, EnumString)
    ]
    assert not bare, f"type these state columns with EnumString(TheEnum, length): {bare}"


def test_each_enum_column_is_checked_against_its_enum() -> None:
    enum_columns = [(table, column) for table, column in _columns() if isinstance(column.type, EnumString)]
    assert len(enum_columns) >= 30
    wrong = {
        f"{table}.{column.name}": _check_values(table, column.name)
        for table, column in enum_columns
        if sorted(_check_values(table, column.name)) != sorted(m.value for m in column.type.enum)
    }
    assert not wrong, f"the CHECK (one_of) must list exactly the enum's values: {wrong}"


def test_each_value_fits_its_column() -> None:
    too_long = [
        f"{table}.{column.name}={member.value}"
        for table, column in _columns()
        if isinstance(column.type, EnumString)
        for member in column.type.enum
        if isinstance(column.type.impl, String) and len(member.value) > (column.type.impl.length or 0)
    ]
    assert not too_long


def test_an_enum_column_reads_the_member_and_passes_unknown_words_through() -> None:
    from changeauth.domain.lifecycle import Stage

    stage = EnumString(Stage, 20)
    assert stage.process_result_value("idea", None) is Stage.IDEA
    assert stage.process_bind_param(Stage.IDEA, None) == "idea"
    assert stage.process_bind_param("idea", None) == "idea"
    # A filter on a word that is no stage matches nothing rather than failing; the CHECK refuses a write.
    assert stage.process_bind_param("nonsense", None) == "nonsense"
    assert stage.process_bind_param(None, None) is None
