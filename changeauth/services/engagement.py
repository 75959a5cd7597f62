"""How staff take part: comments, supporting an idea (once each), and declaring a conflict of interest."""

from __future__ import annotations

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import AlreadyExists, NotFound, PermissionDenied, ValidationFailed
from changeauth.domain.improvements import TEXT_MAX
from changeauth.models import Comment, ConflictDeclaration, Improvement, Support, User
from changeauth.queries.improvements import access_to, conflicted_user_ids
from changeauth.services import benefits as benefit_service
from changeauth.services.audit import record_event


def add_comment(improvement: Improvement, *, actor: User, body: str) -> Comment:
    """Comment on an improvement. Raises PermissionDenied or ValidationFailed. Flushes, does not commit."""
    if not permissions.can_comment(*access_to(improvement, actor)):
        raise PermissionDenied("Comments are closed on this improvement.")
    text = body.strip()
    if not text:
        raise ValidationFailed({"body": ["Write a comment."]})
    if len(text) > TEXT_MAX:
        raise ValidationFailed({"body": [f"Keep comments to {TEXT_MAX:,} characters or fewer."]})
    comment = Comment(improvement_id=improvement.id, author_id=actor.id, body=text, created_at=db.utcnow())
    db.session.add(comment)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="comment.added",
        subject_type="improvement",
        subject_id=improvement.id,
        after={"comment_id": comment.id},
    )
    return comment


def support(improvement: Improvement, *, actor: User) -> Support:
    """Support an idea; a second support by the same person raises AlreadyExists. Flushes."""
    if not permissions.can_support(*access_to(improvement, actor)):
        raise PermissionDenied("You cannot support this improvement.")
    existing = db.session.scalar(
        select(Support).where(Support.improvement_id == improvement.id, Support.user_id == actor.id)
    )
    if existing is not None:
        raise AlreadyExists("You already support this improvement.")
    row = Support(improvement_id=improvement.id, user_id=actor.id, created_at=db.utcnow())
    db.session.add(row)
    db.session.flush()
    record_event(
        actor_id=actor.id, action="support.added", subject_type="improvement", subject_id=improvement.id
    )
    return row


def withdraw_support(improvement: Improvement, *, actor: User) -> None:
    """Take back one's support. Raises NotFound when there was none. Flushes."""
    existing = db.session.scalar(
        select(Support).where(Support.improvement_id == improvement.id, Support.user_id == actor.id)
    )
    if existing is None:
        raise NotFound("You do not support this improvement.")
    db.session.delete(existing)
    db.session.flush()
    record_event(
        actor_id=actor.id, action="support.removed", subject_type="improvement", subject_id=improvement.id
    )


def declare_conflict(improvement: Improvement, *, actor: User, note: str) -> ConflictDeclaration:
    """Declare a conflict of interest: from now on the person may not score, attend or decide it. Flushes."""
    if not permissions.can_view_improvement(*access_to(improvement, actor)):
        raise NotFound("There is no improvement with that number.")
    if not permissions.can_declare_conflict(*access_to(improvement, actor)):
        raise ValidationFailed(
            {"note": ["This improvement has ended: no decision is left to step back from."]}
        )
    if len(note) > TEXT_MAX:
        raise ValidationFailed({"note": [f"Keep the note to {TEXT_MAX:,} characters or fewer."]})
    if actor.id in conflicted_user_ids(improvement.id):
        raise AlreadyExists("You have already declared a conflict on this improvement.")
    declaration = ConflictDeclaration(
        improvement_id=improvement.id, user_id=actor.id, note=note.strip(), declared_at=db.utcnow()
    )
    db.session.add(declaration)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="conflict.declared",
        subject_type="improvement",
        subject_id=improvement.id,
        after={"user_id": actor.id},
        reason=declaration.note or None,
    )
    # A conflict declared after validating one of its benefits makes that validation no longer independent.
    benefit_service.withdraw_validations_by(
        {actor.id},
        improvement_id=improvement.id,
        actor=actor,
        why="The person who validated it has declared a conflict of interest on the improvement.",
    )
    return declaration
