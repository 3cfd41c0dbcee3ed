"""Password hashing (bcrypt) and the server-side password policy."""

from __future__ import annotations

import functools

import bcrypt

from stages_app import settings
from stages_app.services.errors import ValidationError
from stages_app.services.text import fix_surrogates

MAX_PASSWORD_BYTES = 72  # bcrypt ignores anything longer; we refuse it instead


def _utf8(password: str | None) -> bytes:
    """A password's bytes: kept exactly as typed, except a lone UTF-16 surrogate (which a
    forged request may send and UTF-8 cannot encode), replaced with U+FFFD the same way when
    the password is chosen and when it is checked."""
    return fix_surrogates(password).encode("utf-8")


def check_password_policy(password: str) -> None:
    if len(password or "") < settings.PASSWORD_MIN_LENGTH:
        raise ValidationError(
            f"Le mot de passe doit contenir au moins {settings.PASSWORD_MIN_LENGTH} caractères.",
            field="password",
        )
    if len(_utf8(password)) > MAX_PASSWORD_BYTES:
        raise ValidationError(
            "Le mot de passe est trop long (72 octets au plus).", field="password"
        )
    if not password.strip():
        raise ValidationError(
            "Le mot de passe ne peut pas être fait que d'espaces.", field="password"
        )


def hash_password(password: str) -> str:
    hashed = bcrypt.hashpw(_utf8(password), bcrypt.gensalt(rounds=settings.BCRYPT_ROUNDS))
    return hashed.decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        pw = _utf8(password)[:MAX_PASSWORD_BYTES]
        return bcrypt.checkpw(pw, password_hash.encode("ascii"))
    except ValueError:
        return False


@functools.cache
def dummy_hash() -> str:
    """A real hash of the same cost, checked when the e-mail is unknown (constant-time login)."""
    return hash_password("dummy-password-for-timing")
