"""A person's notifications and their unread count."""

from __future__ import annotations

from sqlalchemy import func, select

from changeauth import db
from changeauth.models import Notification
from changeauth.queries.pagination import Page, clamp_page


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def list_notifications(user_id: int, *, page: int | None = None) -> Page[Notification]:
    page, per_page = clamp_page(page, 50)
    base = select(Notification).where(Notification.user_id == user_id)
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    items = db.session.scalars(
        base.order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items=items, page=page, per_page=per_page, total=total)
