"""Reading users."""

from __future__ import annotations

from changeauth import db
from changeauth.models import User


def find_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)
