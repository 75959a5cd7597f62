"""Signing in and out: passwords with a second factor, and the council's OpenID Connect provider."""

from changeauth.web.auth import provider, single_sign_on
from changeauth.web.auth.views import bp

__all__ = ["bp", "provider", "single_sign_on"]
