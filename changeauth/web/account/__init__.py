"""The signed-in person's own account: password, email, second factor and sessions."""

from changeauth.web.account.views import bp

__all__ = ["bp"]
