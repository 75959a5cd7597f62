"""Loading reference data (drivers, teams, priorities) idempotently: upsert by natural key."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.models import BenefitDriver, StrategicPriority, Team


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, table: str, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.by_table.setdefault(table, {"created": 0, "updated": 0, "unchanged": 0})[outcome] += 1


def _upsert(model: Any, key: str, rows: Iterable[Mapping[str, Any]], counts: UpsertCounts) -> None:
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            obj = model(**row)
            db.session.add(obj)
            existing[row[key]] = obj
            counts.add(model.__tablename__, "created")
            continue
        changed = False
        for name, value in row.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        counts.add(model.__tablename__, "updated" if changed else "unchanged")
    db.session.flush()


def load_reference_data(
    *,
    drivers: Iterable[Mapping[str, Any]],
    teams: Iterable[Mapping[str, Any]],
    priorities: Iterable[Mapping[str, Any]],
) -> UpsertCounts:
    """Upsert benefit drivers, teams (parents first) and strategic priorities. Flushes, does not commit."""
    counts = UpsertCounts()
    _upsert(
        BenefitDriver,
        "code",
        ({"code": d["code"], "name": d["name"], "description": d.get("description", "")} for d in drivers),
        counts,
    )
    _upsert(StrategicPriority, "code", ({"code": p["code"], "title": p["title"]} for p in priorities), counts)
    team_rows = list(teams)
    _upsert(Team, "code", ({"code": t["code"], "name": t["name"]} for t in team_rows), counts)
    ids = dict(db.session.execute(select(Team.code, Team.id)).all())
    for row in team_rows:
        parent_id = ids.get(row["parent"]) if row.get("parent") else None
        team = db.session.get(Team, ids[row["code"]])
        if team is not None and team.parent_id != parent_id:
            team.parent_id = parent_id
    db.session.flush()
    return counts
