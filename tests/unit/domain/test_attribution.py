"""Attribution of a shared measure (domain.attribution): the agreed shares of one measure never add up to
more than 100 %, and a measure two improvements claim without agreed shares is a double count."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from changeauth.domain.attribution import Claim, claims_by_measure, measure_key, share_errors

shares = st.one_of(st.none(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2))
improvements = st.integers(min_value=1, max_value=5)


def _accept(proposals: list[tuple[int, Decimal | None]]) -> list[Claim]:
    """Add claims one at a time as the service does, keeping only those share_errors lets through."""
    accepted: list[Claim] = []
    for index, (improvement, share) in enumerate(proposals):
        others = [claim.share_pct for claim in accepted]
        if not share_errors(shared_measure="Calls to Customer Connect", share_pct=share, others=others):
            accepted.append(Claim(index, improvement, share))
    return accepted


@given(st.lists(st.tuples(improvements, shares), max_size=12))
def test_the_agreed_shares_of_a_measure_never_pass_100(proposals: list[tuple[int, Decimal | None]]) -> None:
    accepted = _accept(proposals)
    measure = claims_by_measure([("Calls to Customer Connect", claim) for claim in accepted])
    if accepted:
        figures = measure["calls to customer connect"]
        assert figures.agreed_pct <= 100
        assert figures.agreed_pct == sum(
            (c.share_pct for c in accepted if c.share_pct is not None), Decimal(0)
        )
        if figures.unshared == 0:
            assert figures.agreed_pct + figures.unclaimed_pct == 100
            assert not figures.is_double_counted


@given(st.lists(st.tuples(improvements, shares), min_size=1, max_size=8), st.randoms())
def test_the_order_claims_are_read_in_changes_nothing(
    proposals: list[tuple[int, Decimal | None]], random: object
) -> None:
    claims = [Claim(index, improvement, share) for index, (improvement, share) in enumerate(proposals)]
    shuffled = list(claims)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    one = claims_by_measure([("Budget line R123", c) for c in claims])["budget line r123"]
    two = claims_by_measure([("  budget LINE  r123 ", c) for c in shuffled])["budget line r123"]
    assert one == two
    assert one.is_double_counted == (len({c.improvement_id for c in claims}) > 1 and one.claimed_pct > 100)


@given(st.lists(st.tuples(improvements, shares), min_size=1, max_size=6))
def test_a_second_improvement_claiming_without_a_share_is_a_double_count(
    proposals: list[tuple[int, Decimal | None]],
) -> None:
    accepted = _accept(proposals)
    newcomer = Claim(999, 99, None)
    measure = claims_by_measure([("m", c) for c in [*accepted, newcomer]])["m"]
    assert measure.is_double_counted == bool(accepted)


def test_shares_are_refused_in_plain_words() -> None:
    assert share_errors(shared_measure="m", share_pct=Decimal(60), others=[Decimal(50)]) == {
        "share_pct": [
            "The shares of this measure would add up to more than 100 %: other improvements already claim "
            "50 %, so at most 50 % is left."
        ]
    }
    assert "share_pct" in share_errors(shared_measure="m", share_pct=Decimal(0), others=[])
    assert "share_pct" in share_errors(shared_measure="m", share_pct=Decimal("33.333"), others=[])
    assert "share_pct" in share_errors(shared_measure="", share_pct=Decimal(50), others=[])
    assert "shared_measure" in share_errors(shared_measure="x" * 201, share_pct=None, others=[])
    assert share_errors(shared_measure="m", share_pct=Decimal(40), others=[Decimal(60), None]) == {}
    assert measure_key("  Calls  to CUSTOMER connect ") == "calls to customer connect"
