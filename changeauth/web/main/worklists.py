"""Each role's worklist for the Home page, built from the same queries and rules as the pages it links
to: the triage queue, the scoring queue, the gate criteria, the benefits due, the conditions held."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import url_for

from changeauth.domain import permissions
from changeauth.domain.gates import CriterionKind, CriterionStatus
from changeauth.domain.lifecycle import GATE_NAMES, Gate, Stage
from changeauth.domain.roles import Role
from changeauth.models import Improvement, User
from changeauth.queries import activity, my_actions, scoring, triage, worklists
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import flags as flag_queries
from changeauth.queries import gates as gate_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.reporting import transforms
from changeauth.services import gates
from changeauth.web import shared_views

LIMIT = worklists.HOME_LIST_LIMIT

# Where an unmet gate criterion is put right, by the rule that checks it.
_CRITERION_PAGES = {
    "business_case_submitted": ("business_cases.show", "Write and submit the business case"),
    "benefits_profiled": ("benefits.for_improvement", "Profile the benefits"),
    "baselines_measured": ("benefits.for_improvement", "Measure the benefits' baselines"),
    "measured_after_go_live": ("benefits.for_improvement", "Record a measurement since go-live"),
    "benefits_closed": ("reviews.review", "Close each benefit or hand it to a business-as-usual owner"),
    "benefits_reviewed": ("reviews.review", "Record the benefits review's decision on each benefit"),
    "effect_recorded": ("benefits.for_improvement", "Record the effect of the quick win"),
    "resources_have_end_dates": ("temporary_resources.index", "Give each temporary resource an end date"),
    "no_open_conditions": ("gates.gate", "Close the open conditions"),
}


@dataclass(frozen=True)
class Step:
    """The next thing to do on an improvement, in words, with where to do it."""

    text: str
    href: str


@dataclass(frozen=True)
class GateReady:
    improvement: Improvement
    gate: Gate
    missing: list[CriterionStatus]
    # Why the member may not decide it (separation of duties), in plain words; None when they may.
    waits_because: str | None = None


@dataclass
class Worklist:
    """Everything the Home page shows the signed-in person, one section per role they hold."""

    sections: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def _missing(statuses: list[CriterionStatus]) -> list[CriterionStatus]:
    return [status for status in statuses if status.kind is CriterionKind.MUST and not status.met]


def next_step(improvement: Improvement, gate: Gate | None, statuses: list[CriterionStatus]) -> Step:
    """The owner's next step: what the stage asks for, else the first must-meet criterion of the coming
    gate that is not met, else the gate decision itself."""
    detail = url_for("improvements.detail", improvement_id=improvement.id)
    stage = Stage(improvement.stage)
    if stage is Stage.APPROVED:
        return Step("Start delivery", detail)
    if stage is Stage.ON_HOLD:
        until = f" until {improvement.hold_until:%-d %B %Y}" if improvement.hold_until else ""
        return Step(f"On hold{until}: the design authority resumes it", detail)
    for status in _missing(statuses):
        endpoint, words = _CRITERION_PAGES.get(status.code, ("gates.gate", status.text))
        if endpoint == "temporary_resources.index":
            return Step(words, url_for(endpoint))
        return Step(words, url_for(endpoint, improvement_id=improvement.id))
    if gate is not None and gate is not Gate.G0:
        return Step(
            f"Ready for the {GATE_NAMES[gate].lower()} ({gate.value}): the design authority decides it",
            url_for("gates.gate", improvement_id=improvement.id),
        )
    return Step("Nothing needed from you now", detail)


def _interest_words(user: User, facts: permissions.ImprovementFacts) -> str | None:
    """Why the member may not decide or score it, in plain words; None when they are independent."""
    if permissions.is_independent(user.as_actor(), facts):
        return None
    interest = permissions.interest_in(user.id, facts)
    return permissions.INTEREST_WORDS[interest] if interest else None


def _staff(user: User, data: dict[str, Any]) -> None:
    ideas = improvement_queries.list_my_ideas(user)
    data["my_ideas"] = ideas
    data["questions"] = worklists.questions_for([idea.id for idea in ideas if worklists.needs_reply(idea)])
    data["supported"] = worklists.supported_by(user.id)


# Home reads the improvements waiting at a gate a stretch at a time, oldest first, until it has a full
# list of each kind or has read this many: working out every waiting improvement's criteria and the
# member's interests took seconds at a council with thousands waiting, for a page that shows ten.
GATE_STRETCH = 100
GATE_SCAN_LIMIT = 500


@dataclass(frozen=True)
class GateWork:
    """What waits at a gate, for one member: up to ``LIMIT`` they may decide and up to ``LIMIT`` waiting
    for another member, oldest first. The counts are exact when every waiting improvement was read
    (``complete``); otherwise ``total`` says how many wait in all."""

    ready: list[GateReady]
    others: list[GateReady]
    ready_count: int
    others_count: int
    total: int
    complete: bool


def _gate_work(user: User, today: date) -> GateWork:
    total = gate_queries.count_gate_ready()
    ready: list[GateReady] = []
    others: list[GateReady] = []
    ready_count = others_count = offset = 0
    while offset < min(total, GATE_SCAN_LIMIT) and (len(ready) < LIMIT or len(others) < LIMIT):
        stretch = gate_queries.gate_ready_improvements(limit=GATE_STRETCH, offset=offset)
        if not stretch:
            break
        offset += len(stretch)
        statuses = gates.gate_statuses(stretch, today=today)
        facts = improvement_queries.facts_for_member(stretch, user)
        for improvement in stretch:
            gate, criteria = statuses[improvement.id]
            if gate is None:
                continue
            waits_because = _interest_words(user, facts[improvement.id])
            row = GateReady(improvement, gate, _missing(criteria), waits_because)
            if row.waits_because:
                others_count += 1
                if len(others) < LIMIT:
                    others.append(row)
            else:
                ready_count += 1
                if len(ready) < LIMIT:
                    ready.append(row)
    return GateWork(ready, others, ready_count, others_count, total, complete=offset >= total)


def _design_authority(user: User, today: date, data: dict[str, Any]) -> None:
    data["triage"] = triage.triage_queue(today, per_page=LIMIT)
    data["to_score"] = scoring.assessments_to_do(user, scoring.active_scheme(), per_page=LIMIT)
    triage_items = [item.improvement for item in data["triage"].items]
    facts = improvement_queries.facts_for_member(triage_items, user)
    # Separation of duties: what the member has an interest in waits for another member, with the reason.
    data["triage_waits"] = {
        improvement.id: words
        for improvement in triage_items
        if (words := _interest_words(user, facts[improvement.id])) is not None
    }
    data["gates"] = _gate_work(user, today)
    data["next_meeting"] = worklists.next_meeting(today)
    data["da_conditions"] = my_actions.conditions_held_by(user.id)
    data["da_off_track"] = flag_queries.benefits_off_track(user, limit=LIMIT)
    data["change_requests"] = benefit_queries.pending_change_requests(limit=LIMIT)


def _owner(user: User, owned: list[Improvement], today: date, grace_days: int, data: dict[str, Any]) -> None:
    statuses = gates.gate_statuses(owned, today=today)
    data["owned"] = [
        (improvement, next_step(improvement, *statuses[improvement.id])) for improvement in owned
    ]
    data["actions"] = my_actions.my_actions(user, as_of=today, grace_days=grace_days)


def _finance(user: User, today: date, data: dict[str, Any]) -> None:
    data["to_validate"] = worklists.benefits_awaiting_validation(user.id)
    data["to_confirm"] = worklists.proposed_adjustments()
    data["overrunning"] = worklists.overrunning_resources(today)


def _viewer(data: dict[str, Any], today: date) -> None:
    figures = shared_views.dashboard_figures(today)
    data["headline"] = transforms.portfolio_summary(
        figures.pipeline, figures.benefits, figures.flags, figures.resources
    )
    data["latest_decisions"] = worklists.latest_decisions()


# How far back the administrator's Home looks for failed scheduled runs.
FAILED_RUNS_WINDOW = timedelta(days=30)


def _admin(today: date, data: dict[str, Any]) -> None:
    data["leavers_work"] = worklists.improvements_with_leavers()
    data["failed_runs"] = worklists.failed_job_runs(
        datetime.combine(today - FAILED_RUNS_WINDOW, time.min, tzinfo=UTC)
    )


def build(user: User, *, today: date, grace_days: int) -> Worklist:
    """The signed-in person's worklist: a section for each role they hold, in the order they work."""
    actor = user.as_actor()
    worklist = Worklist()
    data = worklist.data
    if permissions.is_design_authority(actor):
        worklist.sections.append("design_authority")
        _design_authority(user, today, data)
    if actor.has(Role.FINANCE):
        worklist.sections.append("finance")
        _finance(user, today, data)
    owns = worklists.owned_by(user.id)
    if actor.has(Role.MANAGER) or owns:
        worklist.sections.append("owner")
        _owner(user, owns, today, grace_days, data)
    if actor.has(Role.VIEWER):
        worklist.sections.append("viewer")
        _viewer(data, today)
    if permissions.is_admin(actor):
        worklist.sections.append("admin")
        _admin(today, data)
    if actor.has(Role.STAFF) or not worklist.sections:
        worklist.sections.append("staff")
        _staff(user, data)
    # Anyone may own a benefit, so anyone may have one to accept (shown above their role's sections).
    data["to_accept"] = benefit_queries.awaiting_acceptance(user.id, limit=LIMIT)
    if not actor.has(Role.VIEWER):
        data["recent_changes"] = activity.recent_stage_changes(user, limit=5)
    return worklist
