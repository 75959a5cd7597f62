"""The worked example from the council's report, loaded from ``seeds/demo/``: demo users, the programme,
driver maturity, the improvements, business cases, benefits, dis-benefits, adjustments, temporary
resources, the members' assessments, the delivery estimates, the staffing register, and the gate decisions
with the meetings they were taken at and their conditions, all replayed through the services at their own
dates. Idempotent: a second load changes nothing. Flushes, never commits (the command commits once)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select

from changeauth import db
from changeauth.cli.seed import SEEDS_DIR, read_yaml
from changeauth.devtools import (
    demo_benefits,
    demo_business_cases,
    demo_data,
    demo_decisions,
    demo_disbenefits,
    demo_lessons,
    demo_staffing,
)
from changeauth.devtools.demo_data import demo_day
from changeauth.domain.lifecycle import Gate
from changeauth.models import Improvement, User
from changeauth.queries import clock
from changeauth.queries import scoring as scoring_queries
from changeauth.services import scoring
from changeauth.services.improvements import update_improvement
from changeauth.services.meeting_invitations import InvitationSettings
from changeauth.services.reference_data import UpsertCounts


def load_demo(seeds_dir: Path = SEEDS_DIR) -> UpsertCounts:
    """Demo users, the programme, driver maturity and the example improvements, with everything the
    worked example records about them."""
    demo = seeds_dir / "demo"
    counts = UpsertCounts()
    programme_row = read_yaml(demo / "programme.yaml")
    # The accounts, the programmes and the programme's case are recorded when the programme began, so the
    # audit log holds nothing dated after the history it goes on to tell (seeds/README.md, "The history is
    # replayed").
    with db.clock_at(datetime.combine(programme_row["starts_on"], time(9, 0), tzinfo=UTC)):
        users = demo_data.ensure_demo_users()
        programme = demo_data.load_programme(programme_row, counts)
        demo_data.load_programme_figures(programme, programme_row.get("figures") or [], counts)
        # The report's recommendations belong to the programme that followed the close-down (seeds/README.md).
        successor = demo_data.load_programme(programme_row["successor"], counts)
        demo_data.load_maturity(read_yaml(demo / "maturity.yaml"), counts)
        # The programme's own case, which members approved as the programme began (April 2017).
        cases_data = read_yaml(demo / "business_cases.yaml")
        demo_business_cases.load_demo_business_cases(cases_data, programme_row, programme, users, counts)
    improvements = read_yaml(demo / "improvements.yaml")
    loaded_on = clock.today()
    decisions = read_yaml(demo / "decisions.yaml")
    # The history, in date order: each improvement submitted, the members' scores (made before its business
    # case came to G1), its benefits, their measurements and the programme's adjustments, and its
    # decisions, replayed at their own instants (``demo_decisions``).
    submissions = demo_data.submission_steps(improvements, users, successor, counts, loaded_on=loaded_on)
    days = demo_decisions.decision_days(decisions, loaded_on)
    scores = demo_score_steps(
        read_yaml(demo / "scores.yaml"),
        days,
        users,
        counts,
        loaded_on=loaded_on,
        **_scoring_rules(),
    )
    benefits = demo_benefits.benefit_steps(
        read_yaml(demo / "benefits.yaml"),
        users,
        programme,
        counts,
        decided_on=days,
        programme_ends_on=programme_row["ends_on"],
    )
    # Built before the replay: whether the history's measurements are new decides whether it sweeps.
    sweeps = demo_benefits.behind_plan_sweep_steps(
        read_yaml(demo / "benefits.yaml"), programme_ends_on=programme_row["ends_on"], loaded_on=loaded_on
    )
    adjustments = demo_benefits.adjustment_steps(
        read_yaml(demo / "adjustments.yaml"), users, counts, recorded_on=programme_row["ends_on"]
    )
    disbenefits = demo_disbenefits.disbenefit_steps(
        read_yaml(demo / "disbenefits.yaml"), users, counts, decided_on=days
    )
    # The report's lessons, in the lessons log from the day the programme ended.
    lessons = demo_lessons.lesson_steps(
        read_yaml(demo / "lessons.yaml"), users, programme, counts, recorded_on=programme_row["ends_on"]
    )
    cases = demo_business_cases.case_steps(
        cases_data.get("improvements", ()), users, counts, loaded_on=loaded_on
    )
    staffing = demo_staffing.staffing_steps(read_yaml(demo / "staffing.yaml"), users, counts)
    resources = demo_benefits.temporary_resource_steps(
        read_yaml(demo / "temporary_resources.yaml"), users, programme, counts
    )
    estimates = delivery_estimate_steps(
        read_yaml(demo / "delivery_estimates.yaml"),
        cases_data.get("improvements", ()),
        counts,
        loaded_on=loaded_on,
    )
    load_demo_decisions(
        decisions,
        users,
        counts,
        loaded_on=loaded_on,
        other_steps=[
            *submissions,
            *scores,
            *cases,
            *benefits,
            *disbenefits,
            *adjustments,
            *staffing,
            *resources,
            *estimates,
            *lessons,
            *sweeps,
        ],
        improvements={row["ref"]: row for row in improvements},
        actions=read_yaml(demo / "meeting_actions.yaml"),
    )
    return counts


def _scored_at(ref: str, days: Mapping[tuple[str, Gate], date], loaded_on: date) -> datetime | None:
    """When the members scored the improvement: the day before its G1 decision, or a week after its triage
    (not after yesterday) while its case is still to come; None without a decision (the load's moment)."""
    if (ref, Gate.G1) in days:
        return datetime.combine(days[(ref, Gate.G1)] - timedelta(days=1), time(14, 0), tzinfo=UTC)
    if (ref, Gate.G0) in days:
        day = min(days[(ref, Gate.G0)] + timedelta(days=7), loaded_on - timedelta(days=1))
        return datetime.combine(day, time(14, 0), tzinfo=UTC)
    return None


def demo_score_steps(
    rows: Sequence[Mapping[str, Any]],
    days: Mapping[tuple[str, Gate], date],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    loaded_on: date,
    quorum: int,
    disagreement_threshold: int,
) -> list[demo_decisions.HistoryStep]:
    """Each improvement's assessments (seeds/demo/scores.yaml) as a step of the history at the moment they
    were made; rows without a decision to date them by are loaded now."""
    steps: list[demo_decisions.HistoryStep] = []
    for order, row in enumerate(rows):
        load = partial(
            load_demo_assessments,
            [row],
            users,
            counts,
            quorum=quorum,
            disagreement_threshold=disagreement_threshold,
        )
        # Without a decision to date them by, they are made at the load's moment, after the history.
        at = _scored_at(row["ref"], days, loaded_on) or db.utcnow()
        steps.append((at, -1 - order, load))
    return steps


def load_demo_decisions(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    loaded_on: date | None = None,
    other_steps: Iterable[demo_decisions.HistoryStep] = (),
    improvements: Mapping[str, Mapping[str, Any]] | None = None,
    actions: Iterable[Mapping[str, Any]] = (),
) -> None:
    """The worked example's gate decisions (seeds/demo/decisions.yaml), with their attendees, reasons,
    conditions and the design authority meetings they were taken at, dated in the past and written in date
    order with ``other_steps`` (``demo_decisions``); ``improvements`` (improvements.yaml by reference) are
    the ones submitted in those steps. The live work's dates count back from ``loaded_on`` (the council's
    today by default). A second load adds nothing. Flushes, does not commit."""
    demo_decisions.load_decisions(
        rows,
        users,
        counts,
        loaded_on=loaded_on or clock.today(),
        invitations=_invitation_settings(),
        other_steps=other_steps,
        improvements=improvements,
        actions=actions,
    )


def _invitation_settings() -> InvitationSettings:
    """Who would send the meetings' invitations (none is sent: the meetings are past)."""
    config = current_app.config if has_app_context() else {}
    return InvitationSettings(
        organiser_email=config.get("MAIL_FROM", "changeauth@localhost"),
        organiser_name=config.get("SERVICE_NAME", "Change authority"),
        timezone=config.get("TIMEZONE", "Europe/London"),
        agenda_url=lambda meeting_id: f"/meetings/{meeting_id}",
    )


def _scoring_rules() -> dict[str, int]:
    """The configured score quorum and disagreement threshold (3 and 3 by default, outside an app)."""
    config = current_app.config if has_app_context() else {}
    return {
        "quorum": config.get("SCORE_QUORUM", 3),
        "disagreement_threshold": config.get("DISAGREEMENT_THRESHOLD", 3),
    }


def load_demo_assessments(
    rows: Sequence[Mapping[str, Any]],
    users: Mapping[str, User],
    counts: UpsertCounts,
    *,
    quorum: int,
    disagreement_threshold: int,
) -> None:
    """The worked example's assessments (seeds/demo/scores.yaml), through ``save_assessment`` so every
    rule and audit event applies. A member's existing assessment is left alone. Flushes, does not commit."""
    scheme = scoring_queries.active_scheme()
    codes = [spec.code for spec in scheme.specs()]
    refs = dict(db.session.execute(select(Improvement.ref, Improvement.id)).all())
    for row in rows:
        improvement_id = refs.get(row["ref"])
        if improvement_id is None:
            continue
        for member_key, values in row["scores"].items():
            member = users[member_key]
            if scoring_queries.own_assessment(improvement_id, member.id, scheme.id) is not None:
                counts.add("assessment", "unchanged")
                continue
            scoring.save_assessment(
                improvement_id,
                actor=member,
                scores=dict(zip(codes, values, strict=True)),
                rationale=row["rationale"],
                quorum=quorum,
                disagreement_threshold=disagreement_threshold,
            )
            counts.add("assessment", "created")


# The owner records the delivery estimate the afternoon the business case it sizes was written.
ESTIMATED_AT = time(16, 30)


def delivery_estimate_steps(
    rows: Iterable[Mapping[str, Any]],
    cases: Iterable[Mapping[str, Any]],
    counts: UpsertCounts,
    *,
    loaded_on: date,
) -> list[demo_decisions.HistoryStep]:
    """The worked example's delivery estimates as steps of the replay: each recorded by the improvement's
    owner through the improvements service the day its latest business case was written (its owner may
    record one from the business case stage). An estimate already there is left as it is."""
    written = {
        row["improvement_ref"]: max(
            demo_day(v["created_on"], loaded_on) or loaded_on for v in row["versions"]
        )
        for row in cases
    }
    have = dict(
        db.session.execute(
            select(Improvement.ref, Improvement.delivery_person_months).where(
                Improvement.ref.in_([row["improvement_ref"] for row in rows])
            )
        ).all()
    )
    steps: list[demo_decisions.HistoryStep] = []
    for row in rows:
        ref, estimate = row["improvement_ref"], Decimal(str(row["delivery_person_months"]))
        if have.get(ref) == estimate:
            counts.add("improvement", "unchanged")
            continue
        if ref not in written:
            raise ValueError(f"delivery_estimates.yaml sizes {ref}, which has no business case to date it by")
        at = datetime.combine(written[ref], ESTIMATED_AT, tzinfo=UTC)
        steps.append((at, 6, partial(_record_estimate, ref, estimate, counts)))
    return steps


def _record_estimate(ref: str, estimate: Decimal, counts: UpsertCounts) -> None:
    """The owner records the estimate, through the improvements service."""
    improvement = db.session.scalar(select(Improvement).where(Improvement.ref == ref))
    if improvement is None or improvement.owner is None:
        raise ValueError(f"{ref} has no owner to estimate its delivery")
    update_improvement(
        improvement,
        actor=improvement.owner,
        expected_version=improvement.version,
        changes={"delivery_person_months": estimate},
    )
    counts.add("improvement", "updated")
