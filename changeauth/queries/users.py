"""Reading users."""

from __future__ import annotations

from sqlalchemy import select

from changeauth import db
from changeauth.domain import permissions
from changeauth.domain.roles import Role
from changeauth.models import User, UserRole


def find_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def list_active_users() -> list[User]:
    """Active people, by name, for choosing owners and attendees."""
    return list(db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.name)))


def list_possible_owners() -> list[User]:
    """Active people who may own work (``permissions.may_own_work``), by name, for the owner lists."""
    working = select(UserRole.user_id).where(UserRole.role.in_(sorted(permissions.WORKING_ROLES)))
    return list(
        db.session.scalars(
            select(User).where(User.is_active.is_(True), User.id.in_(working)).order_by(User.name, User.id)
        )
    )


def list_design_authority_members() -> list[User]:
    """Active design authority members, by name, for attendance and meetings."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(User.is_active.is_(True), UserRole.role == Role.DESIGN_AUTHORITY)
            .order_by(User.name)
        )
    )


def list_users_for_admin() -> list[User]:
    """Every account, active first, by name (roles come with the user: ``role_links`` loads by selectin)."""
    return list(db.session.scalars(select(User).order_by(User.is_active.desc(), User.name, User.id)))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def first_active_admin() -> User | None:
    """The longest-standing active admin: who a command-line import acts as when no one is named."""
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.is_active.is_(True), UserRole.role == Role.ADMIN)
        .order_by(User.id)
        .limit(1)
    )


def recovery_codes_left(user_id: int) -> int:
    from sqlalchemy import func

    from changeauth.models import RecoveryCode

    return int(
        db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def password_link_purpose(token_hash: str) -> str | None:
    """The purpose of an unused, unrevoked link with this hash (expiry is checked on use), or None."""
    from changeauth.models import PasswordToken

    return db.session.scalar(
        select(PasswordToken.purpose).where(
            PasswordToken.token_hash == token_hash,
            PasswordToken.used_at.is_(None),
            PasswordToken.revoked_at.is_(None),
        )
    )
