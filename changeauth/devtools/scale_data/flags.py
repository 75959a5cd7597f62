"""Flags as the scheduled jobs would have left them on the anchor day: the stale-benefits,
temporary-resources, overdue-conditions, hold-reviews and triage-SLA sweeps are run as of that day,
through the same services the jobs call. The notifications they queue are dated that morning and
marked sent, so the data is the same on every run and a fresh database sends no mail backlog."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from changeauth.devtools.scale_data.context import Build
from changeauth.models import Flag, Notification
from changeauth.services import monitoring
from changeauth.services.condition_monitoring import sweep_overdue_conditions

SWEEPS = 5


def generate(build: Build) -> None:
    """Run each sweep once as of the anchor day."""
    table = Notification.__table__
    with build.stage("Flags") as stage:
        bar = stage.rows(SWEEPS)
        before = build.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
        as_of, rules = build.anchor, build.rules
        monitoring.sweep_stale_benefits(as_of, grace_days=rules.benefit_grace_days)
        bar.update(1)
        monitoring.sweep_temporary_resources(as_of)
        bar.update(1)
        sweep_overdue_conditions(as_of)
        bar.update(1)
        monitoring.sweep_hold_reviews(as_of)
        bar.update(1)
        monitoring.sweep_triage_sla(
            as_of, working_days=rules.triage_sla_working_days, zone=ZoneInfo(rules.timezone)
        )
        bar.update(1)
        morning = datetime.combine(as_of, time(6), tzinfo=build.end.tzinfo)
        build.session.execute(
            update(table).where(table.c.id > before).values(created_at=morning, sent_at=morning)
        )
        stage.total = int(build.session.scalar(select(func.count()).select_from(Flag.__table__)) or 0)
    build.writer.counts["flag"] = stage.total
