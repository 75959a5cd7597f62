"""Recording and removing dependencies between improvements (one needs another delivered first).

The rules: the dependent improvement's owner or a design authority member records one, with a reason;
only a design authority member independent of the dependent improvement removes one (it lifts a block
at go-live). Work that will never be delivered cannot be depended on, and a dependency that would close
a cycle is refused in words. Every change is in the audit log. Flushes, never commits.
"""

from __future__ import annotations

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.dependencies import (
    REASON_MAX,
    cycle_if_added,
    may_be_depended_on,
    needs_from,
    reachable,
)
from changeauth.domain.errors import AlreadyExists, PermissionDenied, ValidationFailed
from changeauth.models import Improvement, ImprovementDependency, User
from changeauth.queries import dependencies as dependency_queries
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded, touch


def _reason_errors(reason: str) -> dict[str, list[str]]:
    if not reason.strip():
        return {"reason": ["Say why it is needed first (or, when removing, why it no longer is)."]}
    if len(reason) > REASON_MAX:
        return {"reason": [f"Keep the reason to {REASON_MAX:,} characters or fewer."]}
    return {}


def _cycle_message(improvement: Improvement, target: Improvement, chain: list[int], viewer: User) -> str:
    """The circle in words, naming only the improvements the person may see."""
    if len(chain) == 2 and chain[0] == chain[1]:
        return "An improvement cannot need itself."
    people = {row.id: row for row in db.session.scalars(select(Improvement).where(Improvement.id.in_(chain)))}
    names = [
        people[step].ref
        if permissions.can_view_improvement(viewer.as_actor(), people[step].visibility_facts())
        else "another improvement"
        for step in chain[1:-1]
    ]
    through = f" (through {', '.join(names[1:])})" if len(names) > 1 else ""
    return (
        f"{target.ref} already needs {improvement.ref} delivered first{through}. Each would wait for the "
        "other and neither could go live, so this dependency is not recorded."
    )


def record_dependency(
    improvement: Improvement,
    *,
    actor: User,
    expected_version: int | None,
    depends_on_id: int | None,
    reason: str,
) -> ImprovementDependency:
    """Record that ``improvement`` needs the improvement ``depends_on_id`` delivered first, with a reason.

    Raises PermissionDenied, ValidationFailed (no such improvement, one that will never be delivered, a
    cycle, no reason), AlreadyExists or VersionConflict. Guarded by the version of the improvement and of
    every improvement the new one would wait for, so two dependencies recorded at once cannot close a
    cycle between them. Flushes, does not commit.
    """
    if not permissions.can_record_dependency(*access_to(improvement, actor)):
        raise PermissionDenied(
            "Only the improvement's owner or a design authority member may record what it needs first."
        )
    errors = _reason_errors(reason)
    target = db.session.get(Improvement, depends_on_id) if depends_on_id is not None else None
    if target is None or not permissions.can_view_improvement(actor.as_actor(), target.visibility_facts()):
        errors["depends_on"] = ["There is no improvement with that reference."]
    elif target.id == improvement.id:
        errors["depends_on"] = ["An improvement cannot need itself."]
    elif not may_be_depended_on(target.stage):
        errors["depends_on"] = [
            f"{target.ref} was stopped, withdrawn or merged, so it will never be delivered. If it was "
            "merged, choose the work it joined."
        ]
    if errors or target is None:
        raise ValidationFailed(errors)
    existing = db.session.scalar(
        select(ImprovementDependency.id).where(
            ImprovementDependency.improvement_id == improvement.id,
            ImprovementDependency.depends_on_id == target.id,
        )
    )
    if existing is not None:
        raise AlreadyExists(f"{improvement.ref} already needs {target.ref} delivered first.")
    edges = dependency_queries.all_edges()
    chain = cycle_if_added(edges, improvement.id, target.id)
    if chain is not None:
        raise ValidationFailed({"depends_on": [_cycle_message(improvement, target, list(chain), actor)]})
    expect_version(improvement, expected_version)
    # The cycle check read the needs of every improvement the target waits for: moving their versions
    # (and this one's) makes a concurrent dependency among them lose at the flush instead of closing a
    # cycle the check could not see (docs/gates.md#dependencies-between-improvements).
    touch(improvement)
    waited_for = reachable(needs_from(edges), target.id)
    for other in db.session.scalars(select(Improvement).where(Improvement.id.in_(waited_for))):
        touch(other)
    row = ImprovementDependency(
        improvement_id=improvement.id,
        depends_on_id=target.id,
        reason=reason.strip(),
        recorded_by_id=actor.id,
        recorded_at=db.utcnow(),
    )
    db.session.add(row)
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="dependency.recorded",
        subject_type="improvement",
        subject_id=improvement.id,
        subject_version=improvement.version,
        after={"dependency_id": row.id, "depends_on_id": target.id, "depends_on": target.ref},
        reason=row.reason,
    )
    return row


def remove_dependency(
    dependency: ImprovementDependency, *, actor: User, expected_version: int | None, reason: str
) -> None:
    """Remove a dependency, with a reason: an independent design authority member only, as it lifts a
    block at go-live. Raises PermissionDenied, ValidationFailed or VersionConflict. Flushes."""
    improvement = db.session.get_one(Improvement, dependency.improvement_id)
    if not permissions.can_remove_dependency(*access_to(improvement, actor)):
        raise PermissionDenied(
            "Only a design authority member with no interest in this improvement may remove what it needs."
        )
    errors = _reason_errors(reason)
    if errors:
        raise ValidationFailed(errors)
    expect_version(dependency, expected_version)
    before = {"dependency_id": dependency.id, "depends_on_id": dependency.depends_on_id}
    db.session.delete(dependency)
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="dependency.removed",
        subject_type="improvement",
        subject_id=improvement.id,
        before=before,
        reason=reason.strip(),
    )
