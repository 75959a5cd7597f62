"""Unit tests never touch a database: any attempt to use the session fails the test."""

from __future__ import annotations

import pytest

from changeauth import db


class _NoDatabase:
    def __getattr__(self, name: str) -> None:
        raise RuntimeError("unit tests must not use the database; move this test to tests/integration")


@pytest.fixture(autouse=True)
def _forbid_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "session", _NoDatabase())
