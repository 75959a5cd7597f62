"""Reading a state from what a person or a client sent: the enum member, or None when it names none."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def member_or_none(enum: type[E], value: str) -> E | None:
    """``enum(value)`` when ``value`` is one of its values (or members), else None, so a service can
    answer a word it does not know with its own message."""
    try:
        return enum(value)
    except ValueError:
        return None
