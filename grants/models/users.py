"""People who log in, and the roles they hold (a user may hold several)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from grants.db import Base, UTCDateTime, append_only, utcnow
from workflows import Role

if TYPE_CHECKING:
    from grants.models.organisations import Organisation

_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (sa.CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role"),)

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


class User(Base):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "app_user"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    active: Mapped[bool] = mapped_column(default=True)
    membership_confirmed: Mapped[bool] = mapped_column(default=True)
    """False while someone who registered for an existing organisation waits for a member of it
    to confirm them; until then they see none of the organisation's applications."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    """The person's title at the region (for decision letters: "Regional utvecklingsdirektör")."""
    municipality_code: Mapped[str | None] = mapped_column(sa.ForeignKey("municipality.code"))
    """Where the person lives or works, for reviewers: a pilot in the same municipality is a
    likely conflict of interest to flag."""

    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    """Part of the id kept in the session cookie: raising it ends every session the person has
    (logout everywhere, a new password, deactivation)."""

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(
        lazy="select", cascade="all, delete-orphan"
    )
    """Loaded when asked for: pages show many people (reviewers, the history's actors) but ask
    only the logged-in person's roles. A list that shows roles loads them (selectinload)."""

    @validates("email")
    def _lower(self, _key: str, value: str) -> str:
        return value.strip().lower()

    # Flask-Login protocol -------------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Log the person out of every browser (their sessions carry the old version)."""
        self.session_version = (self.session_version or 0) + 1

    # Passwords and roles --------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        # scrypt by default; tests choose a fast method (PASSWORD_HASH_METHOD) to stay quick.
        method = "scrypt"
        if has_app_context():
            method = current_app.config.get("PASSWORD_HASH_METHOD", method)
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def set_roles(self, roles: set[str] | frozenset[str] | list[str]) -> None:
        wanted = {Role(r).value for r in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - self.roles)
        ]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class AccountChangeKind(StrEnum):
    ROLES = "roles"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    SESSIONS_ENDED = "sessions_ended"

    @property
    def label(self) -> str:
        return {
            AccountChangeKind.ROLES: "Roller ändrade",
            AccountChangeKind.DEACTIVATED: "Kontot stängdes av",
            AccountChangeKind.REACTIVATED: "Kontot aktiverades igen",
            AccountChangeKind.SESSIONS_ENDED: "Utloggad på alla enheter",
        }[self]


_CHANGE_KINDS = ", ".join(f"'{k.value}'" for k in AccountChangeKind)


class AccountChange(Base):
    """One change to a person's account made by an administrator or by the person (who, when,
    what before and after, why). Append-only like the audit trail."""

    __tablename__ = "account_change"
    __table_args__ = (sa.CheckConstraint(f"kind IN ({_CHANGE_KINDS})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))
    before: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined")


append_only(AccountChange.__table__)
