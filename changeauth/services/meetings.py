"""Design authority meetings: arranged, changed and cancelled by design authority members, with a calendar
invitation, update or cancellation for every member each time (docs/meetings.md).

Each change is a conditional UPDATE on the meeting's ``sequence`` (the iCalendar SEQUENCE the invitation
carries), so two people changing one meeting at once cannot both win, and a calendar always knows which
invitation is the latest. The invitation goes in the notification outbox with the notification, as it was
at that moment; the send-notifications job emails both together.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from changeauth import db
from changeauth.domain import dates, permissions
from changeauth.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import GATE_STAGE, Gate
from changeauth.models import DaMeeting, Improvement, MeetingAction, MeetingAgendaItem, User
from changeauth.queries import clock
from changeauth.services import notifications
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded, touch
from changeauth.services.meeting_invitations import CalendarMethod, InvitationSettings, meeting_calendar

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 24 * 60
CANCEL_REASON_MAX = 500
MINUTES_MAX = 50_000
# Improvements that can be on an agenda: those waiting at G1, G2 or G3.
AGENDA_STAGES = frozenset(GATE_STAGE[gate].value for gate in (Gate.G1, Gate.G2, Gate.G3))


@dataclass(frozen=True)
class MeetingDetails:
    """What a design authority member types about a meeting."""

    title: str
    meets_on: date | None
    starts_at: time | None
    duration_minutes: int | None
    location: str | None
    member_ids: Collection[int]


def _require_design_authority(actor: User, action: str) -> None:
    if not permissions.is_design_authority(actor.as_actor()):
        raise PermissionDenied(f"Only design authority members {action} meetings.")


def _checked(details: MeetingDetails, actor: User) -> tuple[list[User], dict[str, Any]]:
    """The members and the clean values, or ValidationFailed naming each field."""
    errors: dict[str, list[str]] = {}
    title = details.title.strip()
    if not title or len(title) > 200:
        errors["title"] = ["Give the meeting a title of up to 200 characters."]
    if details.meets_on is None:
        errors["meets_on"] = ["Enter the date of the meeting."]
    errors.update(dates.range_errors(meets_on=details.meets_on))
    if details.starts_at is None:
        errors["starts_at"] = ["Enter the time the meeting starts, for example 14:30."]
    duration = details.duration_minutes
    if duration is None or not MIN_DURATION_MINUTES <= duration <= MAX_DURATION_MINUTES:
        errors["duration_minutes"] = ["Choose how long the meeting lasts."]
    location = (details.location or "").strip() or None
    if location is not None and len(location) > 200:
        errors["location"] = ["Keep the place to 200 characters."]
    members = list(
        db.session.scalars(
            select(User).where(User.id.in_(set(details.member_ids) | {actor.id})).order_by(User.name)
        )
    )
    if any(not permissions.is_design_authority(m.as_actor()) for m in members):
        errors["member_ids"] = ["Members must be active design authority members."]
    if errors:
        raise ValidationFailed(errors)
    values = {
        "title": title,
        "meets_on": details.meets_on,
        "starts_at": details.starts_at,
        "duration_minutes": duration,
        "location": location,
    }
    return members, values


def _snapshot(meeting: DaMeeting, members: Sequence[User]) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "meets_on": meeting.meets_on,
        "starts_at": meeting.starts_at.strftime("%H:%M"),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "member_ids": sorted(m.id for m in members),
        "sequence": meeting.sequence,
    }


def _when(meeting: DaMeeting) -> str:
    place = f", {meeting.location}" if meeting.location else ""
    return f"{meeting.meets_on:%A %d %B %Y} at {meeting.starts_at:%H:%M}{place}"


def _send(
    meeting: DaMeeting,
    *,
    recipients: Sequence[User],
    attendees: Sequence[User],
    method: CalendarMethod,
    kind: str,
    text: str,
    settings: InvitationSettings,
) -> None:
    """One notification per recipient, each carrying the calendar as it is now."""
    if not recipients:
        return
    calendar = meeting_calendar(
        meeting, method=method, attendees=attendees, settings=settings, now=db.utcnow()
    )
    notifications.enqueue(
        user_ids=[person.id for person in recipients],
        kind=kind,
        text=text,
        event_key=f"meeting:{meeting.id}:{meeting.sequence}:{kind}",
        subject_type="da_meeting",
        subject_id=meeting.id,
        calendar=calendar,
    )


def create_meeting(*, actor: User, details: MeetingDetails, invitations: InvitationSettings) -> DaMeeting:
    """A design authority member sets up a meeting; every member (the organiser too) is invited.
    Flushes, does not commit."""
    _require_design_authority(actor, "arrange")
    members, values = _checked(details, actor)
    meeting = DaMeeting(**values, created_by_id=actor.id, members=members)
    db.session.add(meeting)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="meeting.created",
        subject_type="da_meeting",
        subject_id=meeting.id,
        after=_snapshot(meeting, members),
    )
    _send(
        meeting,
        recipients=members,
        attendees=members,
        method=CalendarMethod.REQUEST,
        kind="meeting_invitation",
        text=f"You are invited to the design authority meeting {meeting.title}, {_when(meeting)}. "
        f"Agenda: {invitations.agenda_url(meeting.id)}",
        settings=invitations,
    )
    return meeting


def _load(meeting_id: int) -> DaMeeting:
    meeting = db.session.scalar(
        select(DaMeeting).options(selectinload(DaMeeting.members)).where(DaMeeting.id == meeting_id)
    )
    if meeting is None:
        raise NotFound("There is no such meeting.")
    return meeting


def _change(
    meeting: DaMeeting,
    *,
    expected_sequence: int,
    values: dict[str, Any],
    members: list[User] | None = None,
) -> None:
    """Write ``values`` (and the members) only if nobody has changed or cancelled the meeting since the
    person read ``expected_sequence``; the sequence, the meeting's version, moves once (services/guards.py).
    A cancellation moves it too, so a change sent after one is refused."""
    try:
        expect_version(meeting, expected_sequence, column="sequence")
        for name, value in values.items():
            setattr(meeting, name, value)
        if members is not None:
            meeting.members = members
        # The members are the meeting's too: the sequence moves when only they change.
        touch(meeting, column="title")
        flush_guarded()
    except VersionConflict as conflict:
        raise VersionConflict(
            "Someone else changed or cancelled this meeting while you were looking at it. "
            "Check the meeting as it is now."
        ) from conflict


# A meeting whose day has passed is a record of what happened, not a plan.
TAKEN_PLACE = "This meeting has taken place, so it is a record of what was decided and cannot be {verb}."


def has_taken_place(meeting: DaMeeting) -> bool:
    """Whether the meeting's day is before the council's today (a meeting today can still be changed)."""
    return meeting.meets_on < clock.today()


def _require_not_taken_place(meeting: DaMeeting) -> None:
    # A past meeting's agenda is the record of what it discussed: changing it would rewrite history.
    if has_taken_place(meeting):
        raise InvalidTransition(
            "The meeting has taken place, so its agenda is the record of what it discussed."
        )


def update_meeting(
    meeting_id: int,
    *,
    actor: User,
    details: MeetingDetails,
    expected_sequence: int,
    invitations: InvitationSettings,
) -> DaMeeting:
    """Change a meeting: members get an update with the same UID and a higher SEQUENCE; anyone taken off it
    gets a cancellation. Nothing changed means nothing sent. Raises VersionConflict. Flushes."""
    _require_design_authority(actor, "change")
    meeting = _load(meeting_id)
    if meeting.cancelled_at is not None:
        raise InvalidTransition("This meeting has been cancelled, so it cannot be changed.")
    if has_taken_place(meeting):
        raise InvalidTransition(TAKEN_PLACE.format(verb="changed"))
    members, values = _checked(details, actor)
    before_members = list(meeting.members)
    before = _snapshot(meeting, before_members)
    unchanged = all(getattr(meeting, key) == value for key, value in values.items()) and {
        m.id for m in members
    } == {m.id for m in before_members}
    if unchanged:
        return meeting
    _change(meeting, expected_sequence=expected_sequence, values=values, members=members)
    record_event(
        actor_id=actor.id,
        action="meeting.changed",
        subject_type="da_meeting",
        subject_id=meeting.id,
        before=before,
        after=_snapshot(meeting, members),
    )
    _send(
        meeting,
        recipients=members,
        attendees=members,
        method=CalendarMethod.REQUEST,
        kind="meeting_updated",
        text=f"The design authority meeting {meeting.title} has changed: it is now {_when(meeting)}. "
        f"Agenda: {invitations.agenda_url(meeting.id)}",
        settings=invitations,
    )
    removed = [person for person in before_members if person.id not in {m.id for m in members}]
    for person in removed:
        _send(
            meeting,
            recipients=[person],
            attendees=[person],
            method=CalendarMethod.CANCEL,
            kind="meeting_cancelled",
            text=f"You are no longer a member of the design authority meeting {meeting.title}, "
            f"{_when(meeting)}.",
            settings=invitations,
        )
    return meeting


def cancel_meeting(
    meeting_id: int,
    *,
    actor: User,
    reason: str,
    expected_sequence: int,
    invitations: InvitationSettings,
    now: datetime | None = None,
) -> DaMeeting:
    """Cancel a meeting: every member gets a cancellation with the same UID and a higher SEQUENCE. Decisions
    already recorded in it stay. Raises VersionConflict or InvalidTransition. Flushes."""
    _require_design_authority(actor, "cancel")
    meeting = _load(meeting_id)
    if meeting.cancelled_at is not None:
        raise InvalidTransition("This meeting has already been cancelled.")
    if has_taken_place(meeting):
        raise InvalidTransition(TAKEN_PLACE.format(verb="cancelled"))
    reason = reason.strip()
    if len(reason) > CANCEL_REASON_MAX:
        raise ValidationFailed({"reason": [f"Keep the reason to {CANCEL_REASON_MAX} characters."]})
    _change(
        meeting,
        expected_sequence=expected_sequence,
        values={"cancelled_at": now or db.utcnow(), "cancel_reason": reason or None},
    )
    members = list(meeting.members)
    record_event(
        actor_id=actor.id,
        action="meeting.cancelled",
        subject_type="da_meeting",
        subject_id=meeting.id,
        after={"sequence": meeting.sequence},
        reason=reason or None,
    )
    _send(
        meeting,
        recipients=members,
        attendees=members,
        method=CalendarMethod.CANCEL,
        kind="meeting_cancelled",
        text=f"The design authority meeting {meeting.title}, {_when(meeting)}, has been cancelled."
        + (f" {reason}" if reason else ""),
        settings=invitations,
    )
    return meeting


def download_calendar(meeting: DaMeeting, *, invitations: InvitationSettings) -> str:
    """The meeting as a file to add to one's own calendar (``PUBLISH``; a cancelled one as ``CANCEL``)."""
    method = CalendarMethod.CANCEL if meeting.cancelled_at is not None else CalendarMethod.PUBLISH
    return meeting_calendar(
        meeting, method=method, attendees=list(meeting.members), settings=invitations, now=db.utcnow()
    )


# --- the agenda, minutes and actions ----------------------------------------------------------------------

AGENDA_MOVES = ("up", "down")


def _agenda(meeting_id: int) -> list[MeetingAgendaItem]:
    return list(
        db.session.scalars(
            select(MeetingAgendaItem)
            .where(MeetingAgendaItem.meeting_id == meeting_id)
            .order_by(MeetingAgendaItem.position, MeetingAgendaItem.id)
        )
    )


def _agenda_event(actor: User, meeting_id: int, action: str, improvement_id: int) -> None:
    record_event(
        actor_id=actor.id,
        action=f"meeting.agenda_{action}",
        subject_type="da_meeting",
        subject_id=meeting_id,
        after={"improvement_id": improvement_id},
    )


def add_to_agenda(meeting_id: int, *, actor: User, improvement_id: int) -> MeetingAgendaItem:
    """Put an improvement waiting at a gate at the end of the meeting's agenda. Flushes, does not commit."""
    _require_design_authority(actor, "curate the agenda of")
    meeting = _load(meeting_id)
    if meeting.cancelled_at is not None:
        raise InvalidTransition("The meeting was cancelled, so its agenda cannot change.")
    _require_not_taken_place(meeting)
    improvement = db.session.get(Improvement, improvement_id)
    if improvement is None or improvement.stage not in AGENDA_STAGES:
        raise ValidationFailed({"improvement_id": ["Choose an improvement waiting at G1, G2 or G3."]})
    items = _agenda(meeting_id)
    if any(item.improvement_id == improvement_id for item in items):
        raise ValidationFailed({"improvement_id": [f"{improvement.ref} is already on the agenda."]})
    item = MeetingAgendaItem(
        meeting_id=meeting_id,
        improvement_id=improvement_id,
        position=max((i.position for i in items), default=0) + 1,
        added_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    _agenda_event(actor, meeting_id, "added", improvement_id)
    return item


def remove_from_agenda(meeting_id: int, *, actor: User, improvement_id: int) -> None:
    """Take an improvement off the agenda. Flushes, does not commit."""
    _require_design_authority(actor, "curate the agenda of")
    _require_not_taken_place(_load(meeting_id))
    item = next((i for i in _agenda(meeting_id) if i.improvement_id == improvement_id), None)
    if item is None:
        raise NotFound("That improvement is not on the agenda.")
    db.session.delete(item)
    db.session.flush()
    _agenda_event(actor, meeting_id, "removed", improvement_id)


def move_on_agenda(meeting_id: int, *, actor: User, improvement_id: int, direction: str) -> None:
    """Swap an agenda item with the one above or below it. Flushes, does not commit."""
    _require_design_authority(actor, "curate the agenda of")
    if direction not in AGENDA_MOVES:
        raise ValidationFailed({"direction": ["Move an item up or down."]})
    _require_not_taken_place(_load(meeting_id))
    items = _agenda(meeting_id)
    index = next((n for n, i in enumerate(items) if i.improvement_id == improvement_id), None)
    if index is None:
        raise NotFound("That improvement is not on the agenda.")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return
    # Renumber in order, then swap: positions stay distinct whatever they were.
    for position, item in enumerate(items, start=1):
        item.position = position
    items[index].position, items[other].position = items[other].position, items[index].position
    db.session.flush()
    _agenda_event(actor, meeting_id, f"moved_{direction}", improvement_id)


def record_minutes(meeting_id: int, *, actor: User, minutes: str) -> DaMeeting:
    """Write (or rewrite) the meeting's minutes; the audit log keeps each version. Flushes."""
    _require_design_authority(actor, "write the minutes of")
    if len(minutes) > MINUTES_MAX:
        raise ValidationFailed({"minutes": [f"Keep the minutes to {MINUTES_MAX:,} characters or fewer."]})
    meeting = _load(meeting_id)
    before = meeting.minutes
    meeting.minutes = minutes.strip()
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="meeting.minutes_recorded",
        subject_type="da_meeting",
        subject_id=meeting.id,
        before={"minutes": before},
        after={"minutes": meeting.minutes},
    )
    return meeting


def add_action(
    meeting_id: int, *, actor: User, text: str, owner_id: int | None, due_date: date | None
) -> MeetingAction:
    """Record an action agreed at the meeting; its owner is notified. Flushes, does not commit."""
    _require_design_authority(actor, "record actions of")
    meeting = _load(meeting_id)
    errors: dict[str, list[str]] = {}
    text = text.strip()
    if not text or len(text) > TEXT_MAX:
        errors["text"] = [f"Say what is to be done, in up to {TEXT_MAX:,} characters."]
    owner = db.session.get(User, owner_id) if owner_id else None
    if owner is None or not owner.is_active:
        errors["owner_id"] = ["Choose who will do it."]
    if due_date is not None:
        errors.update(dates.range_errors(due_date=due_date))
    if errors:
        raise ValidationFailed(errors)
    assert owner is not None
    action = MeetingAction(
        meeting_id=meeting.id, text=text, owner_id=owner.id, due_date=due_date, created_by_id=actor.id
    )
    db.session.add(action)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="meeting.action_added",
        subject_type="da_meeting",
        subject_id=meeting.id,
        after={"action_id": action.id, "text": text, "owner_id": owner.id, "due_date": due_date},
    )
    due = f", by {due_date.day} {due_date:%B %Y}" if due_date else ""
    notifications.enqueue(
        user_ids=[owner.id],
        kind="meeting.action",
        text=f"An action for you from the design authority meeting {meeting.title}: {text}{due}.",
        event_key=f"meeting-action:{action.id}",
        subject_type="da_meeting",
        subject_id=meeting.id,
    )
    return action


def complete_action(action_id: int, *, actor: User, expected_version: int | None) -> MeetingAction:
    """Mark a meeting's action done, now, as its owner or a design authority member says.
    ``expected_version`` is the action's version the person read. Raises NotFound, PermissionDenied,
    InvalidTransition (already done) or VersionConflict. Flushes, does not commit."""
    action = db.session.get(MeetingAction, action_id)
    if action is None:
        raise NotFound("There is no such action.")
    if not permissions.can_complete_meeting_action(actor.as_actor(), owner_id=action.owner_id):
        raise PermissionDenied("Only the action's owner or a design authority member can mark it done.")
    if action.done_at is not None:
        raise InvalidTransition("That action is already done.")
    expect_version(action, expected_version)
    action.done_at = db.utcnow()
    # Two people marking it at once: the second flush finds the version moved and is refused.
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="meeting.action_done",
        subject_type="da_meeting",
        subject_id=action.meeting_id,
        after={"action_id": action.id, "done_at": action.done_at},
    )
    return action
