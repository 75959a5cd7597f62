"""The ``temporary-resources`` job: watch resources ending soon and past their end.

The rules are in docs/benefits-and-resources.md.
"""

from __future__ import annotations

from datetime import date

from changeauth.services import monitoring


def temporary_resources(as_of: date) -> dict[str, int]:
    """Raise ``temporary_resource_ending`` / ``temporary_resource_overrun`` flags and resolve old ones."""
    return monitoring.sweep_temporary_resources(as_of)
