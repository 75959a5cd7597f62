"""Checking an email address someone typed, with the email-validator library.

One address, with no display name, comma or second ``@``: ``me@council, me@gmail`` would otherwise be
stored and every message to that person would go to both. Whether the domain receives mail is not
checked (that needs the network); the address's form is.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

MESSAGE = "Enter one email address, like name@council.gov.uk."
MAX_LENGTH = 254


def email_problem(address: str) -> str | None:
    """Why ``address`` is not one usable email address, in words, or None when it is."""
    if not address or len(address) > MAX_LENGTH:
        return MESSAGE
    try:
        validate_email(address, check_deliverability=False, allow_display_name=False)
    except EmailNotValidError:
        return MESSAGE
    return None
