"""The claim rules of single sign-on: issuer (single- and multi-tenant), audience, email, second factor
and roles."""

from __future__ import annotations

import pytest

from changeauth.domain.single_sign_on import (
    ClaimProblem,
    check_audience,
    check_issuer,
    display_name,
    is_entra_shared_issuer,
    mapped_roles,
    provider_asserted_second_factor,
    verified_email,
)

TENANT = "11111111-2222-3333-4444-555555555555"
ENTRA_TEMPLATE = "https://login.microsoftonline.com/{tenantid}/v2.0"


def reason(call: object) -> str:
    with pytest.raises(ClaimProblem) as raised:
        call()  # type: ignore[operator]
    return raised.value.reason


class TestIssuer:
    def test_a_single_tenant_issuer_must_match_exactly(self) -> None:
        issuer = f"https://login.microsoftonline.com/{TENANT}/v2.0"
        assert check_issuer({"iss": issuer}, metadata_issuer=issuer, allowed_tenants=()) == issuer
        assert reason(
            lambda: check_issuer({"iss": issuer + "/"}, metadata_issuer=issuer, allowed_tenants=())
        ) == ("wrong_issuer")
        assert reason(lambda: check_issuer({}, metadata_issuer=issuer, allowed_tenants=())) == "wrong_issuer"

    def test_the_multi_tenant_template_takes_the_tokens_tenant(self) -> None:
        claims = {"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "tid": TENANT}
        assert check_issuer(claims, metadata_issuer=ENTRA_TEMPLATE, allowed_tenants=[TENANT.upper()])

    def test_a_tenant_not_allowed_is_refused(self) -> None:
        other = "99999999-8888-7777-6666-555555555555"
        claims = {"iss": f"https://login.microsoftonline.com/{other}/v2.0", "tid": other}
        assert reason(
            lambda: check_issuer(claims, metadata_issuer=ENTRA_TEMPLATE, allowed_tenants=[TENANT])
        ) == ("tenant_not_allowed")

    def test_an_issuer_that_disagrees_with_its_tenant_is_refused(self) -> None:
        claims = {"iss": "https://login.microsoftonline.com/someone-else/v2.0", "tid": TENANT}
        assert reason(
            lambda: check_issuer(claims, metadata_issuer=ENTRA_TEMPLATE, allowed_tenants=[TENANT])
        ) == ("wrong_issuer")
        assert reason(
            lambda: check_issuer({"iss": "x"}, metadata_issuer=ENTRA_TEMPLATE, allowed_tenants=[TENANT])
        ) == ("wrong_issuer")

    @pytest.mark.parametrize(
        ("issuer", "shared"),
        [
            ("https://login.microsoftonline.com/common/v2.0", True),
            ("https://login.microsoftonline.com/Organizations/v2.0", True),
            (f"https://login.microsoftonline.com/{TENANT}/v2.0", False),
            ("https://accounts.google.com", False),
            ("https://sso.council.example/realms/common", False),
        ],
    )
    def test_entras_shared_endpoints_are_recognised(self, issuer: str, shared: bool) -> None:
        assert is_entra_shared_issuer(issuer) is shared


class TestAudience:
    def test_the_token_must_be_for_this_client(self) -> None:
        check_audience({"aud": "me"}, client_id="me")
        check_audience({"aud": ["me"]}, client_id="me")
        check_audience({"aud": ["me", "api"], "azp": "me"}, client_id="me")
        assert reason(lambda: check_audience({"aud": "them"}, client_id="me")) == "wrong_audience"
        assert reason(lambda: check_audience({"aud": ["me", "api"], "azp": "api"}, client_id="me")) == (
            "wrong_audience"
        )


class TestEmail:
    def test_a_verified_email_is_lower_cased(self) -> None:
        assert (
            verified_email({"email": " Pat@Council.Example ", "email_verified": True})
            == "pat@council.example"
        )
        assert (
            verified_email({"email": "pat@council.example", "email_verified": "true"})
            == "pat@council.example"
        )

    def test_entras_domain_owner_verification_counts(self) -> None:
        assert verified_email({"email": "pat@council.example", "xms_edov": True}) == "pat@council.example"

    @pytest.mark.parametrize(
        ("claims", "why"),
        [
            ({}, "missing_email"),
            ({"email": "", "email_verified": True}, "missing_email"),
            ({"email": "not-an-address", "email_verified": True}, "missing_email"),
            ({"email": "pat@council.example"}, "unverified_email"),
            ({"email": "pat@council.example", "email_verified": False}, "unverified_email"),
            (
                {"email": "pat@council.example", "email_verified": "false", "xms_edov": False},
                "unverified_email",
            ),
        ],
    )
    def test_missing_or_unverified_emails_are_refused(self, claims: dict[str, object], why: str) -> None:
        assert reason(lambda: verified_email(claims)) == why

    def test_the_name_falls_back_to_given_and_family_names_then_the_email(self) -> None:
        assert display_name({"name": "  Pat   Person "}, "p@x") == "Pat Person"
        assert display_name({"given_name": "Pat", "family_name": "Person"}, "p@x") == "Pat Person"
        assert display_name({}, "pat.person@council.example") == "pat.person"


class TestSecondFactor:
    @pytest.mark.parametrize(
        ("claims", "asserted"),
        [
            ({"amr": ["pwd", "mfa"]}, True),
            ({"amr": ["pwd"]}, False),
            ({"amr": "mfa"}, False),  # amr is a list; a bare string is not trusted
            ({"acr": "gold"}, True),
            ({"acr": "bronze"}, False),
            ({}, False),
        ],
    )
    def test_amr_mfa_or_a_listed_acr(self, claims: dict[str, object], asserted: bool) -> None:
        assert (
            provider_asserted_second_factor(claims, mfa_acr_values=["gold"], provider_enforces_mfa=False)
            is asserted
        )

    def test_a_provider_the_council_says_always_asks_for_one(self) -> None:
        assert provider_asserted_second_factor({}, mfa_acr_values=[], provider_enforces_mfa=True)


class TestRoles:
    ROLE_MAP = {"DA": ["design_authority"], "Money": ["finance", "viewer"]}

    def test_staff_plus_every_mapped_role(self) -> None:
        mapping = mapped_roles(
            {"roles": ["DA", "Money", "Other"]}, role_map=self.ROLE_MAP, claim_path="roles"
        )
        assert mapping.roles == {"staff", "design_authority", "finance", "viewer"}
        assert mapping.matched == ("DA", "Money")

    def test_no_claim_means_staff_only(self) -> None:
        assert mapped_roles({}, role_map=self.ROLE_MAP, claim_path="roles").roles == {"staff"}

    def test_a_dotted_path_reads_keycloaks_realm_roles(self) -> None:
        claims = {"realm_access": {"roles": ["DA", "offline_access"]}}
        assert mapped_roles(claims, role_map=self.ROLE_MAP, claim_path="realm_access.roles").roles == {
            "staff",
            "design_authority",
        }

    def test_a_single_string_value_counts(self) -> None:
        assert (
            "finance" in mapped_roles({"groups": "Money"}, role_map=self.ROLE_MAP, claim_path="groups").roles
        )

    def test_entras_group_overage_is_refused_rather_than_taking_roles_away(self) -> None:
        claims = {"_claim_names": {"groups": "src1"}, "_claim_sources": {"src1": {}}}
        assert (
            reason(lambda: mapped_roles(claims, role_map=self.ROLE_MAP, claim_path="groups"))
            == "groups_overage"
        )
