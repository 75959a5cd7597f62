"""Every list and detail read, page or API, sends the same number of SQL statements with 5 rows as with 50.

The GET routes come from the application's URL map: each is either counted here (its case in
``query_counts`` arranges the rows it shows) or named in ``NOT_APPLICABLE`` with the reason, so
a new page cannot go unmeasured. A detail page's rows are the children it shows (an improvement's
comments and decisions, a benefit's measurements, a case's options, a gate's criteria and conditions).
Pages keep their default page size: with 50 rows a list may spill onto a second page, and the count
must still not change.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from changeauth import db
from changeauth.services import users as user_service
from tests.factories import flushed_only
from tests.functional.query_counts import CASES
from tests.functional.routes import API_PREFIX, ROUTES, super_user

_GET_RULES = {route.endpoint: route.rule for route in ROUTES if route.method == "GET"}

NOT_APPLICABLE = {
    # No rows at all.
    "static": "a file from the package",
    "health.live": "a health check",
    "health.ready": "a health check",
    "health.metrics": "figures for the monitoring system: four grouped queries, whatever the data",
    "api-docs.openapi_json": "the API's description, built from code",
    "identity.me": "the caller's own identity",
    "main.accessibility": "the accessibility statement",
    "main.privacy": "the privacy notice: the retention schedule from configuration",
    "audit_api.verify_audit": "a check of the hash chain, read in fixed-size batches, not a list",
    # Sign-in and one's own account: forms about the signed-in person.
    "auth.login": "the sign-in form",
    "auth.two_factor": "the second-factor form",
    "auth.forgot_password": "a form",
    "auth.password_link": "a set-password link",
    "auth.set_password": "a form",
    "auth.sso_start": "a redirect to the council's sign-in service",
    "auth.sso_confirm": "a redirect to the council's sign-in service",
    "auth.sso_callback": "the sign-in service's answer: one account found or made",
    "auth.signed_out": "a redirect to the sign-in page",
    "account.index": "one's own account settings",
    "account.confirm": "a form",
    "account.change_email": "a form",
    "account.change_password": "a form",
    "account.two_factor_setup": "a form",
    "admin.user": "one account's settings; it lists no children (its roles load with it)",
    # Forms that edit or create one thing and list nothing.
    "admin.new_user": "a form",
    "gates.criterion_edit": "a form for one gate criterion",
    "gates.close_condition": "a form for one condition",
    "meetings.meeting_new": "a form",
    "improvements.submitted": "one idea's confirmation, listing nothing",
    "improvements.edit": "a form for one idea's title, drivers and team",
    "improvements.reassign": "a form for one improvement's owner and sponsor",
    "improvements.new_dependency": "a form for one improvement's dependency",
    "improvements.remove_dependency": "a form for one dependency",
    "admin.edit_user": "a form for one person's name, roles and team",
    "meetings.meeting_edit": "a form for one meeting (its members load with it)",
    "meetings.meeting_cancel": "a form for one meeting",
    "meetings.meeting_invitation": "one meeting's calendar file (its members load with it)",
    "backlog.plan": "a form for one improvement's quarter",
    "benefits.new": "a form",
    "benefits.edit": "a form for one benefit's profile",
    "benefits.close": "a form",
    "benefits.hand_over": "a form with the list of possible owners",
    "benefits.reopen": "a form for one benefit",
    "reviews.decide": "a form for one benefit's review decision, with the list of possible owners",
    "reviews.new_lesson": "a form for one lesson, with the list of areas",
    "benefits.measure": "a form",
    "benefits.adjust": "a form",
    "benefits.choose_plan_year": "a redirect to one financial year's plan",
    "benefits.plan_year": "a form for one benefit's financial year",
    "benefits.propose_change": "a form for one benefit's baseline and target",
    "benefits.attribution": "a form for one benefit, with the claims on its shared measure (one select)",
    "benefits.plan": "a form for one benefit's planned values (its points in one select)",
    "benefits.staffing": "one benefit's staffing register: queries.staffing.register_of reads its posts and "
    "pay awards in three selects, whatever their number",
    "benefits.staffing_price_base": "a form for one benefit's register",
    "benefits.staffing_add_post": "a form for one post",
    "benefits.staffing_change_post": "a form for one post",
    "benefits.staffing_remove_post": "a confirmation for one post",
    "benefits.staffing_pay_award": "a form for one pay award",
    "benefits_api.get_staffing_register": "one benefit's register in three selects (register_of)",
    "benefits.take_out": "a form for one benefit's financial year",
    "benefits.new_disbenefit": "a form, with the improvement's benefits to offset",
    "benefits.edit_disbenefit": "a form for one dis-benefit, with the improvement's benefits to offset",
    "benefits.remove_disbenefit": "a confirmation for one dis-benefit",
    "benefits_api.get_disbenefit": "one dis-benefit with its owner and offsets in four selects",
    "business_cases.edit": "redirects to the task list",
    "business_cases.tasks": "one case's sections, listing its options (at most ten)",
    "business_cases.strategic_case": "a form for one case's strategic case",
    "business_cases.new_option": "a form for one option, capped at the years its page holds",
    "business_cases.option": "a form for one option, capped at the years its page holds",
    "business_cases.remove_option": "a confirmation for one option",
    "business_cases.appraisal_settings": "a form for one case, listing its options (at most ten)",
    "business_cases.risks": "a form for one case's risks",
    "business_cases.commercial": "a form for one case's commercial case",
    "business_cases.financial": "a form for one case's financial case (at most eight funding lines)",
    "business_cases.management": "a form for one case's management case",
    "improvements.new": "a form",
    "portfolio.estimate": "a form for one improvement's delivery estimate",
    "reports.import_ideas": "an upload form",
    "scoring.assess": "a form for one's own assessment of one improvement",
    "scoring.new_scheme": "a form",
    "scoring.edit_scheme": "a form",
    "temporary_resources.new": "a form",
    "temporary_resources.extend": "a form",
    "temporary_resources.end": "a form",
    # Downloads and images: not pages. Their lists are the covered pages' own queries.
    "attachments.download": "an evidence file",
    "meetings.meeting_pack": "a spreadsheet download",
    "decisions.export_register": "a download of the decision register",
    "reports.export_audit": "a download of the audit log",
    "reports.export_backlog": "a download of the backlog",
    "reports.export_benefits": "a download of the benefits tracker",
    "reports.export_resources": "a download of the temporary resources register",
    "reports.import_template": "a fixed template download",
    "reports.close_down_xlsx": "a download of the close-down page",
    "reports.savings_by_year": "a download of the savings by financial year",
    "reports.chart": "a PNG chart of the dashboard",
    "backlog.matrix_chart": "a PNG chart of the matrix page",
    "benefits.chart": "a PNG chart of the benefit page",
}

# Pages that show at most a fixed number of the rows (or only their count): the answer need not grow.
BOUNDED = {
    "improvements.similar_fragment": "at most five suggestions",
    "reports.close_down": "the report's fixed tables: totals over the programme's records, by year",
    "improvements_api.read": "the number of supporters, not the supporters",
    "temporary_resources_api.get_resource": "the resource alone (its benefit at risk is on the page)",
}

_PLACEHOLDERS = re.compile(r"(\?|%\(\w+\)s|\$\d+)(\s*,\s*(\?|%\(\w+\)s|\$\d+))+")


def _shape(statement: str) -> str:
    """A statement with its IN-list placeholders folded, so the same query with more ids reads the same."""
    return _PLACEHOLDERS.sub("…", " ".join(statement.split()))[:300]


def test_every_get_route_is_counted_or_said_not_to_apply() -> None:
    missing = sorted(set(_GET_RULES) - set(CASES) - set(NOT_APPLICABLE))
    assert not missing, (
        f"Give these GET routes a case in tests/functional/query_counts/, or say in NOT_APPLICABLE "
        f"why they list nothing: {missing}"
    )
    assert not set(CASES) & set(NOT_APPLICABLE), "an endpoint is both counted and excused"
    assert not (set(CASES) | set(NOT_APPLICABLE) | set(BOUNDED)) - set(_GET_RULES), "stale entries"


def _url(app: Flask, endpoint: str, path: dict[str, int], query: dict[str, Any]) -> str:
    rule = _GET_RULES[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{k: v for k, v in path.items() if k in rule.arguments}, **query)


def _headers(endpoint: str, viewer: Any) -> dict[str, str]:
    if not _GET_RULES[endpoint].rule.startswith(API_PREFIX):
        return {}
    token, _ = user_service.issue_api_token(viewer, name="query counts", actor_id=viewer.id)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_the_same_queries_for_5_rows_as_for_50(
    endpoint: str,
    app: Flask,
    client: FlaskClient,
    login_as: Any,
    count_queries: Any,
    record_property: Any,
) -> None:
    viewer = super_user()
    login_as(viewer)
    headers = _headers(endpoint, viewer)
    arranged = CASES[endpoint](viewer)
    db.session.commit()
    url = _url(app, endpoint, arranged.path, arranged.query)

    def measure() -> tuple[dict[str, list[str]], bytes]:
        """The statements of the first request after the rows changed (shared views are worked out afresh)
        and of the next one (they come from the shared views kept)."""
        if headers:
            # A token's use is recorded at most once a minute: here, never in the requests counted.
            client.get(f"{API_PREFIX}me", headers=headers)
        statements = {}
        for request in ("first", "repeated"):
            with count_queries() as counter:
                response = client.get(url, headers=headers)
            assert response.status_code == 200, f"GET {url}: {response.status_code}"
            statements[request] = counter.statements
        return statements, response.data

    def grow(n: int) -> None:
        """``n`` more rows, committed once (the factories only flush each row they make)."""
        with flushed_only():
            arranged.grow(n)
        db.session.commit()

    grow(5)
    five, five_body = measure()
    grow(45)
    fifty, fifty_body = measure()

    for request in ("first", "repeated"):
        record_property(f"{request} request", len(fifty[request]))  # the JUnit report shows each page's cost
        extra = Counter(map(_shape, fifty[request])) - Counter(map(_shape, five[request]))
        assert len(fifty[request]) == len(five[request]), (
            f"GET {url}, {request} request: {len(five[request])} statements with 5 rows, "
            f"{len(fifty[request])} with 50; repeated: {dict(extra)}"
        )
    if endpoint not in BOUNDED:
        assert len(fifty_body) > len(five_body), f"GET {url} does not show the rows the case adds"
