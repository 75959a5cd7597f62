"""Single sign-on in Chromium: a person signs in on the provider's own page and out again, a refusal is
shown on the sign-in page, and every changeauth page of the flow passes axe-core.

The provider (tests/oidc_provider.py) runs on this machine. Its pages ask for a stylesheet from a public
CDN; the browser context refuses every request that is not to this machine, so nothing leaves it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import axe_violations, reflow_problems
from tests.live_server import own_database, serving
from tests.oidc_provider import InProcessProvider, running_provider

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def provider(chromium_path: str) -> Iterator[InProcessProvider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
def sso_server(
    provider: InProcessProvider, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[tuple[str, Any]]:
    from changeauth.cli.seed import load_reference

    tmp = tmp_path_factory.mktemp("sso-live")
    settings = {
        "OIDC_ISSUER": provider.url,
        "OIDC_CLIENT_ID": "changeauth-browser",
        "OIDC_CLIENT_SECRET": "not-a-real-secret",
        "OIDC_ROLE_MAP": {"ChangeAuth.DesignAuthority": "design_authority"},
    }
    with (
        own_database(tmp, f"sso_{worker_id}") as url,
        serving(url, tmp / "instance", prepare=lambda _app: load_reference(), settings=settings) as served,
    ):
        yield served


@pytest.fixture
def tab(browser: Any, sso_server: tuple[str, Any]) -> Iterator[Any]:
    base, _app = sso_server
    context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})

    def local_only(route: Any) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", local_only)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def scan(page: Any) -> list[str]:
    problems = [f"{v['rule']}: {v['help']} at {v['targets']}" for v in axe_violations(page)]
    return problems + reflow_problems(page)


def use_provider_page(page: Any, subject: str) -> None:
    """What a person does on the provider's sign-in page (here, the test provider's form)."""
    page.wait_for_url("**/oauth2/authorize**")
    page.locator("input[name=sub]").fill(subject)
    screenshot(page, "sso-provider-sign-in")
    page.get_by_role("button", name="Authorize").click()


def test_a_person_signs_in_with_their_council_account_and_out_again(
    tab: Any, provider: InProcessProvider, sso_server: tuple[str, Any]
) -> None:
    provider.set_user(
        "nia.starter",
        email="nia.starter@council.example",
        email_verified=True,
        name="Nia Starter",
        amr=["pwd", "mfa"],
    )
    tab.goto("/sign-in")
    screenshot(tab, "sso-sign-in-page")
    assert scan(tab) == []

    tab.get_by_role("button", name="Sign in with your council account").click()
    use_provider_page(tab, "nia.starter")

    tab.wait_for_url(f"{sso_server[0]}/")
    assert tab.get_by_text("Welcome to Change authority, Nia Starter").is_visible()
    screenshot(tab, "sso-signed-in-home")
    assert scan(tab) == []

    tab.get_by_role("button", name="Sign out").click()
    tab.wait_for_url("**/oauth2/end_session**")
    screenshot(tab, "sso-provider-sign-out")
    tab.get_by_role("button", name="End session").click()
    tab.wait_for_url(f"{sso_server[0]}/sign-in")
    assert tab.get_by_text("You have signed out.").is_visible()
    screenshot(tab, "sso-signed-out")
    # Really signed out: a page that needs a session sends the person back to sign in.
    tab.goto("/notifications/")
    assert urlsplit(tab.url).path == "/sign-in"


def test_a_refusal_is_explained_on_the_sign_in_page(tab: Any, provider: InProcessProvider) -> None:
    provider.set_user("no.proof", email="no.proof@council.example", email_verified=False, name="No Proof")
    tab.goto("/sign-in")
    tab.get_by_role("button", name="Sign in with your council account").click()
    use_provider_page(tab, "no.proof")

    tab.wait_for_url("**/sign-in")
    assert tab.get_by_role("alert").get_by_text("has not been verified").is_visible()
    screenshot(tab, "sso-refused-unverified-email")
    assert scan(tab) == []


def test_a_design_authority_member_without_the_providers_second_factor_sets_up_changeauths(
    tab: Any, provider: InProcessProvider
) -> None:
    provider.set_user(
        "dee.decider",
        email="dee.decider@council.example",
        email_verified=True,
        name="Dee Decider",
        roles=["ChangeAuth.DesignAuthority"],
    )
    tab.goto("/sign-in")
    tab.get_by_role("button", name="Sign in with your council account").click()
    use_provider_page(tab, "dee.decider")

    tab.wait_for_url("**/account/two-factor/setup")
    assert tab.get_by_text("Your role needs a second factor").is_visible()
    screenshot(tab, "sso-design-authority-second-factor")


def test_sso_only_sign_in_page_and_its_emergency_form_pass_axe(
    tab: Any, sso_server: tuple[str, Any], provider: InProcessProvider
) -> None:
    _base, app = sso_server
    app.config.update(OIDC_SSO_ONLY=True, OIDC_BREAK_GLASS_ACCOUNTS=["glass@council.example"])
    try:
        tab.goto("/sign-in")
        assert tab.get_by_role("button", name="Sign in with your council account").is_visible()
        assert not tab.get_by_label("Password").is_visible()
        assert scan(tab) == []
        tab.get_by_text("Emergency administrator sign-in").click()
        tab.get_by_label("Email address").fill("someone@council.example")
        tab.get_by_label("Password").fill("not the password at all")
        tab.get_by_role("button", name="Sign in with a password").click()
        expect(tab.get_by_text("The email address or password is not right.").first).to_be_visible()
        screenshot(tab, "sso-only-emergency-sign-in-error")
        assert scan(tab) == []
    finally:
        app.config.update(OIDC_SSO_ONLY=False, OIDC_BREAK_GLASS_ACCOUNTS=[])


def test_confirming_a_change_goes_through_the_provider(tab: Any, provider: InProcessProvider) -> None:
    provider.set_user(
        "step.up", email="step.up@council.example", email_verified=True, name="Step Up", amr=["mfa"]
    )
    tab.goto("/sign-in")
    tab.get_by_role("button", name="Sign in with your council account").click()
    use_provider_page(tab, "step.up")
    tab.wait_for_url("**/")
    tab.goto("/account/confirm?next=/account/")
    assert tab.get_by_role("heading", name="Confirm it is you").is_visible()
    screenshot(tab, "sso-confirm-with-provider")
    assert scan(tab) == []
    tab.get_by_role("button", name="Confirm with your council account").click()
    use_provider_page(tab, "step.up")
    tab.wait_for_url("**/account/")
    assert tab.get_by_role("heading", name="Your account").is_visible()
    assert tab.get_by_text("None: you sign in with your council account").is_visible()
    screenshot(tab, "sso-account-page")
