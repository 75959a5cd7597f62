"""The database's CHECK and unique constraints reject impossible states; every factory trait is valid."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.factories import WORKFLOW_TRAITS, ImprovementFactory, SupportFactory, UserFactory


@pytest.mark.parametrize("trait", WORKFLOW_TRAITS)
def test_every_workflow_trait_is_a_valid_row(db_session: Any, trait: str) -> None:
    improvement = ImprovementFactory(**{trait: True})
    assert improvement.id is not None


@pytest.mark.parametrize(
    ("column", "value"),
    [("stage", "limbo"), ("status", "pending"), ("route", "shortcut")],
)
def test_unknown_stage_status_and_route_are_refused(db_session: Any, column: str, value: str) -> None:
    improvement = ImprovementFactory()
    nested = db_session.begin_nested()
    with pytest.raises(IntegrityError):
        db_session.execute(
            text(f"UPDATE improvement SET {column} = :v WHERE id = :id"), {"v": value, "id": improvement.id}
        )
    nested.rollback()


def test_on_hold_must_remember_its_stage(db_session: Any) -> None:
    improvement = ImprovementFactory()
    nested = db_session.begin_nested()
    with pytest.raises(IntegrityError):
        db_session.execute(
            text("UPDATE improvement SET stage = 'on_hold', status = 'on_hold' WHERE id = :id"),
            {"id": improvement.id},
        )
    nested.rollback()


def test_one_support_per_person(db_session: Any) -> None:
    support = SupportFactory()
    nested = db_session.begin_nested()
    with pytest.raises(IntegrityError):
        SupportFactory(improvement_id=support.improvement_id, user_id=support.user_id)
    nested.rollback()


def test_emails_are_stored_in_lower_case(db_session: Any) -> None:
    nested = db_session.begin_nested()
    with pytest.raises(IntegrityError):
        UserFactory(email="Mixed.Case@council.example")
    nested.rollback()
