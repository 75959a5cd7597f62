"""The nightly audit-chain check: verify, record that the check ran, and alert administrators once per
break (the dedupe key names the first broken event, so a break already reported is not reported again)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from changeauth import db
from changeauth.domain.roles import Role
from changeauth.models import User, UserRole
from changeauth.services import notifications
from changeauth.services.audit import record_event, verify_audit_chain


def _administrator_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(UserRole.user_id)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == Role.ADMIN.value, User.is_active.is_(True))
        )
    )


def check_audit_chain(as_of: date) -> dict[str, int]:
    """Verify the whole chain and append one ``audit.chain_verified`` event. Flushes, does not commit."""
    report = verify_audit_chain()
    record_event(
        actor_id=None,
        action="audit.chain_verified",
        subject_type="audit_log",
        subject_id=None,
        after={
            "as_of": as_of,
            "ok": report.ok,
            "events": report.events,
            "first_broken_id": report.first_broken_id,
        },
    )
    notified = 0
    if not report.ok:
        notified = len(
            notifications.enqueue(
                user_ids=_administrator_ids(),
                kind="audit.chain_broken",
                text=(
                    f"The audit log's hash chain does not verify: event {report.first_broken_id} "
                    "or one before it has been changed or removed."
                ),
                event_key=f"audit-chain-broken:{report.first_broken_id}",
                subject_type="audit_event",
                subject_id=report.first_broken_id,
            )
        )
    counts = {"ok": int(report.ok), "events": report.events, "raised": 0, "resolved": 0, "notified": notified}
    if report.first_broken_id is not None:
        counts["first_broken_id"] = report.first_broken_id
    return counts
