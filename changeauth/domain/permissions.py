"""One predicate per action, deny by default.

Each takes plain values (an ``Actor`` and the facts about an improvement) so the rules are unit-tested
without a database. Views and services ask these; templates only show what the view computed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from changeauth.domain import benefits, temporary_resources
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


def can_write_business_case(actor: Actor, improvement: ImprovementFacts) -> bool:
    """The improvement's owner or a DA member writes and submits its business case.

    Whether the stage allows a case is a lifecycle rule (409), checked by the service, not here.
    """
    if not can_view_improvement(actor, improvement):
        return False
    return actor.id == improvement.owner_id or is_design_authority(actor)


def can_browse_business_cases(actor: Actor) -> bool:
    """The business-case list is in the navigation of those who write, decide, check or scrutinise
    cases; anyone may still read a case from its improvement's page."""
    return actor.has(Role.MANAGER, Role.DESIGN_AUTHORITY, Role.FINANCE, Role.VIEWER, Role.ADMIN)


def can_decide_business_case(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Approving or returning a submitted case is part of the G1 decision: an independent DA member."""
    return can_decide_gate(actor, improvement)


def can_view_audit_log(actor: Actor) -> bool:
    return actor.has(Role.ADMIN, Role.VIEWER)


def can_import_ideas(actor: Actor) -> bool:
    """Issue 8: bringing a spreadsheet backlog in is for managers, the design authority and admins."""
    return actor.has(Role.MANAGER, Role.DESIGN_AUTHORITY, Role.ADMIN)


def can_export_audit_log(actor: Actor) -> bool:
    """Issue 8: the whole log leaves the system only in an admin's hands."""
    return actor.has(Role.ADMIN)


def can_verify_audit_chain(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_manage_users(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def can_view_dashboard(actor: Actor) -> bool:
    """Viewers and everyone above them: managers, DA, finance, admins."""
    return actor.has(Role.VIEWER, Role.MANAGER, Role.DESIGN_AUTHORITY, Role.FINANCE, Role.ADMIN)


def can_manage_api_tokens(actor: Actor, token_owner_id: int) -> bool:
    return actor.is_active and actor.id == token_owner_id


# --- Benefits and temporary resources (design §7, §8) ---------------------------------------------------


def can_edit_benefit_profile(actor: Actor, improvement: ImprovementFacts | None) -> bool:
    """The improvement's owner or a DA member; a programme-level benefit (no improvement) only the DA."""
    if not actor.is_active:
        return False
    if is_design_authority(actor):
        return True
    return improvement is not None and actor.id == improvement.owner_id


def can_record_measurement(actor: Actor, *, benefit_owner_id: int, improvement_owner_id: int | None) -> bool:
    """The person who owns the benefit, or the owner of its improvement."""
    return actor.is_active and actor.id in {benefit_owner_id, improvement_owner_id}


def can_record_adjustment(actor: Actor) -> bool:
    """Like-for-like adjustments are finance's call."""
    return actor.has(Role.FINANCE)


def can_validate_benefit(actor: Actor, *, benefit_owner_id: int) -> bool:
    """Finance validates a cashable benefit, never its own (separation of duties)."""
    return actor.is_active and benefits.can_validate(
        validator_id=actor.id, validator_is_finance=actor.has(Role.FINANCE), benefit_owner_id=benefit_owner_id
    )


def can_manage_temporary_resources(actor: Actor) -> bool:
    """Managers, DA members and finance record temporary resources."""
    return actor.has(Role.MANAGER, Role.DESIGN_AUTHORITY, Role.FINANCE)


def can_extend_temporary_resource(actor: Actor, *, owner_id: int) -> bool:
    """A DA or finance member who is not the resource's owner."""
    return actor.is_active and temporary_resources.can_extend(
        actor_id=actor.id, actor_roles=actor.roles, owner_id=owner_id
    )


def can_end_temporary_resource(actor: Actor, *, owner_id: int) -> bool:
    """The owner records the day the resource actually ended."""
    return actor.is_active and actor.id == owner_id


def can_view_benefits_and_resources(actor: Actor) -> bool:
    """The tracker and the register: managers, DA, finance, viewers and admins."""
    return can_view_dashboard(actor)


def can_view_job_runs(actor: Actor) -> bool:
    return actor.has(Role.ADMIN, Role.VIEWER)


# --- scoring and the backlog (issue 6) ---------------------------------------------------------


def can_view_backlog(actor: Actor) -> bool:
    """The ranking, matrix and roadmap are open to every member of staff: prioritisation is transparent."""
    return actor.is_active


def can_manage_scoring_schemes(actor: Actor) -> bool:
    """Drafting, previewing and activating scheme versions, and adopting what-if weights."""
    return actor.has(Role.ADMIN)


def can_preview_weights(actor: Actor) -> bool:
    """What-if: DA members explore other weights; admins adopt them."""
    return actor.has(Role.DESIGN_AUTHORITY, Role.ADMIN)


def can_plan_roadmap(actor: Actor) -> bool:
    """Setting an improvement's planned quarter is a design authority task."""
    return is_design_authority(actor)


def reads_all_scores(actor: Actor) -> bool:
    """Admins and viewers, who never score, may read every member's individual scores."""
    return actor.has(Role.ADMIN, Role.VIEWER)


# Proposals are scored from the business case until the work ends (design §5, §13).
SCOREABLE_STAGES = frozenset(
    {Stage.BUSINESS_CASE, Stage.APPROVED, Stage.DELIVERY, Stage.REALISATION, Stage.ON_HOLD}
)


def is_scoreable(improvement: ImprovementFacts) -> bool:
    return improvement.stage in SCOREABLE_STAGES


# --- the portfolio optimiser (issue 9) ----------------------------------------------------------------


def can_use_portfolio(actor: Actor) -> bool:
    """Running the optimiser and reading saved scenarios: DA members, viewers (scrutiny) and admins."""
    return actor.has(Role.DESIGN_AUTHORITY, Role.VIEWER, Role.ADMIN)


def can_save_portfolio_scenario(actor: Actor) -> bool:
    """Viewers scrutinise the plan; the design authority and admins keep scenarios."""
    return actor.has(Role.DESIGN_AUTHORITY, Role.ADMIN)


def can_agree_portfolio_plan(actor: Actor) -> bool:
    """Marking the agreed plan is a design authority decision."""
    return is_design_authority(actor)


def can_record_delivery_estimate(actor: Actor, improvement: ImprovementFacts) -> bool:
    """The owner or a DA member records how many person-months delivering it will take, while it is
    still to be delivered (business case, approved, delivery)."""
    in_flight = {Stage.BUSINESS_CASE.value, Stage.APPROVED.value, Stage.DELIVERY.value}
    if not actor.is_active or improvement.stage not in in_flight:
        return False
    return actor.id == improvement.owner_id or is_design_authority(actor)
