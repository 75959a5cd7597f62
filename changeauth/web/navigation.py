"""The signed-in person's navigation: at most seven top-level items, each a group of pages for one task,
chosen by their roles. The pages of the group being shown are listed under the header; the account
(with API tokens), notifications and sign-out sit apart from the task groups."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from flask import request
from flask_login import current_user

from changeauth.domain import permissions
from changeauth.domain.permissions import Actor
from changeauth.domain.roles import Role
from changeauth.queries import notifications as notification_queries

MAX_TOP_LEVEL = 7


@dataclass(frozen=True)
class NavGroup:
    """A top-level item: its label, and the pages of its task, the first being where the item leads."""

    key: str
    label: str
    pages: tuple[tuple[str, str], ...]
    # Pages that belong to the group (highlight it) without being listed in it.
    also: frozenset[str] = field(default_factory=frozenset)

    @property
    def endpoint(self) -> str:
        return self.pages[0][0]

    def holds(self, endpoint: str | None) -> bool:
        return endpoint is not None and (endpoint in self.also or any(e == endpoint for e, _ in self.pages))


def _optional(condition: bool, *pages: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    return pages if condition else ()


def groups_for(actor: Actor) -> list[NavGroup]:
    """The top-level items for a person with these roles, in the order they work; never more than seven
    (reports join the backlog's group, then scoring joins triage, when a person holds many roles)."""
    is_da = permissions.is_design_authority(actor)
    is_admin = permissions.is_admin(actor)
    reports = (
        *_optional(permissions.can_view_dashboard(actor), ("reports.dashboard_page", "Dashboard")),
        *_optional(permissions.can_view_dashboard(actor), ("reports.scrutiny", "Report to scrutiny")),
        ("decisions.register", "Decisions"),
        *_optional(permissions.can_view_audit_log(actor) and not is_admin, ("main.audit", "Audit log")),
        *_optional(permissions.can_view_job_runs(actor) and not is_admin, ("actions.job_runs", "Job runs")),
    )
    groups = [
        NavGroup(
            "home",
            "Home",
            (("main.home", "Home"), ("actions.mine", "My actions")),
            also=frozenset({"notifications.index"}),
        ),
        NavGroup(
            "ideas",
            "Ideas and improvements",
            (("improvements.index", "Ideas and improvements"), ("reviews.lessons", "Lessons learned")),
            also=frozenset({"improvements.detail", "improvements.submitted"}),
        ),
    ]
    if actor.has(Role.STAFF) and not is_da:
        groups.append(NavGroup("submit", "Submit an idea", (("improvements.new", "Submit an idea"),)))
    if is_da:
        groups.append(
            NavGroup("triage", "Triage", (("triage.queue", "Triage"),), frozenset({"triage.decide"}))
        )
        groups.append(NavGroup("scoring", "Scoring", (("scoring.index", "Scoring"),)))
        groups.append(
            NavGroup(
                "meetings",
                "Meetings",
                (("meetings.meeting_list", "Meetings"), ("decisions.register", "Decisions")),
                also=frozenset(
                    {"meetings.meeting", "meetings.meeting_new", "meetings.meeting_edit", "gates.gate"}
                ),
            )
        )
        reports = tuple(page for page in reports if page[0] != "decisions.register")
    if permissions.can_view_backlog(actor):
        groups.append(
            NavGroup(
                "backlog",
                "Backlog",
                (
                    ("backlog.index", "Backlog"),
                    *_optional(
                        permissions.can_browse_business_cases(actor),
                        ("business_cases.index", "Business cases"),
                    ),
                    *_optional(permissions.can_use_portfolio(actor), ("portfolio.index", "Portfolio")),
                ),
                also=frozenset({"backlog.matrix", "backlog.roadmap", "backlog.what_if"}),
            )
        )
    if permissions.can_view_benefits_and_resources(actor):
        groups.append(
            NavGroup(
                "benefits",
                "Benefits",
                (
                    ("benefits.tracker", "Benefits"),
                    ("temporary_resources.index", "Temporary resources"),
                    ("actions.flags", "Flags"),
                ),
            )
        )
    if reports:
        only_decisions = [endpoint for endpoint, _ in reports] == ["decisions.register"]
        groups.append(NavGroup("reports", "Decisions" if only_decisions else "Reports", reports))
    if is_admin:
        groups.append(
            NavGroup(
                "admin",
                "Administration",
                (
                    ("admin.users", "Users"),
                    *_optional(
                        permissions.can_manage_scoring_schemes(actor), ("scoring.schemes", "Scoring schemes")
                    ),
                    ("gates.criteria_admin", "Gate criteria"),
                    ("main.audit", "Audit log"),
                    ("actions.job_runs", "Job runs"),
                ),
                also=frozenset({"admin.user", "admin.new_user", "scoring.scheme", "gates.criterion_edit"}),
            )
        )
    return _fold(groups)


def _merge(groups: list[NavGroup], into: str, key: str) -> list[NavGroup]:
    """Fold one group's pages into another's (the other keeps its label and place)."""
    source = next((g for g in groups if g.key == key), None)
    target = next((g for g in groups if g.key == into), None)
    if source is None or target is None:
        return groups
    pages = target.pages + tuple(page for page in source.pages if page not in target.pages)
    merged = replace(target, pages=pages, also=target.also | source.also)
    return [merged if g.key == into else g for g in groups if g.key != key]


def _fold(groups: list[NavGroup]) -> list[NavGroup]:
    for into, key in (("backlog", "reports"), ("triage", "scoring"), ("benefits", "backlog")):
        if len(groups) <= MAX_TOP_LEVEL:
            break
        groups = _merge(groups, into, key)
    return groups


def navigation() -> dict[str, Any]:
    """Template context: the top-level items, the current group's pages and the unread count."""
    if not current_user.is_authenticated:
        return {"nav_groups": [], "nav_current": None, "nav_unread": 0}
    groups = groups_for(current_user.as_actor())
    current = next((group for group in groups if group.holds(request.endpoint)), None)
    return {
        "nav_groups": groups,
        "nav_current": current,
        "nav_unread": notification_queries.unread_count(current_user.id),
    }
