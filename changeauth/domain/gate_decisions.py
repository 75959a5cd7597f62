"""What a gate decision asks for, and the limits every way of asking keeps.

The gate page's form, the triage page's form and the API's schema each build one ``DecisionRequest``;
the service validates it, applies it and then records and announces it (services/transitions.py). The
limits below are the only copy: the forms and the schema take their lengths and counts from here, and the
service checks them again for callers that use neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from changeauth.domain.improvements import TEXT_MAX

# The reasons, read by the submitter and kept in the decision register.
REASONS_MAX = TEXT_MAX
# What a condition asks to be done.
CONDITION_TEXT_MAX = TEXT_MAX
# Conditions on one conditional go, and members named as attending one decision.
CONDITIONS_MAX = 50
ATTENDEES_MAX = 50


@dataclass(frozen=True)
class ConditionInput:
    """A condition asked for with a conditional go: an action, its owner and its due date."""

    text: str
    owner_id: int
    due_date: date


@dataclass(frozen=True)
class DecisionRequest:
    """One gate decision as asked for: the gate and decision by their stored values, the reasons, the
    improvement's version the person saw, and the answers only some decisions need (the others are
    ignored or refused by the service, as the lifecycle says)."""

    gate: str
    decision: str
    rationale: str
    version: int | None
    attendee_ids: tuple[int, ...] = ()
    hold_until: date | None = None
    duplicate_of_id: int | None = None
    owner_id: int | None = None
    conditions: tuple[ConditionInput, ...] = ()
    meeting_id: int | None = None
    # At G1: the business case version the quorum reviewed.
    business_case_version: int | None = None


def limit_errors(request: DecisionRequest) -> dict[str, list[str]]:
    """The lengths and counts a request breaks, by field, in the words the pages show."""
    errors: dict[str, list[str]] = {}
    if len(request.rationale) > REASONS_MAX:
        errors["rationale"] = [f"Keep the reasons to {REASONS_MAX:,} characters or fewer."]
    if len(request.attendee_ids) > ATTENDEES_MAX:
        errors["attendee_ids"] = [f"Name at most {ATTENDEES_MAX} members as attending."]
    if len(request.conditions) > CONDITIONS_MAX:
        errors["conditions"] = [f"Set at most {CONDITIONS_MAX} conditions on one decision."]
    return errors
