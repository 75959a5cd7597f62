"""The rows of each export: the backlog, the benefits tracker, the temporary-resource register and the
audit log, each with the filters the person has on screen.

Every function returns a lazy generator of plain dicts keyed by its ``*_COLUMNS``; nothing runs until
the first row is asked for, and the tables that can be large are read with ``yield_per`` in chunks,
so a streamed CSV holds one chunk in memory whatever the size of the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.domain.lifecycle import STAGE_LABELS, Stage
from changeauth.domain.panel import exclusion_reason
from changeauth.models import AuditEvent, User
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import temporary_resources as resource_queries

CHUNK = 1000
GBP = "GBP"
PENNY = Decimal("0.01")

Columns = list[tuple[str, str]]

BACKLOG_COLUMNS: Columns = [
    ("rank", "Rank"),
    ("reference", "Reference"),
    ("title", "Title"),
    ("stage", "Stage"),
    ("team", "Team"),
    ("mandatory", "Mandatory"),
    ("score_status", "Score status"),
    ("weighted_score", "Weighted score"),
    ("scorers", "Scorers"),
    ("drivers", "Benefit drivers"),
    ("planned_quarter", "Planned quarter"),
    ("excluded_because", "Out of the ranking because"),
]

BENEFIT_COLUMNS: Columns = [
    ("id", "Benefit"),
    ("title", "Title"),
    ("improvement", "Improvement"),
    ("programme", "Programme"),
    ("driver", "Benefit driver"),
    ("owner", "Owner"),
    ("cash_class", "Cash class"),
    ("unit", "Unit (GBP values in pounds)"),
    ("direction", "Direction"),
    ("baseline_value", "Baseline"),
    ("baseline_date", "Baseline date"),
    ("target_value", "Target"),
    ("target_date", "Target date"),
    ("latest_value", "Latest value"),
    ("latest_period_end", "Latest period end"),
    ("rag", "RAG"),
    ("next_due", "Next measurement due"),
    ("staleness", "Staleness"),
    ("realised_gross", "Realised (gross)"),
    ("adjustments", "Adjustments"),
    ("realised_adjusted", "Realised (like-for-like adjusted)"),
    ("finance_validated", "Validated by finance"),
    ("closing_status", "Closing status"),
]

RESOURCE_COLUMNS: Columns = [
    ("id", "Resource"),
    ("role_title", "Role"),
    ("kind", "Kind"),
    ("team", "Team"),
    ("improvement", "Improvement"),
    ("programme", "Programme"),
    ("owner", "Owner"),
    ("annual_cost", "Annual cost (£)"),
    ("funding_source", "Funding source"),
    ("start_date", "Start"),
    ("end_date", "End"),
    ("extension_until", "Extended until"),
    ("actual_end_date", "Actual end"),
    ("status", "Status"),
    ("days_overrun", "Days overrun"),
    ("exposure", "Overrun exposure (£)"),
]

AUDIT_COLUMNS: Columns = [
    ("id", "Event"),
    ("occurred_at", "When (UTC)"),
    ("actor", "Who"),
    ("action", "Action"),
    ("subject_type", "Subject type"),
    ("subject_id", "Subject"),
    ("subject_version", "Version"),
    ("reason", "Reason"),
    ("before", "Before"),
    ("after", "After"),
    ("request_id", "Request"),
    ("row_hash", "Hash"),
]


def _pounds(pence: int | Decimal | None) -> Decimal | None:
    return None if pence is None else (Decimal(pence) / 100).quantize(PENNY)


def _in_unit(value: Decimal | None, unit: str) -> Decimal | None:
    return _pounds(value) if unit == GBP else value


def backlog_rows(filters: backlog_queries.BacklogFilters) -> Iterator[dict[str, Any]]:
    """The ranking in rank order, then the must-meet failures with their reason (six queries at most)."""
    ranking = backlog_queries.current_ranking()
    members = backlog_queries.driver_member_ids(filters.driver) if filters.driver else None
    entries = ranking.entries

    def matches(entry: backlog_queries.BacklogEntry) -> bool:
        # The same filters as the backlog page.
        return (
            (not filters.stage or entry.stage == filters.stage)
            and (not filters.team or entry.team_code == filters.team)
            and (members is None or entry.id in members)
        )

    ranked = [entry_id for entry_id in ranking.ranked if matches(entries[entry_id])]
    excluded = [entry_id for entry_id in ranking.excluded if matches(entries[entry_id])]
    names = backlog_queries.driver_names(ranked + excluded)
    stored = backlog_queries.summaries(excluded)
    reasons = {
        entry_id: exclusion_reason(stored.get(entry_id, {}), ranking.criteria) for entry_id in excluded
    }
    for entry_id in ranked + excluded:
        entry = entries[entry_id]
        yield {
            "rank": ranking.positions.get(entry_id),
            "reference": entry.ref,
            "title": entry.title,
            "stage": STAGE_LABELS[Stage(entry.stage)],
            "team": entry.team_name,
            "mandatory": "Yes" if entry.is_mandatory else "No",
            "score_status": str(entry.score_status),
            "weighted_score": entry.weighted_score,
            "scorers": entry.scorers,
            "drivers": "; ".join(names.get(entry_id, [])),
            "planned_quarter": entry.planned_quarter,
            "excluded_because": reasons.get(entry_id, ""),
        }


def benefit_rows(
    filters: benefit_queries.BenefitFilters, *, as_of: date, grace_days: int
) -> Iterator[dict[str, Any]]:
    """The tracker's benefits with their figures, in chunks (two queries per chunk of 1,000)."""
    stmt = benefit_queries.tracker_statement(filters, as_of=as_of, grace_days=grace_days)
    result = db.session.scalars(stmt.execution_options(yield_per=CHUNK))
    for chunk in result.partitions():
        for figures in benefit_queries.with_figures(chunk, as_of=as_of, grace_days=grace_days):
            benefit = figures.benefit
            unit = benefit.unit
            yield {
                "id": benefit.id,
                "title": benefit.title,
                "improvement": benefit.improvement.ref if benefit.improvement else None,
                "programme": benefit.programme.name if benefit.programme else None,
                "driver": benefit.driver.name,
                "owner": benefit.owner.name,
                "cash_class": benefit.cash_class,
                "unit": unit,
                "direction": benefit.direction,
                "baseline_value": _in_unit(benefit.baseline_value, unit),
                "baseline_date": benefit.baseline_date,
                "target_value": _in_unit(benefit.target_value, unit),
                "target_date": benefit.target_date,
                "latest_value": _in_unit(figures.latest_value, unit),
                "latest_period_end": benefit.last_period_end,
                "rag": figures.rag,
                "next_due": figures.next_due if figures.tracked else None,
                "staleness": str(figures.staleness),
                "realised_gross": _in_unit(figures.realised_gross, unit),
                "adjustments": _pounds(figures.adjustments_total) if unit == GBP else None,
                "realised_adjusted": _in_unit(figures.realised_adjusted, unit),
                "finance_validated": "Yes" if benefit.is_validated else "No",
                "closing_status": benefit.closing_status,
            }


def resource_rows(filters: resource_queries.ResourceFilters, *, on: date) -> Iterator[dict[str, Any]]:
    """The register as it stood on ``on``, in chunks (one query)."""
    stmt = resource_queries.register_statement(filters, on)
    for resource in db.session.scalars(stmt.execution_options(yield_per=CHUNK)):
        row = resource_queries.describe(resource, on)
        yield {
            "id": resource.id,
            "role_title": resource.role_title,
            "kind": resource.kind,
            "team": resource.team.name if resource.team else None,
            "improvement": resource.improvement.ref if resource.improvement else None,
            "programme": resource.programme.name if resource.programme else None,
            "owner": resource.owner.name,
            "annual_cost": _pounds(resource.annual_cost_pence),
            "funding_source": resource.funding_source,
            "start_date": resource.start_date,
            "end_date": resource.end_date,
            "extension_until": resource.extension_until,
            "actual_end_date": resource.actual_end_date,
            "status": str(row.status),
            "days_overrun": row.days_overrun,
            "exposure": _pounds(row.exposure_pence),
        }


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def audit_rows(*, subject_type: str | None = None) -> Iterator[dict[str, Any]]:
    """The audit log, oldest first (the chain's order), with who acted, in chunks (one query)."""
    stmt = (
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=CHUNK)
    )
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    for event, actor in db.session.execute(stmt):
        yield {
            "id": event.id,
            "occurred_at": event.occurred_at,
            "actor": actor or ("System" if event.actor_id is None else f"Person {event.actor_id}"),
            "action": event.action,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "subject_version": event.subject_version,
            "reason": event.reason,
            "before": _json(event.before),
            "after": _json(event.after),
            "request_id": event.request_id,
            "row_hash": event.row_hash,
        }
