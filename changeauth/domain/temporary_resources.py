"""Temporary resource rules (docs/benefits-and-resources.md).

Improvements often pay for temporary staff, contractors or licences. This module
works out each resource's status on a date, how much an overrun past its end date
has cost, how that cost eats into the improvement's net benefit, and who may
extend a resource.

Money is integer pence; nothing here touches the database.

Dates are inclusive: the end date, extension date and actual end date are each
the last day the resource is in place (and paid for). So a resource is still
``ACTIVE``/``ENDING_SOON`` on its end date, ``OVERRUN`` from the day after, and
``ENDED`` only from the day after its actual end date.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from changeauth.domain.dates import range_errors

__all__ = [
    "DAYS_PER_YEAR",
    "ENDING_SOON_DAYS",
    "EXTENDING_ROLES",
    "FLAG_TEMPORARY_RESOURCE_ENDING",
    "FLAG_TEMPORARY_RESOURCE_OVERRUN",
    "BenefitAtRisk",
    "ResourceKind",
    "ResourceStatus",
    "benefit_at_risk",
    "can_extend",
    "days_overrun",
    "effective_end",
    "overrun_exposure_pence",
    "status_flag",
    "status_on",
    "validate_actual_end",
    "validate_extension",
    "validate_resource",
]


class ResourceKind(StrEnum):
    FIXED_TERM = "fixed_term"
    AGENCY = "agency"
    SECONDMENT = "secondment"
    CONTRACTOR = "contractor"
    LICENCE = "licence"
    OTHER = "other"


class ResourceStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ENDING_SOON = "ending_soon"
    OVERRUN = "overrun"
    ENDED = "ended"


ENDING_SOON_DAYS = 30
# Annual costs are pro-rated over a flat 365 days, leap year or not, so a day costs the same all year.
DAYS_PER_YEAR = 365
EXTENDING_ROLES: frozenset[str] = frozenset({"design_authority", "finance"})

FLAG_TEMPORARY_RESOURCE_ENDING = "temporary_resource_ending"
FLAG_TEMPORARY_RESOURCE_OVERRUN = "temporary_resource_overrun"

_KINDS: frozenset[str] = frozenset(ResourceKind)


def effective_end(*, end_date: date, extension_until: date | None) -> date:
    """Return the date the resource is due to end: the extension date if there is one, else the end date."""
    return extension_until if extension_until is not None else end_date


def status_on(
    as_of: date,
    *,
    start_date: date,
    end_date: date,
    extension_until: date | None,
    actual_end_date: date | None,
) -> ResourceStatus:
    """Return the resource's status on ``as_of``.

    - ``ENDED`` after the actual end date, if one has been entered.
    - ``PLANNED`` before the start date.
    - ``OVERRUN`` after the effective end date (including days that were later
      covered by an actual end date after the effective end: they were overrun).
    - ``ENDING_SOON`` from ``ENDING_SOON_DAYS`` days before the effective end
      date up to and including that date.
    - ``ACTIVE`` otherwise.

    The actual end date itself is a working day, so on that day the status
    follows the other rules rather than being ``ENDED``.
    """
    if actual_end_date is not None and as_of > actual_end_date:
        return ResourceStatus.ENDED
    if as_of < start_date:
        return ResourceStatus.PLANNED
    days_left = (effective_end(end_date=end_date, extension_until=extension_until) - as_of).days
    if days_left < 0:
        return ResourceStatus.OVERRUN
    if days_left <= ENDING_SOON_DAYS:
        return ResourceStatus.ENDING_SOON
    return ResourceStatus.ACTIVE


def status_flag(status: ResourceStatus) -> str | None:
    """Return the flag kind to raise for a status, or ``None`` if it needs no flag."""
    if status is ResourceStatus.OVERRUN:
        return FLAG_TEMPORARY_RESOURCE_OVERRUN
    if status is ResourceStatus.ENDING_SOON:
        return FLAG_TEMPORARY_RESOURCE_ENDING
    return None


def days_overrun(
    as_of: date,
    *,
    end_date: date,
    extension_until: date | None,
    actual_end_date: date | None,
) -> int:
    """Return the number of days, up to ``as_of``, that the resource ran past its effective end.

    With no actual end date, that is every day after the effective end date
    up to and including ``as_of``. With one, counting stops at the actual end
    date, so a resource that ended on or before its effective end has not
    overrun. Never negative.
    """
    stop = as_of if actual_end_date is None else min(as_of, actual_end_date)
    return max(0, (stop - effective_end(end_date=end_date, extension_until=extension_until)).days)


def overrun_exposure_pence(
    as_of: date,
    *,
    annual_cost_pence: int,
    end_date: date,
    extension_until: date | None,
    actual_end_date: date | None,
) -> int:
    """Return the cost of the overrun so far, in pence.

    That is the annual cost pro-rated over 365 days for each day overrun
    (see ``days_overrun``), rounded to the nearest penny with halves rounded up.

    Raises:
        ValueError: if the annual cost is negative.
    """
    if annual_cost_pence < 0:
        raise ValueError("annual_cost_pence cannot be negative")
    days = days_overrun(
        as_of, end_date=end_date, extension_until=extension_until, actual_end_date=actual_end_date
    )
    whole, remainder = divmod(annual_cost_pence * days, DAYS_PER_YEAR)
    return whole + (1 if 2 * remainder >= DAYS_PER_YEAR else 0)


@dataclass(frozen=True)
class BenefitAtRisk:
    """How much of an improvement's net benefit an overrun has eaten."""

    exposure_pence: int
    net_benefit_pence: int
    net_after_exposure_pence: int
    percent_of_net: Decimal | None  # 1 decimal place; None unless the net benefit is positive


def benefit_at_risk(*, exposure_pence: int, net_benefit_pence: int) -> BenefitAtRisk:
    """Set an overrun exposure against the improvement's net benefit.

    The percentage is rounded to 1 decimal place (halves up) and is ``None``
    when the net benefit is zero or negative, as a share of it means nothing.
    """
    percent: Decimal | None = None
    if net_benefit_pence > 0:
        percent = (Decimal(exposure_pence) * 100 / Decimal(net_benefit_pence)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )
    return BenefitAtRisk(
        exposure_pence=exposure_pence,
        net_benefit_pence=net_benefit_pence,
        net_after_exposure_pence=net_benefit_pence - exposure_pence,
        percent_of_net=percent,
    )


def can_extend(*, actor_id: int, actor_roles: Collection[str], owner_id: int) -> bool:
    """Say whether someone may extend a resource: design authority or finance, and not its owner."""
    return actor_id != owner_id and any(role in EXTENDING_ROLES for role in actor_roles)


# --- Validation -----------------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _format_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def validate_resource(
    *,
    start_date: date | None,
    end_date: date | None,
    annual_cost_pence: int | None,
    kind: str | None,
) -> dict[str, list[str]]:
    """Check a temporary resource and return error messages by field name.

    An empty result means it is valid. The end date may be the same as the
    start date (a one-day resource) but not before it.
    """
    errors: dict[str, list[str]] = range_errors(start_date=start_date, end_date=end_date)
    if start_date is None:
        _add(errors, "start_date", "Enter the start date.")
    if end_date is None:
        _add(errors, "end_date", "Enter the end date.")
    elif start_date is not None and end_date < start_date:
        _add(errors, "end_date", "The end date must be on or after the start date.")

    if annual_cost_pence is None:
        _add(errors, "annual_cost_pence", "Enter the annual cost.")
    elif annual_cost_pence < 0:
        _add(errors, "annual_cost_pence", "The annual cost cannot be negative.")

    if not kind:
        _add(errors, "kind", "Choose the type of resource.")
    elif kind not in _KINDS:
        _add(
            errors,
            "kind",
            "Choose fixed-term, agency, secondment, contractor, licence or other.",
        )
    return errors


def validate_extension(
    *,
    extension_until: date | None,
    reason: str | None,
    end_date: date,
    current_extension_until: date | None,
) -> dict[str, list[str]]:
    """Check a request to extend a resource and return error messages by field name.

    The new date must be later than the current effective end date, and a
    reason is required. Who may extend is checked by ``can_extend``.
    """
    errors: dict[str, list[str]] = range_errors(extension_until=extension_until)
    current_end = effective_end(end_date=end_date, extension_until=current_extension_until)
    if extension_until is None:
        _add(errors, "extension_until", "Enter the date the resource is extended until.")
    elif extension_until <= current_end:
        _add(
            errors,
            "extension_until",
            f"The extension date must be later than the current end date ({_format_date(current_end)}).",
        )
    if reason is None or not reason.strip():
        _add(errors, "reason", "Enter the reason for the extension.")
    return errors


def validate_actual_end(
    *, actual_end_date: date | None, start_date: date, today: date
) -> dict[str, list[str]]:
    """Check the date a resource actually ended and return error messages by field name.

    It may be the start date or today, but not before the start or in the future.
    """
    errors: dict[str, list[str]] = range_errors(actual_end_date=actual_end_date)
    if actual_end_date is None:
        _add(errors, "actual_end_date", "Enter the date the resource actually ended.")
        return errors
    if actual_end_date < start_date:
        _add(errors, "actual_end_date", "The actual end date cannot be before the start date.")
    if actual_end_date > today:
        _add(errors, "actual_end_date", "The actual end date cannot be in the future.")
    return errors
