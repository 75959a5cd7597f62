"""Reading temporary resources: the register with each resource's status on any date, overrun exposure,
and the exposure set against the linked improvement's and programme's net benefit ("benefit at risk")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from changeauth import db
from changeauth.domain import temporary_resources as rules
from changeauth.domain.errors import NotFound
from changeauth.domain.subjects import SUBJECT_IMPROVEMENT, SUBJECT_PROGRAMME
from changeauth.models import Improvement, TemporaryResource
from changeauth.models.derived_state import REPORTS
from changeauth.queries import savings as savings_queries
from changeauth.queries.benefits import net_benefit_by_subject
from changeauth.queries.derived import reads
from changeauth.queries.pagination import Page, clamp_page


def status_expression(on: date) -> ColumnElement[str]:
    """The resource's status on ``on`` in SQL, the same rules as ``domain.temporary_resources.status_on``."""
    effective_end = func.coalesce(TemporaryResource.extension_until, TemporaryResource.end_date)
    return case(
        (
            (TemporaryResource.actual_end_date.is_not(None)) & (TemporaryResource.actual_end_date < on),
            rules.ResourceStatus.ENDED.value,
        ),
        (TemporaryResource.start_date > on, rules.ResourceStatus.PLANNED.value),
        (effective_end < on, rules.ResourceStatus.OVERRUN.value),
        (
            effective_end <= on + timedelta(days=rules.ENDING_SOON_DAYS),
            rules.ResourceStatus.ENDING_SOON.value,
        ),
        else_=rules.ResourceStatus.ACTIVE.value,
    )


@dataclass(frozen=True)
class ResourceRow:
    resource: TemporaryResource
    status: rules.ResourceStatus
    days_overrun: int
    exposure_pence: int
    on: date  # the day the status and exposure are as of


def describe(resource: TemporaryResource, on: date) -> ResourceRow:
    dates: dict[str, Any] = {
        "end_date": resource.end_date,
        "extension_until": resource.extension_until,
        "actual_end_date": resource.actual_end_date,
    }
    return ResourceRow(
        resource=resource,
        status=rules.status_on(on, start_date=resource.start_date, **dates),
        days_overrun=rules.days_overrun(on, **dates),
        exposure_pence=rules.overrun_exposure_pence(
            on, annual_cost_pence=resource.annual_cost_pence, **dates
        ),
        on=on,
    )


@dataclass(frozen=True)
class ResourceFilters:
    status: str | None = None
    improvement_id: int | None = None
    programme_id: int | None = None
    owner_id: int | None = None


def _options() -> tuple[LoaderOption, ...]:
    return (
        joinedload(TemporaryResource.team),
        joinedload(TemporaryResource.owner),
        joinedload(TemporaryResource.improvement),
        joinedload(TemporaryResource.programme),
    )


def _filtered(filters: ResourceFilters, on: date) -> Select[TemporaryResource]:
    stmt = select(TemporaryResource)
    if filters.status:
        stmt = stmt.where(status_expression(on) == filters.status)
    if filters.improvement_id is not None:
        stmt = stmt.where(TemporaryResource.improvement_id == filters.improvement_id)
    if filters.programme_id is not None:
        stmt = stmt.where(TemporaryResource.programme_id == filters.programme_id)
    if filters.owner_id is not None:
        stmt = stmt.where(TemporaryResource.owner_id == filters.owner_id)
    return stmt


def list_resources(
    filters: ResourceFilters, *, on: date, page: int | None = None, per_page: int | None = None
) -> Page[ResourceRow]:
    """The register on a date, with team, owner, improvement and programme loaded for the page only.

    Joining the related rows to every resource before sorting (the improvement's long texts included)
    grows with the register; sorting the resources alone and then reading the page's related rows (one
    query each) does not (docs/performance.md).
    """
    page, per_page = clamp_page(page, per_page)
    base = _filtered(filters, on)
    total = (
        db.session.scalar(base.with_only_columns(func.count(), maintain_column_froms=True).order_by(None))
        or 0
    )
    items = db.session.scalars(
        base.options(
            selectinload(TemporaryResource.team),
            selectinload(TemporaryResource.owner),
            selectinload(TemporaryResource.improvement),
            selectinload(TemporaryResource.programme),
        )
        .order_by(
            func.coalesce(TemporaryResource.extension_until, TemporaryResource.end_date).desc(),
            TemporaryResource.id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=[describe(r, on) for r in items], page=page, per_page=per_page, total=total)


def get_resource(resource_id: int) -> TemporaryResource:
    """One resource with its links and the person who extended it; NotFound when missing."""
    resource = db.session.scalar(
        select(TemporaryResource)
        .options(*_options(), joinedload(TemporaryResource.extended_by))
        .where(TemporaryResource.id == resource_id)
    )
    if resource is None:
        raise NotFound("There is no temporary resource with that number.")
    return resource


def overrunning_statement(on: date) -> Select[TemporaryResource]:
    """Resources with at least one day past their effective end by ``on``."""
    effective_end = func.coalesce(TemporaryResource.extension_until, TemporaryResource.end_date)
    return select(TemporaryResource).where(
        effective_end < on,
        or_(TemporaryResource.actual_end_date.is_(None), TemporaryResource.actual_end_date > effective_end),
    )


def total_exposure_pence(on: date) -> int:
    """Overrun exposure of every resource on ``on`` (only overrunning rows are read)."""
    return sum(describe(r, on).exposure_pence for r in db.session.scalars(overrunning_statement(on)))


@dataclass(frozen=True)
class AtRisk:
    """Overrun exposure against one improvement's or programme's net benefit."""

    subject_type: str
    subject_id: int
    label: str
    benefit: rules.BenefitAtRisk

    @property
    def is_improvement(self) -> bool:
        """An improvement's exposure; otherwise a programme's."""
        return self.subject_type == SUBJECT_IMPROVEMENT


def benefit_at_risk(on: date) -> list[AtRisk]:
    """Each improvement and programme whose linked resources have overrun, with its benefit at risk,
    worked out now.

    A programme counts its own resources and those of its improvements. It reads every overrunning
    resource and the benefits it eats into, so the register shows it from a view worked out once per
    change of the reports' marker for every process (``web.shared_views.benefit_at_risk``).
    """
    return list(_benefit_at_risk(on))


# With the programmes' savings it reads through ``savings.programmes`` (the same view).
@reads(
    REPORTS, "temporary_resource", "improvement", "programme", "benefit", "benefit_adjustment", "disbenefit"
)
def _benefit_at_risk(on: date) -> tuple[AtRisk, ...]:
    rows = list(
        db.session.scalars(
            overrunning_statement(on).options(
                joinedload(TemporaryResource.improvement), joinedload(TemporaryResource.programme)
            )
        ).unique()
    )
    by_improvement: dict[int, int] = {}
    by_programme: dict[int, int] = {}
    for resource in rows:
        exposure = describe(resource, on).exposure_pence
        if resource.improvement_id is not None:
            by_improvement[resource.improvement_id] = (
                by_improvement.get(resource.improvement_id, 0) + exposure
            )
        programme_id = resource.programme_id or (
            resource.improvement.programme_id if resource.improvement is not None else None
        )
        if programme_id is not None:
            by_programme[programme_id] = by_programme.get(programme_id, 0) + exposure
    return tuple(_improvement_risks(by_improvement) + _programme_risks(by_programme, on))


def at_risk_json(items: Sequence[AtRisk]) -> str:
    """The benefit at risk as JSON text (read back by ``at_risk_from_json``): the copy every process
    reads (``web.shared_views.benefit_at_risk``), never pickled."""
    return json.dumps(
        [
            {
                "subject_type": item.subject_type,
                "subject_id": item.subject_id,
                "label": item.label,
                "exposure_pence": item.benefit.exposure_pence,
                "net_benefit_pence": item.benefit.net_benefit_pence,
                "net_after_exposure_pence": item.benefit.net_after_exposure_pence,
                "percent_of_net": None
                if item.benefit.percent_of_net is None
                else str(item.benefit.percent_of_net),
            }
            for item in items
        ]
    )


def at_risk_from_json(text: str) -> list[AtRisk]:
    """``at_risk_json``'s items read back."""
    return [
        AtRisk(
            str(item["subject_type"]),
            int(item["subject_id"]),
            str(item["label"]),
            rules.BenefitAtRisk(
                exposure_pence=int(item["exposure_pence"]),
                net_benefit_pence=int(item["net_benefit_pence"]),
                net_after_exposure_pence=int(item["net_after_exposure_pence"]),
                percent_of_net=None if item["percent_of_net"] is None else Decimal(item["percent_of_net"]),
            ),
        )
        for item in json.loads(text)
    ]


def _improvement_risks(exposures: dict[int, int]) -> list[AtRisk]:
    improvements = db.session.scalars(select(Improvement).where(Improvement.id.in_(list(exposures)))).all()
    net = net_benefit_by_subject(improvement_ids=list(exposures))
    return [
        AtRisk(
            SUBJECT_IMPROVEMENT,
            i.id,
            f"{i.ref}: {i.title}",
            rules.benefit_at_risk(
                exposure_pence=exposures[i.id], net_benefit_pence=int(net.get(("improvement", i.id), 0))
            ),
        )
        for i in sorted(improvements, key=lambda i: i.id)
    ]


def _programme_risks(
    exposures: dict[int, int],
    on: date,
    programmes: Sequence[savings_queries.ProgrammeSavings] | None = None,
) -> list[AtRisk]:
    """A programme's saving is its like-for-like saving a year from ``queries.savings``, the figure the
    dashboard, the scrutiny report and the close-down page show: taken from ``programmes`` when given
    (the web's shared figures), else worked out for these programmes alone (and for any not there)."""
    figures = {p.programme_id: p for p in programmes or () if p.programme_id in exposures}
    missing = sorted(set(exposures) - set(figures))
    figures.update({p.programme_id: p for p in savings_queries.programmes(on, missing)})
    return [
        AtRisk(
            SUBJECT_PROGRAMME,
            programme_id,
            figures[programme_id].name,
            rules.benefit_at_risk(
                exposure_pence=exposures[programme_id],
                net_benefit_pence=figures[programme_id].figures.like_for_like_pence,
            ),
        )
        for programme_id in sorted(exposures)
        if programme_id in figures
    ]


def risk_for_resource(
    resource: TemporaryResource,
    on: date,
    programmes: Sequence[savings_queries.ProgrammeSavings] | None = None,
) -> list[AtRisk]:
    """This resource's exposure against its improvement's and its programme's net benefit (the
    programme's figures from ``programmes`` when given, else worked out for it alone)."""
    exposure = describe(resource, on).exposure_pence
    risks: list[AtRisk] = []
    if resource.improvement is not None:
        risks += _improvement_risks({resource.improvement.id: exposure})
    programme_id = resource.programme_id or (
        resource.improvement.programme_id if resource.improvement else None
    )
    if programme_id is not None:
        risks += _programme_risks({programme_id: exposure}, on, programmes)
    return risks


def resources_for_owner(user_id: int, *, on: date) -> Sequence[ResourceRow]:
    """A person's resources still in place (no actual end), soonest ending first."""
    rows = db.session.scalars(
        select(TemporaryResource)
        .options(*_options())
        .where(TemporaryResource.owner_id == user_id, TemporaryResource.actual_end_date.is_(None))
        .order_by(
            func.coalesce(TemporaryResource.extension_until, TemporaryResource.end_date), TemporaryResource.id
        )
    ).unique()
    return [describe(r, on) for r in rows]


def improvement_id_for_ref(ref: str) -> int | None:
    """The id of the improvement with this reference (any case), if there is one."""
    return db.session.scalar(select(Improvement.id).where(func.upper(Improvement.ref) == ref.strip().upper()))


def register_statement(filters: ResourceFilters, on: date) -> Select[TemporaryResource]:
    """The register's filtered select in the register's order, with its eager loading (all many-to-one,
    so it can be streamed with ``yield_per``): what the register export reads."""
    return (
        _filtered(filters, on)
        .options(*_options())
        .order_by(
            func.coalesce(TemporaryResource.extension_until, TemporaryResource.end_date).desc(),
            TemporaryResource.id,
        )
    )
