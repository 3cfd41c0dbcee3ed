"""Accounts: input cleaning, user creation, login with lock-out, opaque session tokens.

Conventions (see ARCHITECTURE.md): plain functions taking a ``Session``; a function that changes
data validates first, writes, then commits itself; errors are ``DomainError`` subclasses whose
``message`` is a French sentence shown as is. Datetimes are aware UTC (``models.utcnow``); every
function that depends on the clock takes ``now=`` so tests can travel in time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import secrets
import unicodedata

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from stages_app import settings
from stages_app.models import AuthSession, Role, User, UserStatus, stored_id, utcnow
from stages_app.services import passwords
from stages_app.services.errors import AccountLocked, Conflict, PermissionDenied, ValidationError
from stages_app.services.text import fix_surrogates

__all__ = [
    "BAD_CREDENTIALS",
    "DUPLICATE_EMAIL",
    "authenticate",
    "clean_name",
    "create_user",
    "hash_token",
    "login",
    "logout",
    "normalize_email",
    "open_session",
    "user_for_token",
]

BAD_CREDENTIALS = "E-mail ou mot de passe incorrect."
DUPLICATE_EMAIL = "Un compte existe déjà avec cette adresse e-mail."
EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 80
LAST_SEEN_REFRESH = dt.timedelta(minutes=1)

# ---------------------------------------------------------------------------------------------
# Clock and token helpers
# ---------------------------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    """Aware UTC "now" (a naive datetime is taken as UTC, so callers may pass either)."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        return now.replace(tzinfo=dt.UTC)
    return now.astimezone(dt.UTC)


def hash_token(token: str) -> str:
    """SHA-256 hex of a raw token: what the database stores instead of the token itself. A
    forged token (from the browser's storage or a link) may hold anything: it is hashed as
    cleaned text, and matches nothing."""
    return hashlib.sha256(fix_surrogates(token).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------
# Input cleaning
# ---------------------------------------------------------------------------------------------

# Local part: the usual "atext" characters with single dots between them (no quoted forms).
_EMAIL_LOCAL = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
# Domain: dot-separated labels (letters, digits, inner hyphens), alphabetic TLD of 2+ letters.
_EMAIL_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_EMAIL_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


def normalize_email(raw: str) -> str:
    """Trim, NFC-normalise and lower-case an e-mail address; refuse malformed ones.

    >>> normalize_email("  Jean.Dupont@AC-Creteil.FR ")
    'jean.dupont@ac-creteil.fr'
    """
    value = unicodedata.normalize("NFC", fix_surrogates(raw)).strip().lower()
    if not value:
        raise ValidationError("Indiquez votre adresse e-mail.", field="email")
    if len(value) > EMAIL_MAX_LENGTH:
        raise ValidationError(
            f"L'adresse e-mail est trop longue ({EMAIL_MAX_LENGTH} caractères au plus).",
            field="email",
        )
    invalid = ValidationError(
        "L'adresse e-mail n'est pas valide. Vérifiez-la (exemple : prenom.nom@exemple.fr).",
        field="email",
    )
    if value.count("@") != 1:
        raise invalid
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _EMAIL_LOCAL.match(local):
        raise invalid
    labels = domain.split(".")
    if len(labels) < 2 or not all(_EMAIL_LABEL.match(label) for label in labels):
        raise invalid
    if not _EMAIL_TLD.match(labels[-1]):
        raise invalid
    return value


_NAME_FIELDS = {"prénom": "first_name", "nom": "last_name"}
_APOSTROPHES = "'’"
_NAME_PUNCTUATION = " -.'’"


def _subject(label: str) -> str:
    """'prénom' -> 'Le prénom'; 'identité' -> "L'identité"; 'Le nom du tuteur' is kept."""
    label = label.strip()
    lowered = label.lower()
    if lowered.startswith(("le ", "la ", "les ", "l'", "l’")):
        return label[:1].upper() + label[1:]
    first = unicodedata.normalize("NFKD", lowered[:1])[:1]
    if first and first in "aeiouyh":
        return f"L'{label}"
    return f"Le {label}"


def clean_name(raw: str, label: str, *, field: str | None = None) -> str:
    """A person's first or last name: 1–80 characters, letters (any accent), spaces, hyphens,
    apostrophes (' and ’) and dots. Inner runs of spaces are collapsed.

    ``label`` names the field in messages ("prénom" -> "Le prénom ..."); ``field`` is the form
    field set on the error (defaults: "prénom" -> first_name, "nom" -> last_name).
    """
    field = field or _NAME_FIELDS.get(label.strip().lower())
    subject = _subject(label)
    value = unicodedata.normalize("NFC", fix_surrogates(raw))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in value if c != " "):
        # Control, format (zero-width, bidi override), surrogate and private-use characters.
        # Tabs and newlines are refused too: a name is typed on one line.
        raise ValidationError(
            f"{subject} contient des caractères invisibles ou de contrôle : retapez-le.",
            field=field,
        )
    value = " ".join(value.split())
    if not value:
        raise ValidationError(f"{subject} est obligatoire.", field=field)
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"{subject} est trop long ({NAME_MAX_LENGTH} caractères au plus).", field=field
        )
    if not all(c.isalpha() or c in _NAME_PUNCTUATION for c in value):
        raise ValidationError(
            f"{subject} ne peut contenir que des lettres, espaces, tirets et apostrophes.",
            field=field,
        )
    if not any(c.isalpha() for c in value):
        raise ValidationError(f"{subject} doit contenir au moins une lettre.", field=field)
    return value


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


def _email_taken(session: Session, email: str) -> bool:
    # Every write goes through normalize_email, so plain equality finds any case and uses the
    # unique index (the index itself is the last line against races).
    stmt = select(col(User.id)).where(col(User.email) == email).limit(1)
    return session.execute(stmt).first() is not None


def is_duplicate_email_error(exc: IntegrityError) -> bool:
    """True when an IntegrityError comes from the unique e-mail of ``app_user``."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "email" in text and ("app_user" in text or "unique" in text or "duplicate" in text)


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: Role | str,
    first_name: str,
    last_name: str,
    status: UserStatus | str = UserStatus.ACTIVE,
    confirmed: bool = True,
) -> User:
    """Validate and add a user, then flush (no commit: used inside the sign-up units of work).

    Raises ValidationError for bad input, Conflict(field="email") when the address is taken
    (any case). On a concurrent duplicate the flush fails: the session is rolled back and the
    same Conflict is raised.
    """
    role_value = Role(role).value  # ValueError: a programming error, not user input
    status_value = UserStatus(status).value

    email = normalize_email(email)
    first_name = clean_name(first_name, "prénom")
    last_name = clean_name(last_name, "nom")
    passwords.check_password_policy(password)
    if _email_taken(session, email):
        raise Conflict(DUPLICATE_EMAIL, field="email")

    now = utcnow()
    user = User(
        email=email,
        password_hash=passwords.hash_password(password),
        role=role_value,
        first_name=first_name,
        last_name=last_name,
        status=status_value,
        email_confirmed_at=now if confirmed else None,
        created_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        if is_duplicate_email_error(exc):
            raise Conflict(DUPLICATE_EMAIL, field="email") from exc
        raise
    return user


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _locked_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return f"Compte verrouillé après trop de tentatives. Réessayez dans {minutes} {unit}."


def authenticate(
    session: Session, email: str, password: str, *, now: dt.datetime | None = None
) -> User:
    """Check an e-mail/password pair and return the user (committed bookkeeping).

    * unknown e-mail: a bcrypt check against a dummy hash still runs (same timing), then the
      same message as a wrong password;
    * locked account: AccountLocked, the password is not checked;
    * wrong password: ``failed_logins`` + 1 (atomic UPDATE); at LOGIN_MAX_FAILURES the account is
      locked for LOGIN_LOCK_MINUTES and the counter restarts, so 8 fresh tries follow the lock;
      committed before raising;
    * right password: counter reset; then disabled / unconfirmed accounts get their own message;
      otherwise ``last_login_at`` is set.
    """
    now = _now(now)
    normalized: str | None
    try:
        normalized = normalize_email(email)
    except ValidationError:
        normalized = None
    user: User | None = None
    if normalized is not None:
        user = session.execute(
            select(User)
            .where(col(User.email) == normalized)
            .execution_options(populate_existing=True)  # counters may have moved meanwhile
        ).scalar_one_or_none()

    if user is None:
        passwords.verify_password(password or "", passwords.dummy_hash())
        raise ValidationError(BAD_CREDENTIALS)

    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(_locked_message(_minutes_left(user.locked_until, now)))

    if not passwords.verify_password(password or "", user.password_hash):
        user_id = user.id
        session.execute(
            update(User)
            .where(col(User.id) == user_id)
            .values(failed_logins=col(User.failed_logins) + 1)
            .execution_options(synchronize_session=False)
        )
        failures: int = session.execute(
            select(col(User.failed_logins)).where(col(User.id) == user_id)
        ).scalar_one()
        locked = failures >= settings.LOGIN_MAX_FAILURES
        if locked:
            session.execute(
                update(User)
                .where(col(User.id) == user_id)
                .values(
                    locked_until=now + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES),
                    failed_logins=0,
                )
                .execution_options(synchronize_session=False)
            )
        session.commit()
        session.refresh(user)
        if locked:
            raise AccountLocked(_locked_message(settings.LOGIN_LOCK_MINUTES))
        raise ValidationError(BAD_CREDENTIALS)

    # The password is right: forget earlier failures whatever happens next.
    user.failed_logins = 0
    user.locked_until = None
    if user.status == UserStatus.DISABLED.value:
        session.commit()
        raise PermissionDenied(
            "Ce compte a été désactivé. Si vous pensez qu'il s'agit d'une erreur, "
            "contactez l'équipe de la plateforme."
        )
    if user.status == UserStatus.PENDING_EMAIL.value or user.email_confirmed_at is None:
        session.commit()
        raise PermissionDenied(
            "Votre adresse e-mail n'est pas encore confirmée. Ouvrez le lien de confirmation "
            "que nous vous avons envoyé par e-mail, puis connectez-vous."
        )
    user.last_login_at = now
    session.commit()
    session.refresh(user)
    return user


# ---------------------------------------------------------------------------------------------
# Sessions (opaque tokens)
# ---------------------------------------------------------------------------------------------


def open_session(session: Session, user_id: int, *, now: dt.datetime | None = None) -> str:
    """Create a login session and return the raw token (only its SHA-256 is stored)."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=hash_token(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.SESSION_TTL_HOURS),
            last_seen_at=now,
        )
    )
    session.commit()
    return token


def user_for_token(
    session: Session, token: str | None, *, now: dt.datetime | None = None
) -> User | None:
    """The active user behind a session token, or None (empty, unknown, expired, revoked token,
    or user not ACTIVE). ``last_seen_at`` is refreshed at most once a minute."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    now = _now(now)
    row = session.execute(
        select(AuthSession, User)
        .join(User, col(User.id) == AuthSession.user_id)
        .where(col(AuthSession.token_hash) == hash_token(token))
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    auth: AuthSession
    user: User
    auth, user = row
    if auth.revoked_at is not None or auth.expires_at <= now:
        return None
    if user.status != UserStatus.ACTIVE.value:
        return None
    if auth.last_seen_at is None or now - auth.last_seen_at >= LAST_SEEN_REFRESH:
        auth.last_seen_at = now
        session.commit()
        session.refresh(user)  # commit expired it: reload so the caller can read it anywhere
    return user


def logout(session: Session, token: str | None) -> None:
    """Revoke the session of this token (idempotent; unknown or empty tokens are ignored)."""
    if not token or not isinstance(token, str):
        return
    session.execute(
        update(AuthSession)
        .where(
            col(AuthSession.token_hash) == hash_token(token), col(AuthSession.revoked_at).is_(None)
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def login(
    session: Session, email: str, password: str, *, now: dt.datetime | None = None
) -> tuple[User, str]:
    """authenticate + open_session: the user and the raw token to keep in the browser."""
    user = authenticate(session, email, password, now=now)
    token = open_session(session, stored_id(user), now=now)
    session.refresh(user)
    return user, token
