"""The second-factor service on its own: codes one step either side of now, never the same step twice,
recovery codes hashed and used once, throttling counted in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest

from changeauth.domain.errors import ValidationFailed
from changeauth.services import second_factor
from tests.factories import UserFactory

NOW = datetime(2026, 11, 29, 10, 0, 0, tzinfo=UTC)
SECRET = pyotp.random_base32()


def _code(at: datetime) -> str:
    return str(pyotp.TOTP(SECRET).at(at))


@pytest.fixture
def enrolled(db_session: Any) -> Any:
    user = UserFactory(design_authority=True)
    codes = second_factor.enable(user, secret=SECRET, code=_code(NOW), now=NOW)
    return user, codes


def test_enable_needs_a_current_code(db_session: Any) -> None:
    user = UserFactory()
    with pytest.raises(ValidationFailed):
        second_factor.enable(user, secret=SECRET, code=_code(NOW - timedelta(minutes=5)), now=NOW)
    assert user.totp_secret is None


@pytest.mark.parametrize("offset", [-30, 0, 30])
def test_one_step_of_clock_drift_either_way(enrolled: Any, offset: int) -> None:
    user, _ = enrolled
    later = NOW + timedelta(minutes=2)
    assert (
        second_factor.verify(user, _code(later + timedelta(seconds=offset)), ip_address=None, now=later)
        == "totp"
    )


def test_two_steps_away_is_refused(enrolled: Any) -> None:
    user, _ = enrolled
    later = NOW + timedelta(minutes=2)
    with pytest.raises(second_factor.SecondFactorFailed):
        second_factor.verify(user, _code(later - timedelta(seconds=60)), ip_address=None, now=later)


def test_the_enrolment_code_cannot_be_replayed_at_sign_in(enrolled: Any) -> None:
    user, _ = enrolled
    with pytest.raises(second_factor.SecondFactorFailed):
        second_factor.verify(user, _code(NOW), ip_address=None, now=NOW + timedelta(seconds=5))


def test_recovery_codes_are_single_use_and_ten(enrolled: Any) -> None:
    user, codes = enrolled
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 14 and code.count("-") == 2 for code in codes)
    assert second_factor.verify(user, codes[0], ip_address=None, now=NOW) == "recovery_code"
    assert second_factor.recovery_codes_left(user) == 9
    with pytest.raises(second_factor.SecondFactorFailed):
        second_factor.verify(user, codes[0], ip_address=None, now=NOW)


def test_throttled_after_five_failures_in_fifteen_minutes(enrolled: Any) -> None:
    user, _ = enrolled
    later = NOW + timedelta(minutes=2)
    for _ in range(5):
        with pytest.raises(second_factor.SecondFactorFailed) as failure:
            second_factor.verify(user, "000000", ip_address="10.0.0.1", now=later)
        assert not failure.value.throttled
    with pytest.raises(second_factor.SecondFactorFailed) as failure:
        second_factor.verify(user, _code(later), ip_address="10.0.0.1", now=later)
    assert failure.value.throttled
    # The lock lifts by itself once the window has passed.
    after = later + timedelta(minutes=16)
    assert second_factor.verify(user, _code(after), ip_address=None, now=after) == "totp"


def test_enrolment_secrets_differ_per_person_and_nonce() -> None:
    a = second_factor.enrolment_secret("k" * 40, 1, "n1")
    assert a == second_factor.enrolment_secret("k" * 40, 1, "n1")
    assert (
        len(
            {
                a,
                second_factor.enrolment_secret("k" * 40, 2, "n1"),
                second_factor.enrolment_secret("k" * 40, 1, "n2"),
            }
        )
        == 3
    )
    assert len(a) == 32
