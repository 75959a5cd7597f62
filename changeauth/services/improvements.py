"""Submitting and editing improvements (stage changes live in the transition service)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.domain.improvements import TEXT_MAX, TITLE_MAX, TITLE_MIN, format_ref
from changeauth.domain.lifecycle import Stage, Status
from changeauth.domain.portfolio import check_delivery_estimate
from changeauth.models import BenefitDriver, Improvement, Programme, Team, User
from changeauth.queries.improvements import access_to
from changeauth.services import benefits as benefit_service
from changeauth.services.audit import record_event
from changeauth.services.guards import expect_version, flush_guarded


def _validate_idea_text(
    title: str, problem: str, proposal: str, expected_effect: str
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not TITLE_MIN <= len(title.strip()) <= TITLE_MAX:
        errors["title"] = [f"Enter a title between {TITLE_MIN} and {TITLE_MAX} characters."]
    for name, value in (("problem", problem), ("proposal", proposal), ("expected_effect", expected_effect)):
        if len(value) > TEXT_MAX:
            errors[name] = [f"Keep this to {TEXT_MAX:,} characters or fewer."]
    if not problem.strip():
        errors["problem"] = ["Describe the problem this idea solves."]
    if not proposal.strip():
        errors["proposal"] = ["Describe the change you propose."]
    return errors


def submit_idea(
    actor: User,
    *,
    title: str,
    problem: str,
    proposal: str,
    expected_effect: str = "",
    driver_codes: Sequence[str],
    team_code: str | None = None,
    is_anonymous: bool = False,
    now: datetime | None = None,
    ref: str | None = None,
) -> Improvement:
    """A member of staff submits an idea: it starts at stage ``idea``, status ``submitted``. Its reference
    is built from its number and the year, unless ``ref`` gives the one it already has in the register it
    comes from (the worked example keeps the report's numbering).

    Raises PermissionDenied or ValidationFailed; nothing is written on failure. Flushes, does not commit.
    """
    if not permissions.can_submit_idea(actor.as_actor()):
        raise PermissionDenied("Your account cannot submit ideas.")
    errors = _validate_idea_text(title, problem, proposal, expected_effect)
    codes = sorted(set(driver_codes))
    drivers = list(db.session.scalars(select(BenefitDriver).where(BenefitDriver.code.in_(codes))))
    if not codes:
        errors["benefit_drivers"] = ["Choose at least one benefit driver."]
    elif len(drivers) != len(codes):
        unknown = sorted(set(codes) - {driver.code for driver in drivers})
        errors["benefit_drivers"] = [f"Unknown benefit driver: {', '.join(unknown)}."]
    team_id = None
    if team_code:
        team_id = db.session.scalar(select(Team.id).where(Team.code == team_code))
        if team_id is None:
            errors["team"] = ["Choose a team from the list."]
    if errors:
        raise ValidationFailed(errors)
    now = now or db.utcnow()
    improvement = Improvement(
        # A unique placeholder until the id is known; the reference is built from the id.
        ref=f"new-{secrets.token_hex(8)}",
        title=title.strip(),
        problem=problem.strip(),
        proposal=proposal.strip(),
        expected_effect=expected_effect.strip(),
        submitter_id=actor.id,
        is_anonymous=is_anonymous,
        team_id=team_id,
        stage=Stage.IDEA.value,
        status=Status.SUBMITTED.value,
        drivers=drivers,
        created_at=now,
        updated_at=now,
        stage_changed_at=now,
    )
    db.session.add(improvement)
    db.session.flush()
    # The reference is part of creating the row, not a change to it: written without moving the version,
    # so a new improvement starts at version 1 (the session's copy is kept in step by the UPDATE).
    db.session.execute(
        update(Improvement)
        .where(Improvement.id == improvement.id)
        .values(ref=ref or format_ref(now.year, improvement.id))
    )
    record_event(
        actor_id=actor.id,
        action="improvement.submitted",
        subject_type="improvement",
        subject_id=improvement.id,
        subject_version=improvement.version,
        after={
            "ref": improvement.ref,
            "title": improvement.title,
            "stage": improvement.stage,
            "benefit_drivers": codes,
            "team_id": team_id,
            "is_anonymous": is_anonymous,
        },
    )
    return improvement


TEXT_FIELDS = ("title", "problem", "proposal", "expected_effect", "benefit_drivers")
ASSIGNMENT_FIELDS = ("owner_id", "sponsor_id", "team", "is_mandatory", "programme")
ESTIMATE_FIELDS = ("delivery_person_months",)
# Changing these is a separation-of-duties decision (permissions.can_reassign_improvement).
REASSIGNMENT_FIELDS = ("owner_id", "sponsor_id", "is_mandatory")


def update_improvement(
    improvement: Improvement, *, actor: User, expected_version: int | None, changes: Mapping[str, Any]
) -> Improvement:
    """Edit an improvement: its text (submitter at idea, owner from business case to delivery) or who
    owns and sponsors it, its team, statutory flag and programme (design authority), or its delivery
    estimate in person-months (owner or design authority).

    Raises PermissionDenied, ValidationFailed or VersionConflict; nothing changes on failure. Flushes.
    """
    actor_facts = actor.as_actor()
    facts = access_to(improvement, actor).improvement
    text_changes = {k: v for k, v in changes.items() if k in TEXT_FIELDS}
    assignments = {k: v for k, v in changes.items() if k in ASSIGNMENT_FIELDS}
    estimates = {k: v for k, v in changes.items() if k in ESTIMATE_FIELDS}
    if text_changes and not permissions.can_edit_idea_text(actor_facts, facts):
        raise PermissionDenied("Only the submitter (while it is an idea) or the owner may edit the text.")
    if assignments and not permissions.can_assign_roles_on_improvement(actor_facts):
        raise PermissionDenied("Only the design authority may assign owners, sponsors, teams and programmes.")
    if any(name in REASSIGNMENT_FIELDS for name in assignments) and not permissions.can_reassign_improvement(
        actor_facts, facts
    ):
        raise PermissionDenied(
            "Only an administrator, or a design authority member who has not submitted, owned, sponsored or "
            "declared a conflict on it, may change who owns or sponsors it or whether it is mandatory."
        )
    if estimates and not permissions.can_record_delivery_estimate(actor_facts, facts):
        raise PermissionDenied(
            "Only the owner or the design authority may record the delivery estimate, "
            "while the improvement is in business case, approved or delivery."
        )
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version you are editing."]})
    expect_version(improvement, expected_version)
    errors = _validate_idea_text(
        text_changes.get("title", improvement.title),
        text_changes.get("problem", improvement.problem),
        text_changes.get("proposal", improvement.proposal),
        text_changes.get("expected_effect", improvement.expected_effect),
    )
    values: dict[str, Any] = {k: v.strip() for k, v in text_changes.items() if isinstance(v, str)}
    drivers = None
    if "benefit_drivers" in text_changes:
        codes = sorted(set(text_changes["benefit_drivers"]))
        drivers = list(db.session.scalars(select(BenefitDriver).where(BenefitDriver.code.in_(codes))))
        if not codes:
            errors["benefit_drivers"] = ["Choose at least one benefit driver."]
        elif len(drivers) != len(codes):
            errors["benefit_drivers"] = ["Unknown benefit driver."]
    for field in ("owner_id", "sponsor_id"):
        if field in assignments and assignments[field] is not None:
            person = db.session.get(User, assignments[field])
            if person is None or not person.is_active:
                errors[field] = ["Choose an active person."]
            elif not permissions.may_own_work(person.roles):
                errors[field] = [permissions.OWNER_MUST_WORK]
            else:
                values[field] = person.id
        elif field in assignments:
            values[field] = None
    if "team" in assignments:
        team_id = None
        if assignments["team"]:
            team_id = db.session.scalar(select(Team.id).where(Team.code == assignments["team"]))
            if team_id is None:
                errors["team"] = ["Choose a team from the list."]
        values["team_id"] = team_id
    if "programme" in assignments:
        programme_id = None
        if assignments["programme"]:
            programme_id = db.session.scalar(
                select(Programme.id).where(Programme.code == assignments["programme"])
            )
            if programme_id is None:
                errors["programme"] = ["There is no programme with that code."]
        values["programme_id"] = programme_id
    if "is_mandatory" in assignments:
        values["is_mandatory"] = bool(assignments["is_mandatory"])
    if "delivery_person_months" in estimates:
        estimate = estimates["delivery_person_months"]
        messages = check_delivery_estimate(estimate)
        if messages:
            errors["delivery_person_months"] = messages
        values["delivery_person_months"] = estimate
    if errors:
        raise ValidationFailed(errors)
    before = {name: getattr(improvement, name) for name in values}
    for name, value in values.items():
        setattr(improvement, name, value)
    improvement.updated_at = db.utcnow()
    if drivers is not None:
        improvement.drivers = drivers
    flush_guarded()
    newly_interested = {values.get(name) for name in ("owner_id", "sponsor_id") if name in values}
    if newly_interested:
        # The new senior responsible owner (sponsor) or owner may not keep a validation they gave as
        # finance: it was independent then, and is not now (docs/benefits-and-resources.md).
        benefit_service.withdraw_validations_by(
            newly_interested,
            improvement_id=improvement.id,
            actor=actor,
            why="The person who validated it now owns or sponsors the improvement.",
        )
    # The people, team and programme follow their ids when next read.
    db.session.expire(improvement, ["owner", "sponsor", "team", "programme"])
    record_event(
        actor_id=actor.id,
        action="improvement.edited",
        subject_type="improvement",
        subject_id=improvement.id,
        subject_version=improvement.version,
        before={**before, **({"benefit_drivers": None} if drivers is not None else {})},
        after={
            **values,
            **({"benefit_drivers": sorted(d.code for d in drivers)} if drivers is not None else {}),
        },
    )
    return improvement
