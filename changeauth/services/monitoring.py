"""Set-based flag sweeps behind the scheduled jobs: stale benefits, benefits out of tolerance, temporary
resources, hold reviews and the triage response time.

Each sweep is a handful of statements whatever the number of rows: one UPDATE resolves the open flags
whose cause has gone, one INSERT … SELECT raises a flag for each new case (the partial unique index
keeps one open flag per kind and subject), and one INSERT … SELECT puts a notification in the outbox
for each person told about each new flag. The dedupe key is the one ``services.flags`` uses, so a flag
notifies each person once however it was raised. Flushes nothing through the ORM; never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Subquery,
    and_,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    union,
    update,
)

from changeauth import db
from changeauth.domain import benefits as benefit_rules
from changeauth.domain import temporary_resources as resource_rules
from changeauth.domain.lifecycle import Stage, Status
from changeauth.domain.roles import Role
from changeauth.domain.working_days import latest_overdue_start
from changeauth.models import Benefit, Flag, Improvement, Notification, TemporaryResource, User, UserRole
from changeauth.queries.benefits import out_of_tolerance_ids, stale_clause, tracked_clause

FLAG_HOLD_REVIEW_DUE = "hold_review_due"
FLAG_TRIAGE_OVERDUE = "triage_overdue"

_flag = Flag.__table__
_notification = Notification.__table__
_benefit = Benefit.__table__
_resource = TemporaryResource.__table__
_improvement = Improvement.__table__
_user = User.__table__

# Any select statement, whatever its columns.
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
RecipientQuery = Callable[[Subquery], AnySelect]


@dataclass
class SweepCounts:
    """What a sweep did, by flag kind and in total."""

    by_kind: dict[str, dict[str, int]]

    def as_dict(self) -> dict[str, int]:
        totals = {"raised": 0, "resolved": 0, "notified": 0}
        flat: dict[str, int] = {}
        for kind, counts in self.by_kind.items():
            for name, value in counts.items():
                totals[name] += value
                flat[f"{kind}_{name}"] = value
        return {**totals, **flat}


def _text(value: str) -> ColumnElement[str]:
    return literal(value, String)


def sync_flags(
    *,
    kind: str,
    subject_type: str,
    severity: str,
    on: date,
    candidates: AnySelect,
    recipients: RecipientQuery,
) -> dict[str, int]:
    """Make the open flags of ``kind`` match ``candidates`` (rows of ``subject_id``, ``message``).

    Flags whose subject is no longer a candidate are resolved on ``on``; each candidate without an open
    flag gets one; ``recipients(new_flags)`` selects ``(flag_id, user_id)`` pairs to notify.
    """
    session = db.session
    candidate = candidates.subquery("candidate")
    resolved = db.rows_affected(
        session.execute(
            update(_flag)
            .where(
                _flag.c.kind == kind,
                _flag.c.subject_type == subject_type,
                _flag.c.resolved_on.is_(None),
                _flag.c.subject_id.not_in(select(candidate.c.subject_id)),
            )
            .values(resolved_on=on)
        )
    )
    # Only this sweep raises flags of this kind, and its run is claimed, so every id above the
    # high-water mark of this kind was raised just now.
    high_water = int(
        session.scalar(select(func.coalesce(func.max(_flag.c.id), 0)).where(_flag.c.kind == kind)) or 0
    )
    already_open = (
        select(_flag.c.id)
        .where(
            _flag.c.kind == kind,
            _flag.c.subject_type == subject_type,
            _flag.c.subject_id == candidate.c.subject_id,
            _flag.c.resolved_on.is_(None),
        )
        .correlate(candidate)
    )
    session.execute(
        insert(_flag).from_select(
            ["kind", "subject_type", "subject_id", "severity", "raised_on", "message", "details"],
            select(
                _text(kind),
                _text(subject_type),
                candidate.c.subject_id,
                _text(severity),
                literal(on, Date),
                candidate.c.message,
                literal({}, JSON),
            ).where(~exists(already_open)),
        )
    )
    # Counted rather than taken from rowcount, which psycopg reports as -1 for INSERT … SELECT.
    raised = _count_above(_flag, high_water, _flag.c.kind == kind)
    notified = 0
    if raised:
        new_flags = (
            select(_flag.c.id.label("flag_id"), _flag.c.subject_id, _flag.c.message)
            .where(_flag.c.kind == kind, _flag.c.id > high_water)
            .subquery("new_flag")
        )
        notified = _enqueue(kind, subject_type, new_flags, recipients(new_flags))
    return {"raised": raised, "resolved": resolved, "notified": notified}


def _enqueue(kind: str, subject_type: str, new_flags: Subquery, pairs: AnySelect) -> int:
    recipient = pairs.subquery("recipient")
    dedupe_key = (
        _text("flag:")
        + cast(recipient.c.flag_id, String)
        + _text(":user:")
        + cast(recipient.c.user_id, String)
    )
    rows = (
        select(
            recipient.c.user_id,
            _text(f"flag.{kind}"),
            _text(subject_type),
            new_flags.c.subject_id,
            new_flags.c.message,
            dedupe_key,
            literal(db.utcnow(), db.UTCDateTime()),
            literal(0, Integer),
        )
        .select_from(recipient)
        .join(new_flags, new_flags.c.flag_id == recipient.c.flag_id)
        .join(_user, _user.c.id == recipient.c.user_id)
        .where(_user.c.is_active.is_(True))
    )
    high_water = int(db.session.scalar(select(func.coalesce(func.max(_notification.c.id), 0))) or 0)
    db.session.execute(
        insert(_notification).from_select(
            [
                "user_id",
                "kind",
                "subject_type",
                "subject_id",
                "text",
                "dedupe_key",
                "created_at",
                "send_attempts",
            ],
            rows,
        )
    )
    return _count_above(_notification, high_water, _notification.c.kind == f"flag.{kind}")


def _count_above(table: Any, high_water: int, *conditions: ColumnElement[bool]) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(table).where(table.c.id > high_water, *conditions))
        or 0
    )


# --- Benefits -------------------------------------------------------------------------------------------


def _benefit_owner(new_flags: Subquery) -> AnySelect:
    return select(new_flags.c.flag_id, _benefit.c.owner_id.label("user_id")).join(
        _benefit, _benefit.c.id == new_flags.c.subject_id
    )


def _benefit_owner_and_sponsor(new_flags: Subquery) -> AnySelect:
    sponsor = (
        select(new_flags.c.flag_id, _improvement.c.sponsor_id.label("user_id"))
        .join(_benefit, _benefit.c.id == new_flags.c.subject_id)
        .join(_improvement, _improvement.c.id == _benefit.c.improvement_id)
        .where(_improvement.c.sponsor_id.is_not(None))
    )
    # UNION, not UNION ALL: an owner who is also the sponsor is told once.
    return select(union(_benefit_owner(new_flags), sponsor).subquery())


def sweep_stale_benefits(as_of: date, *, grace_days: int) -> dict[str, int]:
    """Raise and resolve ``stale_benefit`` and ``benefit_escalated`` flags as of ``as_of``.

    Stale: ``as_of`` is after the due date plus the grace days. Escalated: after one more whole
    frequency period. A stale flag stays open while the benefit is escalated; a measurement ends both.
    """
    escalated_now = _benefit.c.escalate_after_on < as_of
    stale = select(
        _benefit.c.id.label("subject_id"),
        (_text("The benefit “") + _benefit.c.title + _text("” is overdue for a measurement.")).label(
            "message"
        ),
    ).where(stale_clause(as_of, grace_days))
    escalated = select(
        _benefit.c.id.label("subject_id"),
        (
            _text("The benefit “")
            + _benefit.c.title
            + _text("” is a whole measurement period overdue and has been escalated.")
        ).label("message"),
    ).where(tracked_clause(as_of), escalated_now)
    counts = SweepCounts(
        {
            "stale": sync_flags(
                kind=benefit_rules.FLAG_STALE_BENEFIT,
                subject_type="benefit",
                severity="warning",
                on=as_of,
                candidates=stale,
                recipients=_benefit_owner,
            ),
            "escalated": sync_flags(
                kind=benefit_rules.FLAG_BENEFIT_ESCALATED,
                subject_type="benefit",
                severity="critical",
                on=as_of,
                candidates=escalated,
                recipients=_benefit_owner_and_sponsor,
            ),
        }
    )
    return counts.as_dict()


def _benefit_owner_sponsor_and_design_authority(new_flags: Subquery) -> AnySelect:
    members = select(new_flags.c.flag_id, UserRole.user_id.label("user_id")).join(
        UserRole, UserRole.role == Role.DESIGN_AUTHORITY.value
    )
    # UNION: a member of the design authority who is also the owner or the sponsor is told once.
    return select(union(_benefit_owner_and_sponsor(new_flags), members).subquery())


def sweep_out_of_tolerance(as_of: date, *, grace_days: int) -> dict[str, int]:
    """Raise and resolve ``benefit_out_of_tolerance`` flags as of ``as_of``.

    Out of tolerance: tracked, and its latest value short of today's plan by more than the tolerance
    (``queries.benefits.out_of_tolerance_ids``, the RAG the pages show). The owner, the improvement's
    sponsor and the design authority are told once. The flag stays open while the benefit is overdue
    for a measurement (an overdue benefit has shown nothing back within tolerance; the lateness flag is
    the one counted meanwhile) and is resolved once the benefit is back within tolerance, closed or no
    longer tracked.
    """
    off_track = out_of_tolerance_ids(as_of=as_of, grace_days=grace_days)
    still_flagged = (
        select(_flag.c.id)
        .where(
            _flag.c.kind == benefit_rules.FLAG_BENEFIT_OUT_OF_TOLERANCE,
            _flag.c.subject_type == "benefit",
            _flag.c.subject_id == _benefit.c.id,
            _flag.c.resolved_on.is_(None),
        )
        .correlate(_benefit)
    )
    out = select(
        _benefit.c.id.label("subject_id"),
        (
            _text("The benefit “")
            + _benefit.c.title
            + _text(
                "” is behind plan: its latest measurement is further behind today's plan than its "
                "tolerance allows."
            )
        ).label("message"),
    ).where(
        _benefit.c.id.in_(off_track) | (stale_clause(as_of, grace_days) & exists(still_flagged)),
    )
    counts = SweepCounts(
        {
            "out_of_tolerance": sync_flags(
                kind=benefit_rules.FLAG_BENEFIT_OUT_OF_TOLERANCE,
                subject_type="benefit",
                severity="warning",
                on=as_of,
                candidates=out,
                recipients=_benefit_owner_sponsor_and_design_authority,
            )
        }
    )
    return counts.as_dict()


# --- Temporary resources --------------------------------------------------------------------------------


def _resource_owner(new_flags: Subquery) -> AnySelect:
    return select(new_flags.c.flag_id, _resource.c.owner_id.label("user_id")).join(
        _resource, _resource.c.id == new_flags.c.subject_id
    )


def sweep_temporary_resources(as_of: date) -> dict[str, int]:
    """Raise and resolve ``temporary_resource_ending`` and ``temporary_resource_overrun`` flags.

    Only resources with no actual end are watched. Overrun: started, and past the effective end
    (the extension date if any, else the end date). Ending soon: within 30 days of it, end day included.
    """
    effective_end = func.coalesce(_resource.c.extension_until, _resource.c.end_date)
    watched = and_(_resource.c.actual_end_date.is_(None), _resource.c.start_date <= as_of)
    overrun = select(
        _resource.c.id.label("subject_id"),
        (
            _text("The temporary resource “")
            + _resource.c.role_title
            + _text("” has passed its end date and no actual end is recorded.")
        ).label("message"),
    ).where(watched, effective_end < as_of)
    ending = select(
        _resource.c.id.label("subject_id"),
        (
            _text("The temporary resource “")
            + _resource.c.role_title
            + _text(f"” ends within {resource_rules.ENDING_SOON_DAYS} days.")
        ).label("message"),
    ).where(
        watched,
        effective_end >= as_of,
        effective_end <= as_of + timedelta(days=resource_rules.ENDING_SOON_DAYS),
    )
    counts = SweepCounts(
        {
            "overrun": sync_flags(
                kind=resource_rules.FLAG_TEMPORARY_RESOURCE_OVERRUN,
                subject_type="temporary_resource",
                severity="critical",
                on=as_of,
                candidates=overrun,
                recipients=_resource_owner,
            ),
            "ending": sync_flags(
                kind=resource_rules.FLAG_TEMPORARY_RESOURCE_ENDING,
                subject_type="temporary_resource",
                severity="info",
                on=as_of,
                candidates=ending,
                recipients=_resource_owner,
            ),
        }
    )
    return counts.as_dict()


# --- Improvements: hold reviews and the triage response time --------------------------------------------


def _improvement_message(prefix: str, suffix: str) -> ColumnElement[str]:
    return _text(prefix) + _improvement.c.ref + _text(" “") + _improvement.c.title + _text(suffix)


def _design_authority_and_owner(new_flags: Subquery) -> AnySelect:
    members = select(new_flags.c.flag_id, UserRole.user_id.label("user_id")).join(
        UserRole, UserRole.role == Role.DESIGN_AUTHORITY.value
    )
    owner = (
        select(new_flags.c.flag_id, _improvement.c.owner_id.label("user_id"))
        .join(_improvement, _improvement.c.id == new_flags.c.subject_id)
        .where(_improvement.c.owner_id.is_not(None))
    )
    return select(union(members, owner).subquery())


def _design_authority(new_flags: Subquery) -> AnySelect:
    return select(new_flags.c.flag_id, UserRole.user_id.label("user_id")).join(
        UserRole, UserRole.role == Role.DESIGN_AUTHORITY.value
    )


def sweep_hold_reviews(as_of: date) -> dict[str, int]:
    """Flag held improvements whose ``hold_until`` has passed (``as_of`` after it) for the DA and owner.

    Resolved when the improvement is resumed or the hold is moved to a later date.
    """
    due = select(
        _improvement.c.id.label("subject_id"),
        _improvement_message("", "” has passed its hold date and is due a review.").label("message"),
    ).where(
        _improvement.c.stage == Stage.ON_HOLD.value,
        _improvement.c.hold_until.is_not(None),
        _improvement.c.hold_until < as_of,
    )
    counts = SweepCounts(
        {
            "hold_review": sync_flags(
                kind=FLAG_HOLD_REVIEW_DUE,
                subject_type="improvement",
                severity="warning",
                on=as_of,
                candidates=due,
                recipients=_design_authority_and_owner,
            )
        }
    )
    return counts.as_dict()


def triage_cutoff(as_of: date, *, working_days: int, zone: ZoneInfo) -> datetime:
    """The instant before which a submitted idea is overdue for triage on ``as_of`` (UTC).

    An idea's clock starts on the council's calendar day it was submitted; it is overdue once
    ``as_of`` is after that day plus the SLA in working days (Monday to Friday).
    """
    last_overdue_day = latest_overdue_start(as_of, working_days)
    local_midnight = datetime.combine(last_overdue_day + timedelta(days=1), time.min, tzinfo=zone)
    return local_midnight.astimezone(UTC)


def sweep_triage_sla(as_of: date, *, working_days: int, zone: ZoneInfo) -> dict[str, int]:
    """Flag ideas still waiting for triage (stage idea, status submitted) past the SLA; notify the DA.

    Resolved as soon as the idea leaves ``submitted``.
    """
    cutoff = triage_cutoff(as_of, working_days=working_days, zone=zone)
    overdue = select(
        _improvement.c.id.label("subject_id"),
        _improvement_message("", f"” has waited more than {working_days} working days for triage.").label(
            "message"
        ),
    ).where(
        _improvement.c.stage == Stage.IDEA.value,
        _improvement.c.status == Status.SUBMITTED.value,
        _improvement.c.created_at < cutoff,
    )
    counts = SweepCounts(
        {
            "triage": sync_flags(
                kind=FLAG_TRIAGE_OVERDUE,
                subject_type="improvement",
                severity="warning",
                on=as_of,
                candidates=overdue,
                recipients=_design_authority,
            )
        }
    )
    return counts.as_dict()
