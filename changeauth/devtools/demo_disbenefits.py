"""The worked example's dis-benefits (seeds/demo/disbenefits.yaml: the digital exclusion of channel shift,
report §3.6.2 and §3.3.1, its recording modelled), recorded through ``services.disbenefits`` as steps of
the replayed history, so the audit log dates them as any record. Keyed by improvement and title: one
already there is left as it is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import HistoryStep
from changeauth.domain.disbenefits import DisbenefitDetails
from changeauth.domain.lifecycle import Gate
from changeauth.models import Benefit, Disbenefit, Improvement, User
from changeauth.services import disbenefits as disbenefit_service
from changeauth.services.reference_data import UpsertCounts

# After the improvement's benefits are profiled (15:00 the day before its investment decision).
RECORDED_AT = time(15, 30)


def disbenefit_steps(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    decided_on: Mapping[tuple[str, Gate], date],
) -> list[HistoryStep]:
    """Each dis-benefit as a step of the replay, the afternoon before its improvement's G1 decision."""
    steps: list[HistoryStep] = []
    for row in rows:
        ref = row["improvement_ref"]
        day = decided_on[(ref, Gate.G1)] - timedelta(days=1)
        at = datetime.combine(day, RECORDED_AT, tzinfo=UTC)
        steps.append((at, 5, partial(_record, row, users, counts)))
    return steps


def _record(row: Mapping[str, Any], users: Mapping[str, User], counts: UpsertCounts) -> None:
    improvement = db.session.scalar(select(Improvement).where(Improvement.ref == row["improvement_ref"]))
    if improvement is None:
        raise LookupError(f"the improvement {row['improvement_ref']} must be loaded first")
    if db.session.scalar(
        select(Disbenefit.id).where(
            Disbenefit.improvement_id == improvement.id, Disbenefit.title == row["title"]
        )
    ):
        counts.add("disbenefit", "unchanged")
        return
    offsets = [
        db.session.scalar(
            select(Benefit.id).where(Benefit.improvement_id == improvement.id, Benefit.title == title)
        )
        for title in row.get("offsets") or []
    ]
    if None in offsets:
        raise LookupError(f"a benefit the dis-benefit {row['title']!r} offsets must be loaded first")
    money = row.get("money") or {}
    disbenefit_service.record_disbenefit(
        users[row["recorded_by"]],
        improvement_id=improvement.id,
        details=DisbenefitDetails(
            title=row["title"],
            description=row["description"],
            affected=row["affected"],
            owner_id=users[row["owner"]].id,
            mitigation=row["mitigation"],
            status=row.get("status", "open"),
            offsets=tuple(b for b in offsets if b is not None),
            annual_value_pence=money.get("annual_value_pence"),
            cash_class=money.get("cash_class"),
            starts_on=money.get("starts_on"),
            ends_on=money.get("ends_on"),
        ),
    )
    counts.add("disbenefit", "created")
