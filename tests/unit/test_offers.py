"""The offer editor (employer) and the search filters (pupil).

Each refused change must leave the database as it was. Every test using ``session`` runs on SQLite
and again on PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types

import pytest
from sqlalchemy import func, select, update

from stages_app.models import (
    Application,
    Offer,
    OfferStatus,
    OfferWeek,
    Organisation,
    Role,
    utcnow,
)
from stages_app.services import offers as svc
from stages_app.services.errors import NotFound, PermissionDenied, ValidationError
from stages_app.services.geo import destination
from stages_app.services.offers import (
    FALLBACK_NOTE,
    OfferInput,
    archive_offer,
    check_offer,
    communes_for_postal_code,
    create_offer,
    get_own_offer,
    list_own_offers,
    preview_card,
    publish_offer,
    resolve_location,
    unpublish_offer,
    update_offer,
)
from stages_app.services.search import SearchQuery, search_offers, sector_choices
from tests.unit import offer_helpers as h
from tests.unit.offer_helpers import BOBIGNY, TODAY, WEEK1, WEEK2, WEEK3


@pytest.fixture
def world(session):
    return {
        "communes": h.gazetteer(session),
        "employer": h.employer(session),
        "sector": h.sector(session),
    }


def counts(session) -> dict[str, int]:
    return {
        model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Offer, OfferWeek, Application)
    }


def refused(session, call, *args, exc=ValidationError, **kwargs):
    """Run a change expected to fail; check nothing was written; return the error."""
    before = counts(session)
    with pytest.raises(exc) as err:
        call(session, *args, **kwargs)
    session.rollback()
    assert counts(session) == before, "a refused change must not leave half-saved rows"
    return err.value


def weeks_of(session, offer_id) -> dict[dt.date, OfferWeek]:
    session.expire_all()
    return {
        w.week_start: w for w in session.scalars(select(OfferWeek).filter_by(offer_id=offer_id))
    }


def apply(session, offer_id, week: dt.date, status: str) -> Application:
    """An application of a new pupil (the application service is another issue's)."""
    pupil = h.user(session, Role.STUDENT)
    row = session.scalars(select(OfferWeek).filter_by(offer_id=offer_id, week_start=week)).one()
    app = Application(
        student_id=pupil.user_id,
        offer_id=offer_id,
        offer_week_id=row.id,
        week_start=week,
        school_year=2026,
        status=status,
    )
    session.add(app)
    if status == "accepted":
        row.accepted_count += 1
        session.add(row)
    session.commit()
    return app


# ---------------------------------------------------------------------------------------------
# Location
# ---------------------------------------------------------------------------------------------


def test_commune_by_name_ignores_accents_case_and_articles(session, world):
    for name, code, insee in [
        ("bobigny", "93000", "93008"),
        ("L'HAY-LES-ROSES", "94240", "94038"),
        ("hay les roses", "94240", "94038"),
        ("evry courcouronnes", "91080", "91228"),
        ("St Denis", "93200", "93066"),
    ]:
        loc = resolve_location(
            session, street="1 rue X", postal_code=code, commune_name=name, geocoder=None
        )
        assert loc.commune_insee == insee, name
        assert loc.precision == "commune" and loc.note == ""
    hay = resolve_location(session, street="", postal_code=" 94 240", commune_insee="94038")
    assert hay.commune_name == "L'Haÿ-les-Roses"
    assert (hay.latitude, hay.longitude) == (48.78, 2.3374)


def test_paris_is_located_at_its_arrondissement(session, world):
    loc = resolve_location(session, street="", postal_code="75011", commune_name="Paris")
    assert loc.commune_insee == "75111"
    assert loc.latitude == pytest.approx(48.85912)
    assert [c.insee_code for c in communes_for_postal_code(session, "75011")] == ["75111"]
    assert communes_for_postal_code(session, "91080")[0].name == "Évry-Courcouronnes"
    assert communes_for_postal_code(session, "abc") == []


def test_postal_code_and_commune_that_do_not_match(session, world):
    err = refused(session, resolve_location, street="", postal_code="69001", commune_name="Bobigny")
    assert "69001" in err.message and "Bobigny" in err.message
    err = refused(session, resolve_location, street="", postal_code="69001", commune_insee="93008")
    assert "69001" in err.message and "Bobigny" in err.message


def test_unknown_commune_and_bad_postal_codes(session, world):
    err = refused(
        session, resolve_location, street="", postal_code="93000", commune_name="Bobignyville"
    )
    assert err.field == "commune" and "introuvable" in err.message
    err = refused(session, resolve_location, street="", postal_code="93000", commune_insee="99999")
    assert err.field == "commune"
    err = refused(session, resolve_location, street="", postal_code="9300", commune_name="Bobigny")
    assert err.field == "postal_code" and "5 chiffres" in err.message
    err = refused(
        session, resolve_location, street="", postal_code="12345", commune_name="Nulle Part"
    )
    assert err.field == "postal_code" and "aucune commune" in err.message
    err = refused(session, resolve_location, street="", postal_code="93000")
    assert err.field == "commune"
    err = refused(session, resolve_location, street="", postal_code="98999", commune_insee="98901")
    assert "position" in err.message


class FakeGeocoder:
    def __init__(self, answer):
        self.answer = answer
        self.queries = []

    def geocode(self, query, exactly_one=True):
        self.queries.append(query)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


def point(lat, lon, **properties):
    return types.SimpleNamespace(
        latitude=lat, longitude=lon, raw={"properties": properties} if properties else {}
    )


def test_the_online_geocoder_gives_the_address_when_it_works(session, world):
    geocoder = FakeGeocoder(point(48.9101, 2.4400, citycode="93008", type="housenumber"))
    loc = resolve_location(
        session,
        street="12 rue de la République",
        postal_code="93000",
        commune_insee="93008",
        geocoder=geocoder,
    )
    assert (loc.latitude, loc.longitude, loc.precision, loc.note) == (48.9101, 2.44, "address", "")
    assert geocoder.queries == ["12 rue de la République, 93000 Bobigny"]


@pytest.mark.parametrize(
    "answer",
    [
        TimeoutError("lent"),
        OSError("réseau"),
        None,
        point(45.75, 4.83),  # far from the commune: a wrong match
        point(48.9101, 2.44, citycode="93066", type="housenumber"),  # another commune
        point(48.9068, 2.4352, citycode="93008", type="municipality"),  # only the commune found
        point(float("nan"), 2.0),
    ],
    ids=["timeout", "network", "nothing", "far", "other-commune", "municipality", "nan"],
)
def test_any_geocoder_failure_falls_back_to_the_commune_centre(session, world, answer):
    loc = resolve_location(
        session,
        street="12 rue de la République",
        postal_code="93000",
        commune_name="Bobigny",
        geocoder=FakeGeocoder(answer),
    )
    assert (loc.latitude, loc.longitude) == (48.9068, 2.4352)
    assert loc.precision == "commune"
    assert (
        loc.note
        == FALLBACK_NOTE
        == ("Adresse non localisée précisément : position du centre de la commune.")
    )


def test_the_geocoder_is_used_only_when_configured(monkeypatch):
    monkeypatch.delenv("STAGES_GEOCODER", raising=False)
    assert svc.configured_geocoder() is None
    monkeypatch.setenv("STAGES_GEOCODER", "ban")
    geocoder = svc.configured_geocoder()
    assert type(geocoder).__name__ == "BANFrance"
    assert geocoder.domain == "data.geopf.fr/geocodage"  # no request is made here
    monkeypatch.setenv("STAGES_GEOCODER", "autre")
    assert svc.configured_geocoder() is None


def test_an_offer_keeps_the_fallback_note_out_of_the_database(session, world):
    offer = create_offer(
        session,
        world["employer"],
        h.offer_input(world["sector"]),
        geocoder=FakeGeocoder(TimeoutError()),
    )
    assert offer.geocode_precision == "commune"
    offer = update_offer(
        session,
        world["employer"],
        offer.id,
        h.offer_input(world["sector"]),
        geocoder=FakeGeocoder(point(48.91, 2.44, citycode="93008")),
    )
    assert (offer.latitude, offer.longitude, offer.geocode_precision) == (48.91, 2.44, "address")
    assert {(w.latitude, w.longitude) for w in weeks_of(session, offer.id).values()} == {
        (48.91, 2.44)
    }
    # saved again with the same address: the precise position is kept without asking again
    again = FakeGeocoder(TimeoutError())
    offer = update_offer(
        session, world["employer"], offer.id, h.offer_input(world["sector"]), geocoder=again
    )
    assert again.queries == [] and offer.geocode_precision == "address"


# ---------------------------------------------------------------------------------------------
# Creating, bad input
# ---------------------------------------------------------------------------------------------


def test_create_a_draft_then_publish_it(session, world):
    data = h.offer_input(
        world["sector"],
        weeks=[(WEEK1, 2), (WEEK2.isoformat(), "3")],
        commune_insee=None,
        commune_name="BOBIGNY",
    )
    offer = create_offer(session, world["employer"], data, geocoder=None)
    assert offer.status == OfferStatus.DRAFT.value
    assert (offer.commune_insee, offer.commune_name) == ("93008", "Bobigny")
    assert "boulangerie du canal" in offer.search_text and "fournil" in offer.search_text
    weeks = weeks_of(session, offer.id)
    assert {w: r.seats for w, r in weeks.items()} == {WEEK1: 2, WEEK2: 3}
    assert not any(r.searchable for r in weeks.values())
    assert {(r.latitude, r.longitude) for r in weeks.values()} == {BOBIGNY}

    published = publish_offer(session, world["employer"], offer.id)
    assert published.status == "published" and published.published_at is not None
    assert all(r.searchable for r in weeks_of(session, offer.id).values())
    unpublish_offer(session, world["employer"], offer.id)
    assert not any(r.searchable for r in weeks_of(session, offer.id).values())
    first_publication = published.published_at
    again = publish_offer(session, world["employer"], offer.id)
    assert again.published_at == first_publication  # "newest" is the first publication


BAD_INPUT = [
    ("title", dict(title="Bof"), "5 caractères"),
    ("title", dict(title="x" * 151), "trop long"),
    ("title", dict(title="Stage <script>alert(1)</script>"), "balises"),
    ("description", dict(description="Trop court."), "20 caractères"),
    ("description", dict(description="x" * 5001), "trop longue"),
    ("street", dict(street=""), "adresse"),
    ("tutor_name", dict(tutor_name=""), "tuteur"),
    ("practical_info", dict(practical_info="x" * 2001), "trop long"),
    ("weeks", dict(weeks=[]), "au moins une semaine"),
    ("weeks", dict(weeks=[(WEEK1, 0)]), "au moins 1 place"),
    ("weeks", dict(weeks=[(WEEK1, -2)]), "au moins 1 place"),
    ("weeks", dict(weeks=[(WEEK1, "-2")]), "au moins 1 place"),
    ("weeks", dict(weeks=[(WEEK1, 2.5)]), "nombre entier"),
    ("weeks", dict(weeks=[(WEEK1, "deux")]), "nombre entier"),
    ("weeks", dict(weeks=[(WEEK1, True)]), "nombre entier"),
    ("weeks", dict(weeks=[(WEEK1, 51)]), "50 places au plus"),
    ("weeks", dict(weeks=[(WEEK1, 2), (WEEK1, 3)]), "deux fois"),
    ("weeks", dict(weeks=[(WEEK1 + dt.timedelta(days=2), 2)]), "pas un lundi"),
    ("weeks", dict(weeks=[(WEEK1 - dt.timedelta(weeks=5), 2)]), "déjà passée"),
    ("weeks", dict(weeks=[(dt.date(2099, 1, 5), 2)]), "trop lointaine"),
    ("weeks", dict(weeks=[("31/02/2027", 2)]), "date valide"),
    ("weeks", dict(weeks=[(WEEK1,)]), "nombre de places"),
    ("postal_code", dict(postal_code="69001"), "ne correspond pas"),
    ("commune", dict(commune_insee=None, commune_name="Atlantide"), "introuvable"),
]


@pytest.mark.parametrize(
    "field,change,words", BAD_INPUT, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(BAD_INPUT)]
)
def test_bad_input_is_refused_with_a_french_message_and_nothing_saved(
    session, world, field, change, words
):
    data = dataclasses.replace(h.offer_input(world["sector"]), **change)
    err = refused(session, create_offer, world["employer"], data, geocoder=None)
    assert err.field == field
    assert words in err.message
    assert err.message[0].isupper() and err.message.endswith((".", ")"))


def test_sector_must_exist_and_be_active(session, world):
    inactive = h.sector(session, "Ancien secteur", active=False)
    for forged in (None, "abc", 999999, inactive.id, True, -1):
        data = dataclasses.replace(h.offer_input(world["sector"]), sector_id=forged)
        err = refused(session, create_offer, world["employer"], data, geocoder=None)
        assert err.field == "sector_id"
    ok = dataclasses.replace(h.offer_input(world["sector"]), sector_id=str(world["sector"].id))
    assert (
        create_offer(session, world["employer"], ok, geocoder=None).sector_id == world["sector"].id
    )


def test_only_employers_with_an_active_organisation_write_offers(session, world):
    data = h.offer_input(world["sector"])
    for role in (Role.STUDENT, Role.TEACHER, Role.PRINCIPAL, Role.ADMIN):
        refused(
            session, create_offer, h.user(session, role), data, exc=PermissionDenied, geocoder=None
        )
    lonely = h.user(session, Role.EMPLOYER)  # no organisation
    refused(session, create_offer, lonely, data, exc=PermissionDenied, geocoder=None)
    offer = create_offer(session, world["employer"], data, geocoder=None)
    org = session.scalars(select(Organisation).filter_by(owner_id=world["employer"].user_id)).one()
    org.suspended_at = utcnow()
    session.add(org)
    session.commit()
    err = refused(session, update_offer, world["employer"], offer.id, data, exc=PermissionDenied)
    assert "suspendue" in err.message
    with pytest.raises(PermissionDenied):
        list_own_offers(session, world["employer"])


# ---------------------------------------------------------------------------------------------
# Another employer's offer, forged ids
# ---------------------------------------------------------------------------------------------


def test_another_employers_offer_is_not_found(session, world):
    mine = create_offer(session, world["employer"], h.offer_input(world["sector"]), geocoder=None)
    other = h.employer(session, "Garage Martin")
    data = h.offer_input(world["sector"], title="Prise de contrôle")
    for call, args in [
        (update_offer, (mine.id, data)),
        (publish_offer, (mine.id,)),
        (unpublish_offer, (mine.id,)),
        (archive_offer, (mine.id,)),
    ]:
        err = refused(session, call, other, *args, exc=NotFound)
        assert err.message == "Cette offre est introuvable."
    with pytest.raises(NotFound):
        get_own_offer(session, other, mine.id)
    with pytest.raises(NotFound):
        preview_card(session, other, data, offer_id=mine.id)
    assert list_own_offers(session, other) == []
    session.expire_all()
    assert session.get(Offer, mine.id).title == "Découverte du fournil"


@pytest.mark.parametrize("forged", [None, "", "abc", "1 OR 1=1", -1, 0, 2**70, True, 1.5, "999999"])
def test_forged_offer_ids(session, world, forged):
    create_offer(session, world["employer"], h.offer_input(world["sector"]), geocoder=None)
    with pytest.raises(NotFound):
        get_own_offer(session, world["employer"], forged)
    refused(session, publish_offer, world["employer"], forged, exc=NotFound)


# ---------------------------------------------------------------------------------------------
# Weeks and seats against accepted pupils
# ---------------------------------------------------------------------------------------------


def test_seats_never_go_below_the_accepted_count(session, world):
    emp = world["employer"]
    offer = h.published_offer(session, emp, world["sector"], weeks=[(WEEK1, 3)])
    apply(session, offer.id, WEEK1, "accepted")
    apply(session, offer.id, WEEK1, "accepted")
    err = refused(
        session, update_offer, emp, offer.id, h.offer_input(world["sector"], weeks=[(WEEK1, 1)])
    )
    assert err.field == "weeks" and "2 élève(s)" in err.message
    # down to exactly the accepted count: allowed, and the full week leaves the search
    update_offer(
        session, emp, offer.id, h.offer_input(world["sector"], weeks=[(WEEK1, 2)]), geocoder=None
    )
    row = weeks_of(session, offer.id)[WEEK1]
    assert (row.seats, row.accepted_count, row.searchable) == (2, 2, False)
    update_offer(
        session, emp, offer.id, h.offer_input(world["sector"], weeks=[(WEEK1, 4)]), geocoder=None
    )
    assert weeks_of(session, offer.id)[WEEK1].searchable


def test_removing_weeks(session, world):
    emp, sector = world["employer"], world["sector"]
    offer = h.published_offer(session, emp, sector, weeks=[(WEEK1, 2), (WEEK2, 2), (WEEK3, 2)])
    apply(session, offer.id, WEEK1, "accepted")
    apply(session, offer.id, WEEK2, "submitted")

    err = refused(
        session, update_offer, emp, offer.id, h.offer_input(sector, weeks=[(WEEK2, 2), (WEEK3, 2)])
    )
    assert "ne peut pas être retirée" in err.message and "accepté" in err.message
    err = refused(
        session, update_offer, emp, offer.id, h.offer_input(sector, weeks=[(WEEK1, 2), (WEEK3, 2)])
    )
    assert "attendent votre réponse" in err.message

    # a week without any application is simply removed
    update_offer(
        session, emp, offer.id, h.offer_input(sector, weeks=[(WEEK1, 2), (WEEK2, 2)]), geocoder=None
    )
    assert set(weeks_of(session, offer.id)) == {WEEK1, WEEK2}

    # a week whose only application was refused is kept for history, but withdrawn
    session.execute(update(Application).filter_by(week_start=WEEK2).values(status="refused"))
    session.commit()
    update_offer(session, emp, offer.id, h.offer_input(sector, weeks=[(WEEK1, 2)]), geocoder=None)
    week2 = weeks_of(session, offer.id)[WEEK2]
    assert week2.withdrawn_at is not None and not week2.searchable
    assert [w.week_start for w in get_own_offer(session, emp, offer.id).weeks] == [WEEK1]
    # offering it again reopens the same row
    update_offer(
        session, emp, offer.id, h.offer_input(sector, weeks=[(WEEK1, 2), (WEEK2, 5)]), geocoder=None
    )
    week2 = weeks_of(session, offer.id)[WEEK2]
    assert (week2.withdrawn_at, week2.seats, week2.searchable) == (None, 5, True)


def test_a_past_week_can_be_kept_but_not_added_or_changed(session, world):
    emp, sector = world["employer"], world["sector"]
    offer = create_offer(session, emp, h.offer_input(sector, weeks=[(WEEK1, 2)]), geocoder=None)
    later = WEEK1 + dt.timedelta(days=3)  # WEEK1 has started
    kept = update_offer(
        session,
        emp,
        offer.id,
        h.offer_input(sector, weeks=[(WEEK1, 2), (WEEK2, 1)]),
        today=later,
        geocoder=None,
    )
    assert set(weeks_of(session, kept.id)) == {WEEK1, WEEK2}
    err = refused(
        session,
        update_offer,
        emp,
        offer.id,
        h.offer_input(sector, weeks=[(WEEK1, 3), (WEEK2, 1)]),
        today=later,
    )
    assert "passée" in err.message
    err = refused(
        session,
        create_offer,
        emp,
        h.offer_input(sector, weeks=[(WEEK1, 2)]),
        today=later,
        geocoder=None,
    )
    assert "déjà passée" in err.message
    # publishing needs a week to come
    only_past = create_offer(session, emp, h.offer_input(sector, weeks=[(WEEK1, 2)]), geocoder=None)
    err = refused(session, publish_offer, emp, only_past.id, today=WEEK2 + dt.timedelta(days=1))
    assert "semaine à venir" in err.message


def test_archived_offers_are_final(session, world):
    """Archiving closes what still waits for an answer (tests/unit/test_offer_races.py says
    how), then nothing can change the offer."""
    emp, sector = world["employer"], world["sector"]
    offer = h.published_offer(session, emp, sector)
    apply(session, offer.id, WEEK1, "submitted")
    assert archive_offer(session, emp, offer.id).offer.status == "archived"
    assert not any(w.searchable for w in weeks_of(session, offer.id).values())
    refused(session, update_offer, emp, offer.id, h.offer_input(sector))
    refused(session, publish_offer, emp, offer.id)
    refused(session, unpublish_offer, emp, offer.id)
    draft = create_offer(session, emp, h.offer_input(sector), geocoder=None)
    err = refused(session, unpublish_offer, emp, draft.id)
    assert "publiée" in err.message


# ---------------------------------------------------------------------------------------------
# Reading one's offers, preview, live checks
# ---------------------------------------------------------------------------------------------


def test_the_employer_lists_and_opens_only_their_offers(session, world):
    emp, sector = world["employer"], world["sector"]
    first = create_offer(session, emp, h.offer_input(sector, title="Premier stage"), geocoder=None)
    second = h.published_offer(session, emp, sector, weeks=[(WEEK2, 2), (WEEK1, 3)])
    apply(session, second.id, WEEK1, "accepted")
    apply(session, second.id, WEEK2, "submitted")
    other = h.employer(session, "Autre structure")
    create_offer(session, other, h.offer_input(sector, title="Pas à moi"), geocoder=None)

    rows = list_own_offers(session, emp)
    assert [r.id for r in rows] == [second.id, first.id]
    assert (rows[0].status_label, rows[0].seats, rows[0].accepted, rows[0].open_applications) == (
        "Publiée",
        5,
        1,
        1,
    )
    assert [(w.week_start, w.free) for w in rows[0].weeks] == [(WEEK1, 2), (WEEK2, 2)]

    own = get_own_offer(session, emp, str(second.id))
    assert own.can_unpublish and not own.can_publish and own.can_archive
    assert own.data.weeks == [(WEEK1, 3), (WEEK2, 2)]
    # the form's data saves back unchanged
    update_offer(session, emp, own.id, own.data, geocoder=None)


def test_preview_shows_the_pupils_card_without_writing(session, world):
    emp, sector = world["employer"], world["sector"]
    before = counts(session)
    card = preview_card(session, emp, h.offer_input(sector, weeks=[(WEEK1, 2), (WEEK2, 0)]))
    assert counts(session) == before
    assert card.employer_name == "Boulangerie du Canal"
    assert card.sector_name == "Alimentation" and card.sector_url
    assert card.commune_name == "Bobigny" and card.postal_code == "93000"
    assert card.weeks == [(WEEK1, 2)]  # the invalid week is left out, not refused
    assert card.distance_km is None
    # half-typed: no error, what is there is shown
    half = preview_card(session, emp, OfferInput(title="Bou", postal_code="930"))
    assert half.title == "Bou" and half.weeks == [] and half.sector_name == ""
    # an existing offer: free seats take accepted pupils into account
    offer = h.published_offer(session, emp, sector, weeks=[(WEEK1, 3)])
    apply(session, offer.id, WEEK1, "accepted")
    card = preview_card(session, emp, h.offer_input(sector, weeks=[(WEEK1, 3)]), offer_id=offer.id)
    assert card.weeks == [(WEEK1, 2)] and card.id == offer.id


def test_check_offer_lists_every_problem(session, world):
    problems = check_offer(
        session,
        world["employer"],
        OfferInput(
            title="<b>",
            description="court",
            postal_code="69001",
            commune_name="Bobigny",
            weeks=[(WEEK1, 0)],
        ),
    )
    assert set(problems) >= {
        "title",
        "description",
        "sector_id",
        "street",
        "postal_code",
        "weeks",
        "tutor_name",
    }
    assert check_offer(session, world["employer"], h.offer_input(world["sector"])) == {}


# ---------------------------------------------------------------------------------------------
# Search filters, sort, pagination, clamping
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def market(session, world):
    """A collège in Bobigny and offers around it in two sectors, from two employers."""
    school = h.school(session, weeks=(WEEK1, WEEK2))
    it = h.sector(session, "Informatique")
    baker = world["employer"]
    hospital = h.employer(session, "Hôpital Avicenne")

    def at(km, emp, sector, **kwargs):
        return h.published_offer(session, emp, sector, at=destination(*BOBIGNY, 90, km), **kwargs)

    offers = {
        "pain": at(2, baker, world["sector"], title="Fournil et VIENNOISERIES"),
        "reseau": at(
            4,
            hospital,
            it,
            title="Réseaux informatiques",
            description="Découvrir le câblage et la sécurité des réseaux à l'hôpital.",
        ),
        "soins": at(8, hospital, world["sector"], title="Cuisine centrale", weeks=[(WEEK2, 1)]),
        "far": at(50, baker, it, title="Maintenance des caisses"),
    }
    return {
        "school": school,
        "pupil": h.pupil(session, school),
        "it": it,
        "offers": offers,
        "food": world["sector"],
    }


def search_ids(session, market, **query):
    result = search_offers(session, market["pupil"], SearchQuery(**query))
    names = {o.id: n for n, o in market["offers"].items()}
    return [names[c.id] for c in result.cards], result


def test_sector_filter_takes_several_sectors(session, market):
    assert search_ids(session, market, sector_ids=[market["it"].id])[0] == ["reseau", "far"]
    both = [market["it"].id, market["food"].id]
    assert search_ids(session, market, sector_ids=both)[0] == ["pain", "reseau", "soins", "far"]
    names, result = search_ids(session, market, sector_ids=["nope", 999999])
    assert names == [] and result.total == 0
    assert any("secteur" in s for s in result.suggestions)
    choices = sector_choices(session)
    assert [c.name for c in choices] == ["Alimentation", "Informatique"]
    assert all(c.onisep_url.startswith("https://www.onisep.fr/") for c in choices)


def test_keyword_ignores_accents_and_case_over_title_description_and_employer(session, market):
    assert search_ids(session, market, keyword="viennoiseries")[0] == ["pain"]
    assert search_ids(session, market, keyword="  RÉSEAU  ")[0] == ["reseau"]
    assert search_ids(session, market, keyword="securite")[0] == ["reseau"]  # description
    assert search_ids(session, market, keyword="hopital avicenne")[0] == ["reseau", "soins"]
    assert search_ids(session, market, keyword="100%_")[0] == []  # LIKE wildcards are inert
    assert len(search_ids(session, market, keyword="%")[0]) == 4  # nothing left: no filter
    names, result = search_ids(session, market, keyword="plomberie")
    assert names == [] and any("mot-clé" in s for s in result.suggestions)
    assert result.keyword == "plomberie"


def test_week_filter_and_forged_week(session, market):
    assert search_ids(session, market, week=WEEK2)[0] == ["soins"]
    assert search_ids(session, market, week=WEEK1)[0] == ["pain", "reseau", "far"]
    names, result = search_ids(session, market, week=WEEK3)  # not a week of the collège
    assert result.week is None and len(names) == 4
    assert search_ids(session, market, week=WEEK1.isoformat())[1].week == WEEK1


def test_sort_by_newest(session, market):
    names, result = search_ids(session, market, sort="newest")
    assert names == ["far", "soins", "reseau", "pain"]
    assert result.sort == "newest"
    assert search_ids(session, market, sort="DROP TABLE")[1].sort == "distance"


def test_pagination_and_forged_values_are_clamped(session, market):
    names, result = search_ids(session, market, page_size=3)
    assert (names, result.total, result.page, result.pages) == (
        ["pain", "reseau", "soins"],
        4,
        1,
        2,
    )
    assert search_ids(session, market, page_size=3, page=2)[0] == ["far"]
    names, result = search_ids(session, market, page_size=3, page=999)
    assert (names, result.page) == (["far"], 2)
    for forged in (-3, 0, "abc", None, float("nan")):
        assert search_ids(session, market, page_size=3, page=forged)[1].page == 1
    assert search_ids(session, market, page_size=10**6)[1].pages == 1
    assert search_ids(session, market, page_size=0)[1].pages == 4

    for radius, applied in [
        (500, 60),
        (0, 1),
        (-5, 1),
        ("abc", 60),
        (float("inf"), 60),
        (None, 60),
        (5, 5),
        ("7.5", 7.5),
    ]:
        assert search_ids(session, market, radius_km=radius)[1].radius_km == applied, radius
    assert search_ids(session, market, radius_km=3)[0] == ["pain"]


def test_empty_result_suggests_what_to_widen(session, market):
    _, result = search_ids(session, market, radius_km=1, sector_ids=[market["it"].id], week=WEEK1)
    text = " ".join(result.suggestions)
    assert result.total == 0 and result.pages == 1 and result.page == 1
    for words in ("rayon", "secteur", "autre semaine", "chef d'établissement"):
        assert words in text


def test_cards_show_what_pupils_need(session, market):
    _, result = search_ids(session, market, keyword="reseau")
    card = result.cards[0]
    assert card.employer_name == "Hôpital Avicenne"
    assert card.commune_name == "Bobigny" and card.postal_code == "93000"
    assert card.sector_name == "Informatique" and "onisep" in card.sector_url
    assert card.weeks == [(WEEK1, 2)]
    assert card.distance_km == 4.0 and card.distance_text == "à 4 km"
    assert card.excerpt.startswith("Découvrir le câblage")
    assert card.tutor_name == "Paul Patron" and card.practical_info and card.accessibility
    assert card.weeks[0][0] >= TODAY
