"""Leavers: once an account has been switched off for the configured period, what identifies the person
is anonymised, while the record of what they did stays (docs/personal-data.md#leavers).

The account keeps its id, so ideas, scores, decisions and the audit log still point at it; its name
becomes a description of the part they played ("A former design authority member"), which is what a
decision's quorum history then reads. Their email goes, and so do the records that exist only to sign
them in. In the audit log, the names and emails written about them are kept beside the hash chain
(``AuditEvent.personal``) and erased here; the chain hashes only their digest, so it still verifies.
Old copies written before that split existed are left in place and hidden when shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from changeauth import db
from changeauth.domain.roles import Role
from changeauth.models import (
    ApiToken,
    Assessment,
    AuditEvent,
    Benefit,
    Comment,
    Condition,
    ConflictDeclaration,
    CriterionTick,
    DaMeeting,
    Disbenefit,
    GateDecision,
    Improvement,
    LoginAttempt,
    MeetingAction,
    Notification,
    PasswordToken,
    RecoveryCode,
    SecondFactorAttempt,
    User,
)
from changeauth.models.review import Lesson
from changeauth.services.audit import record_event

# The label that replaces a leaver's name, by the most telling role they held.
_LABELS = (
    (Role.DESIGN_AUTHORITY, "A former design authority member"),
    (Role.FINANCE, "A former finance officer"),
    (Role.ADMIN, "A former administrator"),
    (Role.MANAGER, "A former manager"),
)
_DEFAULT_LABEL = "A former member of staff"
ANONYMISED_DOMAIN = "anonymised.invalid"


class NotSwitchedOff(Exception):
    """Only an account that has been switched off can be anonymised."""


def former_label(roles: Iterable[str]) -> str:
    """What a leaver is called once anonymised: the part they played, not who they were."""
    held = set(roles)
    return next((label for role, label in _LABELS if role.value in held), _DEFAULT_LABEL)


def _replace_in(text: str, pattern: re.Pattern[str], label: str) -> str:
    return pattern.sub(label, text)


def _scrub_free_text(pattern: re.Pattern[str], label: str, like_terms: list[str]) -> int:
    """Replace the name and email wherever anyone wrote them in free text. Returns the fields changed."""
    changed = 0
    targets = (
        (Comment, ("body",)),
        (Improvement, ("title", "problem", "proposal", "expected_effect")),
        (ConflictDeclaration, ("note",)),
        (Assessment, ("rationale",)),
        (GateDecision, ("rationale",)),
        (Condition, ("text", "note")),
        (CriterionTick, ("evidence",)),
        (DaMeeting, ("minutes",)),
        (MeetingAction, ("text",)),
        (Benefit, ("validation_note", "handover_note", "finance_question", "finance_answer")),
        (Disbenefit, ("description", "affected", "mitigation")),
        (Lesson, ("title", "what_happened", "next_time")),
    )
    for model, fields in targets:
        columns = [getattr(model, name) for name in fields]
        matches = or_(*(column.ilike(f"%{term}%") for column in columns for term in like_terms))
        for row in db.session.scalars(select(model).where(matches)):
            for name in fields:
                value = getattr(row, name)
                if value and pattern.search(value):
                    setattr(row, name, _replace_in(value, pattern, label))
                    changed += 1
    return changed


def anonymise(user: User, *, actor_id: int | None, free_text: bool = False) -> dict[str, int]:
    """Anonymise a switched-off account now. With ``free_text``, also replace the person's name and email
    wherever they appear in what people wrote (asked for by the person). Raises NotSwitchedOff.
    Flushes, does not commit."""
    if user.is_active:
        raise NotSwitchedOff("Switch the account off before anonymising it.")
    old_name, old_email = user.name, user.email
    label = former_label(user.roles)
    names = [re.escape(term) for term in (old_email, old_name) if term and len(term) > 1]
    pattern = re.compile(r"\b(?:" + "|".join(names) + r")\b", re.IGNORECASE)
    counts = {"accounts": 1, "audit_events": 0, "notifications": 0, "free_text": 0}

    user.name = label
    user.email = f"former-{user.id}@{ANONYMISED_DOMAIN}"
    user.password_hash = None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.oidc_issuer = None
    user.oidc_subject = None
    user.team_id = None
    user.anonymised_at = db.utcnow()
    user.session_version += 1
    db.session.flush()

    # Records that exist only to let the person in, or to reach them.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email_key == old_email))
    db.session.execute(delete(SecondFactorAttempt).where(SecondFactorAttempt.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(PasswordToken).where(PasswordToken.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    like_terms = [old_email, old_name]
    # Other people's notifications naming them, meeting invitations' attendee lists included.
    for notification in db.session.scalars(
        select(Notification).where(
            or_(
                *(Notification.text.ilike(f"%{term}%") for term in like_terms),
                *(Notification.calendar.ilike(f"%{term}%") for term in like_terms),
            )
        )
    ):
        notification.text = _replace_in(notification.text, pattern, label)
        if notification.calendar:
            notification.calendar = _replace_in(notification.calendar, pattern, label)
        counts["notifications"] += 1

    # The audit log: erase the personal values held beside the chain for events about this person.
    # A core UPDATE of that one column is the only change the table's triggers allow.
    erased = db.session.execute(
        update(AuditEvent.__table__)
        .where(
            AuditEvent.__table__.c.subject_type == "user",
            AuditEvent.__table__.c.subject_id == user.id,
            AuditEvent.__table__.c.personal.is_not(None),
        )
        .values(personal=None)
    )
    counts["audit_events"] = db.rows_affected(erased)
    for event in db.session.identity_map.values():
        if isinstance(event, AuditEvent) and event.subject_type == "user" and event.subject_id == user.id:
            db.session.expire(event, ["personal"])

    if free_text:
        counts["free_text"] = _scrub_free_text(pattern, label, like_terms)
    db.session.flush()
    record_event(
        actor_id=actor_id,
        action="user.anonymised",
        subject_type="user",
        subject_id=user.id,
        after={"label": label, "free_text": free_text},
    )
    return counts


def anonymise_due(now: datetime, *, after_days: int) -> dict[str, int]:
    """Anonymise every account switched off at least ``after_days`` days before ``now``. Flushes."""
    cutoff = now - timedelta(days=after_days)
    due = list(
        db.session.scalars(
            select(User)
            .where(
                User.is_active.is_(False),
                User.anonymised_at.is_(None),
                User.deactivated_at.is_not(None),
                User.deactivated_at <= cutoff,
            )
            .order_by(User.id)
        )
    )
    totals = {"anonymised": 0, "audit_events": 0, "notifications": 0}
    for user in due:
        counts = anonymise(user, actor_id=None)
        totals["anonymised"] += 1
        totals["audit_events"] += counts["audit_events"]
        totals["notifications"] += counts["notifications"]
    return totals
