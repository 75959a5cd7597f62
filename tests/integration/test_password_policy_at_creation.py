"""AUTH-02 at registration: an account created with a password (``changeauth users create
--password-stdin``) meets the same policy as a change."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from changeauth.domain.errors import ValidationFailed
from changeauth.models import User
from changeauth.services import users as user_service


@pytest.mark.parametrize("password", ["short", "qwertyuiop123456", "Your Council 2026"])
def test_the_service_refuses_a_weak_password(db_session: Any, password: str) -> None:
    with pytest.raises(ValidationFailed) as failure:
        user_service.create_user(
            email="new@council.example",
            name="New",
            roles=["staff"],
            password=password,
            org_name="Your Council",
        )
    assert list(failure.value.fields) == ["password"]


def test_the_command_line_refuses_a_common_password(app: Flask, db_session: Any) -> None:
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "new@council.example",
            "--name",
            "New",
            "--role",
            "staff",
            "--password-stdin",
        ],
        input="password1234567\n",
    )
    assert result.exit_code != 0
    assert "too common" in result.output
    assert db_session.scalar(select(User).where(User.email == "new@council.example")) is None
