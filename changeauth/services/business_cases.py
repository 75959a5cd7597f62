"""Writing business cases: new versions, editing a draft, submitting, and the G1 outcomes; a programme's
own case likewise, written by the design authority, which records its members' decision.

Lifecycle of one version: draft → submitted (frozen) → approved (immutable) or returned. A draft is
edited in place; changing a submitted, approved or returned version makes a new draft version that
starts from it, and the earlier version stays as it was. Approved versions are never updated again.
A later submission supersedes an earlier version still waiting at the gate, and a new version made
through the API supersedes an open draft.

Every write locks the improvement's row first (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite
writers already take turns), so version numbers are handed out one at a time and the
optimistic-locking checks below cannot race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.business_cases import (
    CaseContent,
    CaseKind,
    CaseStatus,
    FundingLine,
    name_key,
    open_for_writing,
    validate_content,
)
from changeauth.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Route
from changeauth.models import (
    BenefitDriver,
    BusinessCase,
    BusinessCaseOption,
    BusinessCaseOptionYear,
    Improvement,
    Programme,
    StrategicPriority,
    User,
)
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event
from changeauth.services.guards import flush_guarded, touch

SUBJECT_TYPE = "business_case"
_PROGRAMME_WRITERS_ONLY = "Only a design authority member can write or decide a programme's business case."


# ---------------------------------------------------------------- helpers


# The improvement's columns the rules below read; refreshed under the lock.
_IMPROVEMENT_FACTS = ("stage", "route", "status", "owner_id", "sponsor_id", "submitter_id", "version")


def _lock_improvement(improvement_id: int) -> Improvement:
    """The improvement, locked (``FOR UPDATE``) until the end of the transaction.

    A row lock rather than a version (services/guards.py), on purpose: it guards no update of the
    improvement but its series of cases. The next case's number is the latest plus one (unique per
    improvement), and whether a case may be written, submitted or decided depends on the improvement's
    stage and on the latest case's status; writers of the series and the gate's stage change take turns
    on this row, so neither reads a series the other is changing. Moving the improvement's version
    instead would refuse the owner's draft saves to anyone with one of the improvement's forms open."""
    improvement = db.session.get(Improvement, improvement_id)
    if improvement is None:
        raise NotFound("There is no improvement with that number.")
    _take_turns_on(improvement, _IMPROVEMENT_FACTS)
    return improvement


def _take_turns_on(owner: Improvement | Programme, attribute_names: Sequence[str]) -> None:
    """Lock the row that owns a series of cases, an improvement or a programme, until the end of the
    transaction (``_lock_improvement`` says why a lock and not a version). Only the columns named are
    re-read: a full re-read would also reset the relationships the caller already loaded."""
    db.session.refresh(owner, attribute_names=list(attribute_names), with_for_update=True)


def _series_of(owner: Improvement | Programme) -> Any:
    """The condition that picks the cases of ``owner``'s series, an improvement's or a programme's."""
    if isinstance(owner, Programme):
        return BusinessCase.programme_id == owner.id
    return BusinessCase.improvement_id == owner.id


def _latest(owner: Improvement | Programme) -> BusinessCase | None:
    case = db.session.scalar(
        select(BusinessCase).where(_series_of(owner)).order_by(BusinessCase.version.desc()).limit(1)
    )
    if case is not None:
        # Read after the owner's lock: a copy loaded earlier in this request may be stale.
        db.session.refresh(case, attribute_names=["status", "lock_version"])
    return case


def _lock_programme(programme_id: int) -> Programme:
    """The programme, locked (``FOR UPDATE``) until the end of the transaction: as for an improvement
    (``_lock_improvement``), its writers of the series of cases take turns on its row."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound("There is no programme with that number.")
    _take_turns_on(programme, ["version"])
    return programme


def _check_can_write_programme(actor: User) -> None:
    if not permissions.can_write_programme_business_case(actor.as_actor()):
        raise PermissionDenied(_PROGRAMME_WRITERS_ONLY)


def _check_can_write(actor: User, improvement: Improvement) -> None:
    if not permissions.can_write_business_case(*access_to(improvement, actor)):
        raise PermissionDenied("Only the improvement's owner or a design authority member can do that.")
    if improvement.route == Route.QUICK_WIN.value:
        raise InvalidTransition("Quick wins go straight to delivery and have no business case.")
    if not open_for_writing(improvement.stage, improvement.route):
        raise InvalidTransition(
            "A business case can be written only while the improvement is at the business case stage, "
            "approved or in delivery."
        )


def _reference_rows(content: CaseContent, errors: dict[str, list[str]]) -> tuple[list[Any], list[Any]]:
    priority_codes = sorted(set(content.priority_codes))
    driver_codes = sorted(set(content.driver_codes))
    priorities = list(
        db.session.scalars(select(StrategicPriority).where(StrategicPriority.code.in_(priority_codes)))
    )
    drivers = list(db.session.scalars(select(BenefitDriver).where(BenefitDriver.code.in_(driver_codes))))
    if len(priorities) != len(priority_codes):
        unknown = sorted(set(priority_codes) - {p.code for p in priorities})
        errors.setdefault("strategic_priorities", []).append(
            f"Unknown strategic priority: {', '.join(unknown)}."
        )
    if len(drivers) != len(driver_codes):
        unknown = sorted(set(driver_codes) - {d.code for d in drivers})
        errors.setdefault("benefit_drivers", []).append(f"Unknown benefit driver: {', '.join(unknown)}.")
    return priorities, drivers


def _validated(content: CaseContent, *, complete: bool = True) -> tuple[list[Any], list[Any]]:
    """Validate everything before anything is written; raises ValidationFailed with every error."""
    errors = validate_content(content, complete=complete)
    priorities, drivers = _reference_rows(content, errors)
    if errors:
        raise ValidationFailed(errors)
    return priorities, drivers


def _preferred_name(content: CaseContent) -> str:
    # Store the option's own spelling, whatever case or spacing the preferred name was typed with;
    # a draft written a section at a time may have none chosen yet (stored as "").
    wanted = name_key(content.preferred_option or "")
    return next(
        (option.name.strip() for option in content.options if wanted and name_key(option.name) == wanted), ""
    )


def apply_content(
    case: BusinessCase, content: CaseContent, priorities: list[Any], drivers: list[Any]
) -> None:
    """Copy validated content onto a case (a new one, or a draft whose old options were removed)."""
    case.kind = CaseKind(content.kind)
    case.strategic_fit = content.strategic_fit.strip()
    case.preferred_option = _preferred_name(content)
    case.preferred_reasons = content.preferred_reasons.strip()
    case.discount_rate = content.discount_rate
    case.appraisal_years = content.appraisal_years
    case.optimism_bias_pct = content.optimism_bias_pct
    case.fte_change = content.fte_change
    case.risks = content.risks.strip()
    case.reform_risk = content.reform_risk.strip()
    case.price_base_year = content.price_base_year
    case.benefits_bias_pct = content.benefits_bias_pct
    case.duration_bias_pct = content.duration_bias_pct
    for name in CASE_TEXTS:
        setattr(case, name, getattr(content, name).strip())
    case.funding = [_funding_row(line) for line in content.funding]
    case.priorities = priorities
    case.drivers = drivers
    case.options = [
        BusinessCaseOption(
            position=position,
            name=option.name.strip(),
            is_business_as_usual=option.is_business_as_usual,
            years=[
                BusinessCaseOptionYear(
                    year=figures.year,
                    capital_pence=figures.capital_pence,
                    revenue_pence=figures.revenue_pence,
                    cashable_benefit_pence=figures.cashable_benefit_pence,
                    non_cashable_benefit_pence=figures.non_cashable_benefit_pence,
                )
                for figures in sorted(option.years, key=lambda figures: figures.year)
            ],
        )
        for position, option in enumerate(content.options)
    ]


# The free text of the commercial and management cases and the optimism bias justification, stored
# trimmed as the other text is.
CASE_TEXTS = (
    "optimism_bias_justification",
    "procurement_route",
    "contract_terms",
    "risk_transfer",
    "commercial_notes",
    "delivery_arrangements",
    "milestones",
    "benefits_realisation",
    "evaluation",
)


def _funding_row(line: FundingLine) -> dict[str, Any]:
    return {
        "financial_year": line.financial_year,
        "capital_pence": line.capital_pence,
        "revenue_pence": line.revenue_pence,
        "source": line.source.strip(),
    }


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def audit_snapshot(content: CaseContent) -> dict[str, Any]:
    """The content as JSON-friendly data for the audit log (rates as exact decimal strings)."""
    return {
        "kind": content.kind,
        "preferred_option": content.preferred_option,
        "discount_rate": _decimal_text(content.discount_rate),
        "appraisal_years": content.appraisal_years,
        "optimism_bias_pct": _decimal_text(content.optimism_bias_pct),
        "benefits_bias_pct": _decimal_text(content.benefits_bias_pct),
        "duration_bias_pct": _decimal_text(content.duration_bias_pct),
        "price_base_year": content.price_base_year,
        "funding": [_funding_row(line) for line in content.funding],
        "fte_change": _decimal_text(content.fte_change),
        "strategic_priorities": sorted(content.priority_codes),
        "benefit_drivers": sorted(content.driver_codes),
        "options": [
            {
                "name": option.name,
                "is_business_as_usual": option.is_business_as_usual,
                "years": [
                    [
                        f.year,
                        f.capital_pence,
                        f.revenue_pence,
                        f.cashable_benefit_pence,
                        f.non_cashable_benefit_pence,
                    ]
                    for f in sorted(option.years, key=lambda f: f.year)
                ],
            }
            for option in content.options
        ],
    }


# ---------------------------------------------------------------- writing versions


def _new_version(
    actor: User,
    owner: Improvement | Programme,
    content: CaseContent,
    latest: BusinessCase | None,
    priorities: list[Any],
    drivers: list[Any],
    now: datetime,
    **programme_columns: Any,
) -> BusinessCase:
    """The next version of ``owner``'s series, a draft; an open draft it replaces becomes superseded.
    ``programme_columns`` are a programme case's own columns (``costs_split``), audited with it."""
    series = {"programme_id": owner.id} if isinstance(owner, Programme) else {"improvement_id": owner.id}
    case = BusinessCase(
        **series,
        **programme_columns,
        version=(latest.version + 1) if latest else 1,
        based_on_version=latest.version if latest else None,
        status=CaseStatus.DRAFT,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    apply_content(case, content, priorities, drivers)
    superseded = None
    if latest is not None and latest.status == CaseStatus.DRAFT:
        latest.status = CaseStatus.SUPERSEDED
        latest.updated_at = now
        superseded = latest.id
    db.session.add(case)
    db.session.flush()
    programme = {"programme": owner.code} if isinstance(owner, Programme) else {}
    after = {
        **programme,
        "version": case.version,
        "status": case.status,
        **programme_columns,
        **audit_snapshot(content),
    }
    if superseded is not None:
        after["supersedes_draft_id"] = superseded
    record_event(
        actor_id=actor.id,
        action="business_case.created",
        subject_type=SUBJECT_TYPE,
        subject_id=case.id,
        subject_version=case.version,
        after=after,
    )
    return case


def create_business_case(
    actor: User,
    improvement_id: int,
    content: CaseContent,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> BusinessCase:
    """Record ``content`` as the improvement's next business-case version, a draft.

    The first case is version 1. Each call makes a new version; an open draft it replaces becomes
    ``superseded``. ``expected_version`` is the latest version the caller read (0 for none): if
    another version was made since, VersionConflict.

    Raises PermissionDenied (not the owner or a DA member), InvalidTransition (the stage has no
    business case), ValidationFailed (nothing is stored) or VersionConflict. Flushes, does not commit.
    """
    improvement = _lock_improvement(improvement_id)
    _check_can_write(actor, improvement)
    priorities, drivers = _validated(content)
    latest = _latest(improvement)
    if expected_version is not None and expected_version != (latest.version if latest else 0):
        raise VersionConflict("A newer version of this business case has been saved. Read it and try again.")
    return _new_version(actor, improvement, content, latest, priorities, drivers, now or db.utcnow())


def create_programme_business_case(
    actor: User,
    programme_id: int,
    content: CaseContent,
    *,
    costs_split: bool = True,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> BusinessCase:
    """Record ``content`` as the programme's next business-case version, a draft, as
    ``create_business_case`` does for an improvement: the first is version 1 and an open draft it
    replaces becomes ``superseded``. ``costs_split`` false states the costs as a one-off investment and
    running costs, not capital and revenue.

    Raises PermissionDenied (not a design authority member), NotFound, ValidationFailed (nothing is
    stored) or VersionConflict. Flushes, does not commit.
    """
    programme = _lock_programme(programme_id)
    _check_can_write_programme(actor)
    priorities, drivers = _validated(content)
    latest = _latest(programme)
    if expected_version is not None and expected_version != (latest.version if latest else 0):
        raise VersionConflict("A newer version of this business case has been saved. Read it and try again.")
    return _new_version(
        actor, programme, content, latest, priorities, drivers, now or db.utcnow(), costs_split=costs_split
    )


def edit_business_case(
    actor: User,
    improvement_id: int,
    content: CaseContent,
    *,
    based_on_version: int,
    expected_lock_version: int | None = None,
    complete: bool = True,
    now: datetime | None = None,
) -> BusinessCase:
    """Save the editor's content: the open draft is changed in place; otherwise a new draft version
    copied from the latest (submitted, approved or returned) version is made and that one stays as
    it was.

    ``complete`` false saves a draft written a section at a time (the task list's pages): what is
    missing yet (options, figures, the preferred option) is allowed, what is there is checked as
    always, and submitting checks the whole case.

    ``based_on_version`` is the version the editor was opened on (0 for a new case) and
    ``expected_lock_version`` the draft's ``lock_version`` then; a mismatch means someone else saved
    in between: VersionConflict. Other errors as ``create_business_case``; nothing is stored on any
    error. Flushes, does not commit.
    """
    improvement = _lock_improvement(improvement_id)
    _check_can_write(actor, improvement)
    priorities, drivers = _validated(content, complete=complete)
    latest = _latest(improvement)
    if based_on_version != (latest.version if latest else 0):
        raise VersionConflict(
            "A newer version of this business case was saved while you were editing. "
            "Open the editor again to see it."
        )
    now = now or db.utcnow()
    if latest is None or latest.status != CaseStatus.DRAFT:
        return _new_version(actor, improvement, content, latest, priorities, drivers, now)
    if expected_lock_version is not None and expected_lock_version != latest.lock_version:
        raise VersionConflict()
    _load_full(latest)
    before = audit_snapshot(latest.content())
    # The old options go first: new ones reuse their positions, which are unique per case.
    latest.options = []
    db.session.flush()
    apply_content(latest, content, priorities, drivers)
    latest.updated_at = now
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="business_case.updated",
        subject_type=SUBJECT_TYPE,
        subject_id=latest.id,
        subject_version=latest.version,
        before=before,
        after=audit_snapshot(content),
    )
    return latest


def _load_full(case: BusinessCase) -> None:
    """Load a case's collections so its content can be read and replaced."""
    db.session.scalars(
        select(BusinessCase)
        .options(
            selectinload(BusinessCase.options).selectinload(BusinessCaseOption.years),
            selectinload(BusinessCase.priorities),
            selectinload(BusinessCase.drivers),
        )
        .where(BusinessCase.id == case.id)
    ).one()


# ---------------------------------------------------------------- status changes


def _check_expected(case: BusinessCase, expected_version: int | None, expected_lock: int | None) -> None:
    if expected_version is not None and expected_version != case.version:
        raise VersionConflict()
    if expected_lock is not None and expected_lock != case.lock_version:
        raise VersionConflict()


def submit_business_case(
    case: BusinessCase,
    *,
    actor: User,
    expected_version: int | None = None,
    expected_lock_version: int | None = None,
    now: datetime | None = None,
) -> BusinessCase:
    """Submit a draft for the G1 decision (a programme's for its members' decision): it is frozen from
    now on. An earlier version still waiting is superseded, and an improvement's version moves on, so a
    decision taken on what was read before cannot approve this one. ``expected_version`` is the case's
    number the person read, ``expected_lock_version`` the draft's ``lock_version`` then.

    Raises PermissionDenied, InvalidTransition (not a draft, or the stage has no business
    case), ValidationFailed (a draft saved a section at a time that is not complete yet) or
    VersionConflict. Flushes, does not commit.
    """
    improvement: Improvement | None = None
    if case.improvement_id is None:
        _lock_programme(case.programme_id or 0)
        _check_can_write_programme(actor)
        series = BusinessCase.programme_id == case.programme_id
    else:
        improvement = _lock_improvement(case.improvement_id)
        _check_can_write(actor, improvement)
        series = BusinessCase.improvement_id == improvement.id
    db.session.refresh(case, attribute_names=["status", "lock_version"])
    _check_expected(case, expected_version, expected_lock_version)
    if case.status != CaseStatus.DRAFT:
        raise InvalidTransition(f"Only a draft can be submitted; version {case.version} is {case.status}.")
    _load_full(case)
    errors = validate_content(case.content())
    if errors:
        raise ValidationFailed(errors)
    now = now or db.utcnow()
    waiting = db.session.scalars(
        select(BusinessCase).where(
            series,
            BusinessCase.status == CaseStatus.SUBMITTED,
            BusinessCase.version < case.version,
        )
    ).all()
    for earlier in waiting:
        earlier.status = CaseStatus.SUPERSEDED
        earlier.updated_at = now
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = now
    case.submitted_by_id = actor.id
    case.updated_at = now
    if improvement is not None:
        # The improvement changes with the case in front of the G1 decision: its version moves (the
        # mapper's, services/guards.py) even when no column of its own does, so a decision sent with the
        # improvement's version from before this submission gets a version conflict, never approves this one.
        touch(improvement, at=now)
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="business_case.submitted",
        subject_type=SUBJECT_TYPE,
        subject_id=case.id,
        subject_version=case.version,
        before={"status": CaseStatus.DRAFT},
        after={"status": case.status, "superseded_ids": [earlier.id for earlier in waiting]},
    )
    return case


def _check_can_decide(actor: User, case: BusinessCase) -> None:
    """An improvement's case is decided at G1 by an independent member; a programme's by its members
    (the council's), whose decision a design authority member records."""
    if case.improvement_id is None:
        _lock_programme(case.programme_id or 0)
        _check_can_write_programme(actor)
    else:
        improvement = _lock_improvement(case.improvement_id)
        facts = access_to(improvement, actor).improvement
        if not permissions.can_decide_business_case(actor.as_actor(), facts):
            raise PermissionDenied(
                "Only a design authority member independent of this improvement can decide its business case."
            )
    db.session.refresh(case, attribute_names=["status", "lock_version"])
    if case.status != CaseStatus.SUBMITTED:
        raise InvalidTransition(
            f"Only a submitted business case can be decided; version {case.version} is {case.status}."
        )


def approve_business_case(case: BusinessCase, *, actor: User, now: datetime | None = None) -> BusinessCase:
    """Approve a submitted version (called by the G1 decision; a programme's case when a design authority
    member records its members' approval). From now on it is immutable.

    Raises PermissionDenied (not an independent DA member) or InvalidTransition (not submitted).
    Flushes, does not commit.
    """
    _check_can_decide(actor, case)
    now = now or db.utcnow()
    case.status = CaseStatus.APPROVED
    case.approved_at = now
    case.decided_by_id = actor.id
    case.updated_at = now
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="business_case.approved",
        subject_type=SUBJECT_TYPE,
        subject_id=case.id,
        subject_version=case.version,
        before={"status": CaseStatus.SUBMITTED},
        after={"status": case.status},
    )
    return case


def return_business_case(
    case: BusinessCase, *, actor: User, reason: str, now: datetime | None = None
) -> BusinessCase:
    """Return a submitted version with the changes asked for (called by a G1 recycle). The owner's
    next edit makes a new draft version from it.

    Raises ValidationFailed (no reason), PermissionDenied or InvalidTransition. Flushes, does not commit.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say what needs to change before the case comes back."]})
    if len(reason) > TEXT_MAX:
        raise ValidationFailed({"reason": [f"Keep the reason to {TEXT_MAX:,} characters or fewer."]})
    _check_can_decide(actor, case)
    now = now or db.utcnow()
    case.status = CaseStatus.RETURNED
    case.returned_at = now
    case.return_reason = reason
    case.decided_by_id = actor.id
    case.updated_at = now
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="business_case.returned",
        subject_type=SUBJECT_TYPE,
        subject_id=case.id,
        subject_version=case.version,
        before={"status": CaseStatus.SUBMITTED},
        after={"status": case.status},
        reason=reason,
    )
    return case
