"""The demo accounts whose role needs a second factor are enrolled with the published demo key, so the
worked example's sign-ins work (``changeauth demo`` prints the key); other demo accounts are not."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from changeauth.devtools.demo_data import DEMO_TOTP_SECRET, DEMO_USERS, demo_email
from changeauth.devtools.worked_example import load_demo
from changeauth.domain.second_factor import second_factor_required
from changeauth.models import User


def test_demo_people_who_need_a_second_factor_have_the_demo_key(db_session: Any) -> None:
    load_demo()
    for key in DEMO_USERS:
        user = db_session.scalar(select(User).where(User.email == demo_email(key)))
        expected = DEMO_TOTP_SECRET if second_factor_required(user.roles, required_for_all=False) else None
        assert user.totp_secret == expected, key
