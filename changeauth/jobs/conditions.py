"""The ``overdue-conditions`` job: conditions of a conditional go that are past their due date."""

from __future__ import annotations

from datetime import date

from changeauth.services.condition_monitoring import sweep_overdue_conditions


def overdue_conditions(as_of: date) -> dict[str, int]:
    """Flag open conditions past their due date for their owner and the improvement's owner."""
    return sweep_overdue_conditions(as_of)
