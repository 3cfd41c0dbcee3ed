"""Accounts, auth sessions, staff memberships and invitations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from stages_app.models.base import in_check, utcnow
from stages_app.models.enums import RightsStatus, Role, StaffFunction, UserStatus


class User(SQLModel, table=True):
    """Any account. ``email`` is stored normalised (trimmed, lower-case): unique
    case-insensitively."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(in_check("role", Role), name="ck_user_role"),
        CheckConstraint(in_check("status", UserStatus), name="ck_user_status"),
        CheckConstraint("failed_logins >= 0", name="ck_user_failed_logins"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=100)
    role: str = Field(max_length=20, index=True)
    first_name: str = Field(max_length=80)
    last_name: str = Field(max_length=80)
    status: str = Field(default=UserStatus.ACTIVE.value, max_length=20)
    email_confirmed_at: dt.datetime | None = None
    failed_logins: int = 0
    locked_until: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_login_at: dt.datetime | None = None


class AuthSession(SQLModel, table=True):
    """A login. The browser holds a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_seen_at: dt.datetime | None = None


class EmailToken(SQLModel, table=True):
    """One-time link token (e-mail confirmation, password reset); only its hash is stored."""

    __tablename__ = "email_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    purpose: str = Field(max_length=20)  # "confirm_email" | "reset_password"
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


class StaffMembership(SQLModel, table=True):
    """A staff member's place in one school, with rights granted, changed or revoked by the
    principal."""

    __tablename__ = "staff_membership"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_staff_membership_user"),
        CheckConstraint(in_check("function", StaffFunction), name="ck_staff_function"),
        CheckConstraint(in_check("status", RightsStatus), name="ck_staff_status"),
        Index("ix_staff_membership_school_status", "school_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    school_id: int = Field(foreign_key="school.id")
    function: str = Field(max_length=30)
    status: str = Field(default=RightsStatus.PENDING.value, max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    granted_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    granted_at: dt.datetime | None = None
    revoked_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: dt.datetime | None = None
    # class named by a teacher who signed up without invitation (professeur principal: "my class");
    # applied by the principal's grant (main teacher if the class has none, else followed)
    requested_class_id: int | None = Field(default=None, foreign_key="school_class.id")


class Invitation(SQLModel, table=True):
    """Invitation of a staff member by the principal; the link pre-fills the sign-up and expires."""

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(in_check("function", StaffFunction), name="ck_invitation_function"),
        # at most one live (neither accepted nor cancelled) invitation per school and address:
        # re-inviting cancels the previous one; two concurrent invitations meet this index
        Index(
            "uq_invitation_pending",
            "school_id",
            "email",
            unique=True,
            sqlite_where=text("accepted_at IS NULL AND cancelled_at IS NULL"),
            postgresql_where=text("accepted_at IS NULL AND cancelled_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    email: str = Field(max_length=254, index=True)
    function: str = Field(max_length=30)
    class_id: int | None = Field(default=None, foreign_key="school_class.id")
    token_hash: str = Field(max_length=64, unique=True)
    invited_by_id: int = Field(foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime
    accepted_at: dt.datetime | None = None
    accepted_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    cancelled_at: dt.datetime | None = None
