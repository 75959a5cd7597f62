"""The ``verify-audit-chain`` job: check the audit log's hash chain every night (SCHED-07)."""

from __future__ import annotations

from datetime import date

from changeauth.services import audit_watch


def verify_audit_chain(as_of: date) -> dict[str, int]:
    """Verify the chain, record that it was checked, and tell the administrators if it is broken."""
    return audit_watch.check_audit_chain(as_of)
