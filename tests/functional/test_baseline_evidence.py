"""A benefit's baseline and its measurements say how they were arrived at (measured, estimated or a proxy)
and carry their evidence, through the pages and the API; G2's "baselines measured" criterion needs a
measured or finance-validated baseline and names each benefit that fails and why. The staffing register
is in the benefits export, and the API changes and removes a post with the same guarded write as the
page."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.models import Attachment, Benefit, BenefitMeasurement, BenefitPost
from changeauth.queries.clock import today
from changeauth.services import staffing as staffing_service
from changeauth.services import users as user_service
from tests.factories import BenefitFactory, ImprovementFactory, UserFactory
from tests.helpers import field_errors, page

REPORT = "Customer services report, March 2026, table 2"


def _count(db_session: Any, model: Any) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def _profile(owner_id: int, **changes: Any) -> dict[str, Any]:
    start = today() - timedelta(days=60)
    form = {
        "title": "Calls answered at first contact",
        "driver": "channel_shift",
        "cash_class": "not_monetised",
        "unit": "%",
        "direction": "increase",
        "baseline_value": "62",
        "baseline_date": start.isoformat(),
        "baseline_quality": "estimated",
        "baseline_evidence": REPORT,
        "target_value": "80",
        "target_date": (start + timedelta(days=400)).isoformat(),
        "frequency": "monthly",
        "owner_id": str(owner_id),
        "tolerance_pct": "",
    }
    form.update(changes)
    return form


def _criterion(client: FlaskClient, improvement_id: int) -> str:
    """The G2 "baselines measured" row of the gate page, as a person reads it."""
    shown = page(client.get(f"/improvements/{improvement_id}/gate"))
    rows = [row.get_text(" ", strip=True) for row in shown.select("tr, li, .summary-list__row")]
    found = [text for text in rows if "baseline" in text.lower() and "measured" in text.lower()]
    assert found, shown.get_text(" ", strip=True)[:3000]
    return found[0]


def test_the_owner_records_a_baseline_with_evidence_and_g2_waits_for_a_measured_one(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    owner = login_as(UserFactory(manager=True))
    work = ImprovementFactory(delivery=True, owner=owner)
    form = page(client.get(f"/improvements/{work.id}/benefits/new"))
    radios = form.select("input[name=baseline_quality]")
    assert [r["value"] for r in radios] == ["measured", "estimated", "proxy"]
    # Each choice has its hint, read with it.
    assert all(form.select_one(f"#{r['aria-describedby']}") for r in radios)
    created = client.post(
        f"/improvements/{work.id}/benefits/new",
        data={**_profile(owner.id), "baseline_file": (io.BytesIO(b"%PDF-1.7 table 2"), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert created.status_code == 302, field_errors(created)
    benefit = db_session.scalar(select(Benefit).where(Benefit.improvement_id == work.id))
    assert benefit.baseline_quality == "estimated" and benefit.baseline_evidence == REPORT
    filed = db_session.get(Attachment, benefit.baseline_attachment_id)
    assert filed.improvement_id == work.id and filed.title == f"Baseline of {benefit.title}"

    detail = page(client.get(f"/benefits/{benefit.id}"))
    said = detail.select_one("#baseline").get_text(" ", strip=True)
    assert said.startswith("62%, estimated on ")
    assert f"evidence: {REPORT} ( Baseline of {benefit.title} )" in said
    link = detail.select_one("#baseline a")
    with client.get(link["href"]) as download:
        assert download.get_data() == b"%PDF-1.7 table 2"

    waiting = _criterion(client, work.id)
    assert (
        f"1 of 1 benefits need a measured baseline: “{benefit.title}” has an estimated baseline, "
        "not a measured one" in waiting
    )

    # The owner measures it and says so on the profile form, which shows what was recorded.
    edit = page(client.get(f"/benefits/{benefit.id}/edit"))
    assert edit.select_one("input[name=baseline_quality][checked]")["value"] == "estimated"
    assert edit.select_one("textarea[name=baseline_evidence]").get_text().strip() == REPORT
    saved = client.post(
        f"/benefits/{benefit.id}/edit",
        data={
            **_profile(owner.id, baseline_quality="measured", baseline_evidence="Telephony system extract"),
            "version": str(benefit.version),
        },
    )
    assert saved.status_code == 302, field_errors(saved)
    db_session.refresh(benefit)
    assert benefit.baseline_quality == "measured"
    # The file stays the baseline's evidence when no new one is chosen.
    assert benefit.baseline_attachment_id == filed.id
    assert "Every benefit's baseline has been measured or validated by finance." in _criterion(
        client, work.id
    )


def test_a_profile_without_the_baselines_quality_or_with_a_bad_file_stores_nothing(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    owner = login_as(UserFactory(manager=True))
    work = ImprovementFactory(delivery=True, owner=owner)
    before = (_count(db_session, Benefit), _count(db_session, Attachment))
    missing = client.post(
        f"/improvements/{work.id}/benefits/new", data=_profile(owner.id, baseline_quality="")
    )
    assert missing.status_code == 422
    assert "Choose whether the baseline was measured, estimated or a proxy." in field_errors(missing)
    assert page(missing).select_one("textarea[name=baseline_evidence]").get_text().strip() == REPORT
    bad_file = client.post(
        f"/improvements/{work.id}/benefits/new",
        data={**_profile(owner.id), "baseline_file": (io.BytesIO(b"MZ not a report"), "report.exe")},
        content_type="multipart/form-data",
    )
    assert bad_file.status_code == 422
    assert "Choose a PDF, DOCX, XLSX, PNG or JPEG." in field_errors(bad_file)
    # A file that claims to be a PDF but is not one is refused by the service's own check.
    fake = client.post(
        f"/improvements/{work.id}/benefits/new",
        data={**_profile(owner.id), "baseline_file": (io.BytesIO(b"not a pdf at all"), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422, fake.status_code
    assert field_errors(fake)
    db_session.expire_all()
    assert (_count(db_session, Benefit), _count(db_session, Attachment)) == before


def test_a_measurement_carries_its_quality_and_evidence_to_the_page_the_tracker_and_the_api(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = BenefitFactory(baseline_date=today() - timedelta(days=120))
    owner = benefit.owner
    token, _ = user_service.issue_api_token(owner, name="t", actor_id=owner.id)
    db_session.commit()
    login_as(owner)
    form = page(client.get(f"/benefits/{benefit.id}/measurements/new"))
    assert form.select_one("input[name=data_quality][checked]")["value"] == "measured"
    recorded = client.post(
        f"/benefits/{benefit.id}/measurements/new",
        data={
            "period_end": (today() - timedelta(days=10)).isoformat(),
            "value": "900",
            "data_quality": "estimated",
            "evidence": "Sample of two weeks' calls",
            "evidence_file": (io.BytesIO(b"%PDF-1.7 sample"), "sample.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert recorded.status_code == 302, field_errors(recorded)
    row = page(client.get(f"/benefits/{benefit.id}")).find("td", string="Estimated").find_parent("tr")
    cells = row.get_text(" ", strip=True)
    assert "Sample of two weeks' calls" in cells and row.select_one("a[href^='/attachments/']")
    login_as(UserFactory(design_authority=True))
    tracker = page(client.get("/benefits/")).get_text(" ", strip=True)
    assert "estimated" in tracker

    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get(f"/api/v1/benefits/{benefit.id}/measurements", headers=headers).get_json()["items"]
    assert listed[0]["data_quality"] == "estimated" and listed[0]["evidence"] == "Sample of two weeks' calls"
    assert listed[0]["attachment_id"] is not None
    shown = client.get(f"/api/v1/benefits/{benefit.id}", headers=headers).get_json()
    assert shown["latest_quality"] == "estimated"
    # Through the API, the evidence file is one already filed with the improvement.
    again = client.post(
        f"/api/v1/benefits/{benefit.id}/measurements",
        json={
            "period_end": (today() - timedelta(days=2)).isoformat(),
            "value": 880,
            "data_quality": "proxy",
            "evidence": "Web chat volumes",
            "attachment_id": listed[0]["attachment_id"],
        },
        headers=headers,
    )
    assert again.status_code == 201, again.get_json()
    assert (again.get_json()["data_quality"], again.get_json()["evidence"]) == ("proxy", "Web chat volumes")
    other = ImprovementFactory(delivery=True)
    db_session.add(
        Attachment(
            improvement_id=other.id,
            title="Someone else's",
            original_name="x.pdf",
            stored_name="f" * 32 + ".pdf",
            media_type="application/pdf",
            size_bytes=4,
            sha256="0" * 64,
            uploaded_by_id=other.owner_id,
        )
    )
    db_session.commit()
    elsewhere = db_session.scalar(select(Attachment.id).where(Attachment.improvement_id == other.id))
    refused = client.post(
        f"/api/v1/benefits/{benefit.id}/measurements",
        json={
            "period_end": (today() - timedelta(days=1)).isoformat(),
            "value": 870,
            "attachment_id": elsewhere,
        },
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["attachment_id"] == [
        "Choose a file filed with this improvement's evidence."
    ]
    assert _count(db_session, BenefitMeasurement) == 2


def test_the_api_reads_and_writes_the_baselines_quality_and_evidence(
    client: FlaskClient, db_session: Any
) -> None:
    owner = UserFactory(manager=True)
    work = ImprovementFactory(delivery=True, owner=owner)
    token, _ = user_service.issue_api_token(owner, name="t", actor_id=owner.id)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    body = {
        "title": "Calls answered at first contact",
        "driver": "channel_shift",
        "cash_class": "not_monetised",
        "unit": "%",
        "direction": "increase",
        "baseline_value": 62,
        "baseline_date": (today() - timedelta(days=30)).isoformat(),
        "target_value": 80,
        "target_date": (today() + timedelta(days=300)).isoformat(),
        "frequency": "monthly",
        "owner_id": owner.id,
        "baseline_quality": "proxy",
        "baseline_evidence": "Web chat volumes",
    }
    bad = client.post(
        f"/api/v1/improvements/{work.id}/benefits",
        json={**body, "baseline_quality": "guessed"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"]["baseline_quality"] == ["Choose measured, estimated or proxy."]
    created = client.post(f"/api/v1/improvements/{work.id}/benefits", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    made = created.get_json()
    assert (made["baseline_quality"], made["baseline_evidence"], made["baseline_attachment_id"]) == (
        "proxy",
        "Web chat volumes",
        None,
    )
    gate = client.get(f"/api/v1/improvements/{work.id}/gate", headers=headers)
    if gate.status_code == 200:
        said = str(gate.get_json())
        assert "has a baseline from a proxy (an indirect measure), not a measured one" in said
    patched = client.patch(
        f"/api/v1/benefits/{made['id']}",
        json={"baseline_quality": "measured", "baseline_evidence": REPORT, "version": made["version"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.get_json()
    assert (patched.get_json()["baseline_quality"], patched.get_json()["baseline_evidence"]) == (
        "measured",
        REPORT,
    )
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name, fields in {
        "Benefit": {"baseline_quality", "baseline_evidence", "baseline_attachment_id", "latest_quality"},
        "Measurement": {"data_quality", "evidence", "attachment_id"},
        "BenefitCreate": {"baseline_quality", "baseline_evidence", "baseline_attachment_id"},
        "MeasurementCreate": {"data_quality", "evidence", "attachment_id"},
    }.items():
        assert fields <= set(spec[name]["properties"]), name
    assert "G2" in spec["Benefit"]["properties"]["baseline_quality"]["description"]


def _register(benefit: Benefit, owner: Any) -> list[BenefitPost]:
    staffing_service.set_price_base(
        benefit.id,
        actor=owner,
        expected_version=0,
        price_base_year=2018,
        employer_ni_pct=Decimal(9),
        pension_pct=Decimal(16),
    )
    return [
        staffing_service.add_post(
            benefit.id,
            actor=owner,
            side=side,
            title=title,
            grade=grade,
            annual_salary_pence=2_400_000,
            fte=Decimal(fte),
            in_scope=in_scope,
        )
        for side, title, grade, fte, in_scope in [
            ("before", "Customer adviser", "SCP 12", 10, True),
            ("before", "Grant officer", "SCP 20", 1, False),
            ("after", "Customer adviser", "SCP 12", 7, True),
        ]
    ]


def test_the_api_changes_and_removes_a_post_with_the_version_read(
    client: FlaskClient, db_session: Any
) -> None:
    benefit = BenefitFactory(cashable=True)
    owner = benefit.improvement.owner
    adviser, grant, _after = _register(benefit, owner)
    adviser_id, grant_id = adviser.id, grant.id
    token, _ = user_service.issue_api_token(owner, name="t", actor_id=owner.id)
    outsider = UserFactory(manager=True)
    other_token, _ = user_service.issue_api_token(outsider, name="t", actor_id=outsider.id)
    db_session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/benefits/{benefit.id}/staffing/posts/{adviser.id}"
    stale = client.patch(url, json={"fte": 9, "version": adviser.version + 1}, headers=headers)
    assert stale.status_code == 409
    no_version = client.patch(url, json={"fte": 9}, headers=headers)
    assert no_version.status_code == 422
    bad = client.patch(url, json={"fte": 0, "version": adviser.version}, headers=headers)
    assert bad.status_code == 422
    changed = client.patch(url, json={"fte": 9, "version": adviser.version}, headers=headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["fte"] == 9 and changed.get_json()["version"] == adviser.version + 1
    register = client.get(f"/api/v1/benefits/{benefit.id}/staffing", headers=headers).get_json()
    assert register["figures"]["fte_saved"] == 2
    refused = client.delete(
        f"/api/v1/benefits/{benefit.id}/staffing/posts/{grant.id}",
        headers={"Authorization": f"Bearer {other_token}", "If-Match": f'"{grant.version}"'},
    )
    assert refused.status_code == 403
    stale_delete = client.delete(
        f"/api/v1/benefits/{benefit.id}/staffing/posts/{grant.id}",
        headers={**headers, "If-Match": f'"{grant.version + 5}"'},
    )
    assert stale_delete.status_code == 409
    removed = client.delete(
        f"/api/v1/benefits/{benefit.id}/staffing/posts/{grant.id}",
        headers={**headers, "If-Match": f'"{grant.version}"'},
    )
    assert removed.status_code == 204
    db_session.expire_all()
    assert db_session.get(BenefitPost, grant_id) is None
    assert db_session.get(BenefitPost, adviser_id).fte == Decimal(9)


def test_the_benefits_export_carries_the_baseline_evidence_and_the_staffing_register(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    benefit = BenefitFactory(cashable=True, baseline_quality="estimated", baseline_evidence=REPORT)
    _register(benefit, benefit.improvement.owner)
    plain = BenefitFactory(baseline_quality=None)
    db_session.commit()
    login_as(UserFactory(design_authority=True))
    response = client.get("/benefits/export.csv")
    assert response.status_code == 200
    rows = {row["Title"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    row = rows[benefit.title]
    assert row["Baseline measured, estimated or proxy"] == "estimated"
    assert row["Baseline evidence"] == REPORT
    assert row["Staffing register price base"] == "2018/19"
    assert row["Employer's National Insurance (%)"] == "9.00"
    assert row["Posts before the change"] == (
        "Customer adviser (SCP 12, £24,000, 10 FTE); Grant officer (SCP 20, £24,000, 1 FTE, out of scope)"
    )
    assert row["Posts after the change"] == "Customer adviser (SCP 12, £24,000, 7 FTE)"
    assert (row["FTE before (in scope)"], row["FTE after (in scope)"]) == ("10.00", "7.00")
    # 3 FTE at £24,000 with 9 % and 16 % on-costs.
    assert row["Staffing saving at the price base, with on-costs"] == "90000.00"
    other = rows[plain.title]
    assert other["Baseline measured, estimated or proxy"] == "not recorded"
    assert other["Posts before the change"] == "" and other["Staffing register price base"] == ""
