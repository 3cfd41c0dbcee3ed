"""One account per role, created through the services in the e2e database (shared fixture data)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from stages_app.models import PupilProfile, RightsStatus, Role, StaffMembership, utcnow
from stages_app.services import accounts, signup
from tests.unit.account_helpers import make_class, make_school

PASSWORD = "cheval-batterie-agrafe"
UAI = "0931234A"


def create_people(engine) -> dict[str, str]:
    """role -> e-mail, every account ready to log in."""
    with Session(engine, expire_on_commit=False) as s:
        school = make_school(s, uai=UAI)
        klass = make_class(s, school, name="3e B", join_code="E2E-3B")
        principal, token = signup.signup_principal(
            s,
            school_uai=UAI,
            first_name="Hélène",
            last_name="Garnier",
            email=f"ce.{UAI.lower()}@ac-creteil.fr",
            password=PASSWORD,
        )
        signup.confirm_email(s, token)
        teacher = signup.signup_staff(
            s,
            school_uai=UAI,
            function="professeur_principal",
            first_name="Karim",
            last_name="Haddad",
            email="karim.haddad@ac-creteil.fr",
            password=PASSWORD,
        )
        cpe = signup.signup_staff(
            s,
            school_uai=UAI,
            function="cpe",
            first_name="Sophie",
            last_name="Lefèvre",
            email="sophie.lefevre@ac-creteil.fr",
            password=PASSWORD,
        )
        for m in s.exec(
            select(StaffMembership).where(StaffMembership.user_id.in_([teacher.id, cpe.id]))
        ).all():
            m.status = RightsStatus.GRANTED.value
            m.granted_by_id = principal.id
            m.granted_at = utcnow()
        klass.main_teacher_id = teacher.id
        student = signup.signup_student(
            s,
            class_code="E2E-3B",
            first_name="Inès",
            last_name="Benali",
            email="ines.benali@exemple.fr",
            password=PASSWORD,
        )
        waiting = signup.signup_student(
            s,
            class_code="E2E-3B",
            first_name="Lucas",
            last_name="Martin",
            email="lucas.martin@exemple.fr",
            password=PASSWORD,
        )
        profile = s.exec(select(PupilProfile).where(PupilProfile.user_id == student.id)).one()
        profile.authorisation_received_on = dt.date.today()
        profile.authorisation_recorded_by_id = teacher.id
        profile.access_opened_at = utcnow()
        profile.access_opened_by_id = teacher.id
        employer = signup.signup_employer(
            s,
            organisation_name="Boulangerie Dupont",
            kind="entreprise",
            siret="",
            first_name="Marie",
            last_name="Dupont",
            phone="",
            email="marie@boulangerie-dupont.fr",
            password=PASSWORD,
        )
        admin = accounts.create_user(
            s,
            email="admin@stages3e.fr",
            password=PASSWORD,
            role=Role.ADMIN.value,
            first_name="Camille",
            last_name="Roux",
        )
        s.commit()
        return {
            "principal": principal.email,
            "teacher": teacher.email,
            "staff": cpe.email,
            "student": student.email,
            "student_waiting": waiting.email,
            "employer": employer.email,
            "admin": admin.email,
        }
