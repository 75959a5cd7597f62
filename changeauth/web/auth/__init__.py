"""Signing in and out."""

from changeauth.web.auth.views import bp

__all__ = ["bp"]
