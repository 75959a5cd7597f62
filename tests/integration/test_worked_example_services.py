"""The worked example is built through the services, in date order: each improvement submitted through the
submit service at its own date, triaged and decided at every gate through the gate service at meetings
the meetings service arranged, with their agendas, so the audit log holds no event after the load and
tells each improvement's history in its order (submitted, triaged, decided); the staffing register, the
temporary resources and the delivery estimates are recorded through their services on their own dates;
and the deep dives' ideas are mostly triaged, leaving a short, young queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from changeauth.domain.lifecycle import Gate, Stage, Status
from changeauth.models import AuditEvent, GateDecision, Improvement
from tests.factories import UserFactory
from tests.helpers import page

AS_OF = date(2026, 11, 29)
LOADED_AT = datetime.combine(AS_OF, time(12, 0), tzinfo=UTC)
pytestmark = pytest.mark.worked_example(as_of=AS_OF)

# The order each improvement's history is told in: submitted, triaged, then its later gates.
STEP_ORDER = {"improvement.submitted": 0, "G0": 1, "G1": 2, "G2": 3, "G3": 4}


def _demo(db_session: Any) -> dict[int, Improvement]:
    return {
        work.id: work
        for work in db_session.scalars(select(Improvement).where(Improvement.ref.like("IMP-2021-%")))
    }


def test_every_event_is_dated_at_or_before_the_load_in_the_order_it_happened(db_session: Any) -> None:
    from changeauth.devtools.demo_data import DEMO_USERS, demo_email
    from changeauth.models import User

    # The example's events: from the creation of its first account (the reference data comes before).
    accounts = db_session.scalars(select(User.id).where(User.email.in_([demo_email(k) for k in DEMO_USERS])))
    first = db_session.scalar(
        select(AuditEvent.id)
        .where(AuditEvent.action == "user.created", AuditEvent.subject_id.in_(list(accounts)))
        .order_by(AuditEvent.id)
        .limit(1)
    )
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.id >= first).order_by(AuditEvent.id)
    ).all()
    stamps = [event.occurred_at for event in events]
    assert len(stamps) > 150
    assert max(stamps) <= LOADED_AT
    # The chain's order is the history's order: no event written later carries an earlier date.
    assert stamps == sorted(stamps)
    # Nothing is "loaded" as it stands: the improvements were submitted and decided.
    assert not [event.action for event in events if event.action == "improvement.loaded"]


def test_each_improvement_was_submitted_then_triaged_then_decided(db_session: Any) -> None:
    demo = _demo(db_session)
    events = db_session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "improvement", AuditEvent.subject_id.in_(demo))
        .order_by(AuditEvent.id)
    ).all()
    steps: dict[int, list[tuple[str, datetime]]] = {}
    for event in events:
        after = event.after or {}
        if event.action == "improvement.submitted":
            steps.setdefault(event.subject_id, []).append((event.action, event.occurred_at))
        elif event.action == "improvement.decided":
            steps.setdefault(event.subject_id, []).append((after["gate"], event.occurred_at))
    problems = []
    for improvement_id, work in demo.items():
        told = steps.get(improvement_id, [])
        if not told or told[0][0] != "improvement.submitted":
            problems.append(f"{work.ref}: its history does not begin with its submission: {told}")
            continue
        if told[0][1] != work.created_at:
            problems.append(f"{work.ref}: submitted {told[0][1]}, created {work.created_at}")
        order = [STEP_ORDER[step] for step, _at in told]
        if order != sorted(order) or [at for _step, at in told] != sorted(at for _step, at in told):
            problems.append(f"{work.ref}: told out of order: {told}")
    assert not problems, "\n".join(problems)


def test_every_improvement_beyond_an_idea_was_triaged_through_the_gate_service(db_session: Any) -> None:
    demo = _demo(db_session)
    triaged = {
        decision.improvement_id: decision
        for decision in db_session.scalars(
            select(GateDecision).where(GateDecision.gate == Gate.G0, GateDecision.improvement_id.in_(demo))
        )
    }
    # The gate service's own audit event, naming the decision it recorded, by the member who took it.
    by_service = {
        (event.subject_id, (event.after or {}).get("decision_id")): event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "improvement.decided"))
    }
    problems = []
    for improvement_id, work in demo.items():
        if work.stage is Stage.IDEA and work.status is Status.SUBMITTED:
            if improvement_id in triaged:
                problems.append(f"{work.ref}: waits for triage but has a triage decision")
            continue
        decision = triaged.get(improvement_id)
        if decision is None:
            problems.append(f"{work.ref} ({work.stage.value}): no triage decision")
            continue
        event = by_service.get((improvement_id, decision.id))
        if event is None or event.actor_id != decision.decided_by_id:
            problems.append(f"{work.ref}: its triage was not taken through the gate service")
        elif event.occurred_at != decision.decided_at:
            problems.append(f"{work.ref}: triaged {decision.decided_at}, recorded {event.occurred_at}")
    assert not problems, "\n".join(problems)


def test_most_deep_dive_ideas_are_triaged_and_a_few_young_ideas_wait(db_session: Any) -> None:
    from changeauth.queries import triage

    waiting = {
        item.improvement.ref: item.working_days for item in triage.triage_queue(AS_OF, per_page=100).items
    }
    assert sorted(waiting) == ["IMP-2021-0008", "IMP-2021-0012", "IMP-2021-0024", "IMP-2021-0025"]
    assert max(waiting.values()) <= 5
    deep_dives = db_session.scalars(
        select(Improvement).where(Improvement.ref.between("IMP-2021-0010", "IMP-2021-0024"))
    ).all()
    assert len(deep_dives) == 15
    outcomes = {(work.stage, work.status) for work in deep_dives if work.ref not in waiting}
    # Every kind of triage outcome, not one flag kind repeated.
    assert {
        (Stage.BUSINESS_CASE, Status.ACTIVE),
        (Stage.DELIVERY, Status.ACTIVE),
        (Stage.MERGED, Status.MERGED),
        (Stage.ON_HOLD, Status.ON_HOLD),
        (Stage.IDEA, Status.NEEDS_INFO),
        (Stage.DECLINED, Status.DECLINED),
    } <= outcomes


def test_benefits_measurements_and_adjustments_went_through_the_benefits_services_on_their_dates(
    db_session: Any,
) -> None:
    from changeauth.models import Benefit, BenefitMeasurement

    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert not {"benefit.loaded", "benefit.adjustment_loaded"} & actions
    created = {
        event.subject_id: event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "benefit.created"))
    }
    recorded = {
        (event.subject_id, (event.after or {}).get("measurement_id")): event
        for event in db_session.scalars(
            select(AuditEvent).where(AuditEvent.action == "benefit.measurement_recorded")
        )
    }
    problems = []
    for benefit in db_session.scalars(select(Benefit)):
        profiled = created.get(benefit.id)
        if profiled is None or profiled.occurred_at.date() >= AS_OF:
            problems.append(f"{benefit.title}: not profiled through the service before the load")
            continue
        for measurement in db_session.scalars(
            select(BenefitMeasurement).where(BenefitMeasurement.benefit_id == benefit.id)
        ):
            event = recorded.get((benefit.id, measurement.id))
            if event is None or event.occurred_at.date() != measurement.period_end:
                problems.append(
                    f"{benefit.title}: {measurement.period_end} not recorded at its period's close"
                )
            elif not profiled.occurred_at < event.occurred_at:
                problems.append(f"{benefit.title}: measured before it was profiled")
    assert not problems, "\n".join(problems)
    # The SWAP audit's validation of the programme's saving, on its day (report §3.2).
    validated = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "benefit.validated"))
    assert validated is not None and validated.occurred_at.date() == date(2019, 11, 30)
    # The report's two adjustments, recorded by finance at the close-down and still proposed.
    adjustments = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "benefit.adjustment_recorded")
    ).all()
    assert adjustments and {event.occurred_at.date() for event in adjustments} == {date(2021, 3, 31)}


def test_the_improvements_business_cases_were_written_submitted_and_approved_through_the_service(
    db_session: Any,
) -> None:
    from changeauth.domain.business_cases import CaseStatus
    from changeauth.models import BusinessCase

    cases = db_session.scalars(select(BusinessCase).where(BusinessCase.improvement_id.is_not(None))).all()
    assert len(cases) >= 4
    told: dict[int, list[tuple[str, datetime]]] = {}
    for event in db_session.scalars(
        select(AuditEvent).where(AuditEvent.subject_type == "business_case").order_by(AuditEvent.id)
    ):
        told.setdefault(event.subject_id, []).append((event.action, event.occurred_at))
    for case in cases:
        actions = [action for action, _at in told.get(case.id, [])]
        assert actions[0] == "business_case.created", (case.id, actions)
        assert told[case.id][0][1] == case.created_at < LOADED_AT
        if case.submitted_at is not None:
            assert "business_case.submitted" in actions and case.created_at < case.submitted_at
        if case.status == CaseStatus.APPROVED:
            g1 = db_session.scalar(
                select(GateDecision.decided_at).where(
                    GateDecision.improvement_id == case.improvement_id, GateDecision.gate == Gate.G1
                )
            )
            # Approved by the G1 decision, at its instant, after it was submitted.
            assert actions[-1] == "business_case.approved" and told[case.id][-1][1] == g1
            assert case.approved_at == g1 and case.submitted_at < g1
    statuses = {CaseStatus(case.status) for case in cases}
    assert {CaseStatus.APPROVED, CaseStatus.SUPERSEDED, CaseStatus.SUBMITTED, CaseStatus.DRAFT} <= statuses


def test_the_programmes_case_was_written_submitted_and_approved_through_the_service_in_april_2017(
    db_session: Any,
) -> None:
    from changeauth.devtools.demo_data import demo_email
    from changeauth.models import BusinessCase, Programme, User

    programme = db_session.scalar(select(Programme).where(Programme.code == "transformation"))
    case = db_session.scalar(select(BusinessCase).where(BusinessCase.programme_id == programme.id))
    events = db_session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "business_case", AuditEvent.subject_id == case.id)
        .order_by(AuditEvent.id)
    ).all()
    people = dict(db_session.execute(select(User.email, User.id)).all())
    assert [(event.action, event.actor_id) for event in events] == [
        ("business_case.created", people[demo_email("design_authority")]),
        ("business_case.submitted", people[demo_email("design_authority")]),
        ("business_case.approved", people[demo_email("design_authority_2")]),
    ]
    assert {event.occurred_at.date() for event in events} == {date(2017, 4, 1)}
    assert case.created_at < case.submitted_at < case.approved_at
    assert (case.status, case.costs_split, case.created_by_id) == (
        "approved",
        False,
        people[demo_email("design_authority")],
    )
    assert not db_session.scalar(select(AuditEvent.id).where(AuditEvent.action == "business_case.loaded"))


def test_the_reports_lessons_are_in_the_log_from_the_day_the_programme_ended(db_session: Any) -> None:
    from changeauth.models import Lesson, Team
    from changeauth.queries import reviews as review_queries

    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "lesson.recorded")).all()
    lessons = db_session.scalars(select(Lesson).order_by(Lesson.id)).all()
    assert 2 <= len(lessons) <= 4 and len(events) == len(lessons)
    assert {event.occurred_at.date() for event in events} == {date(2021, 3, 31)}
    # From the programme, each quoting the report with the section it comes from.
    assert all(lesson.programme_id is not None and lesson.improvement_id is None for lesson in lessons)
    assert all("(report §" in lesson.what_happened and "(report §" in lesson.next_time for lesson in lessons)
    # A new idea for Planning is shown the Planning team's lessons.
    planning = db_session.scalar(select(Team.id).where(Team.code == "planning"))
    idea = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0012"))
    assert idea.team_id == planning and idea.stage == Stage.IDEA
    shown = review_queries.lessons_for(idea)
    assert shown and all(lesson.team_id == planning for lesson in shown[:2])


def test_every_decision_at_every_gate_was_taken_through_the_gate_service(db_session: Any) -> None:
    from changeauth.models import BusinessCase, ImprovementScore

    demo = _demo(db_session)
    # The gate service's own audit event, naming the decision it recorded, by the member who took it.
    by_service = {
        (event.subject_id, (event.after or {}).get("decision_id")): event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "improvement.decided"))
    }
    assert not db_session.scalars(select(AuditEvent).where(AuditEvent.action == "gate_decision.loaded")).all()
    decisions = db_session.scalars(
        select(GateDecision)
        .where(GateDecision.improvement_id.in_(demo), GateDecision.gate != Gate.G0)
        .options(selectinload(GateDecision.attendees))
    ).all()
    assert {decision.gate for decision in decisions} == {Gate.G1, Gate.G2, Gate.G3}
    problems = []
    for decision in decisions:
        where = f"{demo[decision.improvement_id].ref} {decision.gate.value}"
        event = by_service.get((decision.improvement_id, decision.id))
        if event is None or event.actor_id != decision.decided_by_id:
            problems.append(f"{where}: not taken through the gate service")
        elif event.occurred_at != decision.decided_at:
            problems.append(f"{where}: decided {decision.decided_at}, recorded {event.occurred_at}")
        elif sorted(event.after["attendee_ids"]) != sorted(a.id for a in decision.attendees):
            problems.append(f"{where}: the service did not record its attendees")
        if len(decision.attendees) < 3:
            problems.append(f"{where}: taken without a quorum")
    assert not problems, "\n".join(problems)
    # Every investment decision to go ahead was taken on a final score and a submitted business case,
    # which the gate service's G1 criteria ask for.
    for decision in decisions:
        if decision.gate is not Gate.G1 or decision.to_stage is not Stage.APPROVED:
            continue
        score = db_session.scalar(
            select(ImprovementScore).where(ImprovementScore.improvement_id == decision.improvement_id)
        )
        assert score is not None and score.status == "final", demo[decision.improvement_id].ref
        case = db_session.scalar(
            select(BusinessCase).where(
                BusinessCase.improvement_id == decision.improvement_id, BusinessCase.status == "approved"
            )
        )
        assert case is not None and case.approved_at == decision.decided_at, demo[decision.improvement_id].ref


def test_every_meeting_was_arranged_with_its_members_and_its_agenda_set_through_the_meetings_service(
    db_session: Any,
) -> None:
    from changeauth.models import DaMeeting, MeetingAgendaItem

    created = {
        event.subject_id: event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.created"))
    }
    agenda_events = {
        (event.subject_id, (event.after or {}).get("improvement_id")): event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.agenda_added"))
    }
    decided = {
        (decision.meeting_id, decision.improvement_id): decision
        for decision in db_session.scalars(select(GateDecision).where(GateDecision.gate != Gate.G0))
    }
    meetings = db_session.scalars(select(DaMeeting).options(selectinload(DaMeeting.members))).all()
    assert meetings
    problems = []
    for meeting in meetings:
        event = created.get(meeting.id)
        if event is None or event.actor_id is None or event.occurred_at.date() >= meeting.meets_on:
            problems.append(f"meeting of {meeting.meets_on}: not arranged ahead through the meetings service")
        if len(meeting.members) < 3:
            problems.append(f"meeting of {meeting.meets_on}: {len(meeting.members)} members invited")
    for item in db_session.scalars(select(MeetingAgendaItem)):
        event = agenda_events.get((item.meeting_id, item.improvement_id))
        decision = decided.get((item.meeting_id, item.improvement_id))
        if event is None or event.actor_id != item.added_by_id:
            problems.append(f"agenda item {item.id}: not added through the meetings service")
        elif decision is None or not event.occurred_at < decision.decided_at:
            # Put on the agenda while it waited at its gate, before the meeting decided it.
            problems.append(f"agenda item {item.id}: added {event.occurred_at}, not before its decision")
    # Every G1-G3 decision was on its meeting's agenda.
    agenda = {
        (item.meeting_id, item.improvement_id) for item in db_session.scalars(select(MeetingAgendaItem))
    }
    assert set(decided) <= agenda
    assert not problems, "\n".join(problems)


def test_temporary_resources_staffing_and_estimates_were_recorded_through_their_services_on_their_dates(
    db_session: Any,
) -> None:
    from changeauth.models import BenefitPayAward, BenefitPost, BenefitStaffing, TemporaryResource

    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert "temporary_resource.loaded" not in actions
    events = {
        (event.action, event.subject_id): event
        for event in db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.in_(["temporary_resource.created", "temporary_resource.ended"])
            )
        )
    }
    resources = db_session.scalars(select(TemporaryResource)).all()
    assert len(resources) >= 9
    problems = []
    for resource in resources:
        created = events.get(("temporary_resource.created", resource.id))
        if created is None or created.actor_id != resource.owner_id:
            problems.append(f"{resource.role_title}: not recorded by its owner through the service")
        elif created.occurred_at != resource.created_at or resource.created_at.date() != resource.start_date:
            problems.append(
                f"{resource.role_title}: recorded {resource.created_at}, starts {resource.start_date}"
            )
        if resource.actual_end_date is not None:
            ended = events.get(("temporary_resource.ended", resource.id))
            if ended is None or ended.occurred_at.date() != resource.actual_end_date:
                problems.append(
                    f"{resource.role_title}: its end was not recorded on {resource.actual_end_date}"
                )
    assert not problems, "\n".join(problems)
    # The like-for-like register was drawn up for the SWAP audit, before it validated the saving
    # (30 November 2019), and each pay award recorded when it was agreed.
    register = db_session.scalar(select(BenefitStaffing))
    posts = db_session.scalars(select(BenefitPost)).all()
    assert register is not None and posts
    validated = db_session.scalar(
        select(AuditEvent.occurred_at).where(AuditEvent.action == "benefit.validated")
    )
    register_events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("benefit.register_%")).order_by(AuditEvent.id)
    ).all()
    assert register_events and all(event.occurred_at < LOADED_AT for event in register_events)
    assert [e.occurred_at.date() for e in register_events if "pay_award" not in e.action] == [
        date(2019, 11, 29)
    ] * (len(register_events) - 2)
    assert max(e.occurred_at for e in register_events if "pay_award" not in e.action) < validated
    awards = {
        award.financial_year: award.recorded_at.date()
        for award in db_session.scalars(select(BenefitPayAward))
    }
    assert awards == {2019: date(2019, 11, 29), 2020: date(2020, 11, 5)}
    # The delivery estimates, recorded by each improvement's owner through the improvements service.
    estimated = {
        event.subject_id: event
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "improvement.edited"))
        if "delivery_person_months" in (event.after or {})
    }
    sized = db_session.scalars(
        select(Improvement).where(
            Improvement.delivery_person_months.is_not(None), Improvement.ref.like("IMP-2021-%")
        )
    ).all()
    assert sized
    for work in sized:
        event = estimated.get(work.id)
        assert event is not None and event.actor_id == work.owner_id and event.occurred_at < LOADED_AT, (
            work.ref
        )


def test_the_emergent_benefits_are_the_programmes_recorded_when_noticed(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.models import Benefit

    emergent = db_session.scalars(select(Benefit).where(Benefit.emergent.is_(True))).all()
    # Modelled as every modelled baseline is, in its evidence, not in its title.
    assert sorted(benefit.title for benefit in emergent) == [
        "A commercial team grown on the programme's platform",
        "The Customer Connect space and its meeting rooms",
    ]
    for benefit in emergent:
        # Recorded when noticed at the close-down, after the baseline the plan started from: the day it
        # emerged, not the programme's start.
        assert benefit.programme_id is not None and benefit.created_at.date() == date(2020, 12, 31)
        assert benefit.baseline_date == date(2019, 4, 1)
        assert benefit.baseline_evidence.startswith("MODELLED for the demo")
        assert benefit.closing_status is not None
    # Every planned benefit is not emergent.
    assert db_session.scalar(select(Benefit).where(Benefit.emergent.is_(False))) is not None
    # Their pages say so; a planned benefit's does not.
    login_as(UserFactory(viewer=True))
    shown = page(client.get(f"/benefits/{emergent[0].id}")).text
    assert "Emerged during delivery" in shown and "MODELLED for the demo" in shown
    assert "1 April 2019" in shown and "1 April 2017" not in shown
    planned = db_session.scalar(select(Benefit).where(Benefit.emergent.is_(False)).limit(1))
    assert "Emerged during delivery" not in page(client.get(f"/benefits/{planned.id}")).text


def test_each_open_benefit_was_accepted_by_its_owner_through_the_service_on_its_day(db_session: Any) -> None:
    """The owner accepted each benefit half an hour after it was profiled (or handed to them), through the
    acceptance service, so the page says who accepted it and when rather than waiting for an answer."""
    from changeauth.models import Benefit

    created = {
        event.subject_id: event.occurred_at
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "benefit.created"))
    }
    accepted = {
        (event.subject_id, event.actor_id): event.occurred_at
        for event in db_session.scalars(select(AuditEvent).where(AuditEvent.action == "benefit.accepted"))
    }
    problems = []
    for benefit in db_session.scalars(select(Benefit).where(Benefit.closing_status.is_(None))):
        if not benefit.is_accepted:
            problems.append(f"{benefit.title}: waiting for its owner to accept")
            continue
        when = accepted.get((benefit.id, benefit.owner_id))
        if when is None or when != benefit.accepted_at or not created[benefit.id] < when < LOADED_AT:
            problems.append(f"{benefit.title}: not accepted by its owner through the service after profiling")
    assert not problems, "\n".join(problems)
    # The programme's saving was accepted by the business-as-usual owner it was handed to in March 2021.
    saving = db_session.scalar(
        select(Benefit).where(Benefit.title == "Recurring staff cost savings (77.3 FTE)")
    )
    assert saving.is_handed_over and saving.accepted_at.date() == saving.handed_over_on
