"""Change control of a benefit's baseline and target: once the improvement's business case is approved, a
change to either is a change request with a reason that an independent design authority member approves
(then it is applied) or rejects; the benefit's history of baselines and targets names who proposed each
change, who approved it and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth.domain.benefits import ChangeRequestStatus, needs_change_request
from changeauth.domain.errors import (
    AlreadyExists,
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.models import AuditEvent, ConflictDeclaration, Notification
from changeauth.queries import benefits as benefit_queries
from changeauth.services import benefit_control
from changeauth.services import benefits as benefit_service
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory, UserFactory


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.mark.parametrize(
    ("stage", "held_from", "needed"),
    [
        ("business_case", None, False),
        ("approved", None, True),
        ("delivery", None, True),
        ("realisation", None, True),
        ("on_hold", "delivery", True),
        ("on_hold", "business_case", False),
        (None, None, False),
    ],
)
def test_a_change_request_is_needed_once_the_case_is_approved(
    stage: str | None, held_from: str | None, needed: bool
) -> None:
    assert needs_change_request(improvement_stage=stage, held_from_stage=held_from) is needed


def _change(benefit: Any, reason: str | None = None, **changes: Any) -> Any:
    return benefit_service.update_benefit(
        benefit.id,
        actor=benefit.improvement.owner,
        changes=changes,
        expected_version=benefit.version,
        reason=reason,
    )


def _propose(
    benefit: Any, actor: Any = None, reason: str = "The new rota starts a quarter later.", **plan: Any
) -> Any:
    return benefit_control.propose_plan_change(
        benefit.id,
        actor=actor or benefit.owner,
        expected_version=benefit.version,
        reason=reason,
        **plan,
    )


def _decide(benefit: Any, request: Any, actor: Any, *, approve: bool = True, note: str = "") -> Any:
    return benefit_control.decide_plan_change(
        benefit.id, request.id, actor=actor, approve=approve, note=note, expected_version=request.version
    )


def test_changing_the_target_in_delivery_on_the_profile_is_refused_even_with_a_reason(
    db_session: Any,
) -> None:
    benefit = BenefitFactory()
    with pytest.raises(ValidationFailed) as refused:
        _change(benefit, target_value=Decimal(700))
    assert "propose the change to the design authority" in refused.value.fields["target_value"][0]
    with pytest.raises(ValidationFailed) as refused_with_reason:
        _change(benefit, reason="The rota changed.", baseline_date=date(2026, 2, 28))
    assert "baseline_date" in refused_with_reason.value.fields
    assert benefit.target_value == 600 and benefit.baseline_date == date(2026, 1, 31)


def test_other_changes_need_no_change_request(db_session: Any) -> None:
    benefit = BenefitFactory()
    _change(benefit, title="Calls answered online by residents")
    assert benefit.title == "Calls answered online by residents"


def test_before_approval_the_target_changes_freely(db_session: Any) -> None:
    benefit = BenefitFactory(improvement=ImprovementFactory(business_case=True))
    _change(benefit, target_value=Decimal(650))
    assert benefit.target_value == 650
    with pytest.raises(InvalidTransition):
        _propose(benefit, target_value=Decimal(640))


def test_a_proposal_changes_nothing_until_an_independent_member_approves_it(db_session: Any) -> None:
    benefit = BenefitFactory()
    request = _propose(benefit, target_value=Decimal(700), target_date=date(2027, 4, 30))
    assert request.status is ChangeRequestStatus.PENDING
    assert (benefit.target_value, benefit.target_date) == (600, date(2027, 1, 31))
    assert (request.was_target_value, request.baseline_value) == (600, 1000)
    member = UserFactory(design_authority=True)
    _decide(benefit, request, member, note="Agreed at the December meeting.")
    assert request.status is ChangeRequestStatus.APPROVED and request.decided_by_id == member.id
    assert (benefit.target_value, benefit.target_date) == (700, date(2027, 4, 30))
    told = db_session.scalars(
        select(Notification).where(
            Notification.user_id == benefit.owner_id, Notification.kind == "benefit.change_approved"
        )
    ).all()
    assert len(told) == 1 and "Agreed at the December meeting." in told[0].text
    actions = db_session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.subject_type == "benefit", AuditEvent.subject_id == benefit.id
        )
    ).all()
    assert actions[-3:] == ["benefit.change_proposed", "benefit.updated", "benefit.change_approved"]


def test_a_rejection_needs_a_note_changes_nothing_and_tells_the_proposer(db_session: Any) -> None:
    benefit = BenefitFactory()
    proposer = benefit.improvement.owner
    request = _propose(benefit, proposer, target_value=Decimal(800))
    member = UserFactory(design_authority=True)
    with pytest.raises(ValidationFailed) as refused:
        _decide(benefit, request, member, approve=False)
    assert "note" in refused.value.fields and request.is_pending
    _decide(benefit, request, member, approve=False, note="Keep the target: the case depends on it.")
    assert request.status is ChangeRequestStatus.REJECTED and benefit.target_value == 600
    assert db_session.scalar(
        select(Notification.text).where(
            Notification.user_id == proposer.id, Notification.kind == "benefit.change_rejected"
        )
    ).endswith("Keep the target: the case depends on it.")
    with pytest.raises(InvalidTransition):
        _decide(benefit, request, UserFactory(design_authority=True))


def test_the_proposer_the_owner_and_interested_members_cannot_decide(db_session: Any) -> None:
    benefit = BenefitFactory()
    improvement = benefit.improvement
    proposer = UserFactory(design_authority=True)
    request = _propose(benefit, proposer, target_value=Decimal(700))
    conflicted = UserFactory(design_authority=True)
    db_session.add(ConflictDeclaration(improvement_id=improvement.id, user_id=conflicted.id, note="My team."))
    sponsor = UserFactory(design_authority=True)
    improvement.sponsor_id = sponsor.id
    db_session.flush()
    for refused in (proposer, conflicted, sponsor, UserFactory(manager=True), UserFactory(finance=True)):
        with pytest.raises(PermissionDenied):
            _decide(benefit, request, refused)
    assert request.is_pending and benefit.target_value == 600


def test_the_benefit_owner_cannot_approve_a_change_to_their_own_target(db_session: Any) -> None:
    owner = UserFactory(role_list=("staff", "design_authority", "manager"))
    benefit = BenefitFactory(owner=owner)
    request = _propose(benefit, benefit.improvement.owner, target_value=Decimal(700))
    with pytest.raises(PermissionDenied):
        _decide(benefit, request, owner)


def test_one_request_waits_at_a_time_and_a_stale_read_is_refused(db_session: Any) -> None:
    benefit = BenefitFactory()
    read = benefit.version
    _propose(benefit, target_value=Decimal(700))
    with pytest.raises(VersionConflict):
        benefit_control.propose_plan_change(
            benefit.id, actor=benefit.owner, expected_version=read, reason="Again.", target_value=Decimal(650)
        )
    with pytest.raises(AlreadyExists):
        _propose(benefit, target_value=Decimal(650))


def test_a_proposal_needs_a_reason_a_change_and_a_sound_profile(db_session: Any) -> None:
    benefit = BenefitFactory()
    with pytest.raises(ValidationFailed) as no_reason:
        _propose(benefit, reason="  ", target_value=Decimal(700))
    assert "reason" in no_reason.value.fields
    with pytest.raises(ValidationFailed) as unchanged:
        _propose(benefit, target_value=Decimal(600))
    assert "target_value" in unchanged.value.fields
    with pytest.raises(ValidationFailed) as wrong_way:
        _propose(benefit, target_value=Decimal(1200))
    assert "target_value" in wrong_way.value.fields
    with pytest.raises(ValidationFailed) as dates:
        _propose(benefit, target_date=date(2025, 1, 31))
    assert dates.value.fields
    with pytest.raises(PermissionDenied):
        _propose(benefit, UserFactory(manager=True), target_value=Decimal(700))
    assert benefit_queries.change_requests(benefit.id) == []


def test_an_approved_change_withdraws_the_validation_and_asks_the_owner_to_accept_again(
    db_session: Any,
) -> None:
    measurement = BenefitMeasurementFactory(benefit=BenefitFactory(cashable=True), value=Decimal(1_000_000))
    benefit = measurement.benefit
    benefit_control.accept_benefit(benefit.id, actor=benefit.owner, expected_version=benefit.version)
    benefit_service.validate_benefit(benefit.id, actor=UserFactory(finance=True))
    assert benefit.is_validated and benefit.is_accepted
    request = _propose(benefit, target_value=Decimal(6_000_000))
    _decide(benefit, request, UserFactory(design_authority=True))
    assert not benefit.is_validated and not benefit.is_accepted


def test_the_history_keeps_every_target_with_who_proposed_and_approved_it(db_session: Any) -> None:
    improvement = ImprovementFactory(business_case=True)
    benefit = benefit_service.create_benefit(
        improvement.owner,
        improvement_id=improvement.id,
        title="Calls answered online",
        driver="channel_shift",
        cash_class="not_monetised",
        unit="calls per month",
        direction="decrease",
        baseline_value=Decimal(1000),
        baseline_date=date(2026, 1, 31),
        target_value=Decimal(600),
        target_date=date(2027, 1, 31),
        frequency="quarterly",
        owner_id=improvement.owner_id,
    )
    _change(benefit, target_value=Decimal(650))
    improvement.stage = "delivery"
    db_session.flush()
    request = _propose(benefit, reason="The new web form slipped a quarter.", target_date=date(2027, 4, 30))
    member = UserFactory(design_authority=True, name="Dana Member")
    _decide(benefit, request, member, note="Agreed.")
    _change(benefit, title="Calls answered online by residents")
    history = benefit_queries.plan_history(benefit.id)
    assert [(h.target_value, h.target_date, h.reason, h.approved_by) for h in history] == [
        (Decimal(600), date(2027, 1, 31), None, None),
        (Decimal(650), date(2027, 1, 31), None, None),
        (Decimal(650), date(2027, 4, 30), "The new web form slipped a quarter.", "Dana Member"),
    ]
    assert all(h.by == improvement.owner.name for h in history)
    assert history[-1].approval_note == "Agreed."


def test_the_members_who_may_decide_are_told_of_a_proposal_and_no_one_else(db_session: Any) -> None:
    # The request sat in the members' Home list and nobody was told of it.
    benefit = BenefitFactory()
    improvement = benefit.improvement
    proposer = UserFactory(design_authority=True)
    independent = UserFactory(design_authority=True)
    conflicted = UserFactory(design_authority=True)
    db_session.add(ConflictDeclaration(improvement_id=improvement.id, user_id=conflicted.id, note="My team."))
    db_session.flush()
    staff = UserFactory()
    request = _propose(benefit, proposer, target_value=Decimal(700), reason="The rota starts later.")
    told = dict(
        db_session.execute(
            select(Notification.user_id, Notification.text).where(
                Notification.kind == "benefit.change_proposed"
            )
        ).all()
    )
    assert independent.id in told
    assert {proposer.id, conflicted.id, staff.id, benefit.owner_id, improvement.owner_id}.isdisjoint(told)
    assert told[independent.id].startswith(f"{proposer.name} proposes a change to the baseline or target")
    assert told[independent.id].endswith("Their reason: The rota starts later.")
    assert request.is_pending
