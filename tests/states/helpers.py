"""Shared tools for the state tests: log people of the synthetic world in, compare the database
before/after a refused call, and scan what a state would send to the browser."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import secrets

import pytest
from sqlmodel import Session, select

from stages_app import settings
from stages_app.models import AuthSession, Invitation, StaffMembership, User, utcnow
from stages_app.services import accounts
from stages_app.states.base import GENERIC_ERROR
from tests.states.conftest import call, make_state, redirect_target
from tests.unit.school_helpers import build_world, snapshot

LOGIN_PREFIX = "/connexion"
FORBIDDEN = "/acces-refuse"

# Values a forged websocket call may send where the page sends an id.
FORGED_IDS = [
    "abc",
    None,
    -1,
    0,
    2**31,
    2**80,
    True,
    False,
    3.5,
    "1 OR 1=1",
    [1],
    {"id": 1},
    "",
    " 1e3 ",
]


def tokens(session: Session, world) -> dict[str, str]:
    """A login token for every person of the world (as ``accounts.open_session``, one commit)."""
    now = utcnow()
    result = {}
    for key, user in world.users.items():
        result[key] = secrets.token_urlsafe(32)
        session.add(
            AuthSession(
                token_hash=accounts.hash_token(result[key]),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + dt.timedelta(hours=settings.SESSION_TTL_HOURS),
            )
        )
    session.commit()
    return result


@pytest.fixture(name="world")
def world_fixture(db_session):
    """The two-collège world of tests.unit.school_helpers, and a token for anyone in it."""
    w = build_world(db_session)
    return w, tokens(db_session, w)


def browser_text(state) -> str:
    """Everything the browser may receive from ``state`` and the states it inherits from
    (public vars, computed vars), as one JSON text."""
    chunks = []
    current = state
    while current is not None:
        chunks.append(json.dumps(current.dict(), default=repr, ensure_ascii=False))
        current = current.parent_state
        if current is not None and current.parent_state is None:
            break  # the root state holds every page: only our own chain matters
    return "\n".join(chunks)


def secrets_of(session: Session) -> list[str]:
    """Every stored secret: password hashes, session token hashes, invitation token hashes."""
    session.expire_all()
    values = [u.password_hash for u in session.exec(select(User)).all()]
    values += [a.token_hash for a in session.exec(select(AuthSession)).all()]
    values += [i.token_hash for i in session.exec(select(Invitation)).all()]
    return [v for v in values if v]


def other_school_emails(session: Session, school_id: int) -> list[str]:
    """E-mails of staff of every other school (never shown to this school)."""
    rows = session.exec(
        select(User.email)
        .join(StaffMembership, StaffMembership.user_id == User.id)
        .where(StaffMembership.school_id != school_id)
    ).all()
    return list(rows)


def assert_nothing_private(
    state, session: Session, *, school_id: int | None = None, forbidden: tuple[str, ...] = ()
) -> None:
    text = browser_text(state)
    assert "$2b$" not in text, "a bcrypt hash reaches the browser"
    for secret in secrets_of(session):
        assert secret not in text, "a stored secret reaches the browser"
    if school_id is not None:
        for email in other_school_emails(session, school_id):
            assert email not in text, f"{email} (another school) reaches the browser"
    for value in forbidden:
        assert value not in text, f"{value!r} reaches the browser"


def refused(result, state) -> bool:
    """A refused call: a redirect to login or 403, or a French error on the page."""
    assert getattr(state, "error", "") != GENERIC_ERROR, "an unexpected exception was swallowed"
    target = redirect_target(result) or ""
    if target.startswith(LOGIN_PREFIX) or target == FORBIDDEN:
        return True
    return bool(getattr(state, "error", "")) and not getattr(state, "message", "")


@contextlib.contextmanager
def unchanged(session: Session):
    """The database must hold exactly the same rows after the block."""
    before = snapshot(session)
    yield
    assert snapshot(session) == before, "a refused call changed the database"


def forged(state_cls, path: str, token: str, handler, *args):
    """Call ``handler`` on a fresh state as a forged websocket request would: it must not raise
    and must be refused (redirect to login / 403, or a French error). Returns the state."""
    state = make_state(state_cls, path, token)
    result = call(state, handler, *args)
    assert refused(result, state), (handler.fn.__name__, args, getattr(state, "error", ""), result)
    return state


def assert_refused_and_unchanged(
    session: Session, state_cls, path: str, token: str, handler, *args
):
    """``forged`` for one call, checking the database is untouched."""
    with unchanged(session):
        return forged(state_cls, path, token, handler, *args)


__all__ = [
    "FORBIDDEN",
    "FORGED_IDS",
    "LOGIN_PREFIX",
    "assert_nothing_private",
    "assert_refused_and_unchanged",
    "browser_text",
    "forged",
    "unchanged",
    "refused",
    "tokens",
    "world_fixture",
]
