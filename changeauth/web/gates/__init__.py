"""Gates G1–G3: the gate page, its decision, manual criteria, conditions and gate criteria."""

from changeauth.web.gates.views import bp

__all__ = ["bp"]
