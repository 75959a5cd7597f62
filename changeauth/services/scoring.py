"""Scoring and the backlog: scheme versions, blind assessments, the stored panel score, what-if previews
and the roadmap quarter. The rules are in docs/scoring-and-backlog.md.

Concurrency: saving an assessment takes a shared scoring lock and locks the improvement's row;
activating a scheme takes the lock exclusively, so a score is never computed under a scheme that is
being replaced (PostgreSQL advisory locks; SQLite writers already take turns with BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any, cast, overload

from sqlalchemy import BindParameter, bindparam, exists, func, select, update
from sqlalchemy.orm import selectinload

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import ENDED_STAGES
from changeauth.domain.panel import (
    compare_rankings,
    parse_medians,
    reaggregate,
    stored_medians,
    summarise,
    weighted_scores,
)
from changeauth.domain.ranking import WhatIfRanking, WhatIfRow
from changeauth.domain.roadmap import parse_quarter
from changeauth.domain.scoring import (
    DEFAULT_CRITERIA,
    DESCRIPTOR_KEYS,
    SCHEME_ERRORS_KEY,
    CriterionKind,
    CriterionSpec,
    Direction,
    SchemeStatus,
    ScoreStatus,
    aggregate,
    validate_assessment,
    validate_scheme,
)
from changeauth.models import (
    Assessment,
    AssessmentScore,
    Improvement,
    ImprovementScore,
    SchemeCriterion,
    ScoringScheme,
    User,
)
from changeauth.queries import backlog as backlog_queries
from changeauth.queries import improvements as improvement_queries
from changeauth.queries import scoring as scoring_queries
from changeauth.queries.backlog import BacklogEntry
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded, touch
from changeauth.services.reference_data import UpsertCounts

# Names the PostgreSQL advisory lock that orders assessment saves against scheme activation.
_SCORING_LOCK_KEY = 7_204_114
MAX_CRITERIA = 20
MAX_WEIGHT = Decimal(1000)
NAME_MAX = 120
DESCRIPTION_MAX = 2_000
DESCRIPTOR_MAX = 500
MUST_DESCRIPTOR_KEYS = ("pass", "fail")


def _lock_scoring(*, exclusive: bool) -> None:
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
        session.execute(select(lock(_SCORING_LOCK_KEY)))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- scheme criteria: validation and normalising -----------------------------------------------


def _number(value: object) -> Decimal | None:
    """A weight as a Decimal; None when it is not a finite number (validate_scheme says so)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _limit_errors(item: Mapping[str, Any]) -> list[str]:
    """Limits the database and the pages need, beyond the domain's scheme rules."""
    messages = []
    name = item.get("name")
    if isinstance(name, str) and len(name.strip()) > NAME_MAX:
        messages.append(f"Keep the name to {NAME_MAX} characters or fewer.")
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        messages.append("The description must be text.")
    elif isinstance(description, str) and len(description) > DESCRIPTION_MAX:
        messages.append(f"Keep the description to {DESCRIPTION_MAX:,} characters or fewer.")
    descriptors = item.get("descriptors")
    if isinstance(descriptors, Mapping):
        allowed = DESCRIPTOR_KEYS if item.get("kind") == CriterionKind.SHOULD else MUST_DESCRIPTOR_KEYS
        unknown = sorted(str(key) for key in descriptors if key not in allowed)
        if unknown:
            messages.append(f"Descriptors are keyed {', '.join(allowed)}; not {', '.join(unknown)}.")
        if not all(isinstance(text_, str) for text_ in descriptors.values()):
            messages.append("Each descriptor must be text.")
        elif any(len(text_) > DESCRIPTOR_MAX for text_ in descriptors.values()):
            messages.append(f"Keep each descriptor to {DESCRIPTOR_MAX} characters or fewer.")
    elif descriptors is not None:
        messages.append("Descriptors must map each point to its description.")
    weight = _number(item.get("weight"))
    if weight is not None and weight > MAX_WEIGHT:
        messages.append(f"Weight must be {MAX_WEIGHT} or less.")
    elif weight is not None and weight < 0:
        messages.append("Weight must not be negative.")
    # Only in range: quantizing a number with more digits than the context's precision raises.
    elif weight is not None and weight != weight.quantize(Decimal("0.01")):
        messages.append("Use at most two decimal places for a weight.")
    return messages


def criteria_errors(criteria: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Field errors for a proposed scheme: ``criteria.<index>`` per criterion, ``criteria`` for the whole."""
    first_index: dict[str, int] = {}
    for index, item in enumerate(criteria):
        code = item.get("code")
        if isinstance(code, str) and code:
            first_index.setdefault(code, index)
    errors: dict[str, list[str]] = {}
    for key, messages in validate_scheme(criteria).items():
        if key == SCHEME_ERRORS_KEY:
            target = "criteria"
        elif key in first_index:
            target = f"criteria.{first_index[key]}"
        else:  # "#<position>", for a criterion without a code
            target = f"criteria.{int(key[1:]) - 1}"
        errors.setdefault(target, []).extend(messages)
    for index, item in enumerate(criteria):
        if limits := _limit_errors(item):
            errors.setdefault(f"criteria.{index}", []).extend(limits)
    if len(criteria) > MAX_CRITERIA:
        errors.setdefault("criteria", []).append(f"A scheme has at most {MAX_CRITERIA} criteria.")
    return errors


def _normalised(item: Mapping[str, Any], position: int) -> dict[str, Any]:
    kind = CriterionKind(item["kind"])
    descriptors = item.get("descriptors") or {}
    keys = DESCRIPTOR_KEYS if kind is CriterionKind.SHOULD else MUST_DESCRIPTOR_KEYS
    return {
        "position": position,
        "code": item["code"],
        "name": item["name"].strip(),
        "description": (item.get("description") or "").strip(),
        "kind": kind.value,
        "weight": (_number(item.get("weight")) or Decimal(0)) if kind is CriterionKind.SHOULD else Decimal(0),
        "direction": item.get("direction") or Direction.HIGHER_BETTER.value,
        "descriptors": {
            key: descriptors[key].strip() for key in keys if (descriptors.get(key) or "").strip()
        },
    }


def _clean_criteria(criteria: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if errors := criteria_errors(criteria):
        raise ValidationFailed(errors)
    return [_normalised(item, position) for position, item in enumerate(criteria)]


def _audit_criteria(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in row.items() if k != "position"}, "weight": str(row["weight"])} for row in rows
    ]


def _criterion_rows(scheme: ScoringScheme) -> list[dict[str, Any]]:
    return [
        {
            "position": c.position,
            "code": c.code,
            "name": c.name,
            "description": c.description,
            "kind": c.kind,
            "weight": Decimal(c.weight),
            "direction": c.direction,
            "descriptors": dict(c.descriptors),
        }
        for c in scheme.criteria
    ]


def spec_as_input(spec: CriterionSpec) -> dict[str, Any]:
    """A criterion in the shape draft_scheme() takes (used to start a new version from the active one)."""
    return {
        "code": spec.code,
        "name": spec.name,
        "description": spec.description,
        "kind": spec.kind.value,
        "weight": spec.weight,
        "direction": spec.direction.value,
        "descriptors": dict(spec.descriptors),
    }


# --- scheme versions ---------------------------------------------------------------------------


def _load_scheme(scheme_id: int) -> ScoringScheme:
    # Read again (after the scoring lock): a copy loaded earlier in the request may be out of date.
    scheme = db.session.scalar(
        select(ScoringScheme)
        .options(selectinload(ScoringScheme.criteria))
        .where(ScoringScheme.id == scheme_id)
        .execution_options(populate_existing=True)
    )
    if scheme is None:
        raise NotFound("There is no scoring scheme with that number.")
    return scheme


def draft_scheme(actor: User, criteria: Sequence[Mapping[str, Any]], *, note: str = "") -> ScoringScheme:
    """An administrator drafts the next scheme version. Raises PermissionDenied or ValidationFailed.

    Flushes, does not commit.
    """
    _require(permissions.can_manage_scoring_schemes(actor.as_actor()), "Only administrators manage schemes.")
    rows = _clean_criteria(criteria)
    _lock_scoring(exclusive=True)
    version = (db.session.scalar(select(func.max(ScoringScheme.version))) or 0) + 1
    scheme = ScoringScheme(
        version=version,
        status=SchemeStatus.DRAFT,
        note=note.strip(),
        created_by_id=actor.id,
        created_at=db.utcnow(),
        criteria=[SchemeCriterion(**row) for row in rows],
    )
    db.session.add(scheme)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="scoring_scheme.drafted",
        subject_type="scoring_scheme",
        subject_id=scheme.id,
        subject_version=scheme.revision,
        after={"version": version, "note": scheme.note, "criteria": _audit_criteria(rows)},
    )
    return scheme


def update_draft(
    scheme_id: int,
    *,
    actor: User,
    criteria: Sequence[Mapping[str, Any]],
    expected_version: int | None,
    note: str = "",
) -> ScoringScheme:
    """Replace a draft's criteria. Active and retired versions never change (InvalidTransition).
    ``expected_version`` is the draft's revision the administrator read.

    Flushes, does not commit.
    """
    _require(permissions.can_manage_scoring_schemes(actor.as_actor()), "Only administrators manage schemes.")
    _lock_scoring(exclusive=True)
    scheme = _load_scheme(scheme_id)
    if not scheme.is_draft or scoring_queries.scheme_is_used(scheme.id):
        raise InvalidTransition(f"Version {scheme.version} is {scheme.status}: only drafts can be changed.")
    expect_version(scheme, expected_version, column="revision")
    rows = _clean_criteria(criteria)
    before = {"note": scheme.note, "criteria": _audit_criteria(_criterion_rows(scheme))}
    scheme.criteria.clear()
    flush_guarded()  # old codes go before new ones arrive: (scheme_id, code) is unique
    scheme.criteria.extend(SchemeCriterion(**row) for row in rows)
    scheme.note = note.strip()
    # The criteria are the draft's: its revision moves with them even when the note stays the same.
    touch(scheme, column="note")
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="scoring_scheme.draft_changed",
        subject_type="scoring_scheme",
        subject_id=scheme.id,
        subject_version=scheme.revision,
        before=before,
        after={"note": scheme.note, "criteria": _audit_criteria(rows)},
    )
    return scheme


@dataclass(frozen=True)
class Activation:
    scheme: ScoringScheme
    recomputed: int
    weights_only: bool


def _structure(specs: Sequence[CriterionSpec]) -> set[tuple[str, str]]:
    """What a weights-only change keeps: the criteria and their kinds (weights and directions may move)."""
    return {(spec.code, spec.kind.value) for spec in specs}


def activate_scheme(
    scheme_id: int,
    *,
    actor: User,
    quorum: int,
    disagreement_threshold: int,
    expected_version: int | None = None,
) -> Activation:
    """Make a draft the active scheme, retire the old one and recompute every stored score, set-based.

    Stored scores are recomputed from their per-criterion statistics, never from the assessments:
    a weights-only change moves weighted scores and ranks; a new criterion makes scores provisional
    until members score it. ``expected_version`` is the draft's revision the administrator read.
    Flushes, does not commit.

    Activations, draft changes and assessments take the scoring lock (``_lock_scoring``): one
    activation at a time, so there is one active scheme (the unique index is the last word) and no
    score is computed under a scheme being replaced. The schemes' own rows are guarded by their
    revision (services/guards.py).
    """
    _require(permissions.can_manage_scoring_schemes(actor.as_actor()), "Only administrators manage schemes.")
    _lock_scoring(exclusive=True)
    scheme = _load_scheme(scheme_id)
    if not scheme.is_draft:
        raise InvalidTransition(
            f"Version {scheme.version} is {scheme.status}; only a draft can be activated."
        )
    expect_version(scheme, expected_version, column="revision")
    now = db.utcnow()
    previous_id = db.session.scalar(
        select(ScoringScheme.id).where(ScoringScheme.status == SchemeStatus.ACTIVE)
    )
    previous = _load_scheme(previous_id) if previous_id is not None else None
    previous_specs: tuple[CriterionSpec, ...] = ()
    if previous is not None:
        previous_specs = previous.specs()
        previous.status, previous.retired_at = SchemeStatus.RETIRED, now
        flush_guarded()  # at most one active scheme: retire before activating
    scheme.status, scheme.activated_at = SchemeStatus.ACTIVE, now
    flush_guarded()
    specs = scoring_queries.get_scheme(scheme.id).specs()
    weights_only = previous is not None and _structure(previous_specs) == _structure(specs)
    stamp = {"scheme_id": scheme.id, "computed_at": now}
    if weights_only:
        recomputed = _rescore_all(specs, **stamp)
    else:
        recomputed = _recompute_all(specs, quorum, disagreement_threshold, **stamp)
    _expire_loaded_scores()
    record_event(
        actor_id=actor.id,
        action="scoring_scheme.activated",
        subject_type="scoring_scheme",
        subject_id=scheme.id,
        subject_version=scheme.revision,
        before={"active_version": previous.version if previous else None},
        after={"active_version": scheme.version, "recomputed": recomputed, "weights_only": weights_only},
    )
    return Activation(scheme=scheme, recomputed=recomputed, weights_only=weights_only)


def create_scheme(
    actor: User,
    criteria: Sequence[Mapping[str, Any]],
    *,
    activate: bool,
    quorum: int,
    disagreement_threshold: int,
    note: str = "",
) -> ScoringScheme:
    """Draft a new version and, if asked, activate it at once (the API's POST /scoring-schemes).

    Flushes, does not commit.
    """
    scheme = draft_scheme(actor, criteria, note=note)
    if activate:
        activate_scheme(scheme.id, actor=actor, quorum=quorum, disagreement_threshold=disagreement_threshold)
    return scheme


# Ids per UPDATE ... WHERE improvement_id IN (...): well under SQLite's limit of bound variables.
_IDS_PER_STATEMENT = 5_000


def _set_by_value(groups: Mapping[tuple[Any, ...], list[int]], columns: Sequence[str], **common: Any) -> None:
    """Set ``columns`` to each group's values (and ``common`` to the same values everywhere) for the
    group's improvement ids.

    Scores take at most 1,001 values (0.0 to 100.0), so grouping rows by their new values turns
    50,000 row updates into a few hundred set-based statements, on both databases, and each row is
    written once.
    """
    table = ImprovementScore.__table__
    # The ids are integers read from the database, so they are written into the statement rather than
    # bound one by one (binding thousands of parameters costs more than the update itself).
    ids_param: BindParameter[list[int]] = bindparam("ids", expanding=True, literal_execute=True)
    for values, ids in groups.items():
        statement = (
            update(table)
            .where(table.c.improvement_id.in_(ids_param))
            .values(**dict(zip(columns, values, strict=True)), **common)
        )
        for start in range(0, len(ids), _IDS_PER_STATEMENT):
            db.session.execute(statement, {"ids": [int(i) for i in ids[start : start + _IDS_PER_STATEMENT]]})


def _recompute_all(specs: Sequence[CriterionSpec], quorum: int, threshold: int, **common: Any) -> int:
    """Recompute every stored score under ``specs`` from the stored statistics: one SELECT, the domain
    maths, one UPDATE per distinct result."""
    table = ImprovementScore.__table__
    rows = db.session.execute(select(table.c.improvement_id, table.c.scorers, table.c.criteria)).all()
    groups: dict[tuple[Any, ...], list[int]] = {}
    for improvement_id, scorers, summary in rows:
        result = reaggregate(summary or {}, scorers, specs, quorum=quorum, disagreement_threshold=threshold)
        key = (result.status.value, result.weighted_score, result.must_meet_passed, result.disagreement)
        groups.setdefault(key, []).append(improvement_id)
    _set_by_value(groups, ("status", "weighted_score", "must_meet_passed", "disagreement"), **common)
    return len(rows)


def _rescore_all(specs: Sequence[CriterionSpec], **common: Any) -> int:
    """A weights-only change: new weighted scores from the stored medians (batch integer maths);
    statuses, must-meet verdicts and disagreement cannot change. One SELECT of two narrow columns,
    one UPDATE per distinct score."""
    table = ImprovementScore.__table__
    codes = [spec.code for spec in specs if spec.kind is CriterionKind.SHOULD]
    rows = db.session.execute(select(table.c.improvement_id, table.c.medians)).all()
    scores = weighted_scores([parse_medians(medians or {}, codes) for _, medians in rows], specs)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for row, score in zip(rows, scores, strict=True):
        groups.setdefault((score,), []).append(row[0])
    _set_by_value(groups, ("weighted_score",), **common)
    return len(rows)


def _expire_loaded_scores() -> None:
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, ImprovementScore):
            db.session.expire(obj)


# --- previews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    entry: BacklogEntry
    rank: int
    weighted_score: Decimal | None
    previous_score: Decimal | None
    rank_change: int | None


@dataclass(frozen=True)
class Preview:
    criteria: tuple[CriterionSpec, ...]
    weights: dict[str, Decimal]
    rows: Sequence[PreviewRow]
    became_provisional: int = 0


def _weighted_criteria(
    specs: Sequence[CriterionSpec], weights: Mapping[str, object]
) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """The scheme's criteria with other weights (codes left out keep theirs); errors as ``weights.<code>``."""
    known = {spec.code: spec for spec in specs}
    # JSON numbers arrive as floats; weights are exact decimals from here on.
    weights = {
        code: Decimal(repr(value)) if type(value) is float else value for code, value in weights.items()
    }
    errors: dict[str, list[str]] = {}
    for code in weights:
        if code not in known:
            errors[f"weights.{code}"] = ["This is not a criterion in the current scheme."]
        elif known[code].kind is CriterionKind.MUST:
            errors[f"weights.{code}"] = ["A must-meet criterion has no weight."]
    items = [
        {
            **spec_as_input(spec),
            "weight": weights[spec.code]
            if spec.code in weights and spec.kind is CriterionKind.SHOULD
            else spec.weight,
        }
        for spec in specs
    ]
    for key, messages in criteria_errors(items).items():
        if key == "criteria":
            errors.setdefault("weights", []).extend(messages)
        else:
            code = items[int(key.split(".")[1])]["code"]
            errors.setdefault(f"weights.{code}", []).extend(messages)
    if errors:
        raise ValidationFailed(errors)
    parsed = {
        item["code"]: _number(item["weight"]) or Decimal(0)
        for item in items
        if item["kind"] == CriterionKind.SHOULD
    }
    return items, parsed


def preview_weights(
    actor: User, weights: Mapping[str, object], table: backlog_queries.BacklogTable | None = None
) -> Preview:
    """What-if: the whole backlog ranked under other weights, with each row's rank change. Nothing is
    stored. ``table`` is the backlog's shared table (worked out afresh when None). Raises PermissionDenied
    or ValidationFailed (negative, non-numeric or all-zero weights)."""
    _require(
        permissions.can_preview_weights(actor.as_actor()), "Only the design authority can try other weights."
    )
    criteria = scoring_queries.active_scheme().specs()
    _, parsed = _weighted_criteria(criteria, weights)
    if table is None:
        table = backlog_queries.backlog_table_from_json(backlog_queries.backlog_table_json(), criteria)
    return Preview(
        criteria=criteria, weights=parsed, rows=_PreviewRows(criteria, table.table.what_if(parsed))
    )


class _PreviewRows(Sequence[PreviewRow]):
    """A what-if ranking's rows as PreviewRows, each built when read (a page shows 25 of 50,000), with
    the rows read for the page only."""

    def __init__(self, criteria: Sequence[CriterionSpec], ranking: WhatIfRanking) -> None:
        self._criteria, self._ranking = criteria, ranking

    def __len__(self) -> int:
        return len(self._ranking)

    def _rows(self, rows: Sequence[WhatIfRow]) -> list[PreviewRow]:
        entries = {
            entry.id: entry
            for entry in backlog_queries.load_entries(self._criteria, [row[0] for row in rows])
        }
        return [
            PreviewRow(entries[key], position, score, entries[key].weighted_score, change)
            for key, position, score, change in rows
        ]

    @overload
    def __getitem__(self, item: int) -> PreviewRow: ...

    @overload
    def __getitem__(self, item: slice) -> list[PreviewRow]: ...

    def __getitem__(self, item: int | slice) -> PreviewRow | list[PreviewRow]:
        if isinstance(item, slice):
            return self._rows(self._ranking[item])
        return self._rows([self._ranking[item]])[0]


def preview_scheme(scheme_id: int, *, actor: User, quorum: int, disagreement_threshold: int) -> Preview:
    """The ranking a draft version would give if it were activated now, against the current one."""
    _require(permissions.can_manage_scoring_schemes(actor.as_actor()), "Only administrators manage schemes.")
    specs = scoring_queries.get_scheme(scheme_id).specs()
    current = scoring_queries.active_scheme().specs()
    entries = {
        entry.id: entry
        for entry in (
            *(entry for entry, _ in backlog_queries.ranked_entries(current)),
            *backlog_queries.excluded_entries(current),
        )
    }
    stored = backlog_queries.summaries()
    before = [entry.rank_input() for entry in entries.values()]
    after = []
    became_provisional = 0
    for row in before:
        entry = entries[row.id]
        if entry.scorers == 0:
            after.append(row)
            continue
        result = reaggregate(
            stored.get(row.id, {}),
            entry.scorers,
            specs,
            quorum=quorum,
            disagreement_threshold=disagreement_threshold,
        )
        if row.status is ScoreStatus.FINAL and result.status is ScoreStatus.PROVISIONAL:
            became_provisional += 1
        after.append(
            replace(
                row,
                status=result.status,
                weighted_score=result.weighted_score,
                must_meet_passed=result.must_meet_passed,
            )
        )
    return Preview(
        criteria=specs,
        weights={spec.code: spec.weight for spec in specs if spec.kind is CriterionKind.SHOULD},
        rows=[
            PreviewRow(entries[i], position, score, entries[i].weighted_score, change)
            for i, position, score, change in compare_rankings(before, after)
        ],
        became_provisional=became_provisional,
    )


def adopt_weights(
    actor: User, weights: Mapping[str, object], *, quorum: int, disagreement_threshold: int, note: str = ""
) -> ScoringScheme:
    """An administrator adopts what-if weights: a new version with the active criteria and those weights,
    activated at once. Flushes, does not commit."""
    _require(
        permissions.can_manage_scoring_schemes(actor.as_actor()), "Only administrators adopt new weights."
    )
    active = scoring_queries.active_scheme()
    items, _ = _weighted_criteria(active.specs(), weights)
    return create_scheme(
        actor,
        items,
        activate=True,
        quorum=quorum,
        disagreement_threshold=disagreement_threshold,
        note=note or f"Weights adopted from a what-if preview of version {active.version}.",
    )


# --- assessments ---------------------------------------------------------------------------------


def _panel_values(improvement_id: int) -> list[dict[str, int | bool]]:
    """Each member's latest assessment of the improvement as {code: value} (one query)."""
    rows = db.session.execute(
        select(
            Assessment.assessor_id,
            ScoringScheme.version,
            AssessmentScore.criterion_code,
            AssessmentScore.score,
            AssessmentScore.passed,
        )
        .join(ScoringScheme, ScoringScheme.id == Assessment.scheme_id)
        .join(AssessmentScore, AssessmentScore.assessment_id == Assessment.id)
        .where(Assessment.improvement_id == improvement_id)
    ).all()
    latest: dict[int, int] = {}
    for assessor_id, version, *_ in rows:
        latest[assessor_id] = max(version, latest.get(assessor_id, version))
    panel: dict[int, dict[str, int | bool]] = {}
    for assessor_id, version, code, score, passed in rows:
        if version == latest[assessor_id]:
            # A must criterion has a vote and no score, a should criterion a score and no vote.
            panel.setdefault(assessor_id, {})[code] = bool(passed) if score is None else score
    return [panel[assessor_id] for assessor_id in sorted(panel)]


def recompute_score(
    improvement_id: int,
    scheme: ScoringScheme,
    *,
    quorum: int,
    disagreement_threshold: int,
) -> tuple[ImprovementScore, bool]:
    """Aggregate the panel's latest assessments under ``scheme`` and store the result.

    Returns (the stored score, whether it has just become final). Flushes, does not commit.
    """
    specs = scheme.specs()
    kinds = {spec.code: spec.kind for spec in specs}
    panel = _panel_values(improvement_id)
    # Only values of the kind the active scheme expects count (a score for a should, a vote for a must).
    counted = [
        {
            code: value
            for code, value in values.items()
            if code in kinds and isinstance(value, bool) == (kinds[code] is CriterionKind.MUST)
        }
        for values in panel
    ]
    result = aggregate(specs, counted, quorum=quorum, disagreement_threshold=disagreement_threshold)
    stored = db.session.get(ImprovementScore, improvement_id)
    was_final = stored is not None and stored.status == ScoreStatus.FINAL.value
    if stored is None:
        stored = ImprovementScore(improvement_id=improvement_id)
        db.session.add(stored)
    stored.scheme_id = scheme.id
    stored.status = result.status
    stored.scorers = result.scorers
    stored.weighted_score = result.weighted_score
    stored.must_meet_passed = result.must_meet_passed
    stored.disagreement = result.disagreement
    stored.criteria = summarise(panel)
    stored.medians = stored_medians(stored.criteria)
    stored.computed_at = db.utcnow()
    db.session.flush()
    return stored, not was_final and result.status is ScoreStatus.FINAL


def _assessment_errors(
    specs: Sequence[CriterionSpec], scores: Mapping[str, object], rationale: str
) -> dict[str, list[str]]:
    errors = {f"scores.{code}": messages for code, messages in validate_assessment(specs, scores).items()}
    if not rationale:
        errors["rationale"] = ["Give the reasons for your scores."]
    elif len(rationale) > TEXT_MAX:
        errors["rationale"] = [f"Keep this to {TEXT_MAX:,} characters or fewer."]
    return errors


def save_assessment(
    improvement_id: int,
    *,
    actor: User,
    scores: Mapping[str, object],
    rationale: str,
    quorum: int,
    disagreement_threshold: int,
    expected_version: int | None = None,
) -> Assessment:
    """A DA member submits or revises their assessment under the active scheme; the improvement's
    stored score is recomputed. Separation of duties: never on what they submitted, own, sponsor or
    declared a conflict on. Raises NotFound, PermissionDenied, InvalidTransition, ValidationFailed
    or VersionConflict; nothing is written on failure. Flushes, does not commit.
    """
    _lock_scoring(exclusive=False)
    # A row lock rather than a version (services/guards.py), on purpose: members scoring the same
    # improvement take turns, so its stored score is worked out from every committed assessment and the
    # score becomes final once (one event), where versions would refuse all but the first of them.
    improvement = db.session.scalar(
        select(Improvement).where(Improvement.id == improvement_id).with_for_update()
    )
    if improvement is None or not permissions.can_view_improvement(
        actor.as_actor(), improvement.visibility_facts()
    ):
        raise NotFound("There is no improvement with that number.")
    facts = improvement_queries.access_to(improvement, actor).improvement
    _require(
        permissions.can_score(actor.as_actor(), facts),
        "Only design authority members score, and never an improvement they submitted, own, sponsor "
        "or declared a conflict on.",
    )
    if not permissions.is_scoreable(facts):
        raise InvalidTransition("Improvements are scored from the business case stage until the work ends.")
    scheme = scoring_queries.active_scheme()
    specs = scheme.specs()
    rationale = (rationale or "").strip()
    if errors := _assessment_errors(specs, scores, rationale):
        raise ValidationFailed(errors)
    # Checked just above: a whole number 0-5 for each should criterion, True or False for each must.
    values = {spec.code: cast(int | bool, scores[spec.code]) for spec in specs}
    now = db.utcnow()
    assessment = scoring_queries.own_assessment(improvement_id, actor.id, scheme.id)
    if assessment is None:
        assessment = Assessment(
            improvement_id=improvement_id,
            assessor_id=actor.id,
            scheme_id=scheme.id,
            rationale=rationale,
            submitted_at=now,
            updated_at=now,
            scores=[_score_row(code, value) for code, value in values.items()],
        )
        db.session.add(assessment)
        db.session.flush()
        action, before = "assessment.submitted", None
    else:
        expect_version(assessment, expected_version)
        before = {"scores": assessment.values(), "rationale": assessment.rationale}
        if before == {"scores": values, "rationale": rationale}:
            return assessment
        by_code = {row.criterion_code: row for row in assessment.scores}
        for code, value in values.items():
            row = by_code.get(code)
            if row is None:
                assessment.scores.append(_score_row(code, value))
            elif isinstance(value, bool):
                row.score, row.passed = None, value
            else:
                row.score, row.passed = value, None
        assessment.rationale = rationale
        # The scores are the assessment's: its version moves with them even when the rationale stays.
        touch(assessment, at=now)
        flush_guarded()
        action = "assessment.revised"
    record_event(
        actor_id=actor.id,
        action=action,
        subject_type="assessment",
        subject_id=assessment.id,
        subject_version=assessment.version,
        before=before,
        after={
            "improvement_id": improvement_id,
            "scheme_version": scheme.version,
            "scores": values,
            "rationale": rationale,
        },
    )
    stored, became_final = recompute_score(
        improvement_id, scheme, quorum=quorum, disagreement_threshold=disagreement_threshold
    )
    if became_final:
        record_event(
            actor_id=actor.id,
            action="improvement.score_final",
            subject_type="improvement",
            subject_id=improvement_id,
            subject_version=improvement.version,
            after={
                "scheme_version": scheme.version,
                "scorers": stored.scorers,
                "weighted_score": None if stored.weighted_score is None else str(stored.weighted_score),
                "must_meet_passed": stored.must_meet_passed,
            },
        )
    return assessment


def _score_row(code: str, value: int | bool) -> AssessmentScore:
    if isinstance(value, bool):
        return AssessmentScore(criterion_code=code, score=None, passed=value)
    return AssessmentScore(criterion_code=code, score=value, passed=None)


# --- the roadmap ---------------------------------------------------------------------------------


def set_planned_quarter(
    improvement: Improvement, *, actor: User, expected_version: int | None, quarter: str | None
) -> Improvement:
    """A DA member plans an improvement for a quarter ('2027-Q1'), or clears it with None or ''.

    Raises PermissionDenied, InvalidTransition (ended work), ValidationFailed or VersionConflict.
    Flushes, does not commit.
    """
    _require(
        permissions.can_plan_roadmap(actor.as_actor()), "Only design authority members plan the roadmap."
    )
    _require(
        permissions.is_independent(*improvement_queries.access_to(improvement, actor)),
        "Only a design authority member with no interest in it may plan it on the roadmap.",
    )
    if improvement.stage in ENDED_STAGES:
        raise InvalidTransition("Closed, merged, declined and withdrawn work is not on the roadmap.")
    planned = None
    if quarter and quarter.strip():
        try:
            planned = parse_quarter(quarter)
        except ValueError as exc:
            raise ValidationFailed({"planned_quarter": [str(exc)]}) from exc
    expect_version(improvement, expected_version)
    if planned == improvement.planned_quarter:
        return improvement
    before = {"planned_quarter": improvement.planned_quarter}
    improvement.planned_quarter = planned
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="improvement.planned",
        subject_type="improvement",
        subject_id=improvement.id,
        subject_version=improvement.version,
        before=before,
        after={"planned_quarter": planned},
    )
    return improvement


# --- reference data ------------------------------------------------------------------------------


def load_default_scheme(counts: UpsertCounts) -> None:
    """Seed version 1 of the scheme (docs/scoring-and-backlog.md) as active, once. Later versions are
    the admins' to make, so an existing scheme is never touched. Flushes, does not commit."""
    if db.session.scalar(select(exists().where(ScoringScheme.id.is_not(None)))):
        counts.add("scoring_scheme", "unchanged")
        return
    rows = [_normalised(spec_as_input(spec), position) for position, spec in enumerate(DEFAULT_CRITERIA)]
    now = db.utcnow()
    scheme = ScoringScheme(
        version=1,
        status=SchemeStatus.ACTIVE,
        note="The default scheme, from the report's prioritisation principles.",
        created_at=now,
        activated_at=now,
        criteria=[SchemeCriterion(**row) for row in rows],
    )
    db.session.add(scheme)
    db.session.flush()
    record_event(
        actor_id=None,
        action="scoring_scheme.seeded",
        subject_type="scoring_scheme",
        subject_id=scheme.id,
        subject_version=scheme.revision,
        after={"version": 1, "criteria": _audit_criteria(rows)},
    )
    counts.add("scoring_scheme", "created")
