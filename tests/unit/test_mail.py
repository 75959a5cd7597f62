"""SMTP settings from CHANGEAUTH_SMTP_URL and header-safe subjects."""

from __future__ import annotations

import pytest

from changeauth.services.mail import SmtpUrlError, build_message, header_safe, parse_smtp_url


def test_plain_starttls_and_tls_urls() -> None:
    plain = parse_smtp_url("smtp://mail.council.example:2525", sender="changeauth@council.example")
    assert (plain.host, plain.port, plain.use_tls, plain.starttls, plain.username) == (
        "mail.council.example",
        2525,
        False,
        False,
        None,
    )
    upgraded = parse_smtp_url("smtp+starttls://relay:587", sender="x@y")
    assert upgraded.starttls and not upgraded.use_tls
    secure = parse_smtp_url("smtps://bot%40council.example:p%40ss@relay", sender="x@y")
    assert (secure.port, secure.use_tls, secure.username, secure.password) == (
        465,
        True,
        "bot@council.example",
        "p@ss",
    )


@pytest.mark.parametrize("url", ["http://relay", "smtp://", "relay:25", ""])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(SmtpUrlError):
        parse_smtp_url(url, sender="x@y")


def test_header_values_are_one_line_and_bounded() -> None:
    assert header_safe("Decision\r\nBcc: a@b\tnow") == "Decision Bcc: a@b now"
    long = header_safe("word " * 60, limit=20)
    assert len(long) == 20 and long.endswith("…")


def test_a_message_cannot_carry_extra_headers() -> None:
    settings = parse_smtp_url("smtp://relay:25", sender="changeauth@council.example")
    message = build_message(
        settings, to="dana@council.example", subject="Hi\nBcc: x@evil.example", body="Body"
    )
    assert message["Bcc"] is None and message["Subject"] == "Hi Bcc: x@evil.example"
