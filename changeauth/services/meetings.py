"""Design authority meetings: dated, with members; gate decisions taken in them are recorded against them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.models import DaMeeting, User
from changeauth.services.audit import record_event


def create_meeting(
    *, actor: User, title: str, meets_on: date | None, member_ids: Collection[int]
) -> DaMeeting:
    """A design authority member sets up a meeting. Flushes, does not commit."""
    if not permissions.is_design_authority(actor.as_actor()):
        raise PermissionDenied("Only design authority members arrange meetings.")
    errors: dict[str, list[str]] = {}
    if not title.strip() or len(title) > 200:
        errors["title"] = ["Give the meeting a title of up to 200 characters."]
    if meets_on is None:
        errors["meets_on"] = ["Enter the date of the meeting."]
    members = list(db.session.scalars(select(User).where(User.id.in_(set(member_ids) | {actor.id}))))
    if any(not permissions.is_design_authority(m.as_actor()) for m in members):
        errors["member_ids"] = ["Members must be active design authority members."]
    if errors:
        raise ValidationFailed(errors)
    assert meets_on is not None
    meeting = DaMeeting(title=title.strip(), meets_on=meets_on, created_by_id=actor.id, members=members)
    db.session.add(meeting)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="meeting.created",
        subject_type="da_meeting",
        subject_id=meeting.id,
        after={"title": meeting.title, "meets_on": meets_on, "member_ids": sorted(m.id for m in members)},
    )
    return meeting
