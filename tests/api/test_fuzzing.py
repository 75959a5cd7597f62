"""Schemathesis fuzzes every operation in process (WSGI) against the OpenAPI document the app serves.

Its default checks run on every response, among them ``not_a_server_error``,
``status_code_conformance``, ``response_schema_conformance``, ``negative_data_rejection`` and
``ignored_auth``, for a caller holding every role; the stateful test follows the document's links.

The document is read once at collection from an app built like the test app (pytest 9 cannot run
Schemathesis's fixture-based lazy schema); each request goes to the session's test app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from changeauth import create_app, db
from tests.api.conftest import bearer
from tests.conftest import TEST_SECRET_KEY
from tests.factories import BenefitFactory, BusinessCaseFactory, TemporaryResourceFactory

# Business rules beyond the schema (a driver code must exist, an owner must be active, dates ordered)
# refuse some schema-valid bodies with 422 by design, so "schema-valid data is accepted" cannot hold.
EXCLUDED_CHECKS = [positive_data_acceptance]
# Examples per operation, for 50 operations: measured, tests/api takes about 110 s on SQLite and
# 135 s on PostgreSQL on two cores, the fuzzing most of it.
EXAMPLES_PER_OPERATION = 25
STATEFUL_EXAMPLES = 20


class _CurrentApp:
    """A WSGI app that forwards to the app of the running test (the session's test app)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.app(environ, start_response)


_document_app = create_app(
    {
        "ENV_NAME": "testing",
        "DATABASE_URL": "sqlite://",
        "SECRET_KEY": TEST_SECRET_KEY,
        "SERVER_NAME": "changeauth.test",
    }
)
current_app = _CurrentApp(_document_app)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", current_app)


# Schemathesis builds some cases while collecting, before any fixture runs, so the token is fixed.
FUZZ_TOKEN = "ca_fuzzing-token-for-a-caller-with-every-role"


@schema.auth()
class _BearerToken:
    """The token through Schemathesis's auth, so ``ignored_auth`` knows what to take away."""

    def get(self, case: Any, context: Any) -> str:
        return FUZZ_TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), **bearer(data)}


@pytest.fixture(autouse=True)
def _send_to_the_test_app(app: Flask, db_session: Any, token: str) -> Iterator[None]:
    from sqlalchemy import select

    from changeauth.models import ApiToken

    record = db_session.scalar(select(ApiToken).order_by(ApiToken.id.desc()).limit(1))
    record.token_hash = hashlib.sha256(FUZZ_TOKEN.encode()).hexdigest()  # as the service stores tokens
    db_session.commit()
    current_app.app = app
    yield
    current_app.app = _document_app


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_survives_fuzzing(case: Any) -> None:
    response = case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)
    # The token reached the app, so the other checks saw real answers. (The coverage phase also sends
    # requests with no or a mangled Authorization header on purpose; those must be 401.)
    if response.request.headers.get("Authorization") == f"Bearer {FUZZ_TOKEN}":
        assert response.status_code != 401, response.text
    else:
        assert response.status_code == 401, response.text


class _Stateful(schema.as_state_machine()):  # type: ignore[misc]
    def setup(self) -> None:
        # Every scenario starts from the same data and is undone at its end. Hypothesis replays
        # scenarios, and calls the run flaky when the answers its choices depend on (which lists are
        # empty, which links are open) change with what earlier scenarios left behind.
        self._scenario = db.session.get_bind().begin_nested()

    def teardown(self) -> None:
        self._scenario.rollback()

    def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
        case.validate_response(response, excluded_checks=EXCLUDED_CHECKS)


def test_stateful_sequences_through_the_document_links(db_session: Any) -> None:
    """Create, then read and change what was created, following the links Schemathesis infers."""
    # Something to list from the start, so sequences can begin with a list and follow its ids.
    BusinessCaseFactory()
    BenefitFactory()
    TemporaryResourceFactory()
    db_session.commit()
    _Stateful.run(settings=settings(max_examples=STATEFUL_EXAMPLES, deadline=None, stateful_step_count=6))
