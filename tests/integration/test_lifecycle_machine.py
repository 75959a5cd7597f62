"""A Hypothesis state machine drives random decisions and actions by random people through the
lifecycle. Invariants: the stage is always one the table allows, a refused action changes nothing,
the audit events match the successful transitions, nobody decides their own improvement, and the audit
chain verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from changeauth import db
from changeauth.domain.errors import DomainError
from changeauth.domain.gate_decisions import ConditionInput, DecisionRequest
from changeauth.domain.lifecycle import ACTION_TABLE, DECISION_TABLE, Action, Decision, Gate, Stage, gate_for
from changeauth.models import AuditEvent, GateDecision, Improvement
from changeauth.services import transitions
from changeauth.services.audit import verify_audit_chain
from tests.factories import ImprovementFactory, UserFactory

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
REACHABLE = (
    {outcome.stage for outcome in DECISION_TABLE.values()}
    | {outcome.stage for outcome in ACTION_TABLE.values() if outcome}
    | {Stage.IDEA}
)
MOVES = ("improvement.decided", "improvement.transitioned")


class Lifecycle(RuleBasedStateMachine):
    @initialize()
    def arrange(self) -> None:
        self.submitter = UserFactory(design_authority=True)
        self.owner = UserFactory(design_authority=True, manager=True)
        self.independent = [UserFactory(design_authority=True) for _ in range(4)]
        self.staff = UserFactory()
        self.people = [self.submitter, self.owner, *self.independent, self.staff]
        self.improvement = ImprovementFactory(submitter=self.submitter)
        self.target = ImprovementFactory()
        self.successes = 0

    def _audit_moves(self) -> int:
        return (
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.subject_id == self.improvement.id,
                    AuditEvent.subject_type == "improvement",
                    AuditEvent.action.in_(MOVES),
                )
            )
            or 0
        )

    def _attempt(self, call: Any) -> None:
        before = (self.improvement.stage, self.improvement.status, self.improvement.version)
        nested = db.session.begin_nested()
        try:
            call()
        except DomainError:
            nested.rollback()
            db.session.refresh(self.improvement)
            assert (self.improvement.stage, self.improvement.status, self.improvement.version) == before
        else:
            nested.commit()
            self.successes += 1

    @rule(
        current_gate=st.booleans(),
        gate=st.sampled_from(list(Gate)),
        decision=st.sampled_from(list(Decision)),
        recorder=st.integers(0, 6),
        attendees=st.sets(st.integers(0, 6), max_size=4),
        stale=st.integers(0, 9),
    )
    def decide(
        self,
        current_gate: bool,
        gate: Gate,
        decision: Decision,
        recorder: int,
        attendees: set[int],
        stale: int,
    ) -> None:
        facing = gate_for(Stage(self.improvement.stage))
        if current_gate and facing is not None:
            gate = facing
        actor = self.people[recorder]
        version = self.improvement.version + (1 if stale == 0 else 0)
        self._attempt(
            lambda: transitions.decide_gate(
                self.improvement,
                DecisionRequest(
                    gate=gate.value,
                    decision=decision.value,
                    rationale="Because.",
                    version=version,
                    attendee_ids=tuple(self.people[i].id for i in attendees),
                    hold_until=date(2027, 6, 30) if decision is Decision.HOLD else None,
                    duplicate_of_id=self.target.id if decision is Decision.MERGE else None,
                    owner_id=self.owner.id,
                    conditions=(
                        (ConditionInput("Do it", self.owner.id, date(2027, 1, 31)),)
                        if decision is Decision.GO_WITH_CONDITIONS
                        else ()
                    ),
                ),
                actor=actor,
                now=NOW + timedelta(minutes=self.successes),
                today=NOW.date(),
            )
        )

    @rule(action=st.sampled_from(list(Action)), who=st.integers(0, 6))
    def act(self, action: Action, who: int) -> None:
        self._attempt(
            lambda: transitions.apply_action(
                self.improvement,
                actor=self.people[who],
                action=action.value,
                version=self.improvement.version,
                note="An answer.",
            )
        )

    @invariant()
    def stage_is_allowed(self) -> None:
        if hasattr(self, "improvement"):
            assert Stage(self.improvement.stage) in REACHABLE

    @invariant()
    def audit_matches_successes(self) -> None:
        if hasattr(self, "improvement"):
            assert self._audit_moves() == self.successes

    @invariant()
    def nobody_decided_their_own(self) -> None:
        if hasattr(self, "improvement"):
            deciders = set(
                db.session.scalars(
                    select(GateDecision.decided_by_id).where(
                        GateDecision.improvement_id == self.improvement.id
                    )
                )
            )
            assert not deciders & {self.submitter.id, self.owner.id}

    def teardown(self) -> None:
        if hasattr(self, "improvement"):
            assert verify_audit_chain().ok


@pytest.mark.slow
def test_lifecycle_state_machine(db_session: Any) -> None:
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=25,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_the_improvement_table_only_holds_reachable_stages(db_session: Any) -> None:
    stages = set(db_session.scalars(select(Improvement.stage).distinct()))
    assert {Stage(s) for s in stages} <= REACHABLE | {Stage.MERGED, Stage.WITHDRAWN}
