"""Text a browser can send never crashes the server (issue 11, point 4).

A browser's JSON may carry lone UTF-16 surrogates ("\\ud83d": half an emoji) that no database,
mail or PDF can encode. Every text input is cleaned at one place, ``services.text`` (and, for
what the pages send, ``states.base.as_text`` / ``form_text``, tested in
``tests/states/test_text_input_states.py``): a lone surrogate becomes U+FFFD, a pair sent as two
code points becomes its character, nothing else typed is lost.

The first part tests the cleaner; the second drives every free-text entry point of the services
with lone surrogates, on SQLite and PostgreSQL: each either keeps the cleaned text (and reads it
back) or refuses with a French ``DomainError``; never another exception, and nothing stored or
said can fail to encode."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from stages_app.models import (
    Application,
    ApplicationEvent,
    Notification,
    Offer,
    Organisation,
    OutboxMail,
    Role,
    SchoolClass,
    User,
)
from stages_app.services import accounts, cv, mail, mailbox, pupils, schools, signup, staff
from stages_app.services import applications as apps
from stages_app.services import offers as offer_service
from stages_app.services.errors import DomainError
from stages_app.services.search import SearchQuery, search_offers
from stages_app.services.text import (
    REPLACEMENT,
    clean_draft,
    clean_line,
    clean_text,
    fix_surrogates,
    search_key,
)
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit import school_helpers as sh
from tests.unit.account_helpers import PASSWORD, make_class, make_school

HIGH, LOW = "\ud83d", "\ude00"  # the two halves of 😀 (U+1F600)
FFFD = REPLACEMENT
SURROGATE = re.compile("[\ud800-\udfff]")
# What a forged request may send, and what must be kept of it.
DIRTY = f"Bonjour {HIGH} et {LOW}, avec un vrai sourire {HIGH}{LOW} !"
CLEAN = f"Bonjour {FFFD} et {FFFD}, avec un vrai sourire 😀 !"


def _reference(value: str) -> str:
    """The cleaner's specification, one code point at a time (slow, obviously right)."""
    out: list[str] = []
    i = 0
    while i < len(value):
        c = value[i]
        if (
            "\ud800" <= c <= "\udbff"
            and i + 1 < len(value)
            and "\udc00" <= value[i + 1] <= "\udfff"
        ):
            out.append(chr(0x10000 + ((ord(c) - 0xD800) << 10) + (ord(value[i + 1]) - 0xDC00)))
            i += 2
            continue
        out.append(FFFD if "\ud800" <= c <= "\udfff" else c)
        i += 1
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# The cleaner
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (HIGH, FFFD),  # lone high surrogate
        (LOW, FFFD),  # lone low surrogate
        (HIGH + LOW, "😀"),  # a pair sent as two code points
        ("\ud800\udc00", "\U00010000"),  # the first pair
        ("\udbff\udfff", "\U0010ffff"),  # the last pair
        (LOW + HIGH, FFFD + FFFD),  # the wrong order is no pair
        (HIGH + HIGH + LOW, FFFD + "😀"),  # a high one left alone before a pair
        (HIGH + LOW + LOW, "😀" + FFFD),
        (f"a{HIGH}b", f"a{FFFD}b"),  # the letter after a lone surrogate is kept
        (f"é😀{HIGH}", f"é😀{FFFD}"),  # real characters untouched
        ("\ufeffdébut", "\ufeffdébut"),  # a BOM typed first is text, not a byte order mark
        ("", ""),
        ("  tel quel\r\n\t", "  tel quel\r\n\t"),  # nothing else changes: no trim, no newline
    ],
)
def test_fix_surrogates(raw, expected):
    assert fix_surrogates(raw) == expected
    assert fix_surrogates(raw) == _reference(raw)
    fix_surrogates(raw).encode("utf-8")


def test_fix_surrogates_returns_clean_text_itself():
    text = "Lettre déjà propre 😀 — rien à changer."
    assert fix_surrogates(text) is text
    assert fix_surrogates(None) == ""


def test_line_and_text_cleaners_fix_surrogates_first():
    assert clean_line(f"  {DIRTY}\t\x00 fin ") == f"{CLEAN} fin"
    assert clean_text(f"\r\n{DIRTY}\r\n\r\n{LOW}\x07 \n") == f"{CLEAN}\n\n{FFFD}"
    # the draft keeps its spaces and blank lines (autosaved as typed)
    assert clean_draft(f"  {DIRTY}\r\n\n ") == f"  {CLEAN}\n\n "
    assert clean_line(HIGH) == FFFD and clean_text(LOW) == FFFD
    assert search_key(DIRTY) == "bonjour et avec un vrai sourire"


def test_very_long_input():
    """A million code points mixing everything: linear, and what the specification says."""
    chunk = f"é{HIGH}a{HIGH}{LOW}{LOW}\n😀 {HIGH}"
    raw = chunk * (1_000_000 // len(chunk))
    fixed = fix_surrogates(raw)
    assert fixed == _reference(raw)
    assert len(fixed) == len(raw) - raw.count(HIGH + LOW)
    assert fixed.count("😀") == 2 * (len(raw) // len(chunk))
    assert not SURROGATE.search(fixed)
    assert clean_text(raw).encode("utf-8")
    assert not SURROGATE.search(clean_line(raw))


_ANY_CHAR = st.one_of(
    st.characters(),  # no surrogates by default
    st.integers(0xD800, 0xDFFF).map(chr),
    st.sampled_from([HIGH, LOW, "\r", "\n", "\x00", " "]),
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ANY_CHAR, max_size=60))
def test_cleaned_text_always_encodes(raw):
    fixed = fix_surrogates(raw)
    assert fixed == _reference(raw)
    for cleaned in (fixed, clean_line(raw), clean_text(raw), clean_draft(raw)):
        cleaned.encode("utf-8")
    if not SURROGATE.search(raw):
        assert fixed == raw  # text without surrogates is never touched


# ---------------------------------------------------------------------------------------------
# Every free-text entry point of the services
# ---------------------------------------------------------------------------------------------


def refused(call) -> DomainError:
    """The call refuses with a French message (never another exception)."""
    with pytest.raises(DomainError) as err:
        call()
    message = err.value.message
    assert message and not SURROGATE.search(message), message
    message.encode("utf-8")  # shown as is in the page
    return err.value


def assert_everything_encodes(session) -> None:
    """No text stored anywhere holds a surrogate (what a mail, a PDF or a page will read)."""
    for table, rows in ah.snapshot(session).items():
        for row in rows:
            for value in row:
                if isinstance(value, str):
                    assert not SURROGATE.search(value), (table, value)


def deliverable(session, to_email: str) -> list[str]:
    """The bodies of the mails queued for ``to_email``, each built as SMTP will send it."""
    session.expire_all()
    rows = session.execute(select(OutboxMail).where(OutboxMail.to_email == to_email)).scalars()
    config = mail.SmtpConfig(host="localhost")
    bodies = []
    for row in rows:
        bytes(mail.build_message(row, config))  # encodes the headers and the body
        bodies.append(row.body)
    return bodies


# --- CV ---------------------------------------------------------------------------------------


def test_cv_sections_and_version_name(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w, cv=False)
    cv.save_cv(
        session,
        pupil,
        {"about": f"{DIRTY}\r\n{LOW}", "interests": [DIRTY, "Basket"], "qualities": [HIGH]},
    )
    session.expire_all()
    view = cv.get_cv(session, pupil)
    assert view.about == f"{CLEAN}\n{FFFD}"
    assert view.interests == [CLEAN, "Basket"]
    assert view.qualities == [FFFD]
    version = cv.archive_cv(session, pupil, f"  {DIRTY} ")
    assert version.name == CLEAN
    assert cv.get_version(session, pupil, version.id).cv.interests == [CLEAN, "Basket"]
    assert cv.cv_pdf(session, pupil).startswith(b"%PDF")
    assert cv.cv_pdf(session, pupil, version_id=version.id).startswith(b"%PDF")
    refused(lambda: cv.save_cv(session, pupil, {"about": HIGH * (cv.TEXT_MAX + 1)}))
    assert cv.get_cv(session, pupil).about == f"{CLEAN}\n{FFFD}"
    assert_everything_encodes(session)


# --- applications -----------------------------------------------------------------------------


@dataclasses.dataclass
class Sent:
    pupil: object
    employer: object
    app_id: int


def _sent(session) -> Sent:
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    employer, offer_id = ah.offer(session, w, weeks=((ah.W1, 2),))
    return Sent(pupil, employer, ah.submitted(session, pupil, offer_id, ah.W1))


def _last_event(session, app_id: int) -> ApplicationEvent:
    return ah.history(session, app_id)[-1]


def _email(session, viewer) -> str:
    return session.get(User, viewer.user_id).email


def test_letter_autosave_keeps_the_cleaned_letter(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    app_id = apps.start_or_get_draft(session, pupil, offer_id, ah.W1).id
    apps.save_letter(session, pupil, app_id, f"{ah.LETTER}\r\n{DIRTY}")
    assert apps.get_application(session, pupil, app_id).letter == f"{ah.LETTER}\n{CLEAN}"
    apps.submit_application(session, pupil, app_id)
    session.expire_all()
    assert session.get(Application, app_id).letter_sent.endswith(CLEAN)
    assert_everything_encodes(session)


def test_a_week_sent_as_text_is_refused_in_french(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    refused(lambda: apps.start_or_get_draft(session, pupil, offer_id, f"2026-12-0{HIGH}"))
    refused(lambda: apps.start_or_get_draft(session, pupil, offer_id, DIRTY))


def test_refusal_message(session):
    s = _sent(session)
    apps.refuse(session, s.employer, s.app_id, DIRTY)
    session.expire_all()
    assert session.get(Application, s.app_id).answer_message == CLEAN
    assert apps.get_application(session, s.pupil, s.app_id).answer_message == CLEAN
    assert _last_event(session, s.app_id).reason == CLEAN
    assert any(CLEAN in body for body in deliverable(session, _email(session, s.pupil)))
    assert_everything_encodes(session)


def test_a_refusal_message_of_surrogates_only_is_too_short(session):
    s = _sent(session)
    before = ah.snapshot(session)
    refused(lambda: apps.refuse(session, s.employer, s.app_id, HIGH))
    assert ah.snapshot(session) == before


def test_accept_message_then_cancellation_reasons(session):
    s = _sent(session)
    apps.accept(session, s.employer, s.app_id, f"{DIRTY}\r\nÀ lundi !")
    session.expire_all()
    assert session.get(Application, s.app_id).answer_message == f"{CLEAN}\nÀ lundi !"
    assert apps.get_application(session, s.pupil, s.app_id).answer_message.startswith(CLEAN)
    assert any(CLEAN in body for body in deliverable(session, _email(session, s.pupil)))
    # the pupil cancels the internship, with a reason
    apps.cancel_accepted(session, s.pupil, s.app_id, f"{LOW}{DIRTY}")
    assert _last_event(session, s.app_id).reason == f"{FFFD}{CLEAN}"
    bodies = deliverable(session, _email(session, s.employer))
    assert any(CLEAN in body for body in bodies)
    assert_everything_encodes(session)


def test_employer_cancellation_reason(session):
    s = _sent(session)
    apps.accept(session, s.employer, s.app_id)
    apps.cancel_accepted(session, s.employer, s.app_id, DIRTY)
    assert _last_event(session, s.app_id).reason == CLEAN
    assert apps.get_application(session, s.pupil, s.app_id).reason.endswith(CLEAN)
    assert_everything_encodes(session)


def test_withdrawal_reason(session):
    s = _sent(session)
    apps.withdraw(session, s.pupil, s.app_id, DIRTY)
    assert _last_event(session, s.app_id).reason == CLEAN
    session.expire_all()
    notes = session.execute(
        select(Notification.body).where(Notification.user_id == s.employer.user_id)
    ).scalars()
    assert any(CLEAN in body for body in notes)
    assert_everything_encodes(session)


# --- offers -----------------------------------------------------------------------------------


def _offer_input(w, **changes):
    return dataclasses.replace(
        oh.offer_input(
            w.sector,
            weeks=((ah.W1, 1),),
            title=f"Découverte {HIGH}{LOW} du fournil {LOW}",
            description=f"{DIRTY}\r\nObserver le travail du pain, de 6 h à 12 h.",
        ),
        street=f"12 rue {HIGH} de la République",
        tutor_name=f"Paul {LOW} Patron",
        tutor_role=f"Artisan {HIGH}",
        practical_info=DIRTY,
        accessibility=f"{DIRTY}\r\n{HIGH}",
        **changes,
    )


def test_offer_fields(session):
    w = ah.world(session)
    employer = oh.employer(session)
    data = _offer_input(w)
    assert offer_service.check_offer(session, employer, data) == {}
    card = offer_service.preview_card(session, employer, data)
    assert card.title == "Découverte 😀 du fournil " + FFFD
    offer = offer_service.create_offer(session, employer, data, geocoder=None)
    session.expire_all()
    row = session.get(Offer, offer.id)
    assert row.title == "Découverte 😀 du fournil " + FFFD
    assert row.description.startswith(f"{CLEAN}\nObserver")
    assert row.street == f"12 rue {FFFD} de la République"
    assert (row.tutor_name, row.tutor_role) == (f"Paul {FFFD} Patron", f"Artisan {FFFD}")
    assert row.practical_info == CLEAN and row.accessibility == f"{CLEAN}\n{FFFD}"
    own = offer_service.get_own_offer(session, employer, offer.id)
    assert own.data.practical_info == CLEAN
    changed = dataclasses.replace(data, practical_info=f"{LOW}{LOW}", title=f"Pain {HIGH}{LOW}")
    offer_service.update_offer(session, employer, offer.id, changed, geocoder=None)
    session.expire_all()
    assert session.get(Offer, offer.id).title == "Pain 😀"
    assert session.get(Offer, offer.id).practical_info == FFFD + FFFD
    assert_everything_encodes(session)


def test_offer_commune_by_name_postal_code_and_too_long_fields(session):
    w = ah.world(session)
    employer = oh.employer(session)
    # the name is compared without accents nor punctuation: "�" is ignored there
    by_name = _offer_input(w, commune_insee=None, commune_name=f"{HIGH}Bobigny{LOW}")
    assert offer_service.check_offer(session, employer, by_name) == {}
    offer = offer_service.create_offer(session, employer, by_name, geocoder=None)
    assert (offer.commune_insee, offer.commune_name) == ("93008", "Bobigny")
    unknown = _offer_input(w, commune_insee=None, commune_name=f"Bobignyy{HIGH}")
    errors = offer_service.check_offer(session, employer, unknown)
    assert set(errors) == {"commune"} and f"Bobignyy{FFFD}" in errors["commune"]
    refused(lambda: offer_service.create_offer(session, employer, unknown, geocoder=None))
    bad_code = _offer_input(w, postal_code=f"9300{HIGH}")
    assert "postal_code" in offer_service.check_offer(session, employer, bad_code)
    long_title = _offer_input(w, title=HIGH * 500)
    refused(lambda: offer_service.create_offer(session, employer, long_title, geocoder=None))
    assert offer_service.communes_for_postal_code(session, f"9300{LOW}") == []
    assert_everything_encodes(session)


def test_offer_commune_code_holding_a_surrogate(session):
    w = ah.world(session)
    employer = oh.employer(session)
    data = _offer_input(w, commune_insee=f"9300{HIGH}")
    assert "commune" in offer_service.check_offer(session, employer, data)
    refused(lambda: offer_service.create_offer(session, employer, data, geocoder=None))


# --- search -----------------------------------------------------------------------------------


def test_search_keyword_and_week(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    ah.offer(session, w)
    found = search_offers(session, pupil, SearchQuery(keyword=f"fournil {HIGH}"))
    assert found.total == 1
    assert search_offers(session, pupil, SearchQuery(keyword=DIRTY, week=f"20{LOW}")).total == 0
    query = SearchQuery(keyword=HIGH * 1000, week=DIRTY)
    assert search_offers(session, pupil, query).total == 1  # nothing searchable: no filter


# --- the school: classes, weeks, directory ----------------------------------------------------


def test_class_names_weeks_and_authorisation_dates(session):
    world = sh.build_world(session)
    principal = world.viewer("principal_a")
    klass = schools.create_class(session, principal, f"3e {HIGH}{LOW} {LOW}")
    session.expire_all()
    assert session.get(SchoolClass, klass.id).name == f"3e 😀 {FFFD}"
    schools.rename_class(session, principal, klass.id, f"3e {HIGH}")
    session.expire_all()
    assert session.get(SchoolClass, klass.id).name == f"3e {FFFD}"
    names = [c.name for c in schools.school_settings(session, principal).classes]
    assert f"3e {FFFD}" in names
    # the same name again, spelled with another lone surrogate: both are "�"
    refused(lambda: schools.create_class(session, principal, f"3e {LOW}"))
    refused(lambda: schools.create_class(session, principal, HIGH * 200))
    refused(lambda: schools.add_period(session, principal, DIRTY, now=sh.NOW))
    refused(lambda: schools.add_period(session, principal, "2027-01-18", f"2027{HIGH}", now=sh.NOW))
    pupil_id = world.uid("pupil_waiting")
    teacher = world.viewer("pp_granted")
    refused(lambda: pupils.record_authorisation(session, teacher, [pupil_id], f"2026-11-1{HIGH}"))
    assert_everything_encodes(session)


def test_commune_and_college_search(session):
    oh.commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352)
    school = oh.school(session)
    school.commune_insee = "93008"
    session.commit()
    assert [c.name for c in schools.search_communes(session, f"Bobi{HIGH}")] == ["Bobigny"]
    assert [c.name for c in schools.search_communes(session, f"Bobigny {LOW}")] == ["Bobigny"]
    assert schools.search_communes(session, HIGH * 300) == []
    assert schools.colleges_in_commune(session, f"9300{HIGH}") == []
    assert [c.name for c in schools.colleges_in_commune(session, "93008")] == [school.name]


# --- sign-ups and accounts --------------------------------------------------------------------


def test_employer_signup_organisation_name_and_password(session):
    password = f"{PASSWORD}{HIGH}"
    user = signup.signup_employer(
        session,
        organisation_name=f"Boulangerie {HIGH}{LOW} du Canal {LOW}",
        kind="entreprise",
        siret=None,
        first_name="Paul",
        last_name="Patron",
        phone="",
        email="paul@exemple.fr",
        password=password,
    )
    session.expire_all()
    org = session.execute(select(Organisation).where(Organisation.owner_id == user.id)).scalar_one()
    assert org.name == f"Boulangerie 😀 du Canal {FFFD}"
    # the password is checked as it was chosen (the lone surrogate read the same way)
    logged, token = accounts.login(session, "paul@exemple.fr", password)
    assert logged.id == user.id and accounts.user_for_token(session, token).id == user.id
    refused(lambda: accounts.login(session, "paul@exemple.fr", PASSWORD + LOW + LOW))
    assert_everything_encodes(session)


EMPLOYER_BAD = {
    "organisation_name": HIGH,  # one character once cleaned: too short
    "kind": f"entreprise{HIGH}",
    "siret": f"4430618410004{HIGH}",
    "phone": f"012345678{LOW}",
    "first_name": f"Paul{HIGH}",
    "last_name": f"{LOW}Patron",
    "email": f"paul{HIGH}@exemple.fr",
}


@pytest.mark.parametrize("field", list(EMPLOYER_BAD))
def test_employer_signup_refuses_in_french(session, field):
    fields = {
        "organisation_name": "Boulangerie du Canal",
        "kind": "entreprise",
        "siret": None,
        "first_name": "Paul",
        "last_name": "Patron",
        "phone": "",
        "email": "paul@exemple.fr",
        "password": PASSWORD,
    }
    fields[field] = EMPLOYER_BAD[field]
    before = ah.snapshot(session)
    error = refused(lambda: signup.signup_employer(session, **fields))
    assert error.field == field
    assert ah.snapshot(session) == before


def test_pupil_staff_and_principal_signups(session):
    school = make_school(session)
    make_class(session, school, join_code="3B-K7Q2")
    pupil_fields = {"first_name": "Inès", "last_name": "Martin", "password": PASSWORD}
    wrong_code = refused(
        lambda: signup.signup_student(
            session, class_code=f"3B-K7Q{HIGH}", email="ines@exemple.fr", **pupil_fields
        )
    )
    assert wrong_code.field == "class_code"
    for bad in ("first_name", "last_name", "email"):
        fields = {**pupil_fields, "email": "ines@exemple.fr"}
        fields[bad] = f"{fields[bad]}{LOW}"
        error = refused(
            lambda fields=fields: signup.signup_student(session, class_code="3b-k7q2", **fields)
        )
        assert error.field == bad
    user = signup.signup_student(
        session,
        class_code="3b-k7q2\t",
        email="ines@exemple.fr",
        first_name="Inès",
        last_name="Martin",
        password=f"{LOW}{PASSWORD}",
    )
    assert accounts.login(session, "ines@exemple.fr", f"{LOW}{PASSWORD}")[0].id == user.id
    staff_fields = {
        "first_name": "Marie",
        "last_name": "Curie",
        "email": "marie.curie@ac-creteil.fr",
        "password": PASSWORD,
    }
    bad_uai = refused(
        lambda: signup.signup_staff(
            session, school_uai=f"0931234{HIGH}", function="professeur", **staff_fields
        )
    )
    bad_function = refused(
        lambda: signup.signup_staff(
            session, school_uai=school.uai, function=f"professeur{HIGH}", **staff_fields
        )
    )
    assert (bad_uai.field, bad_function.field) == ("school_uai", "function")
    bad_email = refused(
        lambda: signup.signup_principal(
            session,
            school_uai=school.uai,
            first_name="Anne",
            last_name="Ernaux",
            email=f"ce.0931234a@ac-creteil.fr{HIGH}",
            password=PASSWORD,
        )
    )
    assert bad_email.field == "email"
    refused(lambda: signup.confirm_email(session, f"jeton{HIGH}"))
    assert_everything_encodes(session)


def test_login_tokens_and_names(session):
    user = accounts.create_user(
        session,
        email="ines@exemple.fr",
        password=PASSWORD,
        role=Role.STUDENT,
        first_name="Inès",
        last_name="Martin",
    )
    session.commit()
    for email, password in [
        (f"ines@exemple.fr{HIGH}", PASSWORD),
        ("ines@exemple.fr", f"{PASSWORD}{HIGH}"),
        ("ines@exemple.fr", LOW * 100),
        (HIGH, LOW),
    ]:
        assert refused(lambda e=email, p=password: accounts.login(session, e, p)).message == (
            accounts.BAD_CREDENTIALS
        )
    assert accounts.login(session, "ines@exemple.fr", PASSWORD)[0].id == user.id
    assert accounts.user_for_token(session, f"jeton{HIGH}") is None
    accounts.logout(session, f"jeton{LOW}")  # ignored, like any unknown token
    for name in (HIGH, f"Inès{LOW}", f"{HIGH}{LOW}"):
        refused(
            lambda name=name: accounts.create_user(
                session,
                email="autre@exemple.fr",
                password=PASSWORD,
                role=Role.STUDENT,
                first_name=name,
                last_name="Martin",
            )
        )
    refused(lambda: accounts.normalize_email(f"{HIGH}@exemple.fr"))
    assert_everything_encodes(session)


# --- staff ------------------------------------------------------------------------------------


def test_staff_invitations_and_functions(session):
    world = sh.build_world(session)
    principal = world.viewer("principal_a")
    refused(
        lambda: staff.invite_staff(
            session, principal, email=f"marie{HIGH}@ac-creteil.fr", function="cpe", now=sh.NOW
        )
    )
    refused(
        lambda: staff.invite_staff(
            session, principal, email="marie@ac-creteil.fr", function=f"cpe{LOW}", now=sh.NOW
        )
    )
    member = world.memberships["prof_granted"].id
    refused(lambda: staff.change_function(session, principal, member, f"cpe{HIGH}"))
    refused(lambda: staff.invitation_preview(session, f"{sh.INVITATION_TOKEN}{HIGH}", now=sh.NOW))
    refused(
        lambda: staff.signup_from_invitation(
            session,
            sh.INVITATION_TOKEN,
            first_name=f"Jean{HIGH}",
            last_name="Dupont",
            password=PASSWORD,
            now=sh.NOW,
        )
    )
    user = staff.signup_from_invitation(
        session,
        sh.INVITATION_TOKEN,
        first_name="Jean",
        last_name="Dupont",
        password=f"{PASSWORD}{HIGH}{LOW}",
        now=sh.NOW,
    )
    assert accounts.login(session, "invite@ac-creteil.fr", f"{PASSWORD}😀")[0].id == user.id
    assert_everything_encodes(session)


# --- the platform's mailbox -------------------------------------------------------------------


def test_admin_mailbox_recipient_filter(session):
    world = sh.build_world(session)
    admin = world.viewer("admin")
    assert mailbox.list_mails(session, admin, to=f"invite{HIGH}") == ([], 0)
    assert mailbox.list_mails(session, admin, to=HIGH * 400) == ([], 0)


def test_every_free_text_field_of_the_offer_input_is_exercised():
    """A new text field of the offer editor must be added to ``_offer_input`` above."""
    texts = {
        f.name
        for f in dataclasses.fields(offer_service.OfferInput)
        if f.name not in ("sector_id", "weeks")
    }
    assert texts == {
        "title",
        "description",
        "street",
        "postal_code",
        "commune_insee",
        "commune_name",
        "tutor_name",
        "tutor_role",
        "practical_info",
        "accessibility",
    }
