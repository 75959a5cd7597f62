"""Column helpers shared by the models: CHECK-constrained string choices and timestamps."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from changeauth.db import utcnow


def one_of(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """``column IN (...)`` as a named CHECK constraint, so statuses stay plain strings."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow)
