"""Fixture data of the live class-dashboard journey (tests/e2e/test_live_dashboards.py), built
through the services.

A collège in Échirolles (Grenoble area) with one 3e class and a two-week internship period in
the future; its principal (e-mail confirmed); a professeur principal of the class whose rights
the principal granted; one pupil of the class whose parental authorisation is recorded, whose
access is open and whose CV is written (an application needs one); three communes of the
gazetteer around the collège; one employer in Grenoble with one published offer for week 1.

The journey runs once per server (the shared e2e SQLite database, then a PostgreSQL database of
its own behind the Redis server): ``create_world`` is called once per database. Every name,
e-mail, UAI and INSEE code is unique in the shared e2e database (people.py uses 0931234A in
Aubervilliers, the onboarding journey communes around Évry, search_world.py 0699901M and the
Lyon area, apply_world.py 0449901Y and the Nantes area).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlmodel import Session, select

from stages_app.models import Commune, School, StaffMembership
from stages_app.services import cv, pupils, schools, signup, staff
from stages_app.services.access import Viewer
from stages_app.services.schools import paris_today
from stages_app.services.text import search_key
from tests.e2e.apply_world import (
    ONISEP,
    Employer,
    Place,
    _sector,
    internship_weeks,
    publish_offer,
)

PASSWORD = "chartreuse-vercors-bastille"
DOMAIN = "ac-grenoble.fr"
UAI = "0389901F"  # check letter: 389901 mod 23 = 5 -> F
SCHOOL = "Collège Marie Reynoard d'Échirolles"
SCHOOL_LAT, SCHOOL_LON = 45.1452, 5.7161
CLASS_NAME = "3e Belledonne"
PRINCIPAL = ("Pierre-Yves", "Masson", f"ce.{UAI.lower()}@{DOMAIN}")
TEACHER = ("Nadia", "Bouvier", f"nadia.bouvier@{DOMAIN}")
PUPIL = ("Léna", "Chabert", "lena.chabert@exemple.fr")
PUPIL_NAME = f"{PUPIL[0]} {PUPIL[1]}"
PUPIL_CV = {
    "about": "Je suis en 3e à Échirolles. J'aime le vélo, réparer les choses et aider les autres.",
    "school_path": ["Depuis 2023 : Collège Marie Reynoard, Échirolles (3e Belledonne)"],
    "interests": ["Cyclisme au club d'Échirolles", "Bricolage"],
}

ECHIROLLES = Place("38151", "Échirolles", "38130", 37000, 45.1436, 5.7189)
GRENOBLE = Place("38185", "Grenoble", "38000", 158000, 45.1885, 5.7245)
EYBENS = Place("38158", "Eybens", "38320", 10000, 45.1475, 5.7503)
PLACES = (ECHIROLLES, GRENOBLE, EYBENS)

SPORT = ("Sport, animation", ONISEP + "Sport-et-animation")

EMPLOYER = Employer(
    "V",
    "Cycles de la Bastille",
    "Bastien",
    "Faure",
    "bastien.faure@cycles-bastille.example.fr",
    "Une semaine dans un atelier de vélos",
    "Réglage des freins, changement d'une chambre à air, conseil aux clients : tu suivras les "
    "mécaniciens de l'atelier et la vente en boutique.",
    SPORT,
    GRENOBLE,
    "12 quai Stéphane Jay",
    ("Bastien Faure", "Gérant"),
)


@dataclasses.dataclass
class World:
    week1: dt.date
    week2: dt.date
    class_id: int
    offer_id: int
    teacher_email: str
    pupil_email: str
    employer_email: str


def create_world(engine) -> World:
    week1, week2 = internship_weeks(paris_today())
    with Session(engine, expire_on_commit=False) as s:
        for p in PLACES:
            s.add(
                Commune(
                    insee_code=p.insee,
                    name=p.name,
                    full_name=p.name,
                    search_name=search_key(p.name),
                    department_code="38",
                    department_name="Isère",
                    postal_codes=p.postal_code,
                    population=p.population,
                    latitude=p.latitude,
                    longitude=p.longitude,
                )
            )
        s.add(
            School(
                uai=UAI,
                name=SCHOOL,
                address="4 avenue des Etats Généraux",
                postal_code=ECHIROLLES.postal_code,
                commune_name=ECHIROLLES.name,
                commune_insee=ECHIROLLES.insee,
                department_code="38",
                department_name="Isère",
                academy_code="08",
                academy_name="Grenoble",
                region_name="Auvergne-Rhône-Alpes",
                academy_domain=DOMAIN,
                latitude=SCHOOL_LAT,
                longitude=SCHOOL_LON,
                priority_education="",
            )
        )
        s.commit()
        sector = _sector(s, *SPORT)

        first, last, email = PRINCIPAL
        _principal, token = signup.signup_principal(
            s, school_uai=UAI, first_name=first, last_name=last, email=email, password=PASSWORD
        )
        principal = Viewer.of(signup.confirm_email(s, token))
        klass = schools.create_class(s, principal, CLASS_NAME)
        schools.add_period(s, principal, week1, week2)

        # the professeur principal: signs up, the principal grants the rights and names them
        # professeur principal of the class (as on the "Personnels" and class settings pages)
        first, last, email = TEACHER
        teacher = signup.signup_staff(
            s,
            school_uai=UAI,
            function="professeur_principal",
            first_name=first,
            last_name=last,
            email=email,
            password=PASSWORD,
        )
        membership = s.exec(
            select(StaffMembership).where(StaffMembership.user_id == teacher.id)
        ).one()
        staff.grant(s, principal, membership.id)
        staff.set_main_teacher(s, principal, klass.id, teacher.id)

        first, last, email = PUPIL
        pupil = signup.signup_student(
            s,
            class_code=klass.join_code,
            first_name=first,
            last_name=last,
            email=email,
            password=PASSWORD,
        )
        pupils.record_authorisation(s, principal, [pupil.id], paris_today())
        opened = pupils.open_access(s, principal, [pupil.id])
        assert opened.opened == [pupil.id], opened.message
        cv.save_cv(s, Viewer.of(pupil), PUPIL_CV)

        offer_id = publish_offer(
            s, EMPLOYER, sector, [(week1, 1)], password=PASSWORD, phone="04 76 00 00 00"
        )
        return World(
            week1=week1,
            week2=week2,
            class_id=klass.id,
            offer_id=offer_id,
            teacher_email=TEACHER[2],
            pupil_email=PUPIL[2],
            employer_email=EMPLOYER.email,
        )
