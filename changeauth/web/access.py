"""Who may open a page, said once beside the route.

``@role_required(Role.ADMIN)``, or ``@allowed_if(permissions.can_view_dashboard)`` for a rule in
``domain/permissions.py`` that depends only on the person's roles, signs the person in first (as
``login_required``) and answers 403 when the rule refuses them. A page kept for some roles answers 403
to everyone else, as the API does: the page's existence is no secret (its address is the same in every
council), the person is told they may not use it, and every 403 is written to the security log as
``authz_fail``. 404 is kept for records a person may not see, such as someone else's withdrawn idea,
whose existence would itself tell them something (docs/security.md#who-may-open-what).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user, login_required

from changeauth.domain.permissions import Actor
from changeauth.domain.roles import Role

P = ParamSpec("P")
R = TypeVar("R")


def allowed_if(rule: Callable[[Actor], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only people the rule allows may open the page; anyone else gets 403."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not rule(current_user.as_actor()):
                abort(403)
            return view(*args, **kwargs)

        # Read by the route-security tests, which check that ACCESS lists exactly the people it allows.
        guarded.access_rule = rule  # type: ignore[attr-defined]
        return login_required(guarded)

    return decorate


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only people holding one of ``roles`` may open the page; anyone else gets 403."""

    def holds_one(actor: Actor) -> bool:
        return actor.has(*roles)

    return allowed_if(holds_one)
