"""The worked example's history replayed in date order: each improvement submitted, triaged through the
gate service at a design authority meeting, scored, decided at its later gates with the meetings they were
taken at and the conditions of each conditional go, started and its conditions closed, so the decision
register, each improvement's timeline and the audit log tell the history in the order it happened.
Idempotent: a second load adds nothing. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import groupby
from typing import Any

from sqlalchemy import delete, select, update

from changeauth import db
from changeauth.devtools.demo_data import HistoryStep, demo_day
from changeauth.domain.errors import GateCriteriaUnmet
from changeauth.domain.gate_decisions import ConditionInput, DecisionRequest
from changeauth.domain.gates import ConditionStatus
from changeauth.domain.lifecycle import (
    DECISION_LABELS,
    Action,
    Decision,
    Gate,
    Route,
    Stage,
    gate_title,
)
from changeauth.models import (
    Condition,
    DaMeeting,
    GateDecision,
    Improvement,
    MeetingAction,
    Notification,
    User,
)
from changeauth.services import gates, meetings, transitions
from changeauth.services.improvements import update_improvement
from changeauth.services.meeting_invitations import InvitationSettings
from changeauth.services.reference_data import UpsertCounts

MEETING_TITLE = "Design authority"
MEETING_LOCATION = "Council offices, committee room 2"
MEETING_STARTS = time(10, 0)
MEETING_MINUTES = 90
# Decisions are recorded at 11:00 UTC on the meeting's day, during the meeting (10:00 London time).
DECIDED_AT = time(11, 0)
# The actions a meeting agreed are recorded after its decisions and minutes; one done is marked so in
# the afternoon of the day its owner finished it.
ACTIONS_AT = time(11, 30)
ACTION_DONE_AT = time(15, 0)
# A meeting is arranged a fortnight ahead, as the design authority's monthly cycle would.
ARRANGED_AHEAD = timedelta(days=14)
# The first design authority member sponsors the example's work, so the other three can decide it.
SPONSOR = "design_authority"
GATE_ORDER = (Gate.G0, Gate.G1, Gate.G2, Gate.G3)


@dataclass(frozen=True)
class _Dated:
    """A row of decisions.yaml with its day resolved, and the improvement it is about as it stands when
    the replay reaches it (it may be submitted earlier in the same replay)."""

    day: date
    row: Mapping[str, Any]

    @property
    def ref(self) -> str:
        return str(self.row["ref"])

    @property
    def improvement(self) -> Improvement:
        return _improvement(self.ref)


def _improvement(ref: str) -> Improvement:
    found = db.session.scalar(select(Improvement).where(Improvement.ref == ref))
    if found is None:
        raise ValueError(f"decisions.yaml decides {ref}, which is not in improvements.yaml")
    return found


def _at(day: date, moment: time = DECIDED_AT) -> datetime:
    return datetime.combine(day, moment, tzinfo=UTC)


# Work on the standard route started delivery a fortnight after its approval (modelled), unless
# improvements.yaml says when it entered delivery.
DELIVERY_STARTS_AFTER = timedelta(days=14)


def decision_days(rows: Iterable[Mapping[str, Any]], loaded_on: date) -> dict[tuple[str, Gate], date]:
    """The day of each (improvement, gate) decision in decisions.yaml (the latest, if a gate was decided
    twice)."""
    days: dict[tuple[str, Gate], date] = {}
    for row in rows:
        day = demo_day(row["decided_on"], loaded_on) or loaded_on
        key = (row["ref"], Gate(row["gate"]))
        days[key] = max(day, days.get(key, day))
    return days


def load_decisions(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    loaded_on: date,
    invitations: InvitationSettings,
    other_steps: Iterable[HistoryStep] = (),
    improvements: Mapping[str, Mapping[str, Any]] | None = None,
    actions: Iterable[Mapping[str, Any]] = (),
) -> None:
    """Each meeting arranged a fortnight ahead, each day's decisions taken at that day's design authority
    meeting with the notices they sent, each start of delivery and each condition closed on its day, with
    ``other_steps`` (the submissions and the members' scores), all in date order and each at its own instant
    (``db.clock_at``), so the audit log's timestamps and chain tell the history. ``improvements`` are the
    rows of improvements.yaml by reference (where each one ends up, and when its owner started delivery).
    Keyed (improvement, gate, decision), so a second load adds nothing even when the live work's dates
    count from another day. ``actions`` (meeting_actions.yaml) are recorded at their meetings and marked
    done on their days. Flushes, does not commit."""
    improvements = improvements or {}
    rows = list(rows)
    agreed: dict[date, list[Mapping[str, Any]]] = {}
    for action in actions:
        agreed.setdefault(action["meets_on"], []).append(action)
    found = dict(
        db.session.execute(
            select(Improvement.ref, Improvement.id).where(Improvement.ref.in_([row["ref"] for row in rows]))
        ).all()
    )
    dated = sorted(
        (
            _Dated(demo_day(row["decided_on"], loaded_on) or loaded_on, row)
            for row in rows
            if row["ref"] in found or row["ref"] in improvements
        ),
        key=lambda item: (item.day, GATE_ORDER.index(Gate(item.row["gate"])), item.ref),
    )
    have = {
        (row.improvement_id, row.gate, row.decision)
        for row in db.session.execute(
            select(GateDecision.improvement_id, GateDecision.gate, GateDecision.decision).where(
                GateDecision.improvement_id.in_(found.values())
            )
        )
    }
    new = [
        item
        for item in dated
        if (found.get(item.ref), Gate(item.row["gate"]), Decision(item.row["decision"])) not in have
    ]
    for _item in range(len(dated) - len(new)):
        counts.add("gate_decision", "unchanged")
    owners = {ref: row.get("owner") for ref, row in improvements.items()}
    steps: list[HistoryStep] = list(other_steps)
    opened: dict[tuple[str, str, int], Condition] = {}
    arranged: dict[date, DaMeeting] = {}
    unheld = set(agreed) - {item.day for item in dated}
    if unheld:
        raise ValueError(f"meeting_actions.yaml has actions for days with no meeting: {sorted(unheld)}")
    recorded: dict[tuple[date, int], MeetingAction] = {}
    for day, group in groupby(new, key=lambda item: item.day):
        held = list(group)
        for number, action in enumerate(agreed.get(day, [])):
            add = partial(_add_action, (day, number), action, held, users, arranged, recorded, owners)
            steps.append((_at(day, ACTIONS_AT), 2, add))
            if action.get("done_on"):
                done = partial(_action_done, (day, number), recorded, users[action["owner"]])
                steps.append((_at(action["done_on"], ACTION_DONE_AT), 2, done))
        steps.append(
            (
                _at(day - ARRANGED_AHEAD, time(9, 0)),
                0,
                partial(_arrange_meeting, day, held, users, arranged, invitations),
            )
        )
        steps.append((_at(day, time(9, 30)), 1, partial(_set_agenda, day, held, users, arranged)))
        steps.append(
            (_at(day), 1, partial(_hold_meeting, day, held, users, counts, opened, arranged, owners))
        )
        for item in held:
            for number, spec in enumerate(item.row.get("conditions") or []):
                if spec.get("closed"):
                    key = (item.ref, item.row["gate"], number)
                    closed_at = _at(spec["closed"]["closed_on"], time(14, 0))
                    steps.append((closed_at, 2, partial(_close, opened, key, spec["closed"], users)))
            started = _delivery_started(item, improvements.get(item.ref), loaded_on)
            if started is not None:
                steps.append((started, 3, partial(_start_delivery, item.ref)))
    for instant, _order, step in sorted(steps, key=lambda step: (step[0], step[1])):
        with db.clock_at(instant):
            step()
    _check_where_each_stands(improvements)


def _delivery_started(item: _Dated, row: Mapping[str, Any] | None, loaded_on: date) -> datetime | None:
    """When the owner of approved work on the standard route started delivering it, if it has since: the
    day it entered delivery (``in_stage_since`` in improvements.yaml), else a fortnight after approval."""
    if Stage(item.row["to_stage"]) is not Stage.APPROVED or row is None:
        return None
    gone_on = (Stage.DELIVERY, Stage.REALISATION, Stage.CLOSED)
    if (
        Route(row.get("route", Route.STANDARD.value)) is not Route.STANDARD
        or Stage(row["stage"]) not in gone_on
    ):
        return None
    since = demo_day(row.get("in_stage_since"), loaded_on)
    if Stage(row["stage"]) is Stage.DELIVERY and since is not None and since > item.day:
        return _at(since, time(9, 0))
    return _at(item.day + DELIVERY_STARTS_AFTER, time(9, 0))


def _delivered(improvement: Improvement) -> None:
    """The notices a step of the history sent are history too: marked delivered and read when they were
    sent, so the outbox never emails them and nobody's notifications open on years of unread news."""
    db.session.execute(
        update(Notification)
        .where(
            Notification.subject_type == "improvement",
            Notification.subject_id == improvement.id,
            Notification.sent_at.is_(None),
        )
        .values(sent_at=Notification.created_at, read_at=Notification.created_at)
        .execution_options(synchronize_session="fetch")
    )


def _check_where_each_stands(improvements: Mapping[str, Mapping[str, Any]]) -> None:
    """After the replay every improvement stands where improvements.yaml says: the seeds agree."""
    for ref, row in improvements.items():
        improvement = db.session.scalar(select(Improvement).where(Improvement.ref == ref))
        if improvement is None:
            continue
        stands = (improvement.stage.value, improvement.route.value)
        wanted = (row.get("stage", Stage.IDEA.value), row.get("route", Route.STANDARD.value))
        if stands != wanted:
            raise ValueError(f"{ref}: its decisions leave it at {stands}, improvements.yaml says {wanted}")


def _start_delivery(ref: str) -> None:
    """The owner starts delivering approved work, through the transitions service."""
    improvement = _improvement(ref)
    if improvement.owner is None:
        raise ValueError(f"{ref} has no owner to start its delivery")
    transitions.apply_action(
        improvement,
        actor=improvement.owner,
        action=Action.START_DELIVERY.value,
        version=improvement.version,
    )
    _delivered(improvement)


def _arrange_meeting(
    day: date,
    held: Sequence[_Dated],
    users: Mapping[str, User],
    arranged: dict[date, DaMeeting],
    invitations: InvitationSettings,
) -> None:
    """Arrange the day's meeting through the meetings service, a fortnight ahead."""
    chair = users[held[0].row["decided_by"]]
    member_ids = sorted({users[key].id for item in held for key in item.row.get("attendees", [])})
    meeting = meetings.create_meeting(
        actor=chair,
        details=meetings.MeetingDetails(
            title=MEETING_TITLE,
            meets_on=day,
            starts_at=MEETING_STARTS,
            duration_minutes=MEETING_MINUTES,
            location=MEETING_LOCATION,
            member_ids=member_ids,
        ),
        invitations=invitations,
    )
    # The meeting is history: the invitations the service queued are withdrawn before anything emails
    # them (nobody is emailed when the example is loaded).
    db.session.execute(
        delete(Notification).where(
            Notification.subject_type == "da_meeting", Notification.subject_id == meeting.id
        )
    )
    arranged[day] = meeting


def _set_agenda(
    day: date, held: Sequence[_Dated], users: Mapping[str, User], arranged: Mapping[date, DaMeeting]
) -> None:
    """The chair puts the work coming to the meeting at G1-G3 on its agenda through the meetings service,
    the morning of the meeting, while each improvement waits at its gate (triage is decided from the triage
    queue, not an agenda)."""
    chair = users[held[0].row["decided_by"]]
    for item in held:
        if Gate(item.row["gate"]) is not Gate.G0:
            meetings.add_to_agenda(arranged[day].id, actor=chair, improvement_id=item.improvement.id)


def _hold_meeting(
    day: date,
    held: Sequence[_Dated],
    users: Mapping[str, User],
    counts: UpsertCounts,
    opened: dict[tuple[str, str, int], Condition],
    arranged: Mapping[date, DaMeeting],
    owners: Mapping[str, str | None],
) -> None:
    """Hold the day's meeting: triage the ideas it took and decide the work on its agenda, each through the
    gate service, with the notices they sent, and write its minutes."""
    chair = users[held[0].row["decided_by"]]
    meeting = arranged[day]
    lines = [f"Present: {', '.join(member.name for member in meeting.members)}.", ""]
    for number, item in enumerate(held, start=1):
        if Gate(item.row["gate"]) is Gate.G0:
            decision = _triage(item, meeting, users, counts, owners)
        else:
            decision = _decide(item, meeting, users, counts, opened)
        lines.append(_minute(number, item.improvement, decision))
    meetings.record_minutes(meeting.id, actor=chair, minutes="\n".join(lines))
    counts.add("da_meeting", "created")


def _add_action(
    key: tuple[date, int],
    row: Mapping[str, Any],
    held: Sequence[_Dated],
    users: Mapping[str, User],
    arranged: Mapping[date, DaMeeting],
    recorded: dict[tuple[date, int], MeetingAction],
    owners: Mapping[str, str | None],
) -> None:
    """The chair records an action the meeting agreed, through the meetings service; its owner is one of
    the meeting's members or the owner of work it decided, and the notice it sent is history."""
    day, _number = key
    meeting = arranged[day]
    allowed = {member for item in held for member in item.row.get("attendees", [])} | {
        owners.get(item.ref) for item in held
    }
    if row["owner"] not in allowed:
        raise ValueError(f"the action of {day} is owned by {row['owner']}, not a member or the work's owner")
    action = meetings.add_action(
        meeting.id,
        actor=users[held[0].row["decided_by"]],
        text=row["text"],
        owner_id=users[row["owner"]].id,
        due_date=row.get("due_on"),
    )
    _meeting_notices_delivered(meeting.id)
    recorded[key] = action


def _action_done(
    key: tuple[date, int], recorded: Mapping[tuple[date, int], MeetingAction], owner: User
) -> None:
    """The action's owner marks it done, through the meetings service."""
    meetings.complete_action(recorded[key].id, actor=owner, expected_version=recorded[key].version)


def _meeting_notices_delivered(meeting_id: int) -> None:
    db.session.execute(
        update(Notification)
        .where(
            Notification.subject_type == "da_meeting",
            Notification.subject_id == meeting_id,
            Notification.sent_at.is_(None),
        )
        .values(sent_at=Notification.created_at, read_at=Notification.created_at)
    )


def _triage(
    item: _Dated,
    meeting: DaMeeting,
    users: Mapping[str, User],
    counts: UpsertCounts,
    owners: Mapping[str, str | None],
) -> GateDecision:
    """Triage the idea as the member did, through the gate service, at the meeting: a go or a quick win
    names its owner (improvements.yaml), and the member then names the first design authority member its
    sponsor through the improvements service; the notices it sent are marked delivered."""
    row, improvement = item.row, item.improvement
    decider = users[row["decided_by"]]
    decision = Decision(row["decision"])
    owner_key = owners.get(item.ref)
    merged_into = _improvement(row["duplicate_of"]).id if row.get("duplicate_of") else None
    record = transitions.decide_gate(
        improvement,
        DecisionRequest(
            gate=Gate.G0.value,
            decision=decision.value,
            rationale=" ".join(str(row["rationale"]).split()),
            version=improvement.version,
            hold_until=row.get("hold_until"),
            duplicate_of_id=merged_into,
            owner_id=users[owner_key].id if owner_key else None,
            meeting_id=meeting.id,
        ),
        actor=decider,
    )
    if decision in (Decision.GO, Decision.QUICK_WIN):
        update_improvement(
            improvement,
            actor=decider,
            expected_version=improvement.version,
            changes={"sponsor_id": users[SPONSOR].id},
        )
    _delivered(improvement)
    counts.add("gate_decision", "created")
    return record


def _decide(
    item: _Dated,
    meeting: DaMeeting,
    users: Mapping[str, User],
    counts: UpsertCounts,
    opened: dict[tuple[str, str, int], Condition],
) -> GateDecision:
    """Take the G1-G3 decision as the quorum did, through the gate service, at the meeting: its criteria
    are checked on the day (the business case submitted, the final score, the benefits profiled, measured
    and closed), a G1 go approves the submitted case, and the notices it sent are marked delivered."""
    row, improvement = item.row, item.improvement
    if improvement.stage.value != row["from_stage"]:
        raise ValueError(f"{item.ref} stands at {improvement.stage.value}, not {row['from_stage']}")
    try:
        record = transitions.decide_gate(
            improvement,
            DecisionRequest(
                gate=row["gate"],
                decision=row["decision"],
                rationale=" ".join(str(row["rationale"]).split()),
                version=improvement.version,
                attendee_ids=tuple(users[key].id for key in row.get("attendees", [])),
                hold_until=row.get("hold_until"),
                conditions=tuple(
                    ConditionInput(
                        text=" ".join(str(spec["text"]).split()),
                        owner_id=users[spec["owner"]].id,
                        due_date=spec["due_on"],
                    )
                    for spec in row.get("conditions") or []
                ),
                meeting_id=meeting.id,
            ),
            actor=users[row["decided_by"]],
        )
    except GateCriteriaUnmet as unmet:
        # The seeds drifted apart: say which decision the gate's criteria refused.
        raise ValueError(f"{item.ref} {row['gate']} on {item.day}: {unmet}") from unmet
    for number, condition in enumerate(record.conditions):
        opened[(row["ref"], row["gate"], number)] = condition
    _delivered(improvement)
    counts.add("gate_decision", "created")
    return record


def _minute(number: int, improvement: Improvement, decision: GateDecision) -> str:
    """One decision as the minutes summarise it."""
    said = (
        f"{number}. {improvement.ref} {improvement.title}. {gate_title(decision.gate)}: "
        f"{DECISION_LABELS[Decision(decision.decision)].lower()}. {decision.rationale}"
    )
    for condition in decision.conditions:
        said += f" Condition: {condition.text} (by {condition.due_date.day} {condition.due_date:%B %Y})."
    return said


def _close(
    opened: Mapping[tuple[str, str, int], Condition],
    key: tuple[str, str, int],
    closed: Mapping[str, Any],
    users: Mapping[str, User],
) -> None:
    """Close a condition as its owner did, through the gate service (at the day's instant, ``clock_at``)."""
    condition = opened[key]
    gates.close_condition(
        condition,
        actor=users[closed["by"]],
        status=closed.get("status", ConditionStatus.MET.value),
        note=" ".join(str(closed["note"]).split()),
    )
