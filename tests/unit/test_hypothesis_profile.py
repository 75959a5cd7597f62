"""The properties run under the suite's Hypothesis profile (tests/conftest.py): no timing can fail them."""

from __future__ import annotations

import hypothesis


def test_properties_are_never_failed_for_their_speed() -> None:
    assert hypothesis.settings().deadline is None
    assert hypothesis.HealthCheck.too_slow in hypothesis.settings().suppress_health_check
    # A strategy that throws most of what it draws away is still a defect worth hearing about.
    assert hypothesis.HealthCheck.filter_too_much not in hypothesis.settings().suppress_health_check
