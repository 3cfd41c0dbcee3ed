"""State tests: handlers called directly on real state instances, against a SQLite file."""

from __future__ import annotations

import pytest
from reflex.istate.data import RouterData
from reflex.state import State
from sqlmodel import Session

from stages_app.states import auth as auth_state


@pytest.fixture
def db_engine(sqlite_engine, monkeypatch):
    """Point every state's ``db()`` at the test database."""
    monkeypatch.setattr(auth_state, "get_engine", lambda: sqlite_engine)
    return sqlite_engine


@pytest.fixture
def db_session(db_engine):
    with Session(db_engine, expire_on_commit=False) as s:
        yield s


def make_state(state_cls, path: str = "/", token: str = ""):
    """A fresh state tree as after a page load on ``path`` (query string allowed)."""
    root = State(_reflex_internal_init=True)
    pathname = path.split("?", 1)[0]
    root.router = RouterData.from_router_data(
        {"pathname": pathname, "asPath": path, "headers": {"origin": "http://localhost:3000"}}
    )
    state = root.get_substate(state_cls.get_full_name().split("."))
    auth = root.get_substate(auth_state.AuthState.get_full_name().split("."))
    auth.token = token
    return state


def call(state, handler, *args):
    """Run an event handler's function on ``state``; returns what it returned."""
    return handler.fn(state, *args)


def redirect_target(result) -> str | None:
    """The path of an rx.redirect(...) event spec returned by a handler, if any."""
    if result is None:
        return None
    specs = result if isinstance(result, list) else [result]
    for spec in specs:
        for name, value in getattr(spec, "args", ()):
            if getattr(name, "_js_expr", str(name)) == "path":
                return str(getattr(value, "_var_value", value)).strip('"')
    return None
