"""The worked example's benefits (profiles, plans, measurements, validation, hand-over, closing) and
like-for-like adjustments as steps of the replayed history, each through the benefits services at its own
instant (``db.clock_at``, ``demo_decisions.load_decisions``); and its temporary resources, recorded and
ended through their service on their own dates. Idempotent: rows are matched by natural key
(seeds/README.md) and never duplicated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select, update

from changeauth import db
from changeauth.devtools.demo_data import HistoryStep
from changeauth.domain import benefits as rules
from changeauth.domain.lifecycle import Gate
from changeauth.domain.reviews import ReviewDecision
from changeauth.domain.savings import AdjustmentRecurrence, AdjustmentStatus
from changeauth.models import (
    Benefit,
    BenefitAdjustment,
    BenefitMeasurement,
    BenefitYear,
    Improvement,
    Notification,
    Programme,
    Team,
    TemporaryResource,
    User,
)
from changeauth.services import benefit_control, monitoring
from changeauth.services import benefit_years as year_service
from changeauth.services import benefits as benefit_service
from changeauth.services import reviews as review_service
from changeauth.services import temporary_resources as resource_service
from changeauth.services.reference_data import UpsertCounts

PROGRAMME_SAVINGS_TITLE = "Recurring staff cost savings (77.3 FTE)"


def _improvement_ids() -> dict[str, int]:
    return dict(db.session.execute(select(Improvement.ref, Improvement.id)).all())


def _benefit_key(benefit: Benefit, refs_by_id: Mapping[int, str]) -> tuple[str | None, str]:
    return (refs_by_id.get(benefit.improvement_id) if benefit.improvement_id else None, benefit.title)


# When each part of a benefit's history happened (UTC): profiled the afternoon before its improvement's
# investment decision (or the day after a quick win's triage), a measurement at the close of its period,
# validated after it, handed over and closed at noon, adjustments recorded at the programme's close-down.
PROFILED_AT = time(15, 0)
MEASURED_AT = time(16, 0)
VALIDATED_AT = time(17, 0)
# The benefit's owner accepts its profile half an hour after it is profiled (or handed to them).
ACCEPTED_AFTER = timedelta(minutes=30)
DECIDED_AT = time(12, 0)
# A benefit is closed at its improvement's benefits review, before the meeting's decision at 11:00.
CLOSED_BEFORE_REVIEW = time(10, 30)


def _on(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=UTC)


class _Benefits:
    """The benefits of the example by key, found or created as the replay reaches them."""

    def __init__(self) -> None:
        ids = _improvement_ids()
        refs_by_id = {id_: ref for ref, id_ in ids.items()}
        self.ids: dict[tuple[str | None, str], int] = {
            _benefit_key(b, refs_by_id): b.id for b in db.session.scalars(select(Benefit))
        }

    def get(self, key: tuple[str | None, str]) -> Benefit:
        benefit = db.session.get(Benefit, self.ids[key])
        assert benefit is not None
        return benefit


def benefit_steps(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    programme: Programme,
    counts: UpsertCounts,
    *,
    decided_on: Mapping[tuple[str, Gate], date],
    programme_ends_on: date,
) -> list[HistoryStep]:
    """Each benefit's history as steps of the replay, each through the benefits services at its own
    instant: the profile (by the improvement's owner the afternoon before its investment decision, or the
    day after a quick win's triage; a programme's benefit by the design authority at its baseline date),
    its plan by financial year, each measurement by its owner at the close of its period, finance's
    validation, the hand-over to business as usual, and its closing status (a programme's at the
    close-down, an improvement's just before its benefits review). Keyed (improvement ref or null, title),
    a measurement by its period: what is already loaded is left as it is."""
    known = _Benefits()
    steps: list[HistoryStep] = []
    for row in rows:
        key = (row.get("improvement_ref"), row["title"])
        ref = key[0]
        if key in known.ids:
            counts.add("benefit", "unchanged")
            existing = known.get(key)
            measured = set(
                db.session.scalars(
                    select(BenefitMeasurement.period_end).where(BenefitMeasurement.benefit_id == existing.id)
                )
            )
        else:
            measured = set()
            if row.get("noticed_on"):
                # An emergent benefit is recorded when it was noticed, not planned at the baseline.
                at = _on(row["noticed_on"], PROFILED_AT)
            elif ref is None:
                at = _on(row["baseline_date"], PROFILED_AT)
            elif (ref, Gate.G1) in decided_on:
                at = _on(decided_on[(ref, Gate.G1)] - timedelta(days=1), PROFILED_AT)
            else:
                at = _on(decided_on[(ref, Gate.G0)] + timedelta(days=1), PROFILED_AT)
            steps.append((at, 0, partial(_profile, row, key, users, programme, known, counts)))
            steps.append((at + ACCEPTED_AFTER, 0, partial(_accept, key, users[row["owner"]], known)))
        for measurement in row.get("measurements") or []:
            if measurement["period_end"] in measured:
                counts.add("benefit_measurement", "unchanged")
                continue
            at = _on(measurement["period_end"], MEASURED_AT)
            steps.append((at, 1, partial(_measure, key, measurement, users[row["owner"]], known, counts)))
        if row.get("validated_by") and not (key in known.ids and known.get(key).validated_at):
            at = _on(row["validated_on"], VALIDATED_AT)
            steps.append((at, 2, partial(_validate, key, row, users, known)))
        handover = row.get("handed_over")
        if handover and not (key in known.ids and known.get(key).is_handed_over):
            at = _on(handover["handed_over_on"], DECIDED_AT)
            steps.append((at, 3, partial(_hand_over, key, handover, users, known)))
            steps.append((at + ACCEPTED_AFTER, 3, partial(_accept, key, users[handover["to"]], known)))
            counts.add("benefit_handover", "created")
        if row.get("closing_status") and not (key in known.ids and known.get(key).closing_status):
            if ref is None:
                at = _on(programme_ends_on, DECIDED_AT)
                closer = users["design_authority"]
            else:
                # An improvement's benefit is closed by its benefits review decision, before the G3.
                at = _on(decided_on[(ref, Gate.G3)], CLOSED_BEFORE_REVIEW)
                review = partial(_review_and_close, key, row, users[row["owner"]], known)
                steps.append((at, 4, review))
                continue
            steps.append((at, 4, partial(_close, key, row["closing_status"], closer, known)))
    return steps


def _profile(
    row: Mapping[str, Any],
    key: tuple[str | None, str],
    users: Mapping[str, User],
    programme: Programme,
    known: _Benefits,
    counts: UpsertCounts,
) -> None:
    """Profile the benefit through the benefits service, as the improvement's owner (a programme's
    benefit, the design authority) did, and plan its savings by financial year."""
    ref = key[0]
    improvement_id = _improvement_ids()[ref] if ref else None
    owner = users[row["owner"]]
    benefit = benefit_service.create_benefit(
        owner if ref else users["design_authority"],
        improvement_id=improvement_id,
        programme_id=None if ref else programme.id,
        title=row["title"],
        driver=row["driver"],
        cash_class=row["cash_class"],
        unit=row["unit"],
        direction=row["direction"],
        baseline_value=Decimal(str(row["baseline_value"])),
        baseline_date=row["baseline_date"],
        target_value=Decimal(str(row["target_value"])),
        target_date=row["target_date"],
        frequency=row["frequency"],
        owner_id=owner.id,
        baseline_quality=row.get("baseline_quality"),
        baseline_evidence=row.get("baseline_evidence", ""),
        emergent=bool(row.get("emergent")),
    )
    known.ids[key] = benefit.id
    counts.add("benefit", "created")
    if row.get("years"):
        _plan_years(benefit, row["years"], users, counts)


def _measure(
    key: tuple[str | None, str],
    row: Mapping[str, Any],
    recorder: User,
    known: _Benefits,
    counts: UpsertCounts,
) -> None:
    """Record a measurement through the benefits service, as the benefit's owner did."""
    benefit_service.record_measurement(
        known.ids[key],
        actor=recorder,
        period_end=row["period_end"],
        value=Decimal(str(row["value"])),
        data_quality=row.get("data_quality", "measured"),
        note=row.get("note", ""),
    )
    counts.add("benefit_measurement", "created")


def _validate(
    key: tuple[str | None, str], row: Mapping[str, Any], users: Mapping[str, User], known: _Benefits
) -> None:
    """Finance validates the saving through the benefits service, on the day it did (the SWAP audit)."""
    benefit_service.validate_benefit(
        known.ids[key],
        actor=users[row["validated_by"]],
        note=" ".join(str(row.get("validation_note", "")).split()),
    )


def _accept(key: tuple[str | None, str], owner: User, known: _Benefits) -> None:
    """The benefit's owner accepts its profile through the service, as they did when it was profiled or
    handed to them (docs/benefits-and-resources.md#accountable-owners)."""
    benefit = known.get(key)
    if benefit.is_accepted or benefit.closing_status:
        return
    benefit_control.accept_benefit(benefit.id, actor=owner, expected_version=benefit.version)


def _close(key: tuple[str | None, str], status: str, actor: User, known: _Benefits) -> None:
    """Give the benefit its closing status through the benefits service."""
    benefit_service.set_closing_status(known.ids[key], actor=actor, closing_status=status)


def _review_and_close(
    key: tuple[str | None, str], row: Mapping[str, Any], actor: User, known: _Benefits
) -> None:
    """The benefits review's decision to close the benefit with its closing status, taken by the
    improvement's owner through the reviews service (which closes it through the benefits service)."""
    benefit = known.get(key)
    review_service.record_review_decision(
        benefit.id,
        actor=actor,
        decision=ReviewDecision.CLOSE.value,
        causes=" ".join(str(row.get("review_causes", "")).split()),
        expected_version=benefit.version,
        closing_status=row["closing_status"],
    )


def _plan_years(
    benefit: Benefit, years: Mapping[str, Any], users: Mapping[str, User], counts: UpsertCounts
) -> None:
    """The saving's plan by financial year, through the service as the programme board planned it; a
    year already planned is left as it is."""
    planned = set(
        db.session.scalars(select(BenefitYear.financial_year).where(BenefitYear.benefit_id == benefit.id))
    )
    for plan in years["plan"]:
        if plan["financial_year"] in planned:
            counts.add("benefit_year", "unchanged")
            continue
        year_service.plan_year(
            benefit.id,
            actor=users[years["planned_by"]],
            financial_year=plan["financial_year"],
            planned_pence=plan["planned_pence"],
            one_off_cost_pence=plan.get("one_off_cost_pence", 0),
            expected_version=0,
        )
        counts.add("benefit_year", "created")


def _hand_over(
    key: tuple[str | None, str], row: Mapping[str, Any], users: Mapping[str, User], known: _Benefits
) -> None:
    """Through the service, as the design authority did it, so the audit log and the new owner's
    notification tell it as it happened."""
    benefit = known.get(key)
    benefit_service.hand_over_benefit(
        benefit.id,
        actor=users[row["by"]],
        owner_id=users[row["to"]].id,
        handed_over_on=row["handed_over_on"],
        note=" ".join(str(row.get("note", "")).split()),
        expected_version=benefit.version,
    )


def adjustment_steps(
    rows: Iterable[Mapping[str, Any]], users: Mapping[str, User], counts: UpsertCounts, *, recorded_on: date
) -> list[HistoryStep]:
    """The report's like-for-like adjustments on the programme's savings benefit, each recorded by finance
    through the benefits service at the programme's close-down (``recorded_on``), when the report stated
    them; keyed (category, source), so one already recorded is left as it is."""
    steps: list[HistoryStep] = []
    for row in rows:
        at = _on(recorded_on, time(14, 0))
        steps.append((at, 5, partial(_adjust, row, users["finance"], counts)))
    return steps


def _adjust(row: Mapping[str, Any], finance: User, counts: UpsertCounts) -> None:
    benefit = db.session.scalar(
        select(Benefit).where(Benefit.programme_id.is_not(None), Benefit.title == PROGRAMME_SAVINGS_TITLE)
    )
    if benefit is None:
        raise LookupError(f"the programme benefit {PROGRAMME_SAVINGS_TITLE!r} must be loaded first")
    source = row.get("source", "")
    exists = db.session.scalar(
        select(BenefitAdjustment.id).where(
            BenefitAdjustment.benefit_id == benefit.id,
            BenefitAdjustment.category == row["category"],
            BenefitAdjustment.source == source,
        )
    )
    if exists is not None:
        counts.add("benefit_adjustment", "unchanged")
        return
    benefit_service.record_adjustment(
        benefit.id,
        actor=finance,
        category=row["category"],
        amount_pence=int(row["amount_pence"]),
        rationale=" ".join(str(row["rationale"]).split()),
        source=source,
        status=row.get("status", AdjustmentStatus.PROPOSED.value),
        recurrence=row.get("recurrence", AdjustmentRecurrence.RECURRING.value),
        financial_year=row.get("financial_year"),
        evidence=" ".join(str(row.get("evidence", "")).split()),
    )
    counts.add("benefit_adjustment", "created")


# A temporary resource is recorded by its owner the morning it starts, and its actual end the evening it
# ends (modelled times: the report gives only the financial years).
RESOURCE_RECORDED_AT = time(9, 0)
RESOURCE_ENDED_AT = time(17, 30)


def temporary_resource_steps(
    rows: Iterable[Mapping[str, Any]], users: Mapping[str, User], programme: Programme, counts: UpsertCounts
) -> list[HistoryStep]:
    """Each temporary resource as steps of the replay, through the temporary resources service: recorded by
    its owner on its start date, and its actual end recorded by its owner on that day. Keyed (role title,
    team, start date); report rows belong to the programme. What is already loaded is left as it is."""
    teams = dict(db.session.execute(select(Team.code, Team.id)).all())
    have = set(
        db.session.execute(
            select(TemporaryResource.role_title, TemporaryResource.team_id, TemporaryResource.start_date)
        ).all()
    )
    steps: list[HistoryStep] = []
    for row in rows:
        if (row["role_title"], teams.get(row.get("team") or ""), row["start_date"]) in have:
            counts.add("temporary_resource", "unchanged")
            continue
        found: dict[str, TemporaryResource] = {}
        steps.append(
            (
                _on(row["start_date"], RESOURCE_RECORDED_AT),
                4,
                partial(_record_resource, row, users, programme, found, counts),
            )
        )
        if row.get("actual_end_date"):
            at = _on(row["actual_end_date"], RESOURCE_ENDED_AT)
            steps.append((at, 4, partial(_end_resource, row, users, found)))
    return steps


def _record_resource(
    row: Mapping[str, Any],
    users: Mapping[str, User],
    programme: Programme,
    found: dict[str, TemporaryResource],
    counts: UpsertCounts,
) -> None:
    """The owner records the resource as it starts, through the temporary resources service."""
    improvement_id = _improvement_ids()[row["improvement_ref"]] if row.get("improvement_ref") else None
    found["resource"] = resource_service.create_resource(
        users[row["owner"]],
        role_title=row["role_title"],
        kind=row["kind"],
        annual_cost_pence=int(row["annual_cost_pence"]),
        funding_source=row.get("funding_source", ""),
        start_date=row["start_date"],
        end_date=row["end_date"],
        owner_id=users[row["owner"]].id,
        team_code=row.get("team"),
        improvement_id=improvement_id,
        programme_id=None if improvement_id else programme.id,
        reason=" ".join(str(row.get("note", "")).split()),
    )
    counts.add("temporary_resource", "created")


def _end_resource(
    row: Mapping[str, Any], users: Mapping[str, User], found: Mapping[str, TemporaryResource]
) -> None:
    """The owner records the day the resource actually ended, on that day."""
    resource = found["resource"]
    resource_service.end_resource(
        resource,
        actor=users[row["owner"]],
        expected_version=resource.version,
        actual_end_date=row["actual_end_date"],
        today=row["actual_end_date"],
    )


# The nightly benefits job runs late in the evening (London); the replay runs its behind-plan sweep then.
SWEPT_AT = time(22, 0)
LAST_NIGHTLY_DAYS = 62


def behind_plan_sweep_steps(
    rows: Iterable[Mapping[str, Any]], *, programme_ends_on: date, loaded_on: date
) -> list[HistoryStep]:
    """The nightly behind-plan sweep (``services.monitoring.sweep_out_of_tolerance``, the job's own) as steps
    of the replay: the night of each measurement after the programme ended, the last night of each
    month from the first of them until the load and every night of the two months before it, so a
    benefit that fell behind its plan in the history is flagged on the day it did, not on the day the demo
    was loaded. Only when the history's measurements are new (a second load replays none, so it raises
    nothing again)."""
    if db.session.scalar(select(BenefitMeasurement.id).limit(1)) is not None:
        return []
    nights = {
        measurement["period_end"]
        for row in rows
        for measurement in row.get("measurements") or ()
        if programme_ends_on < measurement["period_end"] < loaded_on
    }
    if not nights:
        return []
    month_end = _month_end(min(nights))
    while month_end < loaded_on:
        nights.add(month_end)
        month_end = _month_end(month_end + timedelta(days=1))
    # Every night of the last two months, so one that drifted off its plan since its latest measurement is
    # flagged on the night it did.
    nights.update(loaded_on - timedelta(days=back) for back in range(1, LAST_NIGHTLY_DAYS + 1))
    return [(_on(night, SWEPT_AT), 9, partial(_sweep_behind_plan, night)) for night in sorted(nights)]


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _sweep_behind_plan(night: date) -> None:
    """The job's sweep on ``night``; the notices it queued are history, delivered and read then."""
    config = current_app.config if has_app_context() else {}
    grace = int(config.get("BENEFIT_GRACE_DAYS", rules.DEFAULT_GRACE_DAYS))
    monitoring.sweep_out_of_tolerance(night, grace_days=grace)
    db.session.execute(
        update(Notification)
        .where(
            Notification.kind == f"flag.{rules.FLAG_BENEFIT_OUT_OF_TOLERANCE}",
            Notification.sent_at.is_(None),
        )
        .values(sent_at=Notification.created_at, read_at=Notification.created_at)
    )
