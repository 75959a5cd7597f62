"""Limits: JSON bodies over 1 MiB are refused with 413; each person is rate limited (429, Retry-After),
counted in memory or, when configured, in Redis shared by every worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import storage_from_string

from changeauth.web.api.rate_limits import limiter
from tests.api.conftest import bearer

REDIS_URL = os.environ.get("CHANGEAUTH_TEST_REDIS_URL", "redis://127.0.0.1:6379")

# Under CI the limits live in one Redis shared by every xdist worker, and each test here clears it
# (limiter.reset()): run them in one worker, so one test's reset cannot empty another's count midway.
pytestmark = pytest.mark.xdist_group("rate-limits")


@pytest.fixture
def three_a_minute(app: Flask) -> Iterator[None]:
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    # One limiter serves every app this test process creates, and each app's creation rebinds its
    # storage and settings: bind it to this app's before counting.
    limiter.init_app(app)
    limiter.reset()
    yield
    app.config["API_RATE_LIMIT"] = previous
    limiter.reset()


def test_a_json_body_over_one_mebibyte_is_413(client: FlaskClient, token: str) -> None:
    body = '{"title": "' + "x" * (1024 * 1024) + '"}'
    response = client.post(
        "/api/v1/improvements", data=body, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 413
    assert response.get_json() == {"error": {"code": "too_large", "message": "The request is too large."}}


def test_each_token_is_rate_limited_with_429_and_retry_after(
    client: FlaskClient, token: str, three_a_minute: None
) -> None:
    statuses = [client.get("/api/v1/me", headers=bearer(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_the_limit_is_per_person_not_per_token(
    client: FlaskClient, db_session: Any, superuser: Any, token: str, three_a_minute: None
) -> None:
    from changeauth.services import users as user_service
    from tests.factories import UserFactory

    for _ in range(4):
        client.get("/api/v1/me", headers=bearer(token))
    # A second token of the same person shares the count: more tokens do not buy more requests.
    second, _ = user_service.issue_api_token(superuser, name="second", actor_id=superuser.id)
    other = UserFactory()
    other_token, _ = user_service.issue_api_token(other, name="other", actor_id=other.id)
    db_session.commit()
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 429
    assert client.get("/api/v1/me", headers=bearer(other_token)).status_code == 200


def test_refused_tokens_are_not_counted(client: FlaskClient, token: str, three_a_minute: None) -> None:
    for _ in range(5):
        assert client.get("/api/v1/me", headers=bearer("ca_wrong")).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_redis_storage_is_shared(app: Flask) -> None:
    """Two storages on the same Redis (as two workers would have) see one another's counts."""
    try:
        first = storage_from_string(REDIS_URL)
        reachable = first.check()
    except Exception:  # noqa: BLE001 - any failure to connect means "no Redis here"
        reachable = False
    if not reachable:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable, and CI needs it.", pytrace=False)
        pytest.skip(f"Redis at {REDIS_URL} is not reachable.")
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    second = storage_from_string(REDIS_URL)
    item = parse("2 per minute")
    key = f"changeauth-test-{os.getpid()}"
    worker_one, worker_two = FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)
    worker_one.clear(item, key)
    assert worker_one.hit(item, key) and worker_two.hit(item, key)
    assert not worker_one.hit(item, key)  # the third hit, whichever worker takes it, is over the limit
    worker_one.clear(item, key)


def test_the_app_counts_in_redis_when_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from changeauth.config import load_config

    monkeypatch.setenv("CHANGEAUTH_RATELIMIT_STORAGE_URL", REDIS_URL)
    assert load_config("development", instance_path=tmp_path)["RATELIMIT_STORAGE_URI"] == REDIS_URL
    monkeypatch.delenv("CHANGEAUTH_RATELIMIT_STORAGE_URL")
    assert load_config("development", instance_path=tmp_path)["RATELIMIT_STORAGE_URI"] == "memory://"
