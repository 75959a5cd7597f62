"""Meeting changes (the pages only): two design authority members who read the same sequence of a meeting
reschedule or cancel it at the same moment, each in a real transaction of its own on PostgreSQL
(tests/concurrency/racing.py). Exactly one lands; the other is refused as "Someone else changed this",
with nothing of it written."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from changeauth.models import DaMeeting, User
from changeauth.services import meetings
from changeauth.services.meeting_invitations import InvitationSettings
from tests.concurrency.racing import ON_POSTGRESQL_ONLY, race

pytestmark = [pytest.mark.slow, ON_POSTGRESQL_ONLY]

SETTINGS = InvitationSettings(
    organiser_email="changeauth@council.example",
    organiser_name="changeauth, Test Council",
    timezone="Europe/London",
    agenda_url=lambda meeting_id: f"https://changeauth.council.example/meetings/{meeting_id}",
)


def _details(people: dict[str, User], meets_on: date) -> meetings.MeetingDetails:
    return meetings.MeetingDetails(
        title="Design authority, March",
        meets_on=meets_on,
        starts_at=time(14, 30),
        duration_minutes=90,
        location="Committee room 2",
        member_ids=[people["member"].id, people["other_member"].id],
    )


def _meeting(people: dict[str, User]) -> DaMeeting:
    meeting = meetings.create_meeting(
        actor=people["member"], details=_details(people, date(2027, 3, 4)), invitations=SETTINGS
    )
    assert meeting.sequence == 0
    return meeting


def _who(people: dict[str, User], which: int) -> User:
    return people["member" if which == 0 else "other_member"]


def test_two_reschedulings_at_once_one_lands(tmp_path: Path) -> None:
    def write(people: dict[str, User], meeting_id: int, seen: int, which: int) -> None:
        meetings.update_meeting(
            meeting_id,
            actor=_who(people, which),
            details=_details(people, date(2027, 3, 11 + which)),
            expected_sequence=seen,
            invitations=SETTINGS,
        )

    race(
        tmp_path,
        model=DaMeeting,
        prepare=_meeting,
        write=write,
        action="meeting.changed",
        version_column="sequence",
    )


def test_a_rescheduling_and_a_cancellation_at_once_one_lands(tmp_path: Path) -> None:
    def write(people: dict[str, User], meeting_id: int, seen: int, which: int) -> None:
        if which == 0:
            meetings.update_meeting(
                meeting_id,
                actor=_who(people, which),
                details=_details(people, date(2027, 3, 11)),
                expected_sequence=seen,
                invitations=SETTINGS,
            )
        else:
            meetings.cancel_meeting(
                meeting_id,
                actor=_who(people, which),
                reason="Not quorate.",
                expected_sequence=seen,
                invitations=SETTINGS,
            )

    # Whichever lands, the meeting moved once, with one change or one cancellation.
    race(
        tmp_path,
        model=DaMeeting,
        prepare=_meeting,
        write=write,
        action=("meeting.changed", "meeting.cancelled"),
        version_column="sequence",
    )


def test_two_sets_of_minutes_at_once_one_lands(tmp_path: Path) -> None:
    """The minutes carry no version from the page: the flush alone refuses the second of two writers."""

    def write(people: dict[str, User], meeting_id: int, seen: int, which: int) -> None:
        meetings.record_minutes(meeting_id, actor=_who(people, which), minutes=f"Minutes taken by {which}.")

    race(
        tmp_path,
        model=DaMeeting,
        prepare=_meeting,
        write=write,
        action="meeting.minutes_recorded",
        version_column="sequence",
    )
