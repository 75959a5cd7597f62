"""How much data a generated council holds, and the day its history ends.

``large`` is the council of docs/performance.md that the benchmark and the load test run against; ``small`` is
about a fiftieth of it, quick enough for a test run. People do not shrink with the rest: even a small
council has a full design authority, so quorums and separation of duties work the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Dates are relative to this day, so a seed always gives the same rows (README, "Data at scale").
DEFAULT_ANCHOR = date(2026, 11, 29)
DEFAULT_SEED = 2026
HISTORY_YEARS = 6


@dataclass(frozen=True)
class Scale:
    """Row counts to generate. The audit log count is the table's total once the command has run."""

    name: str
    improvements: int
    assessments: int
    benefits: int
    measurements: int
    temporary_resources: int
    audit_events: int
    # People beside the nine demo accounts (which include four design authority members).
    design_authority: int = 6
    managers: int = 40
    finance: int = 4
    viewers: int = 10
    admins: int = 2
    staff: int = 400
    comments_per_improvement: float = 0.4


SCALES: dict[str, Scale] = {
    "small": Scale(
        name="small",
        improvements=1_000,
        assessments=3_000,
        benefits=400,
        measurements=8_000,
        temporary_resources=100,
        audit_events=20_000,
        managers=12,
        finance=2,
        viewers=3,
        admins=1,
        staff=60,
    ),
    "large": Scale(
        name="large",
        improvements=50_000,
        assessments=150_000,
        benefits=20_000,
        measurements=400_000,
        temporary_resources=5_000,
        audit_events=1_000_000,
    ),
}


class GenerationRefused(Exception):
    """The database or the scale does not allow generating: nothing has been written."""


class AlreadyFilled(GenerationRefused):
    """The database already holds improvements or the generated accounts; generated data goes only into
    an empty one."""
