"""Comments and supports: staff discussing and backing each other's ideas.

Supports come last and make up the audit log: every other part of the data adds the events its rows
imply, and each support adds one ``support.added`` event, so the number of supports is what brings the
log to the size the scale asks for.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from changeauth.devtools.scale_data import texts
from changeauth.devtools.scale_data.context import Build
from changeauth.devtools.scale_data.improvements import Improvements
from changeauth.devtools.scale_data.lifecycle import Plan
from changeauth.devtools.scale_data.people import People
from changeauth.devtools.scale_data.scale import GenerationRefused
from changeauth.domain.lifecycle import ENDED_STAGES, Stage
from changeauth.models import Comment, Support

ENDED = frozenset(stage.value for stage in ENDED_STAGES)


class TooFewAuditEvents(GenerationRefused):
    """The scale asks for fewer audit events than its other rows already imply."""


def _open_until(build: Build, plan: Plan) -> datetime:
    """People comment on and support work until it ends (a merged idea's supporters move on)."""
    return plan.last_change if plan.stage in ENDED else build.end


def _moment(rng: random.Random, plan: Plan, until: datetime) -> datetime | None:
    span = int((until - plan.created_at).total_seconds()) - 60
    return plan.created_at + timedelta(seconds=30 + rng.randrange(span)) if span > 0 else None


def generate(build: Build, people: People, improvements: Improvements, audit_target: int) -> None:
    """Write comments, then as many supports as the audit log still needs events."""
    with build.stage("Comments and supports") as stage:
        rng = build.rng("engagement")
        plans = [p for p in improvements.plans if p.stage != Stage.MERGED.value]
        comments = _comments(rng, build, people, plans)
        supports_needed = audit_target - len(build.events)
        if supports_needed < 0:
            raise TooFewAuditEvents(
                f"The other rows already make {len(build.events):,} audit events; "
                f"the scale asks for {audit_target:,} in all."
            )
        supports = _supports(rng, build, people, plans, supports_needed)
        bar = stage.rows(len(comments) + len(supports))
        build.write(Comment.__table__, comments, bar)
        build.write(Support.__table__, supports, bar)


def _comments(rng: random.Random, build: Build, people: People, plans: list[Plan]) -> list[dict[str, Any]]:
    rows = []
    for _ in range(int(build.scale.improvements * build.scale.comments_per_improvement)):
        plan = rng.choice(plans)
        at = _moment(rng, plan, _open_until(build, plan))
        if at is None:
            continue
        author = plan.owner_id if plan.owner_id and rng.random() < 0.3 else rng.choice(people.staff)
        comment_id = build.next_id(Comment.__table__)
        rows.append(
            {
                "id": comment_id,
                "improvement_id": plan.id,
                "author_id": author,
                "body": rng.choice(texts.COMMENTS),
                "created_at": at,
            }
        )
        build.events.add(
            at, "comment.added", "improvement", plan.id, actor_id=author, after={"comment_id": comment_id}
        )
    return rows


def _supports(
    rng: random.Random, build: Build, people: People, plans: list[Plan], wanted: int
) -> list[dict[str, Any]]:
    """Supports on others' ideas, one per person per improvement, each with its event."""
    rows: list[dict[str, Any]] = []
    taken: set[tuple[int, int]] = set()
    capacity = len(plans) * (len(people.staff) - 1)
    popular = plans[: max(1, len(plans) // 20)]
    while len(rows) < min(wanted, capacity):
        plan = rng.choice(popular if rng.random() < 0.2 else plans)
        user = rng.choice(people.staff)
        at = _moment(rng, plan, _open_until(build, plan))
        if user == plan.submitter_id or (plan.id, user) in taken or at is None:
            continue
        taken.add((plan.id, user))
        rows.append(
            {
                "id": build.next_id(Support.__table__),
                "improvement_id": plan.id,
                "user_id": user,
                "created_at": at,
            }
        )
        build.events.add(at, "support.added", "improvement", plan.id, actor_id=user)
    return rows
