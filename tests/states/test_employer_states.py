"""The employer's offer list and offer editor through their state handlers: typing updates the
pupils' live preview, saving creates a draft, publishing makes it visible; another employer, a
pupil, a teacher or an anonymous visitor gets nothing, whatever id or value they forge."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from stages_app.models import Offer, Organisation, Role
from stages_app.services import accounts
from stages_app.services.offers import create_offer
from stages_app.states.employer import EmployerOffersState, OfferEditorState
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import (
    FORBIDDEN,
    FORGED_IDS,
    assert_nothing_private,
    forged,
    refused,
    unchanged,
)
from tests.unit import offer_helpers as oh

LIST = "/employeur"
EDITOR = "/employeur/offre"
SECRETS = ("Fournil secret de Mme Roux", "47 avenue Cachée", "Mme Roux, cheffe", "Code 4412B")


@dataclasses.dataclass
class Shop:
    tokens: dict[str, str]
    sector: int
    mine: int  # a published offer of employer "me"
    theirs: int  # a draft of the other employer, full of private details
    emails: dict[str, str]


@pytest.fixture
def shop(db_session) -> Shop:
    oh.gazetteer(db_session)
    sector = oh.sector(db_session)
    school = oh.school(db_session)
    people = {
        "me": oh.employer(db_session, "Boulangerie du Canal"),
        "rival": oh.employer(db_session, "Pâtisserie Roux"),
        "pupil": oh.pupil(db_session, school),
        "teacher": oh.staff(db_session, school),
        "admin": oh.user(db_session, Role.ADMIN),
    }
    mine = oh.published_offer(db_session, people["me"], sector)
    theirs_input = dataclasses.replace(
        oh.offer_input(sector, title=SECRETS[0]),
        street=SECRETS[1],
        tutor_name=SECRETS[2],
        practical_info=f"Digicode : {SECRETS[3]}.",
    )
    theirs = create_offer(db_session, people["rival"], theirs_input, geocoder=None)
    return Shop(
        tokens={k: accounts.open_session(db_session, v.user_id) for k, v in people.items()},
        sector=sector.id,
        mine=mine.id,
        theirs=theirs.id,
        emails={k: v.email for k, v in people.items()},
    )


def _offers(session, org_name: str | None = None) -> list[Offer]:
    session.expire_all()
    stmt = select(Offer).order_by(Offer.id)
    if org_name:
        stmt = stmt.join(Organisation).where(Organisation.name == org_name)
    return list(session.exec(stmt).all())


def _type_an_offer(state) -> None:
    call(state, OfferEditorState.set_field, "title", "Découverte de la pâtisserie")
    call(
        state,
        OfferEditorState.set_field,
        "description",
        "Observer la fabrication des gâteaux et la vente en boutique, de 8 h à 12 h.",
    )
    call(state, OfferEditorState.set_field, "street", "3 rue du Port")
    call(state, OfferEditorState.set_postal_code, "93000")
    call(state, OfferEditorState.set_new_week, oh.WEEK2.isoformat())
    call(state, OfferEditorState.set_new_seats, "3")
    call(state, OfferEditorState.add_week)
    call(state, OfferEditorState.set_field, "tutor_name", "Paul Patron")


def test_live_preview_reflects_what_the_employer_types(db_session, shop):
    state = make_state(OfferEditorState, EDITOR, shop.tokens["me"])
    assert call(state, OfferEditorState.load) is None
    assert state.error == "" and state.offer_id == 0 and state.sectors
    with unchanged(db_session):  # typing writes nothing
        _type_an_offer(state)
        call(state, OfferEditorState.set_field, "sector_id", str(shop.sector))
    assert state.error == ""
    p = state.preview
    assert p.title == "Découverte de la pâtisserie"
    assert p.description.startswith("Observer la fabrication")
    assert p.employer == "Boulangerie du Canal" and p.sector == "Alimentation"
    assert state.commune_insee == "93008" and p.commune == "Bobigny" and p.postal_code == "93000"
    assert p.street == "3 rue du Port" and p.tutor == "Paul Patron"
    assert len(p.weeks) == 1 and p.weeks[0].endswith("3 places")
    call(state, OfferEditorState.set_week_seats, oh.WEEK2.isoformat(), "1")
    assert state.preview.weeks[0].endswith("1 place")
    call(state, OfferEditorState.remove_week, oh.WEEK2.isoformat())
    assert state.weeks == [] and state.preview.weeks == []
    assert_nothing_private(state, db_session, forbidden=SECRETS + (shop.emails["rival"],))


def test_save_creates_a_draft_and_save_and_publish_publishes(db_session, shop):
    state = make_state(OfferEditorState, EDITOR, shop.tokens["me"])
    call(state, OfferEditorState.load)
    _type_an_offer(state)
    call(state, OfferEditorState.set_field, "sector_id", str(shop.sector))
    before = len(_offers(db_session))
    result = call(state, OfferEditorState.save)
    # a new offer: the address bar gets its ?id= (no navigation, the message stays)
    assert "replaceState" in str(result) and redirect_target(result) is None
    assert (state.error, state.message) == ("", "Offre enregistrée.")
    offers = _offers(db_session, "Boulangerie du Canal")
    assert len(_offers(db_session)) == before + 1
    new = offers[-1]
    assert new.status == "draft" and new.title == "Découverte de la pâtisserie"
    assert state.offer_id == new.id and state.status_label == "Brouillon"

    call(state, OfferEditorState.set_field, "title", "Découverte de la pâtisserie fine")
    call(state, OfferEditorState.save_and_publish)
    assert state.error == ""
    assert state.message.startswith("Offre publiée")
    assert len(_offers(db_session)) == before + 1  # the same offer, updated
    row = _offers(db_session, "Boulangerie du Canal")[-1]
    assert (row.id, row.status, row.title) == (
        new.id,
        "published",
        "Découverte de la pâtisserie fine",
    )
    assert state.status_label == "Publiée"

    listing = make_state(EmployerOffersState, LIST, shop.tokens["me"])
    call(listing, EmployerOffersState.load)
    assert {r.id for r in listing.rows} == {shop.mine, new.id}
    assert shop.theirs not in {r.id for r in listing.rows}
    assert_nothing_private(listing, db_session, forbidden=SECRETS)

    call(listing, EmployerOffersState.unpublish, new.id)
    assert listing.message.startswith("Offre dépubliée")
    assert _offers(db_session, "Boulangerie du Canal")[-1].status == "unpublished"
    call(listing, EmployerOffersState.publish, str(new.id))
    assert _offers(db_session, "Boulangerie du Canal")[-1].status == "published"
    call(listing, EmployerOffersState.archive, new.id)
    assert listing.message == "Offre archivée."
    assert _offers(db_session, "Boulangerie du Canal")[-1].status == "archived"


def test_an_incomplete_offer_is_refused_in_french_and_nothing_is_saved(db_session, shop):
    with unchanged(db_session):
        state = make_state(OfferEditorState, EDITOR, shop.tokens["me"])
        call(state, OfferEditorState.load)
        call(state, OfferEditorState.save)
        assert state.error.startswith("Donnez un titre à l'offre") and state.message == ""
        _type_an_offer(state)
        for name, value, fragment in [
            ("sector_id", "abc", "secteur d'activité"),
            ("sector_id", "999999", "secteur d'activité"),
            ("sector_id", "-1", "secteur d'activité"),
            ("title", "x" * 5000, "Le titre est trop long"),
            ("title", "<script>alert(1)</script>", "balises HTML"),
        ]:
            call(state, OfferEditorState.set_field, "sector_id", str(shop.sector))
            call(state, OfferEditorState.set_field, "title", "Découverte de la pâtisserie")
            call(state, OfferEditorState.set_field, name, value)
            assert state.error == "", name  # the preview never refuses
            call(state, OfferEditorState.save_and_publish)
            assert fragment in state.error and state.message == "", (name, value, state.error)
            assert state.offer_id == 0


def test_forged_weeks_and_seats_are_refused_in_french(db_session, shop):
    state = make_state(OfferEditorState, EDITOR, shop.tokens["me"])
    call(state, OfferEditorState.load)
    _type_an_offer(state)
    call(state, OfferEditorState.set_field, "sector_id", str(shop.sector))
    with unchanged(db_session):
        for value in ["pas une date", "2026-02-30", ["2027-01-04"], {"d": 1}, None, 20270104]:
            call(state, OfferEditorState.set_new_week, value)
            assert call(state, OfferEditorState.add_week) is None
            assert state.error == "Choisissez une date dans la semaine à proposer.", value
        call(state, OfferEditorState.set_new_week, oh.WEEK2.isoformat())
        call(state, OfferEditorState.add_week)
        assert state.error.endswith("est déjà dans la liste.")
        for seats, fragment in [
            ("0", "au moins 1 place"),
            ("-5", "au moins 1 place"),
            ("999", "50 places au plus"),
            ("abc", "nombre entier"),
            (["2"], "nombre entier"),
            ({"n": 2}, "nombre entier"),
        ]:
            call(state, OfferEditorState.set_week_seats, oh.WEEK2.isoformat(), seats)
            assert state.error == ""
            call(state, OfferEditorState.save)
            assert fragment in state.error, (seats, state.error)
        call(state, OfferEditorState.set_week_seats, oh.WEEK2.isoformat(), "2")
        for day in ("2001-01-01", "9999-12-31", "0001-01-01"):  # past, far future, year one
            call(state, OfferEditorState.set_new_week, day)
            assert call(state, OfferEditorState.add_week) is None
            assert state.error == "", day
            call(state, OfferEditorState.save)
            assert "semaine" in state.error.lower() and state.message == "", day
            monday = state.weeks[0].monday
            call(state, OfferEditorState.remove_week, monday)


def test_forged_fields_are_ignored(db_session, shop):
    state = make_state(OfferEditorState, EDITOR, shop.tokens["me"])
    call(state, OfferEditorState.load)
    with unchanged(db_session):
        for name, value in [
            ("offer_id", shop.theirs),
            ("token", "x"),
            ("user_role", "admin"),
            ("preview", {"title": "x"}),
            ("__class__", "x"),
            ("title", ["x"]),
            ("title", {"a": 1}),
            ("title", None),
            (["title"], "x"),
            (None, None),
        ]:
            assert call(state, OfferEditorState.set_field, name, value) is None
        assert state.offer_id == 0 and state.title == "" and state.user_role == "employer"
        for value in [["93000"], {"cp": "93000"}, None, 93000, "9" * 10_000]:
            call(state, OfferEditorState.set_postal_code, value)
            call(state, OfferEditorState.set_commune, value)
            assert state.error == "" and len(state.postal_code) <= 10


def test_another_employers_offer_in_the_url_shows_an_error_and_none_of_its_fields(db_session, shop):
    # an id that is not one (abc, -1, 2**80) opens a new, empty offer; a real id of another
    # employer, or an unknown one, says it is not found
    for query, error in [
        (f"?id={shop.theirs}", True),
        (f"?id= {shop.theirs} ", True),
        ("?id=999999", True),
        ("?id=abc", False),
        ("?id=-1", False),
        (f"?id={2**80}", False),
    ]:
        state = make_state(OfferEditorState, EDITOR + query, shop.tokens["me"])
        assert call(state, OfferEditorState.load) is None
        assert state.error == ("Cette offre est introuvable." if error else ""), query
        assert state.offer_id == 0 and state.title == "" and state.street == ""
        assert state.weeks == [] and state.preview.title == ""
        assert_nothing_private(state, db_session, forbidden=SECRETS + (shop.emails["rival"],))


def test_another_employer_cannot_change_our_offers(db_session, shop):
    with unchanged(db_session):
        for handler in (
            EmployerOffersState.publish,
            EmployerOffersState.unpublish,
            EmployerOffersState.archive,
        ):
            state = forged(EmployerOffersState, LIST, shop.tokens["rival"], handler, shop.mine)
            assert state.error == "Cette offre est introuvable."
            assert shop.mine not in {r.id for r in state.rows}
        # a stale editor state holding our offer id, used with the rival's token
        editor = make_state(OfferEditorState, f"{EDITOR}?id={shop.mine}", shop.tokens["me"])
        call(editor, OfferEditorState.load)
        assert editor.offer_id == shop.mine
        editor.token = shop.tokens["rival"]
        call(editor, OfferEditorState.set_field, "title", "Offre détournée par un concurrent")
        assert editor.error == "Cette offre est introuvable."
        for handler in (OfferEditorState.save, OfferEditorState.save_and_publish):
            call(editor, handler)
            assert editor.error == "Cette offre est introuvable." and editor.message == ""


def test_forged_offer_ids_on_the_list_change_nothing(db_session, shop):
    with unchanged(db_session):
        for bad in FORGED_IDS:
            for handler in (
                EmployerOffersState.publish,
                EmployerOffersState.unpublish,
                EmployerOffersState.archive,
            ):
                forged(EmployerOffersState, LIST, shop.tokens["me"], handler, bad)


def test_other_roles_and_anonymous_cannot_use_the_employer_pages(db_session, shop):
    with unchanged(db_session):
        for who in ("pupil", "teacher", "admin", "anonymous"):
            token = "" if who == "anonymous" else shop.tokens[who]
            expected = "/connexion" if who == "anonymous" else FORBIDDEN
            for handler, args in [
                (EmployerOffersState.load, ()),
                (EmployerOffersState.publish, (shop.mine,)),
                (EmployerOffersState.unpublish, (shop.mine,)),
                (EmployerOffersState.archive, (shop.theirs,)),
            ]:
                state = make_state(EmployerOffersState, LIST, token)
                assert (redirect_target(call(state, handler, *args)) or "").startswith(expected)
                assert state.rows == [] and state.organisation == ""
            for handler, args in [
                (OfferEditorState.load, ()),
                (OfferEditorState.set_field, ("title", "Pirate")),
                (OfferEditorState.save, ()),
                (OfferEditorState.save_and_publish, ()),
            ]:
                state = make_state(OfferEditorState, f"{EDITOR}?id={shop.mine}", token)
                result = call(state, handler, *args)
                assert refused(result, state), (who, handler)
                assert state.offer_id == 0 and state.preview.employer == ""
