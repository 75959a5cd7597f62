"""The ``stale-benefits`` job (chase benefits whose measurement is overdue) and the
``benefits-out-of-tolerance`` job (escalate benefits behind today's plan by more than their tolerance).

The rules are in docs/benefits-and-resources.md.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from changeauth.services import monitoring


def stale_benefits(as_of: date) -> dict[str, int]:
    """Raise ``stale_benefit`` / ``benefit_escalated`` flags, resolve the ones no longer due."""
    return monitoring.sweep_stale_benefits(as_of, grace_days=int(current_app.config["BENEFIT_GRACE_DAYS"]))


def benefits_out_of_tolerance(as_of: date) -> dict[str, int]:
    """Raise ``benefit_out_of_tolerance`` flags, resolve the ones back within tolerance."""
    return monitoring.sweep_out_of_tolerance(as_of, grace_days=int(current_app.config["BENEFIT_GRACE_DAYS"]))
