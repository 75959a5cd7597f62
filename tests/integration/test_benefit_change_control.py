"""Change control of a benefit's baseline and target: once the improvement's business case is approved, a
change to either needs a reason, kept with the change in the audit log; the benefit's history of
baselines and targets is read back from it, oldest first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from changeauth.domain.benefits import change_needs_reason
from changeauth.domain.errors import ValidationFailed
from changeauth.queries import benefits as benefit_queries
from changeauth.services import benefits as benefit_service
from tests.factories import BenefitFactory, ImprovementFactory


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
def test_a_reason_is_needed_once_the_case_is_approved(
    stage: str | None, held_from: str | None, needed: bool
) -> None:
    assert change_needs_reason(improvement_stage=stage, held_from_stage=held_from) is needed


def _change(benefit: Any, reason: str | None = None, **changes: Any) -> Any:
    return benefit_service.update_benefit(
        benefit.id,
        actor=benefit.improvement.owner,
        changes=changes,
        expected_version=benefit.version,
        reason=reason,
    )


def test_changing_the_target_in_delivery_without_a_reason_is_refused(db_session: Any) -> None:
    benefit = BenefitFactory()
    with pytest.raises(ValidationFailed) as refused:
        _change(benefit, target_value=Decimal(700))
    assert "reason" in refused.value.fields
    with pytest.raises(ValidationFailed):
        _change(benefit, reason="   ", baseline_date=date(2026, 2, 28))
    assert benefit.target_value == 600


def test_other_changes_need_no_reason(db_session: Any) -> None:
    benefit = BenefitFactory()
    _change(benefit, title="Calls answered online by residents")
    assert benefit.title == "Calls answered online by residents"


def test_before_approval_the_target_changes_freely(db_session: Any) -> None:
    benefit = BenefitFactory(improvement=ImprovementFactory(business_case=True))
    _change(benefit, target_value=Decimal(650))
    assert benefit.target_value == 650


def test_the_history_keeps_every_target_with_its_reason(db_session: Any) -> None:
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
    _change(benefit, reason="The new web form slipped a quarter.", target_date=date(2027, 4, 30))
    _change(benefit, title="Calls answered online by residents")
    history = benefit_queries.plan_history(benefit.id)
    assert [(h.target_value, h.target_date, h.reason) for h in history] == [
        (Decimal(600), date(2027, 1, 31), None),
        (Decimal(650), date(2027, 1, 31), None),
        (Decimal(650), date(2027, 4, 30), "The new web form slipped a quarter."),
    ]
    assert all(h.by == improvement.owner.name for h in history)
