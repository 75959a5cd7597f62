"""The flags the scheduled jobs raise: what each is about and how serious it is."""

from __future__ import annotations

from enum import StrEnum


class FlagKind(StrEnum):
    STALE_BENEFIT = "stale_benefit"
    BENEFIT_ESCALATED = "benefit_escalated"
    BENEFIT_OUT_OF_TOLERANCE = "benefit_out_of_tolerance"
    TEMPORARY_RESOURCE_ENDING = "temporary_resource_ending"
    TEMPORARY_RESOURCE_OVERRUN = "temporary_resource_overrun"
    CONDITION_OVERDUE = "condition_overdue"
    HOLD_REVIEW_DUE = "hold_review_due"
    TRIAGE_OVERDUE = "triage_overdue"


class FlagSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"
