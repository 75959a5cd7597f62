"""Fixtures for the API contract tests: a token for someone holding every role, and the contract."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from changeauth.domain.roles import ALL_ROLES
from changeauth.services import users as user_service
from tests.factories import UserFactory

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"
# "`GET /improvements/{id}`", "`POST /backlog/what-if`": the method and path of each documented endpoint.
_ENDPOINT = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")


def contract_endpoints() -> list[tuple[str, str]]:
    """Every (METHOD, /api/v1 path) named in docs/api.md, in order, without duplicates."""
    seen: dict[tuple[str, str], None] = {}
    for method, path in _ENDPOINT.findall(API_MD.read_text(encoding="utf-8")):
        full = path if path.startswith("/api/v1/") else f"/api/v1{path}"
        seen[(method, full)] = None
    return list(seen)


@pytest.fixture
def superuser(db_session: Any) -> Any:
    user = UserFactory(email="every.role@council.example", name="Every Role", role_list=ALL_ROLES)
    db_session.commit()
    return user


@pytest.fixture
def token(db_session: Any, superuser: Any) -> str:
    plain, _ = user_service.issue_api_token(superuser, name="contract tests", actor_id=superuser.id)
    db_session.commit()
    return plain


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
