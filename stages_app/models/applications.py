"""CVs with archived versions, applications and their transition history."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from stages_app.models.base import in_check, utcnow
from stages_app.models.enums import ApplicationStatus


class CV(SQLModel, table=True):
    """A pupil's live CV; ``content`` is a JSON document of the sections, autosaved as typed."""

    __tablename__ = "cv"
    __table_args__ = (UniqueConstraint("student_id", name="uq_cv_student"),)

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="app_user.id")
    content: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    updated_at: dt.datetime = Field(default_factory=utcnow)


class CVVersion(SQLModel, table=True):
    """A named, archived copy of a CV."""

    __tablename__ = "cv_version"

    id: int | None = Field(default=None, primary_key=True)
    cv_id: int = Field(foreign_key="cv.id", index=True)
    name: str = Field(max_length=80)
    content: str = Field(sa_column=Column(Text, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class Application(SQLModel, table=True):
    """A pupil's application to one week of one offer (R7: unique per pupil, offer, week)."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint(
            "student_id", "offer_id", "week_start", name="uq_application_student_offer_week"
        ),
        CheckConstraint(in_check("status", ApplicationStatus), name="ck_application_status"),
        Index("ix_application_student_status", "student_id", "status"),
        Index("ix_application_offer_status", "offer_id", "status"),
        # R3, last line of defence: at most one accepted application per pupil and week.
        Index(
            "uq_application_accepted_student_week",
            "student_id",
            "week_start",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    student_id: int = Field(foreign_key="app_user.id")
    offer_id: int = Field(foreign_key="offer.id")
    offer_week_id: int = Field(foreign_key="offer_week.id", index=True)
    week_start: dt.date
    school_year: int
    status: str = Field(default=ApplicationStatus.DRAFT.value, max_length=20)
    letter: str = Field(default="", sa_column=Column(Text, nullable=False))  # draft, autosaved
    letter_sent: str | None = Field(default=None, sa_column=Column(Text))  # snapshot at submission
    cv_sent: str | None = Field(default=None, sa_column=Column(Text))  # JSON snapshot at submission
    answer_message: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow)
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=utcnow)


class ApplicationEvent(SQLModel, table=True):
    """Every status transition of an application: who, when, why."""

    __tablename__ = "application_event"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str = Field(max_length=20)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")  # None: the system (R5)
    reason: str = Field(default="", max_length=2000)
    at: dt.datetime = Field(default_factory=utcnow)
