"""Business cases: each version an owner drafted and submitted for G1, approved by a go, returned by a
recycle (the next version answers it), or still in draft or waiting at the gate today.

The options are appraised like any case: a business-as-usual baseline, the preferred option with its
capital cost up front and savings from year one, and sometimes a do-minimum option between the two.
Audit events carry ``services.business_cases.audit_snapshot`` of the content, as the service writes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.improvements import Improvements
from changeauth.devtools.scale_data.lifecycle import Move, Plan
from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import CaseContent, CaseKind, CaseStatus
from changeauth.domain.lifecycle import Decision, Gate, Route
from changeauth.models import (
    BusinessCase,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    business_case_driver,
    business_case_priority,
)
from changeauth.services.business_cases import audit_snapshot

YEARS = 5  # appraisal years 0 to 4
PREFERRED_NAMES = ("Digital self-service", "Integrated system", "Redesigned process", "Shared service")


@dataclass
class Version:
    """When one version was written and what became of it."""

    created: datetime
    submitted: datetime | None
    decided_by: Move | None  # the G1 move that approved or returned it


def generate(build: Build, improvements: Improvements) -> None:
    """Write every version of every business case, its options and years, and their events."""
    with build.stage("Business cases") as stage:
        rng = build.rng("business_cases")
        cases: list[dict[str, Any]] = []
        options: list[dict[str, Any]] = []
        years: list[dict[str, Any]] = []
        drivers: list[dict[str, Any]] = []
        priorities: list[dict[str, Any]] = []
        for plan in improvements.plans:
            for number, version in enumerate(_versions(rng, build, plan), start=1):
                content = _content(rng, build, plan, improvements, number)
                case = _case_row(build, plan, number, version, content)
                cases.append(case)
                for position, option in enumerate(content.options):
                    option_id = build.next_id(BusinessCaseOption.__table__)
                    options.append(
                        {
                            "id": option_id,
                            "business_case_id": case["id"],
                            "position": position,
                            "name": option.name,
                            "is_business_as_usual": option.is_business_as_usual,
                        }
                    )
                    years.extend(
                        {
                            "id": build.next_id(BusinessCaseOptionYear.__table__),
                            "option_id": option_id,
                            **vars(year),
                        }
                        for year in option.years
                    )
                drivers.extend(
                    {"business_case_id": case["id"], "driver_id": build.reference.drivers[c]}
                    for c in content.driver_codes
                )
                priorities.extend(
                    {"business_case_id": case["id"], "priority_id": build.reference.priorities[c]}
                    for c in content.priority_codes
                )
                _events(build, plan, case, version, content)
        bar = stage.rows(len(cases) + len(options) + len(years) + len(drivers) + len(priorities))
        build.write(BusinessCase.__table__, cases, bar)
        build.write(BusinessCaseOption.__table__, options, bar)
        build.write(BusinessCaseOptionYear.__table__, years, bar)
        build.write(business_case_driver, drivers, bar)
        build.write(business_case_priority, priorities, bar)


def _within(rng: random.Random, earliest: datetime, latest: datetime, share: float) -> datetime:
    """A moment about ``share`` of the way from ``earliest`` to ``latest`` (never past either)."""
    span = (latest - earliest).total_seconds()
    offset = span * min(0.95, max(0.05, share + rng.uniform(-0.05, 0.05)))
    return earliest + timedelta(seconds=int(offset))


def _versions(rng: random.Random, build: Build, plan: Plan) -> list[Version]:
    """Each version's dates, fitted between triage, the G1 meetings and today."""
    triage = plan.owning_move
    if triage is None or plan.route == Route.QUICK_WIN.value:
        return []
    g1_moves = [move for move in plan.moves if move.gate is Gate.G1]
    versions = []
    since = triage.at
    for move in g1_moves:
        created = _within(rng, since, move.at, 0.2)
        versions.append(Version(created, _within(rng, created, move.at, 0.6), move))
        since = move.at
    if not g1_moves or g1_moves[-1].decision is Decision.RECYCLE:
        # Still at business case: nothing written yet, a draft, or a version waiting at the gate.
        roll = rng.random()
        if g1_moves and roll < 0.3:
            return versions  # the returned version has not been answered yet
        if not g1_moves and roll < 0.2:
            return versions
        created = _within(rng, since, build.end, 0.3)
        submitted = _within(rng, created, build.end, 0.5) if roll > 0.55 else None
        versions.append(Version(created, submitted, None))
    return versions


def _status(version: Version) -> str:
    if version.decided_by is None:
        return CaseStatus.SUBMITTED.value if version.submitted else CaseStatus.DRAFT.value
    if version.decided_by.decision in (Decision.GO, Decision.GO_WITH_CONDITIONS):
        return CaseStatus.APPROVED.value
    if version.decided_by.decision is Decision.RECYCLE:
        return CaseStatus.RETURNED.value
    return CaseStatus.SUBMITTED.value  # a stop or hold leaves the case as it was submitted


def _content(
    rng: random.Random, build: Build, plan: Plan, improvements: Improvements, number: int
) -> CaseContent:
    running_cost = rng.randint(20, 400) * 100_000  # £20,000 to £400,000 a year, in pence
    capital = rng.randint(10, 500) * 100_000
    saving = int(running_cost * rng.uniform(0.1, 0.6)) // 100 * 100
    preferred = rng.choice(PREFERRED_NAMES)
    options = [
        OptionFigures(
            "Business as usual",
            True,
            tuple(YearFigures(year, revenue_pence=running_cost) for year in range(YEARS)),
        ),
        OptionFigures(
            preferred,
            False,
            tuple(
                YearFigures(
                    year,
                    capital_pence=capital if year == 0 else 0,
                    revenue_pence=running_cost if year == 0 else running_cost - saving,
                    cashable_benefit_pence=0 if year == 0 else saving,
                    non_cashable_benefit_pence=0 if year == 0 else saving // 4,
                )
                for year in range(YEARS)
            ),
        ),
    ]
    if rng.random() < 0.4:
        options.append(
            OptionFigures(
                "Do minimum",
                False,
                tuple(
                    YearFigures(
                        year,
                        capital_pence=capital // 4 if year == 0 else 0,
                        revenue_pence=running_cost - (0 if year == 0 else saving // 3),
                        cashable_benefit_pence=0 if year == 0 else saving // 3,
                    )
                    for year in range(YEARS)
                ),
            )
        )
    title, subject = improvements.texts[plan.id]
    return CaseContent(
        kind=CaseKind.FULL.value if number > 1 or rng.random() < 0.4 else CaseKind.OUTLINE.value,
        options=tuple(options),
        preferred_option=preferred,
        strategic_fit=f"{title} supports the Council Plan by improving {subject}.",
        preferred_reasons="It gives the best value over five years and the service can run it.",
        discount_rate=Decimal("0.035"),
        optimism_bias_pct=Decimal(rng.choice((0, 10, 20, 40))),
        fte_change=Decimal(rng.randint(-50, 10)) / 10,
        risks="Supplier delivery slips; staff take time to adopt the new way of working.",
        reform_risk="Low: the change is needed whatever shape local government takes.",
        priority_codes=tuple(improvements.priorities[plan.id]),
        driver_codes=tuple(improvements.drivers[plan.id]),
    )


def _case_row(
    build: Build, plan: Plan, number: int, version: Version, content: CaseContent
) -> dict[str, Any]:
    status = _status(version)
    decided = version.decided_by
    approved = status == CaseStatus.APPROVED.value
    returned = status == CaseStatus.RETURNED.value
    updated = (
        decided.at
        if decided is not None and (approved or returned)
        else (version.submitted or version.created)
    )
    return {
        "id": build.next_id(BusinessCase.__table__),
        "improvement_id": plan.id,
        "programme_id": None,
        "version": number,
        "based_on_version": number - 1 if number > 1 else None,
        "kind": content.kind,
        "status": status,
        "strategic_fit": content.strategic_fit,
        "preferred_option": content.preferred_option,
        "preferred_reasons": content.preferred_reasons,
        "discount_rate": content.discount_rate,
        "optimism_bias_pct": content.optimism_bias_pct,
        "fte_change": content.fte_change,
        "risks": content.risks,
        "reform_risk": content.reform_risk,
        # The financial case's lines by financial year: generated cases are appraised, not funded.
        "funding": [],
        "created_by_id": plan.owner_id,
        "created_at": version.created,
        "updated_at": updated,
        "submitted_by_id": plan.owner_id if version.submitted else None,
        "submitted_at": version.submitted,
        "decided_by_id": decided.recorder_id if decided is not None and (approved or returned) else None,
        "approved_at": decided.at if approved and decided is not None else None,
        "returned_at": decided.at if returned and decided is not None else None,
        "return_reason": decided.rationale if returned and decided is not None else "",
        # One more for each status change after the draft was written (the optimistic lock counter).
        "lock_version": 1 + (version.submitted is not None) + (approved or returned),
    }


def _events(build: Build, plan: Plan, case: dict[str, Any], version: Version, content: CaseContent) -> None:
    number, case_id = case["version"], case["id"]
    snapshot = {"version": number, "status": CaseStatus.DRAFT.value, **audit_snapshot(content)}
    build.events.add(
        version.created,
        "business_case.created",
        "business_case",
        case_id,
        actor_id=plan.owner_id,
        version=number,
        after=snapshot,
    )
    if version.submitted is not None:
        build.events.add(
            version.submitted,
            "business_case.submitted",
            "business_case",
            case_id,
            actor_id=plan.owner_id,
            version=number,
            before={"status": CaseStatus.DRAFT.value},
            after={"status": CaseStatus.SUBMITTED.value, "superseded_ids": []},
        )
    decided = version.decided_by
    status = case["status"]
    if decided is not None and status in (CaseStatus.APPROVED.value, CaseStatus.RETURNED.value):
        build.events.add(
            decided.at,
            f"business_case.{status}",
            "business_case",
            case_id,
            actor_id=decided.recorder_id,
            version=number,
            before={"status": CaseStatus.SUBMITTED.value},
            after={"status": status},
            reason=decided.rationale if status == CaseStatus.RETURNED.value else None,
        )
