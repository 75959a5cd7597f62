"""Reading benefits: the tracker (per improvement and council-wide), one benefit with its measurements and
adjustments, what is due for a person, and the derived figures of docs/benefits-and-resources.md for each.

Every list states its eager loading; the figures are computed from the stored schedule columns and one
grouped query for adjustment totals, so a page costs the same few queries whatever its size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, and_, func, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from changeauth import db
from changeauth.domain import benefits as rules
from changeauth.domain import savings
from changeauth.domain.errors import NotFound
from changeauth.domain.savings import AdjustmentStatus
from changeauth.models import (
    AuditEvent,
    Benefit,
    BenefitAdjustment,
    BenefitChangeRequest,
    BenefitDriver,
    BenefitMeasurement,
    BenefitPlannedPoint,
    Improvement,
    Team,
    User,
)
from changeauth.queries.pagination import Page, clamp_page
from changeauth.queries.savings import SavingYear, years_by_benefit

GBP = "GBP"


# --- SQL conditions shared with the stale-benefits sweep ------------------------------------------------


def tracked_clause(as_of: date) -> ColumnElement[bool]:
    """Chased for measurements (``domain.benefits.is_tracked``): open, and a programme's benefit, or its
    improvement in delivery or realisation, or handed to a business-as-usual owner. ``as_of`` is kept so
    every caller states the day it asks about."""
    del as_of  # the rule no longer depends on the day: a programme's end does not stop the chase
    benefit = Benefit.__table__
    return and_(
        benefit.c.closing_status.is_(None),
        or_(
            benefit.c.programme_id.is_not(None),
            benefit.c.handed_over_on.is_not(None),
            benefit.c.improvement_id.in_(
                select(Improvement.id).where(Improvement.stage.in_(sorted(rules.TRACKED_STAGES)))
            ),
        ),
    )


def stale_clause(as_of: date, grace_days: int) -> ColumnElement[bool]:
    """Tracked and past its due date plus the grace days, or escalated (a whole period past due)."""
    benefit = Benefit.__table__
    return and_(
        tracked_clause(as_of),
        or_(
            benefit.c.next_due_on < as_of - timedelta(days=grace_days),
            benefit.c.escalate_after_on < as_of,
        ),
    )


# --- Derived figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitFigures:
    """What the tracker and the API show beside a benefit's profile (docs/benefits-and-resources.md)."""

    benefit: Benefit
    tracked: bool
    next_due: date
    staleness: rules.Staleness
    latest_value: Decimal | None
    realised_gross: Decimal | None
    adjustments_total: int
    realised_adjusted: Decimal | None
    counts_as_realised: bool
    # Today's RAG (``rules.current_rag``): "no_current_data" once overdue, else against today's plan.
    rag: str | None = None
    # A cashable saving's figures by financial year (``queries.savings.saving_years``), where asked for.
    years: tuple[SavingYear, ...] = ()
    # A stepped or custom plan's points, in date order (none for a straight line).
    planned_points: tuple[rules.Point, ...] = ()
    # Why today's rating is amber or red (``rules.behind_plan``); None when it is not.
    behind: rules.BehindPlan | None = None

    @property
    def is_stale(self) -> bool:
        return self.staleness is not rules.Staleness.CURRENT

    @property
    def plan_points(self) -> list[dict[str, Any]]:
        """The planned points as the API writes them."""
        return [{"period_end": when, "planned_value": value} for when, value in self.planned_points]


def _is_tracked(benefit: Benefit, as_of: date) -> bool:
    del as_of
    return rules.is_tracked(
        improvement_stage=benefit.improvement.stage if benefit.improvement is not None else None,
        closing_status=benefit.closing_status,
        handed_over=benefit.is_handed_over,
    )


def _standing(
    source: Any, *, tracked: bool, as_of: date, grace_days: int, points: Sequence[rules.Point] = ()
) -> tuple[rules.Staleness, str | None]:
    """How current a benefit's data is and its rating today, from a benefit or a row with its columns
    (the tracker's RAG filter reads only the columns); one rule for the pages and the filter."""
    state = (
        rules.staleness(
            as_of=as_of, due=source.next_due_on, frequency=source.frequency, grace_days=grace_days
        )
        if tracked
        else rules.Staleness.CURRENT
    )
    rag = rules.current_rag(
        as_of=as_of,
        tracked=tracked,
        staleness=state,
        latest_value=source.last_value,
        baseline_date=source.baseline_date,
        baseline_value=source.baseline_value,
        target_date=source.target_date,
        target_value=source.target_value,
        direction=source.direction,
        tolerance_pct=source.tolerance_pct,
        stored=source.rag,
        shape=source.profile_shape,
        points=points,
    )
    return state, rag


def standing_today(benefit: Benefit, *, as_of: date, grace_days: int) -> tuple[rules.Staleness, str | None]:
    """How current one benefit's data is and its RAG today (its improvement is loaded if not already)."""
    points = planned_points(benefit.id) if benefit.profile_shape.uses_points else []
    return _standing(
        benefit, tracked=_is_tracked(benefit, as_of), as_of=as_of, grace_days=grace_days, points=points
    )


def planned_points(benefit_id: int) -> list[rules.Point]:
    """A stepped or custom plan's points ``(date, value)`` in date order."""
    return planned_points_by_benefit([benefit_id]).get(benefit_id, [])


def planned_points_by_benefit(benefit_ids: Sequence[int]) -> dict[int, list[rules.Point]]:
    """The planned points of each of these benefits, in date order (one select; none when no ids)."""
    if not benefit_ids:
        return {}
    points: dict[int, list[rules.Point]] = {}
    for benefit_id, when, value in db.session.execute(
        select(
            BenefitPlannedPoint.benefit_id, BenefitPlannedPoint.period_end, BenefitPlannedPoint.planned_value
        )
        .where(BenefitPlannedPoint.benefit_id.in_(benefit_ids))
        .order_by(BenefitPlannedPoint.benefit_id, BenefitPlannedPoint.period_end)
    ):
        points.setdefault(benefit_id, []).append((when, value))
    return points


def per_period_series(benefits: Sequence[Any]) -> dict[int, list[rules.Point]]:
    """Every measurement ``(period_end, value)`` of the per-period benefits among ``benefits`` (what they
    realised adds up over the periods, so the latest value alone is not enough): one select, none when
    there are no such benefits."""
    ids = [b.id for b in benefits if b.measure_type is rules.MeasureType.PER_PERIOD]
    if not ids:
        return {}
    series: dict[int, list[rules.Point]] = {}
    for benefit_id, when, value in db.session.execute(
        select(BenefitMeasurement.benefit_id, BenefitMeasurement.period_end, BenefitMeasurement.value).where(
            BenefitMeasurement.benefit_id.in_(ids)
        )
    ):
        series.setdefault(benefit_id, []).append((when, value))
    return series


def realised_gross_of(source: Any, series: Sequence[rules.Point] | None = None) -> Decimal | None:
    """What a benefit (or a row with its columns) has realised (``rules.realised_to_date``): from its latest
    value, or for a per-period measure from its every measurement ``series``."""
    if source.measure_type is rules.MeasureType.PER_PERIOD:
        measured = list(series or ())
    else:
        measured = [] if source.last_value is None else [(source.last_period_end, source.last_value)]
    return rules.realised_to_date(
        measured,
        baseline_value=source.baseline_value,
        direction=source.direction,
        measure_type=source.measure_type,
    )


def figures(
    benefit: Benefit,
    *,
    adjustments_total: int,
    as_of: date,
    grace_days: int,
    points: Sequence[rules.Point] = (),
    series: Sequence[rules.Point] | None = None,
) -> BenefitFigures:
    """The derived figures of one benefit (its improvement or programme must be loaded), given a stepped or
    custom plan's ``points`` and a per-period measure's every measurement ``series``."""
    tracked = _is_tracked(benefit, as_of)
    state, rag = _standing(benefit, tracked=tracked, as_of=as_of, grace_days=grace_days, points=points)
    gross = realised_gross_of(benefit, series)
    # Adjustments are money; they apply to benefits measured in pounds only.
    total = adjustments_total if benefit.unit == GBP else 0
    return BenefitFigures(
        benefit=benefit,
        tracked=tracked,
        next_due=benefit.next_due_on,
        staleness=state,
        latest_value=benefit.last_value,
        realised_gross=gross,
        adjustments_total=total,
        realised_adjusted=rules.realised_adjusted(gross, [Decimal(total)]),
        counts_as_realised=rules.counts_as_realised(
            cash_class=benefit.cash_class, finance_validated=benefit.is_validated
        ),
        rag=rag,
        planned_points=tuple(points),
        behind=rules.behind_plan(
            as_of=as_of,
            latest_value=benefit.last_value,
            latest_period_end=benefit.last_period_end,
            baseline_date=benefit.baseline_date,
            baseline_value=benefit.baseline_value,
            target_date=benefit.target_date,
            target_value=benefit.target_value,
            direction=benefit.direction,
            tolerance_pct=benefit.tolerance_pct,
            shape=benefit.profile_shape,
            points=points,
        )
        if rules.is_out_of_tolerance(rag)
        else None,
    )


def confirmed_clause() -> ColumnElement[bool]:
    """The adjustments that count (``domain.savings.adjustment_counts``): confirmed ones."""
    return BenefitAdjustment.status == AdjustmentStatus.CONFIRMED.value


def adjustment_totals(benefit_ids: Sequence[int]) -> dict[int, int]:
    """Sum of the confirmed adjustments per benefit, in one grouped query (proposed ones count nothing)."""
    if not benefit_ids:
        return {}
    rows = db.session.execute(
        select(BenefitAdjustment.benefit_id, func.sum(BenefitAdjustment.amount_pence))
        .where(BenefitAdjustment.benefit_id.in_(benefit_ids), confirmed_clause())
        .group_by(BenefitAdjustment.benefit_id)
    ).all()
    return {benefit_id: int(total or 0) for benefit_id, total in rows}


def with_years(items: Sequence[BenefitFigures], *, as_of: date) -> list[BenefitFigures]:
    """The benefits' figures with their financial years added (four selects for the lot)."""
    years = years_by_benefit([f.benefit.id for f in items], as_of)
    return [replace(f, years=years.get(f.benefit.id, ())) for f in items]


def with_figures(benefits: Sequence[Benefit], *, as_of: date, grace_days: int) -> list[BenefitFigures]:
    """The figures of these benefits: the adjustment totals, the planned points of the stepped and custom
    ones and the measurements of the per-period ones, a select each, whatever the number of benefits."""
    totals = adjustment_totals([b.id for b in benefits])
    points = planned_points_by_benefit([b.id for b in benefits if b.profile_shape.uses_points])
    series = per_period_series(benefits)
    return [
        figures(
            b,
            adjustments_total=totals.get(b.id, 0),
            as_of=as_of,
            grace_days=grace_days,
            points=points.get(b.id, ()),
            series=series.get(b.id),
        )
        for b in benefits
    ]


# --- Lists and details ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenefitFilters:
    improvement_id: int | None = None
    driver: str | None = None
    team: str | None = None
    owner_id: int | None = None
    rag: str | None = None
    stale: bool = False


def _options() -> tuple[LoaderOption, ...]:
    return (
        joinedload(Benefit.driver),
        joinedload(Benefit.owner),
        joinedload(Benefit.improvement),
        joinedload(Benefit.programme),
    )


def _filtered(filters: BenefitFilters, *, as_of: date, grace_days: int) -> Select[Benefit]:
    stmt = select(Benefit)
    if filters.improvement_id is not None:
        stmt = stmt.where(Benefit.improvement_id == filters.improvement_id)
    if filters.driver:
        stmt = stmt.where(
            Benefit.driver_id.in_(select(BenefitDriver.id).where(BenefitDriver.code == filters.driver))
        )
    if filters.team:
        stmt = stmt.where(
            Benefit.improvement_id.in_(
                select(Improvement.id)
                .join(Team, Team.id == Improvement.team_id)
                .where(Team.code == filters.team)
            )
        )
    if filters.owner_id is not None:
        stmt = stmt.where(Benefit.owner_id == filters.owner_id)
    if filters.stale:
        stmt = stmt.where(stale_clause(as_of, grace_days))
    if filters.rag:
        stmt = stmt.where(Benefit.id.in_(_ids_rated(stmt, filters.rag, as_of=as_of, grace_days=grace_days)))
    return stmt


def _ids_rated(base: Select[Benefit], rag: str, *, as_of: date, grace_days: int) -> list[int]:
    """The benefits among ``base`` whose RAG *today* (``rules.current_rag``, what the tracker shows) is
    ``rag``: a green at an old measurement that is now overdue is "no current data", not green, and a
    value on plan last quarter may be behind today's plan. Read from the profile columns only."""
    return [
        benefit_id
        for benefit_id, today in _ratings_today(base, as_of=as_of, grace_days=grace_days)
        if today == rag
    ]


def out_of_tolerance_ids(*, as_of: date, grace_days: int) -> list[int]:
    """The tracked benefits out of tolerance today (``rules.is_out_of_tolerance`` of the RAG the tracker
    shows): their latest value short of today's plan by more than the tolerance, and not overdue."""
    measured = select(Benefit).where(tracked_clause(as_of), Benefit.last_value.is_not(None))
    return [
        benefit_id
        for benefit_id, today in _ratings_today(measured, as_of=as_of, grace_days=grace_days)
        if rules.is_out_of_tolerance(today)
    ]


def _ratings_today(base: Select[Benefit], *, as_of: date, grace_days: int) -> list[tuple[int, str | None]]:
    """Each benefit among ``base`` with its RAG today (``_standing``), read from the profile columns."""
    rows = db.session.execute(
        base.with_only_columns(
            Benefit.id,
            Improvement.stage,
            Benefit.closing_status,
            Benefit.handed_over_on,
            Benefit.next_due_on,
            Benefit.frequency,
            Benefit.last_value,
            Benefit.baseline_date,
            Benefit.baseline_value,
            Benefit.target_date,
            Benefit.target_value,
            Benefit.direction,
            Benefit.tolerance_pct,
            Benefit.rag,
            Benefit.profile_shape,
            maintain_column_froms=True,
        )
        .outerjoin(Improvement, Improvement.id == Benefit.improvement_id)
        .order_by(None)
    ).all()
    points = planned_points_by_benefit([row.id for row in rows if row.profile_shape.uses_points])
    rated = []
    for row in rows:
        tracked = rules.is_tracked(
            improvement_stage=row.stage,
            closing_status=row.closing_status,
            handed_over=row.handed_over_on is not None,
        )
        _, today = _standing(
            row, tracked=tracked, as_of=as_of, grace_days=grace_days, points=points.get(row.id, ())
        )
        rated.append((row.id, today))
    return rated


def _tracker_counts(base: Select[Benefit]) -> tuple[int, int]:
    """How many benefits the filters match, and how many of those are open, in one statement."""
    counted = base.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total, open_total = db.session.execute(
        select(counted.scalar_subquery(), counted.where(Benefit.closing_status.is_(None)).scalar_subquery())
    ).one()
    return int(total or 0), int(open_total or 0)


def _tracker_page_ids(
    base: Select[Benefit], *, open_total: int, offset: int, limit: int
) -> CompoundSelect[int]:
    """The ids of one page in the tracker's order: open benefits soonest due first, then closed ones.

    Each part is read in its own index's order (open ones from the partial index on due date), which
    sorting every benefit on ``closing_status IS NOT NULL`` could not use.
    """
    open_part = (
        base.with_only_columns(Benefit.id)
        .where(Benefit.closing_status.is_(None))
        .order_by(Benefit.next_due_on, Benefit.id)
        .offset(offset)
        .limit(max(0, min(limit, open_total - offset)))
        .subquery()
    )
    closed_part = (
        base.with_only_columns(Benefit.id)
        .where(Benefit.closing_status.is_not(None))
        .order_by(Benefit.next_due_on, Benefit.id)
        .offset(max(0, offset - open_total))
        .limit(max(0, limit - max(0, open_total - offset)))
        .subquery()
    )
    return union_all(select(open_part.c.id), select(closed_part.c.id))


def _tracker_key(benefit: Benefit) -> tuple[bool, date, int]:
    """The tracker's order as a sort key: open benefits first, then by due date."""
    return (benefit.closing_status is not None, benefit.next_due_on, benefit.id)


def list_benefits(
    filters: BenefitFilters,
    *,
    as_of: date,
    grace_days: int,
    page: int | None = None,
    per_page: int | None = None,
) -> Page[BenefitFigures]:
    """The tracker: benefits with driver, owner, improvement and programme loaded, open ones first, soonest
    due first.

    The same queries whatever the page size: the counts, the page, its driver, owner, improvement and
    programme, and the adjustment totals. The related rows are read for the page only (``selectinload``):
    joining them to every benefit before sorting grows with the tracker (docs/performance.md).
    """
    page, per_page = clamp_page(page, per_page)
    base = _filtered(filters, as_of=as_of, grace_days=grace_days)
    total, open_total = _tracker_counts(base)
    page_ids = _tracker_page_ids(base, open_total=open_total, offset=(page - 1) * per_page, limit=per_page)
    items = db.session.scalars(
        select(Benefit)
        .options(
            selectinload(Benefit.driver),
            selectinload(Benefit.owner),
            selectinload(Benefit.improvement),
            selectinload(Benefit.programme),
        )
        .where(Benefit.id.in_(page_ids))
    ).all()
    return Page(
        items=with_figures(sorted(items, key=_tracker_key), as_of=as_of, grace_days=grace_days),
        page=page,
        per_page=per_page,
        total=total,
    )


def get_benefit(benefit_id: int) -> Benefit:
    """One benefit with its driver, owner, validator, improvement and programme; NotFound when missing."""
    benefit = db.session.scalar(
        select(Benefit)
        .options(
            *_options(),
            joinedload(Benefit.validated_by),
            joinedload(Benefit.baseline_attachment),
            joinedload(Benefit.accepted_by),
            joinedload(Benefit.improvement).joinedload(Improvement.sponsor),
        )
        .where(Benefit.id == benefit_id)
    )
    if benefit is None:
        raise NotFound("There is no benefit with that number.")
    return benefit


def benefit_figures(benefit: Benefit, *, as_of: date, grace_days: int) -> BenefitFigures:
    return with_figures([benefit], as_of=as_of, grace_days=grace_days)[0]


def list_measurements(benefit_id: int) -> list[BenefitMeasurement]:
    """A benefit's measurements, oldest first, with who recorded each."""
    return list(
        db.session.scalars(
            select(BenefitMeasurement)
            .options(joinedload(BenefitMeasurement.recorded_by), joinedload(BenefitMeasurement.attachment))
            .where(BenefitMeasurement.benefit_id == benefit_id)
            .order_by(BenefitMeasurement.period_end)
        )
    )


def list_adjustments(benefit_id: int) -> list[BenefitAdjustment]:
    """A benefit's like-for-like adjustments in the order they were recorded, with who recorded each."""
    return list(
        db.session.scalars(
            select(BenefitAdjustment)
            .options(joinedload(BenefitAdjustment.recorded_by))
            .where(BenefitAdjustment.benefit_id == benefit_id)
            .order_by(BenefitAdjustment.id)
        )
    )


def adjustments_by_category(adjustments: Sequence[BenefitAdjustment]) -> list[tuple[str, int]]:
    """Every category with its total of confirmed adjustments, so the breakdown shows each one the report
    asks to be watched (proposed ones count nothing)."""
    totals = {category.value: 0 for category in rules.AdjustmentCategory}
    for adjustment in adjustments:
        if adjustment.counts:
            totals[adjustment.category] += adjustment.amount_pence
    return list(totals.items())


def benefits_due_for(user_id: int, *, as_of: date, within_days: int = 30) -> list[Benefit]:
    """Tracked benefits a person owns (or whose improvement they own) due by ``as_of`` + ``within_days``."""
    owned_improvements = select(Improvement.id).where(Improvement.owner_id == user_id)
    return list(
        db.session.scalars(
            select(Benefit)
            .options(*_options())
            .where(
                tracked_clause(as_of),
                or_(Benefit.owner_id == user_id, Benefit.improvement_id.in_(owned_improvements)),
                Benefit.next_due_on <= as_of + timedelta(days=within_days),
            )
            .order_by(Benefit.next_due_on, Benefit.id)
        ).unique()
    )


def net_benefit_by_subject(
    *, improvement_ids: Sequence[int] = (), programme_ids: Sequence[int] = ()
) -> dict[tuple[str, int], Decimal]:
    """The like-for-like realised value of each improvement's and programme's own cashable benefits
    measured in pounds: finance-validated ones only, plus their confirmed adjustments
    (``domain.savings``; unmeasured and unvalidated benefits count nothing), keyed
    ``("improvement", id)`` or ``("programme", id)``: two queries however many subjects."""
    conditions = []
    if improvement_ids:
        conditions.append(Benefit.improvement_id.in_(improvement_ids))
    if programme_ids:
        conditions.append(Benefit.programme_id.in_(programme_ids))
    if not conditions:
        return {}
    benefits = list(
        db.session.scalars(
            select(Benefit).where(
                or_(*conditions),
                Benefit.unit == GBP,
                Benefit.cash_class == rules.CashClass.CASHABLE.value,
                Benefit.last_value.is_not(None),
                Benefit.validated_at.is_not(None),
            )
        )
    )
    totals = adjustment_totals([b.id for b in benefits])
    series = per_period_series(benefits)
    net: dict[tuple[str, int], Decimal] = {}
    for benefit in benefits:
        gross = realised_gross_of(benefit, series.get(benefit.id))
        key = (
            ("improvement", benefit.improvement_id)
            if benefit.improvement_id is not None
            else ("programme", benefit.programme_id or 0)
        )
        net[key] = net.get(key, Decimal(0)) + savings.like_for_like(
            gross or 0, [savings.AdjustmentLine(totals.get(benefit.id, 0), AdjustmentStatus.CONFIRMED)]
        )
    return net


def net_benefit_pence(*, improvement_ids: Sequence[int] = (), programme_ids: Sequence[int] = ()) -> int:
    """The net realised value of these improvements' and programmes' benefits taken together."""
    values = net_benefit_by_subject(improvement_ids=improvement_ids, programme_ids=programme_ids).values()
    return int(sum(values, Decimal(0)))


@dataclass(frozen=True)
class TrajectoryRow:
    """One row of the table beside the chart: the plan on a date and, when measured, the actual."""

    on: date
    planned: Decimal
    actual: Decimal | None
    variance: Decimal | None
    rag: str | None


def trajectory_table(
    benefit: Benefit, measurements: Sequence[BenefitMeasurement], points: Sequence[rules.Point] = ()
) -> list[TrajectoryRow]:
    """The plan against the actuals: the planned trajectory's points (each period end, and a stepped or
    custom plan's ``points``) and every measurement, in date order, with variance and RAG."""
    profile: dict[str, Any] = {
        "baseline_date": benefit.baseline_date,
        "baseline_value": benefit.baseline_value,
        "target_date": benefit.target_date,
        "target_value": benefit.target_value,
        "shape": benefit.profile_shape,
        "points": list(points),
    }
    planned_dates = {on for on, _ in rules.trajectory(frequency=benefit.frequency, **profile)}
    measured = {m.period_end: m.value for m in measurements}

    def shown(planned: Decimal) -> Decimal:
        # A plan in pounds is shown in whole pounds, as its financial years are (domain.savings).
        if benefit.unit != "GBP":
            return planned
        return (planned / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP) * 100

    rows = []
    for on in sorted(planned_dates | set(measured)):
        actual = measured.get(on)
        if actual is None:
            rows.append(TrajectoryRow(on, shown(rules.planned_value(on, **profile)), None, None, None))
            continue
        result = rules.assess_variance(
            on=on, actual=actual, direction=benefit.direction, tolerance_pct=benefit.tolerance_pct, **profile
        )
        rows.append(TrajectoryRow(on, shown(result.planned), actual, result.variance, result.rag.value))
    return rows


def benefit_owners() -> list[tuple[int, str]]:
    """People who own at least one benefit, by name: the tracker's owner filter."""
    return [
        (user_id, name)
        for user_id, name in db.session.execute(
            select(User.id, User.name).where(User.id.in_(select(Benefit.owner_id))).order_by(User.name)
        )
    ]


def tracker_statement(filters: BenefitFilters, *, as_of: date, grace_days: int) -> Select[Benefit]:
    """The tracker's filtered select in the tracker's order, with its eager loading (all many-to-one, so
    it can be streamed with ``yield_per``): what the tracker export reads."""
    return (
        _filtered(filters, as_of=as_of, grace_days=grace_days)
        .options(*_options())
        .order_by(Benefit.closing_status.is_not(None), Benefit.next_due_on, Benefit.id)
    )


@dataclass(frozen=True)
class PlanChange:
    """One version of a benefit's baseline and target, from the audit log: when, by whom, and why; for a
    change made under change control, who proposed it (``by``) and the design authority member who
    approved it, with their note."""

    on: Any
    by: str | None
    baseline_value: Decimal
    baseline_date: date
    target_value: Decimal
    target_date: date
    reason: str | None
    approved_by: str | None = None
    approval_note: str | None = None


def plan_history(benefit_id: int) -> list[PlanChange]:
    """The benefit's baselines and targets as first profiled and after each change to them, oldest first,
    read from the audit log (append-only, so the history cannot be rewritten); a change applied by an
    approved change request names its proposer and its approver."""
    events = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.subject_type == "benefit",
            AuditEvent.subject_id == benefit_id,
            AuditEvent.action.in_(("benefit.created", "benefit.updated")),
        )
        .order_by(AuditEvent.id)
    ).all()
    requests = {request.id: request for request in change_requests(benefit_id)}
    history: list[PlanChange] = []
    for event, name in events:
        first = _plan(event.before)
        if not history and event.action != "benefit.created" and first is not None:
            # Profiled without a record of its own (loaded data): its first plan is the one changed here.
            history.append(PlanChange(None, None, *first, None))
        plan = _plan(event.after)
        if plan is None:
            continue
        if history and plan == (
            history[-1].baseline_value,
            history[-1].baseline_date,
            history[-1].target_value,
            history[-1].target_date,
        ):
            continue
        request = requests.get((event.after or {}).get("change_request_id"))  # type: ignore[arg-type]
        if request is not None:
            history.append(
                PlanChange(
                    event.occurred_at,
                    request.proposed_by.name if request.proposed_by else None,
                    *plan,
                    event.reason,
                    approved_by=request.decided_by.name if request.decided_by else name,
                    approval_note=request.decision_note or None,
                )
            )
        else:
            history.append(PlanChange(event.occurred_at, name, *plan, event.reason))
    return history


def change_requests(benefit_id: int) -> list[BenefitChangeRequest]:
    """A benefit's change requests, newest first, with who proposed and who decided each."""
    return list(
        db.session.scalars(
            select(BenefitChangeRequest)
            .options(
                joinedload(BenefitChangeRequest.proposed_by), joinedload(BenefitChangeRequest.decided_by)
            )
            .where(BenefitChangeRequest.benefit_id == benefit_id)
            .order_by(BenefitChangeRequest.id.desc())
        )
    )


def pending_change_requests(*, limit: int) -> tuple[int, list[BenefitChangeRequest]]:
    """How many changes to a baseline or target wait for the design authority, and the oldest of them,
    with their benefit, its improvement and the proposer (the design authority's Home worklist)."""
    pending = BenefitChangeRequest.status == rules.ChangeRequestStatus.PENDING
    total = db.session.scalar(select(func.count()).select_from(BenefitChangeRequest).where(pending)) or 0
    rows = list(
        db.session.scalars(
            select(BenefitChangeRequest)
            .options(
                joinedload(BenefitChangeRequest.proposed_by),
                joinedload(BenefitChangeRequest.benefit).joinedload(Benefit.improvement),
            )
            .where(pending)
            .order_by(BenefitChangeRequest.proposed_at, BenefitChangeRequest.id)
            .limit(limit)
        )
    )
    return total, rows


def awaiting_acceptance(user_id: int, *, limit: int) -> tuple[int, list[Benefit]]:
    """The open benefits this person owns and has not accepted as they stand, oldest first, with their
    improvement (their Home actions)."""
    waiting = and_(
        Benefit.owner_id == user_id,
        Benefit.closing_status.is_(None),
        or_(Benefit.accepted_at.is_(None), Benefit.accepted_by_id != user_id),
    )
    total = db.session.scalar(select(func.count()).select_from(Benefit).where(waiting)) or 0
    rows = list(
        db.session.scalars(
            select(Benefit)
            .options(joinedload(Benefit.improvement))
            .where(waiting)
            .order_by(Benefit.created_at, Benefit.id)
            .limit(limit)
        )
    )
    return total, rows


def _plan(values: dict[str, Any] | None) -> tuple[Decimal, date, Decimal, date] | None:
    if not values or not set(values) >= rules.PLAN_FIELDS:
        return None
    return (
        Decimal(str(values["baseline_value"])),
        date.fromisoformat(str(values["baseline_date"])),
        Decimal(str(values["target_value"])),
        date.fromisoformat(str(values["target_date"])),
    )
