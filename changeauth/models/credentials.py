"""Credentials beside the password: recovery codes, set-password and reset tokens, second-factor attempts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from changeauth.db import Base, utcnow
from changeauth.domain.passwords import TokenPurpose
from changeauth.models._columns import EnumString, one_of


class RecoveryCode(Base):
    """One single-use recovery code; only an argon2id hash (with its own salt) is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}{' used' if self.used_at else ''}>"


class PasswordToken(Base):
    """A single-use link to set a password: ``set`` for a new account, ``reset`` when forgotten.

    Only a SHA-256 hash of the token is kept (the token has 256 bits from ``secrets``, so a slow hash adds
    nothing). A token ends when used, when a newer one of the same purpose is issued, or at sign-in.
    """

    __tablename__ = "password_token"
    __table_args__ = (one_of("purpose", TokenPurpose, "purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(EnumString(TokenPurpose, 16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<PasswordToken {self.id} {self.purpose} for user {self.user_id}>"


class SecondFactorAttempt(Base):
    """One second-factor code attempt, counted in the database so throttling holds across workers."""

    __tablename__ = "second_factor_attempt"
    __table_args__ = (Index("ix_second_factor_attempt_user_id_attempted_at", "user_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    succeeded: Mapped[bool]

    def __repr__(self) -> str:
        return f"<SecondFactorAttempt user {self.user_id} {'ok' if self.succeeded else 'failed'}>"
