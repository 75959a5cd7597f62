"""One predicate per action, deny by default.

Each takes plain values (an ``Actor`` and the facts about an improvement) so the rules are unit-tested
without a database. Views and services ask these; templates only show what the view computed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from changeauth.domain.lifecycle import ENDED_STAGES, Stage
from changeauth.domain.roles import Role


@dataclass(frozen=True)
class Actor:
    """The person acting: their id and roles."""

    id: int
    roles: frozenset[str]
    is_active: bool = True

    def has(self, *roles: Role) -> bool:
        return self.is_active and any(role.value in self.roles for role in roles)


@dataclass(frozen=True)
class ImprovementFacts:
    """What the rules need to know about an improvement."""

    id: int
    stage: str
    submitter_id: int | None
    owner_id: int | None = None
    sponsor_id: int | None = None
    is_anonymous: bool = False
    conflicted_user_ids: frozenset[int] = field(default_factory=frozenset)


def is_admin(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def is_design_authority(actor: Actor) -> bool:
    return actor.has(Role.DESIGN_AUTHORITY)


def is_interested(user_id: int, improvement: ImprovementFacts) -> bool:
    """Submitter, owner, sponsor or conflicted: separation of duties excludes them from deciding it."""
    return (
        user_id
        in {
            improvement.submitter_id,
            improvement.owner_id,
            improvement.sponsor_id,
        }
        or user_id in improvement.conflicted_user_ids
    )


def can_sign_in(actor: Actor) -> bool:
    return actor.is_active


def can_submit_idea(actor: Actor) -> bool:
    """Any signed-in member of staff may submit an idea."""
    return actor.is_active


def can_view_improvement(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Everyone sees the backlog (transparency); a withdrawn idea only its submitter, the DA and admins."""
    if not actor.is_active:
        return False
    if improvement.stage == Stage.WITHDRAWN.value:
        return actor.id == improvement.submitter_id or actor.has(Role.DESIGN_AUTHORITY, Role.ADMIN)
    return True


def can_see_submitter(actor: Actor, improvement: ImprovementFacts) -> bool:
    """An anonymous submitter is hidden from everyone but administrators (and themselves)."""
    if not actor.is_active:
        return False
    if not improvement.is_anonymous:
        return True
    return actor.has(Role.ADMIN) or actor.id == improvement.submitter_id


def can_comment(actor: Actor, improvement: ImprovementFacts) -> bool:
    return can_view_improvement(actor, improvement) and improvement.stage not in ENDED_STAGES


def can_support(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Staff support others' ideas; supporting your own would inflate it."""
    return (
        can_view_improvement(actor, improvement)
        and improvement.stage not in ENDED_STAGES
        and actor.id != improvement.submitter_id
    )


def can_declare_conflict(actor: Actor, improvement: ImprovementFacts) -> bool:
    return can_view_improvement(actor, improvement)


def can_triage(actor: Actor, improvement: ImprovementFacts) -> bool:
    """G0: one DA member who did not submit it and has no conflict."""
    return is_design_authority(actor) and not is_interested(actor.id, improvement)


def can_decide_gate(actor: Actor, improvement: ImprovementFacts) -> bool:
    """G1–G3: the recorder is a DA member independent of the improvement."""
    return is_design_authority(actor) and not is_interested(actor.id, improvement)


def can_attend_gate(user_id: int, user_roles: Collection[str], improvement: ImprovementFacts) -> bool:
    return Role.DESIGN_AUTHORITY.value in user_roles and not is_interested(user_id, improvement)


def can_score(actor: Actor, improvement: ImprovementFacts) -> bool:
    return is_design_authority(actor) and not is_interested(actor.id, improvement)


def can_edit_idea_text(actor: Actor, improvement: ImprovementFacts) -> bool:
    """The submitter while it is an idea; the owner from business case to delivery."""
    if improvement.stage == Stage.IDEA.value and actor.id == improvement.submitter_id:
        return actor.is_active
    in_flight = {Stage.BUSINESS_CASE.value, Stage.APPROVED.value, Stage.DELIVERY.value}
    return improvement.stage in in_flight and actor.id == improvement.owner_id and actor.is_active


def can_assign_roles_on_improvement(actor: Actor) -> bool:
    """Owner, sponsor, team, mandatory flag and programme are set by the design authority."""
    return is_design_authority(actor) or is_admin(actor)


def can_withdraw(actor: Actor, improvement: ImprovementFacts) -> bool:
    return improvement.stage == Stage.IDEA.value and actor.id == improvement.submitter_id and actor.is_active


def can_resubmit(actor: Actor, improvement: ImprovementFacts) -> bool:
    return can_withdraw(actor, improvement)


def can_start_delivery(actor: Actor, improvement: ImprovementFacts) -> bool:
    return (
        actor.is_active
        and improvement.stage == Stage.APPROVED.value
        and (actor.id == improvement.owner_id or is_design_authority(actor))
    )


def can_resume(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Resuming held work is a design authority decision, so separation of duties applies."""
    return (
        improvement.stage == Stage.ON_HOLD.value
        and is_design_authority(actor)
        and not is_interested(actor.id, improvement)
    )


def can_view_audit_log(actor: Actor) -> bool:
    return actor.has(Role.ADMIN, Role.VIEWER)


def can_verify_audit_chain(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_manage_users(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_dashboard(actor: Actor) -> bool:
    """Viewers and everyone above them: managers, DA, finance, admins."""
    return actor.has(Role.VIEWER, Role.MANAGER, Role.DESIGN_AUTHORITY, Role.FINANCE, Role.ADMIN)


def can_manage_api_tokens(actor: Actor, token_owner_id: int) -> bool:
    return actor.is_active and actor.id == token_owner_id
