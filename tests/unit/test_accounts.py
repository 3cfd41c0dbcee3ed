"""Accounts: input cleaning, password policy, login with lock-out, session tokens.

Every test using ``session`` runs on SQLite and again on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

import bcrypt
import pytest
from sqlalchemy import select

from stages_app.models import AuthSession, OutboxMail, Role, User, UserStatus, utcnow
from stages_app.services import accounts, passwords
from stages_app.services.accounts import (
    authenticate,
    clean_name,
    create_user,
    login,
    logout,
    normalize_email,
    open_session,
    user_for_token,
)
from stages_app.services.errors import AccountLocked, Conflict, PermissionDenied, ValidationError
from stages_app.services.mail import queue_mail
from tests.unit.account_helpers import PASSWORD

BAD_CREDENTIALS = "E-mail ou mot de passe incorrect."


def new_user(session, email="alice.martin@example.fr", password=PASSWORD, **kw):
    kw.setdefault("role", Role.EMPLOYER)
    kw.setdefault("first_name", "Alice")
    kw.setdefault("last_name", "Martin")
    user = create_user(session, email=email, password=password, **kw)
    session.commit()
    return user


def reload(session, user_id: int) -> User:
    return session.get(User, user_id, populate_existing=True)


# --------------------------------------------------------------------------------- e-mail


def test_email_is_trimmed_and_lower_cased():
    assert normalize_email("  Jean.Dupont@AC-Creteil.FR ") == "jean.dupont@ac-creteil.fr"
    assert normalize_email("prenom+stage@sous.domaine.fr") == "prenom+stage@sous.domaine.fr"


@pytest.mark.parametrize(
    "raw",
    [
        "jean",
        "jean@",
        "@ac-creteil.fr",
        "jean@localhost",
        "jean dupont@ac.fr",
        "jean..d@ac.fr",
        "jean@ac..fr",
        "jean@@ac.fr",
        "<script>@ac.fr",
        "jean@ac.f",
        "jean@-ac.fr",
        ".jean@ac.fr",
    ],
)
def test_malformed_email_is_refused(raw):
    with pytest.raises(ValidationError) as err:
        normalize_email(raw)
    assert err.value.field == "email"
    assert err.value.message.startswith("L'adresse e-mail n'est pas valide.")


def test_empty_and_overlong_email():
    with pytest.raises(ValidationError, match="Indiquez votre adresse e-mail") as err:
        normalize_email("   ")
    assert err.value.field == "email"
    domain = ".".join(["d" * 62] * 3) + ".fr"  # 189 characters: the local part is 64
    ok = "a" * (254 - 1 - len(domain)) + "@" + domain
    assert len(ok) == 254 and normalize_email(ok) == ok
    with pytest.raises(ValidationError, match="trop longue"):
        normalize_email("a" + ok)


def test_email_is_unique_whatever_the_case(session):
    new_user(session, email="Alice.Martin@Example.FR")
    assert session.execute(select(User.email)).scalar_one() == "alice.martin@example.fr"
    with pytest.raises(Conflict) as err:
        new_user(session, email="ALICE.MARTIN@example.fr ")
    assert err.value.message == "Un compte existe déjà avec cette adresse e-mail."
    assert err.value.field == "email"
    assert len(session.execute(select(User)).all()) == 1


def test_duplicate_email_race_becomes_a_conflict(session, monkeypatch):
    """Two sign-ups that both pass the pre-check: the unique index decides, in French."""
    new_user(session)
    monkeypatch.setattr(accounts, "_email_taken", lambda *_: False)
    with pytest.raises(Conflict, match="Un compte existe déjà avec cette adresse e-mail."):
        new_user(session, email="ALICE.martin@example.fr")
    assert len(session.execute(select(User)).all()) == 1


# --------------------------------------------------------------------------------- passwords


def test_password_policy(session):
    with pytest.raises(ValidationError, match="au moins 12 caractères") as err:
        new_user(session, password="a" * 11)
    assert err.value.field == "password"
    with pytest.raises(ValidationError, match="72 octets"):
        new_user(session, password="é" * 37)  # 37 characters but 74 bytes
    with pytest.raises(ValidationError, match="espaces"):
        new_user(session, password=" " * 12)
    user = new_user(session, password="a" * 12)
    assert user.password_hash.startswith("$2") and "a" * 12 not in user.password_hash
    assert passwords.verify_password("a" * 12, user.password_hash)


# --------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Élodie", "Élodie"),
        ("  Jean-Pierre  ", "Jean-Pierre"),
        ("N'Diaye", "N'Diaye"),
        ("d’Alembert", "d’Alembert"),
        ("Marie  Hélène", "Marie Hélène"),
        ("St. Clair", "St. Clair"),
        ("Œuvray-Ñúñez", "Œuvray-Ñúñez"),
        ("E\u0301lise", "Élise"),  # decomposed input is stored NFC
        ("a" * 80, "a" * 80),
    ],
)
def test_names_with_accents_hyphens_apostrophes_are_accepted(raw, expected):
    assert clean_name(raw, "prénom") == expected


@pytest.mark.parametrize(
    "raw",
    [
        "<b>Bob</b>",
        "<script>alert(1)</script>",
        "Bob1",
        "Robert; DROP TABLE",
        "Bob_",
        "Bob@home",
        "Bob & Co",
    ],
)
def test_names_with_html_digits_or_symbols_are_refused(raw):
    with pytest.raises(ValidationError) as err:
        clean_name(raw, "prénom")
    assert err.value.message == (
        "Le prénom ne peut contenir que des lettres, espaces, tirets et apostrophes."
    )
    assert err.value.field == "first_name"


@pytest.mark.parametrize("raw", ["Bob\x00", "Bo\tb", "Bob\n", "Bo\u200bb", "Bob\u202e"])
def test_names_with_control_or_invisible_characters_are_refused(raw):
    with pytest.raises(ValidationError, match="Le nom contient des caractères invisibles") as err:
        clean_name(raw, "nom")
    assert err.value.field == "last_name"


def test_empty_overlong_and_punctuation_only_names():
    with pytest.raises(ValidationError, match="Le nom est obligatoire."):
        clean_name("   ", "nom")
    with pytest.raises(ValidationError, match=r"Le prénom est trop long \(80 caractères au plus\)"):
        clean_name("a" * 81, "prénom")
    with pytest.raises(ValidationError, match="au moins une lettre"):
        clean_name("- '.", "nom")
    with pytest.raises(ValidationError, match="^Le nom du tuteur ne peut"):
        clean_name("<i>", "nom du tuteur", field="tutor_name")


def test_create_user_cleans_names_and_refuses_overlong_ones(session):
    with pytest.raises(ValidationError) as err:
        new_user(session, last_name="<script>x</script>")
    assert err.value.field == "last_name"
    with pytest.raises(ValidationError, match="trop long"):
        new_user(session, first_name="Z" * 81)
    user = new_user(session, first_name="  Anne-Sophie ", last_name="d’Estienne")
    assert (user.first_name, user.last_name) == ("Anne-Sophie", "d’Estienne")
    assert session.execute(select(User).where(User.id == user.id)).scalar_one() is user


# --------------------------------------------------------------------------------- login


def test_login_ok(session):
    user = new_user(session)
    t0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
    logged, token = login(session, " ALICE.martin@example.fr", PASSWORD, now=t0)
    assert logged.id == user.id
    assert reload(session, user.id).last_login_at == t0
    assert user_for_token(session, token, now=t0).id == user.id


def test_wrong_password_and_unknown_email_give_the_same_message(session):
    new_user(session)
    with pytest.raises(ValidationError) as wrong:
        authenticate(session, "alice.martin@example.fr", "pas-le-bon-mot-de-passe")
    with pytest.raises(ValidationError) as unknown:
        authenticate(session, "personne@example.fr", PASSWORD)
    with pytest.raises(ValidationError) as malformed:
        authenticate(session, "pas une adresse", PASSWORD)
    messages = {wrong.value.message, unknown.value.message, malformed.value.message}
    assert messages == {BAD_CREDENTIALS}
    assert wrong.value.field is unknown.value.field is None


def test_unknown_email_still_runs_a_bcrypt_check(session, monkeypatch):
    new_user(session)
    calls: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", spy)
    with pytest.raises(ValidationError, match=BAD_CREDENTIALS):
        authenticate(session, "inconnu@example.fr", PASSWORD)
    assert calls == [passwords.dummy_hash().encode("ascii")]


def test_wrong_password_counts_failures_and_success_resets(session):
    user = new_user(session)
    for _ in range(3):
        with pytest.raises(ValidationError, match=BAD_CREDENTIALS):
            authenticate(session, user.email, "mauvais-mot-de-passe")
    assert reload(session, user.id).failed_logins == 3
    authenticate(session, user.email, PASSWORD)
    assert reload(session, user.id).failed_logins == 0


def test_lock_after_eight_failures_for_fifteen_minutes(session):
    user = new_user(session)
    t0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
    for _ in range(7):
        with pytest.raises(ValidationError, match=BAD_CREDENTIALS):
            authenticate(session, user.email, "mauvais-mot-de-passe", now=t0)
    with pytest.raises(AccountLocked) as err:
        authenticate(session, user.email, "mauvais-mot-de-passe", now=t0)
    assert err.value.message == (
        "Compte verrouillé après trop de tentatives. Réessayez dans 15 minutes."
    )
    # the lock was committed although an error was raised
    assert reload(session, user.id).locked_until == t0 + dt.timedelta(minutes=15)

    # the right password does not open a locked account
    with pytest.raises(AccountLocked, match="Réessayez dans 5 minutes."):
        login(session, user.email, PASSWORD, now=t0 + dt.timedelta(minutes=10))
    with pytest.raises(AccountLocked, match="Réessayez dans 1 minute."):
        authenticate(session, user.email, PASSWORD, now=t0 + dt.timedelta(minutes=14, seconds=30))
    assert session.execute(select(AuthSession)).first() is None

    # 15 minutes later it opens again, and the counter is clean
    logged, token = login(session, user.email, PASSWORD, now=t0 + dt.timedelta(minutes=15))
    assert logged.id == user.id and token
    fresh = reload(session, user.id)
    assert fresh.failed_logins == 0 and fresh.locked_until is None


def test_disabled_and_unconfirmed_accounts_have_their_own_message(session):
    disabled = new_user(session, email="off@example.fr", status=UserStatus.DISABLED)
    pending = new_user(
        session, email="wait@example.fr", status=UserStatus.PENDING_EMAIL, confirmed=False
    )
    # wrong password: still the generic message (nothing is revealed before the password is right)
    for user in (disabled, pending):
        with pytest.raises(ValidationError, match=BAD_CREDENTIALS):
            authenticate(session, user.email, "mauvais-mot-de-passe")
    with pytest.raises(PermissionDenied, match="Ce compte a été désactivé"):
        login(session, disabled.email, PASSWORD)
    with pytest.raises(PermissionDenied, match="pas encore confirmée"):
        login(session, pending.email, PASSWORD)
    assert session.execute(select(AuthSession)).first() is None


# --------------------------------------------------------------------------------- tokens


def test_token_is_stored_hashed(session):
    user = new_user(session)
    token = open_session(session, user.id)
    assert len(token) >= 40
    rows = session.execute(select(AuthSession)).scalars().all()
    assert len(rows) == 1
    assert rows[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(v) for v in rows[0].model_dump().values()}
    assert user_for_token(session, token).id == user.id
    assert open_session(session, user.id) != token  # random each time


def test_token_expiry(session):
    user = new_user(session)
    t0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
    token = open_session(session, user.id, now=t0)
    assert user_for_token(session, token, now=t0 + dt.timedelta(hours=11, minutes=59)) is not None
    assert user_for_token(session, token, now=t0 + dt.timedelta(hours=12)) is None


def test_unknown_or_empty_token(session):
    new_user(session)
    assert user_for_token(session, None) is None
    assert user_for_token(session, "") is None
    assert user_for_token(session, "n'importe-quoi") is None
    assert user_for_token(session, "x" * 5000) is None


def test_logout_revokes_and_is_idempotent(session):
    user = new_user(session)
    token = open_session(session, user.id)
    other = open_session(session, user.id)
    logout(session, token)
    assert user_for_token(session, token) is None
    revoked = session.execute(
        select(AuthSession).where(AuthSession.token_hash == accounts.hash_token(token))
    ).scalar_one()
    first_revocation = revoked.revoked_at
    assert first_revocation is not None
    logout(session, token)
    logout(session, None)
    logout(session, "inconnu")
    session.refresh(revoked)
    assert revoked.revoked_at == first_revocation
    assert user_for_token(session, other).id == user.id  # the other device stays logged in


def test_disabled_or_unconfirmed_user_loses_its_sessions(session):
    user = new_user(session)
    token = open_session(session, user.id)
    user.status = UserStatus.DISABLED.value
    session.commit()
    assert user_for_token(session, token) is None
    user.status = UserStatus.PENDING_EMAIL.value
    session.commit()
    assert user_for_token(session, token) is None
    user.status = UserStatus.ACTIVE.value
    session.commit()
    assert user_for_token(session, token).id == user.id


def test_last_seen_is_refreshed_at_most_once_a_minute(session):
    user = new_user(session)
    t0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
    token = open_session(session, user.id, now=t0)

    def last_seen():
        return session.execute(
            select(AuthSession.last_seen_at).execution_options(populate_existing=True)
        ).scalar_one()

    user_for_token(session, token, now=t0 + dt.timedelta(seconds=30))
    assert last_seen() == t0
    user_for_token(session, token, now=t0 + dt.timedelta(seconds=61))
    assert last_seen() == t0 + dt.timedelta(seconds=61)


# --------------------------------------------------------------------------------- mail


def test_queue_mail_dedupes_and_logs(session, caplog):
    caplog.set_level(logging.INFO, logger="stages_app.mail")
    first = queue_mail(
        session,
        to="alice@example.fr",
        subject="Bienvenue",
        body="Lien : /x?jeton=abc",
        kind="welcome",
        dedupe_key="welcome:1",
    )
    again = queue_mail(
        session,
        to="alice@example.fr",
        subject="Bienvenue",
        body="Lien : /x?jeton=abc",
        kind="welcome",
        dedupe_key="welcome:1",
    )
    session.commit()
    assert again is first
    assert len(session.execute(select(OutboxMail)).all()) == 1
    assert "alice@example.fr" in caplog.text and "Bienvenue" in caplog.text
    assert "/x?jeton=abc" in caplog.text


def test_datetimes_are_aware_utc(session):
    user = new_user(session)
    assert user.created_at.utcoffset() == dt.timedelta(0)
    naive = dt.datetime(2025, 3, 3, 9, 0)  # a naive ``now=`` is read as UTC
    token = open_session(session, user.id, now=naive)
    assert user_for_token(session, token, now=naive) is not None
    assert abs((utcnow() - user.created_at).total_seconds()) < 60
