"""Guarded writes (services/guards.py): two people who read the same version cannot both write it.

On PostgreSQL two transactions can read a row at once; without the version in the UPDATE's WHERE the second
silently overwrote the first (a lost update). One test, parametrized over the guarded writes the API
offers, sends real parallel requests to a threaded server on whichever database the suite runs on;
tests/integration/test_guarded_writes.py checks each guarded model's UPDATE against a version changed
behind its back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth import db
from changeauth.models import (
    Assessment,
    AuditEvent,
    Benefit,
    BusinessCase,
    Condition,
    GateDecision,
    Improvement,
    PortfolioScenario,
    TemporaryResource,
    User,
)
from changeauth.services import benefits as benefit_service
from changeauth.services import improvements, users
from changeauth.services import portfolio as portfolio_service
from changeauth.services import scoring as scoring_service
from changeauth.services import temporary_resources as resource_service
from tests.factories import (
    BenefitFactory,
    BenefitMeasurementFactory,
    BusinessCaseFactory,
    ImprovementFactory,
    PortfolioScenarioFactory,
)
from tests.live_server import own_database, post_json, serving

REQUESTS = 8


@dataclass(frozen=True)
class GuardedWrite:
    """One guarded write as the API offers it: how to make its subject, the request everyone sends at
    once, and the audit action and model whose version must each move exactly once."""

    # (owner, design authority member, finance) -> the subject's id, or it and more for the path
    prepare: Callable[[User, User, User], int | tuple[int, dict[str, Any]]]
    method: str
    path: str  # with {id}, and any more the preparation returned
    body: dict[str, Any]
    token_for: str  # "owner", "member" or "finance": who sends it
    action: str
    model: type[Any]
    version_column: str = "version"
    succeeded: int = 200
    version_after: int = 2


def _condition(owner: User, member: User, finance: User) -> int:
    work = improvements.submit_idea(
        owner, title="Guarded idea", problem="p", proposal="q", driver_codes=["channel_shift"]
    )
    decision = GateDecision(
        improvement_id=work.id,
        gate="G1",
        decision="go_with_conditions",
        rationale="Go, once the contract is signed.",
        decided_by_id=member.id,
        from_stage="business_case",
        to_stage="approved",
    )
    condition = Condition(
        improvement_id=work.id, text="Sign the contract", owner_id=owner.id, due_date=date(2030, 1, 31)
    )
    decision.conditions = [condition]
    db.session.add(decision)
    db.session.flush()
    return condition.id


def _resource(owner: User, member: User, finance: User) -> int:
    resource = resource_service.create_resource(
        owner,
        role_title="Contract developer",
        kind="contractor",
        annual_cost_pence=3_650_000,
        funding_source="Digital transformation reserve",
        start_date=date(2026, 4, 1),
        end_date=date(2027, 3, 31),
        owner_id=owner.id,
    )
    return resource.id


def _scenario(owner: User, member: User, finance: User) -> int:
    """A second scenario, with the first already the agreed plan, so agreeing it also un-agrees that one."""
    first, second = PortfolioScenarioFactory(created_by=member), PortfolioScenarioFactory(created_by=member)
    portfolio_service.agree_scenario(first, actor=member, expected_version=1)
    return int(second.id)


def _idea(owner: User, member: User, finance: User) -> int:
    """An idea its submitter may still edit."""
    return improvements.submit_idea(
        owner, title="Guarded idea", problem="p", proposal="q", driver_codes=["channel_shift"]
    ).id


def _draft_case(owner: User, member: User, finance: User) -> int:
    """A complete draft of the owner's business case, ready to submit."""
    case = BusinessCaseFactory(improvement=ImprovementFactory(business_case=True, owner=owner))
    return int(case.id)


def _benefit(owner: User, member: User, finance: User) -> int:
    """A benefit of the owner's improvement in delivery."""
    return int(BenefitFactory(improvement=ImprovementFactory(delivery=True, owner=owner), owner=owner).id)


def _measured_cashable_benefit(owner: User, member: User, finance: User) -> int:
    """A cashable benefit with one measurement (which moved it to version 2), for finance to validate."""
    benefit = BenefitFactory(
        improvement=ImprovementFactory(delivery=True, owner=owner), owner=owner, cashable=True
    )
    BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
    assert benefit.version == 2
    return int(benefit.id)


def _proposed_adjustment(owner: User, member: User, finance: User) -> tuple[int, dict[str, Any]]:
    benefit_id = _measured_cashable_benefit(owner, member, finance)
    adjustment = benefit_service.record_adjustment(
        benefit_id,
        actor=finance,
        category="external_funding",
        amount_pence=-250_000,
        rationale="Part of the saving was paid for by a grant.",
    )
    return benefit_id, {"adjustment": adjustment.id}


def _scores(base: int) -> dict[str, Any]:
    return {
        "strategic_priority": base,
        "customer_need": base,
        "transaction_volume": 3,
        "complexity": 2,
        "reform_risk": 2,
        "within_remit": True,
    }


def _assessment(owner: User, member: User, finance: User) -> tuple[int, dict[str, Any]]:
    """The member's assessment of someone else's business case, at version 1."""
    improvement = ImprovementFactory(business_case=True)
    assessment = scoring_service.save_assessment(
        improvement.id,
        actor=member,
        scores=_scores(2),
        rationale="First look.",
        quorum=3,
        disagreement_threshold=3,
    )
    return assessment.id, {"improvement": improvement.id}


WRITES = {
    "condition closed": GuardedWrite(
        prepare=_condition,
        method="POST",
        path="/api/v1/conditions/{id}/close",
        body={"status": "met", "note": "Signed on Monday.", "version": 1},
        token_for="owner",
        action="condition.met",
        model=Condition,
    ),
    "temporary resource extended": GuardedWrite(
        prepare=_resource,
        method="PATCH",
        path="/api/v1/temporary-resources/{id}",
        body={"extension_until": "2027-09-30", "extension_reason": "The go-live moved.", "version": 1},
        token_for="member",
        action="temporary_resource.extended",
        model=TemporaryResource,
    ),
    "portfolio scenario agreed": GuardedWrite(
        prepare=_scenario,
        method="POST",
        path="/api/v1/portfolio/scenarios/{id}/agree",
        body={"version": 1},
        token_for="member",
        action="portfolio_scenario.agreed",
        model=PortfolioScenario,
    ),
    "improvement edited": GuardedWrite(
        prepare=_idea,
        method="PATCH",
        path="/api/v1/improvements/{id}",
        body={"title": "Guarded idea, reworded", "version": 1},
        token_for="owner",
        action="improvement.edited",
        model=Improvement,
    ),
    # The draft's own lock_version guards it; the improvement's lock orders the submissions, so the later
    # ones find the case submitted already (409 too).
    "business case submitted": GuardedWrite(
        prepare=_draft_case,
        method="POST",
        path="/api/v1/business-cases/{id}/submit",
        body={"version": 1},
        token_for="owner",
        action="business_case.submitted",
        model=BusinessCase,
        version_column="lock_version",
    ),
    "benefit edited": GuardedWrite(
        prepare=_benefit,
        method="PATCH",
        path="/api/v1/benefits/{id}",
        body={"title": "Calls answered online, per month", "version": 1},
        token_for="owner",
        action="benefit.updated",
        model=Benefit,
    ),
    "benefit validated by finance": GuardedWrite(
        prepare=_measured_cashable_benefit,
        method="POST",
        path="/api/v1/benefits/{id}/validate",
        body={"version": 2},
        token_for="finance",
        action="benefit.validated",
        model=Benefit,
        version_after=3,
    ),
    "adjustment confirmed": GuardedWrite(
        prepare=_proposed_adjustment,
        method="POST",
        path="/api/v1/benefits/{id}/adjustments/{adjustment}/confirm",
        body={"evidence": "The grant letter.", "version": 2},
        token_for="finance",
        action="benefit.adjustment_confirmed",
        model=Benefit,
        version_after=3,
    ),
    "improvement withdrawn": GuardedWrite(
        prepare=_idea,
        method="POST",
        path="/api/v1/improvements/{id}/transitions",
        body={"action": "withdraw", "version": 1, "note": ""},
        token_for="owner",
        action="improvement.transitioned",
        model=Improvement,
    ),
    "assessment revised": GuardedWrite(
        prepare=_assessment,
        method="PUT",
        path="/api/v1/improvements/{improvement}/assessment",
        body={"scores": _scores(4), "rationale": "A second look.", "version": 1},
        token_for="member",
        action="assessment.revised",
        model=Assessment,
    ),
    # Not a guarded update but a row lock kept on purpose (benefits.record_measurement): one value per
    # period, the rest told it is recorded already (409), and the version moved once with it.
    "measurement recorded for one period": GuardedWrite(
        prepare=_benefit,
        method="POST",
        path="/api/v1/benefits/{id}/measurements",
        body={"period_end": "2026-04-30", "value": 900},
        token_for="owner",
        action="benefit.measurement_recorded",
        model=Benefit,
        succeeded=201,
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_a_write_sent_by_parallel_requests_on_one_version_lands_once(
    tmp_path: Path, write: GuardedWrite
) -> None:
    """The double (and eightfold) click: one write wins; the others are told someone got there first (409)
    or that it is already done (422); one audit event; the version moved once."""
    prepared: dict[str, Any] = {}

    def prepare(app: Flask) -> None:
        from changeauth.cli.seed import load_reference

        load_reference()
        owner = users.create_user(email="owner@council.example", name="Owner", roles=["staff", "manager"])
        member = users.create_user(
            email="member@council.example", name="Member", roles=["staff", "design_authority"]
        )
        finance = users.create_user(
            email="finance@council.example", name="Finance", roles=["staff", "finance"]
        )
        made = write.prepare(owner, member, finance)
        prepared["subject"], prepared["path"] = made if isinstance(made, tuple) else (made, {})
        sender = {"owner": owner, "member": member, "finance": finance}[write.token_for]
        prepared["token"] = users.issue_api_token(sender, name="t", actor_id=sender.id)[0]

    with (
        own_database(tmp_path, "guarded") as url,
        serving(url, tmp_path / "instance", prepare=prepare, threads=REQUESTS) as (base, app),
    ):
        target = base + write.path.format(id=prepared["subject"], **prepared["path"])
        barrier = threading.Barrier(REQUESTS)
        statuses: list[int] = []
        lock = threading.Lock()

        def send() -> None:
            barrier.wait()
            status = post_json(target, prepared["token"], write.body, method=write.method)
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=send) for _ in range(REQUESTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert statuses.count(write.succeeded) == 1, statuses
        assert set(statuses) <= {write.succeeded, 409, 422}, statuses
        with app.app_context():
            landed = db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == write.action, AuditEvent.subject_id == prepared["subject"])
            )
            assert landed == 1
            assert (
                getattr(db.session.get(write.model, prepared["subject"]), write.version_column)
                == write.version_after
            )
