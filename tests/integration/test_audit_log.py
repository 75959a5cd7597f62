"""The audit log is append-only through the ORM and raw SQL (AUD-02) and its hash chain detects
edits, deletions and swaps (AUD-03)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from changeauth.models import AuditEvent, AuditEventImmutable
from changeauth.services.audit import record_event, verify_audit_chain


def _events(n: int) -> list[AuditEvent]:
    return [
        record_event(actor_id=None, action="test.event", subject_type="thing", subject_id=i, after={"n": i})
        for i in range(n)
    ]


def _without_guards(session: Any) -> None:
    """Switch the append-only triggers off inside this test's transaction (rolled back afterwards)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DROP TRIGGER audit_event_no_update"))
        session.execute(text("DROP TRIGGER audit_event_no_delete"))
    else:
        session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))


class TestAppendOnly:
    def test_orm_update_is_refused(self, db_session: Any) -> None:
        event = _events(1)[0]
        db_session.commit()
        event.reason = "rewritten"
        with pytest.raises(AuditEventImmutable):
            db_session.flush()

    def test_orm_delete_is_refused(self, db_session: Any) -> None:
        event = _events(1)[0]
        db_session.commit()
        db_session.delete(event)
        with pytest.raises(AuditEventImmutable):
            db_session.flush()

    @pytest.mark.parametrize(
        "statement",
        [
            update(AuditEvent).values(reason="rewritten"),
            delete(AuditEvent),
        ],
        ids=["update", "delete"],
    )
    def test_raw_sql_is_refused_by_the_database(self, db_session: Any, statement: Any) -> None:
        _events(2)
        db_session.commit()
        nested = db_session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db_session.execute(statement.execution_options(synchronize_session=False))
        nested.rollback()
        assert db_session.scalar(select(AuditEvent.reason).limit(1)) is None

    def test_raw_text_update_is_refused(self, db_session: Any) -> None:
        _events(1)
        db_session.commit()
        nested = db_session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            db_session.execute(text("UPDATE audit_event SET action = 'x'"))
        nested.rollback()


class TestHashChain:
    def test_a_generated_history_verifies(self, db_session: Any) -> None:
        _events(6)
        report = verify_audit_chain()
        assert report.ok
        assert report.first_broken_id is None
        assert report.events >= 6

    def test_each_event_links_to_the_previous(self, db_session: Any) -> None:
        first, second = _events(2)
        assert second.prev_hash == first.row_hash

    def test_editing_a_row_is_reported_at_that_row(self, db_session: Any) -> None:
        events = _events(5)
        _without_guards(db_session)
        db_session.execute(
            text("UPDATE audit_event SET reason = 'tampered' WHERE id = :id"), {"id": events[2].id}
        )
        report = verify_audit_chain()
        assert not report.ok
        assert report.first_broken_id == events[2].id

    def test_deleting_a_middle_row_is_reported_at_the_next(self, db_session: Any) -> None:
        events = _events(5)
        _without_guards(db_session)
        db_session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[2].id})
        db_session.expunge_all()
        report = verify_audit_chain()
        assert report.first_broken_id == events[3].id

    def test_swapping_two_rows_is_reported_at_the_first(self, db_session: Any) -> None:
        events = _events(5)
        a, b = events[1], events[3]
        _without_guards(db_session)
        table = AuditEvent.__table__
        swapped = ["occurred_at", "action", "subject_id", "after", "prev_hash", "row_hash"]
        values = {
            row.id: {name: getattr(row, name) for name in swapped}
            for row in db_session.execute(select(table).where(table.c.id.in_([a.id, b.id])))
        }
        # row_hash is unique, so park one value while the two rows trade places.
        db_session.execute(update(table).where(table.c.id == a.id).values(row_hash="parked"))
        db_session.execute(update(table).where(table.c.id == b.id).values(**values[a.id]))
        db_session.execute(update(table).where(table.c.id == a.id).values(**values[b.id]))
        db_session.expunge_all()
        report = verify_audit_chain()
        assert report.first_broken_id == a.id
