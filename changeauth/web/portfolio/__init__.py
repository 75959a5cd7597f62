"""The portfolio optimiser: the best set of improvements within a budget and a delivery capacity,
saved scenarios side by side, the agreed plan, and delivery estimates."""

from changeauth.web.portfolio.views import bp

__all__ = ["bp"]
