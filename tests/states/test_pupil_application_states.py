"""The pupil's CV editor, the "Postuler" block of an offer, the letter editor and the tracker
through their state handlers: typing autosaves, a bad section or letter keeps what was saved and
says why in French, applying twice gives the same draft (R7), sending and withdrawing work; another
pupil, an employer, a teacher or an anonymous visitor gets nothing — no letter, no CV — whatever
id or value they forge, and a pupil whose access is not open gets the R1 message."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from stages_app.models import CV, Application, CVVersion
from stages_app.services import accounts
from stages_app.services import applications as apps
from stages_app.services import cv as cv_service
from stages_app.services.access import Viewer
from stages_app.states.applications import ApplicationState, ApplyState, TrackerState
from stages_app.states.base import GENERIC_ERROR
from stages_app.states.cv import CVState
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import (
    FORBIDDEN,
    FORGED_IDS,
    LOGIN_PREFIX,
    assert_nothing_private,
    forged,
    refused,
    unchanged,
)
from tests.unit import application_helpers as ah
from tests.unit.application_helpers import CV as MY_CV
from tests.unit.application_helpers import LETTER, NOT_A_SCHOOL_WEEK, W1, W2, W3

CV_PAGE = "/eleve/cv"
OFFER_PAGE = "/eleve/offre"
APP_PAGE = "/eleve/candidature"
TRACKER = "/eleve/candidatures"
R1_DENIED = (
    "Votre accès n'est pas encore ouvert : il faut l'autorisation signée de vos parents, "
    "puis l'ouverture par votre professeur principal."
)
NOT_FOUND = "Cette candidature est introuvable."
# What only the rival pupil may read: their letters, their CV, their archived version's name
RIVAL_LETTER = (
    "Madame, Monsieur, je m'appelle Zoé et mon numéro secret est 0612345678. "
    "J'aimerais découvrir votre métier."
)
RIVAL_DRAFT = "Brouillon confidentiel de Zoé : ma famille déménage à Lyon en janvier."
RIVAL_ABOUT = "Zoé, collégienne : journal intime de Zoé, à ne montrer à personne."
RIVAL_VERSION = "Version secrète de Zoé"
SECRETS = (RIVAL_LETTER, RIVAL_DRAFT, RIVAL_ABOUT, RIVAL_VERSION, "0612345678")


@dataclasses.dataclass
class Place:
    tokens: dict[str, str]
    people: dict[str, Viewer]
    offer: int  # published: W1 (2 seats), W2 (2 seats), and a week the collège does not have
    full_offer: int  # published: W3, its only seat taken by another pupil
    rival_sent: int  # the rival pupil's submitted application (to ``offer``, W1)
    rival_draft: int  # the rival pupil's draft (to ``offer``, W2)
    rival_version: int  # an archived version of the rival's CV


@pytest.fixture
def place(db_session) -> Place:
    w = ah.world(db_session)
    people = {
        "me": ah.pupil(db_session, w),
        "rival": ah.pupil(db_session, w),
        "closed": ah.pupil(db_session, w, cv=False, opened=False),
        "class_closed": ah.pupil(db_session, w, cv=False, class_open=False),
    }
    emp, offer_id = ah.offer(db_session, w, weeks=((W1, 2), (W2, 2), (NOT_A_SCHOOL_WEEK, 1)))
    emp_full, full_offer = ah.offer(db_session, w, weeks=((W3, 1),))
    filler = ah.pupil(db_session, w)
    apps.accept(db_session, emp_full, ah.submitted(db_session, filler, full_offer, W3))
    people["employer"] = emp
    people["teacher"] = ah.main_teacher(db_session, w, people["me"])
    people["principal"] = ah.principal(db_session, w)
    rival = people["rival"]
    cv_service.save_cv(db_session, rival, {"about": RIVAL_ABOUT})
    rival_version = cv_service.archive_cv(db_session, rival, RIVAL_VERSION).id
    rival_sent = ah.submitted(db_session, rival, offer_id, W1, RIVAL_LETTER)
    rival_draft = ah.draft(db_session, rival, offer_id, W2, RIVAL_DRAFT)
    return Place(
        tokens={k: accounts.open_session(db_session, v.user_id) for k, v in people.items()},
        people=people,
        offer=offer_id,
        full_offer=full_offer,
        rival_sent=rival_sent,
        rival_draft=rival_draft,
        rival_version=rival_version,
    )


def _stored_cv(session, viewer: Viewer) -> dict:
    session.expire_all()
    return cv_service.get_cv(session, viewer).as_dict()


def _app(session, app_id: int) -> Application:
    session.expire_all()
    return session.get(Application, app_id)


def _my_apps(session, viewer: Viewer) -> list[Application]:
    session.expire_all()
    return list(
        session.execute(
            select(Application)
            .where(Application.student_id == viewer.user_id)
            .order_by(Application.id)
        ).scalars()
    )


def _start(place: Place, week, token_key: str = "me") -> tuple[ApplyState, object]:
    state = make_state(ApplyState, f"{OFFER_PAGE}?id={place.offer}", place.tokens[token_key])
    return state, call(state, ApplyState.start, week)


def _draft_id(place: Place, week=W2) -> int:
    state, result = _start(place, week if isinstance(week, str) else week.isoformat())
    assert state.error == "", state.error
    target = redirect_target(result) or ""
    assert target.startswith(f"{APP_PAGE}?id="), target
    return int(target.split("=", 1)[1])


def _letter_state(place: Place, app_id, token_key: str = "me") -> ApplicationState:
    state = make_state(ApplicationState, f"{APP_PAGE}?id={app_id}", place.tokens[token_key])
    assert call(state, ApplicationState.load) is None
    return state


# ---------------------------------------------------------------------------------------------
# The CV editor
# ---------------------------------------------------------------------------------------------


def test_the_cv_is_loaded_and_each_section_is_autosaved(db_session, place):
    me = place.people["me"]
    state = make_state(CVState, CV_PAGE, place.tokens["me"])
    assert call(state, CVState.load) is None
    assert state.error == "" and state.about == MY_CV["about"]
    assert state.interests == "Cuisine\nBasket" and state.saved_label.startswith("Enregistré le")
    assert state.preview_lists["languages"] == ["Français", "Anglais (LV1)"]
    assert state.versions == []

    assert call(state, CVState.set_section, "about", "J'adore la cuisine et le basket.") is None
    assert (state.error, state.saved_label) == ("", "Enregistré")
    assert _stored_cv(db_session, me)["about"] == "J'adore la cuisine et le basket."
    call(state, CVState.set_section, "interests", "Danse\n\n   Théâtre  \n")
    assert state.interests == "Danse\n\n   Théâtre  \n"  # what was typed stays on screen
    assert state.preview_lists["interests"] == ["Danse", "Théâtre"]
    stored = _stored_cv(db_session, me)
    assert stored["interests"] == ["Danse", "Théâtre"]
    assert stored["qualities"] == MY_CV["qualities"]  # other sections untouched
    # HTML is kept as typed (plain text, never interpreted)
    call(state, CVState.set_section, "experiences", "<b>Déléguée</b> <script>x()</script>")
    assert _stored_cv(db_session, me)["experiences"] == ["<b>Déléguée</b> <script>x()</script>"]

    again = make_state(CVState, CV_PAGE, place.tokens["me"])  # a reload keeps everything
    call(again, CVState.load)
    assert again.about == "J'adore la cuisine et le basket." and again.interests == "Danse\nThéâtre"
    assert_nothing_private(again, db_session, forbidden=SECRETS)


def test_a_bad_section_keeps_the_stored_cv_and_what_was_typed(db_session, place):
    me = place.people["me"]
    state = make_state(CVState, CV_PAGE, place.tokens["me"])
    call(state, CVState.load)
    with unchanged(db_session):
        for key, value, fragment in [
            ("about", "x" * 3000, "« À propos de moi » est trop longue (3000 caractères"),
            ("about", "y" * 50_000, "est trop longue (6000 caractères"),
            ("interests", "a" * 250, "Une ligne de la rubrique « Mes centres d'intérêt"),
            ("languages", "\n".join(f"Langue {i}" for i in range(25)), "compte 25 lignes"),
        ]:
            assert call(state, CVState.set_section, key, value) is None
            assert fragment in state.error, (key, state.error)
            assert state.error_field == key and state.message == ""
            assert state.saved_label.startswith("Non enregistré")
            assert getattr(state, key) == value[:6000]  # the typed text stays in the state
        typed = state.about
        for value in (None, 123, 4.5, True, ["x"], {"about": "x"}, b"bytes"):
            assert call(state, CVState.set_section, "about", value) is None
            assert state.error == (
                "La rubrique « À propos de moi » doit être un texte. Votre CV "
                "enregistré n'a pas changé."
            ), value
            assert state.about == typed
        state.error = ""
        for key in (
            "token",
            "user_role",
            "versions",
            "viewing",
            "__class__",
            None,
            ["about"],
            {"about": 1},
            3,
        ):
            assert call(state, CVState.set_section, key, "pirate") is None
            assert state.error == "" and state.user_role == "student"
        assert state.token == place.tokens["me"]
    assert _stored_cv(db_session, me) == {**MY_CV}


def test_archive_view_restore_and_download_the_cv(db_session, place):
    me = place.people["me"]
    state = make_state(CVState, CV_PAGE, place.tokens["me"])
    call(state, CVState.load)
    assert call(state, CVState.archive, {"version_name": "Pour la boulangerie"}) is None
    assert (state.error, state.message) == ("", "Version « Pour la boulangerie » archivée.")
    assert [v.name for v in state.versions] == ["Pour la boulangerie"]
    first = state.versions[0].id
    call(state, CVState.set_section, "about", "Un tout autre texte, écrit après l'archive.")

    call(state, CVState.view_version, str(first))
    assert state.error == "" and state.viewing_name.startswith("Pour la boulangerie (")
    assert state.viewing["about"] == MY_CV["about"]
    assert state.viewing["interests"] == "Cuisine\nBasket"
    assert state.about == "Un tout autre texte, écrit après l'archive."  # the editor is untouched
    call(state, CVState.close_version)
    assert (state.viewing_name, state.viewing) == ("", {})

    call(state, CVState.restore, first)
    assert state.error == "" and state.message.startswith("Version restaurée")
    assert state.about == MY_CV["about"] and state.interests == "Cuisine\nBasket"
    assert _stored_cv(db_session, me) == {**MY_CV}
    names = [v.name for v in state.versions]
    assert len(names) == 2 and names[0].startswith("Avant la restauration du")

    result = call(state, CVState.download)
    assert state.error == ""
    args = {
        str(getattr(n, "_js_expr", n)): str(getattr(v, "_var_value", v)).strip('"')
        for n, v in result.args
    }
    assert args["filename"] == "mon-cv.pdf"
    prefix = "data:application/octet-stream;base64,"
    assert args["url"].startswith(prefix)
    assert base64.b64decode(args["url"][len(prefix) :]).startswith(b"%PDF")

    # forged archive forms: a default or truncated name, never a crash
    for form in (
        None,
        [],
        "x",
        {"version_name": ["x"]},
        {"version_name": {"a": 1}},
        {"version_name": "n" * 5000},
    ):
        call(state, CVState.archive, form)
        assert state.error == "" and state.message.startswith("Version « "), form
        assert all(len(v.name) <= 80 for v in state.versions)
    assert_nothing_private(state, db_session, forbidden=SECRETS)


def test_forged_or_foreign_version_ids_are_not_found(db_session, place):
    with unchanged(db_session):
        for bad in [*FORGED_IDS, place.rival_version, str(place.rival_version)]:
            for handler in (CVState.view_version, CVState.restore):
                state = forged(CVState, CV_PAGE, place.tokens["me"], handler, bad)
                assert state.error == "Cette version du CV est introuvable.", (bad, state.error)
                assert state.viewing == {} and state.viewing_name == ""
                assert_nothing_private(state, db_session, forbidden=SECRETS)


def test_an_empty_cv_cannot_be_archived(db_session, place):
    state = make_state(CVState, CV_PAGE, place.tokens["me"])
    call(state, CVState.load)
    for key in ("about", "school_path", "interests", "qualities", "languages", "experiences"):
        call(state, CVState.set_section, key, "")
    with unchanged(db_session):
        call(state, CVState.archive, {"version_name": "Vide"})
        assert state.error.startswith("Votre CV est vide") and state.message == ""


# ---------------------------------------------------------------------------------------------
# Applying: week, letter, review, sending, tracker, withdrawing
# ---------------------------------------------------------------------------------------------


def test_a_pupil_applies_writes_sends_follows_and_withdraws(db_session, place):
    me = place.people["me"]
    block = make_state(ApplyState, f"{OFFER_PAGE}?id={place.offer}", place.tokens["me"])
    assert call(block, ApplyState.load) is None
    assert block.error == ""
    assert [w.week_start for w in block.weeks] == [W1.isoformat(), W2.isoformat()]
    assert block.weeks[0].free == "2 places" and block.weeks[0].application_id == 0

    app_id = _draft_id(place, W1)
    (row,) = _my_apps(db_session, me)
    assert (row.id, row.status, row.week_start, row.offer_id) == (app_id, "draft", W1, place.offer)
    # R7: starting again for the same offer and week gives the same draft
    assert _draft_id(place, W1) == app_id
    assert _draft_id(place, f"{W1.isoformat()}T08:00:00") == app_id
    assert len(_my_apps(db_session, me)) == 1

    state = _letter_state(place, app_id)
    assert state.error == "" and state.found and state.can_edit and state.status == "draft"
    assert state.letter == "" and state.tips and state.example.startswith("Madame, Monsieur")
    assert state.offer_id == place.offer and state.week_label
    call(state, ApplicationState.set_letter, "Madame, Monsieur,\r\nJe suis")
    assert (state.error, state.saved_label) == ("", "Brouillon enregistré")
    assert _app(db_session, app_id).letter == "Madame, Monsieur,\nJe suis"
    call(state, ApplicationState.set_letter, LETTER)
    assert _app(db_session, app_id).letter == LETTER

    # a reload keeps the draft; the block of the offer shows it
    assert _letter_state(place, app_id).letter == LETTER
    call(block, ApplyState.load)
    assert (block.weeks[0].application_id, block.weeks[0].application_status) == (app_id, "draft")

    call(state, ApplicationState.review)
    assert state.reviewing
    call(state, ApplicationState.edit)
    assert not state.reviewing
    call(state, ApplicationState.review)
    assert call(state, ApplicationState.submit) is None
    assert state.error == "" and state.message.startswith("Votre candidature est envoyée à ")
    assert (state.status, state.status_label, state.can_edit, state.reviewing) == (
        "submitted",
        "Envoyée",
        False,
        False,
    )
    row = _app(db_session, app_id)
    assert (row.status, row.letter_sent) == ("submitted", LETTER) and row.cv_sent
    assert _draft_id(place, W1) == app_id  # R7 still: the sent application

    with unchanged(db_session):  # the letter as sent never changes
        call(state, ApplicationState.set_letter, "Une autre lettre, écrite après l'envoi.")
        assert state.saved_label.startswith(
            "Brouillon non enregistré : Cette candidature a déjà été envoyée"
        )
        assert state.error == ""
        call(state, ApplicationState.submit)
        assert state.error.startswith("Cette candidature a déjà été envoyée")

    tracker = make_state(TrackerState, TRACKER, place.tokens["me"])
    assert call(tracker, TrackerState.load) is None
    assert tracker.error == "" and tracker.count_label == "0 stage sur 2"
    (item,) = tracker.items
    assert (item.application_id, item.status, item.status_label, item.can_withdraw) == (
        app_id,
        "submitted",
        "Envoyée",
        True,
    )
    assert item.dates.startswith("envoyée le ") and item.color == "blue"
    assert_nothing_private(tracker, db_session, forbidden=SECRETS)

    assert call(tracker, TrackerState.withdraw, str(app_id)) is None
    assert (tracker.error, tracker.message) == ("", "Votre candidature a été retirée.")
    assert _app(db_session, app_id).status == "withdrawn"
    assert tracker.items[0].status_label == "Retirée" and not tracker.items[0].can_withdraw
    with unchanged(db_session):
        call(tracker, TrackerState.withdraw, app_id)
        assert tracker.error.startswith("Vous avez déjà retiré cette candidature")

    # a draft withdrawn from its own page
    other = _draft_id(place, W2)
    page = _letter_state(place, other)
    call(page, ApplicationState.withdraw)
    assert page.message == "Votre candidature a été retirée." and page.status == "withdrawn"
    assert _app(db_session, other).status == "withdrawn"
    assert_nothing_private(page, db_session, forbidden=SECRETS)


def test_an_accepted_internship_shows_on_top_and_can_be_cancelled(db_session, place):
    app_id = ah.submitted(db_session, place.people["me"], place.offer, W2)
    apps.accept(db_session, place.people["employer"], app_id, "Bienvenue chez nous !")
    tracker = make_state(TrackerState, TRACKER, place.tokens["me"])
    call(tracker, TrackerState.load)
    assert tracker.count_label == "1 stage sur 2"
    (internship,) = tracker.internships
    assert (
        internship.application_id == app_id and internship.answer_message == "Bienvenue chez nous !"
    )
    assert place.people["employer"].email in internship.contact

    state = _letter_state(place, app_id)
    assert state.status == "accepted" and state.can_cancel and not state.can_withdraw
    with unchanged(db_session):
        for form, fragment in [
            (None, "est obligatoire"),
            ([], "est obligatoire"),
            ({}, "est obligatoire"),
            ({"reason": ["malade"]}, "est obligatoire"),
            ({"reason": None}, "est obligatoire"),
            ({"reason": "x"}, "est obligatoire (5 caractères au moins)"),
            ({"reason": "m" * 20_000}, "est trop long (4000 caractères, 2000 au plus)"),
        ]:
            call(state, ApplicationState.cancel, form)
            assert state.error.startswith("Le motif de l'annulation " + fragment), (
                form,
                state.error,
            )
            assert state.message == ""
        call(state, ApplicationState.withdraw)
        assert state.error.startswith("Cette candidature a été acceptée")
    call(state, ApplicationState.cancel, {"reason": "Je serai malade cette semaine-là."})
    assert state.error == "" and state.message.startswith("Votre stage est annulé")
    assert _app(db_session, app_id).status == "cancelled" and state.status == "cancelled"


def test_a_bad_letter_is_not_saved_and_not_sent(db_session, place):
    app_id = _draft_id(place, W1)
    state = _letter_state(place, app_id)
    call(state, ApplicationState.set_letter, "Trop court.")
    with unchanged(db_session):
        call(state, ApplicationState.submit)
        assert state.error.startswith("Votre lettre est trop courte (11 caractères)")
        assert state.message == "" and state.status == "draft"
        long = "Je veux découvrir votre métier. " * 700  # ~22,000 characters
        call(state, ApplicationState.set_letter, long)
        assert state.saved_label.startswith(
            "Brouillon non enregistré : Votre lettre est trop longue"
        )
        assert state.letter == long[:10_000]  # what was typed stays on screen
        for value in (None, 42, ["lettre"], {"letter": "x"}, True):
            assert call(state, ApplicationState.set_letter, value) is None
            assert state.saved_label == ("Brouillon non enregistré : la lettre doit être un texte.")
            assert state.letter == long[:10_000] and state.error == ""
    assert _app(db_session, app_id).letter == "Trop court."
    html = "<script>alert('x')</script> Madame, Monsieur, j'aimerais beaucoup venir."
    call(state, ApplicationState.set_letter, html)
    assert _app(db_session, app_id).letter == html  # plain text, kept as typed


def test_weeks_that_cannot_be_chosen_are_refused_in_french(db_session, place):
    with unchanged(db_session):
        for week, fragment in [
            (NOT_A_SCHOOL_WEEK.isoformat(), "n'est pas une semaine de stage de votre collège"),
            ((W1 + dt.timedelta(days=1)).isoformat(), "n'est pas une semaine de stage"),
            (W3.isoformat(), "ne propose pas cette offre pour la semaine"),
            ("2001-01-01", "n'est pas une semaine de stage"),
            ("pas une date", "Choisissez une semaine de stage dans la liste."),
            ("2026-02-30", "Choisissez une semaine de stage dans la liste."),
            ("", "Choisissez une semaine"),
            ("9" * 20_000, "Choisissez une semaine"),
            (None, "Choisissez une semaine"),
            (20270104, "Choisissez une semaine"),
            ([W1.isoformat()], "Choisissez une semaine"),
            ({"week": W1.isoformat()}, "Choisissez une semaine"),
        ]:
            state, result = _start(place, week)
            assert redirect_target(result) is None, week
            assert refused(result, state) and fragment in state.error, (week, state.error)
        # a full week of another offer
        state = make_state(ApplyState, f"{OFFER_PAGE}?id={place.full_offer}", place.tokens["me"])
        call(state, ApplyState.load)  # no free seat: the offer is no longer shown
        assert state.error.startswith("Cette offre est introuvable") and state.weeks == []
        result = call(state, ApplyState.start, W3.isoformat())
        assert redirect_target(result) is None and "plus de place libre" in state.error


def test_forged_offer_and_application_ids_change_nothing(db_session, place):
    with unchanged(db_session):
        for query in (
            "abc",
            "-1",
            "0",
            "999999",
            str(2**80),
            "1 OR 1=1",
            "",
            " 1e3 ",
            "%00",
            "[1]",
        ):
            block = make_state(ApplyState, f"{OFFER_PAGE}?id={query}", place.tokens["me"])
            assert call(block, ApplyState.load) is None
            assert block.error.startswith("Cette offre est introuvable"), (query, block.error)
            assert block.weeks == []
            result = call(block, ApplyState.start, W1.isoformat())
            assert redirect_target(result) is None and refused(result, block), query
            assert block.error == "Cette offre est introuvable."

            page = make_state(ApplicationState, f"{APP_PAGE}?id={query}", place.tokens["me"])
            assert call(page, ApplicationState.load) is None
            assert page.error == NOT_FOUND and not page.found, query
            call(page, ApplicationState.set_letter, LETTER)
            assert page.saved_label == "Brouillon non enregistré : " + NOT_FOUND
            for handler, args in [
                (ApplicationState.submit, ()),
                (ApplicationState.withdraw, ()),
                (ApplicationState.cancel, ({"reason": "Je suis malade."},)),
            ]:
                call(page, handler, *args)
                assert page.error == NOT_FOUND and page.message == "", (query, handler)
        for bad in FORGED_IDS:
            state = forged(TrackerState, TRACKER, place.tokens["me"], TrackerState.withdraw, bad)
            assert state.error == NOT_FOUND, bad


# ---------------------------------------------------------------------------------------------
# Attackers
# ---------------------------------------------------------------------------------------------


def test_another_pupils_application_is_not_found_and_nothing_leaks(db_session, place):
    for rid in (place.rival_sent, place.rival_draft):
        with unchanged(db_session):
            page = _letter_state(place, rid)
            assert page.error == NOT_FOUND and not page.found
            assert (page.letter, page.offer_title, page.status, page.app_id) == ("", "", "", rid)
            call(page, ApplicationState.set_letter, "Lettre pirate, écrite par quelqu'un d'autre.")
            assert page.saved_label == "Brouillon non enregistré : " + NOT_FOUND
            for handler, args in [
                (ApplicationState.submit, ()),
                (ApplicationState.withdraw, ()),
                (ApplicationState.cancel, ({"reason": "Je suis malade."},)),
            ]:
                assert refused(call(page, handler, *args), page)
                assert page.error == NOT_FOUND, handler
            call(page, ApplicationState.review)
            assert page.letter == "Lettre pirate, écrite par quelqu'un d'autre."  # only typed
            assert_nothing_private(page, db_session, forbidden=SECRETS)
            for bad in (rid, str(rid)):
                state = forged(
                    TrackerState, TRACKER, place.tokens["me"], TrackerState.withdraw, bad
                )
                assert state.error == NOT_FOUND
                assert rid not in {i.application_id for i in state.items}
                assert_nothing_private(state, db_session, forbidden=SECRETS)
    assert _app(db_session, place.rival_draft).letter == RIVAL_DRAFT
    assert _app(db_session, place.rival_sent).status == "submitted"


def test_a_stale_page_keeps_nothing_of_the_previous_pupil(db_session, place):
    """Logging out does not reset the tab's page states: a page loaded for one pupil, then
    reloaded with another person's token, must forget the first pupil's data."""
    rival = place.tokens["rival"]
    page = _letter_state(place, place.rival_sent, "rival")
    assert page.found and page.letter == RIVAL_LETTER
    page.token = place.tokens["me"]
    with unchanged(db_session):
        call(page, ApplicationState.load)
        assert page.error == NOT_FOUND and not page.found and page.letter == ""
        for handler in (ApplicationState.submit, ApplicationState.withdraw):
            call(page, handler)
            assert page.error == NOT_FOUND
        assert_nothing_private(page, db_session, forbidden=SECRETS)

    cv_page = make_state(CVState, CV_PAGE, rival)
    call(cv_page, CVState.load)
    assert cv_page.about == RIVAL_ABOUT and cv_page.versions
    tracker = make_state(TrackerState, TRACKER, rival)
    call(tracker, TrackerState.load)
    assert len(tracker.items) == 2
    for key, expected in (("closed", R1_DENIED), ("employer", None), ("anonymous", None)):
        token = "" if key == "anonymous" else place.tokens[key]
        cv_page.token = tracker.token = token
        with unchanged(db_session):
            call(cv_page, CVState.load)
            call(tracker, TrackerState.load)
        if expected:
            assert cv_page.error == expected and tracker.error == expected
        assert cv_page.about == "" and cv_page.versions == [] and cv_page.viewing == {}
        assert tracker.items == [] and tracker.internships == []
        assert_nothing_private(cv_page, db_session, forbidden=SECRETS)
        assert_nothing_private(tracker, db_session, forbidden=SECRETS)


def _handlers(place: Place, my_app: int, my_version: int):
    """(state class, page, handler, args) of every handler of the four states."""
    return [
        (CVState, CV_PAGE, CVState.load, ()),
        (CVState, CV_PAGE, CVState.set_section, ("about", "Texte écrit par un intrus.")),
        (CVState, CV_PAGE, CVState.archive, ({"version_name": "Intrus"},)),
        (CVState, CV_PAGE, CVState.view_version, (my_version,)),
        (CVState, CV_PAGE, CVState.restore, (my_version,)),
        (CVState, CV_PAGE, CVState.download, ()),
        (ApplyState, f"{OFFER_PAGE}?id={place.offer}", ApplyState.load, ()),
        (ApplyState, f"{OFFER_PAGE}?id={place.offer}", ApplyState.start, (W2.isoformat(),)),
        (ApplicationState, f"{APP_PAGE}?id={my_app}", ApplicationState.load, ()),
        (ApplicationState, f"{APP_PAGE}?id={my_app}", ApplicationState.set_letter, (LETTER,)),
        (ApplicationState, f"{APP_PAGE}?id={my_app}", ApplicationState.submit, ()),
        (ApplicationState, f"{APP_PAGE}?id={my_app}", ApplicationState.withdraw, ()),
        (
            ApplicationState,
            f"{APP_PAGE}?id={my_app}",
            ApplicationState.cancel,
            ({"reason": "Je ne peux plus venir."},),
        ),
        (TrackerState, TRACKER, TrackerState.load, ()),
        (TrackerState, TRACKER, TrackerState.withdraw, (my_app,)),
    ]


def test_employers_staff_and_anonymous_visitors_get_nothing(db_session, place):
    me = place.people["me"]
    my_app = ah.draft(db_session, me, place.offer, W1, LETTER)
    my_version = cv_service.archive_cv(db_session, me, "Ma version").id
    mine = SECRETS + (LETTER, MY_CV["about"], "Ma version")
    with unchanged(db_session):
        for who in ("employer", "teacher", "principal", "anonymous", "garbage"):
            token = {"anonymous": "", "garbage": "x" * 5000}.get(who, place.tokens.get(who))
            expected = LOGIN_PREFIX if who in ("anonymous", "garbage") else FORBIDDEN
            for state_cls, path, handler, args in _handlers(place, my_app, my_version):
                state = make_state(state_cls, path, token)
                result = call(state, handler, *args)
                target = redirect_target(result) or ""
                assert target.startswith(expected), (who, handler.fn.__name__, target)
                assert state.error == "" and state.message == ""
                assert not getattr(state, "found", False)
                assert getattr(state, "letter", "") in (
                    "",
                    LETTER if handler is ApplicationState.set_letter else "",
                )
                assert getattr(state, "saved_label", "") == ""
                assert getattr(state, "versions", []) == [] and getattr(state, "items", []) == []
                assert getattr(state, "weeks", []) == [] and getattr(state, "viewing", {}) == {}
                if handler is not CVState.set_section:
                    assert getattr(state, "about", "") == ""
                assert_nothing_private(state, db_session, forbidden=mine)
            # the UI-only handlers hold nothing either
            page = make_state(ApplicationState, f"{APP_PAGE}?id={my_app}", token)
            for handler in (ApplicationState.review, ApplicationState.edit):
                call(page, handler)
            cv_page = make_state(CVState, CV_PAGE, token)
            call(cv_page, CVState.close_version)
            assert page.letter == "" and cv_page.about == ""
    assert _app(db_session, my_app).status == "draft"


@pytest.mark.parametrize(
    "key, message",
    [
        ("closed", R1_DENIED),
        ("class_closed", "L'accès de votre classe à la plateforme n'est pas ouvert."),
    ],
)
def test_a_pupil_whose_access_is_not_open_gets_the_r1_message(db_session, place, key, message):
    closed = place.people[key]
    with unchanged(db_session):
        for state_cls, path, handler, args in _handlers(
            place, place.rival_draft, place.rival_version
        ):
            state = make_state(state_cls, path, place.tokens[key])
            result = call(state, handler, *args)
            assert state.error != GENERIC_ERROR
            assert redirect_target(result) is None, (handler.fn.__name__, result)
            if handler is ApplicationState.set_letter:
                assert state.saved_label == "Brouillon non enregistré : " + message
            else:
                assert state.error == message, (handler.fn.__name__, state.error)
            assert not getattr(state, "found", False) and getattr(state, "weeks", []) == []
            assert_nothing_private(state, db_session, forbidden=SECRETS)
    assert db_session.execute(select(CV).where(CV.student_id == closed.user_id)).first() is None
    assert db_session.execute(select(CVVersion)).scalars().all()  # the rival's, untouched
