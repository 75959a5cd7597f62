"""Account emails (set-password and reset links, a changed address) sent once the request has committed.

They go straight to SMTP, not through the notification outbox: the outbox keeps message text in the
database, and a reset link must exist only as a hash there. Sending happens in a background thread after
the commit, so a slow or absent mail server never delays the answer, and an answer never depends on
whether an account exists (AUTH-07). Without ``CHANGEAUTH_SMTP_URL`` nothing is sent: administrators then
pass set-password links on themselves, and people ask an administrator for a new link.
"""

from __future__ import annotations

import logging
import threading

from flask import current_app, url_for

from changeauth.domain.passwords import TokenPurpose
from changeauth.services import mail
from changeauth.web.post_commit import after_commit

logger = logging.getLogger("changeauth.mail")


def deliver(settings: mail.SmtpSettings, *, to: str, subject: str, body: str) -> None:
    """Send one message now; failures are logged without the message (it may hold a link)."""
    try:
        with mail.SmtpConnection(settings) as connection:
            connection.send(to=to, subject=subject, body=body)
    except mail.SendFailed as failure:
        logger.warning("account email not sent: %s", failure)


def send_after_commit(*, to: str, subject: str, body: str) -> bool:
    """Queue an email for after this request commits. False when no mail server is configured."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        return False
    settings = mail.parse_smtp_url(url, sender=current_app.config["MAIL_FROM"])
    synchronous = current_app.testing

    def _send() -> None:
        if synchronous:
            deliver(settings, to=to, subject=subject, body=body)
        else:
            threading.Thread(
                target=deliver,
                args=(settings,),
                kwargs={"to": to, "subject": subject, "body": body},
                daemon=True,
            ).start()

    after_commit(_send)
    return True


def _link_email(token: str, action: str, expiry: str) -> str:
    url = url_for("auth.password_link", token=token, _external=True)
    return (
        f"Use this link to {action} for {current_app.config['SERVICE_NAME']}:\n\n{url}\n\n"
        f"It works once and expires {expiry}. If you did not ask for it, ignore this email.\n"
    )


def link_email_body(token: str, purpose: TokenPurpose | str) -> str:
    """The email text for a set-password (new account) or reset link."""
    if purpose == TokenPurpose.SET:
        return _link_email(token, "choose the password of your new account", "in 72 hours")
    return _link_email(token, "choose a new password", "in an hour")
