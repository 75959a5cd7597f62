"""The command line: users create/token, audit verify, seed and db check, through Click's runner."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import select, text

from changeauth.cli import main
from changeauth.models import ApiToken, User
from changeauth.services.users import user_for_api_token


def _run(app: Flask, *args: str, stdin: str | None = None) -> Any:
    # Through the console script's group, which also carries the developer commands (seed demo).
    return app.test_cli_runner().invoke(main, args=list(args), input=stdin)


def test_users_create_reads_the_password_from_stdin(app: Flask, db_session: Any) -> None:
    result = _run(
        app,
        "users",
        "create",
        "Dana@Council.Example",
        "--name",
        "Dana Lee",
        "--role",
        "design_authority",
        "--role",
        "finance",
        "--password-stdin",
        stdin="a long and private passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.email == "dana@council.example"))
    assert user.roles == {"design_authority", "finance"}
    assert "a long and private passphrase" not in result.output


def test_users_create_rejects_a_duplicate(app: Flask, db_session: Any) -> None:
    _run(app, "users", "create", "x@council.example", "--name", "X", "--role", "staff")
    result = _run(app, "users", "create", "x@council.example", "--name", "X", "--role", "staff")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_users_token_prints_only_a_working_token(app: Flask, db_session: Any) -> None:
    _run(app, "users", "create", "t@council.example", "--name", "T", "--role", "staff")
    result = _run(app, "users", "token", "t@council.example")
    assert result.exit_code == 0
    token = result.output.strip()
    assert "\n" not in token and token.startswith("ca_")
    with app.app_context():
        assert user_for_api_token(token) is not None
    assert db_session.scalar(select(ApiToken.token_hash)) != token


def test_audit_verify_reports_ok_then_the_first_broken_event(app: Flask, db_session: Any) -> None:
    _run(app, "users", "create", "a@council.example", "--name", "A", "--role", "staff")
    _run(app, "users", "create", "b@council.example", "--name", "B", "--role", "staff")
    ok = _run(app, "audit", "verify")
    assert ok.exit_code == 0
    assert json.loads(ok.output)["ok"] is True
    first_id = db_session.scalar(text("SELECT min(id) FROM audit_event"))
    if db_session.get_bind().dialect.name == "sqlite":
        db_session.execute(text("DROP TRIGGER audit_event_no_update"))
    else:
        db_session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    db_session.execute(text("UPDATE audit_event SET action = 'forged' WHERE id = :id"), {"id": first_id})
    broken = _run(app, "audit", "verify")
    assert broken.exit_code == 1
    assert json.loads(broken.output)["first_broken_id"] == first_id


def test_seed_demo_refuses_production(app: Flask, db_session: Any, monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = _run(app, "seed", "demo")
    assert result.exit_code != 0
    assert "never loaded in production" in result.output


def test_db_check_passes(app: Flask, db_session: Any) -> None:
    result = _run(app, "db", "check")
    assert result.exit_code == 0, result.output


def test_users_export_writes_everything_held_and_is_audited(
    app: Flask, db_session: Any, tmp_path: Any
) -> None:
    from changeauth.models import AuditEvent
    from tests.factories import ImprovementFactory, UserFactory

    person = UserFactory(email="sam.export@council.example", name="Sam Export")
    ImprovementFactory(title="An idea Sam sent in anonymously", submitter=person, is_anonymous=True)
    db_session.flush()
    output = tmp_path / "sam.json"
    result = _run(app, "users", "export", "Sam.Export@council.example", "--output", str(output))
    assert result.exit_code == 0, result.output
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["account"]["name"] == "Sam Export"
    assert [(i["title"], i["anonymous"]) for i in data["ideas"]] == [
        ("An idea Sam sent in anonymously", True)
    ]
    exported = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.personal_data_exported")
    ).all()
    assert [(e.subject_id, e.actor_id, e.after) for e in exported] == [(person.id, None, {"form": "command"})]

    missing = _run(app, "users", "export", "nobody@council.example")
    assert missing.exit_code != 0 and "no account" in missing.output


def test_users_anonymise_refuses_an_active_account_and_anonymises_a_switched_off_one(
    app: Flask, db_session: Any
) -> None:
    from changeauth.services import audit as audit_service
    from changeauth.services import users as user_service

    _run(app, "users", "create", "kit.leaving@council.example", "--name", "Kit Leaving", "--role", "staff")
    active = _run(app, "users", "anonymise", "kit.leaving@council.example")
    assert active.exit_code != 0 and "Switch the account off" in active.output
    person = db_session.scalar(select(User).where(User.email == "kit.leaving@council.example"))
    user_service.deactivate_user(person, actor_id=None)
    db_session.flush()
    result = _run(app, "users", "anonymise", "kit.leaving@council.example")
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert person.name == "A former member of staff" and "kit" not in person.email
    assert audit_service.verify_audit_chain().ok
