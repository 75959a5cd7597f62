"""Single sign-on rules: which ID token claims changeauth trusts, and what they mean for an account.

The OpenID Connect exchange itself (discovery, PKCE, state, nonce, signature and time checks) is Authlib's,
in the web layer. These rules are the part that is changeauth's own (docs/single-sign-on.md):

- the issuer: exact, except for Entra ID's multi-tenant endpoints, whose discovery document names
  ``https://login.microsoftonline.com/{tenantid}/v2.0``; there the token's own ``tid`` is put in the
  template and must be one of the tenants the council allows;
- the email: present and verified (``email_verified`` true, or Entra ID's ``xms_edov``, since Entra ID
  sends no ``email_verified``);
- the second factor: the provider asserted one when ``amr`` holds ``mfa`` (RFC 8176), or ``acr`` is one of
  the values the council lists;
- roles: read from a claim (a dotted path such as Keycloak's ``realm_access.roles``) through the role map.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from changeauth.domain.roles import Role

ENTRA_HOSTS = frozenset(
    {"login.microsoftonline.com", "login.microsoftonline.us", "login.partner.microsoftonline.cn"}
)
ENTRA_SHARED_TENANTS = frozenset({"common", "organizations", "consumers"})
TENANT_PLACEHOLDER = "{tenantid}"
# Entra ID sends the overage marker instead of a groups claim when a person is in too many groups.
OVERAGE_MARKER = "_claim_names"


class ClaimProblem(Exception):
    """The ID token's claims cannot be accepted. ``reason`` is a short code for logs and metrics."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def is_entra_shared_issuer(issuer: str) -> bool:
    """True for Entra ID's ``common``, ``organizations`` and ``consumers`` endpoints (any tenant's tokens)."""
    parts = urlsplit(issuer)
    segments = [segment for segment in parts.path.split("/") if segment]
    return parts.hostname in ENTRA_HOSTS and bool(segments) and segments[0].lower() in ENTRA_SHARED_TENANTS


def is_entra_issuer(issuer: str) -> bool:
    return urlsplit(issuer).hostname in ENTRA_HOSTS


def check_issuer(claims: Mapping[str, Any], *, metadata_issuer: str, allowed_tenants: Collection[str]) -> str:
    """The token's issuer when it is the one expected; raises ClaimProblem otherwise.

    A single-tenant issuer must match exactly. A multi-tenant template is filled in with the token's
    ``tid``, which must be allowed.
    """
    issued_by = claims.get("iss")
    if not isinstance(issued_by, str):
        raise ClaimProblem("wrong_issuer", "The sign-in service's answer did not say who issued it.")
    if TENANT_PLACEHOLDER in metadata_issuer:
        tenant = claims.get("tid")
        if not isinstance(tenant, str) or not tenant:
            raise ClaimProblem("wrong_issuer", "The sign-in service's answer did not name its organisation.")
        if tenant.lower() not in {allowed.lower() for allowed in allowed_tenants}:
            raise ClaimProblem("tenant_not_allowed", "Accounts from your organisation cannot sign in here.")
        expected = metadata_issuer.replace(TENANT_PLACEHOLDER, tenant)
    else:
        expected = metadata_issuer
    if issued_by != expected:
        raise ClaimProblem("wrong_issuer", "The sign-in answer came from a service this site does not trust.")
    return issued_by


def check_audience(claims: Mapping[str, Any], *, client_id: str) -> None:
    """The token must be for this client: ``aud`` names it, and with several audiences ``azp`` is it."""
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
    if client_id not in audiences:
        raise ClaimProblem("wrong_audience", "The sign-in answer was meant for another service.")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise ClaimProblem("wrong_audience", "The sign-in answer was meant for another service.")


def _is_true(value: Any) -> bool:
    # Some providers send booleans as the strings "true" and "false".
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def verified_email(claims: Mapping[str, Any]) -> str:
    """The lower-cased email the provider vouches for; raises ClaimProblem when missing or unverified."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email.strip() or len(email.strip()) > 254:
        raise ClaimProblem(
            "missing_email",
            "Your council account has no email address, so changeauth cannot tell who you are. "
            "Ask your IT service desk to add one.",
        )
    if not (_is_true(claims.get("email_verified")) or _is_true(claims.get("xms_edov"))):
        raise ClaimProblem(
            "unverified_email",
            "Your council account's email address has not been verified, so changeauth cannot use it. "
            "Ask your IT service desk to verify it.",
        )
    return email.strip().lower()


def display_name(claims: Mapping[str, Any], email: str) -> str:
    """The person's name from ``name``, else given and family names, else the email's local part."""
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        return " ".join(name.split())[:120]
    parts = [claims.get("given_name"), claims.get("family_name")]
    joined = " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return (joined or email.partition("@")[0])[:120]


def provider_asserted_second_factor(
    claims: Mapping[str, Any], *, mfa_acr_values: Collection[str], provider_enforces_mfa: bool
) -> bool:
    """Whether the provider proved a second factor for this sign-in (RFC 8176 ``mfa``, or a listed ``acr``).

    ``provider_enforces_mfa`` is the council saying its provider asks every person for a second factor
    (Entra ID Conditional Access, whose v2.0 ID tokens carry no ``amr``).
    """
    if provider_enforces_mfa:
        return True
    methods = claims.get("amr")
    if isinstance(methods, list) and "mfa" in methods:
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in set(mfa_acr_values)


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``realm_access.roles``), or None."""
    value: Any = claims
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


@dataclass(frozen=True)
class RoleMapping:
    """The roles a person holds according to the provider."""

    roles: frozenset[str]
    matched: tuple[str, ...]


def mapped_roles(
    claims: Mapping[str, Any], *, role_map: Mapping[str, list[str]], claim_path: str
) -> RoleMapping:
    """Staff plus every role the claim's values map to. Raises ClaimProblem when the groups did not fit in
    the token (Entra ID's overage), since reading none would silently take roles away."""
    value = claim_at(claims, claim_path)
    if value is None and claim_path == "groups" and "groups" in (claims.get(OVERAGE_MARKER) or {}):
        raise ClaimProblem(
            "groups_overage",
            "You belong to too many groups for the sign-in service to list them, so changeauth cannot tell "
            "your roles. Ask your IT service desk to give you the changeauth app roles instead.",
        )
    values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    matched = tuple(sorted({str(item) for item in values if str(item) in role_map}))
    roles = {Role.STAFF.value}
    for item in matched:
        target = role_map[item]
        roles.update([target] if isinstance(target, str) else target)
    return RoleMapping(roles=frozenset(roles), matched=matched)
