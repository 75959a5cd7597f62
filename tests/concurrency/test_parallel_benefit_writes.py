"""Benefit writes the pages offer and the API does not (handing over, finance's question and its answer,
reopening): two people who read the same version of the benefit write at the same moment, each in a real
transaction of its own on PostgreSQL (tests/concurrency/racing.py). Exactly one lands; the other is
refused as "Someone else changed this", with nothing of it written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from changeauth.models import Benefit, User
from changeauth.services import benefits as benefit_service
from tests.concurrency.racing import ON_POSTGRESQL_ONLY, race
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory

pytestmark = [pytest.mark.slow, ON_POSTGRESQL_ONLY]


def _at_review(people: dict[str, User], **traits: Any) -> Benefit:
    """A benefit of the owner's improvement at its benefits review (realisation)."""
    owner = people["owner"]
    return BenefitFactory(
        improvement=ImprovementFactory(realisation=True, owner=owner), owner=owner, **traits
    )


def _race(tmp_path: Path, prepare: Any, write: Any, action: str) -> None:
    race(tmp_path, model=Benefit, prepare=prepare, write=write, action=action)


def test_two_handovers_at_once_one_lands(tmp_path: Path) -> None:
    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.hand_over_benefit(
            benefit_id,
            actor=people["owner"],
            owner_id=people["service"].id,
            handed_over_on=date(2026, 10, 1),
            note=f"Handover {which}",
            expected_version=seen,
        )

    _race(tmp_path, _at_review, write, "benefit.handed_over")


def test_two_questions_from_finance_at_once_one_lands(tmp_path: Path) -> None:
    def prepare(people: dict[str, User]) -> Benefit:
        benefit = _at_review(people, cashable=True)
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
        return benefit

    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.ask_owner(
            benefit_id, actor=people["finance"], question=f"Which ledger, {which}?", expected_version=seen
        )

    _race(tmp_path, prepare, write, "benefit.finance_question")


def test_two_answers_to_finance_at_once_one_lands(tmp_path: Path) -> None:
    def prepare(people: dict[str, User]) -> Benefit:
        benefit = _at_review(people, cashable=True)
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
        return benefit_service.ask_owner(
            benefit.id, actor=people["finance"], question="Which ledger?", expected_version=benefit.version
        )

    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.answer_finance(
            benefit_id, actor=people["owner"], answer=f"The revenue ledger, {which}.", expected_version=seen
        )

    _race(tmp_path, prepare, write, "benefit.finance_answered")


def test_two_reopenings_at_once_one_lands(tmp_path: Path) -> None:
    def prepare(people: dict[str, User]) -> Benefit:
        return _at_review(people, closing_status="realised")

    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.reopen_benefit(
            benefit_id,
            actor=people["member"],
            reason=f"Measure it once more, {which}.",
            expected_version=seen,
        )

    _race(tmp_path, prepare, write, "benefit.reopened")
