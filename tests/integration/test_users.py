"""Accounts and sign-in: argon2id hashes (AUTH-08), identical failures and database-counted
throttling (AUTH-05), session versions (SESS-03, SESS-06) and API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from argon2.low_level import Type
from sqlalchemy import func, select

from changeauth.domain.errors import AlreadyExists, ValidationFailed
from changeauth.models import ApiToken, AuditEvent, LoginAttempt
from changeauth.services import users as user_service
from tests.conftest import PRODUCTION_PASSWORD_HASHER
from tests.factories import TEST_PASSWORD, UserFactory

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class TestCreateUser:
    def test_stores_an_argon2id_hash_with_strong_parameters(self, db_session: Any) -> None:
        user = user_service.create_user(
            email="New.Person@Council.Example",
            name="New Person",
            roles=["staff"],
            password="a long enough passphrase",
        )
        assert user.email == "new.person@council.example"
        assert user.password_hash.startswith("$argon2id$")
        params = user.password_hash.split("$")[3]
        memory = int(params.split(",")[0].removeprefix("m="))
        time_cost = int(params.split(",")[1].removeprefix("t="))
        assert memory >= 19456 and time_cost >= 2

    def test_production_hashes_with_the_rfc_9106_low_memory_profile(self) -> None:
        # The tests hash at AUTH-08's minimum (tests/conftest.py); the app's own hasher is stronger.
        params = PRODUCTION_PASSWORD_HASHER.hash("a long enough passphrase").split("$")[3]
        assert params == "m=65536,t=3,p=4"

    def test_writes_an_audit_event(self, db_session: Any) -> None:
        user = user_service.create_user(email="a@council.example", name="A", roles=["staff"])
        event = db_session.scalar(
            select(AuditEvent).where(AuditEvent.subject_type == "user", AuditEvent.subject_id == user.id)
        )
        assert event.action == "user.created"
        assert event.after["roles"] == ["staff"]

    def test_refuses_a_duplicate_email_in_any_case(self, db_session: Any) -> None:
        user_service.create_user(email="dup@council.example", name="A", roles=["staff"])
        with pytest.raises(AlreadyExists):
            user_service.create_user(email="DUP@council.example", name="B", roles=["staff"])

    def test_refuses_unknown_roles_and_teams(self, db_session: Any) -> None:
        with pytest.raises(ValidationFailed) as failure:
            user_service.create_user(
                email="x@council.example", name="X", roles=["emperor"], team_code="nowhere"
            )
        assert set(failure.value.fields) == {"roles", "team"}


class TestAuthenticate:
    def test_succeeds_with_the_right_password(self, db_session: Any) -> None:
        user = UserFactory()
        assert (
            user_service.authenticate(user.email.upper(), TEST_PASSWORD, ip_address="10.0.0.1", now=NOW)
            == user
        )

    @pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "inactive"])
    def test_every_failure_looks_the_same(self, db_session: Any, case: str) -> None:
        user = UserFactory(inactive=case == "inactive")
        email = "nobody@council.example" if case == "unknown_email" else user.email
        password = "not the password" if case == "wrong_password" else TEST_PASSWORD
        with pytest.raises(user_service.AuthenticationFailed) as failure:
            user_service.authenticate(email, password, ip_address=None, now=NOW)
        assert str(failure.value) == "The email address or password is not right."

    def test_ten_failures_in_fifteen_minutes_throttle_even_the_right_password(self, db_session: Any) -> None:
        user = UserFactory()
        for minute in range(10):
            with pytest.raises(user_service.AuthenticationFailed):
                user_service.authenticate(
                    user.email, "wrong", ip_address=None, now=NOW + timedelta(minutes=minute)
                )
        with pytest.raises(user_service.AuthenticationFailed) as failure:
            user_service.authenticate(
                user.email, TEST_PASSWORD, ip_address=None, now=NOW + timedelta(minutes=10)
            )
        assert failure.value.throttled
        assert str(failure.value) == "The email address or password is not right."

    def test_the_soft_lock_clears_by_itself(self, db_session: Any) -> None:
        user = UserFactory()
        for minute in range(10):
            with pytest.raises(user_service.AuthenticationFailed):
                user_service.authenticate(
                    user.email, "wrong", ip_address=None, now=NOW + timedelta(minutes=minute)
                )
        later = NOW + timedelta(minutes=9 + 16)
        assert user_service.authenticate(user.email, TEST_PASSWORD, ip_address=None, now=later) == user

    def test_attempts_are_counted_in_the_database(self, db_session: Any) -> None:
        user = UserFactory()
        with pytest.raises(user_service.AuthenticationFailed):
            user_service.authenticate(user.email, "wrong", ip_address="10.1.1.1", now=NOW)
        rows = db_session.scalars(select(LoginAttempt).where(LoginAttempt.email_key == user.email)).all()
        assert [(r.succeeded, r.ip_address) for r in rows] == [(False, "10.1.1.1")]

    def test_an_old_parameter_hash_is_upgraded_at_sign_in(self, db_session: Any) -> None:
        weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID).hash(TEST_PASSWORD)
        user = UserFactory(password_hash=weak)
        user_service.authenticate(user.email, TEST_PASSWORD, ip_address=None, now=NOW)
        assert user.password_hash != weak
        assert not user_service.password_hasher.check_needs_rehash(user.password_hash)


class TestSessions:
    def test_a_cookie_id_stops_working_once_sessions_end(self, db_session: Any) -> None:
        user = UserFactory()
        cookie_id = user.get_id()
        assert user_service.load_session_user(cookie_id) == user
        user_service.end_sessions(user, actor_id=user.id, reason="signed out")
        assert user_service.load_session_user(cookie_id) is None
        assert user_service.load_session_user(user.get_id()) == user

    def test_deactivation_ends_sessions(self, db_session: Any) -> None:
        user = UserFactory()
        cookie_id = user.get_id()
        user_service.deactivate_user(user, actor_id=None)
        assert user_service.load_session_user(cookie_id) is None
        assert user_service.load_session_user(user.get_id()) is None

    @pytest.mark.parametrize("garbage", ["", "abc", "1", "1:", ":1", "1:x", "-1:1", "9999999:1"])
    def test_malformed_session_ids_load_nobody(self, db_session: Any, garbage: str) -> None:
        assert user_service.load_session_user(garbage) is None


class TestApiTokens:
    def test_only_the_hash_is_stored(self, db_session: Any) -> None:
        user = UserFactory()
        token, record = user_service.issue_api_token(user, name="CRM", actor_id=user.id)
        assert token.startswith("ca_") and len(token) > 40
        stored = db_session.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and record.token_hash in stored
        assert user_service.user_for_api_token(token, now=NOW) == user

    def test_use_updates_last_used(self, db_session: Any) -> None:
        user = UserFactory()
        token, record = user_service.issue_api_token(user, name="CRM", actor_id=user.id)
        user_service.user_for_api_token(token, now=NOW)
        db_session.expire_all()
        assert db_session.get(ApiToken, record.id).last_used_at == NOW

    def test_revoked_tokens_and_deactivated_users_fail(self, db_session: Any) -> None:
        user = UserFactory()
        revoked, record = user_service.issue_api_token(user, name="old", actor_id=user.id)
        user_service.revoke_api_token(record, actor_id=user.id)
        assert user_service.user_for_api_token(revoked, now=NOW) is None
        other = UserFactory()
        token, _ = user_service.issue_api_token(other, name="t", actor_id=other.id)
        user_service.deactivate_user(other, actor_id=None)
        assert user_service.user_for_api_token(token, now=NOW) is None

    @pytest.mark.parametrize("token", ["", "ca_", "ca_unknown", "Bearer x", "x" * 500])
    def test_unknown_tokens_fail(self, db_session: Any, token: str) -> None:
        assert user_service.user_for_api_token(token, now=NOW) is None

    def test_token_count_does_not_leak_between_tests(self, db_session: Any) -> None:
        assert db_session.scalar(select(func.count()).select_from(ApiToken)) == 0
