"""Proves the rolled-back transaction per test: what one test writes, the next does not see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from changeauth.models import Team
from tests.factories import TeamFactory

MARKER = "isolation_marker"


def test_a_writes_and_commits(db_session: Any) -> None:
    TeamFactory(code=MARKER)
    db_session.commit()
    assert db_session.scalar(select(Team).where(Team.code == MARKER)) is not None


def test_b_does_not_see_it(db_session: Any) -> None:
    assert db_session.scalar(select(Team).where(Team.code == MARKER)) is None
