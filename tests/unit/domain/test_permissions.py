"""Tests for the permission predicates: deny by default, separation of duties, role matrix."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from changeauth.domain.lifecycle import ENDED_STAGES, Stage
from changeauth.domain.permissions import (
    Actor,
    ImprovementFacts,
    can_assign_roles_on_improvement,
    can_attend_gate,
    can_comment,
    can_decide_gate,
    can_declare_conflict,
    can_edit_idea_text,
    can_manage_api_tokens,
    can_manage_users,
    can_resubmit,
    can_resume,
    can_score,
    can_see_submitter,
    can_sign_in,
    can_start_delivery,
    can_submit_idea,
    can_support,
    can_triage,
    can_verify_audit_chain,
    can_view_audit_log,
    can_view_dashboard,
    can_view_improvement,
    can_withdraw,
    is_interested,
)
from changeauth.domain.roles import ALL_ROLES, Role

# People around one improvement. Ids 1-4 have an interest in it; 10+ do not.
SUBMITTER_ID = 1
OWNER_ID = 2
SPONSOR_ID = 3
CONFLICTED_ID = 4
OTHER_ID = 10

LIVE_STAGES = tuple(stage for stage in Stage if stage not in ENDED_STAGES)


def actor(user_id: int, *roles: Role, active: bool = True) -> Actor:
    return Actor(id=user_id, roles=frozenset(role.value for role in roles), is_active=active)


def improvement(stage: Stage = Stage.IDEA, *, anonymous: bool = False) -> ImprovementFacts:
    return ImprovementFacts(
        id=100,
        stage=stage.value,
        submitter_id=SUBMITTER_ID,
        owner_id=OWNER_ID,
        sponsor_id=SPONSOR_ID,
        is_anonymous=anonymous,
        conflicted_user_ids=frozenset({CONFLICTED_ID}),
    )


ActorPredicate = Callable[[Actor], bool]
ImprovementPredicate = Callable[[Actor, ImprovementFacts], bool]


# --- Deny by default: an inactive actor can do nothing -------------------------------------------------

# Each scenario is one where the *active* actor is allowed; the same person, deactivated, must not be.
IMPROVEMENT_SCENARIOS = [
    pytest.param(can_view_improvement, actor(OTHER_ID, Role.STAFF), improvement(), id="view"),
    pytest.param(
        can_view_improvement,
        actor(SUBMITTER_ID, Role.STAFF),
        improvement(Stage.WITHDRAWN),
        id="view-withdrawn-own",
    ),
    pytest.param(
        can_see_submitter,
        actor(OTHER_ID, Role.STAFF),
        improvement(),
        id="see-submitter-named",
    ),
    pytest.param(
        can_see_submitter,
        actor(SUBMITTER_ID, Role.STAFF),
        improvement(anonymous=True),
        id="see-submitter-anonymous-self",
    ),
    pytest.param(
        can_see_submitter, actor(OTHER_ID, Role.ADMIN), improvement(anonymous=True), id="see-submitter-admin"
    ),
    pytest.param(can_comment, actor(OTHER_ID, Role.STAFF), improvement(), id="comment"),
    pytest.param(can_support, actor(OTHER_ID, Role.STAFF), improvement(), id="support"),
    pytest.param(can_declare_conflict, actor(OTHER_ID, Role.STAFF), improvement(), id="declare-conflict"),
    pytest.param(can_triage, actor(OTHER_ID, Role.DESIGN_AUTHORITY), improvement(), id="triage"),
    pytest.param(
        can_decide_gate,
        actor(OTHER_ID, Role.DESIGN_AUTHORITY),
        improvement(Stage.BUSINESS_CASE),
        id="decide-gate",
    ),
    pytest.param(can_score, actor(OTHER_ID, Role.DESIGN_AUTHORITY), improvement(), id="score"),
    pytest.param(can_edit_idea_text, actor(SUBMITTER_ID, Role.STAFF), improvement(), id="edit-submitter"),
    pytest.param(
        can_edit_idea_text, actor(OWNER_ID, Role.STAFF), improvement(Stage.DELIVERY), id="edit-owner"
    ),
    pytest.param(can_withdraw, actor(SUBMITTER_ID, Role.STAFF), improvement(), id="withdraw"),
    pytest.param(can_resubmit, actor(SUBMITTER_ID, Role.STAFF), improvement(), id="resubmit"),
    pytest.param(
        can_start_delivery,
        actor(OTHER_ID, Role.DESIGN_AUTHORITY),
        improvement(Stage.APPROVED),
        id="start-delivery-da",
    ),
    pytest.param(
        can_start_delivery,
        actor(OWNER_ID, Role.STAFF),
        improvement(Stage.APPROVED),
        id="start-delivery-owner",
    ),
    pytest.param(can_resume, actor(OTHER_ID, Role.DESIGN_AUTHORITY), improvement(Stage.ON_HOLD), id="resume"),
]

ACTOR_SCENARIOS = [
    pytest.param(can_sign_in, actor(OTHER_ID, Role.STAFF), id="sign-in"),
    pytest.param(can_submit_idea, actor(OTHER_ID, Role.STAFF), id="submit-idea"),
    pytest.param(can_view_audit_log, actor(OTHER_ID, Role.VIEWER), id="audit-log"),
    pytest.param(can_verify_audit_chain, actor(OTHER_ID, Role.ADMIN), id="verify-chain"),
    pytest.param(can_manage_users, actor(OTHER_ID, Role.ADMIN), id="manage-users"),
    pytest.param(can_view_dashboard, actor(OTHER_ID, Role.MANAGER), id="dashboard"),
    pytest.param(can_assign_roles_on_improvement, actor(OTHER_ID, Role.DESIGN_AUTHORITY), id="assign-roles"),
    pytest.param(
        lambda a: can_manage_api_tokens(a, OTHER_ID), actor(OTHER_ID, Role.STAFF), id="own-api-tokens"
    ),
]


def _strip_marks(params: list[Any]) -> list[Any]:
    """The same scenarios without their xfail marks: the active case must pass regardless."""
    return [pytest.param(*p.values, id=p.id) for p in params]


class TestDenyByDefault:
    @pytest.mark.parametrize(("predicate", "who", "facts"), _strip_marks(IMPROVEMENT_SCENARIOS))
    def test_improvement_predicate_allows_when_active(
        self, predicate: ImprovementPredicate, who: Actor, facts: ImprovementFacts
    ) -> None:
        assert predicate(who, facts) is True

    @pytest.mark.parametrize(("predicate", "who", "facts"), IMPROVEMENT_SCENARIOS)
    def test_improvement_predicate_refuses_when_inactive(
        self, predicate: ImprovementPredicate, who: Actor, facts: ImprovementFacts
    ) -> None:
        assert predicate(dataclasses.replace(who, is_active=False), facts) is False

    @pytest.mark.parametrize(("predicate", "who"), ACTOR_SCENARIOS)
    def test_actor_predicate_allows_when_active(self, predicate: ActorPredicate, who: Actor) -> None:
        assert predicate(who) is True

    @pytest.mark.parametrize(("predicate", "who"), ACTOR_SCENARIOS)
    def test_actor_predicate_refuses_when_inactive(self, predicate: ActorPredicate, who: Actor) -> None:
        assert predicate(dataclasses.replace(who, is_active=False)) is False

    def test_has_refuses_every_role_when_inactive(self) -> None:
        everyone = Actor(id=OTHER_ID, roles=frozenset(ALL_ROLES), is_active=False)
        assert not any(everyone.has(role) for role in Role)

    def test_has_refuses_when_no_roles(self) -> None:
        nobody = actor(OTHER_ID)
        assert not any(nobody.has(role) for role in Role)


# --- Separation of duties --------------------------------------------------------------------------------

INTERESTED = pytest.mark.parametrize(
    "user_id",
    [
        pytest.param(SUBMITTER_ID, id="submitter"),
        pytest.param(OWNER_ID, id="owner"),
        pytest.param(SPONSOR_ID, id="sponsor"),
        pytest.param(CONFLICTED_ID, id="conflicted"),
    ],
)
DECIDING = pytest.mark.parametrize(
    "predicate",
    [
        pytest.param(can_triage, id="triage"),
        pytest.param(can_decide_gate, id="decide-gate"),
        pytest.param(can_score, id="score"),
        pytest.param(lambda a, facts: can_attend_gate(a.id, a.roles, facts), id="attend-gate"),
    ],
)


class TestSeparationOfDuties:
    @INTERESTED
    def test_is_interested_true_for_interested_party(self, user_id: int) -> None:
        assert is_interested(user_id, improvement()) is True

    def test_is_interested_false_for_independent_person(self) -> None:
        assert is_interested(OTHER_ID, improvement()) is False

    @DECIDING
    @INTERESTED
    @pytest.mark.parametrize("stage", [Stage.IDEA, Stage.BUSINESS_CASE, Stage.DELIVERY, Stage.REALISATION])
    def test_interested_da_member_refused(
        self, predicate: ImprovementPredicate, user_id: int, stage: Stage
    ) -> None:
        assert predicate(actor(user_id, Role.DESIGN_AUTHORITY), improvement(stage)) is False

    @DECIDING
    @INTERESTED
    def test_interested_da_member_refused_even_as_admin(
        self, predicate: ImprovementPredicate, user_id: int
    ) -> None:
        assert predicate(actor(user_id, Role.DESIGN_AUTHORITY, Role.ADMIN), improvement()) is False

    @DECIDING
    @pytest.mark.parametrize("stage", [Stage.IDEA, Stage.BUSINESS_CASE, Stage.DELIVERY, Stage.REALISATION])
    def test_independent_da_member_allowed(self, predicate: ImprovementPredicate, stage: Stage) -> None:
        assert predicate(actor(OTHER_ID, Role.DESIGN_AUTHORITY), improvement(stage)) is True

    @DECIDING
    @pytest.mark.parametrize("role", [role for role in Role if role is not Role.DESIGN_AUTHORITY])
    def test_independent_non_da_refused(self, predicate: ImprovementPredicate, role: Role) -> None:
        assert predicate(actor(OTHER_ID, role), improvement()) is False

    def test_can_attend_gate_refuses_conflict_declared_later(self) -> None:
        facts = dataclasses.replace(improvement(), conflicted_user_ids=frozenset({OTHER_ID}))
        assert can_attend_gate(OTHER_ID, {Role.DESIGN_AUTHORITY.value}, facts) is False
        assert can_attend_gate(OTHER_ID, {Role.DESIGN_AUTHORITY.value}, improvement()) is True

    def test_can_triage_refuses_staff_without_da_role(self) -> None:
        assert can_triage(actor(OTHER_ID, Role.STAFF), improvement()) is False

    def test_can_triage_allows_when_submitter_unknown(self) -> None:
        facts = dataclasses.replace(improvement(), submitter_id=None)
        assert can_triage(actor(SUBMITTER_ID, Role.DESIGN_AUTHORITY), facts) is True


# --- Role matrix for the role-only predicates -------------------------------------------------------------

ROLE_ALLOWED: dict[str, tuple[ActorPredicate, frozenset[Role]]] = {
    "audit-log": (can_view_audit_log, frozenset({Role.ADMIN, Role.VIEWER})),
    "verify-chain": (can_verify_audit_chain, frozenset({Role.ADMIN})),
    "manage-users": (can_manage_users, frozenset({Role.ADMIN})),
    "dashboard": (
        can_view_dashboard,
        frozenset({Role.VIEWER, Role.MANAGER, Role.DESIGN_AUTHORITY, Role.FINANCE, Role.ADMIN}),
    ),
    "assign-roles": (can_assign_roles_on_improvement, frozenset({Role.DESIGN_AUTHORITY, Role.ADMIN})),
    "sign-in": (can_sign_in, frozenset(Role)),
    "submit-idea": (can_submit_idea, frozenset(Role)),
}

# Independent actor, improvement at the stage the predicate applies to.
ROLE_ALLOWED_ON_IMPROVEMENT: dict[str, tuple[ImprovementPredicate, Stage, frozenset[Role]]] = {
    "triage": (can_triage, Stage.IDEA, frozenset({Role.DESIGN_AUTHORITY})),
    "decide-gate": (can_decide_gate, Stage.BUSINESS_CASE, frozenset({Role.DESIGN_AUTHORITY})),
    "score": (can_score, Stage.IDEA, frozenset({Role.DESIGN_AUTHORITY})),
    "start-delivery": (can_start_delivery, Stage.APPROVED, frozenset({Role.DESIGN_AUTHORITY})),
    "resume": (can_resume, Stage.ON_HOLD, frozenset({Role.DESIGN_AUTHORITY})),
    "view": (can_view_improvement, Stage.DELIVERY, frozenset(Role)),
    "view-withdrawn": (
        can_view_improvement,
        Stage.WITHDRAWN,
        frozenset({Role.DESIGN_AUTHORITY, Role.ADMIN}),
    ),
    "see-anonymous-submitter": (can_see_submitter, Stage.IDEA, frozenset({Role.ADMIN})),
    "edit-idea-text": (can_edit_idea_text, Stage.IDEA, frozenset()),
    "withdraw": (can_withdraw, Stage.IDEA, frozenset()),
    "support": (can_support, Stage.IDEA, frozenset(Role)),
}


class TestRoleMatrix:
    @pytest.mark.parametrize("role", list(Role), ids=str)
    @pytest.mark.parametrize("name", list(ROLE_ALLOWED))
    def test_role_only_predicate_matches_matrix(self, name: str, role: Role) -> None:
        predicate, allowed = ROLE_ALLOWED[name]
        assert predicate(actor(OTHER_ID, role)) is (role in allowed)

    @pytest.mark.parametrize("role", list(Role), ids=str)
    @pytest.mark.parametrize("name", list(ROLE_ALLOWED_ON_IMPROVEMENT))
    def test_improvement_predicate_matches_matrix_for_independent_actor(self, name: str, role: Role) -> None:
        predicate, stage, allowed = ROLE_ALLOWED_ON_IMPROVEMENT[name]
        facts = improvement(stage, anonymous=True)
        assert predicate(actor(OTHER_ID, role), facts) is (role in allowed)

    @pytest.mark.parametrize("name", list(ROLE_ALLOWED))
    def test_role_only_predicate_combines_roles(self, name: str) -> None:
        predicate, allowed = ROLE_ALLOWED[name]
        assert predicate(Actor(id=OTHER_ID, roles=frozenset(ALL_ROLES))) is bool(allowed)

    def test_unknown_role_string_grants_nothing(self) -> None:
        stranger = Actor(id=OTHER_ID, roles=frozenset({"superuser", "ADMIN"}))
        assert can_manage_users(stranger) is False
        assert can_view_audit_log(stranger) is False
        assert can_view_dashboard(stranger) is False


# --- Visibility ---------------------------------------------------------------------------------------------


class TestCanViewImprovement:
    @pytest.mark.parametrize("role", list(Role), ids=str)
    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.WITHDRAWN], ids=str)
    def test_everyone_active_sees_ordinary_improvement(self, stage: Stage, role: Role) -> None:
        assert can_view_improvement(actor(OTHER_ID, role), improvement(stage)) is True

    @pytest.mark.parametrize(
        ("who", "expected"),
        [
            pytest.param(actor(SUBMITTER_ID, Role.STAFF), True, id="submitter"),
            pytest.param(actor(OTHER_ID, Role.DESIGN_AUTHORITY), True, id="da"),
            pytest.param(actor(OTHER_ID, Role.ADMIN), True, id="admin"),
            pytest.param(actor(OTHER_ID, Role.STAFF), False, id="staff"),
            pytest.param(actor(OTHER_ID, Role.MANAGER), False, id="manager"),
            pytest.param(actor(OTHER_ID, Role.VIEWER), False, id="viewer"),
            pytest.param(actor(OTHER_ID, Role.FINANCE), False, id="finance"),
            pytest.param(actor(OWNER_ID, Role.STAFF), False, id="owner"),
            pytest.param(actor(SPONSOR_ID, Role.MANAGER), False, id="sponsor"),
        ],
    )
    def test_withdrawn_visible_only_to_submitter_da_admin(self, who: Actor, expected: bool) -> None:
        assert can_view_improvement(who, improvement(Stage.WITHDRAWN)) is expected


class TestCanSeeSubmitter:
    @pytest.mark.parametrize(
        ("who", "expected"),
        [
            pytest.param(actor(SUBMITTER_ID, Role.STAFF), True, id="submitter"),
            pytest.param(actor(OTHER_ID, Role.ADMIN), True, id="admin"),
            pytest.param(actor(OTHER_ID, Role.DESIGN_AUTHORITY), False, id="da"),
            pytest.param(actor(OTHER_ID, Role.VIEWER), False, id="viewer"),
            pytest.param(actor(OTHER_ID, Role.MANAGER), False, id="manager"),
            pytest.param(actor(OTHER_ID, Role.FINANCE), False, id="finance"),
            pytest.param(actor(OTHER_ID, Role.STAFF), False, id="staff"),
            pytest.param(actor(OWNER_ID, Role.STAFF), False, id="owner"),
            pytest.param(actor(SPONSOR_ID, Role.MANAGER), False, id="sponsor"),
        ],
    )
    @pytest.mark.parametrize("stage", [Stage.IDEA, Stage.DELIVERY, Stage.WITHDRAWN], ids=str)
    def test_anonymous_submitter_hidden_except_admin_and_self(
        self, who: Actor, expected: bool, stage: Stage
    ) -> None:
        assert can_see_submitter(who, improvement(stage, anonymous=True)) is expected

    @pytest.mark.parametrize("role", list(Role), ids=str)
    def test_named_submitter_visible_to_everyone(self, role: Role) -> None:
        assert can_see_submitter(actor(OTHER_ID, role), improvement(anonymous=False)) is True


# --- Taking part -------------------------------------------------------------------------------------------


class TestSupportAndComment:
    @pytest.mark.parametrize("stage", LIVE_STAGES, ids=str)
    def test_can_support_refuses_own_idea(self, stage: Stage) -> None:
        assert can_support(actor(SUBMITTER_ID, Role.STAFF, Role.ADMIN), improvement(stage)) is False

    @pytest.mark.parametrize("stage", [Stage.IDEA, Stage.BUSINESS_CASE, Stage.ON_HOLD], ids=str)
    def test_can_support_allows_others_before_the_decision_to_invest(self, stage: Stage) -> None:
        assert can_support(actor(OTHER_ID, Role.STAFF), improvement(stage)) is True

    @pytest.mark.parametrize("stage", [Stage.APPROVED, Stage.DELIVERY, Stage.REALISATION], ids=str)
    @pytest.mark.parametrize("role", list(Role), ids=str)
    def test_can_support_refuses_work_already_invested_in(self, stage: Stage, role: Role) -> None:
        # Offered on work realising its benefits, "Support this idea" asked a question already decided.
        assert can_support(actor(OTHER_ID, role), improvement(stage)) is False

    @pytest.mark.parametrize("stage", sorted(ENDED_STAGES), ids=str)
    @pytest.mark.parametrize("role", [Role.STAFF, Role.DESIGN_AUTHORITY, Role.ADMIN], ids=str)
    def test_can_support_refuses_ended_stage(self, stage: Stage, role: Role) -> None:
        assert can_support(actor(OTHER_ID, role), improvement(stage)) is False

    @pytest.mark.parametrize("stage", sorted(ENDED_STAGES), ids=str)
    def test_can_comment_refuses_ended_stage(self, stage: Stage) -> None:
        assert can_comment(actor(OTHER_ID, Role.ADMIN), improvement(stage)) is False

    @pytest.mark.parametrize("stage", LIVE_STAGES, ids=str)
    def test_can_comment_allows_live_stage(self, stage: Stage) -> None:
        assert can_comment(actor(SUBMITTER_ID, Role.STAFF), improvement(stage)) is True

    def test_can_declare_conflict_refuses_when_improvement_hidden(self) -> None:
        assert can_declare_conflict(actor(OTHER_ID, Role.STAFF), improvement(Stage.WITHDRAWN)) is False


# --- Editing and stage actions ---------------------------------------------------------------------------

EDIT_PEOPLE = {
    "submitter": actor(SUBMITTER_ID, Role.STAFF),
    "owner": actor(OWNER_ID, Role.STAFF),
    "sponsor": actor(SPONSOR_ID, Role.MANAGER),
    "da": actor(OTHER_ID, Role.DESIGN_AUTHORITY),
    "admin": actor(OTHER_ID, Role.ADMIN),
    "staff": actor(OTHER_ID, Role.STAFF),
}
EDIT_ALLOWED = {
    ("submitter", Stage.IDEA),
    ("owner", Stage.BUSINESS_CASE),
    ("owner", Stage.APPROVED),
    ("owner", Stage.DELIVERY),
}


class TestCanEditIdeaText:
    @pytest.mark.parametrize("stage", list(Stage), ids=str)
    @pytest.mark.parametrize("person", list(EDIT_PEOPLE))
    def test_edit_matrix(self, person: str, stage: Stage) -> None:
        expected = (person, stage) in EDIT_ALLOWED
        assert can_edit_idea_text(EDIT_PEOPLE[person], improvement(stage)) is expected

    def test_submitter_who_is_also_owner_edits_in_business_case(self) -> None:
        facts = dataclasses.replace(improvement(Stage.BUSINESS_CASE), owner_id=SUBMITTER_ID)
        assert can_edit_idea_text(actor(SUBMITTER_ID, Role.STAFF), facts) is True

    def test_owner_refused_while_still_an_idea(self) -> None:
        assert can_edit_idea_text(actor(OWNER_ID, Role.STAFF, Role.DESIGN_AUTHORITY), improvement()) is False

    @pytest.mark.parametrize("stage", [Stage.IDEA, Stage.DELIVERY], ids=str)
    def test_refused_when_no_owner_or_submitter_recorded(self, stage: Stage) -> None:
        facts = dataclasses.replace(improvement(stage), submitter_id=None, owner_id=None)
        assert can_edit_idea_text(actor(OTHER_ID, Role.ADMIN), facts) is False


STAGE_ACTION_PEOPLE = {
    "submitter": actor(SUBMITTER_ID, Role.STAFF),
    "owner": actor(OWNER_ID, Role.STAFF),
    "sponsor": actor(SPONSOR_ID, Role.MANAGER),
    "da": actor(OTHER_ID, Role.DESIGN_AUTHORITY),
    "admin": actor(OTHER_ID, Role.ADMIN),
    "staff": actor(OTHER_ID, Role.STAFF),
}
STAGE_ACTION_ALLOWED: dict[str, tuple[ImprovementPredicate, set[tuple[str, Stage]]]] = {
    "withdraw": (can_withdraw, {("submitter", Stage.IDEA)}),
    "resubmit": (can_resubmit, {("submitter", Stage.IDEA)}),
    "start-delivery": (can_start_delivery, {("owner", Stage.APPROVED), ("da", Stage.APPROVED)}),
    "resume": (can_resume, {("da", Stage.ON_HOLD)}),
}


class TestStageActions:
    @pytest.mark.parametrize("stage", list(Stage), ids=str)
    @pytest.mark.parametrize("person", list(STAGE_ACTION_PEOPLE))
    @pytest.mark.parametrize("action", list(STAGE_ACTION_ALLOWED))
    def test_stage_action_matrix(self, action: str, person: str, stage: Stage) -> None:
        predicate, allowed = STAGE_ACTION_ALLOWED[action]
        expected = (person, stage) in allowed
        assert predicate(STAGE_ACTION_PEOPLE[person], improvement(stage)) is expected


class TestApiTokens:
    def test_can_manage_own_tokens(self) -> None:
        assert can_manage_api_tokens(actor(OTHER_ID, Role.STAFF), OTHER_ID) is True

    @pytest.mark.parametrize("role", list(Role), ids=str)
    def test_cannot_manage_someone_elses_tokens(self, role: Role) -> None:
        assert can_manage_api_tokens(actor(OTHER_ID, role), SUBMITTER_ID) is False


@pytest.mark.parametrize("user_id", [SUBMITTER_ID, OWNER_ID, SPONSOR_ID, CONFLICTED_ID])
def test_an_interested_da_member_cannot_resume_held_work(user_id: int) -> None:
    assert can_resume(actor(user_id, Role.DESIGN_AUTHORITY), improvement(Stage.ON_HOLD)) is False


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"submitter_id": 7}, "you submitted it"),
        ({"submitter_id": 1, "owner_id": 7}, "you own it"),
        ({"submitter_id": 1, "sponsor_id": 7}, "you sponsor it"),
        ({"submitter_id": 1, "conflicted_user_ids": frozenset({7})}, "you declared a conflict"),
        ({"submitter_id": 1, "former_holder_ids": frozenset({7})}, "you owned or sponsored it in this stage"),
        ({"submitter_id": 1}, None),
    ],
)
def test_interest_in_names_why_a_member_is_not_independent(
    facts: dict[str, Any], expected: str | None
) -> None:
    from changeauth.domain.permissions import INTEREST_WORDS, ImprovementFacts, interest_in

    interest = interest_in(7, ImprovementFacts(id=1, stage=Stage.BUSINESS_CASE.value, **facts))
    assert (INTEREST_WORDS[interest] if interest else None) == expected
