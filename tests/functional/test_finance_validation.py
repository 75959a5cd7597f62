"""Finance validation through the pages: a note of what was checked (required), optional evidence kept
with the improvement, or the benefit sent back to its owner with a question the owner reads and answers."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth.models import Attachment, Benefit, Notification
from tests.factories import BenefitFactory, BenefitMeasurementFactory, UserFactory
from tests.helpers import field_errors, page


def _measured_cashable() -> Any:
    measurement = BenefitMeasurementFactory(
        benefit=BenefitFactory(cashable=True), value=Decimal(1_500_000), period_end=date(2026, 4, 30)
    )
    return measurement.benefit


def test_validating_needs_a_note_and_keeps_it_with_the_evidence(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _measured_cashable()
    login_as(UserFactory(finance=True))
    refused = client.post(f"/benefits/{benefit.id}/validate", data={"version": str(benefit.version)})
    assert refused.status_code == 422
    assert "Say what you checked before validating." in field_errors(refused)
    db_session.refresh(benefit)
    assert benefit.validated_at is None
    response = client.post(
        f"/benefits/{benefit.id}/validate",
        data={
            "version": str(benefit.version),
            "note": "Matched to cost centre 4410 in the ledger.",
            "evidence": (io.BytesIO(b"%PDF-1.4 ledger extract"), "ledger.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, field_errors(response)
    db_session.refresh(benefit)
    assert benefit.validated_at is not None
    assert benefit.validation_note == "Matched to cost centre 4410 in the ledger."
    detail = page(client.get(f"/benefits/{benefit.id}")).get_text(" ", strip=True)
    assert "Matched to cost centre 4410 in the ledger." in detail
    attached = db_session.scalars(
        select(Attachment).where(Attachment.improvement_id == benefit.improvement_id)
    )
    assert [a.title for a in attached] == [f"Finance validation of {benefit.title}"]


def test_finance_sends_it_back_with_a_question_the_owner_reads_and_answers(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _measured_cashable()
    finance = login_as(UserFactory(finance=True))
    response = client.post(
        f"/benefits/{benefit.id}/ask-owner",
        data={"version": str(benefit.version), "question": "Which budget line shows the saving?"},
    )
    assert response.status_code == 302, field_errors(response)
    db_session.refresh(benefit)
    assert benefit.validated_at is None and benefit.finance_question == "Which budget line shows the saving?"
    owner = db_session.get(type(finance), benefit.owner_id)
    notified = db_session.scalars(select(Notification.text).where(Notification.user_id == owner.id)).all()
    assert any("Which budget line shows the saving?" in text for text in notified)

    login_as(owner)
    detail = client.get(f"/benefits/{benefit.id}")
    question = page(detail).select_one("#finance-question")
    assert question is not None and "Which budget line shows the saving?" in question.get_text()
    answered = client.post(
        f"/benefits/{benefit.id}/answer-finance",
        data={"version": str(benefit.version), "answer": "Line 4410."},
    )
    assert answered.status_code == 302, field_errors(answered)
    db_session.refresh(benefit)
    assert benefit.finance_answer == "Line 4410."
    told = db_session.scalars(select(Notification.text).where(Notification.user_id == finance.id)).all()
    assert any("Line 4410." in text for text in told)


def test_an_empty_question_is_refused_on_the_page(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = _measured_cashable()
    login_as(UserFactory(finance=True))
    response = client.post(f"/benefits/{benefit.id}/ask-owner", data={"version": str(benefit.version)})
    assert response.status_code == 422
    assert "Write the question for the benefit's owner." in field_errors(response)
    assert page(response).title.get_text().startswith("Error: ")
    assert db_session.scalar(select(Benefit.finance_question).where(Benefit.id == benefit.id)) is None
