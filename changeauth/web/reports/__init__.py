"""Reports for viewers and everyone above: the dashboard, the scrutiny report, exports and imports."""

from changeauth.web.reports.views import bp

__all__ = ["bp"]
