"""Sign-up journeys: employer, pupil, staff, principal, e-mail confirmation.

Each refused sign-up must leave the database exactly as it was (``row_counts`` unchanged).
Every test using ``session`` runs on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from stages_app.models import (
    EmailToken,
    Organisation,
    OutboxMail,
    PupilProfile,
    Role,
    School,
    StaffMembership,
    User,
    UserStatus,
    utcnow,
)
from stages_app.services import accounts
from stages_app.services.accounts import login
from stages_app.services.errors import Conflict, PermissionDenied, ValidationError
from stages_app.services.signup import (
    confirm_email,
    normalize_phone,
    normalize_siret,
    signup_employer,
    signup_principal,
    signup_staff,
    signup_student,
)
from tests.unit.account_helpers import (
    PASSWORD,
    PRINCIPAL_EMAIL,
    UAI,
    make_class,
    make_school,
    row_counts,
)

DUPLICATE = "Un compte existe déjà avec cette adresse e-mail."
BAD_CLASS = (
    "Ce code de classe n'existe pas ou n'est pas ouvert. "
    "Vérifiez-le auprès de votre professeur principal."
)


def refused(session, exc_type, call, **kwargs):
    """Run a sign-up expected to fail; check nothing was written; return the error."""
    before = row_counts(session)
    with pytest.raises(exc_type) as err:
        call(session, **kwargs)
    assert row_counts(session) == before, "a refused sign-up must not leave half-saved rows"
    return err.value


# --------------------------------------------------------------------------------- employer


def employer_form(**overrides):
    form = dict(
        organisation_name="Boulangerie Dupont & Fils",
        kind="entreprise",
        siret="443 061 841 00047",
        first_name="Karim",
        last_name="Benali",
        phone="06 12 34 56 78",
        email="karim@boulangerie-dupont.fr",
        password=PASSWORD,
    )
    form.update(overrides)
    return form


def test_employer_signup(session):
    user = signup_employer(session, **employer_form(phone="+33 6.12.34.56.78"))
    assert (user.role, user.status) == (Role.EMPLOYER.value, UserStatus.ACTIVE.value)
    assert user.email_confirmed_at is not None
    org = session.execute(select(Organisation)).scalar_one()
    assert (org.owner_id, org.kind) == (user.id, "entreprise")
    assert org.name == "Boulangerie Dupont & Fils"
    assert org.siret == "44306184100047"
    assert org.phone == "06 12 34 56 78"
    assert login(session, "KARIM@boulangerie-dupont.fr", PASSWORD)[0].id == user.id


def test_employer_siret_and_phone_are_optional(session):
    signup_employer(session, **employer_form(siret="  ", phone="", kind="association"))
    org = session.execute(select(Organisation)).scalar_one()
    assert (org.siret, org.phone, org.kind) == (None, "", "association")


def test_employer_wrong_siret_checksum(session):
    form = employer_form(siret="44306184100048")
    err = refused(session, ValidationError, signup_employer, **form)
    assert err.field == "siret"
    assert err.message.startswith("Ce numéro SIRET n'est pas valide")


@pytest.mark.parametrize("siret", ["4430618410004", "443061841000470", "4430618410004A"])
def test_employer_siret_must_have_14_digits(session, siret):
    err = refused(session, ValidationError, signup_employer, **employer_form(siret=siret))
    assert err.field == "siret" and "14 chiffres" in err.message


def test_la_poste_siret_rule():
    assert normalize_siret("356 000 000 49837") == "35600000049837"  # digits sum to a multiple of 5
    assert normalize_siret("35600000000048") == "35600000000048"  # head office, Luhn-valid
    with pytest.raises(ValidationError, match="n'est pas valide"):
        normalize_siret("35600000049833")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0123456789", "01 23 45 67 89"),
        ("01.23.45.67.89", "01 23 45 67 89"),
        ("+33 1 23 45 67 89", "01 23 45 67 89"),
        ("0033123456789", "01 23 45 67 89"),
        ("+33 (0)6 12 34 56 78", "06 12 34 56 78"),
        ("+262 692 12 34 56", "06 92 12 34 56"),
        ("", ""),
    ],
)
def test_phone_is_normalised(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    "phone", ["12345", "1234567890", "+44 20 7946 0958", "06 12 34 56 7x", "00 12 34 56 78"]
)
def test_employer_bad_phone(session, phone):
    err = refused(session, ValidationError, signup_employer, **employer_form(phone=phone))
    assert err.field == "phone" and "10 chiffres" in err.message


@pytest.mark.parametrize(
    "overrides, field, text",
    [
        ({"organisation_name": "X"}, "organisation_name", "2 caractères au moins"),
        ({"organisation_name": "B" * 151}, "organisation_name", "trop long"),
        ({"organisation_name": "<b>Boulangerie</b>"}, "organisation_name", "< et >"),
        ({"kind": "multinationale"}, "kind", "entreprise, administration ou association"),
        (
            {"first_name": "<script>alert(1)</script>"},
            "first_name",
            "Le prénom ne peut contenir que des lettres",
        ),
        ({"last_name": "L" * 81}, "last_name", "trop long"),
        ({"email": "karim@"}, "email", "n'est pas valide"),
        ({"password": "a" * 11}, "password", "au moins 12 caractères"),
    ],
)
def test_employer_bad_input(session, overrides, field, text):
    err = refused(session, ValidationError, signup_employer, **employer_form(**overrides))
    assert err.field == field and text in err.message


def test_employer_double_submission(session):
    signup_employer(session, **employer_form())
    err = refused(
        session, Conflict, signup_employer, **employer_form(email="Karim@Boulangerie-Dupont.fr")
    )
    assert (err.message, err.field) == (DUPLICATE, "email")
    assert len(session.execute(select(Organisation)).all()) == 1


def test_concurrent_double_submission_keeps_one_row(session, monkeypatch):
    """Both requests pass the pre-check; the unique index refuses the second, in French."""
    signup_employer(session, **employer_form())
    monkeypatch.setattr(accounts, "_email_taken", lambda *_: False)
    err = refused(session, Conflict, signup_employer, **employer_form())
    assert err.message == DUPLICATE


# --------------------------------------------------------------------------------- pupil


def student_form(**overrides):
    form = dict(
        class_code="3B-K7Q2",
        first_name="Inès",
        last_name="Lefèvre",
        email="ines.lefevre@example.fr",
        password=PASSWORD,
    )
    form.update(overrides)
    return form


def test_student_signup_joins_the_class_without_access(session):
    school = make_school(session)
    school_class = make_class(session, school)
    user = signup_student(session, **student_form(class_code="  3b-k7q2 "))
    assert user.role == Role.STUDENT.value
    profile = session.execute(select(PupilProfile)).scalar_one()
    assert (profile.user_id, profile.school_id, profile.class_id) == (
        user.id,
        school.id,
        school_class.id,
    )
    assert profile.authorisation_received_on is None
    assert profile.access_opened_at is None


@pytest.mark.parametrize("code", ["ZZ-0000", "", "   "])
def test_student_unknown_class_code(session, code):
    make_class(session, make_school(session))
    err = refused(session, ValidationError, signup_student, **student_form(class_code=code))
    assert (err.message, err.field) == (BAD_CLASS, "class_code")


def test_student_closed_class(session):
    make_class(session, make_school(session), access_open=False)
    err = refused(session, ValidationError, signup_student, **student_form())
    assert (err.message, err.field) == (BAD_CLASS, "class_code")


def test_student_double_submission(session):
    make_class(session, make_school(session))
    signup_student(session, **student_form())
    err = refused(session, Conflict, signup_student, **student_form())
    assert err.message == DUPLICATE


def test_student_bad_name(session):
    make_class(session, make_school(session))
    err = refused(session, ValidationError, signup_student, **student_form(last_name="Lef3vre"))
    assert err.field == "last_name"
    assert err.message == "Le nom ne peut contenir que des lettres, espaces, tirets et apostrophes."


# --------------------------------------------------------------------------------- staff


def staff_form(**overrides):
    form = dict(
        school_uai=UAI,
        function="professeur_principal",
        first_name="Sophie",
        last_name="Garnier",
        email="sophie.garnier@ac-creteil.fr",
        password=PASSWORD,
    )
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    "function, role",
    [
        ("professeur_principal", Role.TEACHER),
        ("professeur", Role.TEACHER),
        ("cpe", Role.STAFF),
        ("documentaliste", Role.STAFF),
        ("psy_en", Role.STAFF),
        ("administratif", Role.STAFF),
    ],
)
def test_staff_signup(session, function, role):
    school = make_school(session)
    form = staff_form(
        function=function, school_uai=" 0931234a", email="Sophie.Garnier@AC-CRETEIL.FR"
    )
    user = signup_staff(session, **form)
    assert (user.role, user.status, user.email) == (
        role.value,
        UserStatus.ACTIVE.value,
        "sophie.garnier@ac-creteil.fr",
    )
    membership = session.execute(select(StaffMembership)).scalar_one()
    assert (membership.user_id, membership.school_id, membership.function, membership.status) == (
        user.id,
        school.id,
        function,
        "pending",
    )


def test_staff_foreign_email_domain(session):
    make_school(session)
    for email in ("sophie@gmail.com", "sophie@ac-versailles.fr", "sophie@ac-creteil.fr.evil.com"):
        err = refused(session, ValidationError, signup_staff, **staff_form(email=email))
        assert err.field == "email"
        assert err.message == (
            "Utilisez votre adresse e-mail académique : elle doit se terminer par @ac-creteil.fr."
        )


def test_staff_cannot_sign_up_as_principal_or_unknown_function(session):
    make_school(session)
    err = refused(session, ValidationError, signup_staff, **staff_form(function="principal"))
    assert err.field == "function" and "Chef d'établissement" in err.message
    err = refused(session, ValidationError, signup_staff, **staff_form(function="recteur"))
    assert err.field == "function"


def test_staff_unknown_school(session):
    make_school(session)
    err = refused(session, ValidationError, signup_staff, **staff_form(school_uai="0759999Z"))
    assert err.field == "school_uai" and "introuvable" in err.message


def test_staff_double_submission(session):
    make_school(session)
    signup_staff(session, **staff_form())
    err = refused(session, Conflict, signup_staff, **staff_form())
    assert err.message == DUPLICATE


# --------------------------------------------------------------------------------- principal


def principal_form(**overrides):
    form = dict(
        school_uai=UAI,
        first_name="Claire",
        last_name="Dubois",
        email="CE.0931234A@ac-creteil.fr",
        password=PASSWORD,
    )
    form.update(overrides)
    return form


def test_principal_signup_waits_for_email_confirmation(session):
    school = make_school(session)
    user, token = signup_principal(session, **principal_form())
    assert (user.role, user.status, user.email) == ("principal", "pending_email", PRINCIPAL_EMAIL)
    assert user.email_confirmed_at is None
    membership = session.execute(select(StaffMembership)).scalar_one()
    assert (membership.school_id, membership.function, membership.status) == (
        school.id,
        "principal",
        "granted",
    )
    stored = session.execute(select(EmailToken)).scalar_one()
    assert stored.purpose == "confirm_email" and stored.token_hash != token
    assert stored.token_hash == accounts.hash_token(token)
    assert dt.timedelta(hours=47) < stored.expires_at - utcnow() <= dt.timedelta(hours=48)

    mail = session.execute(select(OutboxMail)).scalar_one()
    assert mail.to_email == PRINCIPAL_EMAIL and mail.status == "pending"
    assert mail.kind == "confirm_email"
    assert f"/confirmer-email?jeton={token}" in mail.body
    assert "Collège Jean Moulin" in mail.body and "Bonjour Claire Dubois" in mail.body

    with pytest.raises(PermissionDenied, match="pas encore confirmée"):
        login(session, PRINCIPAL_EMAIL, PASSWORD)
    assert session.get(School, school.id, populate_existing=True).registered_at is None


@pytest.mark.parametrize(
    "email", ["claire.dubois@ac-creteil.fr", "ce.0931235a@ac-creteil.fr", "ce.0931234a@gmail.com"]
)
def test_principal_wrong_address(session, email):
    make_school(session)
    err = refused(session, ValidationError, signup_principal, **principal_form(email=email))
    assert err.field == "email"
    assert err.message == (
        "Le compte chef d'établissement se crée avec l'adresse e-mail fonctionnelle du collège : "
        "ce.0931234a@ac-creteil.fr."
    )


def test_second_principal_is_refused_with_a_contact(session):
    make_school(session)
    signup_principal(session, **principal_form())
    err = refused(
        session,
        Conflict,
        signup_principal,
        **principal_form(first_name="Paul", last_name="Renaud"),
    )
    assert err.message.startswith(
        "Ce collège a déjà un compte chef d'établissement (M. ou Mme Dubois). Contactez"
    )


def test_second_principal_refused_once_confirmed_too(session):
    make_school(session)
    _, token = signup_principal(session, **principal_form())
    confirm_email(session, token)
    err = refused(session, Conflict, signup_principal, **principal_form(last_name="Renaud"))
    assert "(M. ou Mme Dubois)" in err.message


# --------------------------------------------------------------------------------- confirmation


def test_confirm_email_activates_the_principal_and_registers_the_school(session):
    school = make_school(session)
    user, token = signup_principal(session, **principal_form())
    t1 = utcnow() + dt.timedelta(hours=1)
    confirmed = confirm_email(session, token, now=t1)
    assert confirmed.id == user.id
    assert (confirmed.status, confirmed.email_confirmed_at) == ("active", t1)
    assert session.execute(select(EmailToken.used_at)).scalar_one() == t1
    assert session.get(School, school.id, populate_existing=True).registered_at == t1
    assert login(session, PRINCIPAL_EMAIL, PASSWORD)[0].id == user.id


def test_confirm_email_link_works_once(session):
    make_school(session)
    _, token = signup_principal(session, **principal_form())
    confirm_email(session, token)
    with pytest.raises(ValidationError, match="Ce lien de confirmation n'est plus valide"):
        confirm_email(session, token)


def test_confirm_email_expired_link(session):
    make_school(session)
    user, token = signup_principal(session, **principal_form())
    with pytest.raises(ValidationError, match="Ce lien de confirmation n'est plus valide"):
        confirm_email(session, token, now=utcnow() + dt.timedelta(hours=48, minutes=1))
    fresh = session.get(User, user.id, populate_existing=True)
    assert fresh.status == "pending_email" and fresh.email_confirmed_at is None
    assert session.execute(select(EmailToken.used_at)).scalar_one() is None


@pytest.mark.parametrize("token", ["", "inconnu", "x" * 1000])
def test_confirm_email_unknown_link(session, token):
    make_school(session)
    signup_principal(session, **principal_form())
    with pytest.raises(ValidationError, match="Ce lien de confirmation n'est plus valide"):
        confirm_email(session, token)
