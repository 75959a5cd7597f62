"""Benefit profiles, measurements, like-for-like adjustments, finance validation and closing status.

Every use case checks its permission first (403), then the improvement's stage (409), then the values
(422), and writes nothing until all of them pass. One audit event per change, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import delete, select

from changeauth import db
from changeauth.domain import benefits as rules
from changeauth.domain import permissions, units
from changeauth.domain.errors import (
    AlreadyExists,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from changeauth.domain.improvements import TEXT_MAX
from changeauth.domain.lifecycle import Stage
from changeauth.domain.money import MAX_PENCE
from changeauth.domain.savings import AdjustmentRecurrence, AdjustmentStatus
from changeauth.models import (
    Attachment,
    Benefit,
    BenefitAdjustment,
    BenefitDriver,
    BenefitMeasurement,
    BenefitPlannedPoint,
    Improvement,
    Programme,
    User,
)
from changeauth.queries import attachments as attachment_queries
from changeauth.queries import benefits as benefit_queries
from changeauth.queries import staffing as staffing_queries
from changeauth.queries.clock import today as council_today
from changeauth.queries.improvements import access_to
from changeauth.services import attachments, flags, notifications
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded, touch

GBP = "GBP"
TITLE_MIN, TITLE_MAX = 3, 200
NOTE_MAX = 2_000
RATIONALE_MAX = 10_000
MAX_DECIMAL_PLACES = 4
# Keeps values inside Numeric(20, 4) with room to spare.
MAX_ABS_VALUE = Decimal(10) ** 15

# A profile may be written from the business case onwards, and is frozen once the improvement ends.
PROFILE_STAGES = frozenset(
    {Stage.BUSINESS_CASE, Stage.APPROVED, Stage.DELIVERY, Stage.REALISATION, Stage.ON_HOLD}
)
# What a person may change in a profile (the closing status is set apart, at the benefits review).
PROFILE_FIELDS = (
    "title",
    "driver",
    "cash_class",
    "unit",
    "direction",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "frequency",
    "owner_id",
    "tolerance_pct",
    "profile_shape",
    "measure_type",
    "planned_points",
    "baseline_quality",
    "baseline_evidence",
    "baseline_attachment_id",
)
# How the baseline was arrived at and its evidence: part of the profile, but not of the plan (a change
# needs no reason once approved) nor of the values finance validated.
EVIDENCE_FIELDS = frozenset({"baseline_quality", "baseline_evidence", "baseline_attachment_id"})
# Changing any of these changes what the benefit's owner accepted (the whole profile but its name, driver
# and evidence), so they are asked to accept it again; derived, so a new profile field cannot be missed.
ACCEPTED_FIELDS = frozenset(PROFILE_FIELDS) - {"title", "driver"} - EVIDENCE_FIELDS
# Changing any of these changes what finance validated, so the validation lapses.
VALUE_FIELDS = frozenset(
    {
        "cash_class",
        "unit",
        "direction",
        "baseline_value",
        "baseline_date",
        "target_value",
        "target_date",
        "measure_type",
    }
)
# The plan the business case was approved on: its baseline and target, and how it runs between them.
PLAN_CHANGE_FIELDS = rules.PLAN_FIELDS | {"profile_shape", "planned_points"}


# --- Loading and shared checks --------------------------------------------------------------------------


def _load_benefit(benefit_or_id: Benefit | int, *, for_update: bool = False) -> Benefit:
    """The benefit itself, or the one with that id; ``for_update`` reads it again under a row lock."""
    if isinstance(benefit_or_id, Benefit) and not for_update:
        return benefit_or_id
    benefit_id = benefit_or_id.id if isinstance(benefit_or_id, Benefit) else benefit_or_id
    stmt = select(Benefit).where(Benefit.id == benefit_id)
    if for_update:
        # Only recording a measurement locks the benefit (record_measurement says why); every other write
        # is guarded by the benefit's version (services/guards.py). Read again under the lock.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    benefit = db.session.scalar(stmt)
    if benefit is None:
        raise NotFound("There is no benefit with that number.")
    return benefit


def _improvement_of(benefit: Benefit) -> Improvement | None:
    if benefit.improvement_id is None:
        return None
    return db.session.get(Improvement, benefit.improvement_id)


def measurement_recorder_ids(benefit_id: int) -> frozenset[int | None]:
    """Who recorded the benefit's figures (its measurements and, for a staffing saving, its like-for-like
    register): none of them may validate it or sign off its budget reduction."""
    measured = (
        select(BenefitMeasurement.recorded_by_id)
        .where(BenefitMeasurement.benefit_id == benefit_id)
        .distinct()
    )
    # One select, the register's recorders with the measurements'.
    return frozenset(db.session.scalars(measured.union(*staffing_queries.register_recorders(benefit_id))))


def _facts(improvement: Improvement | None, actor: User) -> permissions.ImprovementFacts | None:
    # A programme's benefit has no improvement, so no improvement rule applies to it.
    return access_to(improvement, actor).improvement if improvement is not None else None


def _check_version(benefit: Benefit, expected_version: int | None, *, required: bool) -> None:
    if expected_version is None:
        if required:
            raise ValidationFailed({"version": ["Send the version of the benefit you read."]})
        return
    expect_version(benefit, expected_version)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_value(errors: dict[str, list[str]], field: str, value: Decimal | None, unit: str | None) -> None:
    if value is None:
        _add(errors, field, "Enter a number.")
        return
    if not value.is_finite():
        _add(errors, field, "Enter a number.")
        return
    if abs(value) >= MAX_ABS_VALUE:
        _add(errors, field, "Enter a smaller number.")
        return
    exponent = value.normalize().as_tuple().exponent
    if unit == GBP and value != value.to_integral_value():
        _add(errors, field, "Money is recorded in whole pence.")
    elif isinstance(exponent, int) and -exponent > MAX_DECIMAL_PLACES:
        _add(errors, field, f"Enter the value to no more than {MAX_DECIMAL_PLACES} decimal places.")


# What the audit log records of a benefit's profile, here and in the generated council (devtools.scale_data).
AUDITED_FIELDS = (
    "title",
    "improvement_id",
    "programme_id",
    "driver_id",
    "cash_class",
    "unit",
    "direction",
    "baseline_value",
    "baseline_date",
    "target_value",
    "target_date",
    "frequency",
    "owner_id",
    "tolerance_pct",
    "profile_shape",
    "measure_type",
    "baseline_quality",
    "baseline_evidence",
    "baseline_attachment_id",
    "closing_status",
    "validated_by_id",
    "version",
)


def _profile(benefit: Benefit) -> dict[str, Any]:
    return {field: getattr(benefit, field) for field in AUDITED_FIELDS}


def _validate_profile(values: Mapping[str, Any]) -> tuple[dict[str, list[str]], BenefitDriver | None]:
    """Check a whole profile; returns the errors by field and the driver it names."""
    errors = rules.validate_profile(
        baseline_date=values.get("baseline_date"),
        target_date=values.get("target_date"),
        frequency=values.get("frequency"),
        tolerance_pct=values.get("tolerance_pct"),
        direction=values.get("direction"),
        cash_class=values.get("cash_class"),
        profile_shape=values.get("profile_shape"),
        measure_type=values.get("measure_type"),
    )
    if "profile_shape" not in errors:
        points = list(values.get("planned_points") or ())
        for field, messages in rules.validate_planned_points(
            points,
            shape=values.get("profile_shape"),
            baseline_date=values.get("baseline_date"),
            target_date=values.get("target_date"),
        ).items():
            errors.setdefault(field, []).extend(messages)
        for index, (_, value) in enumerate(points, start=1):
            problems: dict[str, list[str]] = {}
            if value is not None:
                _check_value(problems, "value", value, values.get("unit"))
            for message in problems.get("value", []):
                _add(errors, "planned_points", f"Row {index}: {message[0].lower()}{message[1:]}")
    title = (values.get("title") or "").strip()
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        _add(errors, "title", f"Enter a title between {TITLE_MIN} and {TITLE_MAX} characters.")
    unit = (values.get("unit") or "").strip()
    unit_problem = units.unit_error(unit)
    if unit_problem:
        _add(errors, "unit", unit_problem)
    baseline, target = values.get("baseline_value"), values.get("target_value")
    _check_value(errors, "baseline_value", baseline, unit)
    _check_value(errors, "target_value", target, unit)
    if "baseline_value" not in errors and "target_value" not in errors and baseline is not None:
        direction = values.get("direction")
        if target == baseline:
            _add(errors, "target_value", "The target must differ from the baseline.")
        elif direction == rules.BenefitDirection.INCREASE and target is not None and target < baseline:
            _add(
                errors,
                "target_value",
                "For a benefit that should increase, the target must be above the baseline.",
            )
        elif direction == rules.BenefitDirection.DECREASE and target is not None and target > baseline:
            _add(
                errors,
                "target_value",
                "For a benefit that should decrease, the target must be below the baseline.",
            )

    quality = values.get("baseline_quality")
    if quality is not None and quality not in {q.value for q in rules.DataQuality}:
        _add(errors, "baseline_quality", "Choose measured, estimated or proxy.")
    if len(values.get("baseline_evidence") or "") > NOTE_MAX:
        _add(errors, "baseline_evidence", f"Keep the evidence to {NOTE_MAX:,} characters or fewer.")

    driver = None
    driver_code = values.get("driver")
    if not driver_code:
        _add(errors, "driver", "Choose the benefit driver.")
    else:
        driver = db.session.scalar(select(BenefitDriver).where(BenefitDriver.code == driver_code))
        if driver is None:
            _add(errors, "driver", "Choose a benefit driver from the list.")

    owner_id = values.get("owner_id")
    owner = db.session.get(User, owner_id) if isinstance(owner_id, int) else None
    if owner is None or not owner.is_active:
        _add(errors, "owner_id", "Choose an active person to own the benefit.")
    elif not permissions.may_own_work(owner.roles):
        _add(errors, "owner_id", permissions.OWNER_MUST_WORK)
    return errors, driver


def _evidence_file(
    improvement: Improvement | None,
    *,
    actor: User,
    attachment_id: int | None,
    upload: attachments.Upload | None,
    title: str,
    field: str,
) -> int | None:
    """The evidence file a baseline or a measurement names: one uploaded now (filed with the
    improvement's evidence, ``services.attachments``) or one already filed with it; None for none.

    Called once every other check has passed, so a refused record stores no file."""
    if upload is None and attachment_id is None:
        return None
    if improvement is None:
        raise ValidationFailed(
            {field: ["A programme's benefit has no improvement to file evidence with: describe the source."]}
        )
    if upload is not None:
        try:
            attachment = attachments.add_attachment(
                improvement,
                actor=actor,
                title=title[:200],
                filename=upload.filename,
                content=upload.content,
                storage_dir=attachment_queries.storage_dir(),
            )
        except ValidationFailed as failure:
            raise ValidationFailed(
                {field: [message for messages in failure.fields.values() for message in messages]}
            ) from failure
        except PermissionDenied as refusal:
            # The improvement has ended, so nothing more is filed with it: the note says where it comes from.
            raise ValidationFailed({field: [f"{refusal.message} Describe the source instead."]}) from refusal
        return attachment.id
    filed = db.session.get(Attachment, attachment_id)
    if filed is None or filed.improvement_id != improvement.id:
        raise ValidationFailed({field: ["Choose a file filed with this improvement's evidence."]})
    return filed.id


def _stage_allows_profile(improvement: Improvement | None) -> None:
    if improvement is not None and improvement.stage not in PROFILE_STAGES:
        raise InvalidTransition(
            "Benefit profiles can only be written from the business case stage until closure."
        )


# --- Profiles -------------------------------------------------------------------------------------------


def create_benefit(
    actor: User,
    *,
    improvement_id: int | None = None,
    programme_id: int | None = None,
    title: str,
    driver: str | None,
    cash_class: str | None,
    unit: str | None,
    direction: str | None,
    baseline_value: Decimal | None,
    baseline_date: date | None,
    target_value: Decimal | None,
    target_date: date | None,
    frequency: str | None,
    owner_id: int | None,
    tolerance_pct: Decimal | None = None,
    profile_shape: str | None = rules.ProfileShape.STRAIGHT_LINE.value,
    measure_type: str | None = rules.MeasureType.LEVEL.value,
    planned_points: Sequence[tuple[date | None, Decimal | None]] = (),
    baseline_quality: str | None = None,
    baseline_evidence: str = "",
    baseline_attachment_id: int | None = None,
    baseline_file: attachments.Upload | None = None,
    emergent: bool = False,
) -> Benefit:
    """Add a benefit profile to an improvement (or, for the seed, to a programme), with how its plan runs
    (a straight line, or stepped or custom through ``planned_points``) and what a measurement says;
    ``emergent`` marks one the business case did not plan, recorded when it was noticed.

    The improvement's owner or a DA member may; a programme-level benefit needs the DA. The baseline
    says how it was arrived at (``baseline_quality``: measured, estimated or proxy; None when not said)
    and its evidence: a note of the source, and a file filed with the improvement's evidence, either
    uploaded now (``baseline_file``) or already filed (``baseline_attachment_id``).
    Raises NotFound, PermissionDenied, InvalidTransition or ValidationFailed; nothing is written on
    failure. Flushes, does not commit.
    """
    if (improvement_id is None) == (programme_id is None):
        raise ValidationFailed({"improvement_id": ["A benefit belongs to one improvement or one programme."]})
    improvement = db.session.get(Improvement, improvement_id) if improvement_id is not None else None
    if improvement_id is not None and improvement is None:
        raise NotFound("There is no improvement with that number.")
    if programme_id is not None and db.session.get(Programme, programme_id) is None:
        raise NotFound("There is no programme with that number.")
    if not permissions.can_edit_benefit_profile(actor.as_actor(), _facts(improvement, actor)):
        raise PermissionDenied("Only the improvement's owner or the design authority can add a benefit.")
    _stage_allows_profile(improvement)
    points = _points(planned_points)
    values: dict[str, Any] = {
        "title": title,
        "driver": driver,
        "cash_class": cash_class,
        "unit": unit,
        "direction": direction,
        "baseline_value": baseline_value,
        "baseline_date": baseline_date,
        "target_value": target_value,
        "target_date": target_date,
        "frequency": frequency,
        "owner_id": owner_id,
        "tolerance_pct": tolerance_pct,
        "profile_shape": profile_shape,
        "measure_type": measure_type,
        "planned_points": list(planned_points),
        "baseline_quality": baseline_quality,
        "baseline_evidence": baseline_evidence,
    }
    errors, driver_row = _validate_profile(values)
    if errors:
        raise ValidationFailed(errors)
    assert driver_row is not None and baseline_date is not None and target_date is not None
    assert baseline_value is not None and target_value is not None and owner_id is not None
    attachment_id = _evidence_file(
        improvement,
        actor=actor,
        attachment_id=baseline_attachment_id,
        upload=baseline_file,
        title=f"Baseline of {title.strip()}",
        field="baseline_file" if baseline_file is not None else "baseline_attachment_id",
    )
    benefit = Benefit(
        improvement_id=improvement_id,
        programme_id=programme_id,
        driver_id=driver_row.id,
        title=title.strip(),
        cash_class=str(cash_class),
        unit=str(unit).strip(),
        direction=str(direction),
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        target_date=target_date,
        frequency=str(frequency),
        owner_id=owner_id,
        tolerance_pct=tolerance_pct if tolerance_pct is not None else rules.DEFAULT_TOLERANCE_PCT,
        profile_shape=str(profile_shape),
        measure_type=str(measure_type),
        baseline_quality=baseline_quality,
        baseline_evidence=(baseline_evidence or "").strip(),
        baseline_attachment_id=attachment_id,
        emergent=bool(emergent),
        created_by_id=actor.id,
    )
    benefit.reschedule(None)
    db.session.add(benefit)
    db.session.flush()
    _write_points(benefit, points)
    record_event(
        actor_id=actor.id,
        action="benefit.created",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        after={**_profile(benefit), **_points_audited(points)},
    )
    ask_to_accept(benefit, actor_id=actor.id)
    return benefit


def _points(points: Sequence[tuple[date | None, Decimal | None]]) -> list[rules.Point]:
    """Validated points as the plan keeps them: in date order."""
    return sorted((when, value) for when, value in points if when is not None and value is not None)


def _points_audited(points: Sequence[rules.Point]) -> dict[str, Any]:
    return {"planned_points": [{"period_end": when, "planned_value": value} for when, value in points]}


def _write_points(benefit: Benefit, points: Sequence[rules.Point]) -> None:
    """Replace the benefit's planned points with ``points`` (none for a straight line)."""
    db.session.execute(delete(BenefitPlannedPoint).where(BenefitPlannedPoint.benefit_id == benefit.id))
    db.session.add_all(
        BenefitPlannedPoint(benefit_id=benefit.id, period_end=when, planned_value=value)
        for when, value in points
    )


def update_benefit(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    changes: Mapping[str, Any],
    expected_version: int | None,
    reason: str | None = None,
    baseline_file: attachments.Upload | None = None,
) -> Benefit:
    """Edit a benefit's profile, and at G3 its closing status (``changes`` holds only what changes).

    The baseline's quality and evidence change like the rest of the profile; ``baseline_file`` files a
    new evidence file with the improvement's evidence and names it as the baseline's.

    A change to the values finance validated withdraws the validation, and a change to what the owner
    accepted asks them to accept it again. Once the improvement's business case is approved, the baseline
    and the target change only through a change request (``services.benefit_control``): changing them
    here is refused. ``reason`` is kept with the change in the audit log when given. Raises NotFound,
    PermissionDenied, InvalidTransition, VersionConflict or ValidationFailed. Flushes, does not commit.
    """
    benefit = _load_benefit(benefit_or_id)
    improvement = _improvement_of(benefit)
    if not permissions.can_edit_benefit_profile(actor.as_actor(), _facts(improvement, actor)):
        raise PermissionDenied(
            "Only the improvement's owner or the design authority can change this benefit."
        )
    unknown = sorted(set(changes) - set(PROFILE_FIELDS) - {"closing_status"})
    if unknown:
        raise ValidationFailed({name: ["This field cannot be changed."] for name in unknown})
    _check_version(benefit, expected_version, required=True)
    profile_changes = {name: value for name, value in changes.items() if name != "closing_status"}
    if "tolerance_pct" in profile_changes and profile_changes["tolerance_pct"] is None:
        profile_changes["tolerance_pct"] = rules.DEFAULT_TOLERANCE_PCT
    if "baseline_evidence" in profile_changes:
        profile_changes["baseline_evidence"] = (profile_changes["baseline_evidence"] or "").strip()
    if profile_changes or baseline_file is not None:
        if benefit.closing_status:
            raise InvalidTransition("This benefit has been closed; its profile can no longer change.")
        _stage_allows_profile(improvement)
    if "closing_status" in changes:
        _check_closing(benefit, improvement, changes["closing_status"])

    current: dict[str, Any] = {
        "title": benefit.title,
        "driver": db.session.get(BenefitDriver, benefit.driver_id).code,  # type: ignore[union-attr]
        "cash_class": benefit.cash_class,
        "unit": benefit.unit,
        "direction": benefit.direction,
        "baseline_value": benefit.baseline_value,
        "baseline_date": benefit.baseline_date,
        "target_value": benefit.target_value,
        "target_date": benefit.target_date,
        "frequency": benefit.frequency,
        "owner_id": benefit.owner_id,
        "tolerance_pct": benefit.tolerance_pct,
        "profile_shape": benefit.profile_shape,
        "measure_type": benefit.measure_type,
        "planned_points": benefit_queries.planned_points(benefit.id),
        "baseline_quality": benefit.baseline_quality,
        "baseline_evidence": benefit.baseline_evidence,
        "baseline_attachment_id": benefit.baseline_attachment_id,
    }
    if profile_changes.get("profile_shape") == rules.ProfileShape.STRAIGHT_LINE:
        # A straight line has no points: choosing it drops the steps or values planned before.
        profile_changes.setdefault("planned_points", [])
    if "planned_points" in profile_changes:
        profile_changes["planned_points"] = list(profile_changes["planned_points"] or ())
    changed = {name for name in profile_changes if profile_changes[name] != current[name]}
    if (
        not changed
        and baseline_file is None
        and changes.get("closing_status", benefit.closing_status) == benefit.closing_status
    ):
        return benefit
    reason = (reason or "").strip()
    if len(reason) > NOTE_MAX:
        raise ValidationFailed({"reason": [f"Keep the reason to {NOTE_MAX:,} characters or fewer."]})
    under_control = improvement is not None and rules.needs_change_request(
        improvement_stage=improvement.stage, held_from_stage=improvement.held_from_stage
    )
    if changed & rules.PLAN_FIELDS and under_control:
        # Change control: the business case was approved on these, so a change is proposed to the design
        # authority (services.benefit_control.propose_plan_change) rather than made here.
        raise ValidationFailed(
            {
                name: [
                    "The business case was approved on the current baseline and target: propose the change "
                    "to the design authority instead."
                ]
                for name in sorted(changed & rules.PLAN_FIELDS)
            }
        )
    if changed & PLAN_CHANGE_FIELDS and not reason and under_control:
        # How the plan runs between them (its shape, its planned values) changes with a reason, kept in the
        # audit log; the baseline and target themselves change only by a change request (above).
        raise ValidationFailed(
            {
                "reason": [
                    "Say why the plan (its shape or planned values) is changing: the business case was "
                    "approved on the current one."
                ]
            }
        )
    merged = {**current, **profile_changes}
    driver_row = db.session.get(BenefitDriver, benefit.driver_id)
    if changed:
        # The whole profile is checked, as the rules tie fields together (dates, direction and values).
        errors, driver_row = _validate_profile(merged)
        if errors:
            raise ValidationFailed(errors)
    assert driver_row is not None
    if baseline_file is not None or "baseline_attachment_id" in changed:
        merged["baseline_attachment_id"] = _evidence_file(
            improvement,
            actor=actor,
            attachment_id=merged["baseline_attachment_id"],
            upload=baseline_file,
            title=f"Baseline of {merged['title']}".strip(),
            field="baseline_file" if baseline_file is not None else "baseline_attachment_id",
        )

    before = _profile(benefit)
    # Read before changing anything: a query after would flush the change outside flush_guarded.
    latest = _latest_measurement(benefit.id)
    benefit.title = str(merged["title"]).strip()
    benefit.driver_id = driver_row.id
    benefit.cash_class = merged["cash_class"]
    benefit.unit = str(merged["unit"]).strip()
    benefit.direction = merged["direction"]
    benefit.baseline_value = merged["baseline_value"]
    benefit.baseline_date = merged["baseline_date"]
    benefit.target_value = merged["target_value"]
    benefit.target_date = merged["target_date"]
    benefit.frequency = merged["frequency"]
    benefit.owner_id = merged["owner_id"]
    benefit.baseline_quality = merged["baseline_quality"]
    benefit.baseline_evidence = merged["baseline_evidence"]
    benefit.baseline_attachment_id = merged["baseline_attachment_id"]
    benefit.tolerance_pct = (
        merged["tolerance_pct"] if merged["tolerance_pct"] is not None else rules.DEFAULT_TOLERANCE_PCT
    )
    benefit.profile_shape = merged["profile_shape"]
    benefit.measure_type = merged["measure_type"]
    points = _points(merged["planned_points"])
    if "planned_points" in changed:
        # The plan's rows change with the benefit: touching the version makes two people's edits of the
        # same plan refuse the second.
        touch(benefit, at=db.utcnow())
    if "closing_status" in changes:
        benefit.closing_status = changes["closing_status"]
    if changed & VALUE_FIELDS or ("owner_id" in changed and benefit.validated_by_id == benefit.owner_id):
        # New figures finance has not seen; or the new owner validated them, and no owner validates their
        # own benefit (docs/benefits-and-resources.md#accountable-owners).
        benefit.validated_by_id = None
        benefit.validated_at = None
    ask = bool(changed & ACCEPTED_FIELDS)
    if ask:
        clear_acceptance(benefit)
    benefit.reschedule(latest, points)
    flush_guarded()
    if "planned_points" in changed:
        _write_points(benefit, points)
    _resolve_cleared_flags(benefit, improvement, on=council_today())
    record_event(
        actor_id=actor.id,
        action="benefit.updated",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before={
            **before,
            **(_points_audited(current["planned_points"]) if "planned_points" in changed else {}),
        },
        after={**_profile(benefit), **(_points_audited(points) if "planned_points" in changed else {})},
        reason=reason or None,
    )
    if ask:
        ask_to_accept(benefit, actor_id=actor.id)
    return benefit


def _check_closing(benefit: Benefit, improvement: Improvement | None, closing_status: Any) -> None:
    if closing_status not in rules.CLOSING_STATUSES:
        raise ValidationFailed({"closing_status": ["Choose realised, partially realised or not realised."]})
    if improvement is not None and improvement.stage != Stage.REALISATION:
        raise InvalidTransition(
            "A closing status is set at the benefits review (G3), in the realisation stage."
        )
    if benefit.closing_status:
        raise InvalidTransition("This benefit already has a closing status.")


def set_closing_status(
    benefit_or_id: Benefit | int, *, actor: User, expected_version: int | None = None, closing_status: str
) -> Benefit:
    """Close a benefit at the benefits review (G3): realised, partially realised or not realised.

    The G3 gate calls this for each benefit; PATCH /benefits/{id} reaches it too. Closing stops the
    benefit being chased for measurements. Flushes, does not commit.
    """
    benefit = _load_benefit(benefit_or_id)
    return update_benefit(
        benefit,
        actor=actor,
        changes={"closing_status": closing_status},
        expected_version=expected_version if expected_version is not None else benefit.version,
    )


def reopen_benefit(
    benefit_or_id: Benefit | int, *, actor: User, expected_version: int | None, reason: str
) -> Benefit:
    """An independent design authority member reopens a closed benefit, with the reason, so that it can be
    measured again before the benefits review (G3) decides. Audited with the closing status it had.

    Raises NotFound, PermissionDenied, InvalidTransition, VersionConflict or ValidationFailed. Flushes.
    """
    benefit = _load_benefit(benefit_or_id)
    improvement = _improvement_of(benefit)
    if not permissions.can_reopen_benefit(actor.as_actor(), _facts(improvement, actor)):
        raise PermissionDenied(
            "Only a design authority member with no interest in the improvement can reopen a benefit."
        )
    _check_version(benefit, expected_version, required=True)
    if not benefit.closing_status:
        raise InvalidTransition("This benefit is open already.")
    if improvement is not None and improvement.stage != Stage.REALISATION:
        raise InvalidTransition(
            "A benefit can be reopened only while its improvement waits for the benefits review (G3)."
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why the benefit is being reopened; the owner will read it."]})
    if len(reason) > NOTE_MAX:
        raise ValidationFailed({"reason": [f"Keep the reason to {NOTE_MAX:,} characters or fewer."]})
    before = _profile(benefit)
    # Read before changing anything: a query after would flush the change outside flush_guarded.
    latest = _latest_measurement(benefit.id)
    points = benefit_queries.planned_points(benefit.id)
    benefit.closing_status = None
    benefit.reschedule(latest, points)
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.reopened",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after=_profile(benefit),
        reason=reason,
    )
    where = f" of {improvement.ref}" if improvement is not None else ""
    notifications.enqueue(
        user_ids=[benefit.owner_id, improvement.owner_id if improvement else None],
        kind="benefit.reopened",
        text=(
            f"The design authority reopened the benefit “{benefit.title}”{where}, so that it can be measured "
            f"again before the benefits review. Their reason: {reason}"
        ),
        event_key=f"benefit-reopened:{benefit.id}:{benefit.version}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return benefit


# --- Accountable owners (services.benefit_control accepts and decides) ----------------------------------


def clear_acceptance(benefit: Benefit) -> bool:
    """Forget the owner's acceptance (the profile it covered has changed); True when there was one."""
    had = benefit.accepted_at is not None
    benefit.accepted_by_id = None
    benefit.accepted_at = None
    return had


def ask_to_accept(benefit: Benefit, *, actor_id: int | None) -> None:
    """Tell the benefit's owner there is a profile to accept. Not when they wrote it themselves: they see
    it waiting on the benefit's page and in their Home actions."""
    if benefit.owner_id == actor_id:
        return
    notifications.enqueue(
        user_ids=[benefit.owner_id],
        kind="benefit.accept",
        text=(
            f"You own the benefit “{benefit.title}”. Read its profile and accept it on the benefit's page: "
            "you are accountable for realising it."
        ),
        event_key=f"benefit-accept:{benefit.id}:{benefit.version}",
        subject_type="benefit",
        subject_id=benefit.id,
    )


def withdraw_validations_by(
    person_ids: set[int | None], *, improvement_id: int, actor: User, why: str
) -> int:
    """Withdraw the validation of the improvement's benefits that one of ``person_ids`` gave, now that they
    have an interest in the improvement (its senior responsible owner, its owner, a declared conflict):
    a validation counts only while its validator is independent of the benefit, whatever order the steps
    came in. Audited on each benefit; finance validates again. Returns how many were withdrawn."""
    wanted = {i for i in person_ids if i is not None}
    if not wanted:
        return 0
    validated = list(
        db.session.scalars(
            select(Benefit).where(
                Benefit.improvement_id == improvement_id, Benefit.validated_by_id.in_(wanted)
            )
        )
    )
    for benefit in validated:
        validator = benefit.validated_by_id
        benefit.validated_by_id = None
        benefit.validated_at = None
        flush_guarded()
        record_event(
            actor_id=actor.id,
            action="benefit.validation_withdrawn",
            subject_type="benefit",
            subject_id=benefit.id,
            subject_version=benefit.version,
            before={"validated_by_id": validator},
            after={"validated_by_id": None},
            reason=why,
        )
    return len(validated)


# --- Handover to business as usual ----------------------------------------------------------------------


def hand_over_benefit(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    owner_id: int | None,
    handed_over_on: date | None,
    note: str = "",
    expected_version: int | None,
    today: date | None = None,
) -> Benefit:
    """Hand an open benefit to a named business-as-usual owner, who measures it from then on and is told
    when a measurement is overdue or escalated, after the programme or the improvement has ended.

    Who may: as for the profile (the improvement's owner or the design authority; a programme's benefit
    the design authority only). When: a programme's benefit at any time, an improvement's benefit at its
    benefits review (realisation). The new owner must be an active person who works on improvements, and
    the date may not be in the future. Audited with the owner before and after; the new owner is
    notified. Raises NotFound, PermissionDenied, InvalidTransition, VersionConflict or ValidationFailed.
    Flushes, does not commit.
    """
    benefit = _load_benefit(benefit_or_id)
    improvement = _improvement_of(benefit)
    if not permissions.can_edit_benefit_profile(actor.as_actor(), _facts(improvement, actor)):
        raise PermissionDenied(
            "Only the design authority, or the improvement's owner, can hand a benefit over to business "
            "as usual."
        )
    expect_version(benefit, expected_version)
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed, so there is nothing left to hand over.")
    if improvement is not None and improvement.stage != Stage.REALISATION:
        raise InvalidTransition(
            "An improvement's benefit is handed over at its benefits review, in the realisation stage."
        )
    today = today or council_today()
    errors: dict[str, list[str]] = {}
    owner = db.session.get(User, owner_id) if isinstance(owner_id, int) else None
    if owner is None or not owner.is_active:
        _add(errors, "owner_id", "Choose the person in the service who will own the benefit from now on.")
    elif not permissions.may_own_work(owner.roles):
        _add(errors, "owner_id", permissions.OWNER_MUST_WORK)
    if handed_over_on is None:
        _add(errors, "handed_over_on", "Enter the date the benefit was handed over.")
    elif handed_over_on > today:
        _add(errors, "handed_over_on", "The handover date cannot be in the future.")
    elif handed_over_on < benefit.baseline_date:
        _add(errors, "handed_over_on", "The handover date cannot be before the benefit's baseline date.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        _add(errors, "note", f"Keep the note to {NOTE_MAX:,} characters or fewer.")
    if errors:
        raise ValidationFailed(errors)
    assert owner is not None and handed_over_on is not None
    before = {
        "owner_id": benefit.owner_id,
        "handed_over_on": benefit.handed_over_on,
        "handover_note": benefit.handover_note,
    }
    new_owner = owner.id != benefit.owner_id
    benefit.owner_id = owner.id
    benefit.handed_over_on = handed_over_on
    benefit.handover_note = note
    if new_owner:
        # The new owner accepts the benefit afresh, and may not be the one who validated it.
        clear_acceptance(benefit)
        if benefit.validated_by_id == owner.id:
            benefit.validated_by_id = None
            benefit.validated_at = None
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.handed_over",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after={"owner_id": owner.id, "handed_over_on": handed_over_on, "handover_note": note},
    )
    where = f" of {improvement.ref}" if improvement is not None else ""
    notifications.enqueue(
        user_ids=[owner.id],
        kind="benefit.handed_over",
        text=(
            f"The benefit “{benefit.title}”{where} has been handed to you as its business-as-usual owner "
            f"from {handed_over_on.day} {handed_over_on:%B %Y}. Accept its profile on the benefit's page, "
            "and record its measurements as they fall due; you will be told when one is overdue."
        ),
        event_key=f"benefit-handed-over:{benefit.id}:{benefit.version}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return benefit


# --- Measurements ---------------------------------------------------------------------------------------


def _latest_measurement(benefit_id: int) -> BenefitMeasurement | None:
    return db.session.scalar(
        select(BenefitMeasurement)
        .where(BenefitMeasurement.benefit_id == benefit_id)
        .order_by(BenefitMeasurement.period_end.desc())
        .limit(1)
    )


def _resolve_cleared_flags(benefit: Benefit, improvement: Improvement | None, *, on: date) -> int:
    """Resolve the staleness and tolerance flags whose cause has gone as of ``on``; the jobs do the same
    nightly."""
    state = rules.Staleness.CURRENT
    if is_tracked(benefit, improvement, on=on):
        state = rules.staleness(
            as_of=on,
            due=benefit.next_due_on,
            frequency=benefit.frequency,
            grace_days=_grace_days(),
        )
    resolved = 0
    if state is rules.Staleness.CURRENT:
        resolved += flags.resolve_flag(rules.FLAG_STALE_BENEFIT, "benefit", benefit.id, on=on)
    if state is not rules.Staleness.ESCALATED:
        resolved += flags.resolve_flag(rules.FLAG_BENEFIT_ESCALATED, "benefit", benefit.id, on=on)
    if state is rules.Staleness.CURRENT:
        # Back within tolerance by the RAG the pages show; an off-track value waits for the nightly job.
        _, rag = benefit_queries.standing_today(benefit, as_of=on, grace_days=_grace_days())
        if not rules.is_out_of_tolerance(rag):
            resolved += flags.resolve_flag(rules.FLAG_BENEFIT_OUT_OF_TOLERANCE, "benefit", benefit.id, on=on)
    return resolved


def is_tracked(benefit: Benefit, improvement: Improvement | None, *, on: date) -> bool:
    """Chased for measurements (``domain.benefits.is_tracked``, docs/benefits-and-resources.md): until
    its benefits review closes it; an improvement's benefit while the improvement is in delivery or
    realisation or once handed to a business-as-usual owner; a programme's benefit after the programme
    ends too. ``on`` is the day asked about."""
    del on
    return rules.is_tracked(
        improvement_stage=improvement.stage if improvement is not None else None,
        closing_status=benefit.closing_status,
        handed_over=benefit.is_handed_over,
    )


def _grace_days() -> int:
    """The configured grace before a measurement is overdue; the default outside an app (a loader or a
    script run without one)."""
    config = current_app.config if has_app_context() else {}
    return int(config.get("BENEFIT_GRACE_DAYS", rules.DEFAULT_GRACE_DAYS))


def record_measurement(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None = None,
    period_end: date | None,
    value: Decimal | None,
    data_quality: str | None = None,
    note: str = "",
    evidence: str = "",
    attachment_id: int | None = None,
    evidence_file: attachments.Upload | None = None,
    today: date | None = None,
) -> BenefitMeasurement:
    """Record the value measured for a period; resolves the benefit's stale and escalation flags at once,
    and its out-of-tolerance flag once the value is back within tolerance.

    The benefit's owner or the improvement's owner may. A future period end, a period before the
    baseline, or a second value for the same period is refused. Flushes, does not commit.

    The benefit is locked (``FOR UPDATE``) rather than guarded by its version: two people recording at
    once take turns, so the second finds the first's value for the same period (one value per period,
    refused as already recorded rather than failing on the unique index) and the benefit's latest value
    and next due date are worked out from every measurement committed. The version still moves with each
    measurement, so a validation or an edit based on the figures read before it is refused.
    """
    benefit = _load_benefit(benefit_or_id, for_update=True)
    improvement = _improvement_of(benefit)
    if not permissions.can_record_measurement(
        actor.as_actor(),
        benefit_owner_id=benefit.owner_id,
        improvement_owner_id=improvement.owner_id if improvement else None,
    ):
        raise PermissionDenied("Only the benefit's owner or the improvement's owner can record measurements.")
    _check_version(benefit, expected_version, required=False)
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed; no more measurements are recorded.")
    today = today or council_today()
    errors = rules.validate_measurement(
        period_end=period_end, today=today, baseline_date=benefit.baseline_date
    )
    _check_value(errors, "value", value, benefit.unit)
    quality = data_quality or rules.DataQuality.MEASURED.value
    if quality not in {q.value for q in rules.DataQuality}:
        _add(errors, "data_quality", "Choose measured, estimated or proxy.")
    if len(note or "") > NOTE_MAX:
        _add(errors, "note", f"Keep the note to {NOTE_MAX:,} characters or fewer.")
    if len(evidence or "") > NOTE_MAX:
        _add(errors, "evidence", f"Keep the evidence to {NOTE_MAX:,} characters or fewer.")
    if errors:
        raise ValidationFailed(errors)
    assert period_end is not None and value is not None
    duplicate = db.session.scalar(
        select(BenefitMeasurement.id).where(
            BenefitMeasurement.benefit_id == benefit.id, BenefitMeasurement.period_end == period_end
        )
    )
    if duplicate is not None:
        raise AlreadyExists("A value for the period ending on that date is already recorded.")
    filed = _evidence_file(
        improvement,
        actor=actor,
        attachment_id=attachment_id,
        upload=evidence_file,
        title=f"{benefit.title}, period ending {period_end:%d/%m/%Y}",
        field="evidence_file" if evidence_file is not None else "attachment_id",
    )
    measurement = BenefitMeasurement(
        benefit_id=benefit.id,
        period_end=period_end,
        value=value,
        data_quality=quality,
        note=(note or "").strip(),
        evidence=(evidence or "").strip(),
        attachment_id=filed,
        recorded_by_id=actor.id,
        recorded_at=db.utcnow(),
    )
    db.session.add(measurement)
    db.session.flush()
    benefit.reschedule(_latest_measurement(benefit.id), benefit_queries.planned_points(benefit.id))
    was_validated = benefit.is_validated
    if was_validated:
        # Finance validated the figures it was shown; this one it has not seen.
        benefit.validated_by_id = None
        benefit.validated_at = None
    touch(benefit, at=db.utcnow())
    flush_guarded()
    _resolve_cleared_flags(benefit, improvement, on=today)
    record_event(
        actor_id=actor.id,
        action="benefit.measurement_recorded",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        after={
            "measurement_id": measurement.id,
            "period_end": period_end,
            "value": value,
            "data_quality": quality,
            "evidence": measurement.evidence,
            "attachment_id": filed,
            "next_due_on": benefit.next_due_on,
            **({"validation_cleared": True} if was_validated else {}),
        },
    )
    return measurement


# --- Finance: adjustments and validation ----------------------------------------------------------------


def record_adjustment(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None = None,
    category: str | None,
    amount_pence: int | None,
    rationale: str,
    source: str = "",
    status: str = AdjustmentStatus.PROPOSED.value,
    recurrence: str = AdjustmentRecurrence.RECURRING.value,
    financial_year: int | None = None,
    evidence: str = "",
) -> BenefitAdjustment:
    """Finance records a like-for-like adjustment (positive when the gross under-states the benefit).

    Only for benefits measured in pounds, as the adjustment is added to the gross figure. It counts only
    once confirmed (``domain.savings``), and a confirmed one needs its evidence. Flushes, does not commit.
    """
    benefit = _load_benefit(benefit_or_id)
    if not permissions.can_record_adjustment(actor.as_actor()):
        raise PermissionDenied("Only finance can record like-for-like adjustments.")
    _check_version(benefit, expected_version, required=False)
    errors: dict[str, list[str]] = {}
    if category not in {c.value for c in rules.AdjustmentCategory}:
        _add(errors, "category", "Choose the category of the adjustment.")
    if amount_pence is None or isinstance(amount_pence, bool):
        _add(errors, "amount_pence", "Enter the amount.")
    elif abs(amount_pence) > MAX_PENCE:
        _add(errors, "amount_pence", "Enter an amount between -£1,000,000,000 and £1,000,000,000.")
    elif benefit.unit != GBP:
        _add(
            errors,
            "amount_pence",
            "Like-for-like adjustments apply only to benefits measured in pounds (GBP).",
        )
    if not (rationale or "").strip():
        _add(errors, "rationale", "Explain why the benefit needs adjusting.")
    elif len(rationale) > RATIONALE_MAX:
        _add(errors, "rationale", f"Keep the rationale to {RATIONALE_MAX:,} characters or fewer.")
    if len(source or "") > 200:
        _add(errors, "source", "Keep the source to 200 characters or fewer.")
    if status not in {s.value for s in AdjustmentStatus}:
        _add(errors, "status", "Choose proposed or confirmed.")
    elif status == AdjustmentStatus.CONFIRMED and not (evidence or "").strip():
        _add(errors, "evidence", "Give the evidence that confirms the adjustment.")
    if recurrence not in {r.value for r in AdjustmentRecurrence}:
        _add(errors, "recurrence", "Choose recurring or one-off.")
    if financial_year is not None and not 1990 <= financial_year <= 2100:
        _add(errors, "financial_year", "Enter the year the financial year starts in, for example 2019.")
    if len(evidence or "") > RATIONALE_MAX:
        _add(errors, "evidence", f"Keep the evidence to {RATIONALE_MAX:,} characters or fewer.")
    if errors:
        raise ValidationFailed(errors)
    assert category is not None and amount_pence is not None
    adjustment = BenefitAdjustment(
        benefit_id=benefit.id,
        category=category,
        amount_pence=amount_pence,
        rationale=rationale.strip(),
        source=(source or "").strip(),
        status=status,
        recurrence=recurrence,
        financial_year=financial_year,
        evidence=(evidence or "").strip(),
        recorded_by_id=actor.id,
        recorded_at=db.utcnow(),
    )
    db.session.add(adjustment)
    db.session.flush()
    record_event(
        actor_id=actor.id,
        action="benefit.adjustment_recorded",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        after={
            "adjustment_id": adjustment.id,
            "category": category,
            "amount_pence": amount_pence,
            "rationale": adjustment.rationale,
            "status": status,
            "recurrence": recurrence,
            "financial_year": financial_year,
        },
    )
    return adjustment


def confirm_adjustment(
    benefit_or_id: Benefit | int,
    adjustment_id: int,
    *,
    actor: User,
    expected_version: int | None = None,
    evidence: str = "",
) -> BenefitAdjustment:
    """Finance confirms a proposed like-for-like adjustment, with the evidence that settles its
    condition, so it counts from now on (``domain.savings``). The benefit's page and the API both call
    this; ``expected_version`` is the benefit's version the person read (``guards.expect_version``), and
    one already confirmed is refused. Flushes, does not commit."""
    benefit = _load_benefit(benefit_or_id)
    if not permissions.can_record_adjustment(actor.as_actor()):
        raise PermissionDenied("Only finance can confirm like-for-like adjustments.")
    expect_version(benefit, expected_version)
    adjustment = db.session.scalar(
        select(BenefitAdjustment).where(
            BenefitAdjustment.id == adjustment_id, BenefitAdjustment.benefit_id == benefit.id
        )
    )
    if adjustment is None:
        raise NotFound("There is no such adjustment on this benefit.")
    if adjustment.counts:
        raise AlreadyExists("This adjustment has already been confirmed.")
    given = (evidence or "").strip()
    if len(given) > RATIONALE_MAX:
        raise ValidationFailed({"evidence": [f"Keep the evidence to {RATIONALE_MAX:,} characters or fewer."]})
    if not given:
        raise ValidationFailed({"evidence": ["Give the evidence that settles the adjustment's condition."]})
    before = {"status": adjustment.status, "evidence": adjustment.evidence}
    adjustment.status = AdjustmentStatus.CONFIRMED
    adjustment.evidence = f"{adjustment.evidence}\n\nConfirmed: {given}".strip()
    # The adjustment now counts towards the benefit's saving: the benefit's version moves with it, so a
    # second confirmation sent at the same time is refused.
    touch(benefit, at=db.utcnow())
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.adjustment_confirmed",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after={"adjustment_id": adjustment.id, "status": adjustment.status, "evidence": given},
    )
    return adjustment


def validate_benefit(
    benefit_or_id: Benefit | int, *, actor: User, expected_version: int | None = None, note: str = ""
) -> Benefit:
    """Finance confirms a cashable benefit's realised value, so it counts as realised, with a note of
    what they checked (kept on the benefit and in the audit log). A question sent back earlier is settled.

    The validation covers the measurements recorded so far; one recorded later leaves the benefit
    unvalidated until finance validates it again. The validator is independent of the benefit, its
    improvement and the figures (``permissions.can_validate_benefit``). Flushes, does not commit.
    """
    benefit = _load_benefit(benefit_or_id)
    if not permissions.can_validate_benefit(
        actor.as_actor(),
        benefit_owner_id=benefit.owner_id,
        improvement=_facts(_improvement_of(benefit), actor),
        recorder_ids=measurement_recorder_ids(benefit.id),
    ):
        raise PermissionDenied(
            "Finance validates benefits independently: never one they own, one of an improvement they "
            "submitted, own, sponsor or declared a conflict on, nor figures they recorded."
        )
    _check_version(benefit, expected_version, required=False)
    if benefit.cash_class != rules.CashClass.CASHABLE:
        raise ValidationFailed({"cash_class": ["Only cashable benefits are validated by finance."]})
    if benefit.last_period_end is None:
        raise ValidationFailed({"measurements": ["Record a measurement before the benefit is validated."]})
    if benefit.validated_at is not None:
        raise AlreadyExists("This benefit has already been validated.")
    if len(note) > TEXT_MAX:
        raise ValidationFailed({"note": [f"Keep the note to {TEXT_MAX:,} characters or fewer."]})
    before = _profile(benefit)
    benefit.validated_by_id = actor.id
    benefit.validated_at = db.utcnow()
    benefit.validation_note = note.strip()
    benefit.finance_question = None
    benefit.finance_question_by_id = None
    benefit.finance_question_at = None
    benefit.finance_answer = None
    flush_guarded()
    record_event(
        actor_id=actor.id,
        reason=benefit.validation_note or None,
        action="benefit.validated",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after=_profile(benefit) | {"validated_value": benefit.last_value, "as_at": benefit.last_period_end},
    )
    return benefit


def _may_validate(actor: User, benefit: Benefit) -> bool:
    return permissions.can_validate_benefit(
        actor.as_actor(),
        benefit_owner_id=benefit.owner_id,
        improvement=_facts(_improvement_of(benefit), actor),
        recorder_ids=measurement_recorder_ids(benefit.id),
    )


def ask_owner(
    benefit_or_id: Benefit | int, *, actor: User, expected_version: int | None = None, question: str
) -> Benefit:
    """Finance sends a cashable benefit back to its owner with a question instead of validating it. The
    owner (and the improvement's owner) are notified and read it on the benefit's page; an earlier
    answer is cleared. Flushes, does not commit."""
    benefit = _load_benefit(benefit_or_id)
    if not _may_validate(actor, benefit):
        raise PermissionDenied("Only finance, independent of the benefit, asks about its validation.")
    _check_version(benefit, expected_version, required=False)
    if benefit.validated_at is not None:
        raise AlreadyExists("This benefit has already been validated.")
    question = question.strip()
    if not question:
        raise ValidationFailed({"question": ["Write the question for the benefit's owner."]})
    if len(question) > TEXT_MAX:
        raise ValidationFailed({"question": [f"Keep the question to {TEXT_MAX:,} characters or fewer."]})
    benefit.finance_question = question
    benefit.finance_question_by_id = actor.id
    benefit.finance_question_at = db.utcnow()
    benefit.finance_answer = None
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.finance_question",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        reason=question,
    )
    improvement = _improvement_of(benefit)
    notifications.enqueue(
        user_ids=[benefit.owner_id, improvement.owner_id if improvement else None],
        kind="benefit.finance_question",
        text=(
            f"Finance has a question before validating the benefit “{benefit.title}”: {question} "
            "Answer it on the benefit's page."
        ),
        event_key=f"benefit-question:{benefit.id}:{benefit.version}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return benefit


def answer_finance(
    benefit_or_id: Benefit | int, *, actor: User, expected_version: int | None = None, answer: str
) -> Benefit:
    """The benefit's owner (or the improvement's) answers finance's question; the person who asked is
    notified. Flushes, does not commit."""
    benefit = _load_benefit(benefit_or_id)
    improvement = _improvement_of(benefit)
    if actor.id not in {benefit.owner_id, improvement.owner_id if improvement else None}:
        raise PermissionDenied("Only the benefit's owner or the improvement's owner answers finance.")
    _check_version(benefit, expected_version, required=False)
    if benefit.finance_question is None:
        raise ValidationFailed({"answer": ["Finance has no open question about this benefit."]})
    answer = answer.strip()
    if not answer:
        raise ValidationFailed({"answer": ["Write your answer to finance's question."]})
    if len(answer) > TEXT_MAX:
        raise ValidationFailed({"answer": [f"Keep the answer to {TEXT_MAX:,} characters or fewer."]})
    benefit.finance_answer = answer
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.finance_answered",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        reason=answer,
    )
    notifications.enqueue(
        user_ids=[benefit.finance_question_by_id],
        kind="benefit.finance_answered",
        text=f"The owner of the benefit “{benefit.title}” answered your question: {answer}",
        event_key=f"benefit-answer:{benefit.id}:{benefit.version}",
        subject_type="benefit",
        subject_id=benefit.id,
    )
    return benefit
