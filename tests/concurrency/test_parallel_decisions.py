"""Twenty people deciding the same gate at the same moment, against a real multi-threaded server:
exactly one wins, the others get 409, and there is one decision row and one audit event."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from changeauth import db
from changeauth.models import AuditEvent, GateDecision, Improvement
from changeauth.services import improvements, users
from tests.live_server import own_database, post_json, serving

REQUESTS = 20


@pytest.mark.slow
def test_twenty_parallel_decisions_one_wins(tmp_path: Path) -> None:
    prepared: dict[str, Any] = {}

    def prepare(app: Flask) -> None:
        from changeauth.cli.seed import load_reference

        load_reference()
        submitter = users.create_user(email="submitter@council.example", name="S", roles=["staff"])
        members = [
            users.create_user(
                email=f"da{n}@council.example", name=f"DA {n}", roles=["staff", "design_authority"]
            )
            for n in range(REQUESTS)
        ]
        idea = improvements.submit_idea(
            submitter, title="Parallel idea", problem="p", proposal="q", driver_codes=["channel_shift"]
        )
        prepared["idea"] = idea.id
        prepared["tokens"] = [users.issue_api_token(m, name="t", actor_id=m.id)[0] for m in members]

    with (
        own_database(tmp_path, "parallel") as url,
        serving(url, tmp_path / "instance", prepare=prepare, threads=REQUESTS) as (base, app),
    ):
        target = f"{base}/api/v1/improvements/{prepared['idea']}/decisions"
        body = {"gate": "G0", "decision": "stop", "rationale": "Not now.", "version": 1}
        barrier = threading.Barrier(REQUESTS)
        statuses: list[int] = []
        lock = threading.Lock()

        def decide(token: str) -> None:
            barrier.wait()
            status = post_json(target, token, body)
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=decide, args=(token,)) for token in prepared["tokens"]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert sorted(statuses) == [201] + [409] * (REQUESTS - 1)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(GateDecision)) == 1
            decided = db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "improvement.decided")
            )
            assert decided == 1
            assert db.session.get(Improvement, prepared["idea"]).version == 2
            from changeauth.services.audit import verify_audit_chain

            assert verify_audit_chain().ok
