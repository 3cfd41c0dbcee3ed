"""Text a browser can send never crashes a page (issue 11, point 4), at the states' end.

What a page sends (a handler's text argument, a form field, an address parameter, the token in
the browser's storage) is read through ``states.base.as_text`` / ``form_text``: a lone UTF-16
surrogate becomes U+FFFD and a pair sent as two code points its character, before it is kept in
the state (sent back to the browser as JSON) or given to a service. Each handler here is driven
with lone surrogates: the action succeeds with the cleaned text, or the page shows the French
refusal, never the generic error; and everything the state would send the browser encodes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from stages_app.models import CV, Application, Offer, Organisation, SchoolClass
from stages_app.services import accounts, signup, staff
from stages_app.services import applications as apps
from stages_app.states.admin import MailboxState
from stages_app.states.applications import ApplicationState
from stages_app.states.auth import AuthState
from stages_app.states.base import GENERIC_ERROR, as_text, form_text
from stages_app.states.class_page import ClassPageState
from stages_app.states.cv import CVState
from stages_app.states.employer import OfferEditorState
from stages_app.states.inbox import ApplicationReviewState
from stages_app.states.login import ConfirmEmailState, LoginState, SignupState
from stages_app.states.school_picker import SchoolPickerState
from stages_app.states.school_settings import SchoolSettingsState
from stages_app.states.search import OfferSearchState
from stages_app.states.staff import InvitationSignupState
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import browser_text, world_fixture  # noqa: F401 - the fixture
from tests.unit import application_helpers as ah
from tests.unit.account_helpers import PASSWORD

HIGH, LOW = "\ud83d", "\ude00"  # the two halves of 😀
FFFD = "\ufffd"
SURROGATE = re.compile("[\ud800-\udfff]")
DIRTY = f"Bonjour {HIGH} et {LOW}, avec un vrai sourire {HIGH}{LOW} !"
CLEAN = f"Bonjour {FFFD} et {FFFD}, avec un vrai sourire 😀 !"


def sendable(state) -> None:
    """What the state would send the browser encodes (a lone surrogate there breaks the page)."""
    text = browser_text(state)
    assert not SURROGATE.search(text)
    text.encode("utf-8")
    assert getattr(state, "error", "") != GENERIC_ERROR, "an exception was swallowed"


# ---------------------------------------------------------------------------------------------
# The two readers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "limit", "expected"),
    [
        (DIRTY, 500, CLEAN),
        (HIGH, 10, FFFD),
        (LOW + HIGH, 10, FFFD + FFFD),
        (HIGH + LOW, 1, "😀"),  # a pair counts as one character
        ("ab" + HIGH + LOW, 3, "ab😀"),
        ("ab" + HIGH + LOW, 2, "ab"),  # never half a pair
        ((HIGH + LOW) * 10, 4, "😀" * 4),
        ("x" * 10 + HIGH, 10, "x" * 10),
        ("  garde les espaces\r\n", 100, "  garde les espaces\r\n"),  # the services clean
        (None, 10, ""),
        (12, 10, ""),
        (["a"], 10, ""),
        (b"bytes", 10, ""),
    ],
)
def test_as_text(raw, limit, expected):
    assert as_text(raw, limit) == expected


def test_as_text_on_a_very_long_forged_value():
    raw = (HIGH + "a" + HIGH + LOW) * 1_000_000
    value = as_text(raw, 5000)
    assert value == (FFFD + "a😀") * 1666 + FFFD + "a"
    assert len(value) == 5000


def test_form_text():
    form = {"message": DIRTY, "n": 42, "pair": HIGH + LOW, "list": [HIGH]}
    assert form_text(form, "message") == CLEAN
    assert form_text(form, "pair", 1) == "😀"
    assert form_text(form, "n") == "42" and form_text(form, "list") == ""
    assert form_text(["message", DIRTY], "message") == ""  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Pupil: letter and CV; employer: answers and the offer editor
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def people(db_session):
    w = ah.world(db_session)
    pupil = ah.pupil(db_session, w)
    employer, offer_id = ah.offer(db_session, w, weeks=((ah.W1, 2), (ah.W2, 2)))
    return {
        "w": w,
        "pupil": pupil,
        "employer": employer,
        "offer": offer_id,
        "pupil_token": accounts.open_session(db_session, pupil.user_id),
        "employer_token": accounts.open_session(db_session, employer.user_id),
    }


def _app(session, app_id) -> Application:
    session.expire_all()
    return session.get(Application, app_id)


def test_the_letter_is_autosaved_cleaned(db_session, people):
    draft = apps.start_or_get_draft(db_session, people["pupil"], people["offer"], ah.W1).id
    state = make_state(ApplicationState, f"/eleve/candidature?id={draft}", people["pupil_token"])
    call(state, ApplicationState.load)
    assert call(state, ApplicationState.set_letter, f"{ah.LETTER}\r\n{DIRTY}") is None
    assert (state.error, state.saved_label) == ("", "Brouillon enregistré")
    assert state.letter == f"{ah.LETTER}\n{CLEAN}"  # reloaded as saved
    assert _app(db_session, draft).letter == f"{ah.LETTER}\n{CLEAN}"
    sendable(state)
    assert call(state, ApplicationState.submit) is None and state.error == ""
    assert _app(db_session, draft).letter_sent.endswith(CLEAN)
    sendable(state)


def test_the_pupil_cancels_an_internship_with_a_reason(db_session, people):
    app_id = ah.submitted(db_session, people["pupil"], people["offer"], ah.W1)
    apps.accept(db_session, people["employer"], app_id)
    state = make_state(ApplicationState, f"/eleve/candidature?id={app_id}", people["pupil_token"])
    call(state, ApplicationState.load)
    assert call(state, ApplicationState.cancel, {"reason": DIRTY}) is None
    assert state.error == "" and state.message
    assert ah.history(db_session, app_id)[-1].reason == CLEAN
    sendable(state)


def test_the_cv_sections_and_the_version_name(db_session, people):
    state = make_state(CVState, "/eleve/cv", people["pupil_token"])
    call(state, CVState.load)
    call(state, CVState.set_section, "about", DIRTY)
    assert (state.error, state.saved_label, state.about) == ("", "Enregistré", CLEAN)
    call(state, CVState.set_section, "interests", f"Danse {HIGH}\n{LOW}")
    assert state.error == "" and state.preview_lists["interests"] == [f"Danse {FFFD}", FFFD]
    db_session.expire_all()
    row = db_session.execute(
        select(CV).where(CV.student_id == people["pupil"].user_id)
    ).scalar_one()
    assert CLEAN in row.content and f"Danse {FFFD}" in row.content
    call(state, CVState.archive, {"version_name": f"Pour {HIGH}{LOW} la boulangerie"})
    assert state.error == "" and state.message == "Version « Pour 😀 la boulangerie » archivée."
    sendable(state)


@pytest.mark.parametrize("answer", ["refuse", "accept"])
def test_the_employer_answers_with_a_message(db_session, people, answer):
    app_id = ah.submitted(db_session, people["pupil"], people["offer"], ah.W1)
    page = f"/employeur/candidature?id={app_id}"
    state = make_state(ApplicationReviewState, page, people["employer_token"])
    call(state, ApplicationReviewState.load)
    handler = getattr(ApplicationReviewState, answer)
    assert call(state, handler, {"message": DIRTY}) is None
    assert state.error == "" and state.message, state.error
    assert _app(db_session, app_id).answer_message == CLEAN
    assert state.review.answer_message == CLEAN
    sendable(state)
    if answer == "accept":
        call(state, ApplicationReviewState.cancel, {"reason": f"{LOW}{DIRTY}"})
        assert state.error == "" and state.message
        assert ah.history(db_session, app_id)[-1].reason == FFFD + CLEAN
        sendable(state)


def test_a_refusal_of_surrogates_only_gets_the_french_message(db_session, people):
    app_id = ah.submitted(db_session, people["pupil"], people["offer"], ah.W1)
    page = f"/employeur/candidature?id={app_id}"
    state = make_state(ApplicationReviewState, page, people["employer_token"])
    call(state, ApplicationReviewState.load)
    call(state, ApplicationReviewState.refuse, {"message": HIGH + LOW + HIGH})
    assert state.error.startswith("Le message à l'élève est obligatoire")
    assert _app(db_session, app_id).status == "read"  # opened, not answered
    sendable(state)


def test_the_offer_editor(db_session, people):
    w = people["w"]
    state = make_state(OfferEditorState, "/employeur/offre", people["employer_token"])
    call(state, OfferEditorState.load)
    for name, value in [
        ("title", f"Découverte {HIGH}{LOW} du fournil"),
        ("description", f"{DIRTY}\nObserver le travail du pain, de 6 h à 12 h."),
        ("street", f"12 rue {LOW} de la République"),
        ("tutor_name", f"Paul {HIGH}"),
        ("tutor_role", DIRTY),
        ("practical_info", DIRTY),
        ("accessibility", f"{HIGH}{LOW}"),
        ("sector_id", str(w.sector.id)),
    ]:
        call(state, OfferEditorState.set_field, name, value)
        assert state.error == "", (name, state.error)
    call(state, OfferEditorState.set_postal_code, f"93000{HIGH}")
    assert state.postal_code == f"93000{FFFD}" and state.commune_options == []
    sendable(state)
    call(state, OfferEditorState.set_postal_code, "93000")
    call(state, OfferEditorState.set_commune, f"9300{HIGH}")
    call(state, OfferEditorState.set_new_week, f"{ah.W1.isoformat()[:9]}{LOW}")
    call(state, OfferEditorState.add_week)
    assert state.error == "Choisissez une date dans la semaine à proposer."
    call(state, OfferEditorState.set_new_week, ah.W1.isoformat())
    call(state, OfferEditorState.set_new_seats, f"2{HIGH}")
    call(state, OfferEditorState.add_week)
    call(state, OfferEditorState.set_week_seats, ah.W1.isoformat(), f"1{LOW}")
    sendable(state)
    # the commune code holding "�" is no commune: the French refusal
    offers_before = db_session.execute(select(Offer.id)).scalars().all()
    call(state, OfferEditorState.save)
    assert state.error and state.message == "", state.error
    assert db_session.execute(select(Offer.id)).scalars().all() == offers_before
    call(state, OfferEditorState.set_commune, "93008")
    call(state, OfferEditorState.set_week_seats, ah.W1.isoformat(), "1")
    call(state, OfferEditorState.save)
    assert state.error == "" and state.message == "Offre enregistrée.", state.error
    db_session.expire_all()
    offer = db_session.execute(select(Offer).where(Offer.id == state.offer_id)).scalar_one()
    assert (offer.title, offer.tutor_role) == ("Découverte 😀 du fournil", CLEAN)
    assert offer.street == f"12 rue {FFFD} de la République"
    sendable(state)


def test_the_search_filters(db_session, people):
    state = make_state(OfferSearchState, "/eleve/offres", people["pupil_token"])
    call(state, OfferSearchState.load)
    call(state, OfferSearchState.apply_filters, {"keyword": f"fournil {HIGH}", "week": HIGH})
    assert state.error == "" and state.total == 1 and state.keyword == f"fournil {FFFD}"
    sendable(state)


# ---------------------------------------------------------------------------------------------
# School: classes, authorisation dates; sign-ups, login, links, the stored token
# ---------------------------------------------------------------------------------------------


def test_class_names_and_dates(db_session, world):
    w, tok = world
    state = make_state(SchoolSettingsState, "/etablissement/parametres", tok["principal_a"])
    call(state, SchoolSettingsState.load)
    call(state, SchoolSettingsState.create_class, {"class_name": f"3e {HIGH}{LOW} {LOW}"})
    assert state.error == "" and state.message == f"Classe « 3e 😀 {FFFD} » créée."
    klass = db_session.execute(
        select(SchoolClass).where(SchoolClass.name == f"3e 😀 {FFFD}")
    ).scalar_one()
    call(state, SchoolSettingsState.rename_class, {"class_id": klass.id, "new_name": f"{HIGH}"})
    assert state.error == "" and state.message == f"Classe renommée « {FFFD} »."
    call(state, SchoolSettingsState.add_period, {"first_monday": f"2027-01-1{HIGH}"})
    assert state.error.endswith("n'est pas une date valide.")
    sendable(state)

    page = make_state(
        ClassPageState, f"/etablissement/classe?id={w.classes['class_a'].id}", tok["pp_granted"]
    )
    call(page, ClassPageState.load)
    call(page, ClassPageState.toggle, w.uid("pupil_waiting"), True)
    call(page, ClassPageState.set_received_on, f"2026-11-1{HIGH}")
    call(page, ClassPageState.record_authorisation)
    assert page.error == "La date de réception n'est pas une date valide.", page.error
    call(page, ClassPageState.set_scan_pupil, f"1{LOW}")
    sendable(page)


def test_login_and_signups(db_session, world):
    login = make_state(LoginState, "/connexion")
    call(login, LoginState.submit, {"email": f"ines@exemple.fr{HIGH}", "password": HIGH})
    assert login.error == accounts.BAD_CREDENTIALS
    sendable(login)

    form = {
        "organisation_name": f"Boulangerie {HIGH}{LOW}",
        "kind": "entreprise",
        "first_name": "Paul",
        "last_name": "Patron",
        "email": "paul@exemple.fr",
        "password": f"{PASSWORD}{HIGH}",
    }
    state = make_state(SignupState, "/inscription/employeur")
    result = call(state, SignupState.signup_employer, form)
    assert state.error == "" and redirect_target(result) == "/employeur", state.error
    db_session.expire_all()
    names = db_session.execute(select(Organisation.name)).scalars().all()
    assert "Boulangerie 😀" in names
    call(login, LoginState.submit, {"email": "paul@exemple.fr", "password": f"{PASSWORD}{HIGH}"})
    assert login.error == "" and login.token
    sendable(state)

    for handler, field in [
        (SignupState.signup_student, "class_code"),
        (SignupState.signup_staff, "school_uai"),
        (SignupState.signup_principal, "school_uai"),
    ]:
        page = make_state(SignupState, f"/inscription?code={HIGH}AB")
        call(page, SignupState.reset_form)
        assert page.prefill_code == f"{FFFD}AB"
        bad = {**form, "email": "autre@exemple.fr", field: f"0931234{HIGH}", "function": "cpe"}
        call(page, handler, bad)
        assert page.error and page.error_field == field, (handler, page.error)
        sendable(page)


def test_links_and_the_stored_token(db_session, world):
    confirm = make_state(ConfirmEmailState, f"/confirmer-email?jeton=abc{HIGH}")
    call(confirm, ConfirmEmailState.load)
    assert (confirm.ok, confirm.message) == (False, signup.BAD_CONFIRM_LINK)
    sendable(confirm)
    invite = make_state(InvitationSignupState, f"/inscription/invitation?jeton=abc{LOW}")
    call(invite, InvitationSignupState.load)
    assert (invite.valid, invite.problem) == (False, staff.BAD_INVITATION)
    sendable(invite)
    # a forged token in the browser's storage: forgotten, the page asks to log in
    page = make_state(SchoolSettingsState, "/etablissement/parametres", f"jeton{HIGH}")
    result = call(page, AuthState.check_access)
    assert (redirect_target(result) or "").startswith("/connexion")
    assert page.token == ""
    result = call(page, SchoolSettingsState.load)
    assert (redirect_target(result) or "").startswith("/connexion")


def test_school_picker_and_admin_mailbox(db_session, world):
    picker = make_state(SchoolPickerState, "/inscription/personnel")
    call(picker, SchoolPickerState.search_city, f"Auber{HIGH}")
    assert picker.city_query == f"Auber{FFFD}"
    call(picker, SchoolPickerState.choose_commune, f"9300{LOW}")
    call(picker, SchoolPickerState.choose_college, f"0931234{HIGH}")
    sendable(picker)
    _w, tok = world
    mailbox = make_state(MailboxState, "/admin/courriels", tok["admin"])
    call(mailbox, MailboxState.filter, {"recipient": f"invite{HIGH}"})
    assert mailbox.recipient == f"invite{FFFD}" and mailbox.mails == []
    sendable(mailbox)
