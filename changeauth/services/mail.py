"""Sending email over SMTP (``CHANGEAUTH_SMTP_URL``), with the standard library's ``smtplib``.

URLs: ``smtp://host:port`` (plain), ``smtp+starttls://host:port`` (upgrade with STARTTLS) and
``smtps://host:port`` (TLS from the start); ``user:password@`` in the URL signs in. Header values are
made single-line, so text from people can never add headers.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT_SECONDS = 15
SUBJECT_MAX = 100
_SCHEMES = {"smtp": (25, False, False), "smtp+starttls": (587, False, True), "smtps": (465, True, False)}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class SmtpUrlError(ValueError):
    """``CHANGEAUTH_SMTP_URL`` cannot be used."""


class SendFailed(Exception):
    """One message was not accepted. ``connection_lost`` says whether later messages would fail too."""

    def __init__(self, message: str, *, connection_lost: bool) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    use_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    sender: str


def parse_smtp_url(url: str, *, sender: str) -> SmtpSettings:
    parts = urlsplit(url)
    if parts.scheme not in _SCHEMES or not parts.hostname:
        raise SmtpUrlError(
            "CHANGEAUTH_SMTP_URL must look like smtp://host:port, smtp+starttls:// or smtps://"
        )
    default_port, use_tls, starttls = _SCHEMES[parts.scheme]
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        use_tls=use_tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


def header_safe(text: str, *, limit: int = SUBJECT_MAX) -> str:
    """One line of text for a header: control characters (CR, LF, tabs) become spaces; cut to ``limit``."""
    line = " ".join(_CONTROL.sub(" ", text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


_CALENDAR_METHOD = re.compile(r"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def build_message(
    settings: SmtpSettings, *, to: str, subject: str, body: str, calendar: str | None = None
) -> EmailMessage:
    """A plain-text email; with ``calendar``, also the iCalendar invitation, the way calendar programs
    recognise one: a ``text/calendar; method=…`` alternative to the text, and the same as ``invite.ics``."""
    message = EmailMessage()
    message["From"] = header_safe(settings.sender, limit=254)
    message["To"] = header_safe(to, limit=254)
    message["Subject"] = header_safe(subject)
    message.set_content(body)
    if calendar is not None:
        found = _CALENDAR_METHOD.search(calendar)
        method = found.group(1) if found else "PUBLISH"
        message.add_alternative(calendar, subtype="calendar", params={"method": method})
        message.add_attachment(
            calendar.encode("utf-8"),
            maintype="application",
            subtype="ics",
            filename="invite.ics",
        )
    return message


class SmtpConnection:
    """One SMTP session, opened on the first message and closed on exit."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpConnection:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.use_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=SMTP_TIMEOUT_SECONDS)
            if s.starttls:
                client.starttls(context=context)
        if s.username:
            client.login(s.username, s.password or "")
        return client

    def send(self, *, to: str, subject: str, body: str, calendar: str | None = None) -> None:
        """Send one message; raises ``SendFailed`` when the server refuses it or cannot be reached."""
        message = build_message(self.settings, to=to, subject=subject, body=body, calendar=calendar)
        try:
            if self._client is None:
                self._client = self._connect()
            self._client.send_message(message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            self.close()
            raise SendFailed(f"{type(exc).__name__}: {exc}", connection_lost=True) from exc
        except smtplib.SMTPException as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}", connection_lost=False) from exc

    def close(self) -> None:
        if self._client is not None:
            try:
                self._client.quit()
            except (smtplib.SMTPException, OSError):
                self._client.close()
            self._client = None
