"""Importing ideas: the template, a dry run that lists every row's problems by row number, the import
through submit_idea (the form's own validation), all or nothing, bad files reported without a 500, and
the command line with its progress bar."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from changeauth.domain.idea_import import MAX_BYTES
from changeauth.models import AuditEvent, Improvement
from tests.factories import UserFactory
from tests.helpers import csrf_token, page

HEADER = "Title,Problem,Proposal,Expected effect,Benefit drivers,Team,Anonymous\r\n"
GOOD = (
    HEADER
    + "Book bulky waste online,Residents phone to book,Online booking,Fewer calls,channel_shift,,No\r\n"
    + "Scan post on arrival,Post is lost between offices,Scan it in the post room,,"
    + "Technology and processes; remodelling,Digital Team,yes\r\n"
)
# Row 2 is fine; rows 3-7 each have something wrong; row 8 has three problems.
BAD = (
    HEADER
    + "A perfectly good idea,Problem,Proposal,,channel_shift,,\r\n"
    + ",Problem,Proposal,,channel_shift,,\r\n"  # 3: empty title
    + "Unknown driver idea,Problem,Proposal,,wizardry,,\r\n"  # 4: unknown driver
    + "No driver idea,Problem,Proposal,,,,\r\n"  # 5: no driver
    + "Unknown team idea,Problem,Proposal,,channel_shift,Ministry of Magic,\r\n"  # 6: unknown team
    + "Odd anonymity,Problem,Proposal,,channel_shift,,perhaps\r\n"  # 7: not yes or no
    + "x,,,,nonsense,,\r\n"  # 8: short title, no problem, no proposal, unknown driver
)


def _count(db_session: Any, model: Any = Improvement) -> int:
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def _post(client: FlaskClient, data: bytes, name: str = "ideas.csv", action: str = "check") -> Any:
    # The body is encoded here: Werkzeug's test encoder spools large files to a temporary file it never
    # closes, which pytest (warnings as errors) would report.
    token = csrf_token(client.get("/ideas/import"))
    boundary = "----changeauth-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in (("csrf_token", token), ("action", action))
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/ideas/import", data=b"".join(parts), content_type=f"multipart/form-data; boundary={boundary}"
    )


def _problems(response: Any) -> list[tuple[int, str, str]]:
    table = page(response).select_one("#problem-table")
    return [
        (int(tds[0].get_text()), tds[1].get_text(), tds[2].get_text())
        for tds in (tr.select("td") for tr in table.select("tbody tr"))
    ]


def test_who_may_import(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory())
    assert client.get("/ideas/import").status_code == 403
    assert client.get("/ideas/import/template.csv").status_code == 403
    login_as(UserFactory(viewer=True))
    assert client.get("/ideas/import").status_code == 403
    login_as(UserFactory(manager=True))
    assert client.get("/ideas/import").status_code == 200
    dashboard = page(client.get("/dashboard"))
    assert any(a.get("href") == "/ideas/import" for a in dashboard.select("a"))


def test_the_templates_download_as_attachments(client: FlaskClient, login_as: Any) -> None:
    login_as(UserFactory(design_authority=True))
    csv_template = client.get("/ideas/import/template.csv")
    assert csv_template.headers["Content-Disposition"] == 'attachment; filename="ideas-template.csv"'
    assert csv_template.get_data(as_text=True).lstrip("\ufeff").startswith(HEADER.removesuffix("\r\n"))
    xlsx = client.get("/ideas/import/template.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[1]] == HEADER.strip().split(",")


def test_a_dry_run_of_good_rows_imports_nothing(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    login_as(UserFactory(design_authority=True))
    before, events = _count(db_session), _count(db_session, AuditEvent)
    response = _post(client, GOOD.encode())
    assert response.status_code == 200
    assert "All 2 rows are ready to import" in response.get_data(as_text=True)
    assert _count(db_session) == before and _count(db_session, AuditEvent) == events


def test_a_file_full_of_bad_rows_lists_every_problem_and_imports_nothing(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    login_as(UserFactory(design_authority=True))
    before = _count(db_session)
    for action in ("check", "import"):
        response = _post(client, BAD.encode(), action=action)
        assert response.status_code == 422
        problems = _problems(response)
        assert {number for number, _column, _message in problems} == {3, 4, 5, 6, 7, 8}
        assert (3, "Title", "Enter a title between 3 and 200 characters.") in problems
        assert (4, "Benefit drivers", "Unknown benefit driver: wizardry.") in problems
        assert (5, "Benefit drivers", "Choose at least one benefit driver.") in problems
        assert (6, "Team", "Choose a team from the list.") in problems
        assert (7, "Anonymous", "Enter Yes or No.") in problems
        assert {column for number, column, _ in problems if number == 8} == {
            "Title",
            "Problem",
            "Proposal",
            "Benefit drivers",
        }
        assert "6 of 7 rows have problems" in response.get_data(as_text=True)
        # All or nothing: the good row 2 was not kept either.
        assert _count(db_session) == before


def test_the_import_goes_through_submit_idea(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    person = UserFactory(design_authority=True)
    login_as(person)
    before = _count(db_session)
    response = _post(client, GOOD.encode(), action="import")
    assert response.status_code == 302 and response.headers["Location"].endswith("/improvements/")
    assert _count(db_session) == before + 2
    scan = db_session.scalar(select(Improvement).where(Improvement.title == "Scan post on arrival"))
    assert scan.stage == "idea" and scan.status == "submitted" and scan.submitter_id == person.id
    assert scan.is_anonymous is True
    events = db_session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "improvement.submitted", AuditEvent.subject_id == scan.id
        )
    ).all()
    assert len(events) == 1
    assert sorted(events[0].after["benefit_drivers"]) == ["remodelling", "technology_process"]


def test_the_same_rows_as_xlsx_with_loose_headings(
    client: FlaskClient, login_as: Any, db_session: Any
) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append([" TITLE ", "problem", "PROPOSAL", "benefit-drivers", "Notes"])
    workbook.active.append(
        ["Fix the potholes form", "It times out", "Shorter form", "Customer channel shift", "x"]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    login_as(UserFactory(manager=True))
    before = _count(db_session)
    check = _post(client, buffer.getvalue(), name="ideas.XLSX")
    assert check.status_code == 200 and "Columns ignored: Notes." in check.get_data(as_text=True)
    assert _post(client, buffer.getvalue(), name="ideas.xlsx", action="import").status_code == 302
    assert _count(db_session) == before + 1


def test_bad_files_are_reported_never_a_500(client: FlaskClient, login_as: Any, db_session: Any) -> None:
    login_as(UserFactory(admin=True))
    before = _count(db_session)
    cases = [
        (b"%PDF-1.7 not a spreadsheet", "ideas.pdf", "must be a CSV file (.csv) or an Excel workbook"),
        (b"Title,Problem\r\nA,B\r\n", "ideas.csv", "must have these columns: Proposal, Benefit drivers"),
        (
            (HEADER + "An idea title,P,Q,,channel_shift,,\r\n" * 100_000).encode(),
            "many.csv",
            "more than 10,000 ideas",
        ),
        (b"PK\x03\x04 broken", "ideas.xlsx", "could not be read as an Excel workbook"),
        (HEADER.encode() + b"x" * MAX_BYTES, "big.csv", "must be 10 MiB or smaller"),
    ]
    for data, name, message in cases:
        response = _post(client, data, name=name, action="import")
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert _count(db_session) == before
    missing = client.post("/ideas/import", data={"csrf_token": csrf_token(client.get("/ideas/import"))})
    assert missing.status_code == 422 and "Choose a CSV or XLSX file." in missing.get_data(as_text=True)


def test_the_command_line_dry_run_and_import(app: Flask, db_session: Any, tmp_path: Path) -> None:
    UserFactory(admin=True)
    importer = UserFactory(manager=True, email="importer@council.example")
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(GOOD.encode())
    bad.write_bytes(BAD.encode())
    runner = app.test_cli_runner()
    before = _count(db_session)

    dry = runner.invoke(args=["import", "ideas", str(good), "--dry-run", "--as", importer.email])
    assert dry.exit_code == 0, dry.output
    assert "All 2 rows are ready to import" in dry.output and _count(db_session) == before

    refused = runner.invoke(args=["import", "ideas", str(bad), "--as", importer.email])
    assert refused.exit_code == 1
    assert "Row 4: Benefit drivers: Unknown benefit driver: wizardry." in refused.output
    assert "6 of 7 rows have problems. Nothing was imported." in refused.output
    assert _count(db_session) == before

    done = runner.invoke(args=["import", "ideas", str(good), "--as", importer.email])
    assert done.exit_code == 0, done.output
    assert "Imported 2 ideas" in done.output
    assert _count(db_session) == before + 2
    assert {
        i.submitter_id
        for i in db_session.scalars(select(Improvement).order_by(Improvement.id.desc()).limit(2))
    } == {importer.id}

    nobody = runner.invoke(args=["import", "ideas", str(good), "--as", "ghost@council.example"])
    assert nobody.exit_code == 1 and "No active account" in nobody.output
    not_a_sheet = tmp_path / "notes.txt"
    not_a_sheet.write_text("hello")
    wrong = runner.invoke(args=["import", "ideas", str(not_a_sheet)])
    assert wrong.exit_code == 1 and "must be a CSV file" in wrong.output


def test_the_file_is_parsed_with_no_transaction_open_and_the_import_still_lands(
    client: FlaskClient, login_as: Any, db_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a write transaction holds the only write lock: a slow parse inside one would make every
    other write in the service wait (issue 18, finding 6)."""
    from changeauth import db
    from changeauth.reporting import imports

    seen: list[bool] = []
    real = imports.read_ideas

    def watching(filename: str, data: bytes) -> Any:
        seen.append(db.session().in_transaction())
        return real(filename, data)

    monkeypatch.setattr(imports, "read_ideas", watching)
    login_as(UserFactory(design_authority=True))
    before = _count(db_session)
    response = _post(client, GOOD.encode(), action="import")
    assert response.status_code == 302
    assert seen == [False]
    assert _count(db_session) == before + 2
