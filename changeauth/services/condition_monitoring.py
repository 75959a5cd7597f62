"""The overdue-conditions sweep: an open condition past its due date is flagged for its owner and the
improvement's owner, and the flag resolves once the condition is met or waived."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Subquery, literal, select, union

from changeauth.domain.gates import ConditionStatus
from changeauth.models import Condition, Improvement
from changeauth.services.monitoring import AnySelect, SweepCounts, sync_flags

FLAG_CONDITION_OVERDUE = "condition_overdue"

_condition = Condition.__table__
_improvement = Improvement.__table__


def _condition_and_improvement_owners(new_flags: Subquery) -> AnySelect:
    owners = select(new_flags.c.flag_id, _condition.c.owner_id.label("user_id")).join(
        _condition, _condition.c.id == new_flags.c.subject_id
    )
    improvement_owners = (
        select(new_flags.c.flag_id, _improvement.c.owner_id.label("user_id"))
        .join(_condition, _condition.c.id == new_flags.c.subject_id)
        .join(_improvement, _improvement.c.id == _condition.c.improvement_id)
        .where(_improvement.c.owner_id.is_not(None))
    )
    return select(union(owners, improvement_owners).subquery())


def sweep_overdue_conditions(as_of: date) -> dict[str, int]:
    """Raise ``condition_overdue`` for open conditions due before ``as_of``; resolve the rest. Set-based."""
    overdue = (
        select(
            _condition.c.id.label("subject_id"),
            (
                literal("Condition on ") + _improvement.c.ref + literal(" is overdue: ") + _condition.c.text
            ).label("message"),
        )
        .join(_improvement, _improvement.c.id == _condition.c.improvement_id)
        .where(_condition.c.status == ConditionStatus.OPEN, _condition.c.due_date < as_of)
    )
    counts = SweepCounts(
        {
            "condition_overdue": sync_flags(
                kind=FLAG_CONDITION_OVERDUE,
                subject_type="condition",
                severity="warning",
                on=as_of,
                candidates=overdue,
                recipients=_condition_and_improvement_owners,
            )
        }
    )
    return counts.as_dict()
