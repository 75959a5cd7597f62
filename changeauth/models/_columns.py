"""Column helpers shared by the models: state columns typed by their enum, CHECK-constrained choices
and timestamps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import CheckConstraint, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column
from sqlalchemy.types import TypeDecorator

from changeauth.db import utcnow

E = TypeVar("E", bound=StrEnum)


class EnumString(TypeDecorator[E]):
    """A state stored as its enum's value in a VARCHAR and read back as the enum member.

    The database keeps a plain string with a named CHECK (``one_of``), so no data changes and the
    tables read the same from SQL; Python code gets the enum, which compares and type-checks as one.
    A word the enum does not know is passed to the database as it is: a filter on it matches nothing,
    and a write of it is refused by the CHECK, as before.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return value.value if isinstance(value, self.enum) else str(value)

    def process_result_value(self, value: Any, dialect: Any) -> E | None:
        return None if value is None else self.enum(value)

    def copy(self, **kw: Any) -> EnumString[E]:
        return EnumString(self.enum, self.length)


def _coerce_to(enum: type[E]) -> Callable[[Any, Any, Any, Any], Any]:
    def coerce(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
        if value is None or isinstance(value, enum):
            return value
        try:
            return enum(value)
        except ValueError:
            return value  # not a state: left for the service's validation, or the CHECK, to refuse

    return coerce


@event.listens_for(Mapper, "mapper_configured")
def _states_are_members_from_the_start(mapper: Mapper[Any], class_: type) -> None:
    """A state set from a word (``Condition(status="open")``) is held as the member at once, so a new,
    unflushed object answers ``condition.status is ConditionStatus.OPEN`` as a loaded one does."""
    for prop in mapper.column_attrs:
        for column in prop.columns:
            if isinstance(column.type, EnumString):
                event.listen(prop.class_attribute, "set", _coerce_to(column.type.enum), retval=True)


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """``column IN (...)`` as a named CHECK constraint: the database's own guard on a state column."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow)
