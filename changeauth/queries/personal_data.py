"""Everything held about one person, gathered for a subject access request (docs/personal-data.md).

One function reads every table that names a person and returns the result as sections of plain rows,
so the readable page and the JSON file are two views of the same content and cannot drift apart.
Anonymous ideas are included: the person is entitled to what they submitted, and only an administrator
ever sees this export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select

from changeauth import db
from changeauth.domain.roles import ROLE_LABELS, Role
from changeauth.models import (
    ApiToken,
    Assessment,
    AuditEvent,
    Benefit,
    Comment,
    Condition,
    ConflictDeclaration,
    DaMeeting,
    Disbenefit,
    GateDecision,
    Improvement,
    LoginAttempt,
    MeetingAction,
    Notification,
    SecondFactorAttempt,
    Support,
    Team,
    TemporaryResource,
    User,
    da_meeting_member,
    gate_decision_attendee,
)
from changeauth.models.attachment import Attachment
from changeauth.models.review import Lesson


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # How the readable page words the value: "gate", "decision", "action" or "status"; plain otherwise.
    words: str = ""


@dataclass(frozen=True)
class Section:
    """One kind of record: its rows, and the columns the readable page shows."""

    key: str
    title: str
    explanation: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    # When set, the readable page shows each row as a record headed by these values (long texts read
    # badly squeezed into a table's columns), with the other columns listed beneath.
    heading_keys: Sequence[str] = ()


@dataclass(frozen=True)
class PersonalData:
    user_id: int
    name: str
    email: str
    account: dict[str, Any]
    sections: Sequence[Section]
    gathered_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The machine-readable file: the account, then each section's rows under its key."""
        return {
            "exported_at": _plain(self.gathered_at),
            "account": {key: _plain(value) for key, value in self.account.items()},
            **{
                section.key: [{k: _plain(v) for k, v in row.items()} for row in section.rows]
                for section in self.sections
            },
        }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(*pairs: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(*pair) for pair in pairs)


def _refs(ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Improvement.id, Improvement.ref, Improvement.title).where(Improvement.id.in_(ids))
    )
    return {row.id: (row.ref, row.title) for row in rows}


def _role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def gather(user_id: int) -> PersonalData | None:
    """Everything held about the person with ``user_id``, or None when there is no such account."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    team_name = db.session.scalar(select(Team.name).where(Team.id == user.team_id)) if user.team_id else None
    account = {
        "name": user.name,
        "email": user.email,
        "roles": ", ".join(sorted(_role_label(role) for role in user.roles)),
        "team": team_name,
        "active": user.is_active,
        "created_at": user.created_at,
        "last_signed_in_at": user.last_login_at,
        "second_factor_set_up_at": user.totp_enabled_at,
        "single_sign_on_linked": user.oidc_subject is not None,
    }
    sections = [
        _ideas(user_id),
        _comments(user_id),
        _supports(user_id),
        _assessments(user_id),
        _decisions(user_id),
        _conditions(user_id),
        _conflicts(user_id),
        _responsibilities(user_id),
        _lessons(user_id),
        _attachments(user_id),
        _notifications(user_id),
        _sign_ins(user.email),
        _second_factor_attempts(user_id),
        _account_events(user_id),
        _actions(user_id),
        _api_tokens(user_id),
    ]
    return PersonalData(
        user_id=user.id,
        name=user.name,
        email=user.email,
        account=account,
        sections=sections,
        gathered_at=db.utcnow(),
    )


def _ideas(user_id: int) -> Section:
    rows = db.session.scalars(
        select(Improvement)
        .where(
            or_(
                Improvement.submitter_id == user_id,
                Improvement.owner_id == user_id,
                Improvement.sponsor_id == user_id,
            )
        )
        .order_by(Improvement.id)
    )
    items = []
    for idea in rows:
        part = [
            label
            for label, held in (
                ("submitted it", idea.submitter_id == user_id),
                ("owner", idea.owner_id == user_id),
                ("sponsor", idea.sponsor_id == user_id),
            )
            if held
        ]
        items.append(
            {
                "ref": idea.ref,
                "title": idea.title,
                "part": ", ".join(part),
                "anonymous": idea.is_anonymous and idea.submitter_id == user_id,
                "problem": idea.problem,
                "proposal": idea.proposal,
                "expected_effect": idea.expected_effect,
                "stage": idea.stage,
                "status": idea.status,
                "created_at": idea.created_at,
            }
        )
    return Section(
        "ideas",
        "Ideas and improvements",
        "Ideas the person submitted (anonymous ones included), owns or sponsors.",
        _columns(
            ("ref", "Reference"),
            ("title", "Title"),
            ("part", "Their part"),
            ("anonymous", "Submitted anonymously"),
            ("problem", "Problem"),
            ("proposal", "Proposal"),
            ("expected_effect", "Expected effect"),
            ("created_at", "Created"),
        ),
        items,
        heading_keys=("ref", "title"),
    )


def _comments(user_id: int) -> Section:
    comments = list(
        db.session.scalars(select(Comment).where(Comment.author_id == user_id).order_by(Comment.id))
    )
    refs = _refs({c.improvement_id for c in comments})
    rows = [{"ref": refs[c.improvement_id][0], "body": c.body, "created_at": c.created_at} for c in comments]
    return Section(
        "comments",
        "Comments",
        "Comments the person wrote.",
        _columns(("ref", "Idea"), ("body", "Comment"), ("created_at", "Written")),
        rows,
    )


def _supports(user_id: int) -> Section:
    supports = list(
        db.session.scalars(select(Support).where(Support.user_id == user_id).order_by(Support.id))
    )
    refs = _refs({s.improvement_id for s in supports})
    rows = [{"ref": refs[s.improvement_id][0], "created_at": s.created_at} for s in supports]
    return Section(
        "supports",
        "Support given",
        "Ideas the person supported.",
        _columns(("ref", "Idea"), ("created_at", "Supported")),
        rows,
    )


def _assessments(user_id: int) -> Section:
    assessments = list(
        db.session.scalars(
            select(Assessment).where(Assessment.assessor_id == user_id).order_by(Assessment.id)
        )
    )
    refs = _refs({a.improvement_id for a in assessments})
    rows = [
        {
            "ref": refs[a.improvement_id][0],
            "rationale": a.rationale,
            "scores": ", ".join(
                f"{score.criterion_code} {score.score if score.score is not None else score.passed}"
                for score in a.scores
            ),
            "submitted_at": a.submitted_at,
        }
        for a in assessments
    ]
    return Section(
        "assessments",
        "Assessments",
        "Scores the person gave and the reasons they wrote.",
        _columns(
            ("ref", "Idea"), ("scores", "Scores"), ("rationale", "Reasons"), ("submitted_at", "Submitted")
        ),
        rows,
    )


def _decisions(user_id: int) -> Section:
    attended = set(
        db.session.scalars(
            select(gate_decision_attendee.c.decision_id).where(gate_decision_attendee.c.user_id == user_id)
        )
    )
    decisions = list(
        db.session.scalars(
            select(GateDecision)
            .where(or_(GateDecision.decided_by_id == user_id, GateDecision.id.in_(attended)))
            .order_by(GateDecision.id)
        )
    )
    refs = _refs({d.improvement_id for d in decisions})
    rows = [
        {
            "ref": refs[d.improvement_id][0],
            "gate": d.gate,
            "decision": d.decision,
            "part": "recorded the decision" if d.decided_by_id == user_id else "attended",
            "rationale": d.rationale,
            "decided_at": d.decided_at,
        }
        for d in decisions
    ]
    return Section(
        "decisions",
        "Decisions taken part in",
        "Gate decisions the person recorded or attended.",
        _columns(
            ("ref", "Idea"),
            ("gate", "Gate", "gate"),
            ("decision", "Decision", "decision"),
            ("part", "Their part"),
            ("decided_at", "Decided"),
        ),
        rows,
    )


def _conditions(user_id: int) -> Section:
    conditions = list(
        db.session.scalars(select(Condition).where(Condition.owner_id == user_id).order_by(Condition.id))
    )
    refs = _refs({c.improvement_id for c in conditions})
    rows = [
        {"ref": refs[c.improvement_id][0], "text": c.text, "due_date": c.due_date, "status": c.status}
        for c in conditions
    ]
    return Section(
        "conditions",
        "Conditions owned",
        "Conditions of a decision the person was asked to meet.",
        _columns(("ref", "Idea"), ("text", "Condition"), ("due_date", "Due"), ("status", "Status", "status")),
        rows,
    )


def _conflicts(user_id: int) -> Section:
    conflicts = list(
        db.session.scalars(
            select(ConflictDeclaration)
            .where(ConflictDeclaration.user_id == user_id)
            .order_by(ConflictDeclaration.id)
        )
    )
    refs = _refs({c.improvement_id for c in conflicts})
    rows = [
        {"ref": refs[c.improvement_id][0], "note": c.note, "declared_at": c.declared_at} for c in conflicts
    ]
    return Section(
        "conflicts",
        "Conflicts of interest declared",
        "Interests the person declared in an idea.",
        _columns(("ref", "Idea"), ("note", "Note"), ("declared_at", "Declared")),
        rows,
    )


def _responsibilities(user_id: int) -> Section:
    """What others named the person for: a benefit or a temporary resource to own, a meeting to attend,
    an action from a meeting. What the person did themselves is in the audit log's section."""
    rows: list[dict[str, Any]] = []
    benefits = list(
        db.session.scalars(select(Benefit).where(Benefit.owner_id == user_id).order_by(Benefit.id))
    )
    resources = list(
        db.session.scalars(
            select(TemporaryResource)
            .where(TemporaryResource.owner_id == user_id)
            .order_by(TemporaryResource.id)
        )
    )
    disbenefits = list(
        db.session.scalars(select(Disbenefit).where(Disbenefit.owner_id == user_id).order_by(Disbenefit.id))
    )
    improvement_ids = (
        {b.improvement_id for b in benefits}
        | {r.improvement_id for r in resources}
        | {d.improvement_id for d in disbenefits}
    )
    refs = _refs({i for i in improvement_ids if i is not None})
    for benefit in benefits:
        ref = refs[benefit.improvement_id][0] if benefit.improvement_id else None
        rows.append({"part": "Owns the benefit", "what": benefit.title, "ref": ref, "on": benefit.created_at})
    for disbenefit in disbenefits:
        ref = refs[disbenefit.improvement_id][0] if disbenefit.improvement_id else None
        rows.append(
            {
                "part": "Owns the dis-benefit",
                "what": disbenefit.title,
                "ref": ref,
                "on": disbenefit.created_at,
            }
        )
    for resource in resources:
        ref = refs[resource.improvement_id][0] if resource.improvement_id else None
        rows.append(
            {
                "part": "Owns the temporary resource",
                "what": resource.role_title,
                "ref": ref,
                "on": resource.created_at,
            }
        )
    meetings = db.session.scalars(
        select(DaMeeting)
        .join(da_meeting_member, da_meeting_member.c.meeting_id == DaMeeting.id)
        .where(da_meeting_member.c.user_id == user_id)
        .order_by(DaMeeting.meets_on, DaMeeting.id)
    )
    rows.extend(
        {"part": "Invited to the meeting", "what": m.title, "ref": None, "on": m.meets_on} for m in meetings
    )
    actions = db.session.scalars(
        select(MeetingAction).where(MeetingAction.owner_id == user_id).order_by(MeetingAction.id)
    )
    rows.extend(
        {"part": "Owns the meeting action", "what": a.text, "ref": None, "on": a.created_at} for a in actions
    )
    return Section(
        "responsibilities",
        "Named as owner or attendee",
        "Benefits and temporary resources the person owns, meetings they were asked to and actions they own.",
        _columns(("part", "Their part"), ("what", "What"), ("ref", "Idea"), ("on", "Since or on")),
        rows,
    )


def _lessons(user_id: int) -> Section:
    lessons = list(
        db.session.scalars(select(Lesson).where(Lesson.recorded_by_id == user_id).order_by(Lesson.id))
    )
    refs = _refs({lesson.improvement_id for lesson in lessons if lesson.improvement_id is not None})
    rows = [
        {
            "ref": refs[lesson.improvement_id][0] if lesson.improvement_id else None,
            "title": lesson.title,
            "what_happened": lesson.what_happened,
            "next_time": lesson.next_time,
            "recorded_at": lesson.recorded_at,
        }
        for lesson in lessons
    ]
    return Section(
        "lessons",
        "Lessons recorded",
        "Lessons learned the person wrote down, with what they wrote.",
        _columns(
            ("ref", "Idea"),
            ("title", "Lesson"),
            ("what_happened", "What happened"),
            ("next_time", "Next time"),
            ("recorded_at", "Recorded"),
        ),
        rows,
    )


def _attachments(user_id: int) -> Section:
    attachments = list(
        db.session.scalars(
            select(Attachment).where(Attachment.uploaded_by_id == user_id).order_by(Attachment.id)
        )
    )
    refs = _refs({a.improvement_id for a in attachments})
    rows = [
        {
            "ref": refs[a.improvement_id][0],
            "title": a.title,
            "file_name": a.original_name,
            "uploaded_at": a.uploaded_at,
        }
        for a in attachments
    ]
    return Section(
        "attachments",
        "Files uploaded",
        "Files the person attached to an idea (the files themselves are on the idea's page).",
        _columns(
            ("ref", "Idea"), ("title", "Title"), ("file_name", "File name"), ("uploaded_at", "Uploaded")
        ),
        rows,
    )


def _notifications(user_id: int) -> Section:
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    )
    rows = [
        {"text": n.text, "created_at": n.created_at, "sent_at": n.sent_at, "read_at": n.read_at}
        for n in notifications
    ]
    return Section(
        "notifications",
        "Notifications",
        "Messages the service sent or showed to the person.",
        _columns(("text", "Message"), ("created_at", "Created"), ("sent_at", "Emailed"), ("read_at", "Read")),
        rows,
    )


def _sign_ins(email: str) -> Section:
    attempts = db.session.scalars(
        select(LoginAttempt).where(LoginAttempt.email_key == email).order_by(LoginAttempt.id)
    )
    rows = [
        {"attempted_at": a.attempted_at, "ip_address": a.ip_address, "succeeded": a.succeeded}
        for a in attempts
    ]
    return Section(
        "sign_in_attempts",
        "Sign-in attempts",
        "Password sign-ins with the person's email address, kept to slow down guessing.",
        _columns(("attempted_at", "When"), ("ip_address", "From address"), ("succeeded", "Succeeded")),
        rows,
    )


def _second_factor_attempts(user_id: int) -> Section:
    attempts = db.session.scalars(
        select(SecondFactorAttempt)
        .where(SecondFactorAttempt.user_id == user_id)
        .order_by(SecondFactorAttempt.id)
    )
    rows = [
        {"attempted_at": a.attempted_at, "ip_address": a.ip_address, "succeeded": a.succeeded}
        for a in attempts
    ]
    return Section(
        "second_factor_attempts",
        "Second-factor codes entered",
        "Codes the person entered at sign-in, kept to slow down guessing.",
        _columns(("attempted_at", "When"), ("ip_address", "From address"), ("succeeded", "Succeeded")),
        rows,
    )


def _audit_rows(condition: Any) -> list[dict[str, Any]]:
    events = db.session.execute(
        select(AuditEvent.occurred_at, AuditEvent.action, AuditEvent.subject_type, AuditEvent.subject_id)
        .where(condition)
        .order_by(AuditEvent.id)
    )
    return [
        {
            "occurred_at": e.occurred_at,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
        }
        for e in events
    ]


def _account_events(user_id: int) -> Section:
    return Section(
        "security_events",
        "Account and security events",
        "What happened to the account: created, signed out everywhere, email or second factor changed.",
        _columns(("occurred_at", "When"), ("action", "What happened", "action")),
        _audit_rows((AuditEvent.subject_type == "user") & (AuditEvent.subject_id == user_id)),
    )


def _actions(user_id: int) -> Section:
    return Section(
        "audit_log_actions",
        "Actions recorded in the audit log",
        "Changes the person made, as the audit log records them.",
        _columns(("occurred_at", "When"), ("action", "What they did", "action")),
        _audit_rows(AuditEvent.actor_id == user_id),
    )


def _api_tokens(user_id: int) -> Section:
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id))
    rows = [
        {
            "name": t.name,
            "prefix": t.token_prefix,
            "created_at": t.created_at,
            "last_used_at": t.last_used_at,
            "expires_at": t.expires_at,
            "revoked_at": t.revoked_at,
        }
        for t in tokens
    ]
    return Section(
        "api_tokens",
        "API tokens",
        "Tokens the person made for the API (only their names and first characters are kept).",
        _columns(
            ("name", "Name"),
            ("prefix", "Begins"),
            ("created_at", "Created"),
            ("last_used_at", "Last used"),
            ("expires_at", "Expires"),
            ("revoked_at", "Revoked"),
        ),
        rows,
    )
