"""Design authority meetings as iCalendar (RFC 5545) events, with the icalendar library.

One event per meeting, with the meeting's own UID for its whole life and a SEQUENCE that goes up with every
change, so a calendar replaces the event it already has rather than adding another (RFC 5546, iTIP):

- ``REQUEST`` invites (or re-invites, after a change) the members; it names changeauth as organiser and
  every member as a required attendee who need not reply (changeauth reads no replies);
- ``CANCEL`` (with ``STATUS:CANCELLED``) takes the event out of a calendar: sent to every member when the
  meeting is cancelled, and to a member taken off it;
- ``PUBLISH`` is the file downloaded from the meeting page, to add to one's own calendar.

Times are in the council's time zone (``CHANGEAUTH_TIMEZONE``) with its VTIMEZONE included, so the
meeting stays at 10:00 London time either side of a clock change. See docs/meetings.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from changeauth.models import DaMeeting, User

PRODUCT_ID = "-//changeauth//Design authority meetings//EN"


class CalendarMethod(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


@dataclass(frozen=True)
class InvitationSettings:
    """What an invitation needs from the app: who sends it, the time zone and the agenda's address."""

    organiser_email: str
    organiser_name: str
    timezone: str
    agenda_url: Callable[[int], str]


def meeting_window(meeting: DaMeeting, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """When the meeting starts and ends, in the council's time zone."""
    starts = datetime.combine(meeting.meets_on, meeting.starts_at, tzinfo=zone)
    return starts, starts + timedelta(minutes=meeting.duration_minutes)


def _address(email: str, name: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["cn"] = vText(name)
    return address


def _attendee(person: User) -> vCalAddress:
    address = _address(person.email, person.name)
    address.params["role"] = vText("REQ-PARTICIPANT")
    address.params["partstat"] = vText("NEEDS-ACTION")
    address.params["rsvp"] = vText("FALSE")
    return address


def meeting_calendar(
    meeting: DaMeeting,
    *,
    method: CalendarMethod,
    attendees: Sequence[User],
    settings: InvitationSettings,
    now: datetime,
) -> str:
    """The iCalendar text for ``meeting`` as it is now; ``attendees`` are the people it is addressed to."""
    zone = ZoneInfo(settings.timezone)
    starts, ends = meeting_window(meeting, zone)
    cancelled = method is CalendarMethod.CANCEL or meeting.cancelled_at is not None
    agenda = settings.agenda_url(meeting.id)

    event = Event()
    event.add("uid", meeting.calendar_uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", meeting.title)
    event.add("url", agenda)
    lines = [f"Design authority meeting. Agenda and papers: {agenda}"]
    if meeting.cancelled_at is not None:
        lines.insert(
            0,
            "This meeting has been cancelled."
            + (f" {meeting.cancel_reason}" if meeting.cancel_reason else ""),
        )
    event.add("description", "\n\n".join(lines))
    if meeting.location:
        event.add("location", meeting.location)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if method is not CalendarMethod.PUBLISH:
        event["organizer"] = _address(settings.organiser_email, settings.organiser_name)
        for person in attendees:
            event.add("attendee", _attendee(person))

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    calendar.add_component(event)
    # The zone's rules for the years around the meeting, not the library's default 1970-2038 span.
    calendar.add_missing_timezones(
        first_date=date(starts.year - 1, 1, 1), last_date=date(starts.year + 2, 1, 1)
    )
    ical: bytes = calendar.to_ical()
    return ical.decode("utf-8")
