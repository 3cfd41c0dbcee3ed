"""Server-pushed live updates through the real page states (stages_app/live.py), without a
server: two browser tabs are two state trees with their own client token; the registry is the
in-process one; ``publish`` is captured; the push fan-out (``live._push``) runs against a fake
app whose ``modify_state`` hands out the tab's state, as Reflex's does.

World: tests.unit.school_helpers.build_world (class A: "Attente" waiting for the parental
authorisation, "Autorisée", "Ouvert")."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from reflex.istate.data import RouterData
from sqlmodel import Session, select

from stages_app import live
from stages_app.models import PupilProfile
from stages_app.services import live as live_topics
from stages_app.services import pupils
from stages_app.services.access import Viewer
from stages_app.services.live import Changes
from stages_app.services.schools import paris_today
from stages_app.states.class_page import ClassPageState
from stages_app.states.dashboards import SchoolDashboardState
from tests.states.conftest import call, make_state
from tests.states.helpers import world_fixture  # noqa: F401 - the ``world`` fixture

CLASS_PAGE = ClassPageState.get_full_name()


def _tab(state_cls, path: str, token: str, tab: str):
    """A page opened in a browser tab whose Reflex client token is ``tab``."""
    state = make_state(state_cls, path, token)
    root = state
    while root.parent_state is not None:
        root = root.parent_state
    pathname = path.split("?", 1)[0]
    root.router = RouterData.from_router_data(
        {
            "pathname": pathname,
            "asPath": path,
            "token": tab,
            "headers": {"origin": "http://localhost:3000"},
        }
    )
    return state


def _class_path(w) -> str:
    return f"/etablissement/classe?id={w.classes['class_a'].id}"


def _badge(state, last_name: str) -> str:
    return next(r.best_label for r in state.rows if r.last_name == last_name)


@pytest.fixture
def published(monkeypatch):
    """A fresh in-process registry, and every ``publish(changes)`` of the handlers, in order."""
    monkeypatch.setattr(live, "_registry", live.MemoryRegistry())
    calls: list[Changes] = []
    monkeypatch.setattr(live, "publish", calls.append)
    return calls


def test_a_change_in_one_tab_reaches_the_other_tab_following_the_class(
    db_session, world, published
):
    w, tok = world
    teacher = _tab(ClassPageState, _class_path(w), tok["pp_granted"], "tab-teacher")
    call(teacher, ClassPageState.load)
    topic = live_topics.class_topic(w.classes["class_a"].id)
    assert live.registry().watchers({topic}) == {("tab-teacher", CLASS_PAGE)}
    assert _badge(teacher, "Attente") == "Autorisation attendue"
    assert not any(published), "a page load changes nothing: nothing to push"

    principal = _tab(ClassPageState, _class_path(w), tok["principal_a"], "tab-principal")
    call(principal, ClassPageState.load)
    call(principal, ClassPageState.toggle, w.uid("pupil_waiting"), True)
    published.clear()
    call(principal, ClassPageState.record_authorisation)
    assert principal.error == "" and principal.message

    changes = [c for c in published if c]
    assert len(changes) == 1 and changes[0].pupil_ids == {w.uid("pupil_waiting")}
    topics = live_topics.topics_for(db_session, changes[0])
    assert topic in topics
    assert live.registry().watchers(topics) == {
        ("tab-teacher", CLASS_PAGE),
        ("tab-principal", CLASS_PAGE),
    }

    # the push: the teacher's tab re-reads its rows; what the teacher had on screen stays
    teacher.message = "Message que l'enseignant lit"
    teacher.selected = [w.uid("pupil_open")]
    assert _badge(teacher, "Attente") == "Autorisation attendue"
    teacher._live_refresh()
    assert _badge(teacher, "Attente") == "Accès à ouvrir"
    assert teacher.message == "Message que l'enseignant lit"
    assert teacher.selected == [w.uid("pupil_open")]


def test_a_tab_that_changes_page_no_longer_follows_the_old_class(db_session, world, published):
    w, tok = world
    tab = _tab(ClassPageState, _class_path(w), tok["principal_a"], "tab-1")
    call(tab, ClassPageState.load)
    other = w.classes["class_c"].id
    tab.router = RouterData.from_router_data(
        {
            "pathname": "/etablissement/classe",
            "asPath": f"/etablissement/classe?id={other}",
            "token": "tab-1",
            "headers": {"origin": "http://localhost:3000"},
        }
    )
    call(tab, ClassPageState.load)
    assert tab.class_id == other and tab.class_name == "3e C"
    assert live.registry().watchers({live_topics.class_topic(w.classes["class_a"].id)}) == set()
    assert live.registry().watchers({live_topics.class_topic(other)}) == {("tab-1", CLASS_PAGE)}


def test_a_refused_page_watches_nothing(db_session, world, published):
    w, tok = world
    tab = _tab(ClassPageState, _class_path(w), tok["principal_b"], "tab-intruder")
    call(tab, ClassPageState.load)
    assert tab.rows == []
    assert live.registry().watchers({live_topics.class_topic(w.classes["class_a"].id)}) == set()


class _FakeTokens:
    def __init__(self, connected: set[str]):
        self.connected = connected

    async def is_token_connected(self, token: str) -> bool:
        return token in self.connected


class _FakeApp:
    """What ``live._refresh`` uses of Reflex's App: the connected tokens and modify_state."""

    def __init__(self, tabs: dict[str, object], connected: set[str]):
        self.tabs = tabs
        self.event_namespace = type("NS", (), {"_token_manager": _FakeTokens(connected)})()
        self.modified: list[str] = []

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        self.modified.append(token.ident)
        state = self.tabs[token.ident]

        class _Root:
            async def get_state(self, cls):
                assert cls is type(state)
                return state

        yield _Root()


def test_the_push_refreshes_connected_tabs_and_forgets_closed_ones(
    db_engine, db_session, world, published, monkeypatch
):
    w, tok = world
    teacher = _tab(ClassPageState, _class_path(w), tok["pp_granted"], "tab-teacher")
    call(teacher, ClassPageState.load)
    closed = _tab(ClassPageState, _class_path(w), tok["principal_a"], "tab-closed")
    call(closed, ClassPageState.load)
    board = _tab(SchoolDashboardState, "/etablissement/suivi", tok["principal_a"], "tab-board")
    call(board, SchoolDashboardState.load)
    assert board.loaded
    app = _FakeApp(
        {"tab-teacher": teacher, "tab-closed": closed, "tab-board": board},
        connected={"tab-teacher", "tab-board"},
    )
    monkeypatch.setattr(live, "_app", lambda: app)
    monkeypatch.setattr(live, "get_engine", lambda: db_engine)

    # the parental authorisation of "Attente" is recorded elsewhere (another worker, a script)
    with Session(db_engine, expire_on_commit=False) as s:
        changes = live_topics.track(s)
        principal = Viewer.of(w.users["principal_a"])
        pupils.record_authorisation(s, principal, [w.uid("pupil_waiting")], paris_today())
    assert changes.pupil_ids == {w.uid("pupil_waiting")}

    waiting_before = board.totals[0].waiting_authorisation
    asyncio.run(live._push(changes))
    assert sorted(app.modified) == ["tab-board", "tab-teacher"]  # the closed tab is not opened
    assert _badge(teacher, "Attente") == "Accès à ouvrir"
    assert board.totals[0].waiting_authorisation == waiting_before - 1
    assert _badge(closed, "Attente") == "Autorisation attendue"
    # the closed tab left the registry; the others still follow their topics
    topic = live_topics.class_topic(w.classes["class_a"].id)
    assert live.registry().watchers({topic}) == {("tab-teacher", CLASS_PAGE)}


def test_nothing_committed_pushes_nothing(db_engine, world, published, monkeypatch):
    w, _tok = world
    with Session(db_engine, expire_on_commit=False) as s:
        changes = live_topics.track(s)
        profile = s.exec(
            select(PupilProfile).where(PupilProfile.user_id == w.uid("pupil_waiting"))
        ).one()
        profile.authorisation_received_on = None
        s.add(profile)
        s.flush()
        s.rollback()
    assert not changes and changes.pupil_ids == set()
