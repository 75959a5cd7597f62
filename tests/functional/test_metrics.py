"""``/metrics``: who may scrape it, what it counts per request, what it reads from the database; and the
JSON log lines whose request id an error page quotes."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from changeauth import db
from changeauth.models import Flag, JobRun, Notification
from changeauth.security_log import JsonFormatter
from tests.factories import TEST_PASSWORD, UserFactory

TOKEN = "m" * 40


@pytest.fixture
def scraper(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", [])
    return client


def scrape(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain" and "version=" in response.headers["Content-Type"]
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_not_found_without_the_token_or_an_allowed_address(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", [])
    assert client.get("/metrics").status_code == 404  # off unless configured
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer " + "x" * 40}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_an_allowed_network_may_scrape_without_a_token(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None)
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_NETWORKS", ["10.0.0.0/8"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_each_request_is_counted_and_timed_by_endpoint(scraper: FlaskClient) -> None:
    before = scrape(scraper)
    for _ in range(3):
        assert scraper.get("/healthz").status_code == 200
    assert scraper.get("/no-such-page").status_code == 404

    after = scrape(scraper)

    counted = {"method": "GET", "endpoint": "health.live", "status": "200"}
    assert (
        value(after, "changeauth_http_requests_total", **counted)
        - value(before, "changeauth_http_requests_total", **counted)
        == 3
    )
    unmatched = {"method": "GET", "endpoint": "unmatched", "status": "404"}
    assert (
        value(after, "changeauth_http_requests_total", **unmatched)
        - value(before, "changeauth_http_requests_total", **unmatched)
        == 1
    )
    timed = {"method": "GET", "endpoint": "health.live"}
    assert (
        value(after, "changeauth_http_request_duration_seconds_count", **timed)
        - value(before, "changeauth_http_request_duration_seconds_count", **timed)
        == 3
    )
    assert value(after, "changeauth_http_request_duration_seconds_bucket", le="+Inf", **timed) >= 3
    assert ("changeauth_db_connections_in_use", ()) in after


def test_refused_sign_ins_are_counted(scraper: FlaskClient) -> None:
    user = UserFactory()
    before = scrape(scraper)
    scraper.post("/sign-in", data={"email": user.email, "password": "not " + TEST_PASSWORD})
    after = scrape(scraper)
    labels = {"via": "password", "reason": "wrong_credentials"}
    assert (
        value(after, "changeauth_sign_in_failures_total", **labels)
        - value(before, "changeauth_sign_in_failures_total", **labels)
        == 1
    )


def test_jobs_outbox_and_flags_are_read_from_the_database(scraper: FlaskClient) -> None:
    person, leaver = UserFactory(), UserFactory(inactive=True)
    now = db.utcnow()
    db.session.add_all(
        [
            JobRun(
                job="stale-benefits",
                period_key="2026-11-28",
                status="succeeded",
                started_at=now - timedelta(seconds=90),
                finished_at=now - timedelta(seconds=87),
            ),
            JobRun(
                job="stale-benefits",
                period_key="2026-11-29",
                status="failed",
                started_at=now - timedelta(seconds=30),
                finished_at=now - timedelta(seconds=25),
            ),
            JobRun(job="send-notifications", period_key="2026-11-29T10:05", status="running", started_at=now),
            Notification(user_id=person.id, kind="t", text="waiting", dedupe_key="m1"),
            Notification(
                user_id=person.id,
                kind="t",
                text="failed once",
                dedupe_key="m2",
                send_attempts=1,
                last_error="SMTPDataError",
            ),
            Notification(user_id=person.id, kind="t", text="gave up", dedupe_key="m3", send_attempts=5),
            Notification(user_id=person.id, kind="t", text="sent", dedupe_key="m4", sent_at=now),
            Notification(user_id=leaver.id, kind="t", text="to a leaver", dedupe_key="m5"),
            Flag(kind="stale_benefit", subject_type="benefit", subject_id=1, raised_on=date(2026, 11, 1)),
            Flag(kind="stale_benefit", subject_type="benefit", subject_id=2, raised_on=date(2026, 11, 1)),
            Flag(
                kind="temporary_resource_overrun",
                subject_type="temporary_resource",
                subject_id=1,
                raised_on=date(2026, 11, 1),
            ),
            Flag(
                kind="stale_benefit",
                subject_type="benefit",
                subject_id=3,
                raised_on=date(2026, 10, 1),
                resolved_on=date(2026, 10, 20),
            ),
        ]
    )
    db.session.flush()

    samples = scrape(scraper)

    assert value(samples, "changeauth_job_runs", job="stale-benefits", outcome="succeeded") == 1
    assert value(samples, "changeauth_job_runs", job="stale-benefits", outcome="failed") == 1
    assert value(samples, "changeauth_job_runs", job="send-notifications", outcome="running") == 1
    assert value(samples, "changeauth_job_last_duration_seconds", job="stale-benefits") == pytest.approx(
        5, abs=0.01
    )
    assert (
        "changeauth_job_last_finished_timestamp_seconds",
        (("job", "stale-benefits"), ("outcome", "failed")),
    ) in samples
    assert value(samples, "changeauth_outbox_pending") == 2
    assert value(samples, "changeauth_outbox_retrying") == 1
    assert value(samples, "changeauth_outbox_given_up") == 1
    assert value(samples, "changeauth_open_flags", kind="stale_benefit") == 2
    assert value(samples, "changeauth_open_flags", kind="temporary_resource_overrun") == 1


def test_a_log_line_carries_the_request_id_the_error_page_quotes(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="changeauth.requests"):
        response = client.get("/no-such-page")
    request_id = response.headers["X-Request-ID"]
    assert f'<strong class="reference">{request_id}</strong>' in response.get_data(as_text=True)
    (record,) = [r for r in caplog.records if r.name == "changeauth.requests"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == request_id
    assert line["event"] == "request" and line["status"] == 404 and line["path"] == "/no-such-page"
    assert isinstance(line["duration_ms"], float) and line["endpoint"] is None


def test_any_log_line_written_during_a_request_carries_its_id() -> None:
    from changeauth.runtime import request_id_var

    token = request_id_var.set("req-0123456789")
    try:
        record = logging.getLogger("changeauth.jobs").makeRecord(
            "changeauth.jobs", logging.WARNING, __file__, 1, "something to find later", (), None
        )
        line = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "something to find later" and line["request_id"] == "req-0123456789"
    assert line["level"] == "warning" and line["logger"] == "changeauth.jobs"
