"""The transition service at G0 and for the non-gate actions: outcomes, separation of duties, the
version check, bad input that changes nothing, audit events and notifications."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from changeauth.domain.errors import InvalidTransition, PermissionDenied, ValidationFailed, VersionConflict
from changeauth.domain.gate_decisions import DecisionRequest
from changeauth.models import (
    AuditEvent,
    ConflictDeclaration,
    GateDecision,
    Improvement,
    Notification,
    Support,
)
from changeauth.services import transitions
from tests.factories import ImprovementFactory, SupportFactory, UserFactory

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def _decide(improvement: Improvement, actor: Any, decision: str, **kwargs: Any) -> GateDecision:
    kwargs.setdefault("rationale", "Reasons the submitter can read.")
    kwargs.setdefault("version", improvement.version)
    request = DecisionRequest(gate="G0", decision=decision, **kwargs)
    return transitions.decide_gate(improvement, request, actor=actor, now=NOW)


def _count(session: Any, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def da(db_session: Any) -> Any:
    return UserFactory(design_authority=True)


class TestG0Outcomes:
    def test_go_moves_to_business_case_with_an_owner(self, db_session: Any, da: Any) -> None:
        idea, owner = ImprovementFactory(), UserFactory(manager=True)
        record = _decide(idea, da, "go", owner_id=owner.id)
        assert (idea.stage, idea.status, idea.owner_id) == ("business_case", "active", owner.id)
        assert (record.from_stage, record.to_stage, record.decided_by_id) == ("idea", "business_case", da.id)
        assert idea.version == 2

    def test_quick_win_goes_straight_to_delivery(self, db_session: Any, da: Any) -> None:
        idea, owner = ImprovementFactory(), UserFactory()
        _decide(idea, da, "quick_win", owner_id=owner.id)
        assert (idea.stage, idea.route, idea.owner_id) == ("delivery", "quick_win", owner.id)

    def test_merge_moves_supporters_and_tells_the_submitter_where(self, db_session: Any, da: Any) -> None:
        target, idea = ImprovementFactory(title="Existing work"), ImprovementFactory()
        movers = [SupportFactory(improvement_id=idea.id).user_id for _ in range(2)]
        both = SupportFactory(improvement_id=idea.id).user_id
        SupportFactory(improvement_id=target.id, user_id=both)
        _decide(idea, da, "merge", duplicate_of_id=target.id)
        assert (idea.stage, idea.duplicate_of_id) == ("merged", target.id)
        moved = set(db_session.scalars(select(Support.user_id).where(Support.improvement_id == target.id)))
        assert moved == {*movers, both}
        assert _count(db_session, Support, Support.improvement_id == idea.id) == 0
        told = db_session.scalar(select(Notification.text).where(Notification.user_id == idea.submitter_id))
        assert target.ref in told and "merged into" in told

    def test_recycle_returns_it_to_the_submitter(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        _decide(idea, da, "recycle", rationale="How many calls a month does this affect?")
        assert (idea.stage, idea.status) == ("idea", "needs_info")
        text = db_session.scalar(select(Notification.text).where(Notification.user_id == idea.submitter_id))
        assert "How many calls a month" in text and "resubmit" in text

    def test_hold_until_a_future_date_and_resume(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        _decide(idea, da, "hold", hold_until=date(2027, 4, 1))
        assert (idea.stage, idea.held_from_stage, idea.hold_until) == ("on_hold", "idea", date(2027, 4, 1))
        transitions.apply_action(idea, actor=da, action="resume", version=idea.version, now=NOW)
        assert (idea.stage, idea.status, idea.held_from_stage, idea.hold_until) == (
            "idea",
            "submitted",
            None,
            None,
        )

    def test_stop_declines_with_a_readable_reason(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        _decide(idea, da, "stop", rationale="The service is being outsourced next year.")
        assert (idea.stage, idea.status) == ("declined", "declined")


class TestSeparationOfDuties:
    def test_staff_cannot_triage(self, db_session: Any) -> None:
        with pytest.raises(PermissionDenied):
            _decide(ImprovementFactory(), UserFactory(), "stop")

    def test_a_da_member_cannot_triage_their_own_idea(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory(submitter=da)
        with pytest.raises(PermissionDenied):
            _decide(idea, da, "stop")
        assert idea.stage == "idea"

    def test_a_conflicted_da_member_cannot_triage(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        db_session.add(ConflictDeclaration(improvement_id=idea.id, user_id=da.id, note="my team"))
        db_session.flush()
        with pytest.raises(PermissionDenied):
            _decide(idea, da, "stop")


class TestBadInputChangesNothing:
    @pytest.mark.parametrize(
        ("decision", "kwargs", "field"),
        [
            ("stop", {"rationale": "   "}, "rationale"),
            ("stop", {"rationale": "x" * 10_001}, "rationale"),
            ("hold", {}, "hold_until"),
            ("hold", {"hold_until": date(2026, 11, 29)}, "hold_until"),
            ("merge", {}, "duplicate_of"),
            ("merge", {"duplicate_of_id": 999_999}, "duplicate_of"),
            ("go", {}, "owner_id"),
            ("go_with_conditions", {}, "decision"),
        ],
    )
    def test_a_refused_decision_leaves_no_trace(
        self, db_session: Any, da: Any, decision: str, kwargs: dict[str, Any], field: str
    ) -> None:
        idea = ImprovementFactory()
        events_before = _count(db_session, AuditEvent)
        with pytest.raises(ValidationFailed) as failure:
            _decide(idea, da, decision, **kwargs)
        assert field in failure.value.fields
        db_session.refresh(idea)
        assert (idea.stage, idea.version) == ("idea", 1)
        assert _count(db_session, GateDecision) == 0
        assert _count(db_session, AuditEvent) == events_before

    def test_merging_into_itself_is_refused(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        with pytest.raises(ValidationFailed) as failure:
            _decide(idea, da, "merge", duplicate_of_id=idea.id)
        assert failure.value.fields["duplicate_of"] == ["An idea cannot be merged into itself."]

    def test_a_stale_version_is_a_conflict(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        with pytest.raises(VersionConflict):
            _decide(idea, da, "stop", version=idea.version + 1)

    def test_a_concurrent_change_loses_at_the_conditional_update(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        # Someone else's decision lands between our read and our write.
        db_session.execute(Improvement.__table__.update().where(Improvement.id == idea.id).values(version=2))
        with pytest.raises(VersionConflict):
            _decide(idea, da, "stop", version=1)

    def test_the_wrong_gate_is_an_invalid_transition(self, db_session: Any, da: Any) -> None:
        with pytest.raises(InvalidTransition):
            _decide(ImprovementFactory(business_case=True), da, "stop")


class TestRecords:
    def test_one_audit_event_and_one_notification_per_follower(self, db_session: Any, da: Any) -> None:
        idea = ImprovementFactory()
        supporter = SupportFactory(improvement_id=idea.id).user_id
        record = _decide(idea, da, "stop")
        events = db_session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "improvement.decided", AuditEvent.subject_id == idea.id
            )
        ).all()
        assert len(events) == 1
        assert events[0].before["stage"] == "idea" and events[0].after["stage"] == "declined"
        recipients = db_session.scalars(
            select(Notification.user_id).where(Notification.subject_id == idea.id)
        ).all()
        assert sorted(recipients) == sorted([idea.submitter_id, supporter])
        assert record.attendees == [da]


class TestActions:
    def test_the_submitter_withdraws_an_idea(self, db_session: Any) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)
        transitions.apply_action(idea, actor=submitter, action="withdraw", version=1, now=NOW)
        assert idea.stage == "withdrawn"

    def test_someone_else_cannot_withdraw_it(self, db_session: Any) -> None:
        with pytest.raises(PermissionDenied):
            transitions.apply_action(ImprovementFactory(), actor=UserFactory(), action="withdraw", version=1)

    def test_resubmitting_needs_an_answer_and_keeps_it(self, db_session: Any, da: Any) -> None:
        submitter = UserFactory()
        idea = ImprovementFactory(submitter=submitter)
        _decide(idea, da, "recycle", rationale="How many calls?")
        with pytest.raises(ValidationFailed):
            transitions.apply_action(idea, actor=submitter, action="resubmit", version=idea.version, note=" ")
        transitions.apply_action(
            idea, actor=submitter, action="resubmit", version=idea.version, note="About 400 a month."
        )
        assert (idea.stage, idea.status) == ("idea", "submitted")

    def test_resubmitting_an_idea_nobody_asked_about_is_refused(self, db_session: Any) -> None:
        idea = ImprovementFactory()
        with pytest.raises(InvalidTransition):
            transitions.apply_action(idea, actor=idea.submitter, action="resubmit", version=1, note="x")

    def test_start_delivery_from_approved_by_the_owner(self, db_session: Any) -> None:
        work = ImprovementFactory(approved=True)
        transitions.apply_action(work, actor=work.owner, action="start_delivery", version=1, now=NOW)
        assert work.stage == "delivery"

    @pytest.mark.parametrize("action", ["start_delivery", "resume"])
    def test_actions_outside_their_stage_are_invalid(self, db_session: Any, da: Any, action: str) -> None:
        with pytest.raises(InvalidTransition):
            transitions.apply_action(ImprovementFactory(), actor=da, action=action, version=1)


def test_only_the_transition_service_assigns_a_stage() -> None:
    """Any other code that sets ``.stage =`` or ``stage=`` on an update is a bypass of the lifecycle rules."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "changeauth"
    # The worked example too takes every decision through the gate service (devtools/demo_decisions.py).
    allowed = {root / "services" / "transitions.py"}
    offenders = []
    for path in root.rglob("*.py"):
        if path in allowed:
            continue
        text = path.read_text()
        if re.search(r"\.stage\s*=[^=]", text) or re.search(r"values\([^)]*\bstage\s*=", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_a_decision_is_taken_at_a_meeting_still_to_be_held(db_session: Any, da: Any) -> None:
    from changeauth.models import DaMeeting

    def meeting(day: date, **values: Any) -> DaMeeting:
        row = DaMeeting(title=f"Meeting of {day}", meets_on=day, created_by_id=da.id, **values)
        db_session.add(row)
        db_session.flush()
        return row

    held = meeting(date(2026, 11, 28))
    called_off = meeting(date(2026, 12, 3), cancelled_at=NOW)
    for refused in (held, called_off):
        idea = ImprovementFactory()
        with pytest.raises(ValidationFailed) as failure:
            _decide(idea, da, "stop", meeting_id=refused.id)
        assert "still to be held" in failure.value.fields["meeting_id"][0]
        assert not _count(db_session, GateDecision, GateDecision.improvement_id == idea.id)
    todays = meeting(date(2026, 11, 29))
    assert _decide(ImprovementFactory(), da, "stop", meeting_id=todays.id).meeting_id == todays.id
