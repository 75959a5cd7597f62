"""Benefit writes the pages offer and the API does not (handing over, finance's question and its answer,
reopening): two people who read the same version of the benefit write at the same moment, each in a real
transaction of its own on PostgreSQL. Exactly one write lands; the other is refused as "Someone else
changed this" (VersionConflict), with nothing of it written. SQLite writers take turns (BEGIN IMMEDIATE),
so the race exists only on PostgreSQL, where these run."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from changeauth import create_app, db
from changeauth.domain.errors import VersionConflict
from changeauth.models import AuditEvent, Benefit, User
from changeauth.services import benefits as benefit_service
from changeauth.services import users
from tests.conftest import TEST_SECRET_KEY
from tests.factories import BenefitFactory, BenefitMeasurementFactory, ImprovementFactory
from tests.live_server import own_database

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("CHANGEAUTH_TEST_DATABASE_URL"),
        reason="Two transactions read the same row at once only on PostgreSQL (SQLite writers take turns).",
    ),
]

PEOPLE = 2


def _people() -> dict[str, User]:
    return {
        "owner": users.create_user(email="owner@council.example", name="Owner", roles=["staff", "manager"]),
        "member": users.create_user(
            email="member@council.example", name="Member", roles=["staff", "design_authority"]
        ),
        "finance": users.create_user(
            email="finance@council.example", name="Finance", roles=["staff", "finance"]
        ),
        "service": users.create_user(
            email="service@council.example", name="Service", roles=["staff", "manager"]
        ),
    }


def _at_review(people: dict[str, User], **traits: Any) -> Benefit:
    """A benefit of the owner's improvement at its benefits review (realisation)."""
    owner = people["owner"]
    return BenefitFactory(
        improvement=ImprovementFactory(realisation=True, owner=owner), owner=owner, **traits
    )


def _race(
    tmp_path: Path,
    prepare: Callable[[dict[str, User]], Benefit],
    write: Callable[[dict[str, User], int, int, int], Any],
    action: str,
) -> None:
    """Prepare a benefit, then have PEOPLE transactions each read it, wait for one another, and write with
    the version they read (``write(people, benefit_id, version, which)``)."""
    with own_database(tmp_path, "race") as url:
        app = create_app(
            {
                "ENV_NAME": "testing",
                "DATABASE_URL": url,
                "SECRET_KEY": TEST_SECRET_KEY,
                "INSTANCE_PATH": tmp_path / "instance",
            }
        )
        with app.app_context():
            from changeauth.cli.seed import load_reference

            db.set_write_intent(True)
            load_reference()
            people = _people()
            benefit = prepare(people)
            db.session.commit()
            benefit_id, seen = benefit.id, benefit.version
            ids = {name: person.id for name, person in people.items()}
            db.session.remove()

        barrier = threading.Barrier(PEOPLE, timeout=60)
        outcomes: list[str] = []
        lock = threading.Lock()

        def person(which: int) -> None:
            with app.app_context():
                db.set_write_intent(True)
                try:
                    everyone = {name: db.session.get(User, id_) for name, id_ in ids.items()}
                    read = db.session.get(Benefit, benefit_id)
                    assert read is not None and read.version == seen
                    barrier.wait()
                    try:
                        write(everyone, benefit_id, seen, which)  # type: ignore[arg-type]
                        db.session.commit()
                        outcome = "landed"
                    except VersionConflict:
                        db.session.rollback()
                        outcome = "someone else changed this"
                except Exception as error:  # noqa: BLE001 - any other failure is the test's finding
                    db.session.rollback()
                    outcome = f"failed: {error!r}"
                finally:
                    db.session.remove()
                with lock:
                    outcomes.append(outcome)

        threads = [threading.Thread(target=person, args=(which,)) for which in range(PEOPLE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        try:
            assert sorted(outcomes) == ["landed"] + ["someone else changed this"] * (PEOPLE - 1), outcomes
            with app.app_context():
                events = db.session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == action, AuditEvent.subject_id == benefit_id)
                )
                assert events == 1
                assert db.session.get(Benefit, benefit_id).version == seen + 1  # type: ignore[union-attr]
                db.session.remove()
        finally:
            # Close the pooled connections before the database is dropped.
            db.get_engine(app).dispose()


def test_two_handovers_at_once_one_lands(tmp_path: Path) -> None:
    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.hand_over_benefit(
            people["owner"],
            benefit_id,
            owner_id=people["service"].id,
            handed_over_on=date(2026, 10, 1),
            note=f"Handover {which}",
            expected_version=seen,
        )

    _race(tmp_path, _at_review, write, "benefit.handed_over")


def test_two_questions_from_finance_at_once_one_lands(tmp_path: Path) -> None:
    def prepare(people: dict[str, User]) -> Benefit:
        benefit = _at_review(people, cashable=True)
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
        return benefit

    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.ask_owner(
            people["finance"], benefit_id, question=f"Which ledger, {which}?", expected_version=seen
        )

    _race(tmp_path, prepare, write, "benefit.finance_question")


def test_two_answers_to_finance_at_once_one_lands(tmp_path: Path) -> None:
    def prepare(people: dict[str, User]) -> Benefit:
        benefit = _at_review(people, cashable=True)
        BenefitMeasurementFactory(benefit=benefit, value=Decimal(1_500_000), period_end=date(2026, 4, 30))
        return benefit_service.ask_owner(
            people["finance"], benefit.id, question="Which ledger?", expected_version=benefit.version
        )

    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.answer_finance(
            people["owner"], benefit_id, answer=f"The revenue ledger, {which}.", expected_version=seen
        )

    _race(tmp_path, prepare, write, "benefit.finance_answered")


def test_two_reopenings_at_once_one_lands(tmp_path: Path) -> None:
    def prepare(people: dict[str, User]) -> Benefit:
        return _at_review(people, closing_status="realised")

    def write(people: dict[str, User], benefit_id: int, seen: int, which: int) -> None:
        benefit_service.reopen_benefit(
            people["member"], benefit_id, reason=f"Measure it once more, {which}.", expected_version=seen
        )

    _race(tmp_path, prepare, write, "benefit.reopened")
