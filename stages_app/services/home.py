"""What each role sees on its home page (read-only; rights checked by the caller's viewer)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, SQLModel, col, select

from stages_app.models import (
    Application,
    Commune,
    InternshipWeek,
    Offer,
    Organisation,
    PupilProfile,
    RightsStatus,
    Role,
    School,
    SchoolClass,
    Sector,
    StaffMembership,
    User,
)
from stages_app.services.access import Viewer
from stages_app.services.calendar import week_label
from stages_app.services.errors import NotFound, PermissionDenied

FUNCTION_LABEL = {
    "principal": "Chef d'établissement",
    "professeur_principal": "Professeur principal",
    "professeur": "Professeur",
    "cpe": "CPE",
    "documentaliste": "Professeur documentaliste",
    "psy_en": "Psychologue de l'Éducation nationale",
    "administratif": "Personnel administratif",
}

ROLE_TITLE = {
    "student": "Élève",
    "principal": "Chef d'établissement",
    "teacher": "Professeur",
    "staff": "Personnel",
    "employer": "Employeur",
    "admin": "Administrateur",
}


def viewer_title(session: Session, viewer: Viewer | None) -> str:
    """What the header says the person is: their function at the collège for school staff
    ("Professeur principal", "CPE"…), else their role ("Élève", "Employeur"…)."""
    if viewer is None:
        return ""
    if viewer.role in ("teacher", "staff"):
        function = session.exec(
            select(StaffMembership.function).where(StaffMembership.user_id == viewer.user_id)
        ).first()
        if function in FUNCTION_LABEL:
            return FUNCTION_LABEL[function]
    return ROLE_TITLE.get(viewer.role, "")


@dataclasses.dataclass
class StudentHome:
    school_name: str
    class_name: str
    authorisation_recorded: bool
    access_open: bool
    applications: int


def student_home(session: Session, viewer: Viewer) -> StudentHome:
    if viewer.role != Role.STUDENT.value:
        raise PermissionDenied()
    row = session.exec(
        select(PupilProfile, SchoolClass, School)
        .join(SchoolClass, col(SchoolClass.id) == PupilProfile.class_id)
        .join(School, col(School.id) == PupilProfile.school_id)
        .where(PupilProfile.user_id == viewer.user_id)
    ).first()
    if row is None:
        raise NotFound("Votre compte élève n'est rattaché à aucune classe.")
    profile, klass, school = row
    n_apps = session.exec(
        select(func.count())
        .select_from(Application)
        .where(Application.student_id == viewer.user_id)
    ).one()
    return StudentHome(
        school_name=school.name,
        class_name=klass.name,
        authorisation_recorded=profile.authorisation_received_on is not None,
        access_open=bool(
            klass.access_open
            and profile.authorisation_received_on is not None
            and profile.access_opened_at is not None
        ),
        applications=int(n_apps),
    )


@dataclasses.dataclass
class SchoolHome:
    school_name: str
    uai: str
    commune: str
    priority_education: str
    function_label: str
    rights_status: str  # pending / granted / revoked
    weeks: list[str]
    national_search: bool


def school_home(session: Session, viewer: Viewer) -> SchoolHome:
    membership = session.exec(
        select(StaffMembership).where(StaffMembership.user_id == viewer.user_id)
    ).first()
    if membership is None:
        raise NotFound("Votre compte n'est rattaché à aucun établissement.")
    school = session.get(School, membership.school_id)
    assert school is not None  # membership.school_id is a foreign key; schools are never deleted
    base = SchoolHome(
        school_name=school.name,
        uai=school.uai,
        commune=school.commune_name,
        priority_education=school.priority_education,
        function_label=FUNCTION_LABEL.get(membership.function, membership.function),
        rights_status=membership.status,
        weeks=[],
        national_search=school.national_search,
    )
    if membership.status != RightsStatus.GRANTED.value:
        return base  # nothing of the school is shown before the principal grants rights
    weeks = session.exec(
        select(col(InternshipWeek.week_start))
        .where(InternshipWeek.school_id == school.id)
        .order_by(col(InternshipWeek.week_start))
    ).all()
    base.weeks = [week_label(w) for w in weeks]
    return base


def employer_organisation_name(session: Session, viewer: Viewer) -> str:
    if viewer.role != Role.EMPLOYER.value:
        raise PermissionDenied()
    org = session.exec(select(Organisation).where(Organisation.owner_id == viewer.user_id)).first()
    if org is None:
        raise NotFound("Aucun organisme n'est rattaché à votre compte.")
    return org.name


@dataclasses.dataclass
class AdminHome:
    schools: int
    registered_schools: int
    communes: int
    sectors: int
    users: int
    employers: int
    offers_published: int
    applications: int


def admin_home(session: Session, viewer: Viewer) -> AdminHome:
    if viewer.role != Role.ADMIN.value:
        raise PermissionDenied()

    def count(model: type[SQLModel], *where: ColumnElement[bool]) -> int:
        q = select(func.count()).select_from(model)
        for w in where:
            q = q.where(w)
        return int(session.exec(q).one())

    return AdminHome(
        schools=count(School),
        registered_schools=count(School, col(School.registered_at).is_not(None)),
        communes=count(Commune),
        sectors=count(Sector, col(Sector.active).is_(True)),
        users=count(User),
        employers=count(Organisation),
        offers_published=count(Offer, col(Offer.status) == "published"),
        applications=count(Application, col(Application.submitted_at).is_not(None)),
    )
