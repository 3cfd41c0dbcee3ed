"""Small synthetic fixtures for the account and sign-up tests (built directly with the models)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from stages_app.models import (
    AuthSession,
    EmailToken,
    Organisation,
    OutboxMail,
    PupilProfile,
    School,
    SchoolClass,
    StaffMembership,
    User,
)

PASSWORD = "cheval-batterie-agrafe"  # 22 characters, passes the policy
UAI = "0931234A"
PRINCIPAL_EMAIL = "ce.0931234a@ac-creteil.fr"


def make_school(
    session: Session,
    *,
    uai: str = UAI,
    name: str = "Collège Jean Moulin",
    academy_domain: str = "ac-creteil.fr",
) -> School:
    school = School(
        uai=uai,
        name=name,
        commune_name="Aubervilliers",
        postal_code="93300",
        academy_name="Créteil",
        academy_domain=academy_domain,
        latitude=48.9146,
        longitude=2.3821,
    )
    session.add(school)
    session.commit()
    return school


def make_class(
    session: Session,
    school: School,
    *,
    name: str = "3e B",
    join_code: str = "3B-K7Q2",
    access_open: bool = True,
) -> SchoolClass:
    school_class = SchoolClass(
        school_id=school.id, name=name, join_code=join_code, access_open=access_open
    )
    session.add(school_class)
    session.commit()
    return school_class


COUNTED = (User, Organisation, PupilProfile, StaffMembership, EmailToken, OutboxMail, AuthSession)


def row_counts(session: Session) -> dict[str, int]:
    """Rows per account-related table: compared before/after a refused sign-up."""
    return {
        model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in COUNTED
    }
