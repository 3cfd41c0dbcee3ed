"""Fixture data of the offer-search journey (tests/e2e/test_offer_search.py), built through the
services in the shared e2e database.

A REP+ collège in Vénissieux (Lyon area) with one 3e class, one internship week in the future,
its principal (e-mail confirmed) and one pupil whose parental authorisation is recorded and whose
access is open; four communes of the gazetteer (three near the collège, Cluny ≈ 83 km away);
three ONISEP sectors; and two published offers for the collège's week by other employers:

- *far*: a stud farm in Cluny, sector "Agriculture", outside the 60 km perimeter;
- *decoy*: a brasserie in Bron, sector "Hôtellerie, restauration", inside the perimeter (the
  sector filter must hide it).

Every name, e-mail, UAI and INSEE code is unique in the shared e2e database (people.py uses
0931234A in Aubervilliers, the onboarding journey communes around Évry).
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
from stages_app.services.geo import haversine_km
from stages_app.services.offers import OfferInput, distance_label
from stages_app.services.schools import paris_today
from stages_app.services.text import search_key

PASSWORD = "tramway-confluence-traboule"
DOMAIN = "ac-lyon.fr"
UAI = "0699901M"  # check letter: 699901 mod 23 = 11 -> M
SCHOOL = "Collège Germaine Tillion de Vénissieux"
SCHOOL_LAT, SCHOOL_LON = 45.7010, 4.8840
CLASS_NAME = "3e Lumière"
PRINCIPAL = ("Sylvie", "Marchand", f"ce.{UAI.lower()}@{DOMAIN}")
PUPIL = ("Yanis", "Bouzid", "yanis.bouzid@exemple.fr")


@dataclasses.dataclass(frozen=True)
class Place:
    insee: str
    name: str
    postal_code: str
    department: tuple[str, str]
    population: int
    latitude: float
    longitude: float


VENISSIEUX = Place("69259", "Vénissieux", "69200", ("69", "Rhône"), 67000, 45.6975, 4.8867)
SAINT_FONS = Place("69199", "Saint-Fons", "69190", ("69", "Rhône"), 19000, 45.7086, 4.8533)
BRON = Place("69029", "Bron", "69500", ("69", "Rhône"), 42000, 45.7386, 4.9131)
CLUNY = Place("71137", "Cluny", "71250", ("71", "Saône-et-Loire"), 4700, 46.4340, 4.6590)
PLACES = (VENISSIEUX, SAINT_FONS, BRON, CLUNY)

ONISEP = "https://www.onisep.fr/Decouvrir-les-metiers/Des-metiers-par-secteur/"
CHEMISTRY = ("Industrie chimique", ONISEP + "Industrie-chimique")
AGRICULTURE = ("Agriculture", ONISEP + "Agriculture")
HOSPITALITY = ("Hôtellerie, restauration", ONISEP + "Hotellerie-restauration")

# The employer who signs up in the browser, and the offer they publish there (Saint-Fons).
EMPLOYER = {
    "organisation": "Laboratoires Rhône Chimie",
    "siret": "84123456700011",  # Luhn-valid, fictitious
    "first_name": "Amandine",
    "last_name": "Roche",
    "phone": "04 72 00 11 22",
    "email": "amandine.roche@rhone-chimie.example.fr",
}
OFFER = {
    "title": "Découvrir un laboratoire de chimie",
    "description": (
        "Tu suivras une technicienne de laboratoire : préparation d'échantillons, "
        "contrôles de qualité des peintures et règles de sécurité."
    ),
    "street": "12 rue du Port",
    "tutor_name": "Claire Vernet",
    "tutor_role": "Technicienne de laboratoire",
}

FAR_TITLE = "Soigner les chevaux au haras de Cluny"
DECOY_TITLE = "Une semaine en cuisine à la Brasserie des Essarts"


def internship_monday(today: dt.date) -> dt.date:
    """A Monday two weeks ahead, inside the current school year (else the next Monday)."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    candidate = next_monday + dt.timedelta(weeks=2)
    _start, end = school_year_bounds(school_year_of(today))
    return candidate if candidate + dt.timedelta(days=4) <= end else next_monday


def expected_distance(place: Place) -> str:
    """The distance label a pupil of the collège sees on a card placed at the commune centre."""
    km = round(haversine_km(SCHOOL_LAT, SCHOOL_LON, place.latitude, place.longitude), 1)
    return distance_label(km)


@dataclasses.dataclass
class World:
    week: dt.date
    sectors: dict[str, int]  # name -> id
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


def _publish(
    s: Session,
    *,
    organisation: str,
    contact: tuple[str, str, str],
    title: str,
    description: str,
    sector: Sector,
    place: Place,
    street: str,
    week: dt.date,
    tutor: tuple[str, str],
) -> None:
    first, last, email = contact
    employer = signup.signup_employer(
        s,
        organisation_name=organisation,
        kind="entreprise",
        siret="",
        first_name=first,
        last_name=last,
        phone="",
        email=email,
        password=PASSWORD,
    )
    viewer = Viewer.of(employer)
    offer = offers.create_offer(
        s,
        viewer,
        OfferInput(
            title=title,
            description=description,
            sector_id=sector.id,
            street=street,
            postal_code=place.postal_code,
            commune_insee=place.insee,
            weeks=[(week, 2)],
            tutor_name=tutor[0],
            tutor_role=tutor[1],
        ),
        geocoder=None,
    )
    offers.publish_offer(s, viewer, offer.id)


def create_world(engine) -> World:
    week = internship_monday(paris_today())
    with Session(engine, expire_on_commit=False) as s:
        for p in PLACES:
            s.add(
                Commune(
                    insee_code=p.insee,
                    name=p.name,
                    full_name=p.name,
                    search_name=search_key(p.name),
                    department_code=p.department[0],
                    department_name=p.department[1],
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
                address="4 avenue Jules Guesde",
                postal_code=VENISSIEUX.postal_code,
                commune_name=VENISSIEUX.name,
                commune_insee=VENISSIEUX.insee,
                department_code="69",
                department_name="Rhône",
                academy_code="10",
                academy_name="Lyon",
                region_name="Auvergne-Rhône-Alpes",
                academy_domain=DOMAIN,
                latitude=SCHOOL_LAT,
                longitude=SCHOOL_LON,
                priority_education="REP+",
            )
        )
        s.commit()
        sectors = {
            name: _sector(s, name, url) for name, url in (CHEMISTRY, AGRICULTURE, HOSPITALITY)
        }

        first, last, email = PRINCIPAL
        _principal, token = signup.signup_principal(
            s, school_uai=UAI, first_name=first, last_name=last, email=email, password=PASSWORD
        )
        principal = Viewer.of(signup.confirm_email(s, token))
        klass = schools.create_class(s, principal, CLASS_NAME)
        schools.add_period(s, principal, week)

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

        _publish(
            s,
            organisation="Haras national de Cluny",
            contact=("Bernard", "Lachaux", "b.lachaux@haras-cluny.example.fr"),
            title=FAR_TITLE,
            description="Pansage, alimentation et sortie des chevaux avec les palefreniers.",
            sector=sectors[AGRICULTURE[0]],
            place=CLUNY,
            street="2 rue Porte des Prés",
            week=week,
            tutor=("Bernard Lachaux", "Chef palefrenier"),
        )
        _publish(
            s,
            organisation="Brasserie des Essarts",
            contact=("Karima", "Haddou", "karima@brasserie-essarts.example.fr"),
            title=DECOY_TITLE,
            description="Mise en place, préparation des entrées et service du midi avec l'équipe.",
            sector=sectors[HOSPITALITY[0]],
            place=BRON,
            street="8 route de Genas",
            week=week,
            tutor=("Karima Haddou", "Cheffe de cuisine"),
        )
        return World(
            week=week,
            sectors={k: v.id for k, v in sectors.items()},
            principal_email=PRINCIPAL[2],
            pupil_email=PUPIL[2],
        )
