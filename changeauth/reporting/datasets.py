"""The rows of each export: the backlog, the benefits tracker, the temporary-resource register, the
decision register, a design authority meeting's pack and the audit log, each with the filters the person
has on screen.

Every function returns a lazy generator of plain dicts keyed by its ``*_COLUMNS``; nothing runs until
the first row is asked for, and the tables that can be large are read with ``yield_per`` in chunks,
so a streamed CSV holds one chunk in memory whatever the size of the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, selectinload

from changeauth import db
from changeauth.domain.appraisal import shown_bcr, shown_payback
from changeauth.domain.gates import CriterionKind
from changeauth.domain.lifecycle import STAGE_LABELS, Stage
from changeauth.domain.money import format_money
from changeauth.domain.panel import exclusion_reason
from changeauth.domain.savings import YearFigures, financial_year_label
from changeauth.models import AuditEvent, BenefitPost, GateDecision, User
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import gates as gate_queries
from changeauth.queries import savings as savings_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.queries import staffing as staffing_queries
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
    ("baseline_quality", "Baseline measured, estimated or proxy"),
    ("baseline_evidence", "Baseline evidence"),
    ("target_value", "Target"),
    ("target_date", "Target date"),
    ("latest_value", "Latest value"),
    ("latest_period_end", "Latest period end"),
    ("latest_quality", "Latest value measured, estimated or proxy"),
    ("rag", "RAG"),
    ("next_due", "Next measurement due"),
    ("staleness", "Staleness"),
    ("realised_gross", "Realised (gross)"),
    ("adjustments", "Adjustments"),
    ("realised_adjusted", "Realised (like-for-like adjusted)"),
    ("finance_validated", "Validated by finance"),
    ("closing_status", "Closing status"),
    # A staffing saving's like-for-like register (queries.staffing): blank for other benefits.
    ("staffing_price_base", "Staffing register price base"),
    ("staffing_employer_ni_pct", "Employer's National Insurance (%)"),
    ("staffing_pension_pct", "Employer's pension (%)"),
    ("staffing_posts_before", "Posts before the change"),
    ("staffing_posts_after", "Posts after the change"),
    ("staffing_fte_before", "FTE before (in scope)"),
    ("staffing_fte_after", "FTE after (in scope)"),
    ("staffing_saving", "Staffing saving at the price base, with on-costs"),
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

# What a council's medium-term financial plan records of each saving for a financial year.
SAVINGS_BY_YEAR_COLUMNS: Columns = [
    ("financial_year", "Financial year"),
    ("programme", "Programme"),
    ("belongs_to", "Programme or improvement"),
    ("reference", "Improvement reference"),
    ("item", "Saving or cost"),
    ("planned", "Planned saving (£)"),
    ("realised", "Realised, validated by finance (£)"),
    ("adjustments", "Confirmed adjustments (£)"),
    ("temporary", "Temporary resources (£)"),
    ("investment", "One-off investment (£)"),
    ("disbenefits", "Dis-benefits (£)"),
    ("net", "Net saving (£)"),
    ("taken_out", "Taken out of the budget (£)"),
    ("budget_line", "Budget line"),
    ("taken_out_on", "Date taken out"),
    ("signed_off_by", "Signed off by"),
]

DECISION_COLUMNS: Columns = [
    ("decided_on", "Date"),
    ("reference", "Reference"),
    ("title", "Improvement"),
    ("gate", "Gate"),
    ("decision", "Decision"),
    ("from_stage", "From stage"),
    ("to_stage", "To stage"),
    ("reasons", "Reasons"),
    ("decided_by", "Recorded by"),
    ("attendees", "Attendees"),
]

MEETING_PACK_COLUMNS: Columns = [
    ("reference", "Reference"),
    ("title", "Improvement"),
    ("gate", "Gate"),
    ("owner", "Owner"),
    ("summary", "Problem"),
    ("score_status", "Score status"),
    ("weighted_score", "Weighted score"),
    ("musts_met", "Must criteria met"),
    ("unmet", "Unmet criteria"),
    ("case_status", "Business case"),
    ("npv_pence", "NPV (pence)"),
    ("bcr", "BCR"),
    ("payback_years", "Payback (years)"),
    ("npv_vs_business_as_usual_pence", "NPV compared with business as usual (pence)"),
    ("benefits_switching_pct", "Benefits may fall by (%)"),
    ("costs_switching_pct", "Costs may rise by (%)"),
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
    """The ranking in rank order, then the must-meet failures with their reason: the backlog page's
    order and ranks, read from the database (six queries at most)."""
    criteria = scoring_queries.active_scheme().specs()
    ranked = backlog_queries.ranked_entries(criteria, filters)
    excluded = backlog_queries.excluded_entries(criteria, filters)
    rows = [*ranked, *((entry, None) for entry in excluded)]
    names = backlog_queries.driver_names([entry.id for entry, _ in rows])
    stored = backlog_queries.summaries([entry.id for entry in excluded])
    reasons = {entry.id: exclusion_reason(stored.get(entry.id, {}), criteria) for entry in excluded}
    for entry, position in rows:
        yield {
            "rank": position,
            "reference": entry.ref,
            "title": entry.title,
            "stage": STAGE_LABELS[Stage(entry.stage)],
            "team": entry.team_name,
            "mandatory": "Yes" if entry.is_mandatory else "No",
            "score_status": str(entry.score_status),
            "weighted_score": entry.weighted_score,
            "scorers": entry.scorers,
            "drivers": "; ".join(names.get(entry.id, [])),
            "planned_quarter": entry.planned_quarter,
            "excluded_because": reasons.get(entry.id, ""),
        }


def benefit_rows(
    filters: benefit_queries.BenefitFilters, *, as_of: date, grace_days: int
) -> Iterator[dict[str, Any]]:
    """The tracker's benefits with their figures and staffing registers, in chunks (five queries per chunk
    of 1,000)."""
    stmt = benefit_queries.tracker_statement(filters, as_of=as_of, grace_days=grace_days)
    result = db.session.scalars(stmt.execution_options(yield_per=CHUNK))
    for chunk in result.partitions():
        registers = staffing_queries.registers_of([benefit.id for benefit in chunk])
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
                "baseline_quality": benefit.baseline_quality or "not recorded",
                "baseline_evidence": benefit.baseline_evidence,
                "latest_quality": benefit.last_quality,
                **_staffing_columns(registers[benefit.id]),
            }


def _post_words(post: BenefitPost) -> str:
    scope = "" if post.in_scope else ", out of scope"
    salary = format_money(post.annual_salary_pence)
    return f"{post.title} ({post.grade}, {salary}, {post.fte.normalize():f} FTE{scope})"


def _staffing_columns(register: staffing_queries.Register) -> dict[str, Any]:
    """A staffing saving's register in the tracker export's columns: its price base and on-costs, each
    post before and after in words, and the in-scope FTE and saving at the price base."""
    if register.is_empty:
        return {}
    settings, figures = register.staffing, register.figures
    return {
        "staffing_price_base": financial_year_label(settings.price_base_year) if settings else None,
        "staffing_employer_ni_pct": settings.employer_ni_pct if settings else None,
        "staffing_pension_pct": settings.pension_pct if settings else None,
        "staffing_posts_before": "; ".join(_post_words(post) for post in register.before),
        "staffing_posts_after": "; ".join(_post_words(post) for post in register.after),
        "staffing_fte_before": figures.fte_before if figures else None,
        "staffing_fte_after": figures.fte_after if figures else None,
        "staffing_saving": _pounds(figures.saving_pence) if figures else None,
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


def decision_rows(filters: gate_queries.RegisterFilters, viewer: User) -> Iterator[dict[str, Any]]:
    """The decision register as the viewer sees it on screen, newest first, in chunks (two queries per
    chunk: the decisions with their improvement and recorder, then their attendees)."""
    stmt = (
        gate_queries.register_statement(filters, viewer)
        .options(
            joinedload(GateDecision.improvement),
            joinedload(GateDecision.decided_by),
            selectinload(GateDecision.attendees),
        )
        .order_by(GateDecision.decided_at.desc(), GateDecision.id.desc())
        .execution_options(yield_per=CHUNK)
    )
    for decision in db.session.scalars(stmt):
        yield {
            "decided_on": decision.decided_at.date(),
            "reference": decision.improvement.ref,
            "title": decision.improvement.title,
            "gate": decision.gate,
            "decision": decision.decision,
            "from_stage": decision.from_stage,
            "to_stage": decision.to_stage,
            "reasons": decision.rationale,
            "decided_by": decision.decided_by.name,
            "attendees": "; ".join(sorted(person.name for person in decision.attendees)),
        }


def meeting_pack_rows(items: Sequence[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """A meeting pack's rows from the agenda as the meeting page shows it: each item's improvement, gate,
    criteria statuses, score and business case summary."""
    for item in items:
        improvement, score, case = item["improvement"], item["score"], item["case"]
        unmet = [
            status.code for status in item["statuses"] if status.kind is CriterionKind.MUST and not status.met
        ]
        preferred = case.preferred if case else None
        sensitivity = case.sensitivity if case else None
        yield {
            "reference": improvement.ref,
            "title": improvement.title,
            "gate": item["gate"].value if item["gate"] else "",
            "owner": improvement.owner.name if improvement.owner else "",
            "summary": improvement.problem,
            "score_status": score.status if score else "unscored",
            "weighted_score": score.weighted_score if score else None,
            "musts_met": "yes" if not unmet else "no",
            "unmet": ", ".join(unmet),
            "case_status": case.status if case else "none",
            "npv_pence": preferred.npv_pence if preferred else None,
            # Rounded as the agenda shows them, not the appraisal's four places.
            "bcr": shown_bcr(preferred.bcr) if preferred else None,
            "payback_years": shown_payback(preferred.payback_years) if preferred else None,
            # The preferred option against business as usual and its switching values (empty when none).
            "npv_vs_business_as_usual_pence": sensitivity.npv_vs_baseline_pence if sensitivity else None,
            "benefits_switching_pct": sensitivity.benefits_switching_pct if sensitivity else None,
            "costs_switching_pct": sensitivity.costs_switching_pct if sensitivity else None,
        }


def _json(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def audit_rows(*, subject_type: str | None = None) -> Iterator[dict[str, Any]]:
    """The audit log, oldest first (the chain's order), with who acted, in chunks (one query)."""
    subject_person = aliased(User)
    stmt = (
        select(AuditEvent, User.name, subject_person.anonymised_at)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(
            subject_person,
            (AuditEvent.subject_type == "user") & (subject_person.id == AuditEvent.subject_id),
        )
        .order_by(AuditEvent.id)
        .execution_options(yield_per=CHUNK)
    )
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    for event, actor, anonymised_at in db.session.execute(stmt):
        gone = anonymised_at is not None
        yield {
            "id": event.id,
            "occurred_at": event.occurred_at,
            "actor": actor or ("System" if event.actor_id is None else f"Person {event.actor_id}"),
            "action": event.action,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "subject_version": event.subject_version,
            "reason": event.reason,
            "before": _json(event.shown("before", subject_anonymised=gone)),
            "after": _json(event.shown("after", subject_anonymised=gone)),
            "request_id": event.request_id,
            "row_hash": event.row_hash,
        }


TEMPORARY_RESOURCES = "Temporary resources"
DISBENEFIT = "Dis-benefit"
NO_PROGRAMME = "Improvements in no programme"
FIGURE_KEYS = (
    "planned",
    "realised",
    "adjustments",
    "temporary",
    "investment",
    "disbenefits",
    "net",
    "taken_out",
)


def programme_total_label(programme: str) -> str:
    """The label of a programme's total for a year: it sums that programme's rows only."""
    return f"All savings and costs of {programme}"


def _year_values(figures: YearFigures) -> dict[str, int]:
    """A programme's year as the pages show it (``domain.savings.YearFigures``), by export column."""
    return {
        "planned": figures.planned_pence,
        "realised": figures.realised_pence,
        "adjustments": figures.adjustments_pence,
        "temporary": figures.temporary_cost_pence,
        "investment": figures.investment_pence,
        "disbenefits": figures.disbenefit_pence,
        "net": figures.net_pence,
        "taken_out": figures.taken_out_pence,
    }


def savings_by_year_rows(*, as_of: date, year: int | None = None) -> Iterator[dict[str, Any]]:
    """Each programme's savings by financial year (``year`` only, when given), the years and figures its
    pages show (``queries.savings.all_programmes``, ``domain.savings.reporting_span``): for each year and
    programme, each cashable saving (planned, realised, confirmed adjustments, its one-off investment and
    the budget reduction), each temporary resource, each cashable money dis-benefit, then the
    programme's total for the year, named for the programme, whose figures are the pages' own. No total
    adds two programmes together. Improvements in no programme follow, under their own total."""
    programmes = savings_queries.all_programmes(as_of)
    last = max((y.year for p in programmes for y in p.figures.years), default=None)
    savings = savings_queries.saving_years(as_of, year=year)
    costs = savings_queries.cost_years(as_of, year=year)
    lost = savings_queries.disbenefit_years(as_of, year=year, last_year=last)
    groups: list[tuple[int | None, str, dict[int, dict[str, int] | None]]] = [
        (
            p.programme_id,
            p.name,
            {y.year: _year_values(y) for y in p.figures.years if year is None or y.year == year},
        )
        for p in programmes
    ]
    orphans = (
        {r.figures.year for r in savings if r.programme_id is None}
        | {c.year for c in costs if c.programme_id is None}
        | {d.year for d in lost if d.programme_id is None}
    )
    if orphans:
        groups.append((None, NO_PROGRAMME, dict.fromkeys(sorted(orphans))))
    for fy in sorted({fy for _id, _name, years in groups for fy in years}):
        label = financial_year_label(fy)
        for programme_id, name, years in groups:
            if fy not in years:
                continue
            totals = dict.fromkeys(FIGURE_KEYS, 0)
            for row in (r for r in savings if r.figures.year == fy and r.programme_id == programme_id):
                f = row.figures
                values = {
                    "planned": f.planned_pence,
                    "realised": f.realised_pence,
                    "adjustments": f.adjustments_pence,
                    "investment": f.one_off_cost_pence,
                    "net": f.realised_pence + f.adjustments_pence,
                    "taken_out": f.taken_out_pence or 0,
                }
                for key, value in values.items():
                    totals[key] += value
                yield {
                    "financial_year": label,
                    "programme": name,
                    "belongs_to": row.belongs_to,
                    "reference": row.improvement_ref,
                    "item": row.title,
                    **{key: _pounds(value) for key, value in values.items()},
                    "taken_out": _pounds(f.taken_out_pence),
                    "budget_line": row.budget_line,
                    "taken_out_on": row.taken_out_on,
                    "signed_off_by": row.taken_out_by,
                }
            for cost in (c for c in costs if c.year == fy and c.programme_id == programme_id):
                totals["temporary"] += cost.cost_pence
                totals["net"] -= cost.cost_pence
                yield {
                    "financial_year": label,
                    "programme": name,
                    "belongs_to": cost.belongs_to,
                    "reference": cost.improvement_ref,
                    "item": TEMPORARY_RESOURCES,
                    "temporary": _pounds(cost.cost_pence),
                    "net": _pounds(-cost.cost_pence),
                }
            for disbenefit in (d for d in lost if d.year == fy and d.programme_id == programme_id):
                totals["disbenefits"] += disbenefit.cost_pence
                totals["net"] -= disbenefit.cost_pence
                yield {
                    "financial_year": label,
                    "programme": name,
                    "belongs_to": disbenefit.belongs_to,
                    "reference": disbenefit.improvement_ref,
                    "item": f"{DISBENEFIT}: {disbenefit.title}",
                    "disbenefits": _pounds(disbenefit.cost_pence),
                    "net": _pounds(-disbenefit.cost_pence),
                }
            # A programme's total is its pages' figure for the year, not a sum made here.
            shown = years[fy] or totals
            yield {
                "financial_year": label,
                "programme": name,
                "item": programme_total_label(name),
                **{k: _pounds(v) for k, v in shown.items()},
            }
