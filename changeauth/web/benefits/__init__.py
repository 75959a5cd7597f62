"""Benefits: the tracker, one benefit with its chart, and the profile, measurement, adjustment and
validation forms."""

from changeauth.web.benefits import attribution as _attribution  # noqa: F401  (its routes join the blueprint)
from changeauth.web.benefits import disbenefits as _disbenefits  # noqa: F401  (its routes join the blueprint)
from changeauth.web.benefits import staffing as _staffing  # noqa: F401  (its routes join the blueprint)
from changeauth.web.benefits.views import bp

__all__ = ["bp"]
