"""Functional tests go through HTTP on the real test database, each inside a rolled-back transaction."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _transaction(db_session: Any) -> Any:
    return db_session
