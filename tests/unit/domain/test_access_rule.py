"""Who is independent of an improvement is never answered from facts that do not know its declared
conflicts: the model's facts need the conflict set, and facts read for visibility alone refuse the
question instead of answering it wrongly."""

from __future__ import annotations

import pytest

from changeauth.domain import permissions
from changeauth.domain.permissions import Actor, InterestsNotLoaded
from changeauth.models import Improvement

DA_MEMBER = Actor(id=7, roles=frozenset({"design_authority"}))


def _improvement() -> Improvement:
    return Improvement(id=1, stage="idea", submitter_id=2, owner_id=None, sponsor_id=None, is_anonymous=False)


def test_the_models_facts_need_the_conflict_set() -> None:
    with pytest.raises(TypeError):
        _improvement().facts()  # type: ignore[call-arg]


def test_a_declared_conflict_makes_a_member_interested() -> None:
    facts = _improvement().facts(frozenset({7}), frozenset())
    assert not permissions.is_independent(DA_MEMBER, facts)
    assert permissions.is_independent(DA_MEMBER, _improvement().facts(frozenset(), frozenset()))


def test_visibility_facts_answer_who_may_see_it_but_refuse_who_is_independent() -> None:
    facts = _improvement().visibility_facts()
    assert permissions.can_view_improvement(DA_MEMBER, facts)
    assert permissions.can_see_submitter(DA_MEMBER, facts)
    with pytest.raises(InterestsNotLoaded):
        permissions.is_independent(DA_MEMBER, facts)
    with pytest.raises(InterestsNotLoaded):
        permissions.can_decide_gate(DA_MEMBER, facts)
