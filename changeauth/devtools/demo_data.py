"""Loading the worked example from the council's report: the programme, driver maturity, the
improvements and the demo users. Idempotent: rows are matched by natural key and never duplicated."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth import db
from changeauth.domain.lifecycle import Route, Stage, status_for_stage
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
from changeauth.services.reference_data import UpsertCounts
from changeauth.services.users import create_user

DEMO_PASSWORD = "changeauth-demo-2026"
DEMO_EMAIL_DOMAIN = "demo.council.example"
# Demo accounts whose role needs a second factor are enrolled with this published TOTP key (base32), so a
# newcomer can add it to an authenticator app (or compute a code with pyotp). Demo data only.
DEMO_TOTP_SECRET = "CHANGEAUTHDEMOTOTPKEYFORTRYINGIT"

# key -> (name, roles, team code). A quorum of three independent DA members is needed for G1–G3, and the
# first DA member sponsors the example work, so three more can still score it and attend its gates.
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


def _dates(row: Mapping[str, Any], index: int, loaded_on: date) -> tuple[datetime, datetime]:
    """When the item was recorded and when it entered its stage (seeds/demo/improvements.yaml, "Dates"):
    the live queue counted back in working days from ``loaded_on``, the rest on fixed dates. An item with
    decisions enters its stage on the date of the decision that put it there (``load_demo_decisions``)."""
    if row.get("submitted_working_days_ago") is not None:
        submitted = _at_nine(subtract_working_days(loaded_on, int(row["submitted_working_days_ago"])))
        return submitted, submitted
    submitted_on = demo_day(row.get("submitted_on"), loaded_on)
    created = _at_nine(submitted_on) if submitted_on else _created_at(row["ref"], index)
    in_stage_since = demo_day(row.get("in_stage_since"), loaded_on)
    return created, _at_nine(in_stage_since) if in_stage_since else created


def load_improvements(
    rows: Iterable[Mapping[str, Any]],
    users: Mapping[str, User],
    programme: Programme | None,
    counts: UpsertCounts,
    *,
    loaded_on: date | None = None,
) -> None:
    """Create the example improvements in the stages the worked example shows them in; the live queue is
    dated from ``loaded_on`` (the council's today by default), so its ages make sense on any day."""
    drivers = {d.code: d for d in db.session.scalars(select(BenefitDriver))}
    priorities = {p.code: p for p in db.session.scalars(select(StrategicPriority))}
    teams = dict(db.session.execute(select(Team.code, Team.id)).all())
    existing = set(db.session.scalars(select(Improvement.ref)))
    for index, row in enumerate(rows):
        if row["ref"] in existing:
            counts.add("improvement", "unchanged")
            continue
        stage = Stage(row.get("stage", Stage.IDEA.value))
        created, in_stage_from = _dates(row, index, loaded_on or clock.today())
        held_from = (
            Stage(row.get("held_from_stage", Stage.BUSINESS_CASE.value)) if stage is Stage.ON_HOLD else None
        )
        owner = users.get(row["owner"]) if row.get("owner") else None
        improvement = Improvement(
            ref=row["ref"],
            title=row["title"],
            problem=row.get("problem", ""),
            proposal=row.get("proposal", ""),
            expected_effect=row.get("expected_effect", ""),
            submitter_id=users[row.get("submitter", "staff")].id,
            is_anonymous=bool(row.get("is_anonymous", False)),
            team_id=teams.get(row.get("team") or ""),
            owner_id=owner.id if owner else None,
            sponsor_id=users["design_authority"].id if stage not in (Stage.IDEA,) and owner else None,
            programme_id=programme.id
            if programme and row.get("source", "").startswith("report §4")
            else None,
            leadership_priority=row.get("leadership_priority"),
            route=row.get("route", Route.STANDARD.value),
            stage=stage.value,
            status=row.get("status") or status_for_stage(stage).value,
            is_mandatory=bool(row.get("is_mandatory", False)),
            held_from_stage=held_from.value if held_from else None,
            hold_until=row.get("hold_until") or (date(2027, 3, 31) if held_from else None),
            drivers=[drivers[code] for code in row.get("drivers", [])],
            priorities=[priorities[code] for code in row.get("priorities", []) if code in priorities],
            created_at=created,
            updated_at=in_stage_from,
            stage_changed_at=in_stage_from,
        )
        db.session.add(improvement)
        db.session.flush()
        counts.add("improvement", "created")
        record_event(
            actor_id=None,
            action="improvement.loaded",
            subject_type="improvement",
            subject_id=improvement.id,
            subject_version=improvement.version,
            after={"ref": improvement.ref, "stage": improvement.stage, "source": row.get("source")},
        )
