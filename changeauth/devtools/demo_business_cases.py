"""Loading the worked example's business cases through the business cases service: the programme's own
case (its figures from programme.yaml), and a few demo improvement cases written and submitted on the
dates the seed gives, as steps of the replayed history (``demo_decisions``).

Idempotent: a version is matched by (improvement or programme, version number) and never duplicated
or changed once loaded. The programme's case goes through the same service on the day members approved
it (April 2017).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.devtools.demo_data import HistoryStep, demo_day
from changeauth.domain.appraisal import DEFAULT_DISCOUNT_RATE, OptionFigures, YearFigures
from changeauth.domain.business_cases import CaseContent, FundingLine, validate_content
from changeauth.models import (
    BusinessCase,
    Improvement,
    Programme,
    User,
)
from changeauth.services import business_cases
from changeauth.services.business_cases import CASE_TEXTS
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
        # The five cases beyond the strategic and economic (a version written before them has none).
        benefits_bias_pct=Decimal(str(row.get("benefits_bias_pct", 0))),
        duration_bias_pct=Decimal(str(row.get("duration_bias_pct", 0))),
        optimism_bias_justification=row.get("optimism_bias_justification", ""),
        price_base_year=row.get("price_base_year"),
        funding=tuple(
            FundingLine(
                financial_year=int(line["financial_year"]),
                capital_pence=int(line.get("capital_pence", 0)),
                revenue_pence=int(line.get("revenue_pence", 0)),
                source=line["source"],
            )
            for line in row.get("funding", ())
        ),
        **{name: row.get(name, "") for name in CASE_TEXTS if name != "optimism_bias_justification"},
    )
    errors = validate_content(content)
    if errors:
        raise ValueError(f"the demo business case is not valid: {errors}")
    return content


# The programme's case on the day members approved it: written and submitted by the design authority in
# the morning, the members' approval recorded at 11:00 (MODELLED: the report gives only the month).
PROGRAMME_CASE_TIMES = {"written": time(9, 0), "submitted": time(9, 30), "approved": time(11, 0)}


def load_programme_case(
    row: Mapping[str, Any],
    programme_row: Mapping[str, Any],
    programme: Programme,
    users: Mapping[str, User],
    counts: UpsertCounts,
) -> None:
    """The programme's approved case, through the business cases service: written and submitted by
    ``written_by`` and its members' approval recorded by ``approved_by`` on ``approved_on``. Its yearly
    figures come from programme.yaml. A version already there is left as it is."""
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
    day: date = row["approved_on"]
    author, approver = users[row["written_by"]], users[row["approved_by"]]

    def at(step: str) -> datetime:
        return datetime.combine(day, PROGRAMME_CASE_TIMES[step], tzinfo=UTC)

    with db.clock_at(at("written")):
        case = business_cases.create_programme_business_case(
            author, programme.id, content, costs_split=bool(row.get("costs_split", True))
        )
    if case.version != version:
        raise ValueError(
            f"business_cases.yaml lists the programme's version {version}, the service made {case.version}"
        )
    with db.clock_at(at("submitted")):
        business_cases.submit_business_case(case, actor=author)
    with db.clock_at(at("approved")):
        business_cases.approve_business_case(case, actor=approver)
    counts.add("business_case", "created")


def case_steps(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    loaded_on: date,
) -> list[HistoryStep]:
    """The demo cases for improvements as steps of the replayed history, version by version, each
    through the business cases service at its own instant: written by its author on ``created_on`` and
    submitted on ``submitted_on`` (a later submission supersedes the version still waiting); the G1
    decision approves it (``demo_decisions``). Dates may count back from ``loaded_on``
    (``demo_data.demo_day``). A version already loaded is left as it is."""
    have = set(
        db.session.execute(
            select(Improvement.ref, BusinessCase.version).join(
                BusinessCase, BusinessCase.improvement_id == Improvement.id
            )
        ).all()
    )
    steps: list[HistoryStep] = []
    for row in rows:
        ref = row["improvement_ref"]
        for version_row in row["versions"]:
            version = int(version_row["version"])
            if (ref, version) in have:
                counts.add("business_case", "unchanged")
                continue
            written = _instant(demo_day(version_row["created_on"], loaded_on))
            assert written is not None
            steps.append((written, 5, partial(_write, ref, version_row, users, counts)))
            submitted = _instant(demo_day(version_row.get("submitted_on"), loaded_on))
            if submitted is not None:
                steps.append((submitted, 5, partial(_submit, ref, version, users[version_row["written_by"]])))
    return steps


def _case(ref: str, version: int) -> tuple[Improvement, BusinessCase]:
    improvement = db.session.scalar(select(Improvement).where(Improvement.ref == ref))
    if improvement is None:
        raise ValueError(f"demo business case for unknown improvement {ref}")
    case = db.session.scalar(
        select(BusinessCase).where(
            BusinessCase.improvement_id == improvement.id, BusinessCase.version == version
        )
    )
    if case is None:
        raise ValueError(f"{ref}'s business case version {version} was not written before it was submitted")
    return improvement, case


def _write(ref: str, row: Mapping[str, Any], users: Mapping[str, User], counts: UpsertCounts) -> None:
    """Write the version as its author did, through the business cases service (a draft)."""
    improvement = db.session.scalar(select(Improvement).where(Improvement.ref == ref))
    if improvement is None:
        raise ValueError(f"demo business case for unknown improvement {ref}")
    options = tuple(
        OptionFigures(option["name"], bool(option["is_business_as_usual"]), _years(option["years"]))
        for option in row["options"]
    )
    case = business_cases.create_business_case(
        users[row["written_by"]], improvement.id, _content(row, options, row["preferred_option"])
    )
    if case.version != int(row["version"]):
        raise ValueError(
            f"{ref}: business_cases.yaml lists version {row['version']}, the service made {case.version}"
        )
    counts.add("business_case", "created")


def _submit(ref: str, version: int, author: User) -> None:
    """Submit the version for the G1 decision, as its author did, through the business cases service."""
    _improvement, case = _case(ref, version)
    business_cases.submit_business_case(case, actor=author)


def load_demo_business_cases(
    data: Mapping[str, Any],
    programme_row: Mapping[str, Any],
    programme: Programme | None,
    users: Mapping[str, User],
    counts: UpsertCounts,
) -> None:
    """The programme's own case from seeds/demo/business_cases.yaml (the improvements' cases are steps of
    the history, ``case_steps``). Flushes, does not commit."""
    if programme is not None and data.get("programme"):
        load_programme_case(data["programme"], programme_row, programme, users, counts)
