"""The improvement lifecycle: stages, statuses, gates, decisions and the one transition table.

The table below is the documentation: every stage change in the product is looked up here, and the
transition service is the only code that applies one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    IDEA = "idea"
    BUSINESS_CASE = "business_case"
    APPROVED = "approved"
    DELIVERY = "delivery"
    REALISATION = "realisation"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    MERGED = "merged"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS = {
    Stage.IDEA: "Idea",
    Stage.BUSINESS_CASE: "Business case",
    Stage.APPROVED: "Approved",
    Stage.DELIVERY: "In delivery",
    Stage.REALISATION: "Realising benefits",
    Stage.CLOSED: "Closed",
    Stage.ON_HOLD: "On hold",
    Stage.MERGED: "Merged",
    Stage.DECLINED: "Declined",
    Stage.WITHDRAWN: "Withdrawn",
}

PIPELINE = (
    Stage.IDEA,
    Stage.BUSINESS_CASE,
    Stage.APPROVED,
    Stage.DELIVERY,
    Stage.REALISATION,
    Stage.CLOSED,
)
ENDED_STAGES = frozenset({Stage.CLOSED, Stage.MERGED, Stage.DECLINED, Stage.WITHDRAWN})


class Status(StrEnum):
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    CLOSED = "closed"
    MERGED = "merged"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Route(StrEnum):
    STANDARD = "standard"
    QUICK_WIN = "quick_win"


class Gate(StrEnum):
    G0 = "G0"
    G1 = "G1"
    G2 = "G2"
    G3 = "G3"


GATE_NAMES = {
    Gate.G0: "Triage",
    Gate.G1: "Investment decision",
    Gate.G2: "Go-live",
    Gate.G3: "Benefits review",
}
GATE_STAGE = {
    Gate.G0: Stage.IDEA,
    Gate.G1: Stage.BUSINESS_CASE,
    Gate.G2: Stage.DELIVERY,
    Gate.G3: Stage.REALISATION,
}
STAGE_GATE = {stage: gate for gate, stage in GATE_STAGE.items()}
# What deciding each gate means, for people: "G1: approve the business case".
GATE_PURPOSES = {
    Gate.G0: "decide what to do with the idea",
    Gate.G1: "approve the business case",
    Gate.G2: "approve go-live",
    Gate.G3: "confirm the benefits and close",
}


def gate_title(gate: Gate | str) -> str:
    """The gate with its meaning, as pages and notifications name it: "G1: approve the business case"."""
    gate = Gate(gate)
    return f"{gate.value}: {GATE_PURPOSES[gate]}"


class Decision(StrEnum):
    GO = "go"
    GO_WITH_CONDITIONS = "go_with_conditions"
    RECYCLE = "recycle"
    HOLD = "hold"
    STOP = "stop"
    QUICK_WIN = "quick_win"
    MERGE = "merge"


DECISION_LABELS = {
    Decision.GO: "Go",
    Decision.GO_WITH_CONDITIONS: "Go with conditions",
    Decision.RECYCLE: "Send back for more work",
    Decision.HOLD: "Put on hold",
    Decision.STOP: "Stop",
    Decision.QUICK_WIN: "Quick win",
    Decision.MERGE: "Merge with other work",
}


class Action(StrEnum):
    """Stage changes that are not gate decisions."""

    START_DELIVERY = "start_delivery"
    RESUME = "resume"
    WITHDRAW = "withdraw"
    RESUBMIT = "resubmit"


@dataclass(frozen=True)
class Outcome:
    """Where a decision or action leads."""

    stage: Stage
    status: Status


def _active(stage: Stage) -> Outcome:
    return Outcome(stage, Status.ACTIVE)


# (gate, decision) -> outcome. A hold's real outcome is on_hold; resume returns to the stage it left.
DECISION_TABLE: dict[tuple[Gate, Decision], Outcome] = {
    (Gate.G0, Decision.GO): _active(Stage.BUSINESS_CASE),
    (Gate.G0, Decision.QUICK_WIN): _active(Stage.DELIVERY),
    (Gate.G0, Decision.MERGE): Outcome(Stage.MERGED, Status.MERGED),
    (Gate.G0, Decision.RECYCLE): Outcome(Stage.IDEA, Status.NEEDS_INFO),
    (Gate.G0, Decision.HOLD): Outcome(Stage.ON_HOLD, Status.ON_HOLD),
    (Gate.G0, Decision.STOP): Outcome(Stage.DECLINED, Status.DECLINED),
    (Gate.G1, Decision.GO): _active(Stage.APPROVED),
    (Gate.G1, Decision.GO_WITH_CONDITIONS): _active(Stage.APPROVED),
    (Gate.G1, Decision.RECYCLE): _active(Stage.BUSINESS_CASE),
    (Gate.G1, Decision.HOLD): Outcome(Stage.ON_HOLD, Status.ON_HOLD),
    (Gate.G1, Decision.STOP): Outcome(Stage.DECLINED, Status.DECLINED),
    (Gate.G2, Decision.GO): _active(Stage.REALISATION),
    (Gate.G2, Decision.GO_WITH_CONDITIONS): _active(Stage.REALISATION),
    (Gate.G2, Decision.RECYCLE): _active(Stage.DELIVERY),
    (Gate.G2, Decision.HOLD): Outcome(Stage.ON_HOLD, Status.ON_HOLD),
    (Gate.G2, Decision.STOP): Outcome(Stage.DECLINED, Status.DECLINED),
    (Gate.G3, Decision.GO): Outcome(Stage.CLOSED, Status.CLOSED),
    (Gate.G3, Decision.RECYCLE): _active(Stage.REALISATION),
    (Gate.G3, Decision.HOLD): Outcome(Stage.ON_HOLD, Status.ON_HOLD),
}

# (stage, action) -> outcome, for the non-gate moves. RESUME is resolved against held_from_stage.
ACTION_TABLE: dict[tuple[Stage, Action], Outcome | None] = {
    (Stage.APPROVED, Action.START_DELIVERY): _active(Stage.DELIVERY),
    (Stage.ON_HOLD, Action.RESUME): None,
    (Stage.IDEA, Action.WITHDRAW): Outcome(Stage.WITHDRAWN, Status.WITHDRAWN),
    (Stage.IDEA, Action.RESUBMIT): Outcome(Stage.IDEA, Status.SUBMITTED),
}


def gate_for(stage: Stage) -> Gate | None:
    """The gate an improvement in this stage faces next, if any."""
    return STAGE_GATE.get(stage)


def decisions_at(gate: Gate | str) -> tuple[Decision, ...]:
    """Decisions that exist at a gate, in display order."""
    gate = Gate(gate)
    return tuple(decision for (g, decision) in DECISION_TABLE if g == gate)


def decision_outcome(gate: Gate, decision: Decision) -> Outcome | None:
    """Where a decision at a gate leads, or None when that decision does not exist there."""
    return DECISION_TABLE.get((gate, decision))


def status_for_stage(stage: Stage) -> Status:
    """The status an improvement takes on arriving in a stage through the ordinary route."""
    return {
        Stage.IDEA: Status.SUBMITTED,
        Stage.CLOSED: Status.CLOSED,
        Stage.ON_HOLD: Status.ON_HOLD,
        Stage.MERGED: Status.MERGED,
        Stage.DECLINED: Status.DECLINED,
        Stage.WITHDRAWN: Status.WITHDRAWN,
    }.get(stage, Status.ACTIVE)


# Held work can only ever have left one of these, so only these are places to resume into.
RESUMABLE_STAGES = frozenset(
    {Stage.IDEA, Stage.BUSINESS_CASE, Stage.APPROVED, Stage.DELIVERY, Stage.REALISATION}
)


def action_outcome(
    stage: Stage | str, action: Action | str, *, held_from_stage: Stage | str | None = None
) -> Outcome | None:
    """Where a non-gate action leads from a stage, or None when it is not allowed there."""
    stage, action = Stage(stage), Action(action)
    if (stage, action) not in ACTION_TABLE:
        return None
    if action == Action.RESUME:
        if held_from_stage is None or Stage(held_from_stage) not in RESUMABLE_STAGES:
            return None
        held = Stage(held_from_stage)
        return Outcome(held, status_for_stage(held))
    return ACTION_TABLE[(stage, action)]
