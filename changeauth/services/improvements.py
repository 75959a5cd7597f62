"""Submitting and editing improvements (stage changes live in the transition service)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.errors import PermissionDenied, ValidationFailed
from changeauth.domain.improvements import TEXT_MAX, TITLE_MAX, TITLE_MIN, format_ref
from changeauth.domain.lifecycle import Stage, Status
from changeauth.models import BenefitDriver, Improvement, Team, User
from changeauth.services.audit import record_event


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
) -> Improvement:
    """A member of staff submits an idea: it starts at stage ``idea``, status ``submitted``.

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
    improvement.ref = format_ref(now.year, improvement.id)
    db.session.flush()
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
