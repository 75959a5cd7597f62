"""Second-factor rules: who must use one, and the recovery-code format.

TOTP itself (RFC 6238, 30-second steps, 6 digits) comes from pyotp in the service layer.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection

from changeauth.domain.roles import Role

# Roles that decide, spend or administer: ASVS level 2 asks for a second factor (6.3.3).
ROLES_REQUIRING_SECOND_FACTOR = frozenset({Role.DESIGN_AUTHORITY.value, Role.FINANCE.value, Role.ADMIN.value})

RECOVERY_CODE_COUNT = 10
# 31 symbols without 0/O, 1/I/L: 12 of them are about 59 bits, typed as three groups of four.
RECOVERY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_CODE_LENGTH = 12


def second_factor_required(roles: Collection[str], *, required_for_all: bool) -> bool:
    """True when the person must have a second factor before using anything."""
    return required_for_all or bool(ROLES_REQUIRING_SECOND_FACTOR.intersection(roles))


def new_recovery_code() -> str:
    """A fresh code, grouped for reading: ``ABCD-EFGH-JKMN``."""
    raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def normalise_recovery_code(text: str) -> str | None:
    """The code's symbols without spaces or hyphens, upper-cased; None when it cannot be a code."""
    cleaned = "".join(text.split()).replace("-", "").upper()
    if len(cleaned) != RECOVERY_CODE_LENGTH or any(ch not in RECOVERY_CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def looks_like_totp(text: str) -> str | None:
    """Six digits (spaces allowed, as authenticator apps show them), or None."""
    cleaned = "".join(text.split())
    return cleaned if len(cleaned) == 6 and cleaned.isascii() and cleaned.isdigit() else None
