"""Warming a new worker: every derived view is computed and kept before the first request."""

from __future__ import annotations

from changeauth.models.derived_state import PORTFOLIO, REPORTS
from changeauth.queries import derived
from changeauth.queries.clock import today
from changeauth.web.warm_up import warm_derived_views
from tests.factories import ImprovementFactory, TemporaryResourceFactory


def test_warm_up_keeps_the_exposure_and_candidates(app, db_session):
    ImprovementFactory.create_batch(3)
    TemporaryResourceFactory()
    db_session.flush()
    derived._results.clear()

    warm_derived_views(app)

    on = today()
    assert derived.kept(REPORTS, ("benefit_at_risk", on)) is not None
    assert derived.kept(PORTFOLIO, "candidates") is not None


def test_a_failing_warm_up_is_logged_and_does_not_stop_the_process(app, db_session, monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("database away")

    monkeypatch.setattr("changeauth.queries.portfolio.current_candidates", broken)
    assert warm_derived_views(app) >= 0
    assert "Warming the derived views failed" in caplog.text
