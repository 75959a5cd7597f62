"""One predicate per action, deny by default.

Each takes plain values (an ``Actor`` and the facts about an improvement) so the rules are unit-tested
without a database. Views and services ask these; templates only show what the view computed.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import NamedTuple

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
    # Everyone who owned or sponsored it at any time since it entered its current stage: handing the
    # role to someone else for a moment must not make a person independent of it.
    former_holder_ids: frozenset[int] = field(default_factory=frozenset)
    # False for facts read without the two sets above (``Improvement.visibility_facts``): enough to say
    # who may see the improvement and its submitter, never who is independent of it.
    interests_known: bool = True


class InterestsNotLoaded(RuntimeError):
    """A rule about who is independent of an improvement was asked with facts that do not know its
    declared conflicts or former owners and sponsors; use ``queries.improvements.access_to``."""


class Access(NamedTuple):
    """The person acting and everything the rules need about the improvement, conflicts included:
    ``permissions.can_decide_gate(*access)``."""

    actor: Actor
    improvement: ImprovementFacts


def is_admin(actor: Actor) -> bool:
    return actor.has(Role.ADMIN)


def is_design_authority(actor: Actor) -> bool:
    return actor.has(Role.DESIGN_AUTHORITY)


def is_interested(user_id: int, improvement: ImprovementFacts) -> bool:
    """Submitter, owner, sponsor, conflicted, or owner or sponsor at any time in the current stage:
    separation of duties excludes them from deciding it."""
    if not improvement.interests_known:
        raise InterestsNotLoaded(f"improvement {improvement.id}: who is interested was not loaded")
    return (
        user_id
        in {
            improvement.submitter_id,
            improvement.owner_id,
            improvement.sponsor_id,
        }
        or user_id in improvement.conflicted_user_ids
        or user_id in improvement.former_holder_ids
    )


class Interest(enum.Enum):
    """Why a person is not independent of an improvement, the first that applies."""

    SUBMITTED = "submitted"
    OWNS = "owns"
    SPONSORS = "sponsors"
    CONFLICT = "conflict"
    HELD_IN_STAGE = "held_in_stage"


INTEREST_WORDS = {
    Interest.SUBMITTED: "you submitted it",
    Interest.OWNS: "you own it",
    Interest.SPONSORS: "you sponsor it",
    Interest.CONFLICT: "you declared a conflict",
    Interest.HELD_IN_STAGE: "you owned or sponsored it in this stage",
}


def interest_in(user_id: int, improvement: ImprovementFacts) -> Interest | None:
    """The person's interest in the improvement (what ``is_interested`` finds), or None."""
    if not is_interested(user_id, improvement):
        return None
    if user_id == improvement.submitter_id:
        return Interest.SUBMITTED
    if user_id == improvement.owner_id:
        return Interest.OWNS
    if user_id == improvement.sponsor_id:
        return Interest.SPONSORS
    if user_id in improvement.conflicted_user_ids:
        return Interest.CONFLICT
    return Interest.HELD_IN_STAGE


def is_independent(actor: Actor, improvement: ImprovementFacts) -> bool:
    """A design authority member with no interest in the improvement: who may score, decide, waive,
    resume, re-rank it or change who owns and sponsors it."""
    return is_design_authority(actor) and not is_interested(actor.id, improvement)


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


# Support is a voice for an idea while the design authority is still to decide whether to invest in it;
# once it is approved there is nothing left for support to weigh on.
SUPPORTABLE_STAGES = frozenset({Stage.IDEA, Stage.BUSINESS_CASE, Stage.ON_HOLD})


def can_support(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Staff support others' ideas until the decision to invest; supporting your own would inflate it."""
    return (
        can_view_improvement(actor, improvement)
        and improvement.stage in SUPPORTABLE_STAGES
        and actor.id != improvement.submitter_id
    )


def can_declare_conflict(actor: Actor, improvement: ImprovementFacts) -> bool:
    """While decisions remain to be made on it: a conflict on ended work would stop nothing."""
    return can_view_improvement(actor, improvement) and improvement.stage not in ENDED_STAGES


# People who do the council's work may own improvements, benefits and conditions; someone who only
# reads (a viewer: members, scrutiny, audit) may not, as they could never act on what they own.
WORKING_ROLES = frozenset({Role.STAFF.value, Role.MANAGER.value, Role.DESIGN_AUTHORITY.value})
OWNER_MUST_WORK = (
    "Choose someone who works on improvements: this person can only read the records, so could never act "
    "on what they own."
)


def may_own_work(roles: Collection[str], *, is_active: bool = True) -> bool:
    """Whether someone with these roles may be made the owner or sponsor of an improvement, or the owner
    of a benefit or a condition."""
    return is_active and bool(WORKING_ROLES.intersection(roles))


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
    """Team and programme are set by the design authority."""
    return is_design_authority(actor) or is_admin(actor)


def can_reassign_improvement(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Who owns or sponsors it and whether it is mandatory (which ranks it first) are decisions: an
    independent design authority member or an administrator makes them."""
    return is_admin(actor) or is_independent(actor, improvement)


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


def can_write_programme_business_case(actor: Actor) -> bool:
    """A programme's own business case is written, submitted and recorded as approved by members (or
    returned) by the design authority: a programme has no owner of its own in changeauth."""
    return is_design_authority(actor)


def can_complete_meeting_action(actor: Actor, *, owner_id: int) -> bool:
    """A meeting's action is marked done by its owner, or by a design authority member."""
    return actor.is_active and (actor.id == owner_id or is_design_authority(actor))


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
    """Bringing a spreadsheet backlog in is for managers, the design authority and admins."""
    return actor.has(Role.MANAGER, Role.DESIGN_AUTHORITY, Role.ADMIN)


def can_export_audit_log(actor: Actor) -> bool:
    """The whole log leaves the system only in an admin's hands."""
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


# --- Benefits and temporary resources (docs/benefits-and-resources.md) ---------------------------------


def can_edit_benefit_profile(actor: Actor, improvement: ImprovementFacts | None) -> bool:
    """The improvement's owner or a DA member; a programme-level benefit (no improvement) only the DA."""
    if not actor.is_active:
        return False
    if is_design_authority(actor):
        return True
    return improvement is not None and actor.id == improvement.owner_id


def can_record_lesson(actor: Actor, improvement: ImprovementFacts | None) -> bool:
    """A lesson learned from an improvement: its owner or sponsor, who know what happened, or a design
    authority member, at any stage; a programme's lesson (no improvement) only the design authority."""
    if not actor.is_active:
        return False
    if is_design_authority(actor):
        return True
    return improvement is not None and actor.id in (improvement.owner_id, improvement.sponsor_id)


def can_reopen_benefit(actor: Actor, improvement: ImprovementFacts | None) -> bool:
    """Reopening a closed benefit undoes part of a benefits review, so it is a design authority member's
    call, and one independent of the improvement (as for any gate decision)."""
    if not is_design_authority(actor):
        return False
    return improvement is None or not is_interested(actor.id, improvement)


def can_record_measurement(actor: Actor, *, benefit_owner_id: int, improvement_owner_id: int | None) -> bool:
    """The person who owns the benefit, or the owner of its improvement."""
    return actor.is_active and actor.id in {benefit_owner_id, improvement_owner_id}


def can_propose_plan_change(
    actor: Actor, *, benefit_owner_id: int, improvement: ImprovementFacts | None
) -> bool:
    """Who may propose a change to a benefit's baseline or target under change control: the benefit's
    owner, the improvement's owner or a design authority member (a programme's benefit, the DA)."""
    if not actor.is_active:
        return False
    return can_edit_benefit_profile(actor, improvement) or actor.id == benefit_owner_id


def can_decide_plan_change(
    actor: Actor,
    *,
    proposer_id: int | None,
    benefit_owner_id: int,
    improvement: ImprovementFacts | None,
) -> bool:
    """The design authority approves or rejects a change to an approved benefit's baseline or target under
    the separation of duties of a gate decision (``can_decide_gate``): a DA member with no interest in the
    improvement (submitter, owner, sponsor, conflicted, a holder in its current stage), and neither the
    person who proposed it nor the benefit's owner, who would otherwise approve their own target."""
    if not is_design_authority(actor) or actor.id in {proposer_id, benefit_owner_id}:
        return False
    return improvement is None or not is_interested(actor.id, improvement)


def can_accept_benefit(actor: Actor, *, benefit_owner_id: int) -> bool:
    """Only the benefit's owner accepts its profile: the acceptance says the person accountable for
    realising it agrees to what it promises (Managing Benefits)."""
    return actor.is_active and actor.id == benefit_owner_id


def can_record_adjustment(actor: Actor) -> bool:
    """Like-for-like adjustments are finance's call."""
    return actor.has(Role.FINANCE)


def can_validate_benefit(
    actor: Actor,
    *,
    benefit_owner_id: int,
    improvement: ImprovementFacts | None = None,
    recorder_ids: Collection[int | None] = (),
) -> bool:
    """Finance validates a cashable benefit, independent of it (separation of duties): not its owner,
    not interested in its improvement (submitter, owner, sponsor, conflicted, or a holder in the current
    stage), and not the person who recorded any of the figures the validation covers."""
    return (
        actor.is_active
        and benefits.can_validate(
            validator_id=actor.id,
            validator_is_finance=actor.has(Role.FINANCE),
            benefit_owner_id=benefit_owner_id,
        )
        and (improvement is None or not is_interested(actor.id, improvement))
        and actor.id not in set(recorder_ids)
    )


def can_sign_off_budget_reduction(
    actor: Actor,
    *,
    benefit_owner_id: int,
    improvement: ImprovementFacts | None = None,
    recorder_ids: Collection[int | None] = (),
) -> bool:
    """Taking a saving out of a budget is a finance sign-off, under the same separation of duties as
    validating it: never one's own benefit, an improvement one has an interest in, or figures one
    recorded."""
    return can_validate_benefit(
        actor, benefit_owner_id=benefit_owner_id, improvement=improvement, recorder_ids=recorder_ids
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


# --- scoring and the backlog ---------------------------------------------------------


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


# Proposals are scored from the business case until the work ends (docs/scoring-and-backlog.md).
SCOREABLE_STAGES = frozenset(
    {Stage.BUSINESS_CASE, Stage.APPROVED, Stage.DELIVERY, Stage.REALISATION, Stage.ON_HOLD}
)


# A member's "waiting for your score" list: the proposals whose rank still informs a decision to come
# (approval at G1, then when delivery starts). Work already in delivery or beyond, and ideas held before
# a business case was asked for, may still be scored from their page but are nobody's to-do.
SCORING_TO_DO_STAGES = frozenset({Stage.BUSINESS_CASE, Stage.APPROVED})


def is_scoreable(improvement: ImprovementFacts) -> bool:
    return improvement.stage in SCOREABLE_STAGES


# --- the portfolio optimiser ----------------------------------------------------------------


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


def can_record_dependency(actor: Actor, improvement: ImprovementFacts) -> bool:
    """That this improvement needs another delivered first: its owner, who knows the work, or a design
    authority member, while it is still to be delivered (not ended). Adding one only adds a check."""
    return (
        actor.is_active
        and improvement.stage not in ENDED_STAGES
        and (actor.id == improvement.owner_id or is_design_authority(actor))
    )


def can_remove_dependency(actor: Actor, improvement: ImprovementFacts) -> bool:
    """Removing a dependency lifts a block at go-live, so it is a decision for a design authority member
    independent of the improvement that needs the other (separation of duties), never its owner."""
    return is_independent(actor, improvement)
