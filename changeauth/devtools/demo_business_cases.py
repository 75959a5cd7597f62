"""Loading the worked example's business cases: the programme's own case (its figures from
programme.yaml) and a few demo improvement cases in the statuses and on the dates the seed gives.

Idempotent: a version is matched by (improvement or programme, version number) and never duplicated
or changed once loaded. Rows are written directly rather than through the lifecycle services,
because the seed records history (past dates, past decisions); every row is still validated as
the services would validate it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import demo_day
from changeauth.domain.appraisal import DEFAULT_DISCOUNT_RATE, OptionFigures, YearFigures
from changeauth.domain.business_cases import CaseContent, CaseStatus, validate_content
from changeauth.models import (
    BenefitDriver,
    BusinessCase,
    Improvement,
    Programme,
    StrategicPriority,
    User,
)
from changeauth.queries import clock
from changeauth.services.audit import record_event
from changeauth.services.business_cases import apply_content, audit_snapshot
from changeauth.services.reference_data import UpsertCounts

_YEAR_FIELDS = ("capital_pence", "revenue_pence", "cashable_benefit_pence", "non_cashable_benefit_pence")


def _instant(day: date | None) -> datetime | None:
    # The seed gives days; 09:00 UTC keeps every date the same in London.
    return None if day is None else datetime.combine(day, time(9, 0), tzinfo=UTC)


def _years(rows: Iterable[Mapping[str, Any]]) -> tuple[YearFigures, ...]:
    return tuple(
        YearFigures(year=int(row["year"]), **{name: int(row.get(name, 0)) for name in _YEAR_FIELDS})
        for row in rows
    )


def _content(row: Mapping[str, Any], options: tuple[OptionFigures, ...], preferred: str) -> CaseContent:
    fte = row.get("fte_change")
    content = CaseContent(
        kind=row["kind"],
        options=options,
        preferred_option=preferred,
        strategic_fit=row.get("strategic_fit", ""),
        preferred_reasons=row.get("preferred_reasons", ""),
        discount_rate=Decimal(str(row.get("discount_rate", DEFAULT_DISCOUNT_RATE))),
        optimism_bias_pct=Decimal(str(row.get("optimism_bias_pct", 0))),
        fte_change=None if fte is None else Decimal(str(fte)),
        risks=row.get("risks", ""),
        reform_risk=row.get("reform_risk", ""),
        priority_codes=tuple(row.get("priorities", ())),
        driver_codes=tuple(row.get("drivers", ())),
    )
    errors = validate_content(content)
    if errors:
        raise ValueError(f"the demo business case is not valid: {errors}")
    return content


def _store(case: BusinessCase, content: CaseContent, counts: UpsertCounts, *, subject: str) -> BusinessCase:
    priorities = list(
        db.session.scalars(
            select(StrategicPriority).where(StrategicPriority.code.in_(content.priority_codes))
        )
    )
    drivers = list(
        db.session.scalars(select(BenefitDriver).where(BenefitDriver.code.in_(content.driver_codes)))
    )
    apply_content(case, content, priorities, drivers)
    db.session.add(case)
    db.session.flush()
    counts.add("business_case", "created")
    record_event(
        actor_id=None,
        action="business_case.loaded",
        subject_type="business_case",
        subject_id=case.id,
        subject_version=case.version,
        after={"subject": subject, "version": case.version, "status": case.status, **audit_snapshot(content)},
    )
    return case


def load_programme_case(
    row: Mapping[str, Any], programme_row: Mapping[str, Any], programme: Programme, counts: UpsertCounts
) -> None:
    """The programme's approved case; its yearly figures come from programme.yaml."""
    version = int(row.get("version", 1))
    exists = db.session.scalar(
        select(BusinessCase.id).where(
            BusinessCase.programme_id == programme.id, BusinessCase.version == version
        )
    )
    if exists:
        counts.add("business_case", "unchanged")
        return
    programme_years = _years(programme_row["business_case"]["years"])
    bau = OptionFigures("Business as usual", True, tuple(YearFigures(f.year) for f in programme_years))
    chosen = OptionFigures(row["option_name"], False, programme_years)
    fte_reduction = programme_row["business_case"].get("fte_reduction")
    content = _content(
        {**row, "fte_change": None if fte_reduction is None else -Decimal(str(fte_reduction))},
        (bau, chosen),
        chosen.name,
    )
    approved = _instant(row.get("approved_on"))
    case = BusinessCase(
        programme_id=programme.id,
        version=version,
        status=row.get("status", CaseStatus.APPROVED.value),
        created_at=approved,
        updated_at=approved,
        submitted_at=approved,
        approved_at=approved,
        costs_split=bool(row.get("costs_split", True)),
    )
    _store(case, content, counts, subject=f"programme {programme.code}")


def load_improvement_cases(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    loaded_on: date,
) -> None:
    """Demo cases for improvements, version by version, in the statuses the seed gives; a date may count
    back from ``loaded_on`` (``demo_data.demo_day``)."""
    refs = dict(db.session.execute(select(Improvement.ref, Improvement.id)).all())
    for row in rows:
        improvement_id = refs.get(row["improvement_ref"])
        if improvement_id is None:
            raise ValueError(f"demo business case for unknown improvement {row['improvement_ref']}")
        for version_row in row["versions"]:
            version = int(version_row["version"])
            exists = db.session.scalar(
                select(BusinessCase.id).where(
                    BusinessCase.improvement_id == improvement_id, BusinessCase.version == version
                )
            )
            if exists:
                counts.add("business_case", "unchanged")
                continue
            options = tuple(
                OptionFigures(option["name"], bool(option["is_business_as_usual"]), _years(option["years"]))
                for option in version_row["options"]
            )
            content = _content(version_row, options, version_row["preferred_option"])
            created = _instant(demo_day(version_row["created_on"], loaded_on))
            decided_by = users[version_row["decided_by"]] if version_row.get("decided_by") else None
            status = version_row["status"]
            submitted = _instant(demo_day(version_row.get("submitted_on"), loaded_on))
            decided = _instant(demo_day(version_row.get("decided_on"), loaded_on))
            writer = users[version_row["written_by"]]
            case = BusinessCase(
                improvement_id=improvement_id,
                version=version,
                based_on_version=version - 1 if version > 1 else None,
                status=status,
                created_by_id=writer.id,
                created_at=created,
                updated_at=created,
                submitted_by_id=writer.id if submitted else None,
                submitted_at=submitted,
                decided_by_id=decided_by.id if decided_by else None,
                approved_at=decided if status == "approved" else None,
            )
            _store(case, content, counts, subject=row["improvement_ref"])


def load_demo_business_cases(
    data: Mapping[str, Any],
    programme_row: Mapping[str, Any],
    programme: Programme | None,
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    loaded_on: date | None = None,
) -> None:
    """Load both parts of seeds/demo/business_cases.yaml; the live cases' dates count back from
    ``loaded_on`` (the council's today by default). Flushes, does not commit."""
    if programme is not None and data.get("programme"):
        load_programme_case(data["programme"], programme_row, programme, counts)
    load_improvement_cases(data.get("improvements", ()), users, counts, loaded_on=loaded_on or clock.today())
