"""The pupil's offer search and offer detail through their state handlers: what a pupil sees (R1:
access opened; R2: published offers with a free seat in a week of the collège, within 60 km), and
what a forged request gets. Also the staff view of one pupil's search."""

from __future__ import annotations

import dataclasses

import pytest

from stages_app.models import Role
from stages_app.services import accounts
from stages_app.services.offers import create_offer
from stages_app.states.search import (
    OfferDetailState,
    OfferSearchState,
    PupilOfferForStaffState,
    PupilSearchForStaffState,
)
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import FORBIDDEN, FORGED_IDS, assert_nothing_private, unchanged
from tests.unit import offer_helpers as oh

SEARCH = "/eleve/offres"
OFFER = "/eleve/offre"
STAFF_SEARCH = "/etablissement/recherche"
STAFF_OFFER = "/etablissement/recherche/offre"
DENIED = (
    "Votre accès n'est pas encore ouvert : il faut l'autorisation signée de vos parents, "
    "puis l'ouverture par votre professeur principal."
)


@dataclasses.dataclass
class Market:
    tokens: dict[str, str]
    uids: dict[str, int]
    near: int  # published, Bobigny, a week of the collège
    far: int  # published, Lyon (> 60 km)
    other_week: int  # published, Bobigny, a week the collège does not have
    draft: int  # never published
    emails: list[str]


@pytest.fixture
def market(db_session) -> Market:
    oh.gazetteer(db_session)
    sector = oh.sector(db_session)
    school = oh.school(db_session)
    other_school = oh.school(db_session, name="Collège Lointain", lat=45.75, lon=4.85)
    people = {
        "pupil": oh.pupil(db_session, school),
        "pupil_not_open": oh.pupil(db_session, school, opened=False),
        "pupil_class_closed": oh.pupil(db_session, school, class_open=False),
        "pupil_elsewhere": oh.pupil(db_session, other_school),
        "cpe": oh.staff(db_session, school, role=Role.STAFF, function="cpe"),
        "cpe_elsewhere": oh.staff(db_session, other_school, role=Role.STAFF, function="cpe"),
        "teacher_of_nothing": oh.staff(db_session, school),
        "employer": oh.employer(db_session),
    }
    emp = people["employer"]
    near = oh.published_offer(db_session, emp, sector, title="Découverte du fournil")
    far = oh.published_offer(
        db_session,
        emp,
        sector,
        title="Atelier de soierie lyonnaise",
        postal_code="69001",
        commune_insee="69123",
    )
    other_week = oh.published_offer(
        db_session, emp, sector, title="Semaine hors calendrier", weeks=((oh.OTHER_WEEK, 1),)
    )
    draft = create_offer(
        db_session, emp, oh.offer_input(sector, title="Brouillon secret"), geocoder=None
    )
    return Market(
        tokens={k: accounts.open_session(db_session, v.user_id) for k, v in people.items()},
        uids={k: v.user_id for k, v in people.items()},
        near=near.id,
        far=far.id,
        other_week=other_week.id,
        draft=draft.id,
        emails=[v.email for v in people.values()],
    )


def _pupil_emails_but(market: Market, key: str) -> tuple[str, ...]:
    return tuple(e for k, e in zip(market.uids, market.emails, strict=True) if k != key)


def test_pupil_without_opened_access_sees_the_reason_and_no_offer(db_session, market):
    for who, reason in [
        ("pupil_not_open", DENIED),
        ("pupil_class_closed", "L'accès de votre classe à la plateforme n'est pas ouvert."),
    ]:
        state = make_state(OfferSearchState, SEARCH, market.tokens[who])
        assert call(state, OfferSearchState.load) is None
        assert state.denied == reason and state.error == ""
        assert state.cards == [] and state.total == 0 and state.loaded is False
        # filters and pages forged over the websocket get nothing either
        call(state, OfferSearchState.apply_filters, {"keyword": "fournil", "radius": "5000"})
        call(state, OfferSearchState.go, 2)
        assert state.denied == reason and state.cards == [] and state.total == 0
        assert "Découverte du fournil" not in str(state.dict())
        detail = make_state(OfferDetailState, f"{OFFER}?id={market.near}", market.tokens[who])
        call(detail, OfferDetailState.load)
        assert detail.error == reason and detail.found is False and detail.card.title == ""


def test_pupil_with_access_sees_the_offers_of_the_perimeter_only(db_session, market):
    state = make_state(OfferSearchState, SEARCH, market.tokens["pupil"])
    assert call(state, OfferSearchState.load) is None
    assert state.denied == "" and state.error == "" and state.loaded
    assert [c.id for c in state.cards] == [market.near]
    card = state.cards[0]
    assert card.title == "Découverte du fournil" and card.employer == "Boulangerie du Canal"
    assert (
        card.weeks
        and card.weeks[0].startswith("Semaine du ")
        and card.weeks[0].endswith("2 places")
    )
    assert state.total == 1 and state.radius == "60"
    assert state.school_name == "Collège République"
    assert len(state.week_options) == 2 and state.sectors
    assert_nothing_private(
        state,
        db_session,
        forbidden=_pupil_emails_but(market, "pupil")
        + ("Brouillon secret", "Atelier de soierie", "Semaine hors calendrier"),
    )

    call(state, OfferSearchState.apply_filters, {"keyword": "soierie"})
    assert state.cards == [] and state.total == 0
    call(
        state,
        OfferSearchState.apply_filters,
        {"keyword": "fournil", "sort": "newest", "week": oh.WEEK1.isoformat(), "radius": "10"},
    )
    assert [c.id for c in state.cards] == [market.near] and state.radius == "10"


FORGED_FILTERS = [
    {"radius": "inf"},
    {"radius": "nan"},
    {"radius": "-5"},
    {"radius": "1e9"},
    {"radius": ["9999"]},
    {"radius": {"km": 9999}},
    {"radius": 99999},
    {"radius": True},
    {"week": "2099-01-05"},
    {"week": "pas une date"},
    {"week": ["2026-12-07"]},
    {"week": oh.OTHER_WEEK.isoformat()},
    {"keyword": "é" * 50_000},
    {"keyword": ["fournil"]},
    {"keyword": "%' OR 1=1 --"},
    {"keyword": "_%_"},
    {"sort": "id desc; drop table offer"},
    {"sort": ["newest"]},
    {"sector_abc": True, "sector_-1": True, "sector_99999999999999": True, "sector_": "on"},
    {f"sector_{i}": True for i in range(1, 500)},
    {},
    ["radius", "9999"],
    None,
    "radius=9999",
    7,
]


def test_forged_filters_never_widen_the_perimeter_nor_crash(db_session, market):
    state = make_state(OfferSearchState, SEARCH, market.tokens["pupil"])
    call(state, OfferSearchState.load)
    with unchanged(db_session):
        for form in FORGED_FILTERS:
            assert call(state, OfferSearchState.apply_filters, form) is None, form
            assert state.error == "" and state.denied == "", form
            ids = {c.id for c in state.cards}
            assert ids <= {market.near}, form
            assert state.radius in ("5", "10", "20", "30", "45", "60", "1"), (form, state.radius)
            assert len(state.keyword) <= 100 and len(state.sector_ids) <= 60
        for page in FORGED_IDS + [10**9, 2]:
            assert call(state, OfferSearchState.go, page) is None
            assert state.error == "" and 1 <= state.page <= state.pages, page


def test_other_roles_and_anonymous_get_no_search(db_session, market):
    with unchanged(db_session):
        for who in ("cpe", "employer", "anonymous", "garbage"):
            token = {"anonymous": "", "garbage": "x" * 500}.get(who) or market.tokens.get(who, "")
            for handler, args in [
                (OfferSearchState.load, ()),
                (OfferSearchState.apply_filters, ({"keyword": "fournil"},)),
                (OfferSearchState.go, (1,)),
            ]:
                state = make_state(OfferSearchState, SEARCH, token)
                target = redirect_target(call(state, handler, *args)) or ""
                expected = FORBIDDEN if who in ("cpe", "employer") else "/connexion"
                assert target.startswith(expected), (who, handler)
                assert state.cards == [] and state.school_name == ""
            detail = make_state(OfferDetailState, f"{OFFER}?id={market.near}", token)
            assert redirect_target(call(detail, OfferDetailState.load))
            assert detail.found is False and detail.card.title == ""


def test_offer_detail_shows_an_offer_of_the_perimeter(db_session, market):
    state = make_state(OfferDetailState, f"{OFFER}?id={market.near}", market.tokens["pupil"])
    assert call(state, OfferDetailState.load) is None
    assert state.error == "" and state.found
    assert state.card.title == "Découverte du fournil"
    assert state.card.tutor == "Paul Patron, Artisan boulanger"
    assert_nothing_private(state, db_session, forbidden=_pupil_emails_but(market, "pupil"))


def test_offer_detail_outside_the_perimeter_shows_an_error_and_no_card(db_session, market):
    token = market.tokens["pupil"]
    outside = [market.far, market.other_week, market.draft]
    for query in [f"?id={oid}" for oid in outside] + [
        "",
        "?id=",
        "?id=abc",
        "?id=-1",
        "?id=0",
        f"?id={2**80}",
        "?id=1.5",
        "?id=%20",
        f"?id={market.near}abc",
    ]:
        state = make_state(OfferDetailState, OFFER + query, token)
        assert call(state, OfferDetailState.load) is None, query
        assert state.error.startswith("Cette offre est introuvable"), query
        assert state.found is False and state.card.id == 0 and state.card.title == ""
        text = str(state.dict())
        for secret in ("Brouillon secret", "Atelier de soierie", "Semaine hors calendrier"):
            assert secret not in text


def test_offer_detail_reloaded_outside_the_perimeter_is_not_found(db_session, market):
    state = make_state(OfferDetailState, f"{OFFER}?id={market.near}", market.tokens["pupil"])
    call(state, OfferDetailState.load)
    assert state.found
    state.router = make_state(OfferDetailState, f"{OFFER}?id={market.far}").router
    call(state, OfferDetailState.load)
    assert state.error and state.found is False


# ---------------------------------------------------------------------------------------------
# Staff: the search as one of their pupils sees it (read-only)
# ---------------------------------------------------------------------------------------------


def test_staff_see_the_search_of_a_pupil_of_their_school(db_session, market):
    pupil = market.uids["pupil_not_open"]  # staff may look even before the access is opened
    state = make_state(
        PupilSearchForStaffState, f"{STAFF_SEARCH}?eleve={pupil}", market.tokens["cpe"]
    )
    assert call(state, PupilSearchForStaffState.load) is None
    assert state.denied == "" and state.error == ""
    assert [c.id for c in state.cards] == [market.near]
    assert state.pupil_name.startswith("Inès Élève")
    detail = make_state(
        PupilOfferForStaffState,
        f"{STAFF_OFFER}?eleve={pupil}&id={market.near}",
        market.tokens["cpe"],
    )
    call(detail, PupilOfferForStaffState.load)
    assert detail.found and detail.card.id == market.near


def test_staff_cannot_look_at_pupils_of_other_schools_or_forged_ids(db_session, market):
    near = market.near
    cases = [
        ("cpe_elsewhere", market.uids["pupil"]),  # another collège's staff
        ("teacher_of_nothing", market.uids["pupil"]),  # a teacher who does not teach the pupil
        ("cpe", market.uids["pupil_elsewhere"]),  # a pupil of another collège
        ("cpe", market.uids["cpe"]),  # not a pupil
    ] + [("cpe", bad) for bad in ("abc", "-1", "0", "", str(2**80), "1.5")]
    with unchanged(db_session):
        for who, pupil in cases:
            state = make_state(
                PupilSearchForStaffState, f"{STAFF_SEARCH}?eleve={pupil}", market.tokens[who]
            )
            assert call(state, PupilSearchForStaffState.load) is None
            assert state.denied.startswith("Cet élève est introuvable"), (who, pupil, state.denied)
            assert state.cards == [] and state.pupil_name == "" and state.school_name == ""
            detail = make_state(
                PupilOfferForStaffState,
                f"{STAFF_OFFER}?eleve={pupil}&id={near}",
                market.tokens[who],
            )
            call(detail, PupilOfferForStaffState.load)
            assert detail.error and detail.found is False and detail.card.title == ""
        for who in ("pupil", "employer"):
            state = make_state(
                PupilSearchForStaffState,
                f"{STAFF_SEARCH}?eleve={market.uids['pupil']}",
                market.tokens[who],
            )
            assert redirect_target(call(state, PupilSearchForStaffState.load)) == FORBIDDEN
            assert state.cards == []
