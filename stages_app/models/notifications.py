"""In-app notifications and the transactional e-mail outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from stages_app.models.base import in_check, utcnow
from stages_app.models.enums import MailStatus


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=2000)
    link: str = Field(default="", max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow)
    read_at: dt.datetime | None = None


class OutboxMail(SQLModel, table=True):
    """A mail written in the same transaction as the action; a worker sends it with retries."""

    __tablename__ = "outbox_mail"
    __table_args__ = (
        CheckConstraint(in_check("status", MailStatus), name="ck_outbox_status"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    to_email: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(default="", max_length=40)
    # idempotency key: the same logical mail is never queued twice
    dedupe_key: str | None = Field(default=None, max_length=120, unique=True)
    status: str = Field(default=MailStatus.PENDING.value, max_length=10)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow)
    next_attempt_at: dt.datetime = Field(default_factory=utcnow)
    sent_at: dt.datetime | None = None
