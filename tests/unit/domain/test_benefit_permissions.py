"""Who may do what with benefits and temporary resources (deny by default)."""

from __future__ import annotations

import pytest

from changeauth.domain import permissions as p
from changeauth.domain.permissions import Actor, ImprovementFacts


def actor(id_: int, *roles: str, active: bool = True) -> Actor:
    return Actor(id=id_, roles=frozenset({"staff", *roles}), is_active=active)


IMPROVEMENT = ImprovementFacts(id=1, stage="delivery", submitter_id=9, owner_id=2, sponsor_id=3)


def test_profiles_are_for_the_improvement_owner_and_the_design_authority() -> None:
    assert p.can_edit_benefit_profile(actor(2, "manager"), IMPROVEMENT)
    assert p.can_edit_benefit_profile(actor(5, "design_authority"), IMPROVEMENT)
    assert not p.can_edit_benefit_profile(actor(5, "manager", "finance"), IMPROVEMENT)
    assert not p.can_edit_benefit_profile(actor(2, "manager", active=False), IMPROVEMENT)
    assert not p.can_edit_benefit_profile(actor(2, "manager"), None)  # programme level: DA only
    assert p.can_edit_benefit_profile(actor(5, "design_authority"), None)


def test_reopening_a_closed_benefit_is_for_an_independent_design_authority_member() -> None:
    assert p.can_reopen_benefit(actor(5, "design_authority"), IMPROVEMENT)
    assert p.can_reopen_benefit(actor(5, "design_authority"), None)
    assert not p.can_reopen_benefit(actor(2, "manager"), IMPROVEMENT)  # the owner asks the DA
    assert not p.can_reopen_benefit(actor(3, "design_authority"), IMPROVEMENT)  # the sponsor
    assert not p.can_reopen_benefit(actor(5, "design_authority", active=False), IMPROVEMENT)


def test_measurements_by_the_benefit_or_improvement_owner() -> None:
    assert p.can_record_measurement(actor(7), benefit_owner_id=7, improvement_owner_id=2)
    assert p.can_record_measurement(actor(2), benefit_owner_id=7, improvement_owner_id=2)
    assert not p.can_record_measurement(
        actor(5, "design_authority"), benefit_owner_id=7, improvement_owner_id=2
    )
    assert not p.can_record_measurement(actor(7, active=False), benefit_owner_id=7, improvement_owner_id=None)


def test_finance_adjusts_and_validates_but_never_its_own_benefit() -> None:
    assert p.can_record_adjustment(actor(4, "finance"))
    assert not p.can_record_adjustment(actor(4, "design_authority", "manager"))
    assert p.can_validate_benefit(actor(4, "finance"), benefit_owner_id=7)
    assert not p.can_validate_benefit(actor(7, "finance"), benefit_owner_id=7)
    assert not p.can_validate_benefit(actor(4, "design_authority"), benefit_owner_id=7)


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("manager",), True),
        (("design_authority",), True),
        (("finance",), True),
        ((), False),
        (("viewer",), False),
    ],
)
def test_recording_temporary_resources(roles: tuple[str, ...], allowed: bool) -> None:
    assert p.can_manage_temporary_resources(actor(1, *roles)) is allowed


def test_extensions_by_da_or_finance_who_are_not_the_owner_and_ends_by_the_owner() -> None:
    assert p.can_extend_temporary_resource(actor(4, "finance"), owner_id=7)
    assert p.can_extend_temporary_resource(actor(5, "design_authority"), owner_id=7)
    assert not p.can_extend_temporary_resource(actor(7, "finance"), owner_id=7)
    assert not p.can_extend_temporary_resource(actor(8, "manager"), owner_id=7)
    assert p.can_end_temporary_resource(actor(7), owner_id=7)
    assert not p.can_end_temporary_resource(actor(4, "finance", "design_authority"), owner_id=7)


def test_job_runs_for_admins_and_viewers() -> None:
    assert p.can_view_job_runs(actor(1, "admin"))
    assert p.can_view_job_runs(Actor(id=1, roles=frozenset({"viewer"})))
    assert not p.can_view_job_runs(actor(1, "design_authority", "finance", "manager"))
