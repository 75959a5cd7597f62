"""Attribution of a shared measure between improvements, so one saving is never counted twice
(docs/benefits-and-resources.md#attribution-and-double-counting).

Benefits that measure the same thing (the same measure, or the same budget line) name it as their
*shared measure*; each says what share of the change in it its improvement may claim. Managing Benefits
calls this *attribution*: the shares of one measure cannot add up to more than 100 %, and a measure two
improvements claim without shares that add up is a *double count* to be shown, not silently summed.
Shares are percentages with up to two decimal places, above 0 and at most 100.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Claim",
    "MeasureClaims",
    "claims_by_measure",
    "measure_key",
    "share_errors",
]

FULL = Decimal(100)
MEASURE_MAX = 200


def measure_key(name: str | None) -> str:
    """The key two benefits share when they name the same measure: case and spacing do not matter."""
    return " ".join((name or "").split()).casefold()


@dataclass(frozen=True)
class Claim:
    """One benefit's claim on a shared measure: its improvement (None for a programme's benefit) and the
    share it claims (None when it has not said, which counts as claiming all of it)."""

    benefit_id: int
    improvement_id: int | None
    share_pct: Decimal | None


@dataclass(frozen=True)
class MeasureClaims:
    """Every claim on one shared measure, and what they add up to."""

    key: str
    claims: tuple[Claim, ...]

    @property
    def claimants(self) -> frozenset[int | None]:
        return frozenset(claim.improvement_id for claim in self.claims)

    @property
    def claimed_pct(self) -> Decimal:
        """The shares claimed, a claim without a share counting as the whole measure."""
        return sum((FULL if c.share_pct is None else c.share_pct for c in self.claims), Decimal(0))

    @property
    def unshared(self) -> int:
        return sum(1 for claim in self.claims if claim.share_pct is None)

    @property
    def is_shared(self) -> bool:
        """Claimed by more than one improvement (or a programme and an improvement)."""
        return len(self.claimants) > 1

    @property
    def agreed_pct(self) -> Decimal:
        """The shares agreed so far: never more than 100 % (``share_errors``)."""
        return sum((c.share_pct for c in self.claims if c.share_pct is not None), Decimal(0))

    @property
    def is_double_counted(self) -> bool:
        """Two or more improvements (or a programme and an improvement) claim the measure and their shares
        are missing or add up to more than the whole of it."""
        return self.is_shared and self.claimed_pct > FULL

    @property
    def unclaimed_pct(self) -> Decimal:
        return max(FULL - self.claimed_pct, Decimal(0))


def claims_by_measure(rows: Iterable[tuple[str, Claim]]) -> dict[str, MeasureClaims]:
    """Group (shared measure name, claim) pairs by the measure's key."""
    grouped: dict[str, list[Claim]] = {}
    for name, claim in rows:
        key = measure_key(name)
        if key:
            grouped.setdefault(key, []).append(claim)
    return {
        key: MeasureClaims(key, tuple(sorted(claims, key=lambda c: c.benefit_id)))
        for key, claims in grouped.items()
    }


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def share_errors(
    *, shared_measure: str | None, share_pct: Decimal | None, others: Iterable[Decimal | None]
) -> dict[str, list[str]]:
    """Check one benefit's claim against the other claims on the same measure: a measure's name up to
    200 characters; a share above 0 and at most 100 with two decimal places; and the shares of the measure,
    this one with the others (a missing share being the whole measure), at most 100 %."""
    errors: dict[str, list[str]] = {}
    name = " ".join((shared_measure or "").split())
    if len(name) > MEASURE_MAX:
        errors["shared_measure"] = [f"Keep the name of the measure to {MEASURE_MAX} characters or fewer."]
    if share_pct is not None:
        if not share_pct.is_finite() or not Decimal(0) < share_pct <= FULL:
            errors["share_pct"] = ["Enter a share above 0 and no more than 100 per cent."]
        elif _places(share_pct) > 2:
            errors["share_pct"] = ["Enter the share to no more than 2 decimal places."]
    if not name:
        if share_pct is not None and "share_pct" not in errors:
            errors["share_pct"] = ["Name the measure or budget line the share is of."]
        return errors
    if "share_pct" in errors:
        return errors
    # A claim without a share has not been agreed yet: it is shown as a possible double count, not refused.
    taken = sum((other for other in others if other is not None), Decimal(0))
    if share_pct is not None and taken + share_pct > FULL:
        left = max(FULL - taken, Decimal(0))
        errors["share_pct"] = [
            f"The shares of this measure would add up to more than 100 %: other improvements already claim "
            f"{_pct(taken)}, so at most {_pct(left)} is left."
            if left > 0
            else f"Other improvements already claim all of this measure ({_pct(taken)}). Agree smaller "
            "shares with their owners first."
        ]
    return errors


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f} %"
