"""The ``send-notifications`` job: email the outbox when ``CHANGEAUTH_SMTP_URL`` is set.

This job commits once per message (claim, then result) rather than once per run: an email cannot be
un-sent by a rollback, so each claim is made durable before its email leaves. Without an SMTP URL the
outbox simply stays in the app, where people read it.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app

from changeauth.services import mail, outbox, transaction

BATCH_SIZE = 500
logger = logging.getLogger("changeauth.jobs")


def _subject(text: str) -> str:
    return f"{current_app.config['SERVICE_NAME']}: {text}"


def send_notifications(as_of: date) -> dict[str, int]:
    """Send each due notification once; keep failures (with the error) for the next run."""
    url = current_app.config.get("SMTP_URL")
    counts = {"sent": 0, "failed": 0, "raised": 0, "resolved": 0}
    if not url:
        counts["pending"] = outbox.count_due()
        return counts
    settings = mail.parse_smtp_url(url, sender=current_app.config["MAIL_FROM"])
    with mail.SmtpConnection(settings) as connection:
        for email in outbox.due_emails(limit=BATCH_SIZE):
            claimed = outbox.claim(email.notification_id)
            transaction.commit()
            if not claimed:
                continue
            try:
                connection.send(
                    to=email.to, subject=_subject(email.text), body=f"{email.text}\n", calendar=email.calendar
                )
            except mail.SendFailed as failure:
                logger.warning("notification %s not sent: %s", email.notification_id, failure)
                outbox.release_after_failure(email.notification_id, str(failure))
                transaction.commit()
                counts["failed"] += 1
                if failure.connection_lost:
                    # The server is unreachable: leave the rest untouched rather than count failures for all.
                    break
            else:
                counts["sent"] += 1
    counts["pending"] = outbox.count_due()
    return counts
