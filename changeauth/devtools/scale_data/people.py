"""The organisation: service teams beside the reference ones, the people with their roles, the
programmes that group work, and how mature each benefit driver was over the years.

Everyone signs in with the demo password. It is hashed once with argon2id (a salt derived from the
seed, so the rows repeat) and the hash is shared: hashing hundreds of times would take minutes and
prove nothing. The nine demo accounts of ``changeauth demo`` are among the people, and, as there,
every account whose role needs a second factor is enrolled with the published demo TOTP key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from changeauth.devtools.demo_data import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS, demo_email
from changeauth.devtools.scale_data import texts
from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.scale import AlreadyFilled
from changeauth.domain.benefits import add_months
from changeauth.domain.roles import Role
from changeauth.domain.second_factor import second_factor_required
from changeauth.models import MaturityAssessment, Programme, Team, User, UserRole
from changeauth.services.users import password_hasher

EMAIL_DOMAIN = "scale.council.example"
# (email prefix, roles) of the generated people beside the demo accounts.
GENERATED_ROLES: dict[str, tuple[str, ...]] = {
    "da": (Role.STAFF.value, Role.DESIGN_AUTHORITY.value),
    "manager": (Role.STAFF.value, Role.MANAGER.value),
    "finance": (Role.STAFF.value, Role.FINANCE.value),
    "viewer": (Role.VIEWER.value,),
    "admin": (Role.STAFF.value, Role.ADMIN.value),
    "staff": (Role.STAFF.value,),
}
PROGRAMMES = (
    ("customer_access", "Customer access"),
    ("digital_by_default", "Digital by default"),
    ("smarter_working", "Smarter working"),
    ("income_and_debt", "Income and debt recovery"),
    ("housing_transformation", "Housing transformation"),
    ("place_services", "Place services redesign"),
    ("back_office", "Back office consolidation"),
    ("reform_readiness", "Ready for reorganisation"),
)


def generated_email(prefix: str, number: int) -> str:
    """A generated person's sign-in, e.g. ``staff.001@scale.council.example``."""
    return f"{prefix}.{number:03d}@{EMAIL_DOMAIN}"


@dataclass
class People:
    """Who is who, by id."""

    design_authority: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)
    finance: list[int] = field(default_factory=list)
    viewers: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)
    # Everyone who may submit and support ideas (the staff role).
    staff: list[int] = field(default_factory=list)
    team_of: dict[int, int | None] = field(default_factory=dict)
    # (id, starts on, ends on) of each programme.
    programmes: list[tuple[int, date, date]] = field(default_factory=list)

    def programme_on(self, day: date) -> int | None:
        running = [pid for pid, starts, ends in self.programmes if starts <= day <= ends]
        return running[0] if running else None


def shared_password_hash(seed: int) -> str:
    """The one argon2id hash of the demo password every generated account uses."""
    salt = hashlib.sha256(f"changeauth-scale-data:{seed}".encode()).digest()[:16]
    return password_hasher.hash(DEMO_PASSWORD, salt=salt)


def generate(build: Build) -> People:
    """Write teams, people and roles, programmes and driver maturity; return who is who."""
    with build.stage("People and organisation") as stage:
        rng = build.rng("people")
        scale = build.scale
        team_table, user_table, role_table = Team.__table__, User.__table__, UserRole.__table__
        teams = dict(build.reference.teams)
        parent = teams.get("council")
        new_teams = []
        for code, name in texts.SERVICE_TEAMS:
            if code not in teams:
                teams[code] = build.next_id(team_table)
                new_teams.append({"id": teams[code], "code": code, "name": name, "parent_id": parent})
        team_ids = [team_id for code, team_id in teams.items() if code != "council"]

        accounts: list[tuple[str, str, tuple[str, ...], int | None]] = [
            (demo_email(key), name, tuple(str(role) for role in roles), teams.get(team or ""))
            for key, (name, roles, team) in DEMO_USERS.items()
        ]
        wanted = {
            "da": scale.design_authority,
            "manager": scale.managers,
            "finance": scale.finance,
            "viewer": scale.viewers,
            "admin": scale.admins,
            "staff": scale.staff,
        }
        for prefix, count in wanted.items():
            for number in range(1, count + 1):
                team = None if prefix == "viewer" else rng.choice(team_ids)
                accounts.append(
                    (generated_email(prefix, number), texts.person_name(rng), GENERATED_ROLES[prefix], team)
                )

        emails = [account[0] for account in accounts]
        taken = sorted(build.session.scalars(select(User.email).where(User.email.in_(emails))))
        if taken:
            raise AlreadyFilled(
                f"These accounts already exist: {', '.join(taken[:3])}. Use an empty database."
            )
        password_hash = shared_password_hash(build.seed)
        people = People()
        users: list[dict[str, Any]] = []
        roles: list[dict[str, Any]] = []
        for email, name, role_names, team_id in accounts:
            user_id = build.next_id(user_table)
            joined = build.start + timedelta(days=rng.randint(0, 28), seconds=rng.randrange(86_400))
            enrolled = second_factor_required(role_names, required_for_all=False)
            users.append(
                {
                    "id": user_id,
                    "email": email,
                    "name": name,
                    "team_id": team_id,
                    "is_active": True,
                    "password_hash": password_hash,
                    "totp_secret": DEMO_TOTP_SECRET if enrolled else None,
                    "totp_enabled_at": joined if enrolled else None,
                    "totp_last_step": None,
                    "session_version": 1,
                    "created_at": joined,
                    "last_login_at": None,
                }
            )
            roles.extend({"user_id": user_id, "role": role} for role in sorted(role_names))
            _sort_into(people, user_id, role_names)
            people.team_of[user_id] = team_id
            build.events.add(
                joined,
                "user.created",
                "user",
                user_id,
                after={"email": email, "name": name, "roles": sorted(role_names), "team_id": team_id},
            )

        programmes = _programmes(build, people)
        maturity = _maturity(build)
        bar = stage.rows(len(new_teams) + len(users) + len(roles) + len(programmes) + len(maturity))
        build.write(team_table, new_teams, bar)
        build.write(user_table, users, bar)
        build.write(role_table, roles, bar)
        build.write(Programme.__table__, programmes, bar)
        build.write(MaturityAssessment.__table__, maturity, bar)
        return people


def _sort_into(people: People, user_id: int, roles: tuple[str, ...]) -> None:
    lists = {
        Role.DESIGN_AUTHORITY.value: people.design_authority,
        Role.MANAGER.value: people.managers,
        Role.FINANCE.value: people.finance,
        Role.VIEWER.value: people.viewers,
        Role.ADMIN.value: people.admins,
        Role.STAFF.value: people.staff,
    }
    for role in roles:
        lists[role].append(user_id)


def _programmes(build: Build, people: People) -> list[dict[str, object]]:
    """Overlapping programmes of two to three years each across the history."""
    rng = build.rng("programmes")
    table = Programme.__table__
    existing = set(build.session.scalars(select(table.c.code)))
    rows = []
    span = (build.end - build.start).days
    for index, (code, name) in enumerate(PROGRAMMES):
        if code in existing:
            continue
        starts = (build.start + timedelta(days=60 + index * (span - 800) // len(PROGRAMMES))).date()
        ends = add_months(starts, rng.randint(24, 36))
        programme_id = build.next_id(table)
        values = {
            "name": name,
            "description": f"{name}: the improvements the council grouped to deliver it.",
            "starts_on": starts,
            "ends_on": ends,
            "planned_investment_pence": rng.randint(50, 400) * 1_000_000,
            "planned_annual_benefit_pence": rng.randint(30, 300) * 1_000_000,
            "planned_fte_change": -Decimal(rng.randint(0, 120)) / 2,
        }
        rows.append({"id": programme_id, "code": code, "version": 1, **values})
        people.programmes.append((programme_id, starts, ends))
        build.events.add(
            datetime.combine(starts, datetime.min.time(), tzinfo=build.start.tzinfo) - timedelta(days=14),
            "programme.loaded",
            "programme",
            programme_id,
            after={
                "code": code,
                "name": name,
                "starts_on": starts.isoformat(),
                "ends_on": ends.isoformat(),
                "planned_investment_pence": values["planned_investment_pence"],
                "planned_annual_benefit_pence": values["planned_annual_benefit_pence"],
                "planned_fte_change": str(values["planned_fte_change"]),
            },
        )
    return rows


def _maturity(build: Build) -> list[dict[str, object]]:
    """Each driver's achievement, assessed every six months, rising unevenly towards its target."""
    rng = build.rng("maturity")
    table = MaturityAssessment.__table__
    rows = []
    for driver_id in build.reference.drivers.values():
        achieved = Decimal(rng.randint(35, 55))
        day = add_months(build.start.date().replace(day=1), 6) - timedelta(days=1)
        while day < build.anchor:
            rows.append(
                {
                    "id": build.next_id(table),
                    "driver_id": driver_id,
                    "assessed_on": day,
                    "achieved_pct": achieved,
                    "target_pct": Decimal(100),
                    "note": "Six-monthly review by the leadership team.",
                }
            )
            achieved = min(Decimal(98), achieved + Decimal(rng.randint(-10, 60)) / 10)
            day = add_months(day + timedelta(days=1), 6) - timedelta(days=1)
    return rows
