"""Recording, changing and removing dis-benefits (docs/benefits-and-resources.md#dis-benefits).

Who may: whoever may write the benefits of the same improvement (``permissions.
can_edit_benefit_profile``: the improvement's owner or the design authority; a programme's dis-benefit
the design authority), from the business case stage until the improvement closes. Each use case checks
permission first (403), then the improvement's stage (409), then the values (422), and writes nothing
until all pass. Changes and removals are guarded by the dis-benefit's version; one audit event per
change, with what it was and what it became.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete, insert, select

from changeauth import db
from changeauth.domain import disbenefits as rules
from changeauth.domain import permissions
from changeauth.domain.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from changeauth.models import Benefit, Disbenefit, Improvement, Programme, User, disbenefit_offset
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event
from changeauth.services.benefits import PROFILE_STAGES
from changeauth.services.guards import expect_version, flush_guarded, touch

AUDITED = (
    "title",
    "description",
    "affected",
    "owner_id",
    "mitigation",
    "status",
    "annual_value_pence",
    "cash_class",
    "starts_on",
    "ends_on",
)


def _writable(improvement: Improvement | None, actor: User) -> None:
    facts = access_to(improvement, actor).improvement if improvement is not None else None
    if not permissions.can_edit_benefit_profile(actor.as_actor(), facts):
        raise PermissionDenied(
            "Only the improvement's owner or the design authority records its dis-benefits."
            if improvement is not None
            else "Only the design authority records a programme's dis-benefits."
        )
    if improvement is not None and improvement.stage not in PROFILE_STAGES:
        raise InvalidTransition("Dis-benefits are recorded from the business case stage until closure.")


def _load(disbenefit_or_id: Disbenefit | int) -> Disbenefit:
    if isinstance(disbenefit_or_id, Disbenefit):
        return disbenefit_or_id
    disbenefit = db.session.get(Disbenefit, disbenefit_or_id)
    if disbenefit is None:
        raise NotFound("There is no dis-benefit with that number.")
    return disbenefit


def _improvement_of(disbenefit: Disbenefit) -> Improvement | None:
    if disbenefit.improvement_id is None:
        return None
    return db.session.get(Improvement, disbenefit.improvement_id)


def _checked(
    details: rules.DisbenefitDetails, *, improvement_id: int | None, programme_id: int | None
) -> tuple[rules.DisbenefitDetails, list[Benefit]]:
    """The details tidied, and the benefits they offset; ValidationFailed with every problem."""
    details = replace(
        details,
        title=details.title.strip(),
        description=details.description.strip(),
        affected=details.affected.strip(),
        mitigation=details.mitigation.strip(),
        offsets=tuple(sorted(set(details.offsets))),
    )
    errors = rules.validate_details(details)
    if details.owner_id is not None and "owner_id" not in errors:
        owner = db.session.get(User, details.owner_id)
        if owner is None or not owner.is_active:
            errors.setdefault("owner_id", []).append("Choose an active person to own the dis-benefit.")
        elif not permissions.may_own_work(owner.roles):
            errors.setdefault("owner_id", []).append(permissions.OWNER_MUST_WORK)
    benefits: list[Benefit] = []
    if details.offsets:
        # A dis-benefit offsets benefits of its own improvement or programme only.
        benefits = list(
            db.session.scalars(
                select(Benefit)
                .where(
                    Benefit.id.in_(details.offsets),
                    Benefit.improvement_id == improvement_id
                    if improvement_id is not None
                    else Benefit.programme_id == programme_id,
                )
                .order_by(Benefit.id)
            )
        )
        if len(benefits) != len(details.offsets):
            errors.setdefault("offsets", []).append(
                "Choose benefits of the same improvement (or programme) as the dis-benefit."
            )
    if errors:
        raise ValidationFailed(errors)
    return details, benefits


def _state(disbenefit: Disbenefit, offsets: Sequence[int]) -> dict[str, Any]:
    return {**{name: getattr(disbenefit, name) for name in AUDITED}, "offsets": list(offsets)}


def _apply(disbenefit: Disbenefit, details: rules.DisbenefitDetails) -> None:
    disbenefit.title = details.title
    disbenefit.description = details.description
    disbenefit.affected = details.affected
    disbenefit.mitigation = details.mitigation
    disbenefit.status = rules.DisbenefitStatus(details.status)
    assert details.owner_id is not None
    disbenefit.owner_id = details.owner_id
    disbenefit.annual_value_pence = details.annual_value_pence
    disbenefit.cash_class = details.cash_class  # type: ignore[assignment]  # coerced to the enum on set
    disbenefit.starts_on = details.starts_on
    disbenefit.ends_on = details.ends_on


def _write_offsets(disbenefit_id: int, benefit_ids: Sequence[int], *, replace_existing: bool = False) -> None:
    """Set the benefits a dis-benefit offsets (rows of the link table, written as a whole)."""
    if replace_existing:
        db.session.execute(
            delete(disbenefit_offset).where(disbenefit_offset.c.disbenefit_id == disbenefit_id)
        )
    if benefit_ids:
        db.session.execute(
            insert(disbenefit_offset),
            [{"disbenefit_id": disbenefit_id, "benefit_id": b} for b in benefit_ids],
        )


def _event(actor: User, disbenefit: Disbenefit, action: str, **details: Any) -> None:
    record_event(
        actor_id=actor.id,
        action=action,
        subject_type="disbenefit",
        subject_id=disbenefit.id,
        subject_version=disbenefit.version,
        **details,
    )


def record_disbenefit(
    actor: User,
    *,
    improvement_id: int | None = None,
    programme_id: int | None = None,
    details: rules.DisbenefitDetails,
) -> Disbenefit:
    """Record a dis-benefit of an improvement (or of a programme: the design authority only), with the
    benefits it offsets. Raises NotFound, PermissionDenied, InvalidTransition or ValidationFailed, having
    written nothing. Flushes, does not commit."""
    if (improvement_id is None) == (programme_id is None):
        raise ValidationFailed(
            {"improvement_id": ["A dis-benefit belongs to one improvement or one programme."]}
        )
    improvement = db.session.get(Improvement, improvement_id) if improvement_id is not None else None
    if improvement_id is not None and improvement is None:
        raise NotFound("There is no improvement with that number.")
    if programme_id is not None and db.session.get(Programme, programme_id) is None:
        raise NotFound("There is no programme with that number.")
    _writable(improvement, actor)
    details, benefits = _checked(details, improvement_id=improvement_id, programme_id=programme_id)
    disbenefit = Disbenefit(improvement_id=improvement_id, programme_id=programme_id, created_by_id=actor.id)
    _apply(disbenefit, details)
    db.session.add(disbenefit)
    db.session.flush()
    _write_offsets(disbenefit.id, [benefit.id for benefit in benefits])
    _event(actor, disbenefit, "disbenefit.recorded", after=_state(disbenefit, details.offsets))
    return disbenefit


def offset_ids(disbenefit_id: int) -> list[int]:
    """The ids of the benefits a dis-benefit offsets, in order (one select)."""
    return list(
        db.session.scalars(
            select(disbenefit_offset.c.benefit_id)
            .where(disbenefit_offset.c.disbenefit_id == disbenefit_id)
            .order_by(disbenefit_offset.c.benefit_id)
        )
    )


def change_disbenefit(
    disbenefit_or_id: Disbenefit | int,
    *,
    actor: User,
    expected_version: int | None,
    details: rules.DisbenefitDetails,
) -> Disbenefit:
    """Change a dis-benefit as a whole (its words, owner, status, money and the benefits it offsets).
    ``expected_version`` is the version read; a stale one is a VersionConflict. Flushes, does not
    commit."""
    disbenefit = _load(disbenefit_or_id)
    _writable(_improvement_of(disbenefit), actor)
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the dis-benefit you read."]})
    expect_version(disbenefit, expected_version)
    before = _state(disbenefit, offset_ids(disbenefit.id))
    details, benefits = _checked(
        details, improvement_id=disbenefit.improvement_id, programme_id=disbenefit.programme_id
    )
    _apply(disbenefit, details)
    after = _state(disbenefit, details.offsets)
    if after == before:
        return disbenefit
    # The version moves even when only the offsets changed, so a form read before is refused.
    touch(disbenefit)
    flush_guarded()
    _write_offsets(disbenefit.id, [benefit.id for benefit in benefits], replace_existing=True)
    _event(actor, disbenefit, "disbenefit.changed", before=before, after=after)
    return disbenefit


def remove_disbenefit(
    disbenefit_or_id: Disbenefit | int, *, actor: User, expected_version: int | None
) -> None:
    """Remove a dis-benefit recorded by mistake; the audit log keeps what it was. ``expected_version`` is
    the version read (None from an API client that sent none: the delete is still refused if the row
    changed under it). Flushes, does not commit."""
    disbenefit = _load(disbenefit_or_id)
    _writable(_improvement_of(disbenefit), actor)
    expect_version(disbenefit, expected_version)
    before = _state(disbenefit, offset_ids(disbenefit.id))
    _event(actor, disbenefit, "disbenefit.removed", before=before)
    _write_offsets(disbenefit.id, [], replace_existing=True)
    db.session.delete(disbenefit)
    flush_guarded()
