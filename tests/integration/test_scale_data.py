"""Generated council data (``changeauth demo-data``, issue 13): the counts asked for, the same rows for
the same seed, an audit chain that verifies, stored scores the scoring service agrees with, flags the
jobs would leave as they are, and a history that keeps the lifecycle's rules. A tiny scale keeps the
tests quick; the command's own test runs it on a file database of its own."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth import db
from changeauth.devtools import scale_data
from changeauth.devtools.scale_data.scale import Scale
from changeauth.domain.lifecycle import Gate, Route, Stage
from changeauth.jobs import get_job
from changeauth.jobs.runner import run_job
from changeauth.models import (
    Assessment,
    AssessmentScore,
    AuditEvent,
    Benefit,
    BenefitMeasurement,
    BusinessCase,
    Condition,
    ConflictDeclaration,
    DerivedState,
    Flag,
    GateDecision,
    Improvement,
    ImprovementScore,
    Team,
    TemporaryResource,
    User,
    UserRole,
    gate_decision_attendee,
)
from changeauth.models.derived_state import DERIVED_VIEWS
from changeauth.queries import scoring as scoring_queries
from changeauth.queries import similar
from changeauth.services import scoring as scoring_service
from changeauth.services.audit import verify_audit_chain
from tests.factories import UserFactory

TINY = Scale(
    name="tiny",
    improvements=150,
    assessments=300,
    benefits=70,
    measurements=900,
    temporary_resources=20,
    audit_events=3_000,
    design_authority=4,
    managers=5,
    finance=1,
    viewers=1,
    admins=1,
    staff=20,
)
ANCHOR = scale_data.DEFAULT_ANCHOR
PAST_G1 = (Stage.APPROVED.value, Stage.DELIVERY.value, Stage.REALISATION.value, Stage.CLOSED.value)


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


def _count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _digest() -> str:
    """A fingerprint of the generated rows: key columns of the main tables and the audit chain's end."""
    digest = hashlib.sha256()
    for columns in (
        (
            Improvement.id,
            Improvement.ref,
            Improvement.title,
            Improvement.stage,
            Improvement.owner_id,
            Improvement.created_at,
            Improvement.version,
        ),
        (AssessmentScore.assessment_id, AssessmentScore.criterion_code, AssessmentScore.score),
        (ImprovementScore.improvement_id, ImprovementScore.weighted_score, ImprovementScore.status),
        (BenefitMeasurement.id, BenefitMeasurement.period_end, BenefitMeasurement.value),
        (TemporaryResource.id, TemporaryResource.end_date, TemporaryResource.actual_end_date),
        (User.id, User.email, User.password_hash),
        (Flag.kind, Flag.subject_type, Flag.subject_id),
    ):
        for row in db.session.execute(select(*columns).order_by(*columns)):
            digest.update(repr(tuple(row)).encode())
    digest.update(
        db.session.scalar(select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)).encode()
    )
    return digest.hexdigest()


def _generate(seed: int = scale_data.DEFAULT_SEED) -> scale_data.Generated:
    return scale_data.generate(TINY, seed=seed, anchor=ANCHOR)


def test_writes_the_rows_the_scale_asks_for_with_an_audit_chain_that_verifies() -> None:
    stored_before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    generated = _generate()
    assert _count(Improvement) == TINY.improvements
    assert _count(Assessment) == TINY.assessments
    assert _count(Benefit) == TINY.benefits
    assert _count(BenefitMeasurement) == TINY.measurements
    assert _count(TemporaryResource) == TINY.temporary_resources
    assert _count(AuditEvent) == TINY.audit_events
    assert generated.counts["improvement"] == TINY.improvements
    report = verify_audit_chain()
    assert report.ok and report.events == TINY.audit_events
    stages = set(db.session.scalars(select(Improvement.stage).distinct()))
    assert stages == {stage.value for stage in Stage}
    history_ends = datetime.combine(ANCHOR, datetime.min.time(), tzinfo=UTC)
    for latest in (
        db.session.scalar(select(func.max(AuditEvent.occurred_at)).where(AuditEvent.id > stored_before)),
        db.session.scalar(select(func.max(Improvement.updated_at))),
        db.session.scalar(select(func.max(GateDecision.decided_at))),
        db.session.scalar(select(func.max(BenefitMeasurement.recorded_at))),
    ):
        assert latest < history_ends


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows() -> None:
    digests = []
    for seed in (7, 7, 8):
        savepoint = db.session.begin_nested()
        _generate(seed)
        digests.append(_digest())
        savepoint.rollback()
    assert digests[0] == digests[1]
    assert digests[0] != digests[2]


def test_cached_views_learn_that_their_data_changed() -> None:
    markers = select(DerivedState.name, DerivedState.token).where(DerivedState.name.in_(DERIVED_VIEWS))
    tokens = dict(db.session.execute(markers).all())
    _generate()
    after = dict(db.session.execute(markers).all())
    assert tokens.keys() == after.keys() == set(DERIVED_VIEWS)
    assert all(tokens[name] != after[name] for name in tokens)


def test_generated_ideas_are_in_the_similar_work_index() -> None:
    _generate()
    improvement = db.session.scalars(
        select(Improvement).where(Improvement.stage != Stage.WITHDRAWN.value).order_by(Improvement.id.desc())
    ).first()
    assert improvement is not None
    found = similar.find_similar(f"{improvement.title} {improvement.problem[:300]}", limit=50)
    assert improvement.id in {item.id for item in found}


def test_refuses_a_database_that_already_has_improvements() -> None:
    _generate()
    with pytest.raises(scale_data.AlreadyFilled):
        _generate(seed=99)
    assert _count(Improvement) == TINY.improvements


def test_refuses_a_database_that_already_has_its_accounts_and_writes_nothing() -> None:
    UserFactory(email="staff@demo.council.example")
    before = (_count(User), _count(Team), _count(AuditEvent))
    with pytest.raises(scale_data.AlreadyFilled, match="already exist"):
        _generate()
    assert (_count(User), _count(Team), _count(AuditEvent), _count(Improvement)) == (*before, 0)


def test_every_stored_score_is_what_the_scoring_service_computes() -> None:
    _generate()
    scheme = scoring_queries.active_scheme()
    fields = (
        "status",
        "scorers",
        "weighted_score",
        "must_meet_passed",
        "disagreement",
        "criteria",
        "medians",
    )
    stored = {
        score.improvement_id: {name: getattr(score, name) for name in fields}
        for score in db.session.scalars(select(ImprovementScore))
    }
    assert len(stored) > 50
    for improvement_id, expected in stored.items():
        recomputed, _ = scoring_service.recompute_score(
            improvement_id, scheme, quorum=3, disagreement_threshold=3
        )
        assert {name: getattr(recomputed, name) for name in fields} == expected, improvement_id
    finals = {i for i, row in stored.items() if row["status"] == "final"}
    assert finals and any(row["status"] == "provisional" for row in stored.values())
    announced = set(
        db.session.scalars(
            select(AuditEvent.subject_id).where(AuditEvent.action == "improvement.score_final")
        )
    )
    assert finals <= announced


@pytest.mark.parametrize(
    "job", ["stale-benefits", "temporary-resources", "overdue-conditions", "hold-reviews", "triage-sla"]
)
def test_the_jobs_find_the_flags_already_raised_on_the_anchor_day(job: str) -> None:
    _generate()
    result = run_job(get_job(job), ANCHOR)
    assert result.status == "succeeded", result.error
    assert (result.counts["raised"], result.counts["resolved"]) == (0, 0)


def test_some_tracked_benefits_are_stale_and_others_up_to_date() -> None:
    _generate()
    kinds = set(db.session.scalars(select(Flag.kind).where(Flag.resolved_on.is_(None))))
    assert "stale_benefit" in kinds
    tracked = db.session.scalar(
        select(func.count())
        .select_from(Benefit)
        .join(Improvement, Improvement.id == Benefit.improvement_id)
        .where(Improvement.stage.in_(["delivery", "realisation"]), Benefit.next_due_on >= ANCHOR)
    )
    assert tracked > 0


def test_work_past_the_investment_decision_kept_the_gate_rules() -> None:
    _generate()
    past_g1 = db.session.scalars(
        select(Improvement).where(Improvement.stage.in_(PAST_G1), Improvement.route == Route.STANDARD.value)
    ).all()
    assert past_g1
    for improvement in past_g1:
        cases = set(
            db.session.scalars(
                select(BusinessCase.status).where(BusinessCase.improvement_id == improvement.id)
            )
        )
        assert "approved" in cases, improvement.ref
        score = db.session.get(ImprovementScore, improvement.id)
        assert score is not None and score.status == "final" and score.must_meet_passed, improvement.ref
        assert db.session.scalar(select(func.count()).where(Benefit.improvement_id == improvement.id)), (
            improvement.ref
        )
    for benefit in db.session.scalars(
        select(Benefit)
        .join(Improvement, Improvement.id == Benefit.improvement_id)
        .where(Improvement.stage == "closed")
    ):
        assert benefit.closing_status in ("realised", "partially_realised", "not_realised")
        went_live = db.session.scalar(
            select(func.max(GateDecision.decided_at)).where(
                GateDecision.improvement_id == benefit.improvement_id, GateDecision.gate == Gate.G2.value
            )
        )
        assert benefit.last_period_end is not None and benefit.last_period_end >= went_live.date()


def test_deciders_are_independent_design_authority_members_with_a_quorum() -> None:
    _generate()
    members = set(db.session.scalars(select(UserRole.user_id).where(UserRole.role == "design_authority")))
    for decision in db.session.scalars(select(GateDecision)):
        improvement = db.session.get(Improvement, decision.improvement_id)
        attending = set(
            db.session.scalars(
                select(gate_decision_attendee.c.user_id).where(
                    gate_decision_attendee.c.decision_id == decision.id
                )
            )
        )
        conflicted = set(
            db.session.scalars(
                select(ConflictDeclaration.user_id).where(
                    ConflictDeclaration.improvement_id == improvement.id
                )
            )
        )
        interested = {improvement.submitter_id, improvement.owner_id, improvement.sponsor_id} | conflicted
        assert decision.decided_by_id in attending and attending <= members
        assert not attending & interested, improvement.ref
        assert len(attending) >= (1 if decision.gate == "G0" else 3)
    assessors = db.session.execute(
        select(
            Assessment.assessor_id, Improvement.submitter_id, Improvement.owner_id, Improvement.sponsor_id
        ).join(Improvement, Improvement.id == Assessment.improvement_id)
    )
    for assessor, *interested_people in assessors:
        assert assessor in members and assessor not in interested_people


def test_conditions_left_open_belong_to_work_that_has_not_passed_its_next_gate() -> None:
    _generate()
    for condition in db.session.scalars(select(Condition).where(Condition.status == "open")):
        decision = db.session.get(GateDecision, condition.decision_id)
        later = db.session.scalar(
            select(func.count()).where(
                GateDecision.improvement_id == condition.improvement_id,
                GateDecision.decided_at > decision.decided_at,
            )
        )
        assert later == 0


def test_the_shared_password_hash_verifies_and_repeats_for_a_seed() -> None:
    from changeauth.devtools.scale_data.people import shared_password_hash
    from changeauth.services.users import password_hasher

    assert password_hasher.verify(shared_password_hash(1), "changeauth-demo-2026")
    assert shared_password_hash(1) == shared_password_hash(1) != shared_password_hash(2)
    assert date(2026, 11, 29) == ANCHOR
