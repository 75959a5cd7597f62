"""Reference data for forms, filters and the API's /reference."""

from __future__ import annotations

from sqlalchemy import select

from changeauth import db
from changeauth.models import BenefitDriver, StrategicPriority, Team


def list_drivers() -> list[BenefitDriver]:
    return list(db.session.scalars(select(BenefitDriver).order_by(BenefitDriver.name)))


def list_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def list_priorities() -> list[StrategicPriority]:
    return list(db.session.scalars(select(StrategicPriority).order_by(StrategicPriority.code)))
