"""Reading API tokens: a person's own tokens for their profile page."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from changeauth import db
from changeauth.models import ApiToken


def tokens_of(user_id: int) -> Sequence[ApiToken]:
    """A person's tokens, live first, then newest first (no relationships loaded)."""
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def get_token(token_id: int) -> ApiToken | None:
    return db.session.get(ApiToken, token_id)
