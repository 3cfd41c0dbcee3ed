"""Small synthetic fixtures for the offer editor and the offer search (built with the models;
offers themselves go through the real services)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlmodel import Session

from stages_app.models import (
    Commune,
    InternshipWeek,
    Organisation,
    PupilProfile,
    Role,
    School,
    SchoolClass,
    Sector,
    StaffMembership,
    User,
    utcnow,
)
from stages_app.services.access import Viewer
from stages_app.services.calendar import monday_of, school_year_of
from stages_app.services.offers import OfferInput, create_offer, paris_today, publish_offer
from stages_app.services.text import search_key

TODAY = paris_today()
# Upcoming Mondays, far enough from today for every test to see them as future weeks.
WEEK1 = monday_of(TODAY) + dt.timedelta(weeks=3)
WEEK2 = WEEK1 + dt.timedelta(weeks=1)
WEEK3 = WEEK1 + dt.timedelta(weeks=2)
OTHER_WEEK = WEEK1 + dt.timedelta(weeks=8)  # not a week of the collège

BOBIGNY = (48.9068, 2.4352)

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def user(
    session: Session,
    role: Role,
    *,
    email: str | None = None,
    first: str = "Camille",
    last: str = "Martin",
) -> Viewer:
    row = User(
        email=email or f"{role.value}{_n()}@exemple.fr",
        password_hash="x" * 60,
        role=role.value,
        first_name=first,
        last_name=last,
        email_confirmed_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return Viewer.of(row)


def sector(session: Session, name: str = "Alimentation", *, active: bool = True) -> Sector:
    row = Sector(
        uuid=f"00000000-0000-0000-0000-{_n():012d}",
        name=name,
        active=active,
        onisep_url=f"https://www.onisep.fr/metiers/{search_key(name).replace(' ', '-')}",
    )
    session.add(row)
    session.commit()
    return row


def commune(
    session: Session,
    insee: str,
    name: str,
    postal_codes: str,
    lat: float | None,
    lon: float | None,
    *,
    kind: str = "COM",
    parent: str = "",
    full_name: str = "",
    population: int = 1000,
) -> Commune:
    full = full_name or name
    key = search_key(full)
    if search_key(name) not in key:
        key = f"{key} {search_key(name)}"
    row = Commune(
        insee_code=insee,
        kind=kind,
        parent_insee_code=parent,
        name=name,
        full_name=full,
        search_name=key,
        department_code=insee[:2],
        postal_codes=postal_codes,
        population=population,
        latitude=lat,
        longitude=lon,
    )
    session.add(row)
    session.commit()
    return row


def gazetteer(session: Session) -> dict[str, Commune]:
    """A few real communes (with the arrondissement trick of Paris)."""
    return {
        "bobigny": commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352),
        "hay": commune(
            session, "94038", "Haÿ-les-Roses", "94240", 48.7800, 2.3374, full_name="L'Haÿ-les-Roses"
        ),
        "evry": commune(session, "91228", "Évry-Courcouronnes", "91000;91080", 48.6290, 2.4410),
        "paris": commune(session, "75056", "Paris", "75001;75011", 48.85659, 2.34292),
        "paris11": commune(
            session,
            "75111",
            "Paris 11e Arrondissement",
            "75011",
            48.85912,
            2.37975,
            kind="ARM",
            parent="75056",
        ),
        "lyon": commune(session, "69123", "Lyon", "69001", 45.7549, 4.8364),
        "stdenis": commune(session, "93066", "Saint-Denis", "93200;93210", 48.9295, 2.3592),
        "nopos": commune(session, "98901", "Île fantôme", "98999", None, None),
    }


def school(
    session: Session,
    *,
    lat: float | None = BOBIGNY[0],
    lon: float | None = BOBIGNY[1],
    national: bool = False,
    weeks=(WEEK1, WEEK2),
    name: str = "Collège République",
) -> School:
    n = _n()
    row = School(
        uai=f"{n:07d}X",
        name=name,
        commune_name="Bobigny",
        postal_code="93000",
        latitude=lat,
        longitude=lon,
        national_search=national,
    )
    session.add(row)
    session.commit()
    for week in weeks:
        session.add(
            InternshipWeek(school_id=row.id, week_start=week, school_year=school_year_of(week))
        )
    session.commit()
    return row


def pupil(
    session: Session,
    school_row: School,
    *,
    opened: bool = True,
    class_open: bool = True,
    authorised: bool = True,
) -> Viewer:
    n = _n()
    klass = SchoolClass(
        school_id=school_row.id, name=f"3e {n}", join_code=f"J{n:06d}", access_open=class_open
    )
    session.add(klass)
    session.commit()
    viewer = user(session, Role.STUDENT, first="Inès", last=f"Élève{n}")
    session.add(
        PupilProfile(
            user_id=viewer.user_id,
            school_id=school_row.id,
            class_id=klass.id,
            authorisation_received_on=TODAY if authorised else None,
            access_opened_at=utcnow() if opened else None,
        )
    )
    session.commit()
    return viewer


def staff(
    session: Session,
    school_row: School,
    *,
    role: Role = Role.TEACHER,
    function: str = "professeur",
    status: str = "granted",
) -> Viewer:
    viewer = user(session, role)
    session.add(
        StaffMembership(
            user_id=viewer.user_id,
            school_id=school_row.id,
            function=function,
            status=status,
            granted_at=utcnow() if status == "granted" else None,
        )
    )
    session.commit()
    return viewer


def employer(session: Session, name: str = "Boulangerie du Canal") -> Viewer:
    viewer = user(session, Role.EMPLOYER, first="Paul", last="Patron")
    session.add(Organisation(owner_id=viewer.user_id, name=name, kind="entreprise"))
    session.commit()
    return viewer


def offer_input(
    sector_row: Sector,
    *,
    weeks=((WEEK1, 2),),
    postal_code: str = "93000",
    commune_insee: str | None = "93008",
    commune_name: str | None = None,
    title: str = "Découverte du fournil",
    description: str = "Observer le travail du pain et de la pâtisserie, de 6 h à 12 h.",
    **extra,
) -> OfferInput:
    return OfferInput(
        title=title,
        description=description,
        sector_id=sector_row.id,
        street="12 rue de la République",
        postal_code=postal_code,
        commune_insee=commune_insee,
        commune_name=commune_name,
        weeks=list(weeks),
        tutor_name="Paul Patron",
        tutor_role="Artisan boulanger",
        practical_info="Chaussures fermées.",
        accessibility="Locaux de plain-pied.",
        **extra,
    )


def published_offer(
    session: Session,
    employer_viewer: Viewer,
    sector_row: Sector,
    *,
    at: tuple[float, float] | None = None,
    **kwargs,
):
    """An offer created and published through the services; ``at`` moves it (and its weeks)
    to exact coordinates, as an address geocoder would."""
    offer = create_offer(session, employer_viewer, offer_input(sector_row, **kwargs), geocoder=None)
    if at is not None:
        from stages_app.services.offers import sync_offer_weeks

        offer.latitude, offer.longitude = at
        offer.geocode_precision = "address"
        session.add(offer)
        sync_offer_weeks(session, offer)
        session.commit()
    return publish_offer(session, employer_viewer, offer.id)
