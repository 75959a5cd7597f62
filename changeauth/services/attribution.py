"""Attribution: a benefit names the measure or budget line it shares with other benefits and the share
of it its improvement claims (docs/benefits-and-resources.md#attribution-and-double-counting).

Who may: as for the profile (the improvement's owner or the design authority; a programme's benefit the
design authority), while the benefit is open. The agreed shares of one measure add up to 100 % at most
(``domain.attribution.share_errors``); a claim with no share yet is kept and shown as a possible double
count. Guarded by the benefit's version; audited.
"""

from __future__ import annotations

from decimal import Decimal

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.attribution import measure_key, share_errors
from changeauth.domain.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from changeauth.models import Benefit, Improvement, User
from changeauth.queries import attribution as attribution_queries
from changeauth.queries.improvements import access_to
from changeauth.services.audit import record_event
from changeauth.services.benefits import PROFILE_STAGES
from changeauth.services.guards import expect_version, flush_guarded


def set_attribution(
    benefit_or_id: Benefit | int,
    *,
    actor: User,
    expected_version: int | None,
    shared_measure: str | None,
    share_pct: Decimal | None,
) -> Benefit:
    """Name the measure the benefit shares (blank: it shares none) and its improvement's share of it
    (blank: not agreed yet). Raises NotFound, PermissionDenied, InvalidTransition, VersionConflict or
    ValidationFailed. Flushes, does not commit."""
    benefit = benefit_or_id if isinstance(benefit_or_id, Benefit) else db.session.get(Benefit, benefit_or_id)
    if benefit is None:
        raise NotFound("There is no benefit with that number.")
    improvement = db.session.get(Improvement, benefit.improvement_id) if benefit.improvement_id else None
    facts = access_to(improvement, actor).improvement if improvement is not None else None
    if not permissions.can_edit_benefit_profile(actor.as_actor(), facts):
        raise PermissionDenied(
            "Only the improvement's owner or the design authority says what a benefit shares."
        )
    if expected_version is None:
        raise ValidationFailed({"version": ["Send the version of the benefit you read."]})
    expect_version(benefit, expected_version)
    if benefit.closing_status:
        raise InvalidTransition("This benefit has been closed; what it claims can no longer change.")
    if improvement is not None and improvement.stage not in PROFILE_STAGES:
        raise InvalidTransition("What a benefit claims is set from the business case stage until closure.")
    name = " ".join((shared_measure or "").split())
    key = measure_key(name)
    others = attribution_queries.other_shares(benefit.id, key) if key else []
    errors = share_errors(shared_measure=name, share_pct=share_pct, others=others)
    if errors:
        raise ValidationFailed(errors)
    new_name, new_share = (name or None), (share_pct if key else None)
    before = {"shared_measure": benefit.shared_measure, "share_pct": benefit.share_pct}
    after = {"shared_measure": new_name, "share_pct": new_share}
    if before == after:
        return benefit
    benefit.shared_measure = new_name
    benefit.shared_measure_key = key or None
    benefit.share_pct = new_share
    flush_guarded()
    record_event(
        actor_id=actor.id,
        action="benefit.attribution_set",
        subject_type="benefit",
        subject_id=benefit.id,
        subject_version=benefit.version,
        before=before,
        after=after,
    )
    return benefit
