"""The application's routes, read from ``app.url_map``, and sample objects to fill their ids, for the
route-wide security tests. A route added later is picked up by default; a new kind of id in a URL
(a new ``<thing_id>``) needs a sample here, and the tests say so."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter, Rule

from changeauth import create_app, db
from changeauth.domain.roles import ALL_ROLES
from changeauth.models import (
    Attachment,
    BenefitAdjustment,
    BenefitChangeRequest,
    BenefitPost,
    BenefitStaffing,
    Condition,
    DaMeeting,
    Disbenefit,
    GateCriterion,
    GateDecision,
    ImprovementDependency,
    MeetingAction,
    Programme,
    ScoringScheme,
)
from changeauth.services import users
from tests.conftest import TEST_SECRET_KEY
from tests.factories import (
    BenefitFactory,
    BusinessCaseFactory,
    ImprovementFactory,
    PortfolioScenarioFactory,
    TemporaryResourceFactory,
    UserFactory,
)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/v1/"

# Reachable without signing in (SESS-01). Everything else needs a session (pages) or a token (API).
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "auth.two_factor",
        "auth.forgot_password",
        "auth.password_link",
        "auth.set_password",
        "auth.sso_start",
        "auth.sso_callback",
        "auth.signed_out",
        "main.accessibility",
        "main.privacy",
        "health.live",
        "health.ready",
        "health.metrics",
        "api-docs.openapi_json",
    }
)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    rule: Rule

    @property
    def is_api(self) -> bool:
        return self.rule.rule.startswith(API_PREFIX)

    @property
    def id(self) -> str:
        return f"{self.method} {self.rule.rule}"


def _route_map_app() -> Flask:
    # Only its URL map is read; it never connects to a database.
    return create_app({"ENV_NAME": "testing", "DATABASE_URL": "sqlite://", "SECRET_KEY": TEST_SECRET_KEY})


def all_routes() -> list[Route]:
    app = _route_map_app()
    routes = [
        Route(rule.endpoint, method, rule)
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]
    db.get_engine(app).dispose()
    return sorted(routes, key=lambda r: (r.rule.rule, r.method))


ROUTES = all_routes()


def url_for_route(route: Route, samples: dict[str, Any]) -> str:
    """The route's path with every argument filled from ``samples`` (raises KeyError for an unknown id)."""
    values: dict[str, Any] = {}
    for name, converter in route.rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, PathConverter):
            values[name] = "css/changeauth.css"
        elif isinstance(converter, IntegerConverter) or name in samples:
            values[name] = samples[name]
        else:
            values[name] = "sample"
    _, path = route.rule.build(values, append_unknown=False)
    return path


def super_user() -> Any:
    """One person holding every role: sees the most pages."""
    return UserFactory(role_list=tuple(ALL_ROLES))


def make_samples() -> dict[str, Any]:
    """One object of every kind a URL names, owned by people the test personas are not."""
    case = BusinessCaseFactory()
    # A cashable saving, so its pages by financial year open for those who may use them.
    benefit = BenefitFactory(cashable=True)
    resource = TemporaryResourceFactory()
    decider = UserFactory(design_authority=True)
    improvement = benefit.improvement
    decision = GateDecision(
        improvement_id=improvement.id,
        gate="G2",
        decision="go_with_conditions",
        rationale="Sample decision for the route tests.",
        decided_by_id=decider.id,
        from_stage="approved",
        to_stage="delivery",
    )
    db.session.add(decision)
    db.session.flush()
    condition = Condition(
        decision_id=decision.id,
        improvement_id=improvement.id,
        text="Publish the data protection impact assessment.",
        owner_id=improvement.owner_id,
        due_date=date(2027, 1, 31),
    )
    meeting = DaMeeting(title="Sample meeting", meets_on=date(2027, 1, 15), created_by_id=decider.id)
    attachment = Attachment(
        improvement_id=improvement.id,
        title="Evidence",
        original_name="evidence.pdf",
        stored_name=secrets.token_hex(16),
        media_type="application/pdf",
        size_bytes=4,
        sha256="0" * 64,
        uploaded_by_id=improvement.owner_id,
        uploaded_at=datetime.now(UTC),
    )
    dependency = ImprovementDependency(
        improvement_id=improvement.id,
        depends_on_id=case.improvement_id,
        reason="Sample: it needs the other delivered first.",
        recorded_by_id=decider.id,
    )
    programme = Programme(code=f"sample_{secrets.token_hex(3)}", name="Sample programme")
    adjustment = BenefitAdjustment(
        benefit_id=benefit.id, category="other", amount_pence=100, rationale="Sample, if it applies"
    )
    post = BenefitPost(
        benefit_id=benefit.id,
        side="before",
        title="Sample post",
        grade="SCP 1",
        annual_salary_pence=2_000_000,
        fte=Decimal(1),
        in_scope=True,
    )
    register = BenefitStaffing(
        benefit_id=benefit.id, price_base_year=2025, employer_ni_pct=Decimal(13), pension_pct=Decimal(17)
    )
    disbenefit = Disbenefit(
        improvement_id=improvement.id,
        title="Sample dis-benefit",
        description="Some customers are left behind.",
        affected="Customers without the internet",
        owner_id=improvement.owner_id,
        mitigation="Phone lines stay open.",
    )
    change = BenefitChangeRequest(
        benefit_id=benefit.id,
        reason="Sample: a later target.",
        baseline_value=benefit.baseline_value,
        baseline_date=benefit.baseline_date,
        target_value=benefit.target_value + 100,
        target_date=benefit.target_date,
        was_baseline_value=benefit.baseline_value,
        was_baseline_date=benefit.baseline_date,
        was_target_value=benefit.target_value,
        was_target_date=benefit.target_date,
        proposed_by_id=benefit.owner_id,
    )
    db.session.add_all(
        [
            condition,
            meeting,
            attachment,
            programme,
            adjustment,
            post,
            register,
            dependency,
            disbenefit,
            change,
        ]
    )
    db.session.flush()
    action = MeetingAction(
        meeting_id=meeting.id, text="Sample: send the pack.", owner_id=decider.id, created_by_id=decider.id
    )
    db.session.add(action)
    db.session.flush()
    criterion = db.session.scalar(select(GateCriterion).order_by(GateCriterion.id))
    scheme_id = db.session.scalar(select(ScoringScheme.id).order_by(ScoringScheme.id))
    scenario = PortfolioScenarioFactory()
    person = UserFactory()
    _, api_token = users.issue_api_token(person, name="sample", actor_id=person.id)
    db.session.commit()
    return {
        "improvement_id": case.improvement_id,
        "case_id": case.id,
        "number": 1,  # the sample case's first option
        "benefit_id": benefit.id,
        "adjustment_id": adjustment.id,
        "request_id": change.id,
        "post_id": post.id,
        "disbenefit_id": disbenefit.id,
        "resource_id": resource.id,
        "condition_id": condition.id,
        "meeting_id": meeting.id,
        "action_id": action.id,
        "attachment_id": attachment.id,
        "dependency_id": dependency.id,
        "programme_id": programme.id,
        "criterion_id": criterion.id,
        "code": criterion.code,
        "scheme_id": scheme_id,
        "scenario_id": scenario.id,
        "user_id": person.id,
        "token_id": api_token.id,
        "token": secrets.token_urlsafe(32),
        "filename": "css/changeauth.css",
        "year": 2026,
    }


def withdrawn_idea_of_someone_else() -> Any:
    return ImprovementFactory(stage="withdrawn", status="withdrawn")
