"""Loading the worked example from the council's report: the programme, driver maturity, the
improvements and the demo users. Idempotent: rows are matched by natural key and never duplicated."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from changeauth import db
from changeauth.domain.roles import Role
from changeauth.domain.second_factor import second_factor_required
from changeauth.domain.working_days import subtract_working_days
from changeauth.models import (
    BenefitDriver,
    Improvement,
    MaturityAssessment,
    Programme,
    ProgrammeFigure,
    StrategicPriority,
    Team,
    User,
)
from changeauth.queries import clock
from changeauth.services.audit import record_event
from changeauth.services.improvements import submit_idea, update_improvement
from changeauth.services.reference_data import UpsertCounts
from changeauth.services.users import create_user

DEMO_PASSWORD = "changeauth-demo-2026"
DEMO_EMAIL_DOMAIN = "demo.council.example"
# Demo accounts whose role needs a second factor are enrolled with this published TOTP key (base32), so a
# newcomer can add it to an authenticator app (or compute a code with pyotp). Demo data only.
DEMO_TOTP_SECRET = "CHANGEAUTHDEMOTOTPKEYFORTRYINGIT"

# key -> (name, roles, team code). A quorum of three independent DA members is needed for G1–G3, and the
# first DA member sponsors the example work, so three more can still score it and attend its gates.
# The design authority member who assigns the report's recommendations to their programme.
PROGRAMME_ASSIGNED_BY = "design_authority_2"
DEMO_USERS: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "staff": ("Sam Staff", (Role.STAFF,), "customer_connect"),
    "manager": ("Morgan Manager", (Role.STAFF, Role.MANAGER), "customer_connect"),
    "design_authority": ("Dana Design", (Role.STAFF, Role.DESIGN_AUTHORITY), "senior_leadership_team"),
    "design_authority_2": (
        "Devi Authority",
        (Role.STAFF, Role.DESIGN_AUTHORITY),
        "leadership_management_team",
    ),
    "design_authority_3": (
        "Drew Assessor",
        (Role.STAFF, Role.DESIGN_AUTHORITY),
        "leadership_management_team",
    ),
    "design_authority_4": ("Dee Reviewer", (Role.STAFF, Role.DESIGN_AUTHORITY), "customer_connect"),
    "finance": ("Frankie Finance", (Role.STAFF, Role.FINANCE), None),
    "viewer": ("Vic Viewer (scrutiny)", (Role.VIEWER,), None),
    "admin": ("Ari Admin", (Role.STAFF, Role.ADMIN), None),
}


def demo_email(key: str) -> str:
    return f"{key.replace('_', '.')}@{DEMO_EMAIL_DOMAIN}"


def ensure_demo_users(password: str = DEMO_PASSWORD) -> dict[str, User]:
    """One demo account per role (and three DA members). Existing accounts are left as they are, except
    that one whose role needs a second factor and has none is enrolled with ``DEMO_TOTP_SECRET``."""
    users: dict[str, User] = {}
    for key, (name, roles, team_code) in DEMO_USERS.items():
        email = demo_email(key)
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            team_exists = team_code and db.session.scalar(select(Team.id).where(Team.code == team_code))
            user = create_user(
                email=email,
                name=name,
                roles=[str(role) for role in roles],
                team_code=team_code if team_exists else None,
                password=password,
            )
        if user.totp_secret is None and second_factor_required(user.roles, required_for_all=False):
            user.totp_secret = DEMO_TOTP_SECRET
            user.totp_enabled_at = db.utcnow()
            db.session.flush()
        users[key] = user
    return users


def load_programme(row: Mapping[str, Any], counts: UpsertCounts) -> Programme:
    programme = db.session.scalar(select(Programme).where(Programme.code == row["code"]))
    case = row.get("business_case", {})
    values = {
        "name": row["name"],
        "description": row.get("description", ""),
        "starts_on": row.get("starts_on"),
        "ends_on": row.get("ends_on"),
        "planned_investment_pence": int(case.get("invested_pence", 0)),
        "planned_annual_benefit_pence": int(case.get("annual_benefit_pence", 0)),
        "planned_fte_change": -Decimal(str(case.get("fte_reduction", 0))),
    }
    if programme is None:
        programme = Programme(code=row["code"], **values)
        db.session.add(programme)
        db.session.flush()
        counts.add("programme", "created")
        record_event(
            actor_id=None,
            action="programme.loaded",
            subject_type="programme",
            subject_id=programme.id,
            after={"code": programme.code, **{k: v for k, v in values.items() if k != "description"}},
        )
    else:
        counts.add("programme", "unchanged")
    return programme


def load_programme_figures(
    programme: Programme, rows: Iterable[Mapping[str, Any]], counts: UpsertCounts
) -> None:
    """The report's context figures for the programme (``programme.yaml`` ``figures:``), keyed
    (programme, key): a second load changes nothing. Seed data, so no audit event."""
    have = set(
        db.session.scalars(select(ProgrammeFigure.key).where(ProgrammeFigure.programme_id == programme.id))
    )
    for position, row in enumerate(rows, start=1):
        if row["key"] in have:
            counts.add("programme_figure", "unchanged")
            continue
        db.session.add(
            ProgrammeFigure(
                programme_id=programme.id,
                key=row["key"],
                label=row["label"],
                value=Decimal(str(row["value"])),
                kind=row["kind"],
                source=f"The close-down report, {row['section']}",
                position=position,
            )
        )
        counts.add("programme_figure", "created")
    db.session.flush()


def load_maturity(rows: Iterable[Mapping[str, Any]], counts: UpsertCounts) -> None:
    drivers = dict(db.session.execute(select(BenefitDriver.code, BenefitDriver.id)).all())
    for row in rows:
        driver_id = drivers[row["driver"]]
        exists = db.session.scalar(
            select(MaturityAssessment.id).where(
                MaturityAssessment.driver_id == driver_id,
                MaturityAssessment.assessed_on == row["assessed_on"],
            )
        )
        if exists:
            counts.add("maturity_assessment", "unchanged")
            continue
        db.session.add(
            MaturityAssessment(
                driver_id=driver_id,
                assessed_on=row["assessed_on"],
                achieved_pct=Decimal(str(row["achieved_pct"])),
                target_pct=Decimal(str(row.get("target_pct", 100))),
                note=row.get("note", ""),
            )
        )
        counts.add("maturity_assessment", "created")
    db.session.flush()


def _created_at(ref: str, index: int) -> datetime:
    year = int(ref.split("-")[1])
    return datetime(year, 1, 4, 9, 0, tzinfo=UTC) + timedelta(days=7 * index)


def _at_nine(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def demo_day(value: date | Mapping[str, Any] | None, loaded_on: date) -> date | None:
    """A day as the demo seeds give it (seeds/README.md, "Dates"): a fixed ``YYYY-MM-DD``, or
    ``{working_days_ago: N}``, N working days before the day the demo is loaded, for the live work whose
    ages should read as a working backlog whenever it is loaded."""
    if value is None or isinstance(value, date):
        return value
    return subtract_working_days(loaded_on, int(value["working_days_ago"]))


def submitted_at(row: Mapping[str, Any], index: int, loaded_on: date) -> datetime:
    """When the item was submitted (seeds/demo/improvements.yaml, "Dates"): the live queue counted back in
    working days from ``loaded_on``, the rest on fixed dates, at 09:00 UTC."""
    if row.get("submitted_working_days_ago") is not None:
        return _at_nine(subtract_working_days(loaded_on, int(row["submitted_working_days_ago"])))
    submitted_on = demo_day(row.get("submitted_on"), loaded_on)
    return _at_nine(submitted_on) if submitted_on else _created_at(row["ref"], index)


# A step of the history: the instant it happened, its place among steps at that instant, and the step.
HistoryStep = tuple[datetime, int, Callable[[], None]]
# Submitting comes first among the steps at one instant.
SUBMITTED_FIRST = -100


def submission_steps(
    rows: Sequence[Mapping[str, Any]],
    users: Mapping[str, User],
    programme: Programme | None,
    counts: UpsertCounts,
    *,
    loaded_on: date | None = None,
) -> list[HistoryStep]:
    """Each example improvement not yet loaded, submitted by its submitter through the submit service at
    the instant it was submitted (a step of the history, run under ``db.clock_at``); the live queue is
    dated from ``loaded_on`` (the council's today by default), so its ages make sense on any day. Where it
    goes from there is its decisions' work (``demo_decisions``)."""
    existing = set(db.session.scalars(select(Improvement.ref)))
    steps: list[HistoryStep] = []
    for index, row in enumerate(rows):
        if row["ref"] in existing:
            counts.add("improvement", "unchanged")
            continue
        at = submitted_at(row, index, loaded_on or clock.today())
        steps.append((at, SUBMITTED_FIRST, partial(_submit, row, users, programme, counts)))
    return steps


def _submit(
    row: Mapping[str, Any], users: Mapping[str, User], programme: Programme | None, counts: UpsertCounts
) -> None:
    """Submit the idea as its submitter did, through the submit service. What the submission form does not
    ask for is then set as the council recorded it: the strategic priorities and the leadership team's
    published priority (seed data, no form asks for them), and, for the report's recommendations, the
    programme they belong to, assigned by a design authority member through the improvements service."""
    improvement = submit_idea(
        users[row.get("submitter", "staff")],
        title=row["title"],
        problem=row.get("problem", ""),
        proposal=row.get("proposal", ""),
        expected_effect=row.get("expected_effect", ""),
        driver_codes=row.get("drivers", []),
        team_code=row.get("team"),
        is_anonymous=bool(row.get("is_anonymous", False)),
        ref=row["ref"],
    )
    codes = row.get("priorities", [])
    # A new idea has no priorities yet: say so rather than load them (the relationship never lazy-loads).
    set_committed_value(improvement, "priorities", [])
    improvement.priorities = list(
        db.session.scalars(select(StrategicPriority).where(StrategicPriority.code.in_(codes)))
    )
    improvement.leadership_priority = row.get("leadership_priority")
    db.session.flush()
    counts.add("improvement", "created")
    if programme is not None and row.get("source", "").startswith("report §4"):
        update_improvement(
            improvement,
            actor=users[PROGRAMME_ASSIGNED_BY],
            expected_version=improvement.version,
            changes={"programme": programme.code},
        )
