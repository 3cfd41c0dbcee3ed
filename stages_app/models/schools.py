"""A registered school's organisation: classes, followed classes, internship weeks, pupils."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from stages_app.models.base import in_check, utcnow
from stages_app.models.enums import MoveKind, MoveStatus


class SchoolClass(SQLModel, table=True):
    """A 3e class. Pupils join it with ``join_code``; ``access_open`` gives the class platform
    access."""

    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_class_school_name"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=40)
    join_code: str = Field(max_length=12, unique=True, index=True)
    access_open: bool = True
    main_teacher_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class ClassFollow(SQLModel, table=True):
    """A teacher follows a class and then sees it like its professeur principal."""

    __tablename__ = "class_follow"
    __table_args__ = (UniqueConstraint("user_id", "class_id", name="uq_class_follow"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    class_id: int = Field(foreign_key="school_class.id", index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class InternshipWeek(SQLModel, table=True):
    """One internship week (Monday) of a school. A period of several weeks is several rows."""

    __tablename__ = "internship_week"
    __table_args__ = (
        UniqueConstraint("school_id", "week_start", name="uq_internship_week"),
        Index("ix_internship_week_start", "week_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    week_start: dt.date  # always a Monday
    school_year: int  # year of the 1 September that starts the school year
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime = Field(default_factory=utcnow)


class PupilProfile(SQLModel, table=True):
    """A pupil's place in a class and the R1 access facts."""

    __tablename__ = "pupil_profile"
    __table_args__ = (
        UniqueConstraint("user_id", name="uq_pupil_profile_user"),
        Index("ix_pupil_profile_school_class", "school_id", "class_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    school_id: int = Field(foreign_key="school.id")
    class_id: int = Field(foreign_key="school_class.id", index=True)
    authorisation_received_on: dt.date | None = None
    authorisation_recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    # private path (never under the public upload dir) of the scanned signed form
    authorisation_file: str | None = Field(default=None, max_length=300)
    access_opened_at: dt.datetime | None = None
    access_opened_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    last_activity_at: dt.datetime | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)


class PupilMove(SQLModel, table=True):
    """A pupil's change of class or collège, kept as the history of where they were and who
    moved them. A move within a collège is done at once by its staff (``kind`` class); a move to
    another collège is a handover (``kind`` school): the pupil asks with the new class's code and
    it is done when the new collège accepts. Class names are copied: a class may be deleted
    later (its ids then become NULL), the history stays readable."""

    __tablename__ = "pupil_move"
    __table_args__ = (
        CheckConstraint(in_check("kind", MoveKind), name="ck_pupil_move_kind"),
        CheckConstraint(in_check("status", MoveStatus), name="ck_pupil_move_status"),
        # at most one handover waiting per pupil
        Index(
            "uq_pupil_move_pending",
            "pupil_user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_pupil_move_to_class_status", "to_class_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pupil_user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=10)
    status: str = Field(max_length=10)
    from_school_id: int = Field(foreign_key="school.id")
    from_class_id: int | None = Field(default=None, foreign_key="school_class.id")
    from_class_name: str = Field(max_length=40)
    to_school_id: int = Field(foreign_key="school.id", index=True)
    to_class_id: int | None = Field(default=None, foreign_key="school_class.id")
    to_class_name: str = Field(max_length=40)
    requested_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    requested_at: dt.datetime = Field(default_factory=utcnow)
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: dt.datetime | None = None
    # French: the decline reason, or what the move closed (told to both schools)
    note: str = Field(default="", max_length=2000)
