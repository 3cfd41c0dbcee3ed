"""R1 + R2: what a pupil's offer search may show.

A pupil sees published offers with a free seat, in the weeks of their collège, within 60 km
great-circle of the collège (anywhere when the principal opened national search); nothing at all
without opened access. Every test using ``session`` runs on SQLite and again on PostgreSQL; the
last test builds the same dataset on both and compares the answers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from sqlalchemy import select
from sqlmodel import Session

from stages_app.models import OfferStatus, OfferWeek, Role
from stages_app.services import offers as offer_service
from stages_app.services import search as search_module
from stages_app.services.errors import NotFound, PermissionDenied
from stages_app.services.geo import bounding_box, destination, haversine_km
from stages_app.services.search import (
    SearchQuery,
    offer_detail,
    offer_detail_for_pupil,
    search_offers,
    search_offers_for_pupil,
)
from tests.conftest import _truncate_pg
from tests.needs import unavailable
from tests.unit import offer_helpers as h
from tests.unit.offer_helpers import BOBIGNY, OTHER_WEEK, WEEK1, WEEK2, WEEK3

LYON = (45.7640, 4.8357)


def ids(result) -> list[int]:
    return [card.id for card in result.cards]


@pytest.fixture
def world(session):
    """A collège in Bobigny with weeks WEEK1 and WEEK2, one pupil with opened access, one
    employer and one sector."""
    school = h.school(session)
    return {
        "school": school,
        "pupil": h.pupil(session, school),
        "employer": h.employer(session),
        "sector": h.sector(session),
        "communes": h.gazetteer(session),
    }


def place(session, world, km: float, bearing: float = 45.0, **kwargs):
    at = destination(*BOBIGNY, bearing, km)
    return h.published_offer(session, world["employer"], world["sector"], at=at, **kwargs)


# ---------------------------------------------------------------------------------------------
# Distance
# ---------------------------------------------------------------------------------------------


def test_offers_at_59_9_km_are_found_and_at_60_1_km_are_not(session, world):
    inside, outside = [], []
    for bearing in (0, 45, 90, 135, 180, 225, 270, 315):
        inside.append(place(session, world, 59.9, bearing).id)
        outside.append(place(session, world, 60.1, bearing).id)
    # the coordinates really are where the test says (great-circle, as the rule)
    for offer_id in inside + outside:
        week = session.scalars(select(OfferWeek).where(OfferWeek.offer_id == offer_id)).first()
        km = haversine_km(*BOBIGNY, week.latitude, week.longitude)
        assert km == pytest.approx(59.9 if offer_id in inside else 60.1, abs=1e-6)

    result = search_offers(session, world["pupil"], SearchQuery())

    assert sorted(ids(result)) == sorted(inside)
    assert result.total == 8
    assert result.radius_km == 60
    assert not result.national
    assert all(card.distance_km == 59.9 for card in result.cards)
    assert all(card.distance_text == "à 60 km" for card in result.cards)


def test_results_are_sorted_by_distance_and_show_it(session, world):
    far = place(session, world, 42.0)
    near = place(session, world, 3.4)
    middle = place(session, world, 12.0)
    result = search_offers(session, world["pupil"], SearchQuery())
    assert ids(result) == [near.id, middle.id, far.id]
    assert [c.distance_text for c in result.cards] == ["à 3,4 km", "à 12 km", "à 42 km"]


def test_a_pupil_may_narrow_the_radius(session, world):
    near = place(session, world, 9.9)
    place(session, world, 10.1)
    result = search_offers(session, world["pupil"], SearchQuery(radius_km=10))
    assert ids(result) == [near.id]
    assert result.radius_km == 10


def test_national_search_lifts_the_limit_and_still_sorts_by_distance(session, world):
    near = place(session, world, 59.9)
    just_out = place(session, world, 60.1)
    lyon = h.published_offer(session, world["employer"], world["sector"], at=LYON)
    assert search_offers(session, world["pupil"]).total == 1

    world["school"].national_search = True
    session.add(world["school"])
    session.commit()

    result = search_offers(session, world["pupil"], SearchQuery())
    assert result.national
    assert result.radius_km is None
    assert result.max_radius_km is None
    assert ids(result) == [near.id, just_out.id, lyon.id]
    assert result.cards[2].distance_km == round(haversine_km(*BOBIGNY, *LYON), 1)
    # a radius beyond 60 km is allowed once national
    assert ids(search_offers(session, world["pupil"], SearchQuery(radius_km=100))) == [
        near.id,
        just_out.id,
    ]
    # newest first, distance still shown
    newest = search_offers(session, world["pupil"], SearchQuery(sort="newest"))
    assert ids(newest) == [lyon.id, just_out.id, near.id]
    assert newest.cards[0].distance_km is not None


def test_national_search_pages_far_beyond_the_first_ring(session, world):
    world["school"].national_search = True
    session.add(world["school"])
    session.commit()
    made = [place(session, world, km, bearing=200) for km in (5, 100, 300, 700, 900)]
    first = search_offers(session, world["pupil"], SearchQuery(page_size=2))
    assert first.total == 5 and first.pages == 3
    assert ids(first) == [made[0].id, made[1].id]
    last = search_offers(session, world["pupil"], SearchQuery(page_size=2, page=3))
    assert ids(last) == [made[4].id]


# ---------------------------------------------------------------------------------------------
# Weeks, seats, states
# ---------------------------------------------------------------------------------------------


def test_weeks_outside_the_schools_periods_never_show(session, world):
    place(session, world, 5, weeks=[(OTHER_WEEK, 2)])
    both = place(session, world, 6, weeks=[(WEEK1, 2), (OTHER_WEEK, 3)])
    result = search_offers(session, world["pupil"])
    assert ids(result) == [both.id]
    assert result.cards[0].weeks == [(WEEK1, 2)]
    assert result.weeks == [WEEK1, WEEK2]


def test_past_school_weeks_are_not_searched(session, world):
    offer = place(session, world, 5, weeks=[(WEEK2, 2)])
    # seen from the day after WEEK1 began, WEEK1 is past: only WEEK2 remains
    later = search_offers(session, world["pupil"], today=WEEK1 + dt.timedelta(days=1))
    assert later.weeks == [WEEK2] and ids(later) == [offer.id]
    after_all = search_offers(session, world["pupil"], today=WEEK2 + dt.timedelta(days=1))
    assert after_all.weeks == [] and after_all.total == 0
    assert "semaine de stage" in after_all.suggestions[0]


def test_full_weeks_never_show(session, world):
    full = place(session, world, 5, weeks=[(WEEK1, 1)])
    half = place(session, world, 6, weeks=[(WEEK1, 1), (WEEK2, 2)])
    for offer_id, week in ((full.id, WEEK1), (half.id, WEEK1)):
        row = session.scalars(select(OfferWeek).filter_by(offer_id=offer_id, week_start=week)).one()
        row.accepted_count = row.seats
        session.add(row)
        offer_service.sync_offer_weeks(session, session.get(type(full), offer_id))
    session.commit()

    result = search_offers(session, world["pupil"])
    assert ids(result) == [half.id]
    assert result.cards[0].weeks == [(WEEK2, 2)]
    # choosing the full week: nothing
    assert search_offers(session, world["pupil"], SearchQuery(week=WEEK1)).total == 0
    with pytest.raises(NotFound):
        offer_detail(session, world["pupil"], full.id)


def test_free_seats_are_seats_minus_accepted(session, world):
    offer = place(session, world, 5, weeks=[(WEEK1, 3)])
    row = session.scalars(select(OfferWeek).filter_by(offer_id=offer.id)).one()
    row.accepted_count = 2
    session.add(row)
    session.commit()
    assert search_offers(session, world["pupil"]).cards[0].weeks == [(WEEK1, 1)]


def test_drafts_unpublished_and_archived_offers_never_show(session, world):
    employer, sector = world["employer"], world["sector"]
    draft = offer_service.create_offer(session, employer, h.offer_input(sector), geocoder=None)
    unpublished = h.published_offer(session, employer, sector)
    offer_service.unpublish_offer(session, employer, unpublished.id)
    archived = h.published_offer(session, employer, sector)
    offer_service.archive_offer(session, employer, archived.id)
    visible = h.published_offer(session, employer, sector)

    assert [draft.status, unpublished.status, archived.status] == [
        OfferStatus.DRAFT.value,
        OfferStatus.UNPUBLISHED.value,
        OfferStatus.ARCHIVED.value,
    ]
    result = search_offers(session, world["pupil"])
    assert ids(result) == [visible.id]
    for hidden in (draft, unpublished, archived):
        with pytest.raises(NotFound):
            offer_detail(session, world["pupil"], hidden.id)


def test_offers_of_a_suspended_employer_never_show(session, world):
    offer = place(session, world, 5)
    from stages_app.models import Organisation, utcnow

    org = session.scalars(select(Organisation).filter_by(owner_id=world["employer"].user_id)).one()
    org.suspended_at = utcnow()
    session.add(org)
    offer_service.refresh_search_text(session, org.id)
    session.commit()
    assert search_offers(session, world["pupil"]).total == 0
    with pytest.raises(NotFound):
        offer_detail(session, world["pupil"], offer.id)


# ---------------------------------------------------------------------------------------------
# R1: who may search
# ---------------------------------------------------------------------------------------------


def test_a_pupil_without_opened_access_gets_nothing(session, world):
    place(session, world, 5)
    school = world["school"]
    cases = {
        "not opened": h.pupil(session, school, opened=False),
        "no authorisation": h.pupil(session, school, authorised=False),
        "class closed": h.pupil(session, school, class_open=False),
    }
    for label, viewer in cases.items():
        with pytest.raises(PermissionDenied) as err:
            search_offers(session, viewer, SearchQuery())
        assert err.value.message, label
        with pytest.raises(PermissionDenied):
            offer_detail(session, viewer, 1)
    for role in (Role.EMPLOYER, Role.TEACHER, Role.PRINCIPAL, Role.ADMIN):
        with pytest.raises(PermissionDenied):
            search_offers(session, h.user(session, role), SearchQuery())


def test_staff_see_the_search_as_one_of_their_pupils(session, world):
    """The access table decides (search.as_pupil): the principal and other staff of the collège,
    a teacher only for the classes they teach or follow."""
    from stages_app.models import PupilProfile, SchoolClass

    near = place(session, world, 5)
    school = world["school"]
    waiting_pupil = h.pupil(session, school, opened=False)
    teacher = h.staff(session, school)
    profile = session.scalars(select(PupilProfile).filter_by(user_id=waiting_pupil.user_id)).one()
    klass = session.get(SchoolClass, profile.class_id)
    klass.main_teacher_id = teacher.user_id
    session.add(klass)
    session.commit()
    principal = h.staff(session, school, role=Role.PRINCIPAL, function="principal")
    cpe = h.staff(session, school, role=Role.STAFF, function="cpe")

    for viewer in (teacher, principal, cpe):
        result = search_offers_for_pupil(session, viewer, waiting_pupil.user_id, SearchQuery())
        assert ids(result) == [near.id]
        card = offer_detail_for_pupil(session, viewer, waiting_pupil.user_id, near.id)
        assert card.id == near.id

    other_school = h.school(session, name="Collège Voltaire")
    outsiders = [
        h.staff(session, other_school),
        h.staff(session, school),  # a teacher of the collège who does not teach this class
        h.staff(session, school, role=Role.PRINCIPAL, function="principal", status="pending"),
        h.staff(session, school, role=Role.STAFF, function="cpe", status="revoked"),
    ]
    for viewer in outsiders:
        with pytest.raises(NotFound):
            search_offers_for_pupil(session, viewer, waiting_pupil.user_id, SearchQuery())
    for viewer in (world["employer"], world["pupil"]):
        with pytest.raises(PermissionDenied):
            search_offers_for_pupil(session, viewer, waiting_pupil.user_id, SearchQuery())
    for forged in ("999999", None, "abc", True):
        with pytest.raises(NotFound):
            search_offers_for_pupil(session, teacher, forged, SearchQuery())


# ---------------------------------------------------------------------------------------------
# Detail page and odd collèges
# ---------------------------------------------------------------------------------------------


def test_offer_detail_only_inside_the_perimeter(session, world):
    inside = place(session, world, 59.9, weeks=[(WEEK1, 2), (WEEK2, 1), (WEEK3, 4)])
    outside = place(session, world, 60.1)
    card = offer_detail(session, world["pupil"], inside.id)
    assert card.title == "Découverte du fournil"
    assert card.employer_name == "Boulangerie du Canal"
    assert card.sector_name == "Alimentation" and card.sector_url.startswith("https://")
    assert card.weeks == [(WEEK1, 2), (WEEK2, 1)]  # WEEK3 is not a week of the collège
    assert card.distance_km == 59.9
    assert card.tutor_name == "Paul Patron"
    for forged in (outside.id, 999999, -1, "abc", None, True, str(outside.id)):
        with pytest.raises(NotFound):
            offer_detail(session, world["pupil"], forged)
    world["school"].national_search = True
    session.add(world["school"])
    session.commit()
    assert offer_detail(session, world["pupil"], str(outside.id)).distance_km == 60.1


def test_a_college_without_coordinates(session, world):
    place(session, world, 5)
    nowhere = h.school(session, lat=None, lon=None, name="Collège de Wallis")
    pupil = h.pupil(session, nowhere)
    result = search_offers(session, pupil)
    assert result.total == 0 and not result.school_located
    assert "position de votre collège" in result.suggestions[0]

    nowhere.national_search = True
    session.add(nowhere)
    session.commit()
    result = search_offers(session, pupil, SearchQuery(sort="distance"))
    assert result.total == 1
    assert result.sort == "newest"
    assert result.cards[0].distance_km is None and result.cards[0].distance_text == ""


# ---------------------------------------------------------------------------------------------
# Same answers on SQLite and PostgreSQL, and the same as a brute force over every offer
# ---------------------------------------------------------------------------------------------


def _build_random_dataset(session: Session) -> tuple:
    rng = random.Random(20261128)
    school = h.school(session, weeks=(WEEK1, WEEK2, WEEK3))
    pupil = h.pupil(session, school)
    h.gazetteer(session)
    sectors = [h.sector(session, name) for name in ("Alimentation", "Informatique", "Santé")]
    employers = [
        h.employer(session, name)
        for name in ("Boulangerie Dupré", "Hôpital Avicenne", "Atelier Numérique")
    ]
    words = ["pâtisserie", "réseau", "soins", "accueil", "électricité", "jardin"]
    weeks_pool = [WEEK1, WEEK2, WEEK3, OTHER_WEEK]
    made = []
    for i in range(160):
        km = rng.choice([rng.uniform(0, 60), rng.uniform(55, 65), rng.uniform(60, 400)])
        at = destination(*BOBIGNY, rng.uniform(0, 360), km)
        chosen = rng.sample(weeks_pool, rng.randint(1, 3))
        weeks = [(w, rng.randint(1, 3)) for w in chosen]
        emp = rng.randrange(3)
        offer = offer_service.create_offer(
            session,
            employers[emp],
            h.offer_input(
                sectors[rng.randrange(3)],
                weeks=weeks,
                title=f"Stage n°{i} {rng.choice(words)}",
                description=f"Découverte du métier : {rng.choice(words)} et {rng.choice(words)}.",
            ),
            geocoder=None,
        )
        offer.latitude, offer.longitude = at
        session.add(offer)
        offer_service.sync_offer_weeks(session, offer)
        session.commit()
        if rng.random() < 0.85:
            offer_service.publish_offer(session, employers[emp], offer.id)
        if rng.random() < 0.2:  # a full week
            row = session.scalars(
                select(OfferWeek).filter_by(offer_id=offer.id).order_by(OfferWeek.week_start)
            ).first()
            row.accepted_count = row.seats
            session.add(row)
            offer_service.sync_offer_weeks(session, session.get(type(offer), offer.id))
            session.commit()
        made.append(offer.id)
    return school, pupil, sectors


QUERIES = [
    SearchQuery(),
    SearchQuery(radius_km=25),
    SearchQuery(sort="newest", page=2, page_size=7),
    SearchQuery(page=3, page_size=10),
    SearchQuery(week=WEEK2),
    SearchQuery(keyword="PATISSERIE"),
    SearchQuery(keyword="hopital"),
    SearchQuery(sector_ids=[1, 3], radius_km=40.5),
]


def _answers(session: Session, pupil) -> list:
    out = []
    for query in QUERIES:
        r = search_offers(session, pupil, query)
        out.append((r.total, r.page, r.pages, [(c.id, c.distance_km, c.weeks) for c in r.cards]))
    return out


def _brute_force(session: Session, school, query: SearchQuery) -> list[int]:
    """Every offer, checked one by one in Python: the reference answer for the default query."""
    from stages_app.models import Offer

    result = []
    for offer in session.scalars(select(Offer)).all():
        weeks = session.scalars(select(OfferWeek).filter_by(offer_id=offer.id)).all()
        free = [
            w for w in weeks if w.week_start in (WEEK1, WEEK2, WEEK3) and w.accepted_count < w.seats
        ]
        km = haversine_km(school.latitude, school.longitude, offer.latitude, offer.longitude)
        if offer.status == "published" and free and km <= (query.radius_km or 60):
            result.append((km, offer.id))
    return [oid for _, oid in sorted(result)]


@pytest.mark.parametrize("small_result", [300, 0], ids=["one-pass", "growing-circle"])
def test_results_identical_on_sqlite_and_postgresql(
    sqlite_engine, request, monkeypatch, small_result
):
    # with 0, every page is taken from the smallest circle that holds it
    monkeypatch.setattr(search_module, "_SMALL_RESULT", small_result)
    answers = {}
    try:
        pg_engine = request.getfixturevalue("_pg_engine")
    except pytest.skip.Exception:
        pg_engine = None
    engines = {"sqlite": sqlite_engine}
    if pg_engine is not None:
        _truncate_pg(pg_engine)
        engines["postgresql"] = pg_engine
    for name, eng in engines.items():
        with Session(eng, expire_on_commit=False) as session:
            school, pupil, _ = _build_random_dataset(session)
            answers[name] = _answers(session, pupil)
            everything = search_offers(session, pupil, SearchQuery(page_size=50))
            all_ids = list(ids(everything))
            page = 2
            while page <= everything.pages:
                all_ids += ids(search_offers(session, pupil, SearchQuery(page_size=50, page=page)))
                page += 1
            assert all_ids == _brute_force(session, school, SearchQuery())
            assert answers[name][0][0] > 20  # the dataset really exercises the search
    if pg_engine is None:
        unavailable("PostgreSQL", "comparaison faite sur SQLite seulement")
    assert answers["sqlite"] == answers["postgresql"]


# ---------------------------------------------------------------------------------------------
# The geometry behind the SQL count: only the edge of the circle is left to Python
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "centre",
    [
        BOBIGNY,
        LYON,
        (43.2965, 5.3698),
        (-21.1151, 55.5364),
        (5.4837, -54.0313),
        (64.1466, -21.9426),
        (70.0, 25.0),
    ],
    ids=["bobigny", "lyon", "marseille", "la-reunion", "guyane", "reykjavik", "north-cape"],
)
@pytest.mark.parametrize("km", [1.0, 10.0, 59.9, 60.0, 250.0])
def test_strips_count_inside_only_what_is_inside(centre, km):
    """Inner part of a strip => within the radius; beyond its outer part => outside; every point
    of the bounding box falls in exactly one strip."""
    rng = random.Random(f"{centre}{km}")
    strips = search_module._strips(*centre, km, search_module._STRIPS)
    box = bounding_box(*centre, km)
    assert (strips[0].lat_min, strips[-1].lat_max) == (box[0], box[1])
    assert all(a.lat_max == b.lat_min for a, b in itertools.pairwise(strips))
    points = [(rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])) for _ in range(4000)]
    for bearing in range(0, 360, 3):  # right on the circle, either side
        for factor in (1 - 1e-9, 1 - 1e-12, 1.0, 1 + 1e-12, 1 + 1e-9, 0.999, 1.001):
            points.append(destination(*centre, bearing + 0.5, km * factor))
    inner = ring = 0
    for n, (lat, lon) in enumerate(points):
        uniform = n < 4000
        if not box[0] <= lat <= box[1]:
            continue
        strip = next(
            s
            for s in strips
            if s.lat_min <= lat and (lat < s.lat_max or s.inclusive_max and lat <= s.lat_max)
        )
        lon0 = centre[1]  # the very comparisons the SQL makes (BETWEEN)
        km_away = haversine_km(*centre, lat, lon)
        if strip.inner > 0 and lon0 - strip.inner <= lon <= lon0 + strip.inner:
            inner += uniform
            assert km_away <= km, (lat, lon)
        elif lon0 - strip.outer <= lon <= lon0 + strip.outer:
            ring += uniform
        else:
            assert km_away > km, (lat, lon)
    # the edge left to Python is a small part of the circle (about 2.5 / _STRIPS of it)
    assert ring < 0.5 * inner
