"""Improvements: who submitted, owns and sponsors each one, its drivers and priorities, the non-gate
moves (withdraw, resubmit, resume, start delivery), later edits, and the rows and events for them.

Ids follow submission order, as they would in a live system, and each reference is built from the
id with ``domain.improvements.format_ref``. The stage columns come from the planned moves; only the
transition service changes a stage in the running application, and it is not involved here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from changeauth.devtools.scale_data import texts
from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.lifecycle import Move, Plan, State, meeting_days, plan_improvements
from changeauth.devtools.scale_data.people import People
from changeauth.devtools.scale_data.scale import GenerationRefused
from changeauth.domain.improvements import format_ref
from changeauth.domain.lifecycle import Action, Decision, Gate, Stage, Status
from changeauth.domain.roadmap import parse_quarter
from changeauth.models import (
    Comment,
    ConflictDeclaration,
    Improvement,
    improvement_driver,
    improvement_priority,
)

ENDED_PATH_PREFIXES = ("merged", "withdrawn")
ACTIVE_STAGES = (Stage.BUSINESS_CASE.value, Stage.APPROVED.value, Stage.DELIVERY.value)


REASONS = {
    Decision.GO: texts.RATIONALES,
    Decision.GO_WITH_CONDITIONS: texts.RATIONALES,
    Decision.QUICK_WIN: texts.RATIONALES,
    Decision.STOP: texts.STOP_REASONS,
    Decision.HOLD: texts.HOLD_REASONS,
    Decision.RECYCLE: texts.RECYCLE_REASONS,
}


@dataclass
class Improvements:
    """The plans with their people, the meeting calendar, and what each improvement is about."""

    plans: list[Plan]
    meetings: list[date]
    # id -> (title, subject), for benefit titles and messages.
    texts: dict[int, tuple[str, str]] = field(default_factory=dict)
    drivers: dict[int, list[str]] = field(default_factory=dict)
    priorities: dict[int, list[str]] = field(default_factory=dict)


def eligible_members(plan: Plan, people: People) -> list[int]:
    """Design authority members free of any interest in the improvement."""
    interested = plan.interested()
    return [member for member in people.design_authority if member not in interested]


def generate(build: Build, people: People) -> Improvements:
    """Plan every improvement, give it its people, and write the improvement rows and their events."""
    with build.stage("Improvements") as stage:
        rng = build.rng("improvements")
        meetings = meeting_days(build.start, build.end)
        plans = plan_improvements(rng, build.scale.improvements, build.start, build.end, meetings)
        table = Improvement.__table__
        for plan in plans:
            plan.id = build.next_id(table)
        _assign_people(rng, plans, people, build.rules.gate_quorum)
        result = Improvements(plans, meetings)
        rows: list[dict[str, Any]] = []
        drivers: list[dict[str, Any]] = []
        priorities: list[dict[str, Any]] = []
        conflicts: list[dict[str, Any]] = []
        comments: list[dict[str, Any]] = []
        for plan in plans:
            title, subject = texts.title(rng)
            result.texts[plan.id] = (title, subject)
            edits = _edits(rng, build, plan, people)
            rows.append(_row(rng, build, plan, people, title, edits))
            codes = sorted(rng.sample(sorted(build.reference.drivers), rng.choice((1, 1, 2))))
            result.drivers[plan.id] = codes
            drivers.extend(
                {"improvement_id": plan.id, "driver_id": build.reference.drivers[c]} for c in codes
            )
            chosen = sorted(rng.sample(sorted(build.reference.priorities), rng.choice((0, 1, 1, 2))))
            result.priorities[plan.id] = chosen
            priorities.extend(
                {"improvement_id": plan.id, "priority_id": build.reference.priorities[code]}
                for code in chosen
            )
            build.events.add(
                plan.created_at,
                "improvement.submitted",
                "improvement",
                plan.id,
                actor_id=plan.submitter_id,
                version=1,
                after={
                    "ref": rows[-1]["ref"],
                    "title": title,
                    "stage": Stage.IDEA.value,
                    "benefit_drivers": codes,
                    "team_id": rows[-1]["team_id"],
                    "is_anonymous": rows[-1]["is_anonymous"],
                },
            )
            conflicts.extend(_conflicts(build, plan))
            comments.extend(_actions(rng, build, plan))
        bar = stage.rows(len(rows) + len(drivers) + len(priorities) + len(conflicts) + len(comments))
        build.write(table, rows, bar)
        build.write(improvement_driver, drivers, bar)
        build.write(improvement_priority, priorities, bar)
        build.write(ConflictDeclaration.__table__, conflicts, bar)
        build.write(Comment.__table__, comments, bar)
        return result


class NotEnoughMembers(GenerationRefused):
    """Too few design authority members to decide or score independently."""


def _assign_people(rng: random.Random, plans: list[Plan], people: People, quorum: int) -> None:
    frequent = people.staff[: max(1, len(people.staff) // 10)]
    mergeable: list[Plan] = []
    by_id = {plan.id: plan for plan in plans}
    for plan in plans:
        plan.submitter_id = rng.choice(frequent if rng.random() < 0.25 else people.staff)
        if plan.owning_move is not None:
            plan.owner_id = rng.choice(people.managers if rng.random() < 0.75 else people.staff)
            sponsors = people.design_authority if rng.random() < 0.4 else people.managers
            plan.sponsor_id = rng.choice([p for p in sponsors if p != plan.owner_id] or sponsors)
            if rng.random() < 0.02:
                free = eligible_members(plan, people)
                plan.conflict_ids = (rng.choice(free),) if len(free) > quorum + 2 else ()
        if plan.path == "merged":
            merged_at = plan.moves[0].at
            targets = [p for p in mergeable[-500:] if p.created_at < merged_at]
            if targets:
                plan.duplicate_of_id = rng.choice(targets).id
            else:  # nothing older to join yet: it was declined instead
                _decline_instead(plan)
        if not plan.path.startswith(ENDED_PATH_PREFIXES):
            mergeable.append(plan)
        target = by_id.get(plan.duplicate_of_id) if plan.duplicate_of_id else None
        _assign_deciders(rng, plan, people, quorum, target)


def _assign_deciders(
    rng: random.Random, plan: Plan, people: People, quorum: int, target: Plan | None
) -> None:
    """Independent members record each decision (and resume held work), with the reasons; G1-G3 need a
    quorum attending."""
    members = eligible_members(plan, people)
    if len(members) < max(1, quorum):
        raise NotEnoughMembers(f"{plan.path} needs {quorum} independent design authority members")
    for move in plan.moves:
        if move.gate is Gate.G0 or move.action is Action.RESUME:
            move.recorder_id = rng.choice(members)
            move.attendee_ids = (move.recorder_id,) if move.gate else ()
        elif move.gate is not None:
            attending = rng.sample(members, min(len(members), rng.randint(quorum, quorum + 2)))
            move.recorder_id = attending[0]
            move.attendee_ids = tuple(sorted(attending))
        if move.decision is Decision.MERGE and target is not None:
            ref = format_ref(target.created_at.year, target.id)
            move.rationale = f"The same problem as {ref}; joined so the work is done once."
        elif move.decision is not None:
            move.rationale = rng.choice(REASONS[move.decision])


def _decline_instead(plan: Plan) -> None:
    move = plan.moves[0]
    plan.path = "declined_at_triage"
    declined = State(stage=Stage.DECLINED.value, status=Status.DECLINED.value)
    plan.moves[0] = Move(
        at=move.at, gate=Gate.G0, decision=Decision.STOP, action=None, before=move.before, after=declined
    )


def _between(rng: random.Random, earliest: datetime, latest: datetime) -> datetime | None:
    """A moment between two instants, or None when there is no time between them."""
    seconds = int((latest - earliest).total_seconds())
    return earliest + timedelta(seconds=rng.randrange(seconds)) if seconds > 0 else None


def _edits(rng: random.Random, build: Build, plan: Plan, people: People) -> dict[str, Any]:
    """Edits after triage (sponsor and programme) and after the last move (estimate, roadmap quarter).

    Records their events and fills ``plan.bumps`` with every version change, moves included.
    """
    edits: dict[str, Any] = {"programme_id": None, "planned_quarter": None, "delivery_person_months": None}
    changes: list[tuple[datetime, str, dict[str, Any], dict[str, Any], int | None]] = []
    owning = plan.owning_move
    if owning is not None:
        programme = people.programme_on(owning.at.date()) if rng.random() < 0.3 else None
        edits["programme_id"] = programme
        after: dict[str, Any] = {"sponsor_id": plan.sponsor_id} | (
            {"programme_id": programme} if programme else {}
        )
        before = dict.fromkeys(after)
        changes.append(
            (owning.at + timedelta(hours=2), "improvement.edited", before, after, owning.recorder_id)
        )
    if plan.stage in ACTIVE_STAGES and plan.owner_id is not None:
        settled = (plan.last_change + timedelta(hours=1), build.end - timedelta(hours=2))
        at = _between(rng, *settled)
        if at is not None and rng.random() < 0.6:
            estimate = Decimal(rng.randint(5, 600)) / 10
            edits["delivery_person_months"] = estimate
            after = {"delivery_person_months": str(estimate)}
            changes.append((at, "improvement.edited", {"delivery_person_months": None}, after, plan.owner_id))
        at = _between(rng, *settled)
        if at is not None and rng.random() < 0.4:
            quarter = build.anchor.year * 4 + (build.anchor.month - 1) // 3 + rng.randint(0, 4)
            planned = parse_quarter(f"{quarter // 4}-Q{quarter % 4 + 1}")
            edits["planned_quarter"] = planned
            member = rng.choice(people.design_authority)
            after = {"planned_quarter": planned}
            changes.append((at, "improvement.planned", {"planned_quarter": None}, after, member))
    plan.bumps = sorted([move.at for move in plan.moves] + [change[0] for change in changes])
    for at, action, before, after, actor in changes:
        build.events.add(
            at,
            action,
            "improvement",
            plan.id,
            actor_id=actor,
            version=plan.version_at(at),
            before=before,
            after=after,
        )
    edits["updated_at"] = max([plan.last_change, *(change[0] for change in changes)])
    return edits


def _row(
    rng: random.Random, build: Build, plan: Plan, people: People, title: str, edits: dict[str, Any]
) -> dict[str, Any]:
    final = plan.final
    submitter_team = people.team_of.get(plan.submitter_id)
    return {
        "id": plan.id,
        "ref": format_ref(plan.created_at.year, plan.id),
        "title": title,
        "problem": rng.choice(texts.PROBLEMS),
        "proposal": rng.choice(texts.PROPOSALS),
        "expected_effect": rng.choice(texts.EFFECTS),
        "submitter_id": plan.submitter_id,
        "is_anonymous": rng.random() < 0.05,
        "team_id": submitter_team,
        "owner_id": plan.owner_id,
        "sponsor_id": plan.sponsor_id,
        "programme_id": edits["programme_id"],
        "route": final.route,
        "stage": final.stage,
        "status": final.status,
        "is_mandatory": rng.random() < 0.03,
        "duplicate_of_id": plan.duplicate_of_id,
        "hold_until": final.hold_until,
        "held_from_stage": final.held_from,
        "created_at": plan.created_at,
        "updated_at": edits["updated_at"],
        "stage_changed_at": plan.last_change,
        "planned_quarter": edits["planned_quarter"],
        "delivery_person_months": edits["delivery_person_months"],
        "version": plan.version,
    }


def _conflicts(build: Build, plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for member in plan.conflict_ids:
        assert plan.owning_move is not None
        at = plan.owning_move.at + timedelta(days=1)
        note = "I manage the team this would change."
        rows.append(
            {
                "id": build.next_id(ConflictDeclaration.__table__),
                "improvement_id": plan.id,
                "user_id": member,
                "note": note,
                "declared_at": at,
            }
        )
        build.events.add(
            at,
            "conflict.declared",
            "improvement",
            plan.id,
            actor_id=member,
            after={"user_id": member},
            reason=note,
        )
    return rows


def _actions(rng: random.Random, build: Build, plan: Plan) -> list[dict[str, Any]]:
    """Events for the non-gate moves; a resubmission's answer is also a comment."""
    comments = []
    for move in plan.moves:
        if move.action is None:
            continue
        actor = move.recorder_id or (
            plan.owner_id if move.action is Action.START_DELIVERY else plan.submitter_id
        )
        note = rng.choice(texts.RESUBMIT_NOTES) if move.action is Action.RESUBMIT else None
        if note is not None:
            comments.append(
                {
                    "id": build.next_id(Comment.__table__),
                    "improvement_id": plan.id,
                    "author_id": plan.submitter_id,
                    "body": note,
                    "created_at": move.at,
                }
            )
        build.events.add(
            move.at,
            "improvement.transitioned",
            "improvement",
            plan.id,
            actor_id=actor,
            version=plan.version_at(move.at),
            before=plan.snapshot(move, after=False),
            after={**plan.snapshot(move, after=True), "action": move.action.value},
            reason=note,
        )
    return comments
