"""Reading dependencies between improvements as a person may see them: an improvement's needs and
what needs it, one dependency, every dependency (for the cycle rule) and the roadmap's needs.

Who may see an improvement sees a dependency of it only if they may also see the other improvement
(a withdrawn idea stays hidden from everyone but its submitter, the design authority and
administrators); no submitter is ever named here, so anonymous submitters stay anonymous.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.dependencies import DependencyState, state_of
from changeauth.domain.errors import NotFound
from changeauth.models import Improvement, ImprovementDependency, User


@dataclass(frozen=True)
class DependencySide:
    """One dependency seen from one of its two improvements: ``other`` is the improvement at the far end
    (what is needed, or what needs it), ``state`` where the needed one stands."""

    id: int
    improvement: Improvement
    depends_on: Improvement
    other: Improvement
    reason: str
    recorded_at: datetime
    recorded_by: str
    version: int

    @property
    def state(self) -> DependencyState:
        return state_of(self.depends_on.stage)


@dataclass(frozen=True)
class Dependencies:
    """What an improvement needs delivered first, and what needs it."""

    needs: list[DependencySide]
    needed_by: list[DependencySide]

    @property
    def waiting_for(self) -> list[DependencySide]:
        """The needs not delivered yet (or never to be): what a gate warns or blocks on."""
        return [side for side in self.needs if side.state is not DependencyState.DELIVERED]


def _visible(viewer: User, improvement: Improvement) -> bool:
    return permissions.can_view_improvement(viewer.as_actor(), improvement.visibility_facts())


def _loaded() -> tuple[object, ...]:
    return (
        joinedload(ImprovementDependency.improvement),
        joinedload(ImprovementDependency.depends_on),
        joinedload(ImprovementDependency.recorded_by),
    )


def _side(row: ImprovementDependency, *, other: Improvement) -> DependencySide:
    return DependencySide(
        id=row.id,
        improvement=row.improvement,
        depends_on=row.depends_on,
        other=other,
        reason=row.reason,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by.name,
        version=row.version,
    )


def dependencies_of(improvement: Improvement, viewer: User) -> Dependencies:
    """The improvement's needs and what needs it, each only when the viewer may see the other end, in
    reference order."""
    rows = db.session.scalars(
        select(ImprovementDependency)
        .options(*_loaded())  # type: ignore[arg-type]
        .where(
            (ImprovementDependency.improvement_id == improvement.id)
            | (ImprovementDependency.depends_on_id == improvement.id)
        )
        .order_by(ImprovementDependency.id)
    ).all()
    needs = [
        _side(row, other=row.depends_on)
        for row in rows
        if row.improvement_id == improvement.id and _visible(viewer, row.depends_on)
    ]
    needed_by = [
        _side(row, other=row.improvement)
        for row in rows
        if row.depends_on_id == improvement.id and _visible(viewer, row.improvement)
    ]
    return Dependencies(
        needs=sorted(needs, key=lambda side: side.other.ref),
        needed_by=sorted(needed_by, key=lambda side: side.other.ref),
    )


def get_dependency(dependency_id: int, viewer: User) -> ImprovementDependency:
    """One dependency with both improvements loaded; NotFound unless the viewer may see both."""
    row = db.session.scalar(
        select(ImprovementDependency)
        .options(*_loaded())  # type: ignore[arg-type]
        .where(ImprovementDependency.id == dependency_id)
    )
    if row is None or not (_visible(viewer, row.improvement) and _visible(viewer, row.depends_on)):
        raise NotFound("There is no such dependency.")
    return row


def side_of(row: ImprovementDependency) -> DependencySide:
    """A dependency (loaded by ``get_dependency``) seen from the improvement that needs the other."""
    return _side(row, other=row.depends_on)


def all_edges() -> list[tuple[int, int]]:
    """Every dependency as ``(needs, is needed)`` ids: the graph the cycle rule reads."""
    return [
        (dependent, depends_on)
        for dependent, depends_on in db.session.execute(
            select(ImprovementDependency.improvement_id, ImprovementDependency.depends_on_id)
        )
    ]


def needs_of(ids: Sequence[int], viewer: User) -> dict[int, list[Improvement]]:
    """For the roadmap: what each of these improvements needs delivered first, as the viewer may see it,
    in one query."""
    if not ids:
        return {}
    needs: dict[int, list[Improvement]] = {}
    for row in db.session.scalars(
        select(ImprovementDependency)
        .options(joinedload(ImprovementDependency.depends_on))
        .where(ImprovementDependency.improvement_id.in_(ids))
        .order_by(ImprovementDependency.id)
    ):
        if _visible(viewer, row.depends_on):
            needs.setdefault(row.improvement_id, []).append(row.depends_on)
    return needs
