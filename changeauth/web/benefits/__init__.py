"""Benefits: the tracker, one benefit with its chart, and the profile, measurement, adjustment and
validation forms."""

from changeauth.web.benefits.views import bp

__all__ = ["bp"]
