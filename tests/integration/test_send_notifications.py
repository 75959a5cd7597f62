"""The send-notifications job against a real SMTP server started by the test (aiosmtpd): each notification
is sent once, headers cannot be injected, and a refusing or unreachable server leaves the outbox for retry."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from changeauth.jobs import get_job
from changeauth.jobs.notifications import send_notifications
from changeauth.jobs.runner import run_job
from changeauth.models import Notification
from changeauth.services import notifications
from tests.factories import UserFactory

AS_OF = date(2026, 11, 29)


class Recorder:
    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted"


class Refuser:
    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        return "550 Mailbox unavailable"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _app_context(app: Flask, db_session: Any) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def smtp_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    try:
        yield recorder
    finally:
        controller.stop()


def _notify(user: Any, text: str, key: str) -> Notification:
    (notification,) = notifications.enqueue(user_ids=[user.id], kind="test", text=text, event_key=key)
    return notification


def test_each_notification_is_sent_once(db_session: Any, smtp_server: Recorder) -> None:
    person = UserFactory(email="dana@council.example")
    notification = _notify(person, "Your idea IMP-2026-0042 moved to business case.", "decision:1")
    first = run_job(get_job("send-notifications"), AS_OF)
    assert first.status == "succeeded" and first.counts["sent"] == 1
    # A later run (the next five-minute slot) finds nothing left to send.
    assert send_notifications(AS_OF)["sent"] == 0
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["dana@council.example"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Change authority: Your idea IMP-2026-0042 moved to business case."
    db_session.refresh(notification)
    assert notification.sent_at is not None and notification.send_attempts == 1


def test_text_cannot_inject_headers(db_session: Any, smtp_server: Recorder) -> None:
    person = UserFactory(email="sam@council.example")
    _notify(person, "Hello\r\nBcc: attacker@example.com\r\nSubject: pay now", "decision:2")
    assert send_notifications(AS_OF)["sent"] == 1
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["sam@council.example"]
    message = message_from_bytes(envelope.content)
    assert message["Bcc"] is None
    assert message.get_all("Subject") == [
        "Change authority: Hello Bcc: attacker@example.com Subject: pay now"
    ]


def test_a_refusing_server_keeps_the_notification_for_retry(
    app: Flask, db_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = UserFactory()
    notification = _notify(person, "A flag on your benefit.", "flag:1")
    refuser = Controller(Refuser(), hostname="127.0.0.1", port=_free_port())
    refuser.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{refuser.port}")
    try:
        counts = send_notifications(AS_OF)
    finally:
        refuser.stop()
    assert (counts["sent"], counts["failed"], counts["pending"]) == (0, 1, 1)
    db_session.refresh(notification)
    assert notification.sent_at is None and notification.send_attempts == 1
    assert "550" in (notification.last_error or "")

    recorder = Recorder()
    good = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    good.start()
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{good.port}")
    try:
        assert send_notifications(AS_OF)["sent"] == 1
    finally:
        good.stop()
    db_session.refresh(notification)
    assert notification.sent_at is not None and notification.send_attempts == 2
    assert notification.last_error is None and len(recorder.envelopes) == 1


def test_an_unreachable_server_stops_the_batch_and_keeps_everything(
    app: Flask, db_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = UserFactory()
    first = _notify(person, "One.", "event:1")
    second = _notify(person, "Two.", "event:2")
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{_free_port()}")
    counts = send_notifications(AS_OF)
    assert (counts["sent"], counts["failed"], counts["pending"]) == (0, 1, 2)
    db_session.refresh(first)
    db_session.refresh(second)
    assert (first.send_attempts, second.send_attempts) == (1, 0)
    assert first.sent_at is None and "ConnectionRefusedError" in (first.last_error or "")


def test_without_an_smtp_url_the_outbox_stays_in_the_app(
    app: Flask, db_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SMTP_URL", None)
    _notify(UserFactory(), "Hello.", "event:3")
    counts = send_notifications(AS_OF)
    assert (counts["sent"], counts["pending"]) == (0, 1)


def test_a_row_someone_else_claimed_is_not_sent_again(db_session: Any, smtp_server: Recorder) -> None:
    from changeauth.services import outbox

    notification = _notify(UserFactory(), "Once only.", "event:4")
    assert outbox.claim(notification.id) is True
    assert outbox.claim(notification.id) is False
    assert send_notifications(AS_OF)["sent"] == 0
    assert smtp_server.envelopes == []
