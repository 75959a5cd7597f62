"""Scoring writes the pages offer and the API does not (the roadmap quarter, a draft scheme's criteria, its
activation): two people who read the same version write at the same moment, each in a real transaction
of its own on PostgreSQL (tests/concurrency/racing.py). Exactly one lands; the other is refused as
"Someone else changed this", with nothing of it written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from changeauth import db
from changeauth.models import Improvement, ScoringScheme, User
from changeauth.queries import scoring as scoring_queries
from changeauth.services import scoring
from tests.concurrency.racing import ON_POSTGRESQL_ONLY, race
from tests.factories import ImprovementFactory

pytestmark = [pytest.mark.slow, ON_POSTGRESQL_ONLY]


def _criteria(**weights: int) -> list[dict[str, Any]]:
    items = [scoring.spec_as_input(spec) for spec in scoring_queries.active_scheme().specs()]
    for item in items:
        if item["code"] in weights:
            item["weight"] = Decimal(weights[item["code"]])
    return items


def _draft(people: dict[str, User]) -> ScoringScheme:
    return scoring.draft_scheme(people["admin"], _criteria(customer_need=30), note="Next year's weights.")


def test_two_members_plan_one_improvement_at_once_one_lands(tmp_path: Path) -> None:
    def write(people: dict[str, User], improvement_id: int, seen: int, which: int) -> None:
        improvement = db.session.get(Improvement, improvement_id)
        scoring.set_planned_quarter(
            improvement,  # type: ignore[arg-type]
            actor=people["member" if which == 0 else "other_member"],
            expected_version=seen,
            quarter=("2027-Q1", "2027-Q2")[which],
        )

    race(
        tmp_path,
        model=Improvement,
        prepare=lambda people: ImprovementFactory(business_case=True),
        write=write,
        action="improvement.planned",
    )


def test_two_administrators_change_one_draft_at_once_one_lands(tmp_path: Path) -> None:
    def write(people: dict[str, User], scheme_id: int, seen: int, which: int) -> None:
        scoring.update_draft(
            scheme_id,
            actor=people["admin"],
            criteria=_criteria(customer_need=35 + which),
            expected_version=seen,
            note="",
        )

    race(
        tmp_path,
        model=ScoringScheme,
        prepare=_draft,
        write=write,
        action="scoring_scheme.draft_changed",
        version_column="revision",
    )
