"""Benefits and their measurements: profiles written with the business case (or at a quick win's
triage), values recorded each period from the baseline, closing statuses at the benefits review, and
finance's validations and like-for-like adjustments.

Most tracked benefits are up to date on the anchor day; about one in seven is one to three periods
behind, so the stale-benefits job has work. The schedule columns (next due, escalation, RAG) come from
``Benefit.reschedule`` on the latest measurement, the code the benefits service uses. Measurements are
the most recent periods before the benefit stopped being measured; when the scale asks for more than
the periods allow, some benefits are measured monthly instead.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from changeauth.devtools.scale_data import texts
from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.improvements import Improvements
from changeauth.devtools.scale_data.lifecycle import Plan, allocate
from changeauth.devtools.scale_data.people import People
from changeauth.domain.benefits import (
    FREQUENCY_MONTHS,
    AdjustmentCategory,
    ClosingStatus,
    DataQuality,
    Frequency,
    add_months,
    planned_value,
)
from changeauth.domain.lifecycle import Decision, Gate, Stage
from changeauth.models import Benefit, BenefitAdjustment, BenefitMeasurement
from changeauth.services.audit import jsonable
from changeauth.services.benefits import AUDITED_FIELDS

GBP = "GBP"
TRACKED = (Stage.DELIVERY.value, Stage.REALISATION.value)
FREQUENCY_SHARES = {
    Frequency.MONTHLY: 0.5,
    Frequency.QUARTERLY: 0.35,
    Frequency.SIX_MONTHLY: 0.1,
    Frequency.ANNUALLY: 0.05,
}
QUALITIES = tuple(quality.value for quality in DataQuality)
QUALITY_WEIGHTS = (80, 15, 5)
# One tracked benefit in seven is one to three periods behind on the anchor day.
STALE_EVERY = 7


@dataclass
class Profile:
    """One benefit being generated."""

    plan: Plan
    id: int
    created: datetime
    baseline_date: date
    frequency: Frequency
    # Measured periods end on or before this day; for a closed benefit, before its benefits review.
    measured_until: date | None
    periods_behind: int
    must_measure: bool
    values: dict[str, Any] = field(default_factory=dict)
    periods: list[date] = field(default_factory=list)
    # (period end, value, data quality, recorded at) of each measurement, oldest first.
    measured: list[tuple[date, Decimal, str, datetime]] = field(default_factory=list)

    def available(self) -> list[date]:
        if self.measured_until is None:
            return []
        months = FREQUENCY_MONTHS[self.frequency]
        ends, k = [], 1
        while (end := add_months(self.baseline_date, k * months)) <= self.measured_until:
            ends.append(end)
            k += 1
        return ends[: max(0, len(ends) - self.periods_behind)]


def generate(build: Build, people: People, improvements: Improvements) -> None:
    """Write benefits, measurements and adjustments with their events."""
    with build.stage("Benefits and measurements") as stage:
        rng = build.rng("benefits")
        profiles = _profiles(rng, build, people, improvements)
        _fit_measurements(rng, profiles, build.scale.measurements)
        benefits, adjustments = [], []
        for profile in profiles:
            benefits.append(_benefit_row(rng, build, people, profile))
            adjustments.extend(_adjustments(rng, build, people, profile))
        measured = sum(len(profile.periods) for profile in profiles)
        bar = stage.rows(len(benefits) + measured + len(adjustments))
        build.write(Benefit.__table__, benefits, bar)
        build.write(BenefitMeasurement.__table__, _measurement_rows(build, profiles), bar)
        build.write(BenefitAdjustment.__table__, adjustments, bar)


def _holders(rng: random.Random, plans: list[Plan], total: int) -> list[Plan]:
    """One benefit for each improvement that must have one, then others, then second benefits."""
    must = [
        p for p in plans if p.move_at(Gate.G1, Decision.GO, Decision.GO_WITH_CONDITIONS) or _quick_win_live(p)
    ]
    chosen = {p.id for p in must}
    optional = [p for p in plans if p.id not in chosen and not p.quick_win and rng.random() < 0.5]
    if len(must) >= total:
        return sorted(rng.sample(must, total), key=lambda p: p.id)
    holders = list(must)
    holders.extend(optional[: total - len(holders)])
    while len(holders) < total and must:
        holders.append(rng.choice(must))
    return sorted(holders, key=lambda p: p.id)


def _quick_win_live(plan: Plan) -> bool:
    return plan.quick_win and len(plan.moves) > 1


def _profiles(rng: random.Random, build: Build, people: People, improvements: Improvements) -> list[Profile]:
    plans = [p for p in improvements.plans if p.owning_move is not None]
    holders = _holders(rng, plans, build.scale.benefits)
    frequencies = allocate(len(holders), {f.value: share for f, share in FREQUENCY_SHARES.items()})
    drawn = [Frequency(name) for name, count in frequencies.items() for _ in range(count)]
    rng.shuffle(drawn)
    profiles = []
    tracked = 0
    for plan, frequency in zip(holders, drawn, strict=True):
        created, baseline = _created_and_baseline(rng, build, plan)
        until, must = _measured_until(build, plan)
        behind = 0
        if plan.stage in TRACKED:
            tracked += 1
            behind = 1 + tracked % 3 if tracked % STALE_EVERY == 1 else 0
        profile = Profile(
            plan, build.next_id(Benefit.__table__), created, baseline, frequency, until, behind, must
        )
        profile.values = _measure(rng, build, plan, improvements, people, baseline)
        profiles.append(profile)
    return profiles


def _created_and_baseline(rng: random.Random, build: Build, plan: Plan) -> tuple[datetime, date]:
    triage = plan.owning_move
    assert triage is not None
    if plan.quick_win:
        return triage.at + timedelta(hours=3), triage.at.date() - timedelta(days=rng.randint(0, 30))
    g1 = plan.move_at(Gate.G1)
    closes = g1.at if g1 is not None else build.end
    created = triage.at + (closes - triage.at) * rng.uniform(0.3, 0.8)
    if g1 is None:
        baseline = created.date() + timedelta(days=rng.randint(-30, 90))
    else:
        baseline = g1.at.date() + timedelta(days=rng.randint(-60, 30))
    go_live = plan.move_at(Gate.G2)
    if go_live is not None:  # G2 needs every baseline measured by then
        baseline = min(baseline, go_live.at.date() - timedelta(days=1))
    return created, baseline


def _measured_until(build: Build, plan: Plan) -> tuple[date | None, bool]:
    """The last day a period may end for its value to be recorded, and whether one is needed."""
    started = plan.reached(Stage.DELIVERY)
    if started is None:
        return None, False
    ended = plan.moves[-1] if plan.stage not in TRACKED else None
    latest = (ended.at if ended is not None else build.end) - timedelta(days=2)
    return latest.date(), plan.move_at(Gate.G2, Decision.GO, Decision.GO_WITH_CONDITIONS) is not None


def _measure(
    rng: random.Random, build: Build, plan: Plan, improvements: Improvements, people: People, baseline: date
) -> dict[str, Any]:
    _title, subject = improvements.texts[plan.id]
    name, unit, direction, cash_class = rng.choice(texts.BENEFIT_MEASURES)
    if unit == GBP:
        start, goal = Decimal(0), Decimal(rng.randint(200, 5_000) * 10_000)
    elif unit.startswith("%"):
        start = Decimal(rng.randint(30, 70))
        goal = start + Decimal(rng.randint(8, 25))
    else:
        start = Decimal(rng.randint(20, 3_000))
        goal = (start * Decimal(rng.randint(55, 90)) / 100).quantize(Decimal(1))
    return {
        "title": name.format(subject=subject)[:200],
        "driver_id": build.reference.drivers[rng.choice(improvements.drivers[plan.id])],
        "cash_class": cash_class,
        "unit": unit,
        "direction": direction,
        "baseline_value": start,
        "target_value": goal,
        "target_date": add_months(baseline, rng.choice((12, 18, 24, 36))),
        "owner_id": plan.owner_id if rng.random() < 0.7 else rng.choice(people.managers),
        "tolerance_pct": Decimal(rng.choice((10, 10, 10, 5, 15, 20))),
    }


def _fit_measurements(rng: random.Random, profiles: list[Profile], target: int) -> None:
    """Choose each benefit's measured periods so the total is the target (or every period there is)."""
    order = list(range(len(profiles)))
    rng.shuffle(order)
    available = [p.available() for p in profiles]
    capacity = sum(len(a) for a in available)
    for index in order:  # more periods: measure some benefits monthly
        if capacity >= target:
            break
        profile = profiles[index]
        if profile.frequency is not Frequency.MONTHLY and profile.measured_until is not None:
            profile.frequency = Frequency.MONTHLY
            capacity -= len(available[index])
            available[index] = profile.available()
            capacity += len(available[index])
    wanted = [min(1, len(a)) if p.must_measure else 0 for p, a in zip(profiles, available, strict=True)]
    spare = [len(a) - w for a, w in zip(available, wanted, strict=True)]
    extra = max(0, min(target, capacity) - sum(wanted))
    shares = allocate(extra, {str(i): s for i, s in enumerate(spare) if s}) if extra and sum(spare) else {}
    for key, count in shares.items():
        wanted[int(key)] += min(count, spare[int(key)])
    for profile, periods, count in zip(profiles, available, wanted, strict=True):
        profile.periods = periods[len(periods) - count :] if count else []


def _recorded_at(rng: random.Random, build: Build, period_end: date, before: datetime) -> datetime:
    recorded = datetime.combine(
        period_end + timedelta(days=rng.randint(1, 12)), time(9), tzinfo=build.end.tzinfo
    )
    return min(recorded, before - timedelta(hours=1))


def _value(rng: random.Random, profile: Profile, on: date) -> Decimal:
    values = profile.values
    planned = planned_value(
        on,
        baseline_date=profile.baseline_date,
        baseline_value=values["baseline_value"],
        target_date=values["target_date"],
        target_value=values["target_value"],
    )
    change = abs(values["target_value"] - values["baseline_value"])
    behind = Decimal(rng.choice((0, 0, 0, 0.05, 0.15, 0.3))) * change
    shortfall = behind if values["direction"] == "increase" else -behind
    noise = Decimal(rng.uniform(-0.04, 0.04)) * change
    value = planned - shortfall + noise
    return value.quantize(Decimal(1) if values["unit"] == GBP else Decimal("0.1"))


def _benefit_row(rng: random.Random, build: Build, people: People, profile: Profile) -> dict[str, Any]:
    """The benefit with its derived schedule, and the events of its life (measurements included)."""
    plan, values = profile.plan, profile.values
    owner = values["owner_id"]
    benefit = Benefit(
        improvement_id=plan.id,
        programme_id=None,
        baseline_date=profile.baseline_date,
        frequency=profile.frequency.value,
        closing_status=None,
        validated_by_id=None,
        version=1,
        # Most baselines measured, one in five estimated (from the id, so the random draws stay the same).
        baseline_quality=DataQuality.ESTIMATED if profile.id % 5 == 0 else DataQuality.MEASURED,
        **values,
    )
    benefit.reschedule(None)
    build.events.add(
        profile.created,
        "benefit.created",
        "benefit",
        profile.id,
        actor_id=owner,
        version=1,
        after=_profile_json(benefit),
    )
    end_of_measuring = plan.moves[-1].at if plan.stage not in TRACKED else build.end
    for period_end in profile.periods:
        value = _value(rng, profile, period_end)
        quality = rng.choices(QUALITIES, weights=QUALITY_WEIGHTS)[0]
        at = _recorded_at(rng, build, period_end, end_of_measuring)
        profile.measured.append((period_end, value, quality, at))
    latest = None
    if profile.measured:
        period_end, value, quality, _at = profile.measured[-1]
        latest = BenefitMeasurement(period_end=period_end, value=value, data_quality=quality)
    benefit.reschedule(latest)
    measured = profile.measured
    updated = max([profile.created, *(m[3] for m in measured)])
    g3 = plan.move_at(Gate.G3)
    if g3 is not None:  # closed at the benefits review, after the last value (and its adjustment)
        before = _profile_json(benefit)
        benefit.closing_status = rng.choices(list(ClosingStatus), weights=(60, 30, 10))[0]
        benefit.version = 2
        updated = max(g3.at - timedelta(days=rng.randint(1, 5)), updated + (g3.at - updated) / 2)
        build.events.add(
            updated,
            "benefit.updated",
            "benefit",
            profile.id,
            actor_id=owner,
            version=2,
            before=before,
            after=_profile_json(benefit),
        )
    if values["unit"] == GBP and latest is not None and rng.random() < 0.5 and people.finance:
        before = _profile_json(benefit)
        validator = rng.choice(people.finance)
        validated = updated + timedelta(days=rng.randint(1, 20))
        if validated < build.end:
            updated = validated
            benefit.validated_by_id, benefit.validated_at = validator, validated
            benefit.version += 1
            after = _profile_json(benefit) | {
                "validated_value": str(benefit.last_value),
                "as_at": benefit.last_period_end.isoformat() if benefit.last_period_end else None,
            }
            build.events.add(
                validated,
                "benefit.validated",
                "benefit",
                profile.id,
                actor_id=validator,
                version=benefit.version,
                before=before,
                after=after,
            )
    row = {
        column.name: _value_or_default(column, getattr(benefit, column.name))
        for column in Benefit.__table__.columns
        if column.name != "id"
    }
    row.update(id=profile.id, created_by_id=owner, created_at=profile.created, updated_at=updated)
    return row


def _value_or_default(column: Any, value: Any) -> Any:
    """An unset attribute of an object never flushed holds None, not its column's default: rows written
    straight to the table take the default here, so a new column with one needs no change in this module."""
    if value is None and not column.nullable and column.default is not None and column.default.is_scalar:
        return column.default.arg
    return value


def _profile_json(benefit: Benefit) -> dict[str, Any]:
    """The profile as the benefits service writes it to the audit log, in its JSON form."""
    return jsonable({field: getattr(benefit, field) for field in AUDITED_FIELDS})


def _measurement_rows(build: Build, profiles: list[Profile]) -> Iterator[dict[str, Any]]:
    table = BenefitMeasurement.__table__
    for profile in profiles:
        months = FREQUENCY_MONTHS[profile.frequency]
        for period_end, value, quality, at in profile.measured:
            measurement_id = build.next_id(table)
            owner = profile.values["owner_id"]
            build.events.add(
                at,
                "benefit.measurement_recorded",
                "benefit",
                profile.id,
                actor_id=owner,
                version=1,
                after={
                    "measurement_id": measurement_id,
                    "period_end": period_end.isoformat(),
                    "value": str(value),
                    "data_quality": quality,
                    "next_due_on": add_months(period_end, months).isoformat(),
                },
            )
            yield {
                "id": measurement_id,
                "benefit_id": profile.id,
                "period_end": period_end,
                "value": value,
                "data_quality": quality,
                "note": "",
                "recorded_by_id": owner,
                "recorded_at": at,
            }


def _adjustments(rng: random.Random, build: Build, people: People, profile: Profile) -> list[dict[str, Any]]:
    """Finance adjusts about one in ten measured cashable benefits for like-for-like reporting."""
    measured = profile.measured
    if profile.values["unit"] != GBP or not measured or not people.finance or rng.random() >= 0.1:
        return []
    at = measured[-1][3] + timedelta(minutes=30)
    if at >= build.end or (profile.plan.move_at(Gate.G3) is not None):
        return []
    adjustment_id = build.next_id(BenefitAdjustment.__table__)
    category = rng.choice(list(AdjustmentCategory)).value
    amount = rng.randint(-50, 50) * 100_000
    rationale = "Adjusted to compare like with like against the original business case."
    finance = rng.choice(people.finance)
    build.events.add(
        at,
        "benefit.adjustment_recorded",
        "benefit",
        profile.id,
        actor_id=finance,
        version=1,
        after={
            "adjustment_id": adjustment_id,
            "category": category,
            "amount_pence": amount,
            "rationale": rationale,
        },
    )
    return [
        {
            "id": adjustment_id,
            "benefit_id": profile.id,
            "category": category,
            "amount_pence": amount,
            "rationale": rationale,
            "source": "Finance ledger",
            "recorded_by_id": finance,
            "recorded_at": at,
        }
    ]
