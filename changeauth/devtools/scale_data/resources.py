"""Temporary resources: contractors, agency and fixed-term staff, secondments and licences paid for while
change is delivered. Most are tied to an improvement from its approval onwards, some to a programme,
a few to neither. Finished work's resources have ended; on live work some have been extended, some
end within the month, and some have run past their end date with nobody recording an end."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from changeauth.devtools.scale_data import texts
from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.improvements import Improvements
from changeauth.devtools.scale_data.lifecycle import Plan
from changeauth.devtools.scale_data.people import People
from changeauth.domain.benefits import add_months
from changeauth.domain.lifecycle import Stage
from changeauth.domain.temporary_resources import ResourceKind
from changeauth.models import TemporaryResource
from changeauth.services.audit import jsonable
from changeauth.services.temporary_resources import SNAPSHOT_FIELDS

LIVE = (Stage.APPROVED.value, Stage.DELIVERY.value, Stage.REALISATION.value)


def generate(build: Build, people: People, improvements: Improvements) -> None:
    """Write the temporary resources and their created, extended and ended events."""
    with build.stage("Temporary resources") as stage:
        rng = build.rng("resources")
        holders = [p for p in improvements.plans if p.reached(Stage.APPROVED) or (p.quick_win and p.moves)]
        rows = []
        for _ in range(build.scale.temporary_resources):
            roll = rng.random()
            if roll < 0.8 and holders:
                plan = rng.choice(holders)
                rows.append(_for_improvement(rng, build, people, improvements, plan))
            else:
                rows.append(_standalone(rng, build, people, programme=roll < 0.9))
        build.write(TemporaryResource.__table__, rows, stage.rows(len(rows)))


def _instant(day: date, build: Build) -> datetime:
    return datetime.combine(day, time(11), tzinfo=build.end.tzinfo)


def _base(rng: random.Random, build: Build, owner: int, team: int | None) -> dict[str, Any]:
    kind = rng.choice(list(ResourceKind))
    role = texts.RESOURCE_ROLES[-2] if kind is ResourceKind.LICENCE else rng.choice(texts.RESOURCE_ROLES)
    yearly = rng.randint(5, 50) if kind is ResourceKind.LICENCE else rng.randint(25, 95)
    return {
        "id": build.next_id(TemporaryResource.__table__),
        "role_title": role,
        "team_id": team,
        "improvement_id": None,
        "programme_id": None,
        "kind": kind.value,
        "annual_cost_pence": yearly * 100_000,
        "funding_source": rng.choice(texts.FUNDING),
        "reason": "Capacity the service does not have in its establishment.",
        "extension_until": None,
        "extension_reason": None,
        "extended_by_id": None,
        "extended_at": None,
        "actual_end_date": None,
        "owner_id": owner,
        "created_by_id": owner,
        "version": 1,
    }


def _for_improvement(
    rng: random.Random, build: Build, people: People, improvements: Improvements, plan: Plan
) -> dict[str, Any]:
    owner = plan.owner_id or rng.choice(people.managers)
    row = _base(rng, build, owner, people.team_of.get(owner))
    title, _subject = improvements.texts[plan.id]
    row.update(improvement_id=plan.id, role_title=f"{row['role_title']}: {title}"[:200])
    approved = plan.reached(Stage.APPROVED) or plan.owning_move
    assert approved is not None
    opens = approved.at.date() + timedelta(days=rng.randint(7, 60))
    stop = plan.moves[-1].at.date() if plan.stage not in LIVE else None
    return _dated(rng, build, row, opens, stop)


def _standalone(rng: random.Random, build: Build, people: People, *, programme: bool) -> dict[str, Any]:
    owner = rng.choice(people.managers)
    row = _base(rng, build, owner, people.team_of.get(owner))
    opens = build.start.date() + timedelta(days=rng.randint(60, (build.end - build.start).days - 30))
    running = [p for p in people.programmes if p[1] <= opens <= p[2]]
    if programme and running:
        row["programme_id"] = running[0][0]
    return _dated(rng, build, row, opens, None)


def _dated(
    rng: random.Random, build: Build, row: dict[str, Any], starts: date, stop: date | None
) -> dict[str, Any]:
    """Dates and history: ended by ``stop`` for finished work; extended, ending or overrunning if live."""
    today = build.anchor
    starts = min(starts, today - timedelta(days=1))
    ends = add_months(starts, rng.randint(3, 24)) - timedelta(days=1)
    if stop is not None:
        ends = max(starts, min(ends, stop))
    created = _instant(starts - timedelta(days=rng.randint(14, 45)), build)
    row.update(start_date=starts, end_date=ends, created_at=created, updated_at=created)
    build.events.add(
        created,
        "temporary_resource.created",
        "temporary_resource",
        row["id"],
        actor_id=row["owner_id"],
        version=1,
        after=_snapshot(row),
    )
    roll = rng.random()
    effective = ends
    if ends < today and (stop is not None or roll < 0.25):
        extended_on = ends - timedelta(days=rng.randint(5, 25))
        if extended_on > starts and roll < 0.25:
            effective = add_months(ends, rng.randint(2, 9))
            _extend(build, row, extended_on, effective)
    if effective < today and (stop is not None or roll < 0.85):
        actual = min(effective, stop or effective)
        _end(build, row, max(starts, actual))
    return row


def _extend(build: Build, row: dict[str, Any], on: date, until: date) -> None:
    before = _snapshot(row)
    at = _instant(on, build)
    reason = "The go-live moved; the work still needs this capacity."
    row.update(
        extension_until=until,
        extension_reason=reason,
        extended_by_id=row["owner_id"],
        extended_at=at,
        version=row["version"] + 1,
        updated_at=at,
    )
    build.events.add(
        at,
        "temporary_resource.extended",
        "temporary_resource",
        row["id"],
        actor_id=row["owner_id"],
        version=row["version"],
        before=before,
        after=_snapshot(row),
        reason=reason,
    )


def _end(build: Build, row: dict[str, Any], actual: date) -> None:
    before = _snapshot(row)
    at = min(_instant(actual + timedelta(days=3), build), build.end - timedelta(hours=1))
    row.update(actual_end_date=actual, version=row["version"] + 1, updated_at=at)
    build.events.add(
        at,
        "temporary_resource.ended",
        "temporary_resource",
        row["id"],
        actor_id=row["owner_id"],
        version=row["version"],
        before=before,
        after=_snapshot(row),
    )


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    """The resource as the temporary-resources service writes it to the audit log (JSON form)."""
    return jsonable({field: row[field] for field in SNAPSHOT_FIELDS})
