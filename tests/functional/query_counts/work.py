"""Query-count cases: improvements, triage, the audit log, flags, job runs, notifications, tokens,
people, reference data, gates, meetings and my actions."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from changeauth import db
from changeauth.models import (
    Attachment,
    Comment,
    Condition,
    CriterionTick,
    DaMeeting,
    GateCriterion,
    GateDecision,
    ImprovementDependency,
    JobRun,
    Notification,
    StrategicPriority,
    Support,
    User,
)
from changeauth.services import users as user_service
from tests.factories import (
    BenefitFactory,
    BusinessCaseFactory,
    ImprovementFactory,
    ImprovementScoreFactory,
    TeamFactory,
    TemporaryResourceFactory,
    UserFactory,
)
from tests.functional.query_counts import Arranged, case, grown
from tests.functional.query_counts.rows import (
    TODAY,
    decision,
    event,
    flag,
    measured_benefit,
    option,
    overrunning_resource,
)

# --- improvements, the home page, triage ---------------------------------------------------------------


@case("improvements.index", "improvements_api.list_all")
def improvements(viewer: User) -> Arranged:
    """Each row: an idea with a team and an owner, supported by the viewer."""

    def add(number: int) -> None:
        improvement = ImprovementFactory(team=TeamFactory(), owner=UserFactory(manager=True))
        db.session.add(Support(improvement_id=improvement.id, user_id=viewer.id))

    return Arranged(grown(add))


@case("main.home")
def home(viewer: User) -> Arranged:
    """Each row: one of the viewer's own ideas, with a stage change in the audit log."""

    def add(number: int) -> None:
        event(ImprovementFactory(submitter=viewer, team=TeamFactory()).id)

    return Arranged(grown(add))


@case(
    "improvements.detail",
    "improvements_api.read",
    "improvements_api.history",
    "improvements_api.similar_work",
)
def improvement_with_history(viewer: User) -> Arranged:
    """An improvement in delivery with a business case; each row adds a comment, a supporter, a gate
    decision with a condition, a stage change and a final score in the history, a flag, a business
    case option and a similar improvement."""
    improvement = ImprovementFactory(delivery=True, title="Book bulky waste collections online")
    business_case = BusinessCaseFactory(improvement=improvement, status="approved")
    db.session.commit()

    def add(number: int) -> None:
        db.session.add(
            Comment(improvement_id=improvement.id, author_id=UserFactory().id, body=f"Comment {number}.")
        )
        db.session.add(Support(improvement_id=improvement.id, user_id=UserFactory().id))
        decision(improvement)
        event(improvement.id)
        event(improvement.id, "improvement.score_final", weighted_score=55, scorers=3, must_meet_passed=True)
        flag("hold_review_due", "improvement", improvement.id, resolved=True)
        option(business_case.id, number + 1)
        ImprovementFactory(title=f"Book bulky waste collections online, part {number}")

    return Arranged(grown(add), path={"improvement_id": improvement.id})


@case("improvements.similar_fragment")
def similar_titles(viewer: User) -> Arranged:
    """Each row: an improvement whose title resembles the one being typed."""

    def add(number: int) -> None:
        ImprovementFactory(title=f"Report a missed bin collection, area {number}")

    return Arranged(grown(add), query={"title": "Report a missed bin collection"})


@case("triage.queue")
def triage_queue(viewer: User) -> Arranged:
    """Each row: an idea waiting for G0."""
    return Arranged(grown(lambda number: ImprovementFactory(team=TeamFactory())))


@case("triage.decide")
def triage_decision(viewer: User) -> Arranged:
    """An idea waiting for G0; each row adds a similar idea and a person who could own it."""
    idea = ImprovementFactory(title="Pay for garden waste collections online")

    def add(number: int) -> None:
        ImprovementFactory(title=f"Pay for garden waste collections online, area {number}")
        UserFactory(manager=True)

    return Arranged(grown(add), path={"improvement_id": idea.id})


# --- the audit log, flags, job runs, notifications, tokens, users, reference data --------------------------


@case("main.audit", "audit_api.list_audit")
def audit_events(viewer: User) -> Arranged:
    """Each row: an audit event."""
    return Arranged(grown(lambda number: event(number)))


@case("actions.flags", "flags_api.list_flags")
def flags(viewer: User) -> Arranged:
    """Each row: a stale and an escalated benefit, an overrunning resource and an overdue triage."""

    def add(number: int) -> None:
        benefit = BenefitFactory()
        flag("stale_benefit", "benefit", benefit.id)
        flag("benefit_escalated", "benefit", benefit.id)
        flag("temporary_resource_overrun", "temporary_resource", overrunning_resource().id)
        flag("triage_overdue", "improvement", ImprovementFactory().id)

    return Arranged(grown(add))


@case("actions.job_runs", "flags_api.list_job_runs")
def job_runs(viewer: User) -> Arranged:
    """Each row: a finished run of a scheduled job."""

    def add(number: int) -> None:
        db.session.add(
            JobRun(
                job="stale_benefits",
                period_key=f"2026-{number:05d}",
                status="succeeded",
                finished_at=datetime.now(UTC),
                counts={"flagged": number},
            )
        )

    return Arranged(grown(add))


@case("notifications.index")
def notifications(viewer: User) -> Arranged:
    """Each row: a notification for the viewer."""

    def add(number: int) -> None:
        db.session.add(
            Notification(
                user_id=viewer.id,
                kind="decision",
                subject_type="improvement",
                subject_id=number,
                text=f"A decision was recorded ({number}).",
                dedupe_key=f"query-count-{number}-{secrets.token_hex(4)}",
            )
        )

    return Arranged(grown(add))


@case("profile.tokens")
def api_tokens(viewer: User) -> Arranged:
    """Each row: one of the viewer's API tokens."""
    return Arranged(
        grown(
            # Expired tokens are listed too, and do not count towards the most a person may hold.
            lambda number: user_service.issue_api_token(
                viewer,
                name=f"Script {number}",
                actor_id=viewer.id,
                days=7,
                now=datetime.now(UTC) - timedelta(days=30),
            )
        )
    )


@case("admin.users")
def people(viewer: User) -> Arranged:
    """Each row: an account with a team and two roles."""
    return Arranged(grown(lambda number: UserFactory(manager=True, team=TeamFactory())))


@case("identity.reference_data")
def reference_rows(viewer: User) -> Arranged:
    """Each row: a team and a strategic priority."""

    def add(number: int) -> None:
        TeamFactory()
        db.session.add(StrategicPriority(code=f"priority_{number}", title=f"Priority {number}"))

    return Arranged(grown(add))


# --- gates, decisions and meetings -------------------------------------------------------------------------


@case("decisions.register")
def decision_register(viewer: User) -> Arranged:
    """Each row: a gate decision with attendees and a condition."""
    return Arranged(grown(lambda number: decision(ImprovementFactory(delivery=True))))


@case("gates.criteria_admin")
def gate_criteria(viewer: User) -> Arranged:
    """Each row: a configurable G1 criterion."""

    def add(number: int) -> None:
        db.session.add(
            GateCriterion(
                gate="G1",
                code=f"extra_{number}",
                text=f"Extra check {number}.",
                kind="should",
                check="manual",
                position=100 + number,
            )
        )

    return Arranged(grown(add))


@case("gates.gate", "gates_api.current_gate")
def gate_with_children(viewer: User) -> Arranged:
    """An improvement at G1 (business case stage); each row adds a manual criterion and its tick, an open
    condition, an evidence file, a measured benefit, a temporary resource, a DA member and a meeting."""
    improvement = ImprovementFactory(business_case=True)
    BusinessCaseFactory(improvement=improvement, submitted=True)
    g0 = GateDecision(
        improvement_id=improvement.id,
        gate="G0",
        decision="go",
        rationale="Worth a business case.",
        decided_by_id=UserFactory(design_authority=True).id,
        from_stage="idea",
        to_stage="business_case",
    )
    db.session.add(g0)
    db.session.commit()

    def add(number: int) -> None:
        member = UserFactory(design_authority=True)
        criterion = GateCriterion(
            gate="G1",
            code=f"evidence_{number}",
            text=f"Evidence {number} is attached.",
            kind="should",
            check="manual",
            position=100 + number,
        )
        db.session.add(criterion)
        db.session.flush()
        db.session.add_all(
            [
                CriterionTick(
                    improvement_id=improvement.id,
                    criterion_id=criterion.id,
                    is_met=True,
                    evidence="Seen at the meeting.",
                    ticked_by_id=member.id,
                ),
                Condition(
                    decision_id=g0.id,
                    improvement_id=improvement.id,
                    text=f"Condition {number}.",
                    owner_id=improvement.owner_id,
                    due_date=TODAY + timedelta(days=number),
                ),
                Attachment(
                    improvement_id=improvement.id,
                    title=f"Evidence {number}",
                    original_name=f"evidence-{number}.pdf",
                    stored_name=secrets.token_hex(16),
                    media_type="application/pdf",
                    size_bytes=4,
                    sha256="0" * 64,
                    uploaded_by_id=member.id,
                ),
                DaMeeting(
                    title=f"Design authority {number}",
                    meets_on=TODAY + timedelta(days=number),
                    created_by_id=member.id,
                    members=[member],
                ),
            ]
        )
        measured_benefit(improvement)
        TemporaryResourceFactory(improvement=improvement)

    return Arranged(grown(add), path={"improvement_id": improvement.id})


@case("meetings.meeting_list")
def meetings(viewer: User) -> Arranged:
    """Each row: a design authority meeting with two members."""

    def add(number: int) -> None:
        members = [UserFactory(design_authority=True) for _ in range(2)]
        db.session.add(
            DaMeeting(
                title=f"Design authority {number}",
                meets_on=TODAY + timedelta(days=number),
                created_by_id=members[0].id,
                members=members,
            )
        )

    return Arranged(grown(add))


@case("meetings.meeting")
def meeting_with_agenda(viewer: User) -> Arranged:
    """A meeting; each row adds an improvement waiting at G1 (with its case, score and benefit) to the
    agenda, and a decision taken in the meeting."""
    members = [UserFactory(design_authority=True) for _ in range(2)]
    meeting = DaMeeting(
        title="Design authority", meets_on=TODAY, created_by_id=members[0].id, members=members
    )
    db.session.add(meeting)
    db.session.commit()

    def add(number: int) -> None:
        waiting = ImprovementFactory(business_case=True)
        BusinessCaseFactory(improvement=waiting, submitted=True)
        ImprovementScoreFactory(improvement=waiting)
        measured_benefit(waiting)
        decision(ImprovementFactory(delivery=True), meeting_id=meeting.id)

    return Arranged(grown(add), path={"meeting_id": meeting.id})


# --- my actions -----------------------------------------------------------------------------------------


@case("actions.mine")
def my_actions(viewer: User) -> Arranged:
    """Each row: an improvement the viewer owns with a benefit due and one overdue (one flagged), a
    temporary resource they own, and a gate condition they hold."""

    def add(number: int) -> None:
        improvement = ImprovementFactory(delivery=True, owner=viewer)
        due_soon = BenefitFactory(improvement=improvement, baseline_date=TODAY - timedelta(days=80))
        overdue = BenefitFactory(improvement=improvement, baseline_date=TODAY - timedelta(days=200))
        flag("stale_benefit", "benefit", overdue.id)
        flag("benefit_escalated", "benefit", due_soon.id)
        TemporaryResourceFactory(improvement=improvement, owner=viewer)
        held = decision(ImprovementFactory(delivery=True))
        db.session.add(
            Condition(
                decision_id=held.id,
                improvement_id=held.improvement_id,
                text=f"Condition {number} for the viewer.",
                owner_id=viewer.id,
                due_date=TODAY + timedelta(days=number),
            )
        )

    return Arranged(grown(add))


@case("dependencies_api.list_dependencies")
def dependencies(viewer: User) -> Arranged:
    """An improvement in delivery; each row adds one improvement it needs and one that needs it, each
    with its own recorder."""
    improvement = ImprovementFactory(delivery=True)

    def add(number: int) -> None:
        for dependent, needed in (
            (improvement, ImprovementFactory(delivery=True)),
            (ImprovementFactory(delivery=True), improvement),
        ):
            db.session.add(
                ImprovementDependency(
                    improvement_id=dependent.id,
                    depends_on_id=needed.id,
                    reason=f"Needed first, number {number}.",
                    recorded_by_id=UserFactory(design_authority=True).id,
                )
            )

    return Arranged(grown(add), path={"improvement_id": improvement.id})
