"""``changeauth audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from changeauth.services.audit import verify_audit_chain


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@with_appcontext
def verify() -> None:
    """Verify the hash chain; exit 1 and name the first broken event if it does not hold."""
    report = verify_audit_chain()
    click.echo(
        json.dumps({"ok": report.ok, "events": report.events, "first_broken_id": report.first_broken_id})
    )
    if not report.ok:
        raise SystemExit(1)
