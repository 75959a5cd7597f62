"""Scoring: each design authority member's assessment of the improvements they may score, and the
stored panel result (``improvement_score``) computed from them exactly as the scoring service does.

``services.scoring.recompute_score`` aggregates a panel's latest assessments with
``domain.scoring.aggregate`` and stores ``domain.panel.summarise`` and ``stored_medians`` beside it;
``panel_result`` below makes the same calls on the same values, so a stored score here is the one the
application would compute (the integration tests recompute a sample through the service to prove it).
Work past G1 has a final score that passes the must-meet criteria, since a go needed one.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from changeauth.devtools.scale_data.context import Build, Rules
from changeauth.devtools.scale_data.improvements import Improvements, eligible_members
from changeauth.devtools.scale_data.lifecycle import Plan
from changeauth.devtools.scale_data.people import People
from changeauth.domain.lifecycle import Decision, Gate, Stage
from changeauth.domain.panel import stored_medians, summarise
from changeauth.domain.scoring import CriterionKind, CriterionSpec, ScoreResult, ScoreStatus, aggregate
from changeauth.models import Assessment, AssessmentScore, ImprovementScore

RATIONALES = (
    "Clear demand and a realistic plan; delivery risk is moderate.",
    "Strong customer benefit, but the effort is higher than the case suggests.",
    "Fits the priorities; volumes are lower than claimed.",
    "Worth doing; the reform risk is small because the change is needed anyway.",
)


@dataclass(frozen=True)
class Window:
    """When members may score an improvement, and how many of them do."""

    plan: Plan
    opens: datetime
    closes: datetime
    fewest: int
    most: int
    must_fail: bool


def panel_result(
    specs: Sequence[CriterionSpec], panel: Sequence[dict[str, int | bool]], rules: Rules
) -> tuple[ScoreResult, dict[str, Any], dict[str, str]]:
    """The stored score of a panel (each member's values, in assessor order), as ``recompute_score``
    computes it: the aggregate result, the per-criterion summary and the medians."""
    kinds = {spec.code: spec.kind for spec in specs}
    counted = [
        {
            code: value
            for code, value in values.items()
            if code in kinds and isinstance(value, bool) == (kinds[code] is CriterionKind.MUST)
        }
        for values in panel
    ]
    result = aggregate(
        specs, counted, quorum=rules.score_quorum, disagreement_threshold=rules.disagreement_threshold
    )
    summary = summarise(panel)
    return result, summary, stored_medians(summary)


def generate(build: Build, people: People, improvements: Improvements) -> None:
    """Write assessments, their scores and each scored improvement's stored result, with events."""
    with build.stage("Assessments and scores") as stage:
        rng = build.rng("scores")
        windows = [w for plan in improvements.plans if (w := _window(build, plan, people)) is not None]
        counts = _counts(rng, windows, build.scale.assessments)
        specs = build.reference.specs
        assessments: list[dict[str, Any]] = []
        panels: list[tuple[int, list[tuple[int, dict[str, int | bool]]]]] = []
        stored: list[dict[str, Any]] = []
        for window, count in zip(windows, counts, strict=True):
            if count == 0:
                continue
            members = sorted(rng.sample(eligible_members(window.plan, people), count))
            scored = _score_panel(rng, specs, window, members)
            times = sorted(_moment(rng, window.opens, window.closes) for _ in members)
            order = list(range(count))
            rng.shuffle(order)  # who scored first
            panel: list[tuple[int, dict[str, int | bool]]] = []
            for position, index in enumerate(order):
                assessment_id = build.next_id(Assessment.__table__)
                at = times[position]
                rationale = rng.choice(RATIONALES)
                assessments.append(
                    {
                        "id": assessment_id,
                        "improvement_id": window.plan.id,
                        "assessor_id": members[index],
                        "scheme_id": build.reference.scheme_id,
                        "rationale": rationale,
                        "submitted_at": at,
                        "updated_at": at,
                        "version": 1,
                    }
                )
                panel.append((assessment_id, scored[index]))
                build.events.add(
                    at,
                    "assessment.submitted",
                    "assessment",
                    assessment_id,
                    actor_id=members[index],
                    version=1,
                    after={
                        "improvement_id": window.plan.id,
                        "scheme_version": build.reference.scheme_version,
                        "scores": scored[index],
                        "rationale": rationale,
                    },
                )
                if position + 1 == build.rules.score_quorum:
                    _became_final(
                        build, window.plan, [scored[i] for i in order[: position + 1]], at, members[index]
                    )
            by_assessor = [scored[i] for i in range(count)]  # members are sorted: the service's order
            result, summary, medians = panel_result(specs, by_assessor, build.rules)
            stored.append(
                {
                    "improvement_id": window.plan.id,
                    "scheme_id": build.reference.scheme_id,
                    "status": result.status.value,
                    "scorers": result.scorers,
                    "weighted_score": result.weighted_score,
                    "must_meet_passed": result.must_meet_passed,
                    "disagreement": result.disagreement,
                    "criteria": summary,
                    "medians": medians,
                    "computed_at": times[-1],
                }
            )
            panels.append((window.plan.id, panel))
        rows = len(assessments) * (1 + len(specs)) + len(stored)
        bar = stage.rows(rows)
        build.write(Assessment.__table__, assessments, bar)
        build.write(AssessmentScore.__table__, _score_rows(build, panels), bar)
        build.write(ImprovementScore.__table__, stored, bar)


def _window(build: Build, plan: Plan, people: People) -> Window | None:
    """Scoring opens when the business case goes to the gate (or at a quick win's triage)."""
    most = len(eligible_members(plan, people))
    quorum = build.rules.score_quorum
    g1_go = plan.move_at(Gate.G1, Decision.GO, Decision.GO_WITH_CONDITIONS)
    first_g1 = plan.move_at(Gate.G1)
    triage = plan.owning_move
    if triage is None:
        return None
    opens = triage.at + timedelta(days=7)
    if plan.quick_win:
        closes = plan.moves[1].at if len(plan.moves) > 1 else build.end
        return Window(plan, opens, closes, 0, min(most, 4), False) if closes > opens else None
    if g1_go is not None:
        return Window(plan, opens, g1_go.at, min(quorum, most), most, False)
    if first_g1 is not None and first_g1.decision in (Decision.STOP, Decision.HOLD):
        return Window(plan, opens, first_g1.at, 1, most, _fails_a_must(plan))
    if plan.stage == Stage.BUSINESS_CASE.value:
        return Window(plan, opens, build.end, 0, most, False) if build.end > opens else None
    return None


def _fails_a_must(plan: Plan) -> bool:
    """About a third of the proposals stopped at G1 failed a must-meet criterion (by id, not by chance,
    so the choice does not move the random streams)."""
    return plan.id % 3 == 0 and plan.move_at(Gate.G1, Decision.STOP) is not None


def _counts(rng: random.Random, windows: list[Window], target: int) -> list[int]:
    """How many members score each improvement: drawn, then nudged one at a time to hit the target."""
    counts = [rng.randint(w.fewest, max(w.fewest, (w.fewest + w.most * 2) // 3)) for w in windows]
    capacity = sum(w.most for w in windows)
    floor = sum(w.fewest for w in windows)
    goal = max(floor, min(target, capacity))
    total = sum(counts)
    indices = list(range(len(windows)))
    while total != goal and indices:
        index = rng.choice(indices)
        window = windows[index]
        if total < goal and counts[index] < window.most:
            counts[index] += 1
            total += 1
        elif total > goal and counts[index] > window.fewest:
            counts[index] -= 1
            total -= 1
    return counts


def _moment(rng: random.Random, opens: datetime, closes: datetime) -> datetime:
    span = int((closes - opens).total_seconds())
    return opens + timedelta(seconds=rng.randrange(max(1, span - 3_600)))


def _score_panel(
    rng: random.Random, specs: Sequence[CriterionSpec], window: Window, members: list[int]
) -> list[dict[str, int | bool]]:
    """Each member's values: should criteria near the improvement's true merit, now and then far off;
    must criteria met, unless this proposal was stopped for failing one."""
    merit = {spec.code: rng.uniform(0.5, 4.5) for spec in specs if spec.kind is CriterionKind.SHOULD}
    values: list[dict[str, int | bool]] = []
    for position, _member in enumerate(members):
        member_values: dict[str, int | bool] = {}
        for spec in specs:
            if spec.kind is CriterionKind.MUST:
                member_values[spec.code] = not window.must_fail or position == 0
            elif rng.random() < 0.05:
                member_values[spec.code] = rng.randint(0, 5)
            else:
                member_values[spec.code] = min(5, max(0, round(merit[spec.code] + rng.gauss(0, 0.7))))
        values.append(member_values)
    return values


def _became_final(
    build: Build, plan: Plan, panel: list[dict[str, int | bool]], at: datetime, actor_id: int
) -> None:
    result, _summary, _medians = panel_result(build.reference.specs, panel, build.rules)
    if result.status is not ScoreStatus.FINAL:
        return
    build.events.add(
        at,
        "improvement.score_final",
        "improvement",
        plan.id,
        actor_id=actor_id,
        version=plan.version_at(at),
        after={
            "scheme_version": build.reference.scheme_version,
            "scorers": result.scorers,
            "weighted_score": None if result.weighted_score is None else str(result.weighted_score),
            "must_meet_passed": result.must_meet_passed,
        },
    )


def _score_rows(
    build: Build, panels: list[tuple[int, list[tuple[int, dict[str, int | bool]]]]]
) -> Iterator[dict[str, Any]]:
    table = AssessmentScore.__table__
    for _improvement_id, panel in panels:
        for assessment_id, values in panel:
            for code, value in values.items():
                passed = value if isinstance(value, bool) else None
                score = None if isinstance(value, bool) else value
                yield {
                    "id": build.next_id(table),
                    "assessment_id": assessment_id,
                    "criterion_code": code,
                    "score": score,
                    "passed": passed,
                }
