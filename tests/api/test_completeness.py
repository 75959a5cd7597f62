"""Every endpoint docs/api.md names exists in the OpenAPI document with its method, and answers when called;
every operation of the document is named there."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from changeauth.models import BenefitPost, Disbenefit
from tests.api.conftest import bearer, contract_endpoints
from tests.factories import (
    BenefitFactory,
    BusinessCaseFactory,
    PortfolioScenarioFactory,
    TemporaryResourceFactory,
    UserFactory,
)

OPENAPI_PATH = "/api/v1/openapi.json"
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete"})


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def _operation(spec: dict[str, Any], method: str, path: str) -> str | None:
    """The document's templated path for ``path`` (docs/api.md writes ``{id}``, the code
    ``{improvement_id}``)."""
    for templated, operations in spec["paths"].items():
        if _shape(templated) == _shape(path) and method.lower() in operations:
            return str(templated)
    return None


def test_the_contract_lists_the_endpoints_this_test_relies_on() -> None:
    endpoints = contract_endpoints()
    # A guard against the parser silently matching nothing: docs/api.md names over 40 endpoints.
    assert len(endpoints) >= 40
    assert ("GET", "/api/v1/audit/verify") in endpoints
    assert ("DELETE", "/api/v1/improvements/{id}/support") in endpoints


def test_every_contract_endpoint_is_in_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get(OPENAPI_PATH).get_json()
    missing = [
        f"{method} {path}"
        for method, path in contract_endpoints()
        if path != OPENAPI_PATH and _operation(spec, method, path) is None
    ]
    assert missing == []


def test_every_operation_of_the_openapi_document_is_documented(client: FlaskClient) -> None:
    spec = client.get(OPENAPI_PATH).get_json()
    documented = {(method, _shape(path)) for method, path in contract_endpoints()}
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
        and (method.upper(), _shape(path)) not in documented
    ]
    assert undocumented == [], "add these endpoints to docs/api.md"


def test_every_contract_endpoint_answers_an_authorised_caller(
    client: FlaskClient, db_session: Any, token: str
) -> None:
    case = BusinessCaseFactory()
    benefit = BenefitFactory(cashable=True)
    disbenefit = Disbenefit(
        improvement_id=benefit.improvement_id,
        title="Customers left behind",
        description="Some customers cannot go online.",
        affected="Customers without the internet",
        owner_id=benefit.owner_id,
        mitigation="Phone lines stay open.",
    )
    db_session.add(disbenefit)
    post = BenefitPost(
        benefit_id=benefit.id,
        side="before",
        title="Customer adviser",
        grade="SCP 12",
        annual_salary_pence=2_400_000,
        fte=Decimal(1),
    )
    db_session.add(post)
    db_session.flush()
    ids = {
        "improvement_id": case.improvement_id,
        "case_id": case.id,
        "benefit_id": benefit.id,
        "disbenefit_id": disbenefit.id,
        "post_id": post.id,
        "resource_id": TemporaryResourceFactory().id,
        "scenario_id": PortfolioScenarioFactory().id,
        "user_id": UserFactory().id,
        "condition_id": 999_999,  # no factory: a missing condition must still be a routed, domain 404
        "adjustment_id": 999_999,  # likewise: a missing adjustment is a routed, domain 404
        "dependency_id": 999_999,  # likewise: the body is checked first (422), then the dependency (404)
        "request_id": 999_999,  # a change request: the body is checked first (422), then the request
    }
    db_session.commit()
    spec = client.get(OPENAPI_PATH).get_json()
    unanswered = []
    for method, path in contract_endpoints():
        templated = _operation(spec, method, path) if path != OPENAPI_PATH else path
        assert templated is not None, f"{method} {path} is not in the OpenAPI document"
        url = re.sub(r"\{([^}]+)\}", lambda m: str(ids[m.group(1)]), templated)
        kwargs: dict[str, Any] = {"headers": bearer(token)}
        if method in {"POST", "PUT", "PATCH"}:
            kwargs["json"] = {}
        response = client.open(url, method=method, **kwargs)
        body = response.get_json(silent=True) or {}
        routed_not_found = (
            response.status_code == 404
            and "condition_id" in templated
            and body.get("error", {}).get("message") != "There is nothing here."
        )
        if response.status_code in {404, 405} and not routed_not_found or response.status_code >= 500:
            unanswered.append(f"{method} {url} → {response.status_code}")
    assert unanswered == []


@pytest.mark.parametrize("path", ["/api/v1/audit", "/api/v1/audit/verify"])
def test_the_audit_endpoints_are_refused_to_staff(client: FlaskClient, db_session: Any, path: str) -> None:
    from changeauth.services import users as user_service
    from tests.factories import UserFactory

    staff = UserFactory()
    plain, _ = user_service.issue_api_token(staff, name="staff", actor_id=staff.id)
    db_session.commit()
    response = client.get(path, headers=bearer(plain))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_the_audit_log_filters_by_subject_and_paginates(
    client: FlaskClient, db_session: Any, token: str
) -> None:
    from changeauth.services.audit import record_event

    for subject_id in (1, 2, 2):
        record_event(actor_id=None, action="test.touched", subject_type="widget", subject_id=subject_id)
    db_session.commit()
    response = client.get("/api/v1/audit?subject_type=widget&subject_id=2&per_page=1", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    # Two events for widget 2, one per page.
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (2, 1, 1, 1)
    assert body["items"][0]["subject_id"] == 2 and body["items"][0]["action"] == "test.touched"


def test_verifying_the_audit_chain_reports_an_intact_chain(
    client: FlaskClient, db_session: Any, token: str
) -> None:
    response = client.get("/api/v1/audit/verify", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["ok"] is True and body["first_broken_id"] is None and body["events"] >= 1
