"""Tests for the lifecycle: the decision table, the action table and the stage/gate/status maps."""

from __future__ import annotations

import itertools

import pytest

from changeauth.domain.lifecycle import (
    ACTION_TABLE,
    DECISION_LABELS,
    DECISION_TABLE,
    ENDED_STAGES,
    GATE_NAMES,
    GATE_STAGE,
    PIPELINE,
    STAGE_LABELS,
    Action,
    Decision,
    Gate,
    Outcome,
    Stage,
    Status,
    action_outcome,
    decision_outcome,
    decisions_at,
    gate_for,
    status_for_stage,
)


class TestDecisionTable:
    @pytest.mark.parametrize(("gate", "decision"), list(DECISION_TABLE), ids=lambda v: str(v))
    def test_every_decision_leads_to_a_valid_stage_and_status(self, gate: Gate, decision: Decision) -> None:
        outcome = decision_outcome(gate, decision)
        assert outcome is not None
        assert isinstance(outcome.stage, Stage)
        assert isinstance(outcome.status, Status)

    @pytest.mark.parametrize(
        ("gate", "decision"),
        [pair for pair in itertools.product(Gate, Decision) if pair not in DECISION_TABLE],
        ids=lambda v: str(v),
    )
    def test_decision_outcome_none_when_decision_not_offered(self, gate: Gate, decision: Decision) -> None:
        assert decision_outcome(gate, decision) is None

    def test_g0_offers_quick_win_and_merge_but_not_conditions(self) -> None:
        offered = set(decisions_at(Gate.G0))
        assert {Decision.QUICK_WIN, Decision.MERGE} <= offered
        assert Decision.GO_WITH_CONDITIONS not in offered

    @pytest.mark.parametrize("gate", [Gate.G1, Gate.G2, Gate.G3], ids=str)
    def test_later_gates_offer_no_quick_win_or_merge(self, gate: Gate) -> None:
        offered = set(decisions_at(gate))
        assert Decision.QUICK_WIN not in offered
        assert Decision.MERGE not in offered

    def test_g3_cannot_stop(self) -> None:
        assert Decision.STOP not in decisions_at(Gate.G3)
        assert decision_outcome(Gate.G3, Decision.STOP) is None

    @pytest.mark.parametrize("gate", list(Gate), ids=str)
    def test_hold_always_goes_on_hold(self, gate: Gate) -> None:
        assert decision_outcome(gate, Decision.HOLD) == Outcome(Stage.ON_HOLD, Status.ON_HOLD)

    @pytest.mark.parametrize("gate", [Gate.G0, Gate.G1, Gate.G2], ids=str)
    def test_stop_declines(self, gate: Gate) -> None:
        assert decision_outcome(gate, Decision.STOP) == Outcome(Stage.DECLINED, Status.DECLINED)

    @pytest.mark.parametrize("gate", list(Gate), ids=str)
    def test_go_moves_forward_along_pipeline(self, gate: Gate) -> None:
        outcome = decision_outcome(gate, Decision.GO)
        assert outcome is not None
        assert PIPELINE.index(outcome.stage) > PIPELINE.index(GATE_STAGE[gate])

    @pytest.mark.parametrize("gate", [Gate.G1, Gate.G2, Gate.G3], ids=str)
    def test_recycle_stays_at_the_gate_stage(self, gate: Gate) -> None:
        assert decision_outcome(gate, Decision.RECYCLE) == Outcome(GATE_STAGE[gate], Status.ACTIVE)

    def test_g0_recycle_asks_for_more_information(self) -> None:
        assert decision_outcome(Gate.G0, Decision.RECYCLE) == Outcome(Stage.IDEA, Status.NEEDS_INFO)

    @pytest.mark.parametrize(
        ("gate", "decision", "expected"),
        [
            (Gate.G0, Decision.GO, Outcome(Stage.BUSINESS_CASE, Status.ACTIVE)),
            (Gate.G0, Decision.QUICK_WIN, Outcome(Stage.DELIVERY, Status.ACTIVE)),
            (Gate.G0, Decision.MERGE, Outcome(Stage.MERGED, Status.MERGED)),
            (Gate.G1, Decision.GO, Outcome(Stage.APPROVED, Status.ACTIVE)),
            (Gate.G1, Decision.GO_WITH_CONDITIONS, Outcome(Stage.APPROVED, Status.ACTIVE)),
            (Gate.G2, Decision.GO, Outcome(Stage.REALISATION, Status.ACTIVE)),
            (Gate.G2, Decision.GO_WITH_CONDITIONS, Outcome(Stage.REALISATION, Status.ACTIVE)),
            (Gate.G3, Decision.GO, Outcome(Stage.CLOSED, Status.CLOSED)),
        ],
        ids=lambda v: str(v) if not isinstance(v, Outcome) else "",
    )
    def test_forward_decision_outcomes(self, gate: Gate, decision: Decision, expected: Outcome) -> None:
        assert decision_outcome(gate, decision) == expected

    @pytest.mark.parametrize(
        ("gate", "expected"),
        [
            (
                Gate.G0,
                (
                    Decision.GO,
                    Decision.QUICK_WIN,
                    Decision.MERGE,
                    Decision.RECYCLE,
                    Decision.HOLD,
                    Decision.STOP,
                ),
            ),
            (
                Gate.G1,
                (Decision.GO, Decision.GO_WITH_CONDITIONS, Decision.RECYCLE, Decision.HOLD, Decision.STOP),
            ),
            (
                Gate.G2,
                (Decision.GO, Decision.GO_WITH_CONDITIONS, Decision.RECYCLE, Decision.HOLD, Decision.STOP),
            ),
            (Gate.G3, (Decision.GO, Decision.RECYCLE, Decision.HOLD)),
        ],
        ids=str,
    )
    def test_decisions_at_lists_in_display_order(self, gate: Gate, expected: tuple[Decision, ...]) -> None:
        assert decisions_at(gate) == expected

    def test_every_decision_and_gate_is_labelled(self) -> None:
        assert set(DECISION_LABELS) == set(Decision)
        assert set(GATE_NAMES) == set(Gate)
        assert set(STAGE_LABELS) == set(Stage)
        assert Stage.DELIVERY.label == "In delivery"


class TestGateFor:
    @pytest.mark.parametrize(
        ("stage", "gate"),
        [
            (Stage.IDEA, Gate.G0),
            (Stage.BUSINESS_CASE, Gate.G1),
            (Stage.APPROVED, None),
            (Stage.DELIVERY, Gate.G2),
            (Stage.REALISATION, Gate.G3),
            (Stage.CLOSED, None),
        ],
        ids=str,
    )
    def test_gate_for_pipeline_stage(self, stage: Stage, gate: Gate | None) -> None:
        assert gate_for(stage) is gate

    @pytest.mark.parametrize("stage", sorted(ENDED_STAGES | {Stage.ON_HOLD}), ids=str)
    def test_gate_for_off_pipeline_stage_is_none(self, stage: Stage) -> None:
        assert gate_for(stage) is None

    @pytest.mark.parametrize("gate", list(Gate), ids=str)
    def test_gate_stage_round_trips(self, gate: Gate) -> None:
        assert gate_for(GATE_STAGE[gate]) is gate


class TestStatusForStage:
    @pytest.mark.parametrize(
        ("stage", "status"),
        [
            (Stage.IDEA, Status.SUBMITTED),
            (Stage.BUSINESS_CASE, Status.ACTIVE),
            (Stage.APPROVED, Status.ACTIVE),
            (Stage.DELIVERY, Status.ACTIVE),
            (Stage.REALISATION, Status.ACTIVE),
            (Stage.CLOSED, Status.CLOSED),
            (Stage.ON_HOLD, Status.ON_HOLD),
            (Stage.MERGED, Status.MERGED),
            (Stage.DECLINED, Status.DECLINED),
            (Stage.WITHDRAWN, Status.WITHDRAWN),
        ],
        ids=str,
    )
    def test_status_for_stage(self, stage: Stage, status: Status) -> None:
        assert status_for_stage(stage) is status


class TestActionOutcome:
    def test_start_delivery_from_approved(self) -> None:
        assert action_outcome(Stage.APPROVED, Action.START_DELIVERY) == Outcome(Stage.DELIVERY, Status.ACTIVE)

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.APPROVED], ids=str)
    def test_start_delivery_refused_elsewhere(self, stage: Stage) -> None:
        assert action_outcome(stage, Action.START_DELIVERY) is None

    @pytest.mark.parametrize(
        ("held_from", "expected"),
        [
            (Stage.IDEA, Outcome(Stage.IDEA, Status.SUBMITTED)),
            (Stage.BUSINESS_CASE, Outcome(Stage.BUSINESS_CASE, Status.ACTIVE)),
            (Stage.DELIVERY, Outcome(Stage.DELIVERY, Status.ACTIVE)),
            (Stage.REALISATION, Outcome(Stage.REALISATION, Status.ACTIVE)),
        ],
        ids=lambda v: str(v) if isinstance(v, Stage) else "",
    )
    def test_resume_returns_to_held_from_stage(self, held_from: Stage, expected: Outcome) -> None:
        assert action_outcome(Stage.ON_HOLD, Action.RESUME, held_from_stage=held_from) == expected

    def test_resume_without_held_from_stage_is_none(self) -> None:
        assert action_outcome(Stage.ON_HOLD, Action.RESUME) is None

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.ON_HOLD], ids=str)
    def test_resume_refused_when_not_on_hold(self, stage: Stage) -> None:
        assert action_outcome(stage, Action.RESUME, held_from_stage=Stage.BUSINESS_CASE) is None

    def test_withdraw_from_idea(self) -> None:
        assert action_outcome(Stage.IDEA, Action.WITHDRAW) == Outcome(Stage.WITHDRAWN, Status.WITHDRAWN)

    @pytest.mark.parametrize("stage", [s for s in Stage if s is not Stage.IDEA], ids=str)
    def test_withdraw_refused_after_idea(self, stage: Stage) -> None:
        assert action_outcome(stage, Action.WITHDRAW) is None

    def test_resubmit_keeps_idea_and_marks_submitted(self) -> None:
        assert action_outcome(Stage.IDEA, Action.RESUBMIT) == Outcome(Stage.IDEA, Status.SUBMITTED)

    @pytest.mark.parametrize(
        ("stage", "action"),
        [pair for pair in itertools.product(Stage, Action) if pair not in ACTION_TABLE],
        ids=lambda v: str(v),
    )
    def test_action_not_in_table_is_none(self, stage: Stage, action: Action) -> None:
        assert action_outcome(stage, action) is None
        assert action_outcome(stage, action, held_from_stage=Stage.BUSINESS_CASE) is None

    def test_action_table_is_what_the_tests_expect(self) -> None:
        # Guards the exhaustive test above: if the table grows, the new move needs its own test.
        assert set(ACTION_TABLE) == {
            (Stage.APPROVED, Action.START_DELIVERY),
            (Stage.ON_HOLD, Action.RESUME),
            (Stage.IDEA, Action.WITHDRAW),
            (Stage.IDEA, Action.RESUBMIT),
        }


@pytest.mark.parametrize(
    "held_from", [Stage.ON_HOLD, Stage.CLOSED, Stage.DECLINED, Stage.MERGED, Stage.WITHDRAWN]
)
def test_resume_never_returns_into_an_ended_or_held_stage(held_from: Stage) -> None:
    assert action_outcome(Stage.ON_HOLD, Action.RESUME, held_from_stage=held_from) is None


def test_lookups_accept_plain_strings() -> None:
    assert decisions_at("G0") == decisions_at(Gate.G0)
    outcome = action_outcome("on_hold", "resume", held_from_stage="delivery")
    assert outcome is not None and outcome.stage is Stage.DELIVERY
