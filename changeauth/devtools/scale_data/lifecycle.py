"""The life of each generated improvement: where it ends up, and every decision and stage change on the
way there, with dates that fit inside the six years of history.

Every path follows the lifecycle table (``domain.lifecycle``): each move is looked up there, so a
generated history is one the transition service could have made. Paths are drawn in fixed shares
(largest remainder, then shuffled), so the stage counts are exact for any number of improvements.
G1 to G3 decisions are taken at fortnightly design authority meetings; triage (G0) is one member's
decision on a working day.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from changeauth.domain.lifecycle import (
    Action,
    Decision,
    Gate,
    Route,
    Stage,
    Status,
    action_outcome,
    decision_outcome,
)

# path -> (share of all improvements, steps). A step is "<gate>_<decision>" or an action.
PATHS: dict[str, tuple[float, tuple[str, ...]]] = {
    "idea_new": (0.030, ()),
    "idea_resubmitted": (0.005, ("G0_recycle", "resubmit")),
    "idea_needs_info": (0.010, ("G0_recycle",)),
    "withdrawn": (0.065, ("withdraw",)),
    "withdrawn_after_recycle": (0.025, ("G0_recycle", "withdraw")),
    "merged": (0.080, ("G0_merge",)),
    "declined_at_triage": (0.225, ("G0_stop",)),
    "held_idea": (0.010, ("G0_hold",)),
    "business_case": (0.085, ("G0_go",)),
    "business_case_resumed": (0.005, ("G0_hold", "resume", "G0_go")),
    "business_case_recycled": (0.010, ("G0_go", "G1_recycle")),
    "declined_at_g1": (0.050, ("G0_go", "G1_stop")),
    "held_at_g1": (0.015, ("G0_go", "G1_hold")),
    "approved": (0.030, ("G0_go", "G1_go")),
    "delivery": (0.040, ("G0_go", "G1_go", "start_delivery")),
    "delivery_recycled": (0.010, ("G0_go", "G1_recycle", "G1_go", "start_delivery")),
    "declined_at_g2": (0.015, ("G0_go", "G1_go", "start_delivery", "G2_stop")),
    "held_at_g2": (0.010, ("G0_go", "G1_go", "start_delivery", "G2_hold")),
    "realisation": (0.050, ("G0_go", "G1_go", "start_delivery", "G2_go")),
    "closed": (0.130, ("G0_go", "G1_go", "start_delivery", "G2_go", "G3_go")),
    "quick_win_delivery": (0.025, ("G0_quick_win",)),
    "quick_win_realisation": (0.020, ("G0_quick_win", "G2_go")),
    "quick_win_closed": (0.055, ("G0_quick_win", "G2_go", "G3_go")),
}

# step -> (fewest, most) days after the step before it (or after submission).
STEP_DAYS: dict[str, tuple[int, int]] = {
    "G0": (1, 20),
    "resubmit": (4, 60),
    "withdraw": (3, 90),
    "resume": (30, 200),
    "G1": (60, 240),
    "start_delivery": (7, 60),
    "G2": (120, 540),
    "G2_quick_win": (30, 180),
    "G3": (395, 1_000),
}
# Days spent so far in the stage an improvement is in now (after its last step).
DWELL_DAYS: dict[str, tuple[int, int]] = {
    Stage.IDEA.value: (0, 14),
    Stage.BUSINESS_CASE.value: (1, 240),
    Stage.APPROVED.value: (1, 60),
    Stage.DELIVERY.value: (1, 540),
    Stage.REALISATION.value: (1, 900),
    Stage.ON_HOLD.value: (1, 270),
}
MEETING_EVERY_DAYS = 14
WEEKEND_MARGIN_DAYS = 4
# People join in the first month; the first idea arrives after that.
FIRST_IDEA_AFTER = timedelta(days=35)
CONDITIONAL_SHARE = {Gate.G1: 0.25, Gate.G2: 0.30}


@dataclass(frozen=True, slots=True)
class State:
    """Where an improvement stands: what the lifecycle table decides (people and versions come later)."""

    stage: str = Stage.IDEA.value
    status: str = Status.SUBMITTED.value
    route: str = Route.STANDARD.value
    hold_until: date | None = None
    held_from: str | None = None


@dataclass(slots=True)
class Move:
    """One stage change: a gate decision or an action, with the state before and after it."""

    at: datetime
    gate: Gate | None
    decision: Decision | None
    action: Action | None
    before: State
    after: State
    meeting_on: date | None = None
    # Who recorded a decision or resumed held work, and (G1-G3) the members attending.
    recorder_id: int | None = None
    attendee_ids: tuple[int, ...] = ()
    rationale: str = ""


@dataclass(slots=True)
class Plan:
    """Everything decided about one improvement before any row is written."""

    path: str
    created_at: datetime
    moves: list[Move] = field(default_factory=list)
    # Filled in once ids and people are known.
    id: int = 0
    submitter_id: int = 0
    owner_id: int | None = None
    sponsor_id: int | None = None
    conflict_ids: tuple[int, ...] = ()
    duplicate_of_id: int | None = None
    # The instants of every change that bumps the improvement's version, in order.
    bumps: list[datetime] = field(default_factory=list)

    @property
    def final(self) -> State:
        return self.moves[-1].after if self.moves else State()

    @property
    def stage(self) -> str:
        return self.final.stage

    @property
    def route(self) -> str:
        return self.final.route

    @property
    def last_change(self) -> datetime:
        return self.moves[-1].at if self.moves else self.created_at

    @property
    def quick_win(self) -> bool:
        return self.route == Route.QUICK_WIN.value

    def move_at(self, gate: Gate, *decisions: Decision) -> Move | None:
        """The last move at ``gate`` (with one of ``decisions``, if given)."""
        found = None
        for move in self.moves:
            if move.gate is gate and (not decisions or move.decision in decisions):
                found = move
        return found

    def reached(self, stage: Stage) -> Move | None:
        """The first move into ``stage``, if it ever got there."""
        return next((move for move in self.moves if move.after.stage == stage.value), None)

    def version_at(self, at: datetime) -> int:
        """The improvement's version at an instant (a change at that instant counted)."""
        return 1 + bisect.bisect_right(self.bumps, at)

    @property
    def version(self) -> int:
        return 1 + len(self.bumps)

    @property
    def owning_move(self) -> Move | None:
        """The triage decision that gave the improvement its owner (go or quick win), if any."""
        return next(
            (m for m in self.moves if m.gate is Gate.G0 and m.decision in (Decision.GO, Decision.QUICK_WIN)),
            None,
        )

    def owner_in(self, move: Move, *, after: bool) -> int | None:
        """The owner before or after a move: nobody owns an idea until triage gives it an owner."""
        owning = self.owning_move
        if owning is None or (owning is move and not after) or owning.at > move.at:
            return None
        return self.owner_id

    def snapshot(self, move: Move, *, after: bool) -> dict[str, Any]:
        """The improvement as the transition service records it in the audit log (JSON-ready)."""
        state = move.after if after else move.before
        version = self.version_at(move.at) - (0 if after else 1)
        merged = after and move.decision is Decision.MERGE
        return {
            "stage": state.stage,
            "status": state.status,
            "route": state.route,
            "version": version,
            "owner_id": self.owner_in(move, after=after),
            "hold_until": state.hold_until.isoformat() if state.hold_until else None,
            "duplicate_of_id": self.duplicate_of_id if merged else None,
        }

    def interested(self) -> set[int]:
        """People who may not score, attend or decide it (separation of duties)."""
        people = {self.submitter_id, *self.conflict_ids}
        people.update(p for p in (self.owner_id, self.sponsor_id) if p is not None)
        return people


def allocate(total: int, shares: dict[str, float]) -> dict[str, int]:
    """Split ``total`` by ``shares`` exactly (largest remainder; ties by name)."""
    weight = sum(shares.values())
    exact = {name: total * share / weight for name, share in shares.items()}
    counts = {name: int(value) for name, value in exact.items()}
    short = total - sum(counts.values())
    for name in sorted(exact, key=lambda n: (counts[n] - exact[n], n))[:short]:
        counts[name] += 1
    return counts


def meeting_days(start: datetime, end: datetime) -> list[date]:
    """Fortnightly Tuesdays from the first idea until the day before the end of the history."""
    day = (start + FIRST_IDEA_AFTER).date()
    day += timedelta(days=(1 - day.weekday()) % 7)
    days = []
    while day < end.date():
        days.append(day)
        day += timedelta(days=MEETING_EVERY_DAYS)
    return days


def working_instant(rng: random.Random, day: date) -> datetime:
    """A moment in office hours (08:00-17:00 UTC) on ``day``, or on the Monday after a weekend day."""
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(seconds=rng.randrange(9 * 3600))


def _gap(rng: random.Random, step: str, quick_win: bool) -> int:
    kind = step[:2] if step.startswith("G") else step
    if kind == "G2" and quick_win:
        kind = "G2_quick_win"
    return rng.randint(*STEP_DAYS[kind])


def plan_improvements(
    rng: random.Random, total: int, start: datetime, end: datetime, meetings: list[date]
) -> list[Plan]:
    """Each improvement's path and the instants of its steps, in submission order."""
    counts = allocate(total, {name: share for name, (share, _) in PATHS.items()})
    paths = [name for name in PATHS for _ in range(counts[name])]
    rng.shuffle(paths)
    window = (end - start - FIRST_IDEA_AFTER).days
    plans = [_plan_one(rng, path, start, window, meetings) for path in paths]
    plans.sort(key=lambda plan: plan.created_at)
    return plans


def _plan_one(rng: random.Random, path: str, start: datetime, window: int, meetings: list[date]) -> Plan:
    steps = PATHS[path][1]
    quick_win = bool(steps) and steps[0] == "G0_quick_win"
    gaps = [_gap(rng, step, quick_win) for step in steps]
    # A meeting can be up to a fortnight after a step is ready: allow for it.
    allowance = sum(MEETING_EVERY_DAYS for step in steps if step[:2] in _MEETING_GATES)
    stage = _final_state(steps).stage
    dwell = 1
    if stage in DWELL_DAYS:
        low, high = DWELL_DAYS[stage]
        if path == "idea_new" and rng.random() < 0.3:
            low, high = 15, 200  # ideas left waiting past the triage deadline
        dwell = rng.randint(low, high)
    # Steps land on working days, up to a weekend later than planned: keep that much in hand too.
    fixed = allowance + dwell + WEEKEND_MARGIN_DAYS
    if sum(gaps) + fixed > window:  # squeeze a long life into the history
        factor = (window - fixed) / max(1, sum(gaps))
        gaps = [max(1, int(gap * factor)) for gap in gaps]
    spare = max(0, window - (sum(gaps) + fixed))
    lead = spare if stage in DWELL_DAYS else rng.randint(0, spare)
    plan = Plan(
        path=path, created_at=working_instant(rng, (start + FIRST_IDEA_AFTER).date() + timedelta(days=lead))
    )
    at, state = plan.created_at, State()
    for step, gap in zip(steps, gaps, strict=True):
        ready = at + timedelta(days=gap)
        meeting_on = None
        if step[:2] in _MEETING_GATES:
            index = min(bisect.bisect_left(meetings, ready.date()), len(meetings) - 1)
            meeting_on = meetings[index]
            when = datetime.combine(meeting_on, time(10), tzinfo=UTC) + timedelta(
                seconds=rng.randrange(9_000)
            )
        else:
            when = working_instant(rng, ready.date())
        at = max(when, at + timedelta(minutes=1))
        move = _move(rng, step, at, state, meeting_on)
        plan.moves.append(move)
        state = move.after
    return plan


_MEETING_GATES = ("G1", "G2", "G3")


def _final_state(steps: tuple[str, ...]) -> State:
    state = State()
    for step in steps:
        state = _apply(step, state, Decision(step[3:]) if step.startswith("G") else None, None)
    return state


def _apply(step: str, state: State, decision: Decision | None, hold_until: date | None) -> State:
    if decision is not None:
        outcome = decision_outcome(Gate(step[:2]), decision)
    else:
        outcome = action_outcome(state.stage, Action(step), held_from_stage=state.held_from)
    if outcome is None:
        raise ValueError(f"{step} is not a move from {state.stage}")
    held = outcome.stage is Stage.ON_HOLD
    return State(
        stage=outcome.stage.value,
        status=outcome.status.value,
        route=Route.QUICK_WIN.value if decision is Decision.QUICK_WIN else state.route,
        hold_until=hold_until if held else None,
        held_from=state.stage if held else None,
    )


def _move(rng: random.Random, step: str, at: datetime, before: State, meeting_on: date | None) -> Move:
    gate = Gate(step[:2]) if step.startswith("G") else None
    decision = Decision(step[3:]) if gate else None
    if decision is Decision.GO and gate in CONDITIONAL_SHARE and rng.random() < CONDITIONAL_SHARE[gate]:
        decision = Decision.GO_WITH_CONDITIONS
    hold_until = at.date() + timedelta(days=rng.randint(60, 365)) if decision is Decision.HOLD else None
    return Move(
        at=at,
        gate=gate,
        decision=decision,
        action=None if gate else Action(step),
        before=before,
        after=_apply(step, before, decision, hold_until),
        meeting_on=meeting_on,
    )
