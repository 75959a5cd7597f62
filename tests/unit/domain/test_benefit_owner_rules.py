"""Accountable owners and change control as pure rules (docs/benefits-and-resources.md): who accepts a
benefit's profile, who proposes a change to its baseline or target, and who may decide it (a design
authority member independent as for a gate decision, neither the proposer nor the benefit's owner)."""

from __future__ import annotations

import pytest

from changeauth.domain import permissions
from changeauth.domain.permissions import Actor, ImprovementFacts

OWNER, SPONSOR, SUBMITTER, CONFLICTED, FORMER, BENEFIT_OWNER, PROPOSER, MEMBER = range(1, 9)

WORK = ImprovementFacts(
    id=1,
    stage="delivery",
    submitter_id=SUBMITTER,
    owner_id=OWNER,
    sponsor_id=SPONSOR,
    conflicted_user_ids=frozenset({CONFLICTED}),
    former_holder_ids=frozenset({FORMER}),
)


def _da(user_id: int, *, active: bool = True) -> Actor:
    return Actor(user_id, frozenset({"staff", "design_authority"}), is_active=active)


def _decides(actor: Actor, improvement: ImprovementFacts | None = WORK) -> bool:
    return permissions.can_decide_plan_change(
        actor, proposer_id=PROPOSER, benefit_owner_id=BENEFIT_OWNER, improvement=improvement
    )


def test_an_independent_member_decides() -> None:
    assert _decides(_da(MEMBER))


@pytest.mark.parametrize("who", [OWNER, SPONSOR, SUBMITTER, CONFLICTED, FORMER, BENEFIT_OWNER, PROPOSER])
def test_nobody_with_an_interest_decides(who: int) -> None:
    assert not _decides(_da(who))


def test_a_member_who_has_left_or_is_not_design_authority_does_not_decide() -> None:
    assert not _decides(_da(MEMBER, active=False))
    assert not _decides(Actor(MEMBER, frozenset({"staff", "manager", "finance"})))


def test_a_programme_benefit_is_decided_by_any_member_but_its_proposer_and_owner() -> None:
    assert _decides(_da(OWNER), improvement=None)
    assert not _decides(_da(PROPOSER), improvement=None)
    assert not _decides(_da(BENEFIT_OWNER), improvement=None)


def test_who_proposes() -> None:
    def proposes(actor: Actor) -> bool:
        return permissions.can_propose_plan_change(actor, benefit_owner_id=BENEFIT_OWNER, improvement=WORK)

    assert proposes(Actor(BENEFIT_OWNER, frozenset({"staff"})))
    assert proposes(Actor(OWNER, frozenset({"staff", "manager"})))
    assert proposes(_da(MEMBER))
    assert not proposes(Actor(SPONSOR, frozenset({"staff", "manager"})))
    assert not proposes(Actor(BENEFIT_OWNER, frozenset({"staff"}), is_active=False))


def test_only_the_active_owner_accepts() -> None:
    assert permissions.can_accept_benefit(
        Actor(BENEFIT_OWNER, frozenset({"staff"})), benefit_owner_id=BENEFIT_OWNER
    )
    assert not permissions.can_accept_benefit(_da(MEMBER), benefit_owner_id=BENEFIT_OWNER)
    assert not permissions.can_accept_benefit(
        Actor(BENEFIT_OWNER, frozenset({"staff"}), is_active=False), benefit_owner_id=BENEFIT_OWNER
    )


def test_the_senior_responsible_owner_may_not_validate() -> None:
    finance_sponsor = Actor(SPONSOR, frozenset({"staff", "finance"}))
    assert not permissions.can_validate_benefit(
        finance_sponsor, benefit_owner_id=BENEFIT_OWNER, improvement=WORK
    )
    independent = Actor(MEMBER, frozenset({"staff", "finance"}))
    assert permissions.can_validate_benefit(independent, benefit_owner_id=BENEFIT_OWNER, improvement=WORK)
