"""Route-wide security checks generated from ``app.url_map`` (issue 12 item 5), so a route added later is
covered by default:

- SESS-01: every route needs a session (pages) or a bearer token (API) unless it is on the public list;
- CSRF-01/02: every state-changing page route refuses a missing or foreign CSRF token, and only the API
  (bearer tokens, no cookies) is exempt;
- CSRF-03: no GET changes anything in the database;
- AC-01: a permission matrix, persona × page, where every GET endpoint must be classified;
- AC-02: someone else's withdrawn idea is hidden behind every URL that names it;
- AC-03: no mass assignment through API bodies (unknown fields are 422) or forms.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.domain.permissions import Actor
from changeauth.extensions import csrf
from changeauth.models import Improvement, User
from changeauth.services import users as user_service
from changeauth.services.backup import table_fingerprints
from tests.factories import ImprovementFactory, PortfolioScenarioFactory, UserFactory
from tests.functional.routes import (
    PUBLIC_ENDPOINTS,
    ROUTES,
    STATE_CHANGING,
    Route,
    make_samples,
    super_user,
    url_for_route,
)
from tests.helpers import csrf_token

# Bookkeeping that a read is allowed to touch: a bearer token's "last used" time.
READ_BOOKKEEPING = frozenset({"api_token.last_used_at"})
# The backlog's rank ranges, which the first read after a change works out once for every process and
# keeps: a shared cache of what the data already says, not a change anyone made (docs/performance.md).
SHARED_DERIVED_TABLES = frozenset({"backlog_rank_range", "shared_view"})

PROTECTED = [route for route in ROUTES if route.endpoint not in PUBLIC_ENDPOINTS]
PAGE_WRITES = [route for route in PROTECTED if not route.is_api and route.method in STATE_CHANGING]
API_WRITES = [route for route in PROTECTED if route.is_api and route.method in STATE_CHANGING]
GETS = [route for route in PROTECTED if route.method == "GET"]


def _ids(routes: list[Route]) -> list[str]:
    return [route.id for route in routes]


def _sign_in_session(client: FlaskClient, user: Any) -> None:
    now = int(time.time())
    with client.session_transaction() as session:
        session.update(
            {
                "_user_id": user.get_id(),
                "_signed_in_at": now,
                "_last_seen": now,
                "_auth_at": now,
                "_2fa": True,
            }
        )


def _fingerprint() -> dict[str, Any]:
    return table_fingerprints(skip_columns=READ_BOOKKEEPING)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(
        name for name in before if before[name] != after[name] and name not in SHARED_DERIVED_TABLES
    )


# The samples are written once for the module (tests/conftest.py), not for each of the hundreds of tests
# that read them; each test's own writes are rolled back to a savepoint as usual.
pytestmark = pytest.mark.module_transaction


@pytest.fixture(scope="module")
def _module_samples(app: Flask, _worked_example_connection: Any) -> dict[str, Any]:
    from changeauth import db
    from changeauth.models import Attachment

    db.SessionFactory.configure(bind=_worked_example_connection, join_transaction_mode="create_savepoint")
    try:
        found = make_samples()
        # The attachment's file exists, so downloading it is a real read.
        stored = db.session.get(Attachment, found["attachment_id"]).stored_name
        folder = Path(app.instance_path) / "attachments"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / stored).write_bytes(b"%PDF")
        second = PortfolioScenarioFactory()
        db.session.commit()
        found["query"] = {"ids": [found["scenario_id"], second.id]}
    finally:
        db.session.remove()
    return found


@pytest.fixture
def samples(db_session: Any, _module_samples: dict[str, Any]) -> dict[str, Any]:
    return dict(_module_samples)


def _request(client: FlaskClient, route: Route, samples: dict[str, Any], **kwargs: Any) -> Any:
    try:
        url = url_for_route(route, samples)
    except KeyError as missing:
        pytest.fail(f"{route.id}: add a sample for <{missing.args[0]}> in tests/functional/routes.py")
    query = (
        samples["query"] if route.endpoint.endswith(".compare") and "portfolio" in route.endpoint else None
    )
    response = client.open(url, method=route.method, query_string=query, **kwargs)
    response.get_data()  # read streamed bodies (file downloads) so they can be closed
    response.close()
    return response


# --- SESS-01 -------------------------------------------------------------------------------------------


def test_the_public_list_names_real_endpoints() -> None:
    assert PUBLIC_ENDPOINTS - {route.endpoint for route in ROUTES} == set()


@pytest.mark.parametrize("route", PROTECTED, ids=_ids(PROTECTED))
def test_every_route_needs_sign_in(app: Flask, db_session: Any, route: Route) -> None:
    client = app.test_client()
    response = _request(client, route, {"query": None, **dict.fromkeys(("token", "code"), "x")} | _ONES)
    if route.is_api:
        assert response.status_code == 401, response.get_data(as_text=True)[:200]
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")


_ONES = {
    name: 1
    for route in ROUTES
    for name in route.rule.arguments
    if name not in {"token", "code", "filename", "fmt", "action"}
}


# --- CSRF-01, CSRF-02 ----------------------------------------------------------------------------------


class TestCsrf:
    @pytest.fixture(autouse=True)
    def _csrf_on(self, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    @pytest.mark.parametrize("route", PAGE_WRITES, ids=_ids(PAGE_WRITES))
    def test_a_missing_token_is_refused(
        self, app: Flask, client: FlaskClient, samples: dict[str, Any], route: Route
    ) -> None:
        _sign_in_session(client, super_user())
        before = _fingerprint()
        response = _request(client, route, samples, data={"title": "x", "note": "x"})
        assert response.status_code == 400
        assert _changed(before, _fingerprint()) == []

    @pytest.mark.parametrize("route", PAGE_WRITES, ids=_ids(PAGE_WRITES))
    def test_a_token_from_another_session_is_refused(
        self, app: Flask, client: FlaskClient, samples: dict[str, Any], route: Route
    ) -> None:
        other = app.test_client()
        _sign_in_session(other, UserFactory())
        foreign = csrf_token(other.get("/improvements/new"))
        _sign_in_session(client, super_user())
        before = _fingerprint()
        response = _request(client, route, samples, data={"csrf_token": foreign})
        assert response.status_code == 400
        assert _changed(before, _fingerprint()) == []

    def test_only_the_api_is_exempt(self, app: Flask) -> None:
        assert csrf._exempt_views == set()
        exempt = {blueprint.name for blueprint in csrf._exempt_blueprints}
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.rpartition(".")[0]
            if blueprint in exempt:
                assert rule.rule.startswith("/api/v1/"), rule.rule

    @pytest.mark.parametrize("route", API_WRITES, ids=_ids(API_WRITES))
    def test_the_api_ignores_session_cookies(
        self, client: FlaskClient, samples: dict[str, Any], route: Route
    ) -> None:
        # Exempt from CSRF because a browser's cookies never authenticate an API call.
        _sign_in_session(client, super_user())
        before = _fingerprint()
        response = _request(client, route, samples, json={})
        assert response.status_code == 401
        assert _changed(before, _fingerprint()) == []


# --- CSRF-03 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["everything", "staff"])
def test_no_get_changes_anything(app: Flask, samples: dict[str, Any], persona: str) -> None:
    user = super_user() if persona == "everything" else UserFactory()
    token, _ = user_service.issue_api_token(user, name="route tests", actor_id=user.id)
    from changeauth import db

    db.session.commit()
    page_client = app.test_client()
    _sign_in_session(page_client, user)
    offenders = []
    for route in GETS:
        before = _fingerprint()
        if route.is_api:
            response = _request(
                app.test_client(), route, samples, headers={"Authorization": f"Bearer {token}"}
            )
        else:
            response = _request(page_client, route, samples)
        # Home sends each person on to their worklist; the old business case editor to its task list; the
        # choice of a financial year to plan, to that year's plan; the planned values of a straight-line
        # plan (which has none to enter), to the benefit's profile.
        redirects = ("main.home", "business_cases.edit", "benefits.choose_plan_year", "benefits.plan")
        assert response.status_code not in (401, 302) or route.endpoint in redirects, route.id
        changed = _changed(before, _fingerprint())
        if changed:
            offenders.append(f"{route.id} changed {changed}")
    assert offenders == []


def test_no_page_number_breaks_a_list(app: Flask, samples: dict[str, Any]) -> None:
    """A page number far past the end (or past what a database integer holds) shows a page, never a 500."""
    user = super_user()
    from changeauth import db

    db.session.commit()
    client = app.test_client()
    _sign_in_session(client, user)
    huge = str(10**30)
    broken = []
    for route in GETS:
        if route.is_api:
            continue
        url = url_for_route(route, samples)
        query = dict.fromkeys(("page", "selected_page", "excluded_page"), huge)
        if route.endpoint.endswith(".compare") and "portfolio" in route.endpoint:
            query["ids"] = samples["query"]["ids"]
        response = client.get(url, query_string=query)
        response.get_data()
        response.close()
        if response.status_code >= 500:
            broken.append(route.id)
    assert broken == []


# --- AC-01: the permission matrix ------------------------------------------------------------------------

PERSONAS = ("staff", "viewer", "manager", "design_authority", "finance", "admin")
EVERYONE = frozenset(PERSONAS)
ABOVE_STAFF = frozenset({"viewer", "manager", "design_authority", "finance", "admin"})
NOBODY = frozenset()  # only people with a tie to the object (its owner), and none of the personas has one

# Who may open each GET endpoint, given the sample objects (owned by someone else). Every GET endpoint must
# be listed: a new page or API read fails test_every_get_endpoint_is_classified until it is.
ACCESS: dict[str, frozenset[str]] = {
    "account.change_email": EVERYONE,
    "account.change_password": EVERYONE,
    "account.confirm": EVERYONE,
    "account.index": EVERYONE,
    "account.two_factor_setup": EVERYONE,
    # Not found unless single sign-on is configured (tests/functional/test_single_sign_on.py covers it).
    "auth.sso_confirm": NOBODY,
    "actions.flags": ABOVE_STAFF,
    "audit_api.list_audit": frozenset({"viewer", "admin"}),
    "audit_api.verify_audit": frozenset({"admin"}),
    "actions.job_runs": frozenset({"viewer", "admin"}),
    "actions.mine": EVERYONE,
    "admin.new_user": frozenset({"admin"}),
    "admin.edit_user": frozenset({"admin"}),
    "admin.user": frozenset({"admin"}),
    "admin.users": frozenset({"admin"}),
    "backlog.index": EVERYONE,
    "backlog.matrix": EVERYONE,
    "backlog.matrix_chart": EVERYONE,
    "backlog.plan": frozenset({"design_authority"}),
    "backlog.roadmap": EVERYONE,
    "backlog.what_if": frozenset({"design_authority", "admin"}),
    "benefits.adjust": frozenset({"finance"}),
    "benefits.chart": EVERYONE,
    "benefits.choose_plan_year": frozenset({"design_authority"}),
    "benefits.close": frozenset({"design_authority"}),
    "benefits.detail": EVERYONE,
    "benefits.edit": frozenset({"design_authority"}),
    "benefits.for_improvement": EVERYONE,
    "benefits.hand_over": frozenset({"design_authority"}),
    "benefits.measure": NOBODY,
    "benefits.new": frozenset({"design_authority"}),
    "benefits.plan_year": frozenset({"design_authority"}),
    # The benefit's owner and the improvement's owner may too: a tie, not a role.
    "benefits.propose_change": frozenset({"design_authority"}),
    "benefits.reopen": frozenset({"design_authority"}),
    "benefits.take_out": frozenset({"finance"}),
    "benefits.staffing": EVERYONE,
    "benefits.attribution": frozenset({"design_authority"}),
    "benefits.plan": frozenset({"design_authority"}),
    "benefits.staffing_price_base": frozenset({"design_authority"}),
    "benefits.staffing_add_post": frozenset({"design_authority"}),
    "benefits.staffing_change_post": frozenset({"design_authority"}),
    "benefits.staffing_remove_post": frozenset({"design_authority"}),
    "benefits.staffing_pay_award": frozenset({"design_authority"}),
    # Dis-benefits are kept by whoever may write the improvement's benefits (its owner, the DA).
    "benefits.new_disbenefit": frozenset({"design_authority"}),
    "benefits.edit_disbenefit": frozenset({"design_authority"}),
    "benefits.remove_disbenefit": frozenset({"design_authority"}),
    "benefits.tracker": ABOVE_STAFF,
    # The benefits review: everyone reads it and the lessons log; the improvement's owner or the design
    # authority decides on each benefit; its owner, sponsor or the design authority records a lesson.
    "reviews.review": EVERYONE,
    "reviews.decide": frozenset({"design_authority"}),
    "reviews.new_lesson": frozenset({"design_authority"}),
    "reviews.lessons": EVERYONE,
    "reviews_api.list_review_decisions": EVERYONE,
    "reviews_api.list_lessons": EVERYONE,
    "benefits_api.get_benefit": EVERYONE,
    "benefits_api.improvement_benefits": EVERYONE,
    "benefits_api.list_adjustments": EVERYONE,
    "benefits_api.list_benefits": ABOVE_STAFF,
    "benefits_api.list_measurements": EVERYONE,
    "benefits_api.list_change_requests": EVERYONE,
    "benefits_api.get_staffing_register": EVERYONE,
    "benefits_api.improvement_disbenefits": EVERYONE,
    "benefits_api.get_disbenefit": EVERYONE,
    "business_cases.compare": EVERYONE,
    "business_cases.edit": frozenset({"design_authority"}),
    "business_cases.tasks": frozenset({"design_authority"}),
    "business_cases.strategic_case": frozenset({"design_authority"}),
    "business_cases.new_option": frozenset({"design_authority"}),
    "business_cases.option": frozenset({"design_authority"}),
    "business_cases.remove_option": frozenset({"design_authority"}),
    "business_cases.appraisal_settings": frozenset({"design_authority"}),
    "business_cases.risks": frozenset({"design_authority"}),
    "business_cases.commercial": frozenset({"design_authority"}),
    "business_cases.financial": frozenset({"design_authority"}),
    "business_cases.management": frozenset({"design_authority"}),
    "business_cases.index": EVERYONE,
    "business_cases.programme_case": EVERYONE,
    "business_cases.show": EVERYONE,
    "business_cases.version": EVERYONE,
    "business_cases_api.latest": EVERYONE,
    "flags_api.list_flags": ABOVE_STAFF,
    "flags_api.list_job_runs": frozenset({"viewer", "admin"}),
    "gates.close_condition": EVERYONE,
    "gates.criteria_admin": frozenset({"admin"}),
    "gates.criterion_edit": frozenset({"admin"}),
    "attachments.download": EVERYONE,
    "decisions.export_register": EVERYONE,
    "gates.gate": EVERYONE,
    "meetings.meeting": frozenset({"design_authority"}),
    "meetings.meeting_list": frozenset({"design_authority"}),
    "meetings.meeting_new": frozenset({"design_authority"}),
    "meetings.meeting_pack": frozenset({"design_authority"}),
    "meetings.meeting_edit": frozenset({"design_authority"}),
    "meetings.meeting_cancel": frozenset({"design_authority"}),
    "meetings.meeting_invitation": frozenset({"design_authority"}),
    "decisions.register": EVERYONE,
    "gates_api.current_gate": EVERYONE,
    "identity.me": EVERYONE,
    "identity.reference_data": EVERYONE,
    "improvements.detail": EVERYONE,
    # The confirmation after submitting: its submitter only.
    "improvements.submitted": NOBODY,
    # The team is the design authority's to correct; the text its submitter's or owner's.
    "improvements.edit": frozenset({"design_authority", "admin"}),
    # Owner and sponsor: an independent design authority member or an administrator decides.
    "improvements.reassign": frozenset({"design_authority", "admin"}),
    # What it needs first: its owner or a design authority member records one; removing one lifts a block at
    # go-live, so only an independent design authority member may.
    "improvements.new_dependency": frozenset({"design_authority"}),
    "improvements.remove_dependency": frozenset({"design_authority"}),
    "dependencies_api.list_dependencies": EVERYONE,
    "improvements.index": EVERYONE,
    "improvements.new": EVERYONE,
    "improvements.similar_fragment": EVERYONE,
    "improvements_api.history": EVERYONE,
    "improvements_api.list_all": EVERYONE,
    "improvements_api.read": EVERYONE,
    "improvements_api.similar_work": EVERYONE,
    "main.audit": frozenset({"viewer", "admin"}),
    "main.home": EVERYONE,
    "notifications.index": EVERYONE,
    "portfolio.compare": frozenset({"viewer", "design_authority", "admin"}),
    "portfolio.estimate": frozenset({"design_authority"}),
    "portfolio.index": frozenset({"viewer", "design_authority", "admin"}),
    "portfolio.scenario": frozenset({"viewer", "design_authority", "admin"}),
    "portfolio.scenarios": frozenset({"viewer", "design_authority", "admin"}),
    "portfolio_api.compare": frozenset({"viewer", "design_authority", "admin"}),
    "portfolio_api.list_scenarios": frozenset({"viewer", "design_authority", "admin"}),
    "portfolio_api.read_scenario": frozenset({"viewer", "design_authority", "admin"}),
    "profile.tokens": EVERYONE,
    "reports.chart": ABOVE_STAFF,
    "reports.dashboard_page": ABOVE_STAFF,
    "reports.export_audit": frozenset({"admin"}),
    "reports.export_backlog": EVERYONE,
    "reports.export_benefits": ABOVE_STAFF,
    "reports.export_resources": ABOVE_STAFF,
    "reports.import_ideas": frozenset({"manager", "design_authority", "admin"}),
    "reports.import_template": frozenset({"manager", "design_authority", "admin"}),
    "reports.scrutiny": ABOVE_STAFF,
    "reports.savings_by_year": ABOVE_STAFF,
    "reports.close_down": ABOVE_STAFF,
    "reports.close_down_xlsx": ABOVE_STAFF,
    "programmes_api.list_programmes": ABOVE_STAFF,
    "scoring.assess": frozenset({"design_authority"}),
    "scoring.edit_scheme": frozenset({"admin"}),
    "scoring.index": frozenset({"design_authority"}),
    "scoring.new_scheme": frozenset({"admin"}),
    "scoring.scheme": frozenset({"admin"}),
    "scoring.schemes": frozenset({"admin"}),
    "scoring.score": EVERYONE,
    "scoring_api.active_scheme": EVERYONE,
    "scoring_api.backlog": EVERYONE,
    "scoring_api.get_score": EVERYONE,
    "temporary_resources.detail": ABOVE_STAFF,
    "temporary_resources.end": NOBODY,
    "temporary_resources.extend": frozenset({"design_authority", "finance"}),
    "temporary_resources.index": ABOVE_STAFF,
    "temporary_resources.new": frozenset({"manager", "design_authority", "finance"}),
    "temporary_resources_api.get_resource": ABOVE_STAFF,
    "temporary_resources_api.list_resources": ABOVE_STAFF,
    "triage.decide": frozenset({"design_authority"}),
    "triage.queue": frozenset({"design_authority"}),
}


def test_every_get_endpoint_is_classified() -> None:
    unclassified = sorted({route.endpoint for route in GETS} - set(ACCESS))
    assert unclassified == [], f"say who may open these in ACCESS: {unclassified}"
    assert sorted(set(ACCESS) - {route.endpoint for route in GETS}) == []


@pytest.mark.parametrize(
    "route", [r for r in GETS if r.endpoint in ACCESS], ids=_ids([r for r in GETS if r.endpoint in ACCESS])
)
def test_permission_matrix(app: Flask, samples: dict[str, Any], route: Route) -> None:
    people = {p: UserFactory(**({} if p == "staff" else {p: True})) for p in PERSONAS}
    tokens = {p: user_service.issue_api_token(u, name="matrix", actor_id=u.id)[0] for p, u in people.items()}
    from changeauth import db

    db.session.commit()
    outcome = {}
    for persona, person in people.items():
        client = app.test_client()
        if route.is_api:
            response = _request(
                client, route, samples, headers={"Authorization": f"Bearer {tokens[persona]}"}
            )
        else:
            _sign_in_session(client, person)
            response = _request(client, route, samples)
        outcome[persona] = response.status_code
    allowed = ACCESS[route.endpoint]
    # A page kept for some roles answers 403 to everyone else, never 404 (docs/security.md#who-may-open-what).
    refusals = (403,) if _access_rule(app, route) is not None else (403, 404)
    for persona, status in outcome.items():
        if persona in allowed:
            assert status not in (401, 403, 404), f"{persona} refused: {outcome}"
        else:
            assert status in refusals, f"{persona} let in: {outcome}"


def _access_rule(app: Flask, route: Route) -> Any:
    """The rule a page's ``@role_required`` or ``@allowed_if`` names, or None for a page without one."""
    return getattr(app.view_functions[route.endpoint], "access_rule", None)


# The roles UserFactory gives each persona (tests/factories.py).
PERSONA_ROLES = {
    persona: frozenset({persona}) if persona in ("staff", "viewer") else frozenset({"staff", persona})
    for persona in PERSONAS
}


def test_pages_kept_for_roles_are_classified_by_those_roles(app: Flask) -> None:
    for route in GETS:
        rule = _access_rule(app, route)
        if rule is None:
            continue
        holders = {persona for persona, roles in PERSONA_ROLES.items() if rule(Actor(id=0, roles=roles))}
        assert ACCESS[route.endpoint] == holders, route.endpoint


# --- AC-02: objects people may not see -------------------------------------------------------------------


# A page and the API endpoint that reads the same data answer to the same people (issue 18, finding 11).
PAGE_AND_API = {
    "benefits.tracker": "benefits_api.list_benefits",
    "temporary_resources.index": "temporary_resources_api.list_resources",
    "temporary_resources.detail": "temporary_resources_api.get_resource",
    "actions.flags": "flags_api.list_flags",
}


@pytest.mark.parametrize(("page_endpoint", "api_endpoint"), PAGE_AND_API.items())
def test_the_api_answers_to_whom_the_page_answers(page_endpoint: str, api_endpoint: str) -> None:
    assert ACCESS[page_endpoint] == ACCESS[api_endpoint]


BY_IMPROVEMENT = [route for route in PROTECTED if "improvement_id" in route.rule.arguments]


@pytest.mark.parametrize("route", BY_IMPROVEMENT, ids=_ids(BY_IMPROVEMENT))
def test_someone_elses_withdrawn_idea_is_hidden_everywhere(
    app: Flask, db_session: Any, samples: dict[str, Any], route: Route
) -> None:
    submitter = UserFactory()
    hidden = ImprovementFactory(withdrawn=True, submitter=submitter)
    outsiders = [
        UserFactory(),
        UserFactory(manager=True),
        UserFactory(finance=True),
        UserFactory(viewer=True),
    ]
    tokens = [user_service.issue_api_token(u, name="idor", actor_id=u.id)[0] for u in outsiders]
    db_session.commit()
    ids = {**samples, "improvement_id": hidden.id}
    before = _fingerprint()
    for outsider, token in zip(outsiders, tokens, strict=True):
        client = app.test_client()
        if route.is_api:
            kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {token}"}}
            if route.method in STATE_CHANGING:
                kwargs["json"] = {"version": 1, "text": "x", "action": "resubmit", "note": "x"}
        else:
            _sign_in_session(client, outsider)
            kwargs = {"data": {"text": "x", "note": "x"}} if route.method in STATE_CHANGING else {}
        response = _request(client, route, ids, **kwargs)
        if route.method == "GET" or route.is_api:
            assert response.status_code in (403, 404, 409, 422), f"{outsider.email}: {response.status_code}"
        assert response.status_code < 500
    assert _changed(before, _fingerprint()) == []


def test_the_submitter_still_sees_their_withdrawn_idea(client: FlaskClient, db_session: Any) -> None:
    submitter = UserFactory()
    hidden = ImprovementFactory(withdrawn=True, submitter=submitter)
    _sign_in_session(client, submitter)
    assert client.get(f"/improvements/{hidden.id}").status_code == 200
    _sign_in_session(client, UserFactory())
    assert client.get(f"/improvements/{hidden.id}").status_code == 404


def test_an_anonymous_submitter_is_hidden_from_others_in_the_api(app: Flask, db_session: Any) -> None:
    idea = ImprovementFactory(is_anonymous=True)
    reader = UserFactory()
    token, _ = user_service.issue_api_token(reader, name="idor", actor_id=reader.id)
    db_session.commit()
    body = (
        app.test_client()
        .get(f"/api/v1/improvements/{idea.id}", headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    assert body["submitter_id"] is None


# --- AC-03: mass assignment --------------------------------------------------------------------------------

# Names of columns people must never set through a body: identities, states, ownership, bookkeeping.
SENSITIVE_FIELDS = (
    "id",
    "stage",
    "status",
    "submitter_id",
    "created_at",
    "created_by_id",
    "is_active",
    "roles",
    "password_hash",
    "totp_secret",
    "session_version",
    "approved_by_id",
    "row_hash",
)


def _declared_properties(app: Flask, route: Route) -> set[str] | None:
    """The request body's declared fields in the OpenAPI document, or None when it takes no body."""
    from changeauth.extensions import api

    spec = api.spec.to_dict()
    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", route.rule.rule)
    operation = spec["paths"].get(path, {}).get(route.method.lower())
    if operation is None or "requestBody" not in operation:
        return None
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


@pytest.mark.parametrize("route", API_WRITES, ids=_ids(API_WRITES))
def test_api_bodies_refuse_fields_they_do_not_declare(
    app: Flask, db_session: Any, samples: dict[str, Any], route: Route
) -> None:
    declared = _declared_properties(app, route)
    if declared is None:
        pytest.skip("takes no body")
    user = super_user()
    token, _ = user_service.issue_api_token(user, name="mass assignment", actor_id=user.id)
    db_session.commit()
    injected = {name: 1 for name in SENSITIVE_FIELDS if name not in declared}
    before = _fingerprint()
    response = _request(
        app.test_client(), route, samples, json=injected, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    fields = response.get_json()["error"]["fields"]
    assert set(injected) <= set(fields), fields
    assert _changed(before, _fingerprint()) == []


def test_no_view_copies_a_whole_form_or_request_onto_a_model(project_root: Path) -> None:
    offenders = []
    for path in (project_root / "changeauth" / "web").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern in (
            "populate_obj(",
            "**request.form",
            "request.form.to_dict(",
            "**request.json",
            "**form.data",
        ):
            if pattern in text:
                offenders.append(f"{path.relative_to(project_root)}: {pattern}")
    assert offenders == []


def test_the_idea_form_ignores_fields_it_does_not_have(client: FlaskClient, db_session: Any) -> None:
    me = UserFactory()
    other = UserFactory()
    _sign_in_session(client, me)
    response = client.post(
        "/improvements/new",
        data={
            "title": "Online bin calendar",
            "problem": "People phone to ask.",
            "proposal": "Publish it online.",
            "benefit_drivers": ["channel_shift"],
            "stage": "delivery",
            "status": "approved",
            "submitter_id": str(other.id),
            "owner_id": str(other.id),
            "version": "999",
            "ref": "IMP-HACKED",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    idea = db_session.scalar(select(Improvement).where(Improvement.title == "Online bin calendar"))
    assert (idea.stage, idea.status, idea.submitter_id, idea.owner_id, idea.version) == (
        "idea",
        "submitted",
        me.id,
        None,
        1,
    )
    assert idea.ref != "IMP-HACKED"


def test_the_account_forms_cannot_raise_roles(client: FlaskClient, db_session: Any) -> None:
    me = UserFactory()
    _sign_in_session(client, me)
    client.post(
        "/account/email",
        data={"email": "me.too@council.example", "roles": "admin", "is_active": "1", "session_version": "1"},
    )
    db_session.expire_all()
    stored = db_session.get(User, me.id)
    assert stored.email == "me.too@council.example"
    assert stored.roles == frozenset({"staff"})


def test_an_admin_cannot_give_a_new_account_a_password(client: FlaskClient, db_session: Any) -> None:
    _sign_in_session(client, UserFactory(admin=True))
    client.post(
        "/admin/users/new",
        data={
            "email": "starter@council.example",
            "name": "Starter",
            "roles": ["staff"],
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$aGFzaA",
            "totp_secret": "A" * 32,
            "is_active": "0",
        },
    )
    user = db_session.scalar(select(User).where(User.email == "starter@council.example"))
    assert (user.password_hash, user.totp_secret, user.is_active) == (None, None, True)
