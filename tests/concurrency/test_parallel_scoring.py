"""Twelve members scoring the same improvement at the same moment while an administrator activates new
weights, against a real multi-threaded server: every assessment counts, and the stored score is the one
the final scheme gives for all of them (no score computed under a scheme that was being replaced)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth import db
from changeauth.models import Assessment, Improvement, ImprovementScore
from changeauth.queries import scoring as scoring_queries
from changeauth.services import improvements, scoring, users
from changeauth.services.audit import verify_audit_chain
from tests.live_server import own_database, serving

MEMBERS = 12


def _send(method: str, url: str, token: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        url,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


@pytest.mark.slow
def test_parallel_assessments_and_an_activation_all_count(tmp_path: Path) -> None:
    prepared: dict[str, Any] = {}

    def prepare(app: Flask) -> None:
        from changeauth.cli.seed import load_reference

        load_reference()
        submitter = users.create_user(email="submitter@council.example", name="S", roles=["staff"])
        admin = users.create_user(email="admin@council.example", name="A", roles=["staff", "admin"])
        members = [
            users.create_user(
                email=f"da{n}@council.example", name=f"DA {n}", roles=["staff", "design_authority"]
            )
            for n in range(MEMBERS)
        ]
        idea = improvements.submit_idea(
            submitter, title="Scored at once", problem="p", proposal="q", driver_codes=["channel_shift"]
        )
        idea.stage, idea.status = "business_case", "active"
        db.session.flush()
        prepared["version"] = idea.version  # moved by the stage set just above
        criteria = [scoring.spec_as_input(spec) for spec in scoring_queries.active_scheme().specs()]
        criteria[0]["weight"] = Decimal(60)
        prepared["criteria"] = [
            {**c, "weight": None if c["kind"] == "must" else float(c["weight"])} for c in criteria
        ]
        prepared["improvement"] = idea.id
        prepared["admin"] = users.issue_api_token(admin, name="t", actor_id=admin.id)[0]
        prepared["tokens"] = [users.issue_api_token(m, name="t", actor_id=m.id)[0] for m in members]

    with (
        own_database(tmp_path, "parallel_scoring") as url,
        serving(url, tmp_path / "instance", prepare=prepare, threads=MEMBERS + 1) as (base, app),
    ):
        assess = f"{base}/api/v1/improvements/{prepared['improvement']}/assessment"
        barrier = threading.Barrier(MEMBERS + 1)
        statuses: list[int] = []
        lock = threading.Lock()

        def score(n: int, token: str) -> None:
            values = {
                "strategic_priority": n % 6,
                "customer_need": (n * 2) % 6,
                "transaction_volume": 3,
                "complexity": (n + 1) % 6,
                "reform_risk": 2,
                "within_remit": True,
            }
            barrier.wait()
            status = _send("PUT", assess, token, {"scores": values, "rationale": f"Member {n}."})
            with lock:
                statuses.append(status)

        def activate() -> None:
            barrier.wait()
            body = {"criteria": prepared["criteria"], "activate": True}
            status = _send("POST", f"{base}/api/v1/scoring-schemes", prepared["admin"], body)
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=score, args=(n, t)) for n, t in enumerate(prepared["tokens"])]
        threads.append(threading.Thread(target=activate))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert sorted(statuses) == [200] * MEMBERS + [201]
        with app.app_context():
            improvement_id = prepared["improvement"]
            assert db.session.scalar(select(func.count()).select_from(Assessment)) == MEMBERS
            stored = db.session.get(ImprovementScore, improvement_id)
            active = scoring_queries.active_scheme()
            assert active.version == 2
            snapshot = (stored.scheme_id, stored.status, stored.scorers, stored.weighted_score)
            # What the final scheme gives for all twelve assessments, computed afresh (then thrown away).
            fresh, _ = scoring.recompute_score(improvement_id, active, quorum=3, disagreement_threshold=3)
            assert snapshot == (active.id, "final", MEMBERS, fresh.weighted_score)
            db.session.rollback()
            assert db.session.get(Improvement, improvement_id).version == prepared["version"]
            assert verify_audit_chain().ok
