"""Gate criteria: what each gate asks, and whether an improvement meets it.

Each criterion is a *must* (a go needs it) or a *should* (shown, not blocking), checked either by an
automatic rule over facts the services gather, or by a manual tick with evidence. Quick wins need only
a recorded effect at G2 and G3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from changeauth.domain.business_cases import CaseStatus
from changeauth.domain.dependencies import DependencyState, state_of
from changeauth.domain.lifecycle import Gate, Route
from changeauth.domain.reviews import REVIEW_DECISION_LABELS, ReviewDecision, decision_carried_out
from changeauth.domain.scoring import ScoreStatus

MANUAL = "manual"
CLOSING_STATUSES = frozenset({"realised", "partially_realised", "not_realised"})


class ConditionStatus(StrEnum):
    """Where a condition of a conditional go stands: open ones block the next gate's go."""

    OPEN = "open"
    MET = "met"
    WAIVED = "waived"

    @property
    def label(self) -> str:
        return {"open": "Open", "met": "Met", "waived": "Waived"}[self.value]


class CriterionKind(StrEnum):
    MUST = "must"
    SHOULD = "should"

    @property
    def label(self) -> str:
        """How the criteria page names the kind: a must criterion blocks a go, a should one informs it."""
        return {"must": "Must be met", "should": "Should be met"}[self.value]


@dataclass(frozen=True)
class GateCriterionSpec:
    gate: Gate
    code: str
    text: str
    kind: CriterionKind
    check: str  # the name of an automatic rule, or "manual"


@dataclass(frozen=True)
class BenefitFacts:
    owner_id: int | None
    baseline_date: date | None
    target_date: date | None
    frequency: str | None
    has_baseline_value: bool
    has_target_value: bool
    latest_measurement_on: date | None
    closing_status: str | None
    # The benefits review's decision on it (domain.reviews), and whether it was handed to a
    # business-as-usual owner who keeps measuring it.
    review_decision: str | None = None
    handed_over: bool = False
    # For G2's "baselines measured": what the benefit is called (the criterion names it), how its
    # baseline was arrived at (domain.benefits.DataQuality; None: not recorded) and whether finance has
    # validated the benefit's figures.
    title: str = ""
    baseline_quality: str | None = None
    validated: bool = False


@dataclass(frozen=True)
class GateFacts:
    """What the rules look at, gathered by the gate service from the database."""

    today: date
    route: str = Route.STANDARD.value
    business_case_status: str | None = None
    benefits: tuple[BenefitFacts, ...] = ()
    score_status: str | None = None
    must_meet_passed: bool | None = None
    resource_end_dates: tuple[date | None, ...] = ()
    open_conditions: int = 0
    went_live_on: date | None = None
    effect_recorded: bool = False
    manual_ticks: Mapping[str, bool] = field(default_factory=dict)
    # The stage of each improvement this one needs delivered first
    # (docs/gates.md#dependencies-between-improvements).
    dependency_stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CriterionStatus:
    code: str
    text: str
    kind: CriterionKind
    met: bool
    detail: str
    # A person records evidence for it (a design authority member ticks it), rather than a rule deciding.
    is_manual: bool = False

    @property
    def is_must(self) -> bool:
        return self.kind is CriterionKind.MUST


Rule = Callable[[GateFacts], tuple[bool, str]]


def _business_case_submitted(facts: GateFacts) -> tuple[bool, str]:
    status = facts.business_case_status
    if status in (CaseStatus.SUBMITTED, CaseStatus.APPROVED):
        return True, f"The business case is {status}."
    if status is None:
        return False, "There is no business case yet."
    return False, f"The latest business case is {status}; submit it for the gate."


def _benefits_profiled(facts: GateFacts) -> tuple[bool, str]:
    complete = [
        b
        for b in facts.benefits
        if b.owner_id and b.has_baseline_value and b.has_target_value and b.frequency and b.baseline_date
    ]
    if complete:
        return (
            True,
            f"{len(complete)} of {len(facts.benefits)} benefits have owner, baseline, target and frequency.",
        )
    return False, "At least one benefit needs an owner, a baseline, a target and a measurement frequency."


def _score_final_pass(facts: GateFacts) -> tuple[bool, str]:
    if facts.score_status != ScoreStatus.FINAL:
        return False, "The design authority's score is not final yet (too few scorers, or not scored)."
    if facts.must_meet_passed is not True:
        return False, "The score's must-meet verdict is a fail."
    return True, "Final score, and every must-meet criterion passed."


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def baseline_shortfall(benefit: BenefitFacts, today: date) -> str | None:
    """Why a benefit's baseline does not yet count as measured for G2, in words, or None when it does.

    A baseline counts once its date has passed and it was measured (not estimated, not a proxy) or
    finance has validated the benefit's figures (docs/gates.md#g2-baselines-measured)."""
    if benefit.baseline_date is None:
        return "has no baseline date"
    if benefit.baseline_date > today:
        return f"has a baseline date still to come ({_day(benefit.baseline_date)})"
    if benefit.validated or benefit.baseline_quality == "measured":
        return None
    if benefit.baseline_quality == "estimated":
        return "has an estimated baseline, not a measured one"
    if benefit.baseline_quality == "proxy":
        return "has a baseline from a proxy (an indirect measure), not a measured one"
    return "does not say whether its baseline was measured"


def _baselines_measured(facts: GateFacts) -> tuple[bool, str]:
    if not facts.benefits:
        return False, "There are no benefits to measure."
    failing = [
        (benefit.title, reason)
        for benefit in facts.benefits
        if (reason := baseline_shortfall(benefit, facts.today)) is not None
    ]
    if failing:
        named = "; ".join(
            f"“{title}” {reason}" if title else f"a benefit {reason}" for title, reason in failing
        )
        return False, (
            f"{len(failing)} of {len(facts.benefits)} benefits need a measured baseline: {named}. Record a "
            "measured baseline with its evidence, or have finance validate the benefit."
        )
    return True, "Every benefit's baseline has been measured or validated by finance."


def _resources_have_end_dates(facts: GateFacts) -> tuple[bool, str]:
    missing = sum(1 for end in facts.resource_end_dates if end is None)
    linked = len(facts.resource_end_dates)
    if missing:
        return (
            False,
            f"{missing} of {linked} linked temporary resources {'has' if missing == 1 else 'have'} "
            "no end date.",
        )
    if linked == 0:
        return True, "No temporary resource is linked to it."
    if linked == 1:
        return True, "Its one linked temporary resource has an end date."
    return True, f"All {linked} linked temporary resources have an end date."


def _no_open_conditions(facts: GateFacts) -> tuple[bool, str]:
    if facts.open_conditions:
        return False, f"{facts.open_conditions} conditions from an earlier gate are still open."
    return True, "No open conditions."


def measured_since_go_live(latest_measurement_on: date | None, went_live_on: date | None) -> bool:
    """The benefits review's evidence for one benefit: a measurement for a period after go-live. A benefit
    is offered for closing only once this holds, as the G3 criterion asks for it."""
    return (
        went_live_on is not None
        and latest_measurement_on is not None
        and latest_measurement_on > went_live_on
    )


def _measured_after_go_live(facts: GateFacts) -> tuple[bool, str]:
    if not facts.benefits:
        return False, "There are no benefits to review."
    if facts.went_live_on is None:
        return False, "There is no go-live decision to measure from."
    missing = [
        b for b in facts.benefits if not measured_since_go_live(b.latest_measurement_on, facts.went_live_on)
    ]
    if missing:
        return False, f"{len(missing)} benefits have no measurement since go-live."
    return True, "Every benefit has a measurement since go-live."


def _benefits_closed(facts: GateFacts) -> tuple[bool, str]:
    if not facts.benefits:
        return False, "There are no benefits to review."
    # A benefit handed to a business-as-usual owner is settled too: it is still measured after the
    # improvement closes (docs/benefits-and-resources.md#the-benefits-review).
    open_ = [b for b in facts.benefits if b.closing_status not in CLOSING_STATUSES and not b.handed_over]
    if open_:
        return False, (
            f"{len(open_)} benefits have no closing status (realised, partially or not realised) and have "
            "not been handed to a business-as-usual owner."
        )
    return True, "Every benefit has a closing status or a business-as-usual owner who keeps measuring it."


def _benefits_reviewed(facts: GateFacts) -> tuple[bool, str]:
    if not facts.benefits:
        return False, "There are no benefits to review."
    missing = [
        b
        for b in facts.benefits
        if not decision_carried_out(
            b.review_decision, closing_status=b.closing_status, handed_over=b.handed_over
        )
    ]
    if missing:
        return False, f"{len(missing)} benefits have no benefits review decision (or were reopened since)."
    kept = [
        b for b in facts.benefits if b.review_decision in (ReviewDecision.CONTINUE, ReviewDecision.REVISE)
    ]
    if kept:
        return True, (
            f"Every benefit has a review decision; {len(kept)} are to go on being measured in realisation "
            f"({REVIEW_DECISION_LABELS[ReviewDecision.CONTINUE].lower()} or revised)."
        )
    return True, "Every benefit has a benefits review decision."


def _effect_recorded(facts: GateFacts) -> tuple[bool, str]:
    if facts.effect_recorded:
        return True, "The effect of the quick win is recorded."
    return False, "Record the effect of the quick win (a benefit with a measurement, or the expected effect)."


def _dependencies_delivered(facts: GateFacts) -> tuple[bool, str]:
    states = [state_of(stage) for stage in facts.dependency_stages]
    if not states:
        return True, "It needs no other improvement delivered first."
    awaited = states.count(DependencyState.AWAITED)
    stopped = states.count(DependencyState.STOPPED)
    if not (awaited or stopped):
        return True, f"All {len(states)} improvements it needs have been delivered."
    parts = []
    if awaited:
        parts.append(
            f"{awaited} of the improvements it needs {'is' if awaited == 1 else 'are'} not delivered yet"
        )
    if stopped:
        parts.append(
            f"{stopped} {'was' if stopped == 1 else 'were'} stopped and will not be delivered: the design "
            "authority removes that dependency or stops this work"
        )
    text = "; ".join(parts)
    return False, f"{text[0].upper()}{text[1:]}."


RULES: dict[str, Rule] = {
    "business_case_submitted": _business_case_submitted,
    "benefits_profiled": _benefits_profiled,
    "score_final_pass": _score_final_pass,
    "baselines_measured": _baselines_measured,
    "resources_have_end_dates": _resources_have_end_dates,
    "no_open_conditions": _no_open_conditions,
    "measured_after_go_live": _measured_after_go_live,
    "benefits_closed": _benefits_closed,
    "benefits_reviewed": _benefits_reviewed,
    "effect_recorded": _effect_recorded,
    "dependencies_delivered": _dependencies_delivered,
}

# What each automatic rule checks, in the words the criteria pages show for it.
RULE_LABELS: dict[str, str] = {
    "business_case_submitted": "a business case has been submitted",
    "benefits_profiled": "a benefit has an owner, baseline, target and frequency",
    "score_final_pass": "the score is final and passes every must-meet",
    "baselines_measured": "every benefit's baseline has been measured or validated by finance",
    "resources_have_end_dates": "every temporary resource has an end date",
    "no_open_conditions": "no conditions are open",
    "measured_after_go_live": "every benefit is measured after go-live",
    "benefits_closed": "every benefit has a closing status or a business-as-usual owner",
    "benefits_reviewed": "every benefit has a benefits review decision",
    "effect_recorded": "the quick win's effect is recorded",
    "dependencies_delivered": "every improvement it needs first has been delivered",
}


def check_label(check: str) -> str:
    """How a criterion is checked, in words: "Manual tick" or "Automatic: no conditions are open"."""
    if check == MANUAL:
        return "Manual tick with evidence"
    return f"Automatic: {RULE_LABELS.get(check, 'a rule that is no longer known')}"


MUST, SHOULD = CriterionKind.MUST, CriterionKind.SHOULD
DEFAULT_GATE_CRITERIA: tuple[GateCriterionSpec, ...] = (
    GateCriterionSpec(
        Gate.G1,
        "business_case_submitted",
        "A business case has been submitted.",
        MUST,
        "business_case_submitted",
    ),
    GateCriterionSpec(
        Gate.G1,
        "benefits_profiled",
        "At least one benefit has an owner, a baseline, a target and a measurement frequency.",
        MUST,
        "benefits_profiled",
    ),
    GateCriterionSpec(
        Gate.G1,
        "score_final_pass",
        "The design authority's score is final and passes every must-meet.",
        MUST,
        "score_final_pass",
    ),
    GateCriterionSpec(
        Gate.G1,
        "reform_risk_considered",
        "The risk from local government reform has been considered.",
        SHOULD,
        MANUAL,
    ),
    GateCriterionSpec(
        Gate.G2,
        "baselines_measured",
        "Every benefit's baseline has been measured.",
        MUST,
        "baselines_measured",
    ),
    GateCriterionSpec(
        Gate.G2,
        "resources_have_end_dates",
        "Every linked temporary resource has an end date.",
        MUST,
        "resources_have_end_dates",
    ),
    GateCriterionSpec(Gate.G2, "no_open_conditions", "No conditions are open.", MUST, "no_open_conditions"),
    # Blocks go-live, not the start of delivery: see docs/gates.md#dependencies-between-improvements.
    GateCriterionSpec(
        Gate.G2,
        "dependencies_delivered",
        "Every improvement this one needs delivered first has been delivered.",
        MUST,
        "dependencies_delivered",
    ),
    GateCriterionSpec(
        Gate.G2,
        "service_ready",
        "The service owner has accepted the change into business as usual.",
        SHOULD,
        MANUAL,
    ),
    GateCriterionSpec(
        Gate.G3,
        "measured_after_go_live",
        "Every benefit has a measurement after go-live.",
        MUST,
        "measured_after_go_live",
    ),
    GateCriterionSpec(
        Gate.G3,
        "benefits_closed",
        "Every benefit has a closing status or a business-as-usual owner who keeps measuring it.",
        MUST,
        "benefits_closed",
    ),
    # Variance, causes and a decision per benefit (docs/benefits-and-resources.md#the-benefits-review).
    GateCriterionSpec(
        Gate.G3,
        "benefits_reviewed",
        "Every benefit has a benefits review decision: continue, revise, close or hand over.",
        MUST,
        "benefits_reviewed",
    ),
    GateCriterionSpec(
        Gate.G3,
        "lessons_shared",
        "Lessons and the success story have been shared with staff.",
        SHOULD,
        MANUAL,
    ),
)

# A quick win skips the business case; at G2 and G3 it needs only a recorded effect, and at G2 (its
# go-live) what it needs delivered first, as any improvement does.
QUICK_WIN_CRITERIA: dict[Gate, tuple[GateCriterionSpec, ...]] = {
    gate: (
        GateCriterionSpec(
            gate, "effect_recorded", "The effect of the quick win is recorded.", MUST, "effect_recorded"
        ),
        *(
            (
                GateCriterionSpec(
                    gate,
                    "dependencies_delivered",
                    "Every improvement this one needs delivered first has been delivered.",
                    MUST,
                    "dependencies_delivered",
                ),
            )
            if gate is Gate.G2
            else ()
        ),
    )
    for gate in (Gate.G2, Gate.G3)
}


def criteria_for(
    gate: Gate, route: str, configured: Sequence[GateCriterionSpec]
) -> tuple[GateCriterionSpec, ...]:
    """The criteria that apply at a gate for an improvement on this route."""
    if route == Route.QUICK_WIN.value and gate in QUICK_WIN_CRITERIA:
        return QUICK_WIN_CRITERIA[gate]
    return tuple(spec for spec in configured if spec.gate is gate)


def evaluate(criteria: Sequence[GateCriterionSpec], facts: GateFacts) -> list[CriterionStatus]:
    """Each criterion met or not, with why. An unknown rule name counts as not met (never silently passed)."""
    statuses = []
    for spec in criteria:
        if spec.check == MANUAL:
            met = bool(facts.manual_ticks.get(spec.code))
            detail = (
                "Ticked, with evidence."
                if met
                else "Not yet ticked: a design authority member records evidence."
            )
        elif spec.check in RULES:
            met, detail = RULES[spec.check](facts)
        else:
            met, detail = (
                False,
                f"The rule {spec.check!r} is not known; an administrator must fix this criterion.",
            )
        statuses.append(
            CriterionStatus(spec.code, spec.text, spec.kind, met, detail, is_manual=spec.check == MANUAL)
        )
    return statuses


def unmet_musts(statuses: Sequence[CriterionStatus]) -> list[str]:
    """Codes of the must criteria not met: a go is refused while any remain."""
    return [status.code for status in statuses if status.kind is CriterionKind.MUST and not status.met]
