"""Recording temporary resources, extending them and recording when they actually ended
(docs/benefits-and-resources.md).

An extension or an actual end resolves the resource's flags at once; the nightly job would do the same.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain import temporary_resources as rules
from changeauth.domain.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from changeauth.domain.money import MAX_PENCE
from changeauth.models import Improvement, Programme, Team, TemporaryResource, User
from changeauth.queries.clock import today as council_today
from changeauth.services import flags
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded

ROLE_TITLE_MIN, ROLE_TITLE_MAX = 3, 200
SHORT_TEXT_MAX = 200
TEXT_MAX = 10_000


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# What the audit log records of a resource, here and in the generated council (devtools.scale_data).
SNAPSHOT_FIELDS = (
    "role_title",
    "team_id",
    "improvement_id",
    "programme_id",
    "kind",
    "annual_cost_pence",
    "funding_source",
    "start_date",
    "end_date",
    "extension_until",
    "extension_reason",
    "actual_end_date",
    "owner_id",
    "version",
)


def _snapshot(resource: TemporaryResource) -> dict[str, Any]:
    return {field: getattr(resource, field) for field in SNAPSHOT_FIELDS}


def _check_version(resource: TemporaryResource, expected_version: int | None) -> None:
    # Extending and ending always say which version was read (the form's hidden field, the API's version).
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the resource you read."]})
    expect_version(resource, expected_version)


def resolve_cleared_flags(resource: TemporaryResource, *, on: date) -> int:
    """Resolve the ending-soon and overrun flags whose cause has gone as of ``on``. Flushes."""
    status = rules.status_on(
        on,
        start_date=resource.start_date,
        end_date=resource.end_date,
        extension_until=resource.extension_until,
        actual_end_date=resource.actual_end_date,
    )
    # Once the actual end is known nothing is left to chase, whatever the dates say.
    watched = resource.actual_end_date is None
    resolved = 0
    if not (watched and status is rules.ResourceStatus.OVERRUN):
        resolved += flags.resolve_flag(
            rules.FLAG_TEMPORARY_RESOURCE_OVERRUN, "temporary_resource", resource.id, on=on
        )
    if not (watched and status is rules.ResourceStatus.ENDING_SOON):
        resolved += flags.resolve_flag(
            rules.FLAG_TEMPORARY_RESOURCE_ENDING, "temporary_resource", resource.id, on=on
        )
    return resolved


def create_resource(
    actor: User,
    *,
    role_title: str,
    kind: str | None,
    annual_cost_pence: int | None,
    funding_source: str,
    start_date: date | None,
    end_date: date | None,
    owner_id: int | None,
    team_code: str | None = None,
    improvement_id: int | None = None,
    programme_id: int | None = None,
    reason: str = "",
) -> TemporaryResource:
    """Record a temporary resource (managers, DA and finance).

    Raises PermissionDenied or ValidationFailed; nothing is written on failure. Flushes, does not commit.
    """
    if not permissions.can_manage_temporary_resources(actor.as_actor()):
        raise PermissionDenied("Only managers, the design authority and finance record temporary resources.")
    cost = None if isinstance(annual_cost_pence, bool) else annual_cost_pence
    errors = rules.validate_resource(
        start_date=start_date, end_date=end_date, annual_cost_pence=cost, kind=kind
    )
    if cost is not None and cost > MAX_PENCE:
        _add(errors, "annual_cost_pence", "Enter an annual cost of £1,000,000,000 or less.")
    title = (role_title or "").strip()
    if not ROLE_TITLE_MIN <= len(title) <= ROLE_TITLE_MAX:
        _add(
            errors,
            "role_title",
            f"Enter a role title between {ROLE_TITLE_MIN} and {ROLE_TITLE_MAX} characters.",
        )
    funding = (funding_source or "").strip()
    if not funding:
        _add(errors, "funding_source", "Say where the money for this resource comes from.")
    elif len(funding) > SHORT_TEXT_MAX:
        _add(errors, "funding_source", f"Keep the funding source to {SHORT_TEXT_MAX} characters or fewer.")
    if len(reason or "") > TEXT_MAX:
        _add(errors, "reason", f"Keep the reason to {TEXT_MAX:,} characters or fewer.")
    owner = db.session.get(User, owner_id) if isinstance(owner_id, int) else None
    if owner is None or not owner.is_active:
        _add(errors, "owner_id", "Choose an active person to own the resource.")
    team_id = None
    if team_code:
        team_id = db.session.scalar(select(Team.id).where(Team.code == team_code))
        if team_id is None:
            _add(errors, "team", "Choose a team from the list.")
    if improvement_id is not None and programme_id is not None:
        _add(errors, "improvement_id", "Link the resource to an improvement or to a programme, not both.")
    elif improvement_id is not None and db.session.get(Improvement, improvement_id) is None:
        _add(errors, "improvement_id", "There is no improvement with that number.")
    elif programme_id is not None and db.session.get(Programme, programme_id) is None:
        _add(errors, "programme_id", "There is no programme with that number.")
    if errors:
        raise ValidationFailed(errors)
    assert kind and cost is not None and start_date and end_date and owner is not None
    resource = TemporaryResource(
        role_title=title,
        team_id=team_id,
        improvement_id=improvement_id,
        programme_id=programme_id,
        kind=kind,
        annual_cost_pence=cost,
        funding_source=funding,
        reason=(reason or "").strip(),
        start_date=start_date,
        end_date=end_date,
        owner_id=owner.id,
        created_by_id=actor.id,
    )
    db.session.add(resource)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="temporary_resource.created",
        subject_type="temporary_resource",
        subject_id=resource.id,
        subject_version=resource.version,
        after=_snapshot(resource),
    )
    return resource


def extend_resource(
    resource: TemporaryResource,
    *,
    actor: User,
    expected_version: int | None,
    extension_until: date | None,
    reason: str | None,
    today: date | None = None,
) -> TemporaryResource:
    """Extend a resource past its end date: a DA or finance member who is not its owner, with a reason.

    Resolves its overrun (and ending-soon) flag when the new date covers today. Flushes, does not commit.
    """
    if not permissions.can_extend_temporary_resource(actor.as_actor(), owner_id=resource.owner_id):
        raise PermissionDenied("A design authority or finance member who does not own it extends a resource.")
    _check_version(resource, expected_version)
    if resource.actual_end_date is not None:
        raise InvalidTransition("This resource has already ended; it cannot be extended.")
    errors = rules.validate_extension(
        extension_until=extension_until,
        reason=reason,
        end_date=resource.end_date,
        current_extension_until=resource.extension_until,
    )
    if reason and len(reason) > TEXT_MAX:
        _add(errors, "reason", f"Keep the reason to {TEXT_MAX:,} characters or fewer.")
    if errors:
        # The API names the field extension_reason; the domain calls it reason.
        if "reason" in errors:
            errors["extension_reason"] = errors.pop("reason")
        raise ValidationFailed(errors)
    assert extension_until is not None and reason is not None
    before = _snapshot(resource)
    resource.extension_until = extension_until
    resource.extension_reason = reason.strip()
    resource.extended_by_id = actor.id
    resource.extended_at = db.utcnow()
    flush_guarded()
    resolve_cleared_flags(resource, on=today or council_today())
    record_event(
        actor_id=actor.id,
        action="temporary_resource.extended",
        subject_type="temporary_resource",
        subject_id=resource.id,
        subject_version=resource.version,
        before=before,
        after=_snapshot(resource),
        reason=resource.extension_reason,
    )
    return resource


def end_resource(
    resource: TemporaryResource,
    *,
    actor: User,
    expected_version: int | None,
    actual_end_date: date | None,
    today: date | None = None,
) -> TemporaryResource:
    """The owner records the last day the resource was in place; its flags are resolved.

    Flushes, does not commit.
    """
    if not permissions.can_end_temporary_resource(actor.as_actor(), owner_id=resource.owner_id):
        raise PermissionDenied("Only the resource's owner records when it actually ended.")
    _check_version(resource, expected_version)
    if resource.actual_end_date is not None:
        raise InvalidTransition("The actual end date of this resource is already recorded.")
    today = today or council_today()
    errors = rules.validate_actual_end(
        actual_end_date=actual_end_date, start_date=resource.start_date, today=today
    )
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(resource)
    resource.actual_end_date = actual_end_date
    flush_guarded()
    resolve_cleared_flags(resource, on=today)
    record_event(
        actor_id=actor.id,
        action="temporary_resource.ended",
        subject_type="temporary_resource",
        subject_id=resource.id,
        subject_version=resource.version,
        before=before,
        after=_snapshot(resource),
    )
    return resource
