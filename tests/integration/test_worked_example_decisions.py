"""Every improvement of the worked example beyond an idea holds the gate decisions that put it where it
stands: in gate order, dated in the past, each taken by a quorum of design authority members independent
of the work, with reasons; and the decision register shows every one of them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from changeauth.domain import permissions
from changeauth.domain.lifecycle import (
    STAGE_GATE,
    Decision,
    Gate,
    Route,
    Stage,
    decision_outcome,
)
from changeauth.models import GateDecision, Improvement
from changeauth.queries import improvements as improvement_queries
from changeauth.web.filters import gate_name
from tests.factories import UserFactory
from tests.helpers import page

AS_OF = date(2026, 11, 29)
pytestmark = pytest.mark.worked_example(as_of=AS_OF)

GATE_ORDER = (Gate.G0, Gate.G1, Gate.G2, Gate.G3)
# The gates an improvement on the standard route has passed to stand in each stage.
PASSED = {
    Stage.BUSINESS_CASE: (Gate.G0,),
    Stage.APPROVED: (Gate.G0, Gate.G1),
    Stage.DELIVERY: (Gate.G0, Gate.G1),
    Stage.REALISATION: (Gate.G0, Gate.G1, Gate.G2),
    Stage.CLOSED: (Gate.G0, Gate.G1, Gate.G2, Gate.G3),
    Stage.MERGED: (Gate.G0,),
}
QUORUM = 3


def _expected_gates(improvement: Improvement, decisions: list[GateDecision]) -> tuple[Gate, ...]:
    """The gates, in order, whose decisions put the improvement where it stands."""
    if improvement.stage is Stage.ON_HOLD:
        held_at = STAGE_GATE[Stage(improvement.held_from_stage)]
        return GATE_ORDER[: GATE_ORDER.index(held_at) + 1]
    if improvement.stage is Stage.DECLINED:
        # Declined at whichever gate said stop: every gate before it was passed.
        stopped_at = decisions[-1].gate if decisions else Gate.G0
        return GATE_ORDER[: GATE_ORDER.index(stopped_at) + 1]
    gates = PASSED[improvement.stage]
    if improvement.route is Route.QUICK_WIN:
        # A quick win goes from triage straight to delivery: it has no business case to approve.
        gates = tuple(gate for gate in gates if gate is not Gate.G1)
    return gates


def _problems(improvement: Improvement, decisions: list[GateDecision]) -> list[str]:
    ref = improvement.ref
    found: list[str] = []
    gates = tuple(decision.gate for decision in decisions)
    expected = _expected_gates(improvement, decisions)
    if gates != expected:
        missing = [gate.value for gate in expected if gate not in gates]
        found.append(
            f"{ref} ({improvement.stage.value}): has {[gate.value for gate in gates]}, missing {missing}"
        )
        return found
    days = [decision.decided_at.date() for decision in decisions]
    if days != sorted(days) or len(set(days)) != len(days):
        found.append(f"{ref}: decisions not in date order {days}")
    if days[-1] >= AS_OF:
        found.append(f"{ref}: decided on {days[-1]}, not in the past")
    if improvement.stage_changed_at.date() < days[-1]:
        found.append(f"{ref}: entered its stage before its last decision")
    for decision in decisions:
        where = f"{ref} {decision.gate.value}"
        outcome = decision_outcome(decision.gate, decision.decision)
        if outcome is None or outcome.stage is not decision.to_stage:
            found.append(f"{where}: {decision.decision.value} does not lead to {decision.to_stage.value}")
        if decision.from_stage is not {gate: stage for stage, gate in STAGE_GATE.items()}[decision.gate]:
            found.append(f"{where}: taken from {decision.from_stage.value}")
        if len(decision.rationale.split()) < 8:
            found.append(f"{where}: no reasons")
        # Triage is decided by one independent member (the gate service's rule); G1-G3 by a quorum.
        if len(decision.attendees) < (1 if decision.gate is Gate.G0 else QUORUM):
            found.append(f"{where}: {len(decision.attendees)} attended, short of a quorum")
        for person in [decision.decided_by, *decision.attendees]:
            if not permissions.is_independent(*improvement_queries.access_to(improvement, person)):
                found.append(f"{where}: {person.name} is not an independent design authority member")
        if decision.decision is Decision.GO_WITH_CONDITIONS and not decision.conditions:
            found.append(f"{where}: a conditional go with no conditions")
    last = decisions[-1]
    if improvement.stage is Stage.ON_HOLD and last.decision is not Decision.HOLD:
        found.append(f"{ref}: on hold without a decision to hold it")
    if improvement.stage is Stage.DECLINED and last.decision is not Decision.STOP:
        found.append(f"{ref}: declined without a decision to stop it")
    if improvement.stage is Stage.DELIVERY and improvement.route is Route.STANDARD:
        if last.to_stage is not Stage.APPROVED:
            found.append(f"{ref}: in delivery without an approval")
    elif last.to_stage is not improvement.stage:
        found.append(f"{ref}: the last decision leads to {last.to_stage.value}, not its stage")
    return found


def _demo_history(db_session: Any) -> dict[Improvement, list[GateDecision]]:
    improvements = db_session.scalars(
        select(Improvement)
        .where(Improvement.ref.like("IMP-2021-%"), Improvement.stage != Stage.IDEA)
        .order_by(Improvement.ref)
    ).all()
    history: dict[Improvement, list[GateDecision]] = {improvement: [] for improvement in improvements}
    by_id = {improvement.id: improvement for improvement in improvements}
    decisions = db_session.scalars(
        select(GateDecision)
        .where(GateDecision.improvement_id.in_(by_id))
        .options(
            selectinload(GateDecision.attendees),
            selectinload(GateDecision.decided_by),
            selectinload(GateDecision.conditions),
        )
        .order_by(GateDecision.decided_at, GateDecision.id)
    ).all()
    for decision in decisions:
        history[by_id[decision.improvement_id]].append(decision)
    return history


def test_every_improvement_beyond_an_idea_holds_the_decisions_that_put_it_there(db_session: Any) -> None:
    history = _demo_history(db_session)
    # Business case, approved, delivery, realisation, closed, on hold and declined are all in the example.
    assert {improvement.stage for improvement in history} >= set(PASSED) | {Stage.ON_HOLD, Stage.DECLINED}
    problems = [
        problem for improvement, decisions in history.items() for problem in _problems(improvement, decisions)
    ]
    assert not problems, "\n".join(problems)


def test_the_decision_register_shows_every_decision_of_the_example(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    # Every decision, including those on ideas sent back to their submitter for more information.
    expected = sorted(
        (ref, gate_name(gate))
        for ref, gate in db_session.execute(
            select(Improvement.ref, GateDecision.gate)
            .join(GateDecision, GateDecision.improvement_id == Improvement.id)
            .where(Improvement.ref.like("IMP-2021-%"))
        )
    )
    login_as(UserFactory(viewer=True))
    rows = page(client.get("/decisions")).select("table tbody tr")
    shown = sorted(
        (cells[1].get_text(" ", strip=True).split(":")[0], cells[2].get_text(" ", strip=True))
        for cells in (row.select("td") for row in rows)
        if len(cells) == 6
    )
    assert expected and shown == expected
