"""The signed-in person's profile: their API tokens."""

from changeauth.web.profile.views import bp

__all__ = ["bp"]
