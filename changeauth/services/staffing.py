"""The like-for-like register of a staffing saving: its price base and on-cost rates, the posts before
and after the change, and the pay awards that restate it (docs/benefits-and-resources.md).

Who may: as for the benefit's profile (the improvement's owner or the design authority; a programme's
saving the design authority), for a cashable saving in pounds that is still open. Each use case checks
permission first (403), then the benefit's state (409), then the values (422), and writes nothing until
all pass; the price base and each post are guarded by their versions. One audit event per change. The
people who record the register are counted among the benefit's recorders, so none of them validates it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain import staffing as rules
from changeauth.domain.benefits import CashClass
from changeauth.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from changeauth.models import Benefit, BenefitPayAward, BenefitPost, BenefitStaffing, Improvement, User
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event
from changeauth.services.benefits import GBP, PROFILE_STAGES
from changeauth.services.guards import expect_version, flush_guarded

NOTE_MAX = 2_000
POST_FIELDS = ("side", "title", "grade", "annual_salary_pence", "fte", "in_scope", "note")


def _writable(benefit_or_id: Benefit | int, actor: User) -> Benefit:
    benefit = benefit_or_id if isinstance(benefit_or_id, Benefit) else db.session.get(Benefit, benefit_or_id)
    if benefit is None:
        raise NotFound("There is no benefit with that number.")
    improvement = db.session.get(Improvement, benefit.improvement_id) if benefit.improvement_id else None
    facts = access_to(improvement, actor).improvement if improvement is not None else None
    if not permissions.can_edit_benefit_profile(actor.as_actor(), facts):
        raise PermissionDenied(
            "Only the improvement's owner or the design authority keeps the register of a staffing saving."
        )
    if benefit.cash_class is not CashClass.CASHABLE or benefit.unit != GBP:
        raise InvalidTransition("A register of posts is kept only for a cashable saving measured in pounds.")
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed; its register can no longer change.")
    if improvement is not None and improvement.stage not in PROFILE_STAGES:
        raise InvalidTransition("The register is kept from the business case stage until closure.")
    return benefit


def _settings(benefit_id: int) -> BenefitStaffing | None:
    return db.session.scalar(select(BenefitStaffing).where(BenefitStaffing.benefit_id == benefit_id))


def _post_state(post: BenefitPost) -> dict[str, Any]:
    return {field: getattr(post, field) for field in POST_FIELDS}


def _event(actor: User, benefit: Benefit, action: str, **details: Any) -> None:
    record_event(
        actor_id=actor.id,
        action=action,
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        **details,
    )


def set_price_base(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None,
    price_base_year: int | None,
    employer_ni_pct: Decimal | None,
    pension_pct: Decimal | None,
) -> BenefitStaffing:
    """Set the register's price base (the financial year whose pay the salaries are at) and the
    employer's on-cost rates (National Insurance, pension) that apply to both sides. ``expected_version``
    is the version read (0 when none was set). Flushes, does not commit."""
    benefit = _writable(benefit_or_id, actor)
    errors = rules.validate_on_costs(
        price_base_year=price_base_year, employer_ni_pct=employer_ni_pct, pension_pct=pension_pct
    )
    if errors:
        raise ValidationFailed(errors)
    assert price_base_year is not None and employer_ni_pct is not None and pension_pct is not None
    row = _settings(benefit.id)
    if row is None:
        if expected_version not in (None, 0):
            raise VersionConflict()
        row = BenefitStaffing(
            benefit_id=benefit.id,
            price_base_year=price_base_year,
            employer_ni_pct=employer_ni_pct,
            pension_pct=pension_pct,
            updated_by_id=actor.id,
            updated_at=db.utcnow(),
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError as error:  # set by someone else at the same moment
            raise VersionConflict() from error
        before = None
    else:
        expect_version(row, expected_version)
        before = {
            "price_base_year": row.price_base_year,
            "employer_ni_pct": row.employer_ni_pct,
            "pension_pct": row.pension_pct,
        }
        if (row.price_base_year, row.employer_ni_pct, row.pension_pct) == (
            price_base_year,
            employer_ni_pct,
            pension_pct,
        ):
            return row
        row.price_base_year, row.employer_ni_pct, row.pension_pct = (
            price_base_year,
            employer_ni_pct,
            pension_pct,
        )
        row.updated_by_id, row.updated_at = actor.id, db.utcnow()
        flush_guarded()
    _event(
        actor,
        benefit,
        "benefit.register_price_base_set",
        before=before,
        after={
            "price_base_year": price_base_year,
            "employer_ni_pct": employer_ni_pct,
            "pension_pct": pension_pct,
        },
    )
    return row


def _post_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors = rules.validate_post(
        side=values.get("side"),
        title=values.get("title"),
        grade=values.get("grade"),
        annual_salary_pence=values.get("annual_salary_pence"),
        fte=values.get("fte"),
    )
    if not isinstance(values.get("in_scope"), bool):
        errors.setdefault("in_scope", []).append("Say whether the post is in the saving's scope.")
    if len(values.get("note") or "") > NOTE_MAX:
        errors.setdefault("note", []).append(f"Keep the note to {NOTE_MAX:,} characters or fewer.")
    return errors


def add_post(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    side: str | None,
    title: str | None,
    grade: str | None,
    annual_salary_pence: int | None,
    fte: Decimal | None,
    in_scope: bool | None,
    note: str = "",
) -> BenefitPost:
    """Add a post to the register, before or after the change, in scope or not. The price base comes
    first, as it says what pay the salary is at. Flushes, does not commit."""
    benefit = _writable(benefit_or_id, actor)
    if _settings(benefit.id) is None:
        raise InvalidTransition("Set the price base and on-cost rates before adding posts.")
    values = {
        "side": side,
        "title": title,
        "grade": grade,
        "annual_salary_pence": annual_salary_pence,
        "fte": fte,
        "in_scope": in_scope,
        "note": note,
    }
    errors = _post_errors(values)
    if errors:
        raise ValidationFailed(errors)
    post = BenefitPost(
        benefit_id=benefit.id,
        side=side,
        title=(title or "").strip(),
        grade=(grade or "").strip(),
        annual_salary_pence=annual_salary_pence,
        fte=fte,
        in_scope=in_scope,
        note=(note or "").strip(),
        recorded_by_id=actor.id,
        recorded_at=db.utcnow(),
    )
    db.session.add(post)
    db.session.flush()
    _event(actor, benefit, "benefit.register_post_added", after={"post_id": post.id, **_post_state(post)})
    return post


def _post_of(benefit: Benefit, post_id: int) -> BenefitPost:
    post = db.session.scalar(
        select(BenefitPost).where(BenefitPost.id == post_id, BenefitPost.benefit_id == benefit.id)
    )
    if post is None:
        raise NotFound("There is no such post in this benefit's register.")
    return post


def change_post(
    benefit_or_id: Benefit | int,
    post_id: int,
    *,
    actor: User,
    expected_version: int | None,
    changes: dict[str, Any],
) -> BenefitPost:
    """Change a post (its grade, salary, FTE, scope, ...): the saving is recomputed like for like from the
    register. ``expected_version`` is the post's version read. Flushes, does not commit."""
    benefit = _writable(benefit_or_id, actor)
    post = _post_of(benefit, post_id)
    unknown = sorted(set(changes) - set(POST_FIELDS))
    if unknown:
        raise ValidationFailed({name: ["This field cannot be changed."] for name in unknown})
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the post you read."]})
    expect_version(post, expected_version)
    merged = {**_post_state(post), **changes}
    errors = _post_errors(merged)
    if errors:
        raise ValidationFailed(errors)
    before = _post_state(post)
    post.side = merged["side"]
    post.title = str(merged["title"]).strip()
    post.grade = str(merged["grade"]).strip()
    post.annual_salary_pence = merged["annual_salary_pence"]
    post.fte = merged["fte"]
    post.in_scope = merged["in_scope"]
    post.note = str(merged["note"] or "").strip()
    post.recorded_by_id = actor.id
    if _post_state(post) == before:
        return post
    flush_guarded()
    _event(
        actor,
        benefit,
        "benefit.register_post_changed",
        before=before,
        after={"post_id": post.id, **_post_state(post)},
    )
    return post


def remove_post(
    benefit_or_id: Benefit | int, post_id: int, *, actor: User, expected_version: int | None
) -> None:
    """Take a post out of the register (recorded by mistake); the audit log keeps what it was."""
    benefit = _writable(benefit_or_id, actor)
    post = _post_of(benefit, post_id)
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the post you read."]})
    expect_version(post, expected_version)
    before = {"post_id": post.id, **_post_state(post)}
    db.session.delete(post)
    flush_guarded()
    _event(actor, benefit, "benefit.register_post_removed", before=before)


def record_pay_award(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    financial_year: int | None,
    pay_award_pct: Decimal | None,
) -> BenefitPayAward:
    """Record (or correct) the pay award of a financial year after the price base, so the register is
    restated at that year's pay. Flushes, does not commit."""
    benefit = _writable(benefit_or_id, actor)
    settings = _settings(benefit.id)
    if settings is None:
        raise InvalidTransition("Set the price base and on-cost rates before recording pay awards.")
    errors = rules.validate_pay_award(
        financial_year=financial_year, pay_award_pct=pay_award_pct, price_base_year=settings.price_base_year
    )
    if errors:
        raise ValidationFailed(errors)
    assert financial_year is not None and pay_award_pct is not None
    row = db.session.scalar(
        select(BenefitPayAward).where(
            BenefitPayAward.benefit_id == benefit.id, BenefitPayAward.financial_year == financial_year
        )
    )
    before = None if row is None else {"financial_year": financial_year, "pay_award_pct": row.pay_award_pct}
    if row is None:
        row = BenefitPayAward(
            benefit_id=benefit.id, financial_year=financial_year, pay_award_pct=pay_award_pct
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                row.recorded_by_id, row.recorded_at = actor.id, db.utcnow()
                db.session.flush()
        except IntegrityError as error:
            raise VersionConflict() from error
    elif row.pay_award_pct == pay_award_pct:
        return row
    else:
        row.pay_award_pct = pay_award_pct
        row.recorded_by_id, row.recorded_at = actor.id, db.utcnow()
        db.session.flush()
    _event(
        actor,
        benefit,
        "benefit.register_pay_award_recorded",
        before=before,
        after={"financial_year": financial_year, "pay_award_pct": pay_award_pct},
    )
    return row
