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


# What each flag is called on every page and export. A benefit further behind today's plan than its tolerance
# allows is "behind plan", as its rating says (domain.benefits.RAG_LABELS), never "off track".
FLAG_LABELS = {
    FlagKind.STALE_BENEFIT: "Benefit measurement overdue",
    FlagKind.BENEFIT_ESCALATED: "Benefit escalated",
    FlagKind.BENEFIT_OUT_OF_TOLERANCE: "Benefit behind plan",
    FlagKind.TEMPORARY_RESOURCE_ENDING: "Temporary resource ending soon",
    FlagKind.TEMPORARY_RESOURCE_OVERRUN: "Temporary resource overrun",
    FlagKind.CONDITION_OVERDUE: "Gate condition overdue",
    FlagKind.HOLD_REVIEW_DUE: "Hold due a review",
    FlagKind.TRIAGE_OVERDUE: "Idea waiting for triage",
}


class FlagSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"
