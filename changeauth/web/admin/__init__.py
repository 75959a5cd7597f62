"""Administrators' pages for people: accounts, set-password links, ending sessions."""

from changeauth.web.admin.views import bp

__all__ = ["bp"]
