"""RES-02: with the mail server down, a decision still goes through (the notification waits in the outbox,
in the same transaction as the decision), and the next run of the send-notifications job retries it and
delivers once the server is back."""

from __future__ import annotations

import socket
from datetime import date
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from changeauth.jobs.notifications import send_notifications
from changeauth.models import Improvement, Notification
from changeauth.services import users as user_service
from tests.factories import ImprovementFactory, UserFactory

AS_OF = date(2026, 11, 29)


class Recorder:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens here once the socket closes


def test_a_decision_with_the_mail_server_down_is_made_and_mailed_later(
    app: Flask, db_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{_closed_port()}")
    submitter = UserFactory(email="submitter@council.example")
    member = UserFactory(design_authority=True)
    idea = ImprovementFactory(submitter=submitter)
    token, _ = user_service.issue_api_token(member, name="t", actor_id=member.id)
    db_session.commit()

    response = app.test_client().post(
        f"/api/v1/improvements/{idea.id}/decisions",
        json={
            "gate": "G0",
            "decision": "stop",
            "rationale": "Already covered by the bins review.",
            "version": 1,
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    db_session.expire_all()
    assert db_session.get(Improvement, idea.id).stage == "declined"
    (queued,) = db_session.scalars(select(Notification).where(Notification.user_id == submitter.id)).all()
    assert queued.sent_at is None

    with app.app_context():
        down = send_notifications(AS_OF)
    assert (down["sent"], down["failed"], down["pending"]) == (0, 1, 1)
    db_session.refresh(queued)
    assert queued.sent_at is None and queued.send_attempts == 1 and queued.last_error

    recorder = Recorder()
    server = Controller(recorder, hostname="127.0.0.1", port=_closed_port())
    server.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    try:
        with app.app_context():
            back = send_notifications(AS_OF)
    finally:
        server.stop()
    assert (back["sent"], back["pending"]) == (1, 0)
    (envelope,) = recorder.envelopes
    assert envelope.rcpt_tos == ["submitter@council.example"]
    assert message_from_bytes(envelope.content)["Subject"].startswith("Change authority: ")
    db_session.refresh(queued)
    assert queued.sent_at is not None and queued.send_attempts == 2
