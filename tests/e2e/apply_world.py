"""Fixture data of the apply-and-answer journey (tests/e2e/test_apply_and_answer.py), built
through the services in the shared e2e database.

A collège in Rezé (Nantes area) with one 3e class and a two-week internship period in the
future, its principal (e-mail confirmed) and one pupil whose parental authorisation is recorded
and whose access is open; four communes of the gazetteer around the collège; three ONISEP
sectors; three employers, each with one published offer a few kilometres from the collège:

- *A* a pharmacy in Rezé, for week 1 (2 seats) **and** week 2 (1 seat);
- *B* a garage in Bouguenais, for week 1;
- *C* a media library in Vertou, for week 1.

The pupil applies to A, B and C for week 1 and to A for week 2: when A accepts the week-1
application, B's and C's are cancelled automatically (R5, same week) while A's week-2 one stays
pending (R5 cancels per week, not per offer or employer).

Every name, e-mail, UAI and INSEE code is unique in the shared e2e database (people.py uses
0931234A in Aubervilliers, the onboarding journey communes around Évry, search_world.py
Vénissieux 0699901M and the Lyon area).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from sqlmodel import Session, select

from stages_app.models import Commune, School, Sector
from stages_app.services import offers, pupils, schools, signup
from stages_app.services.access import Viewer
from stages_app.services.calendar import school_year_bounds, school_year_of
from stages_app.services.offers import OfferInput
from stages_app.services.schools import paris_today
from stages_app.services.text import search_key

PASSWORD = "muscadet-goelette-erdre"
DOMAIN = "ac-nantes.fr"
UAI = "0449901Y"  # check letter: 449901 mod 23 = 21 -> Y
SCHOOL = "Collège Simone Veil de Rezé"
SCHOOL_LAT, SCHOOL_LON = 47.1850, -1.5480
CLASS_NAME = "3e Estuaire"
PRINCIPAL = ("Gwenaëlle", "Le Floch", f"ce.{UAI.lower()}@{DOMAIN}")
PUPIL = ("Chloé", "Le Gall", "chloe.legall@exemple.fr")
PUPIL_NAME = f"{PUPIL[0]} {PUPIL[1]}"


@dataclasses.dataclass(frozen=True)
class Place:
    insee: str
    name: str
    postal_code: str
    population: int
    latitude: float
    longitude: float


REZE = Place("44143", "Rezé", "44400", 42000, 47.1833, -1.5500)
BOUGUENAIS = Place("44020", "Bouguenais", "44340", 20000, 47.1778, -1.6236)
VERTOU = Place("44215", "Vertou", "44120", 25000, 47.1686, -1.4697)
SAINT_SEBASTIEN = Place("44190", "Saint-Sébastien-sur-Loire", "44230", 27000, 47.2081, -1.5014)
PLACES = (REZE, BOUGUENAIS, VERTOU, SAINT_SEBASTIEN)

ONISEP = "https://www.onisep.fr/Decouvrir-les-metiers/Des-metiers-par-secteur/"
HEALTH = ("Santé", ONISEP + "Sante")
AUTOMOTIVE = ("Automobile", ONISEP + "Automobile")
CULTURE = ("Culture, patrimoine", ONISEP + "Culture-et-patrimoine")


@dataclasses.dataclass(frozen=True)
class Employer:
    key: str
    organisation: str
    first_name: str
    last_name: str
    email: str
    title: str
    description: str
    sector: tuple[str, str]
    place: Place
    street: str
    tutor: tuple[str, str]


EMPLOYER_A = Employer(
    "A",
    "Pharmacie des Trois Moulins",
    "Yannick",
    "Guérin",
    "yannick.guerin@pharmacie-trois-moulins.example.fr",
    "Une semaine au comptoir d'une pharmacie",
    "Tu découvriras le métier de pharmacien et de préparateur : accueil des patients, "
    "rangement des commandes, préparations simples et règles d'hygiène.",
    HEALTH,
    REZE,
    "3 rue des Trois Moulins",
    ("Yannick Guérin", "Pharmacien titulaire"),
)
EMPLOYER_B = Employer(
    "B",
    "Garage Loire Auto",
    "Maëlys",
    "Bernard",
    "maelys.bernard@loire-auto.example.fr",
    "Découvrir la mécanique automobile",
    "Diagnostic d'une panne, vidange, changement des pneus : tu suivras les mécaniciens de "
    "l'atelier et l'accueil des clients.",
    AUTOMOTIVE,
    BOUGUENAIS,
    "18 route de Pornic",
    ("Maëlys Bernard", "Cheffe d'atelier"),
)
EMPLOYER_C = Employer(
    "C",
    "Médiathèque de Vertou",
    "Ronan",
    "Kerlo",
    "ronan.kerlo@mediatheque-vertou.example.fr",
    "Les coulisses d'une médiathèque",
    "Accueil du public, rangement des livres, préparation d'une animation pour les enfants et "
    "découverte du catalogue numérique.",
    CULTURE,
    VERTOU,
    "1 place du Beau Verger",
    ("Ronan Kerlo", "Bibliothécaire"),
)
EMPLOYERS = (EMPLOYER_A, EMPLOYER_B, EMPLOYER_C)


def internship_weeks(today: dt.date) -> tuple[dt.date, dt.date]:
    """Two consecutive Mondays two weeks ahead, inside the current school year (else the
    next two Mondays)."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    _start, end = school_year_bounds(school_year_of(today))
    first = next_monday + dt.timedelta(weeks=2)
    if first + dt.timedelta(weeks=1, days=4) > end:
        first = next_monday
    return first, first + dt.timedelta(weeks=1)


@dataclasses.dataclass
class World:
    week1: dt.date
    week2: dt.date
    offer_ids: dict[str, int]  # employer key -> offer id
    principal_email: str
    pupil_email: str


def _sector(s: Session, name: str, url: str) -> Sector:
    """Get or create: other e2e modules may add the same ONISEP sector to the shared database."""
    row = s.exec(select(Sector).where(Sector.name == name)).first()
    if row is None:
        row = Sector(uuid=str(uuid.uuid4()), name=name, onisep_url=url)
        s.add(row)
        s.commit()
        s.refresh(row)
    return row


def publish_offer(
    s: Session,
    e: Employer,
    sector: Sector,
    weeks: list[tuple[dt.date, int]],
    *,
    password: str = PASSWORD,
    phone: str = "02 40 00 00 00",
) -> int:
    """The employer signs up and publishes one offer; its id."""
    user = signup.signup_employer(
        s,
        organisation_name=e.organisation,
        kind="entreprise",
        siret="",
        first_name=e.first_name,
        last_name=e.last_name,
        phone=phone,
        email=e.email,
        password=password,
    )
    viewer = Viewer.of(user)
    offer = offers.create_offer(
        s,
        viewer,
        OfferInput(
            title=e.title,
            description=e.description,
            sector_id=sector.id,
            street=e.street,
            postal_code=e.place.postal_code,
            commune_insee=e.place.insee,
            weeks=weeks,
            tutor_name=e.tutor[0],
            tutor_role=e.tutor[1],
        ),
        geocoder=None,
    )
    offers.publish_offer(s, viewer, offer.id)
    return offer.id


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
                    department_code="44",
                    department_name="Loire-Atlantique",
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
                address="20 rue Jean Fraix",
                postal_code=REZE.postal_code,
                commune_name=REZE.name,
                commune_insee=REZE.insee,
                department_code="44",
                department_name="Loire-Atlantique",
                academy_code="17",
                academy_name="Nantes",
                region_name="Pays de la Loire",
                academy_domain=DOMAIN,
                latitude=SCHOOL_LAT,
                longitude=SCHOOL_LON,
                priority_education="",
            )
        )
        s.commit()
        sectors = {name: _sector(s, name, url) for name, url in (HEALTH, AUTOMOTIVE, CULTURE)}

        first, last, email = PRINCIPAL
        _principal, token = signup.signup_principal(
            s, school_uai=UAI, first_name=first, last_name=last, email=email, password=PASSWORD
        )
        principal = Viewer.of(signup.confirm_email(s, token))
        klass = schools.create_class(s, principal, CLASS_NAME)
        schools.add_period(s, principal, week1, week2)

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

        offer_ids = {
            "A": publish_offer(s, EMPLOYER_A, sectors[HEALTH[0]], [(week1, 2), (week2, 1)]),
            "B": publish_offer(s, EMPLOYER_B, sectors[AUTOMOTIVE[0]], [(week1, 1)]),
            "C": publish_offer(s, EMPLOYER_C, sectors[CULTURE[0]], [(week1, 1)]),
        }
        return World(
            week1=week1,
            week2=week2,
            offer_ids=offer_ids,
            principal_email=PRINCIPAL[2],
            pupil_email=PUPIL[2],
        )
