"""The decision register: fortnightly design authority meetings, every gate decision with who attended,
and the conditions a conditional go leaves (met or waived before the next gate, or still open)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any

from changeauth.devtools.scale_data import texts
from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.improvements import Improvements, eligible_members
from changeauth.devtools.scale_data.lifecycle import Move, Plan
from changeauth.devtools.scale_data.people import People
from changeauth.domain.lifecycle import Decision, Gate
from changeauth.models import Condition, DaMeeting, GateDecision, da_meeting_member, gate_decision_attendee


def generate(build: Build, people: People, improvements: Improvements) -> None:
    """Write meetings, gate decisions with their attendees, conditions, and their audit events."""
    with build.stage("Meetings and gate decisions") as stage:
        rng = build.rng("decisions")
        meetings, members = _meetings(build, people, improvements)
        meeting_ids = {row["meets_on"]: row["id"] for row in meetings}
        decisions: list[dict[str, Any]] = []
        attendees: list[dict[str, Any]] = []
        conditions: list[dict[str, Any]] = []
        for plan in improvements.plans:
            for index, move in enumerate(plan.moves):
                if move.gate is None:
                    continue
                decision = _decision_row(build, plan, move, meeting_ids)
                decisions.append(decision)
                attendees.extend({"decision_id": decision["id"], "user_id": uid} for uid in move.attendee_ids)
                if move.decision is Decision.GO_WITH_CONDITIONS:
                    later = next((m for m in plan.moves[index + 1 :] if m.gate is not None), None)
                    conditions.extend(_conditions(rng, build, people, plan, move, decision["id"], later))
        bar = stage.rows(len(meetings) + len(members) + len(decisions) + len(attendees) + len(conditions))
        build.write(DaMeeting.__table__, meetings, bar)
        build.write(da_meeting_member, members, bar)
        build.write(GateDecision.__table__, decisions, bar)
        build.write(gate_decision_attendee, attendees, bar)
        build.write(Condition.__table__, conditions, bar)


def _meetings(build: Build, people: People, improvements: Improvements) -> tuple[list[Any], list[Any]]:
    table = DaMeeting.__table__
    chair = people.design_authority[0]
    meetings: list[Any] = []
    members: list[Any] = []
    for meets_on in improvements.meetings:
        meeting_id = build.next_id(table)
        created = datetime.combine(meets_on - timedelta(days=7), time(9), tzinfo=UTC)
        title = f"Design authority, {meets_on:%d %B %Y}"
        meetings.append(
            {
                "id": meeting_id,
                "title": title,
                "meets_on": meets_on,
                "created_by_id": chair,
                "created_at": created,
                "starts_at": time(10),
                "duration_minutes": 120,
                "location": None,
                # Deterministic, so the same seed gives the same rows; unique like a real meeting's.
                "calendar_uid": f"scale-meeting-{meeting_id}-{meets_on:%Y%m%d}@changeauth",
                "sequence": 0,
                "cancelled_at": None,
                "cancel_reason": None,
                "minutes": "",
            }
        )
        members.extend({"meeting_id": meeting_id, "user_id": member} for member in people.design_authority)
        build.events.add(
            created,
            "meeting.created",
            "da_meeting",
            meeting_id,
            actor_id=chair,
            after={
                "title": title,
                "meets_on": meets_on.isoformat(),
                "member_ids": sorted(people.design_authority),
            },
        )
    return meetings, members


def _decision_row(build: Build, plan: Plan, move: Move, meeting_ids: dict[Any, int]) -> dict[str, Any]:
    assert move.gate is not None and move.decision is not None and move.recorder_id is not None
    decision_id = build.next_id(GateDecision.__table__)
    rationale = move.rationale
    build.events.add(
        move.at,
        "improvement.decided",
        "improvement",
        plan.id,
        actor_id=move.recorder_id,
        version=plan.version_at(move.at),
        before=plan.snapshot(move, after=False),
        after={
            **plan.snapshot(move, after=True),
            "gate": move.gate.value,
            "decision": move.decision.value,
            "decision_id": decision_id,
            "attendee_ids": list(move.attendee_ids),
        },
        reason=rationale,
    )
    return {
        "id": decision_id,
        "improvement_id": plan.id,
        "gate": move.gate.value,
        "decision": move.decision.value,
        "rationale": rationale,
        "decided_by_id": move.recorder_id,
        "decided_at": move.at,
        "from_stage": move.before.stage,
        "to_stage": move.after.stage,
        "hold_until": move.after.hold_until if move.decision is Decision.HOLD else None,
        "duplicate_of_id": plan.duplicate_of_id if move.decision is Decision.MERGE else None,
        "meeting_id": meeting_ids.get(move.meeting_on) if move.gate is not Gate.G0 else None,
    }


def _conditions(
    rng: random.Random,
    build: Build,
    people: People,
    plan: Plan,
    move: Move,
    decision_id: int,
    later: Move | None,
) -> list[dict[str, Any]]:
    """One or two conditions; closed before the next gate decision, else closed or still open now."""
    rows = []
    table = Condition.__table__
    for text in rng.sample(texts.CONDITIONS, rng.randint(1, 2)):
        owner = plan.owner_id or rng.choice(people.managers)
        due = move.at.date() + timedelta(days=rng.randint(30, 120))
        closes_by = later.at if later is not None else (build.end if rng.random() < 0.5 else None)
        row = {
            "id": build.next_id(table),
            "decision_id": decision_id,
            "improvement_id": plan.id,
            "text": text,
            "owner_id": owner,
            "due_date": due,
            "status": "open",
            "closed_by_id": None,
            "closed_at": None,
            "note": "",
            "version": 1,
        }
        room = int(((closes_by or move.at) - move.at).total_seconds()) - 7_200
        if closes_by is not None and room > 0:
            status = "waived" if rng.random() < 0.15 else "met"
            closer = rng.choice(eligible_members(plan, people)) if status == "waived" else owner
            closed = move.at + timedelta(hours=1, seconds=rng.randrange(room))
            note = rng.choice(texts.CONDITION_NOTES)
            row.update(status=status, closed_by_id=closer, closed_at=closed, note=note, version=2)
            build.events.add(
                closed,
                f"condition.{status}",
                "improvement",
                plan.id,
                actor_id=closer,
                after={"condition_id": row["id"], "status": status},
                reason=note,
            )
        rows.append(row)
    return rows
