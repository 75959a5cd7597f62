"""The worked example's history holds together: each improvement entered its stage on the date of the
decision that put it there (and its page says so), every decision was taken at a design authority meeting
held that day with its members, agenda and minutes, conditional goes carry owned, dated conditions closed
as the history says, and the audit log records the history in date order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from changeauth.domain.gates import ConditionStatus
from changeauth.domain.lifecycle import Decision, Gate, Route, Stage
from changeauth.domain.working_days import subtract_working_days
from changeauth.models import (
    Assessment,
    AuditEvent,
    Condition,
    DaMeeting,
    GateDecision,
    Improvement,
    MeetingAgendaItem,
    Notification,
)
from changeauth.web.filters import format_date
from tests.factories import UserFactory
from tests.helpers import form_values, page

AS_OF = date(2026, 11, 29)
pytestmark = pytest.mark.worked_example(as_of=AS_OF)


def _decided(db_session: Any) -> dict[Improvement, list[GateDecision]]:
    """Each demo improvement that has decisions, with them in date order."""
    decisions = db_session.scalars(
        select(GateDecision)
        .join(Improvement, Improvement.id == GateDecision.improvement_id)
        .where(Improvement.ref.like("IMP-2021-%"))
        .options(selectinload(GateDecision.attendees), selectinload(GateDecision.conditions))
        .order_by(GateDecision.decided_at, GateDecision.id)
    ).all()
    history: dict[Improvement, list[GateDecision]] = {}
    for decision in decisions:
        history.setdefault(db_session.get(Improvement, decision.improvement_id), []).append(decision)
    return history


def test_each_improvement_entered_its_stage_on_the_decision_that_put_it_there(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    history = _decided(db_session)
    assert len(history) >= 10
    login_as(UserFactory(viewer=True))
    problems = []
    for improvement, decisions in history.items():
        ref = improvement.ref
        entered = improvement.stage_changed_at.date()
        if improvement.created_at.date() > decisions[0].decided_at.date():
            problems.append(f"{ref}: submitted after its first decision")
        into_stage = [d for d in decisions if d.to_stage is improvement.stage]
        if improvement.stage is Stage.DELIVERY and improvement.route is Route.STANDARD:
            # Its owner started delivery after the approval.
            expected = max(entered, decisions[-1].decided_at.date())
        else:
            expected = into_stage[-1].decided_at.date() if into_stage else date.min
        if entered != expected:
            problems.append(f"{ref}: entered {improvement.stage.value} on {entered}, decided on {expected}")
        shown = page(client.get(f"/improvements/{improvement.id}"))
        since = shown.select_one("#in-stage-since dd")
        if since is None or since.get_text(strip=True) != format_date(entered):
            problems.append(f"{ref}: the page says in this stage since {since}, not {format_date(entered)}")
        when = [item.get_text(strip=True) for item in shown.select(".timeline__when")]
        if format_date(decisions[-1].decided_at) not in when:
            problems.append(f"{ref}: the timeline does not show its latest decision's date")
    assert not problems, "\n".join(problems)
    # The work waiting at a gate has waited weeks, not years.
    for ref in ("IMP-2021-0002", "IMP-2021-0003", "IMP-2021-0014"):
        waiting = db_session.scalar(select(Improvement).where(Improvement.ref == ref))
        assert waiting.stage_changed_at.date() >= subtract_working_days(AS_OF, 60), ref


def test_every_decision_was_taken_at_that_days_design_authority_meeting(db_session: Any) -> None:
    history = _decided(db_session)
    meetings = {
        meeting.id: meeting
        for meeting in db_session.scalars(select(DaMeeting).options(selectinload(DaMeeting.members)))
    }
    agendas: dict[int, set[int]] = {}
    for item in db_session.scalars(select(MeetingAgendaItem)):
        agendas.setdefault(item.meeting_id, set()).add(item.improvement_id)
    problems = []
    for improvement, decisions in history.items():
        for decision in decisions:
            where = f"{improvement.ref} {decision.gate.value}"
            meeting = meetings.get(decision.meeting_id or 0)
            if meeting is None:
                problems.append(f"{where}: taken at no meeting")
                continue
            if meeting.meets_on != decision.decided_at.date() or meeting.meets_on >= AS_OF:
                problems.append(
                    f"{where}: decided {decision.decided_at:%Y-%m-%d}, meeting {meeting.meets_on}"
                )
            if not {a.id for a in decision.attendees} <= {m.id for m in meeting.members}:
                problems.append(f"{where}: attendees who were not members of the meeting")
            if improvement.ref not in meeting.minutes or decision.rationale not in meeting.minutes:
                problems.append(f"{where}: not in the meeting's minutes")
            on_agenda = improvement.id in agendas.get(meeting.id, set())
            if on_agenda != (decision.gate is not Gate.G0):
                problems.append(f"{where}: on the agenda {on_agenda}")
            if meeting.created_at.date() >= meeting.meets_on:
                problems.append(f"{where}: the meeting was arranged on or after its day")
    assert not problems, "\n".join(problems)
    # Past meetings: nobody is emailed an invitation when the example is loaded; the notices of the
    # actions they agreed were delivered when they were recorded.
    assert not db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.subject_type == "da_meeting",
            (Notification.kind != "meeting.action") | Notification.sent_at.is_(None),
        )
    )


def test_conditional_goes_carry_owned_dated_conditions_closed_as_the_history_says(db_session: Any) -> None:
    history = _decided(db_session)
    conditional = [
        (improvement, decision)
        for improvement, decisions in history.items()
        for decision in decisions
        if decision.decision is Decision.GO_WITH_CONDITIONS
    ]
    assert {improvement.ref for improvement, _ in conditional} >= {"IMP-2021-0001", "IMP-2021-0006"}
    statuses = []
    for improvement, decision in conditional:
        assert decision.conditions, improvement.ref
        later = [d.decided_at for d in history[improvement] if d.decided_at > decision.decided_at]
        for condition in decision.conditions:
            assert condition.owner_id and condition.due_date > decision.decided_at.date()
            statuses.append(condition.status)
            if condition.status is ConditionStatus.OPEN:
                # An open condition would block the next gate's go: none has been taken since.
                assert not later, improvement.ref
                assert condition.closed_at is None
            else:
                assert decision.decided_at < condition.closed_at
                assert all(condition.closed_at < at for at in later), improvement.ref
                assert condition.note
    assert ConditionStatus.MET in statuses and ConditionStatus.OPEN in statuses


def test_the_audit_log_records_the_history_at_its_own_dates_in_order(db_session: Any) -> None:
    """Each step of the history was performed at its own instant (``db.clock_at``): the events' own
    timestamps are the history's dates, in the chain's order, and the chain verifies."""
    from changeauth.services.audit import verify_audit_chain

    loaded = datetime.combine(AS_OF, time(0, 0), tzinfo=UTC)
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.occurred_at < loaded).order_by(AuditEvent.id)
    ).all()
    actions = {event.action for event in events}
    assert {
        "meeting.created",
        "improvement.decided",
        "condition.met",
        "improvement.score_final",
        "improvement.transitioned",
    } <= actions
    stamps = [event.occurred_at for event in events]
    assert len(stamps) > 60 and stamps == sorted(stamps)
    meetings = {meeting.id: meeting for meeting in db_session.scalars(select(DaMeeting))}
    conditions = {condition.id: condition for condition in db_session.scalars(select(Condition))}
    decisions = {
        (d.improvement_id, d.gate.value, d.decision.value): d
        for d in db_session.scalars(select(GateDecision))
    }
    problems = []
    for event in events:
        after = event.after or {}
        if event.action == "meeting.created":
            meeting = meetings[event.subject_id]
            if event.occurred_at != meeting.created_at or event.occurred_at.date() >= meeting.meets_on:
                problems.append(f"meeting of {meeting.meets_on} arranged {event.occurred_at}")
        elif event.action == "condition.met":
            if event.occurred_at != conditions[after["condition_id"]].closed_at:
                problems.append(f"condition {after['condition_id']} closed {event.occurred_at}")
        elif event.action == "improvement.decided":
            decision = decisions[(event.subject_id, after["gate"], after["decision"])]
            if event.occurred_at != decision.decided_at:
                problems.append(f"decision {decision.id} recorded {event.occurred_at}")
    assert not problems, "\n".join(problems)
    assert verify_audit_chain().ok


def _refs(db_session: Any, *refs: str) -> dict[str, Improvement]:
    return {
        work.ref: work
        for work in db_session.scalars(
            select(Improvement)
            .where(Improvement.ref.in_(refs))
            .options(selectinload(Improvement.submitter), selectinload(Improvement.owner))
        )
    }


def test_the_members_scored_before_the_business_case_came_to_g1(db_session: Any) -> None:
    from changeauth.queries.timeline import EntryKind, timeline

    for ref, work in _refs(db_session, "IMP-2021-0001", "IMP-2021-0002", "IMP-2021-0006").items():
        entries = timeline(work, show_submitter=True)
        kinds = [(entry.kind, entry.gate) for entry in entries]
        g1 = kinds.index((EntryKind.DECISION, Gate.G1.value))
        assert (EntryKind.SCORE_FINAL, None) in kinds[:g1] or ref == "IMP-2021-0006", ref
        submitted = db_session.scalars(
            select(Assessment.submitted_at).where(Assessment.improvement_id == work.id)
        )
        assert all(at < entries[g1].at for at in submitted) and submitted, ref
        assert all(entry.at <= entries[g1].at for entry in entries if entry.kind is EntryKind.SCORE_FINAL)


def test_the_owner_started_delivery_after_approval_and_before_go_live(db_session: Any) -> None:
    from changeauth.queries.timeline import EntryKind, timeline

    found = _refs(db_session, "IMP-2021-0001", "IMP-2021-0006", "IMP-2021-0007", "IMP-2021-0009")
    assert len(found) == 4
    for ref, work in found.items():
        entries = timeline(work, show_submitter=True)
        started = [entry for entry in entries if entry.kind is EntryKind.TRANSITION]
        assert [(e.from_stage, e.to_stage, e.action) for e in started] == [
            (Stage.APPROVED.value, Stage.DELIVERY.value, "start_delivery")
        ], ref
        approved = next(e for e in entries if e.is_decision and e.to_stage == Stage.APPROVED.value)
        assert approved.at < started[0].at, ref
        assert started[0].actor == work.owner.name, ref
        went_live = [e for e in entries if e.is_decision and e.gate == Gate.G2.value]
        assert all(started[0].at < e.at for e in went_live), ref
        if work.stage is Stage.DELIVERY:
            assert started[0].at == work.stage_changed_at, ref


def test_each_decision_notified_its_followers_on_the_day_without_emailing_them(db_session: Any) -> None:
    decisions = db_session.scalars(
        select(GateDecision)
        .join(Improvement, Improvement.id == GateDecision.improvement_id)
        .where(Improvement.ref.like("IMP-2021-%"))
    ).all()
    assert len(decisions) > 20
    for decision in decisions:
        notices = db_session.scalars(
            select(Notification).where(Notification.dedupe_key.like(f"decision:{decision.id}:user:%"))
        ).all()
        assert notices, decision.id
        for notice in notices:
            assert notice.kind == "improvement.decision" and notice.subject_id == decision.improvement_id
            assert notice.created_at == notice.sent_at == notice.read_at == decision.decided_at
    # Nothing the example loaded waits in the outbox to be emailed.
    assert not db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.sent_at.is_(None), Notification.kind == "improvement.decision")
    )


def test_loading_the_history_again_on_a_later_day_adds_nothing(db_session: Any) -> None:
    from changeauth.cli.seed import SEEDS_DIR, read_yaml
    from changeauth.devtools import demo_data
    from changeauth.devtools.worked_example import load_demo_decisions
    from changeauth.services.reference_data import UpsertCounts

    def counted() -> tuple[int, ...]:
        return tuple(
            db_session.scalar(select(func.count()).select_from(model))
            for model in (GateDecision, DaMeeting, Condition, MeetingAgendaItem, AuditEvent)
        )

    before = counted()
    counts = UpsertCounts()
    load_demo_decisions(
        read_yaml(SEEDS_DIR / "demo" / "decisions.yaml"),
        demo_data.ensure_demo_users(),
        counts,
        loaded_on=AS_OF + timedelta(days=45),
    )
    assert counted() == before
    assert counts.created == 0 and counts.unchanged > 20


def test_the_timeline_tells_each_decisions_meeting_and_conditions_in_date_order(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    work = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0009"))
    login_as(UserFactory(viewer=True))
    items = page(client.get(f"/improvements/{work.id}")).select(".timeline__item")
    said = [item.get_text(" ", strip=True) for item in items]
    went_live = next(text for text in said if text.startswith("11 February 2026 G2"))
    assert "at the design authority meeting of 11 February 2026" in went_live
    assert "Report the first quarter's figures to the leadership team" in went_live
    assert "Morgan Manager, by 30 June 2026" in went_live
    met = next(text for text in said if "Condition met:" in text)
    assert met.startswith("17 June 2026") and "Closed by Morgan Manager" in met
    assert said.index(went_live) < said.index(met)


def test_a_past_meetings_page_does_not_claim_its_members_were_emailed(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.devtools.demo_data import demo_email
    from changeauth.models import User

    meeting = db_session.scalar(select(DaMeeting).order_by(DaMeeting.meets_on.desc()).limit(1))
    member = db_session.scalar(select(User).where(User.email == demo_email("design_authority_2")))
    login_as(member)
    shown = page(client.get(f"/meetings/{meeting.id}")).get_text(" ", strip=True)
    assert meeting.minutes.splitlines()[0] in shown
    assert "sent the invitation by email" not in shown
    # A meeting arranged ahead through the page invites its members, and says so.
    values = {
        "title": "Design authority, next month",
        "meets_on": "2027-01-14",
        "starts_at": "10:00",
        "duration_minutes": "60",
        "member_ids": [str(member.id)],
    }
    arranged = client.post(
        "/meetings/new", data={**form_values(client.get("/meetings/new"), "main form"), **values}
    )
    assert arranged.status_code == 302, page(arranged).get_text(" ", strip=True)[:500]
    assert "sent the invitation by email" in page(client.get(arranged.headers["Location"])).get_text(
        " ", strip=True
    )


def test_past_meetings_recorded_the_actions_they_agreed_some_done_on_their_day_some_open(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.models import MeetingAction, User

    actions = db_session.scalars(
        select(MeetingAction).options(selectinload(MeetingAction.owner)).order_by(MeetingAction.id)
    ).all()
    members = {
        meeting.id: {member.id for member in meeting.members}
        for meeting in db_session.scalars(select(DaMeeting).options(selectinload(DaMeeting.members)))
    }
    assert len(actions) >= 8
    done = [action for action in actions if action.done_at is not None]
    still_open = [action for action in actions if action.done_at is None]
    assert done and still_open
    meetings = {meeting.id: meeting for meeting in db_session.scalars(select(DaMeeting))}
    for action in actions:
        meeting = meetings[action.meeting_id]
        # Recorded on the meeting's day by one of its members, owned by a member or the work's owner.
        assert action.created_at.date() == meeting.meets_on
        assert action.created_by_id in members[meeting.id]
        if action.done_at is not None:
            assert meeting.meets_on < action.done_at.date() <= AS_OF
    told = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["meeting.action_added", "meeting.action_done"]))
    ).all()
    assert len(told) == len(actions) + len(done)
    assert {event.occurred_at for event in told if event.action == "meeting.action_done"} == {
        action.done_at for action in done
    }
    # Nobody is left with years of unread notices about them.
    assert not db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == "meeting.action", Notification.read_at.is_(None))
    )
    # The meeting's page lists them, each done with its day or open.
    first = done[0]
    login_as(db_session.get(User, first.created_by_id))
    shown = page(client.get(f"/meetings/{first.meeting_id}")).select_one("#actions").find_next("table")
    text = shown.get_text(" ", strip=True)
    assert first.text[:60] in text and f"Done on {format_date(first.done_at)}" in text
    open_one = still_open[0]
    text = page(client.get(f"/meetings/{open_one.meeting_id}")).select_one("#actions").find_next("table")
    assert "Open" in text.get_text(" ", strip=True)


def test_the_timeline_names_each_decisions_attendees_as_the_register_does(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    work = db_session.scalar(select(Improvement).where(Improvement.ref == "IMP-2021-0009"))
    decisions = _decided(db_session)[work]
    login_as(UserFactory(viewer=True))
    said = [
        item.get_text(" ", strip=True)
        for item in page(client.get(f"/improvements/{work.id}")).select(".timeline__item")
    ]
    register = page(client.get("/decisions")).get_text(" ", strip=True)
    for decision in decisions:
        names = ", ".join(sorted(person.name for person in decision.attendees))
        entry = next(
            text for text in said if text.startswith(f"{format_date(decision.decided_at)} {decision.gate}")
        )
        if decision.gate == Gate.G0:
            # One member triages: the entry names who decided, not an attendance list that the
            # meeting's minutes ("Present: ...") would contradict.
            assert f"Decided by {names} at the design authority meeting" in entry
            assert "Attending:" not in entry
        else:
            assert f"Attending: {names}." in entry
        assert names in register
    assert "Decided by" in register and "Attendees" not in register
    # The go-live was decided by three members: the timeline names all of them, not only the recorder.
    assert "Attending: Dee Reviewer, Devi Authority, Drew Assessor." in next(
        text for text in said if text.startswith("11 February 2026 G2")
    )


def test_behind_plan_flags_carry_the_replayed_day_the_benefit_fell_behind(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    from changeauth.domain.benefits import FLAG_BENEFIT_OUT_OF_TOLERANCE
    from changeauth.models import Benefit, Flag
    from changeauth.services import monitoring

    def open_flags() -> dict[int, date]:
        return dict(
            db_session.execute(
                select(Flag.subject_id, Flag.raised_on).where(
                    Flag.kind == FLAG_BENEFIT_OUT_OF_TOLERANCE, Flag.resolved_on.is_(None)
                )
            ).all()
        )

    raised = open_flags()
    assert len(raised) >= 4
    # Raised by the nightly sweep in the history, on the night each fell behind: none on the load day.
    assert all(day < AS_OF for day in raised.values()), raised
    assert len(set(raised.values())) > 1
    # The job's first run after the load finds them already flagged and keeps their days.
    monitoring.sweep_out_of_tolerance(AS_OF, grace_days=14)
    assert {key: open_flags()[key] for key in raised} == raised
    # Their notices were delivered then, not left for the outbox.
    assert not db_session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == f"flag.{FLAG_BENEFIT_OUT_OF_TOLERANCE}", Notification.sent_at.is_(None))
    )
    benefit_id, day = next(iter(raised.items()))
    login_as(UserFactory(viewer=True))
    shown = page(client.get(f"/benefits/{benefit_id}")).get_text(" ", strip=True)
    assert f"Behind plan since {format_date(day)}" in shown
    assert db_session.get(Benefit, benefit_id) is not None


def test_a_past_meetings_record_says_what_it_triaged_in_the_registers_words(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    """Triage is decided from the triage queue, not an agenda: a meeting that only triaged says so
    rather than "Nothing was on the agenda", and its minutes name each gate and decision as the
    register does."""
    from changeauth.devtools.demo_data import demo_email
    from changeauth.domain.lifecycle import DECISION_LABELS, gate_title
    from changeauth.models import User

    decisions = db_session.scalars(
        select(GateDecision)
        .where(GateDecision.meeting_id.is_not(None))
        .options(selectinload(GateDecision.attendees))
    ).all()
    by_meeting: dict[int, list[GateDecision]] = {}
    for decision in decisions:
        by_meeting.setdefault(decision.meeting_id, []).append(decision)
    triage_only = next(
        meeting_id for meeting_id, taken in by_meeting.items() if {d.gate for d in taken} == {Gate.G0}
    )
    meeting = db_session.get(DaMeeting, triage_only)
    for taken in by_meeting.values():
        minutes = db_session.get(DaMeeting, taken[0].meeting_id).minutes
        for decision in taken:
            improvement = db_session.get(Improvement, decision.improvement_id)
            label = DECISION_LABELS[Decision(decision.decision)].lower()
            words = f"{improvement.ref} {improvement.title}. {gate_title(decision.gate)}: {label}."
            assert words in minutes
    login_as(db_session.scalar(select(User).where(User.email == demo_email("design_authority_2"))))
    shown = page(client.get(f"/meetings/{meeting.id}"))
    text = shown.get_text(" ", strip=True)
    assert "Nothing was on the agenda" not in text
    assert "Ideas are triaged from the triage queue, not from the agenda" in text
    triaged = shown.select_one("#triage-record").get_text(" ", strip=True)
    for decision in by_meeting[triage_only]:
        improvement = db_session.get(Improvement, decision.improvement_id)
        assert improvement.title in triaged
        decider = ", ".join(sorted(person.name for person in decision.attendees))
        assert f"Decided by {decider}." in text
