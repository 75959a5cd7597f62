"""Single sign-on through the test client against a real OpenID Connect provider on a local port.

Every sign-in goes the whole way: changeauth's redirect to the provider (with PKCE, state and nonce),
the provider's own sign-in form, the provider's redirect back with a code, and changeauth's exchange of
the code for a signed ID token, checked against the provider's published keys.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from changeauth import create_app, db
from changeauth.models import AuditEvent, User
from tests.conftest import TEST_SECRET_KEY
from tests.factories import TEST_PASSWORD, UserFactory
from tests.oidc_provider import InProcessProvider, running_provider

CLIENT_ID = "changeauth-tests"
ROLE_MAP = {"ChangeAuth.DesignAuthority": "design_authority", "ChangeAuth.Finance": ["finance", "viewer"]}


@pytest.fixture(scope="module")
def provider() -> Iterator[InProcessProvider]:
    with running_provider() as running:
        yield running


def sso_app_for(provider: InProcessProvider, database_url: str, tmp_path: Any, **settings: Any) -> Flask:
    config = {
        "ENV_NAME": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET_KEY,
        "INSTANCE_PATH": tmp_path,
        "SERVER_NAME": "changeauth.test",
        "OIDC_ISSUER": provider.url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": "not-a-real-secret",
        "OIDC_ROLE_MAP": ROLE_MAP,
    }
    config.update(settings)
    return create_app(config)


@pytest.fixture(scope="module")
def sso_app(
    provider: InProcessProvider, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    app = sso_app_for(provider, database_url, tmp_path_factory.mktemp("sso"))
    yield app
    db.get_engine(app).dispose()


@pytest.fixture
def sso_client(sso_app: Flask, db_session: Any, provider: InProcessProvider) -> Iterator[FlaskClient]:
    provider.reset()
    sso_app.config.update(OIDC_SSO_ONLY=False, OIDC_BREAK_GLASS_ACCOUNTS=[], OIDC_PROVIDER_ENFORCES_MFA=False)
    yield sso_app.test_client()
    provider.reset()


def go_to_provider(client: FlaskClient, *, next_url: str | None = None) -> str:
    start = client.get("/sign-in/sso", query_string={"next": next_url} if next_url else None)
    assert start.status_code == 302
    return start.headers["Location"]


def provider_answer(authorize_url: str, *, sub: str | None = None, deny: bool = False) -> str:
    """Use the provider's own sign-in form; returns where it sends the browser back to."""
    form = {"action": "deny"} if deny else {"sub": sub}
    answer = httpx.post(authorize_url, data=form, follow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def come_back(client: FlaskClient, callback_url: str) -> Any:
    parts = urlsplit(callback_url)
    assert parts.path == "/sign-in/sso/callback"
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: FlaskClient, sub: str, *, next_url: str | None = None) -> Any:
    return come_back(client, provider_answer(go_to_provider(client, next_url=next_url), sub=sub))


def person(provider: InProcessProvider, sub: str, email: str, **claims: Any) -> None:
    provider.set_user(sub, email=email, email_verified=True, name=claims.pop("name", "Pat Person"), **claims)


def signed_in_as(client: FlaskClient) -> str | None:
    with client.session_transaction() as session:
        raw = session.get("_user_id")
    return raw.partition(":")[0] if isinstance(raw, str) else None


def audit_actions(user_id: int | None = None) -> list[str]:
    statement = select(AuditEvent.action).where(AuditEvent.subject_type == "user").order_by(AuditEvent.id)
    if user_id is not None:
        statement = statement.where(AuditEvent.subject_id == user_id)
    return list(db.session.scalars(statement))


def refusal_page(client: FlaskClient, response: Any) -> str:
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    assert signed_in_as(client) is None
    return client.get("/sign-in").get_data(as_text=True)


def test_the_request_to_the_provider_carries_pkce_state_and_nonce(sso_client: FlaskClient) -> None:
    query = parse_qs(urlsplit(go_to_provider(sso_client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["redirect_uri"] == ["http://changeauth.test/sign-in/sso/callback"]
    with sso_client.session_transaction() as session:
        # The verifier stays with changeauth; the provider only ever sees its hash.
        stored = next(value["data"] for key, value in session.items() if key.startswith("_state_council_"))
    assert stored["code_verifier"] not in query["code_challenge"][0]


def test_a_first_sign_in_creates_a_staff_account_and_audits_it(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(provider, "first-timer", "New.Starter@council.example", name="Nia Starter")

    response = sign_in(sso_client, "first-timer", next_url="/ideas")

    assert response.status_code == 302 and response.headers["Location"] == "/ideas"
    user = db.session.scalar(select(User).where(User.email == "new.starter@council.example"))
    assert user is not None and user.name == "Nia Starter" and user.roles == {"staff"}
    assert (user.oidc_issuer, user.oidc_subject) == (provider.url, "first-timer")
    assert user.password_hash is None
    assert signed_in_as(sso_client) == str(user.id)
    created = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.created", AuditEvent.subject_id == user.id)
    )
    assert created is not None and "sign-in service" in (created.reason or "")
    assert "Welcome to Change authority, Nia Starter" in sso_client.get("/").get_data(as_text=True)


def test_a_second_sign_in_finds_the_same_account_by_its_subject(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(provider, "returning", "returning@council.example")
    sign_in(sso_client, "returning")
    first = db.session.scalar(select(User).where(User.oidc_subject == "returning"))
    sso_client.post("/sign-out")
    # The provider now knows the person by a new address: the account follows it.
    person(provider, "returning", "renamed@council.example")

    sign_in(sso_client, "returning")

    assert first is not None and signed_in_as(sso_client) == str(first.id)
    db.session.refresh(first)
    assert first.email == "renamed@council.example"
    assert "user.email_changed" in audit_actions(first.id)


def test_an_existing_account_is_linked_by_its_verified_email(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    existing = UserFactory(email="already.here@council.example", manager=True)
    person(provider, "entra-oid-1", "Already.Here@council.example")

    sign_in(sso_client, "entra-oid-1")

    db.session.refresh(existing)
    assert signed_in_as(sso_client) == str(existing.id)
    assert existing.oidc_subject == "entra-oid-1"
    assert "user.sso_linked" in audit_actions(existing.id)


def test_roles_come_from_the_claim_and_are_read_again_at_each_sign_in(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(
        provider,
        "finance-person",
        "fin@council.example",
        roles=["ChangeAuth.Finance", "Unrelated"],
        amr=["mfa"],
    )
    sign_in(sso_client, "finance-person")
    user = db.session.scalar(select(User).where(User.email == "fin@council.example"))
    assert user is not None and user.roles == {"staff", "finance", "viewer"}
    sso_client.post("/sign-out")

    person(
        provider, "finance-person", "fin@council.example", roles=["ChangeAuth.DesignAuthority"], amr=["mfa"]
    )
    sign_in(sso_client, "finance-person")

    db.session.refresh(user)
    assert user.roles == {"staff", "design_authority"}
    changed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.roles_changed", AuditEvent.subject_id == user.id)
    ).all()
    assert changed[-1].before == {"roles": ["finance", "staff", "viewer"]}
    assert changed[-1].after == {"roles": ["design_authority", "staff"]}


def test_a_role_that_needs_a_second_factor_is_sent_to_set_one_up_unless_the_provider_asserted_one(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(provider, "da-no-mfa", "da.one@council.example", roles=["ChangeAuth.DesignAuthority"], amr=["pwd"])
    response = sign_in(sso_client, "da-no-mfa")
    assert response.headers["Location"] == "/account/two-factor/setup"
    assert sso_client.get("/notifications/").headers["Location"] == "/account/two-factor/setup"
    sso_client.post("/sign-out")

    person(
        provider,
        "da-no-mfa",
        "da.one@council.example",
        roles=["ChangeAuth.DesignAuthority"],
        amr=["pwd", "mfa"],
    )
    response = sign_in(sso_client, "da-no-mfa")
    assert response.headers["Location"] == "/"
    assert sso_client.get("/notifications/").status_code == 200


def test_an_acr_the_council_lists_counts_as_the_providers_second_factor(
    sso_client: FlaskClient, sso_app: Flask, provider: InProcessProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sso_app.config, "OIDC_MFA_ACR_VALUES", ["gold"])
    person(provider, "da-acr", "da.acr@council.example", roles=["ChangeAuth.DesignAuthority"], acr="gold")
    assert sign_in(sso_client, "da-acr").headers["Location"] == "/"


def test_changeauth_asks_for_its_own_code_when_the_person_has_one_and_the_provider_did_not_assert_mfa(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    secret = pyotp.random_base32()
    user = UserFactory(email="da.totp@council.example", design_authority=True)
    user.totp_secret = secret
    db.session.flush()
    person(provider, "da-totp", "da.totp@council.example", roles=["ChangeAuth.DesignAuthority"])

    response = sign_in(sso_client, "da-totp")

    assert response.headers["Location"] == "/sign-in/two-factor"
    assert signed_in_as(sso_client) is None
    answer = sso_client.post("/sign-in/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert answer.status_code == 302 and signed_in_as(sso_client) == str(user.id)
    with sso_client.session_transaction() as session:
        assert session.get("_sso") is True  # signing out will end the provider's session too


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda claims: {**claims, "iss": "http://127.0.0.1:9/impostor"}, "wrong_issuer"),
        (
            lambda claims: {**claims, "exp": int(time.time()) - 600, "iat": int(time.time()) - 4200},
            "expired_token",
        ),
        (lambda claims: {**claims, "aud": "another-service"}, "wrong_audience"),
        (lambda claims: {**claims, "nonce": "not-the-one-sent"}, "wrong_nonce"),
    ],
    ids=["wrong issuer", "expired", "another audience", "another nonce"],
)
def test_an_id_token_that_fails_a_check_is_refused(
    sso_client: FlaskClient,
    provider: InProcessProvider,
    caplog: pytest.LogCaptureFixture,
    tamper: Any,
    reason: str,
) -> None:
    person(provider, f"victim-{reason}", f"{reason}@council.example")
    provider.tamper = tamper

    with caplog.at_level(logging.INFO, logger="changeauth.security"):
        response = sign_in(sso_client, f"victim-{reason}")

    page = refusal_page(sso_client, response)
    assert "could not be trusted" in page
    assert db.session.scalar(select(User).where(User.email == f"{reason}@council.example")) is None
    events = [r.security for r in caplog.records if getattr(r, "security", None)]
    assert {"event": "authn_login_fail", "reason": reason}.items() <= events[-1].items()


def test_a_token_signed_with_a_key_the_provider_never_published_is_refused(
    sso_client: FlaskClient, provider: InProcessProvider, caplog: pytest.LogCaptureFixture
) -> None:
    person(provider, "forged", "forged@council.example")
    provider.forge_signature = True

    with caplog.at_level(logging.INFO, logger="changeauth.security"):
        response = sign_in(sso_client, "forged")

    assert "could not be trusted" in refusal_page(sso_client, response)
    events = [r.security for r in caplog.records if getattr(r, "security", None)]
    assert events[-1]["reason"] == "bad_signature"
    assert db.session.scalar(select(User).where(User.email == "forged@council.example")) is None


def test_a_replayed_state_is_refused(sso_client: FlaskClient, provider: InProcessProvider) -> None:
    person(provider, "replayer", "replayer@council.example")
    callback = provider_answer(go_to_provider(sso_client), sub="replayer")
    come_back(sso_client, callback)
    assert signed_in_as(sso_client) is not None
    sso_client.post("/sign-out")

    # The same answer again (state, code and all), in the same browser and in another one.
    page = refusal_page(sso_client, come_back(sso_client, callback))
    assert "already been used or has expired" in page
    other_browser = sso_client.application.test_client()
    assert "already been used" in refusal_page(other_browser, come_back(other_browser, callback))


def test_a_state_from_another_sign_in_is_refused(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(provider, "someone", "someone@council.example")
    attacker = sso_client.application.test_client()
    # The attacker's own answer from the provider, planted on the victim (login CSRF).
    planted = provider_answer(go_to_provider(attacker), sub="someone")
    go_to_provider(sso_client)

    assert "already been used or has expired" in refusal_page(sso_client, come_back(sso_client, planted))


@pytest.mark.parametrize(
    ("claims", "reason", "message"),
    [
        ({"name": "No Mail"}, "missing_email", "has no email address"),
        (
            {"email": "unverified@council.example", "email_verified": False},
            "unverified_email",
            "not been verified",
        ),
        ({"email": "unsaid@council.example"}, "unverified_email", "not been verified"),
    ],
    ids=["missing email", "unverified email", "email with no verification"],
)
def test_an_identity_without_a_verified_email_is_refused_and_audited(
    sso_client: FlaskClient, provider: InProcessProvider, claims: dict[str, Any], reason: str, message: str
) -> None:
    sub = f"no-email-{reason}-{len(claims)}"
    provider.set_user(sub, **claims)

    page = refusal_page(sso_client, sign_in(sso_client, sub))

    assert message in page
    refusal = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.sign_in_refused").order_by(AuditEvent.id.desc())
    )
    assert refusal is not None and refusal.reason == reason
    assert refusal.after["issuer"] == provider.url


def test_entra_ids_own_verification_claim_is_accepted(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    provider.set_user("entra-person", email="entra.person@council.example", xms_edov=True, name="Eve Entra")
    sign_in(sso_client, "entra-person")
    assert (
        db.session.scalar(select(User.name).where(User.email == "entra.person@council.example"))
        == "Eve Entra"
    )


def test_a_person_the_provider_turns_away_is_not_signed_in(
    sso_client: FlaskClient, provider: InProcessProvider, caplog: pytest.LogCaptureFixture
) -> None:
    # A switched-off account at the provider never gets a code: the provider answers access_denied.
    with caplog.at_level(logging.INFO, logger="changeauth.security"):
        response = come_back(sso_client, provider_answer(go_to_provider(sso_client), deny=True))

    assert "did not let you in" in refusal_page(sso_client, response)
    events = [r.security for r in caplog.records if getattr(r, "security", None)]
    assert events[-1]["reason"] == "provider_refused"


def test_an_account_switched_off_in_changeauth_cannot_sign_in_through_the_provider(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    leaver = UserFactory(email="leaver@council.example", inactive=True)
    person(provider, "leaver", "leaver@council.example")

    page = refusal_page(sso_client, sign_in(sso_client, "leaver"))

    assert "has been switched off" in page
    assert "user.sign_in_refused" in audit_actions(leaver.id)
    db.session.refresh(leaver)
    assert leaver.oidc_subject is None


def test_an_account_already_linked_to_another_identity_is_not_taken_over(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    owner = UserFactory(email="owner@council.example")
    owner.oidc_issuer, owner.oidc_subject = provider.url, "the-real-owner"
    db.session.flush()
    person(provider, "someone-else", "owner@council.example")

    assert "belongs to a different council account" in refusal_page(
        sso_client, sign_in(sso_client, "someone-else")
    )


def test_signing_out_ends_the_providers_session_too(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(provider, "leaving-now", "leaving.now@council.example")
    sign_in(sso_client, "leaving-now")
    user = db.session.scalar(select(User).where(User.email == "leaving.now@council.example"))
    assert user is not None
    version = user.session_version

    response = sso_client.post("/sign-out")

    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.url}/oauth2/end_session"
    query = parse_qs(target.query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["post_logout_redirect_uri"] == ["http://changeauth.test/signed-out"]
    assert signed_in_as(sso_client) is None
    db.session.refresh(user)
    assert user.session_version == version + 1
    # The sign-out form's POST continues to the provider, which the CSP's form-action must allow.
    assert f"form-action 'self' {provider.url}" in response.headers["Content-Security-Policy"]
    # The provider's own confirmation page sends the person back, signed out.
    confirm = httpx.post(
        f"{provider.url}/oauth2/end_session/confirm",
        data={"redirect_uri": f"http://changeauth.test/signed-out?state={query['state'][0]}"},
        follow_redirects=False,
        timeout=10,
    )
    back = urlsplit(confirm.headers["Location"])
    landing = sso_client.get(f"{back.path}?{back.query}")
    assert landing.headers["Location"] == "/sign-in"
    assert "You have signed out." in sso_client.get("/sign-in").get_data(as_text=True)


def test_a_password_sign_in_signs_out_of_changeauth_only(sso_client: FlaskClient) -> None:
    user = UserFactory(email="pw.person@council.example")
    sso_client.post("/sign-in", data={"email": user.email, "password": TEST_PASSWORD})
    assert signed_in_as(sso_client) == str(user.id)
    assert sso_client.post("/sign-out").headers["Location"] == "/sign-in"


def test_the_sign_in_page_offers_the_provider_and_passwords(sso_client: FlaskClient) -> None:
    page = sso_client.get("/sign-in").get_data(as_text=True)
    assert 'href="/sign-in/sso"' in page and "Sign in with your council account" in page
    assert 'name="password"' in page and "<details" not in page


def test_sso_only_mode_refuses_passwords_except_for_break_glass_admins(
    sso_client: FlaskClient, sso_app: Flask
) -> None:
    sso_app.config.update(OIDC_SSO_ONLY=True, OIDC_BREAK_GLASS_ACCOUNTS=["glass@council.example"])
    staff = UserFactory(email="staff.pw@council.example")
    glass = UserFactory(email="glass@council.example", admin=True)

    page = sso_client.get("/sign-in").get_data(as_text=True)
    assert "<details" in page and "Emergency administrator sign-in" in page

    refused = sso_client.post("/sign-in", data={"email": staff.email, "password": TEST_PASSWORD})
    assert refused.status_code == 200 and signed_in_as(sso_client) is None
    assert "The email address or password is not right." in refused.get_data(as_text=True)
    assert '<details class="details" open>' in refused.get_data(as_text=True)

    allowed = sso_client.post("/sign-in", data={"email": glass.email, "password": TEST_PASSWORD})
    # The admin role still needs changeauth's own second factor: signed in, sent to set one up.
    assert allowed.status_code == 302 and signed_in_as(sso_client) == str(glass.id)


def test_sso_only_mode_sends_no_reset_links_to_people_who_sign_in_through_the_provider(
    sso_client: FlaskClient, sso_app: Flask
) -> None:
    from changeauth.models import PasswordToken

    sso_app.config.update(OIDC_SSO_ONLY=True, OIDC_BREAK_GLASS_ACCOUNTS=["glass2@council.example"])
    staff = UserFactory(email="staff.reset@council.example")
    glass = UserFactory(email="glass2@council.example", admin=True)

    for email in (staff.email, glass.email):
        sso_client.post("/forgot-password", data={"email": email})

    issued = set(db.session.scalars(select(PasswordToken.user_id).where(PasswordToken.purpose == "reset")))
    assert glass.id in issued and staff.id not in issued


def test_break_glass_admins_keep_their_roles_whatever_the_provider_says(
    sso_client: FlaskClient, sso_app: Flask, provider: InProcessProvider
) -> None:
    sso_app.config.update(OIDC_BREAK_GLASS_ACCOUNTS=["glass3@council.example"])
    glass = UserFactory(email="glass3@council.example", admin=True)
    person(provider, "glass3", "glass3@council.example", amr=["mfa"])

    sign_in(sso_client, "glass3")

    db.session.refresh(glass)
    assert glass.roles == {"staff", "admin"}


def test_people_who_sign_in_through_the_provider_confirm_changes_there(
    sso_client: FlaskClient, sso_app: Flask, provider: InProcessProvider
) -> None:
    sso_app.config.update(OIDC_SSO_ONLY=True, OIDC_BREAK_GLASS_ACCOUNTS=["someone.else@council.example"])
    person(provider, "stepper", "stepper@council.example", amr=["mfa"])
    sign_in(sso_client, "stepper")
    with sso_client.session_transaction() as session:
        session["_auth_at"] = int(time.time()) - 3600  # long enough ago that a change needs a fresh proof

    confirm = sso_client.get("/account/confirm?next=/account/two-factor/setup")
    assert "Confirm with your council account" in confirm.get_data(as_text=True)
    start = sso_client.get("/sign-in/sso/confirm?next=/account/two-factor/setup")
    assert parse_qs(urlsplit(start.headers["Location"]).query)["prompt"] == ["login"]
    back = come_back(sso_client, provider_answer(start.headers["Location"], sub="stepper"))

    assert back.headers["Location"] == "/account/two-factor/setup"
    assert sso_client.get("/account/two-factor/setup").status_code == 200
    account = sso_client.get("/account/").get_data(as_text=True)
    assert "you sign in with your council account" in account
    assert sso_client.get("/account/password").headers["Location"] == "/account/"
    assert sso_client.get("/account/email").headers["Location"] == "/account/"


def test_confirming_with_a_different_council_account_is_refused(
    sso_client: FlaskClient, provider: InProcessProvider
) -> None:
    person(provider, "me-myself", "me.myself@council.example", amr=["mfa"])
    person(provider, "not-me", "not.me@council.example", amr=["mfa"])
    sign_in(sso_client, "me-myself")
    start = sso_client.get("/sign-in/sso/confirm?next=/account/")

    assert come_back(sso_client, provider_answer(start.headers["Location"], sub="not-me")).status_code == 403


def test_entra_multi_tenant_issuer_is_checked_against_the_tokens_tenant(
    provider: InProcessProvider, database_url: str, tmp_path: Any, db_session: Any
) -> None:
    """Entra ID's organizations endpoint publishes ``…/{tenantid}/v2.0``; the token's ``tid`` fills it in."""
    allowed, other = "11111111-2222-3333-4444-555555555555", "99999999-8888-7777-6666-555555555555"
    provider.metadata_issuer = f"{provider.url}/{{tenantid}}/v2.0"
    app = sso_app_for(provider, database_url, tmp_path, OIDC_ALLOWED_TENANTS=[allowed])
    try:
        client = app.test_client()
        for tenant, sub in ((allowed, "council-member"), (other, "stranger")):
            person(provider, sub, f"{sub}@tenant.example", tid=tenant)
            provider.tamper = lambda claims: {**claims, "iss": f"{provider.url}/{claims['tid']}/v2.0"}
            response = sign_in(client, sub)
            if tenant == allowed:
                assert response.headers["Location"] == "/" and signed_in_as(client) is not None
                client.post("/sign-out")
            else:
                assert "cannot sign in here" in refusal_page(client, response)
        # The right tenant, but an issuer naming another one: refused.
        provider.tamper = lambda claims: {**claims, "iss": f"{provider.url}/{other}/v2.0"}
        assert "could not be trusted" in refusal_page(client, sign_in(client, "council-member"))
    finally:
        provider.metadata_issuer = None
        provider.reset()
        db.get_engine(app).dispose()


def test_a_provider_that_cannot_be_reached_gives_a_clear_message(
    db_session: Any, database_url: str, tmp_path: Any
) -> None:
    from tests.live_server import free_port

    unreachable = InProcessProvider()
    unreachable.url = f"http://127.0.0.1:{free_port()}"
    app = sso_app_for(unreachable, database_url, tmp_path, OIDC_TIMEOUT_SECONDS=2)
    try:
        client = app.test_client()
        response = client.get("/sign-in/sso")
        assert "cannot be reached just now" in refusal_page(client, response)
    finally:
        db.get_engine(app).dispose()


def test_without_single_sign_on_the_routes_are_not_there(client: FlaskClient) -> None:
    assert client.get("/sign-in/sso").status_code == 404
    assert client.get("/sign-in/sso/callback?code=x&state=y").status_code == 404
    page = client.get("/sign-in").get_data(as_text=True)
    assert "/sign-in/sso" not in page and "council account" not in page
