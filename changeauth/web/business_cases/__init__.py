"""Business cases: the appraised case of an improvement (or the programme), its editor and versions."""

from changeauth.web.business_cases.views import bp

__all__ = ["bp"]
