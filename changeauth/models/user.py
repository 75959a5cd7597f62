"""People: users and their roles, API tokens, and sign-in attempts (for throttling)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from changeauth.db import Base, utcnow
from changeauth.domain.permissions import Actor
from changeauth.domain.roles import Role
from changeauth.models._columns import EnumString, one_of

if TYPE_CHECKING:
    from changeauth.models.organisation import Team


class User(Base):
    __tablename__ = "user_account"
    # Emails are stored lower-cased, which makes the unique constraint case-insensitive on every database.
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        # One account per identity at the provider (issuer and subject, as the ID token names them).
        Index("ux_user_account_oidc_identity", "oidc_issuer", "oidc_subject", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The last TOTP time step accepted, so a code cannot be used twice within its 30-second window.
    totp_last_step: Mapped[int | None]
    # Bumped on logout, password change and deactivation: every cookie carrying the old value dies.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The identity at the OpenID Connect provider this account is linked to (docs/single-sign-on.md).
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    # When the account was switched off, and when what identifies the person was then anonymised
    # (docs/personal-data.md#leavers).
    deactivated_at: Mapped[datetime | None]
    anonymised_at: Mapped[datetime | None]

    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    def as_actor(self) -> Actor:
        return Actor(id=self.id, roles=self.roles, is_active=self.is_active)

    # Flask-Login protocol. The id carries the session version so old cookies stop working (SESS-03).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (one_of("role", Role, "role_known"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = mapped_column(EnumString(Role, 32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_links", lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<UserRole {self.user_id} {self.role}>"


class ApiToken(Base):
    """A bearer token for the API. Only a SHA-256 hash of the token is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, shown in lists so people can tell tokens apart.
    token_prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Chosen when the token is made (90 days unless the person picks otherwise); it fails after this.
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="raise_on_sql")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.token_prefix}…>"


class LoginAttempt(Base):
    """One sign-in attempt. Counted in the database so throttling holds across workers (AUTH-05)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_key_attempted_at", "email_key", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.email_key} {'ok' if self.succeeded else 'failed'}>"
