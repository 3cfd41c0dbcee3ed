"""The registry of live watchers (``stages_app.live``): which browser tabs (client token, state)
follow which topics, in this process (``MemoryRegistry``) or in Redis (``RedisRegistry``, shared
by every backend worker) — the same behaviour from both. Then ``watch`` (only pushable states of
a connected tab), ``publish`` (in the background, never without an event loop, never for nothing)
and ``_push`` (the changes' topics fanned out to their watchers)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select
from sqlmodel import Session

from stages_app import live
from stages_app.live import KEY_PREFIX, MemoryRegistry, RedisRegistry
from stages_app.models import PupilProfile
from stages_app.services.live import (
    Changes,
    class_topic,
    organisation_topic,
    organisation_topic_of,
    pupil_topic,
    school_topic,
)
from tests.needs import need_redis
from tests.unit import application_helpers as ah

REDIS_URL = "redis://127.0.0.1:6379/9"
S = "reflex___state____state.stages_app___states___class_page____class_page_state"
D = "reflex___state____state.stages_app___states___dashboards____school_dashboard_state"


def _redis_client():
    need_redis(REDIS_URL)
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


@pytest.fixture(params=["memory", "redis"])
def kind(request):
    return request.param


@pytest.fixture
def redis_client(kind):
    if kind != "redis":
        yield None
        return
    yield from _flushed_redis()


@pytest.fixture
def redis_only():
    yield from _flushed_redis()


def _flushed_redis():
    client = _redis_client()
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def reg(kind, redis_client):
    return MemoryRegistry() if kind == "memory" else RedisRegistry(redis_client)


class Clock:
    """A fake ``time.time`` for ``stages_app.live`` (now: the real time, moved by hand)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(live.time, "time", fake)
    return fake


# ---------------------------------------------------------------------------------------------
# The registry: the same behaviour in memory and in Redis
# ---------------------------------------------------------------------------------------------


def test_watch_then_watchers(reg):
    assert reg.watchers({class_topic(1)}) == set()  # nobody yet
    reg.watch("tab-1", S, {class_topic(1), school_topic(1)})
    assert reg.watchers({class_topic(1)}) == {("tab-1", S)}
    assert reg.watchers({school_topic(1)}) == {("tab-1", S)}
    assert reg.watchers({class_topic(2)}) == set()
    assert reg.watchers({pupil_topic(1)}) == set()  # another kind of topic, same id
    assert reg.watchers(set()) == set()
    assert reg.watchers([class_topic(1)]) == {("tab-1", S)}  # any iterable of topics


def test_two_tabs_on_one_topic_and_two_states_of_one_tab(reg):
    reg.watch("tab-1", S, {class_topic(1)})
    reg.watch("tab-2", S, {class_topic(1)})
    reg.watch("tab-1", D, {school_topic(1), class_topic(1)})
    assert reg.watchers({class_topic(1)}) == {("tab-1", S), ("tab-2", S), ("tab-1", D)}
    assert reg.watchers({school_topic(1)}) == {("tab-1", D)}
    # each (tab, state) is its own watcher: re-watching one leaves the others alone
    reg.watch("tab-1", S, {class_topic(2)})
    assert reg.watchers({class_topic(1)}) == {("tab-2", S), ("tab-1", D)}


def test_watching_new_topics_replaces_the_old_ones(reg):
    a, b, school = class_topic(1), class_topic(2), school_topic(1)
    reg.watch("tab-1", S, {a, school})
    reg.watch("tab-2", S, {a})
    reg.watch("tab-1", S, {b, school})  # the tab went from class A to class B
    assert reg.watchers({a}) == {("tab-2", S)}  # no longer pushed for A
    assert reg.watchers({b}) == {("tab-1", S)}
    assert reg.watchers({school}) == {("tab-1", S)}  # kept: still followed
    reg.watch("tab-1", S, set())  # a page following nothing
    assert reg.watchers({a, b, school}) == {("tab-2", S)}


def test_watchers_of_several_topics_is_the_union(reg):
    reg.watch("tab-1", S, {class_topic(1), school_topic(1)})
    reg.watch("tab-2", S, {class_topic(2)})
    reg.watch("tab-3", D, {school_topic(2)})
    found = reg.watchers(
        [class_topic(1), school_topic(1), class_topic(2), class_topic(3), class_topic(1)]
    )
    assert isinstance(found, set)
    assert found == {("tab-1", S), ("tab-2", S)}
    assert reg.watchers({organisation_topic(5)}) == set()


def test_forget(reg, redis_client):
    reg.watch("tab-1", S, {class_topic(1), school_topic(1)})
    reg.watch("tab-2", S, {class_topic(1)})
    reg.forget("tab-1", S)
    assert reg.watchers({class_topic(1), school_topic(1)}) == {("tab-2", S)}
    reg.forget("tab-1", S)  # twice: nothing to do
    reg.forget("never-seen", D)
    reg.watch("tab-1", S, {school_topic(1)})  # the tab comes back
    assert reg.watchers({class_topic(1), school_topic(1)}) == {("tab-1", S), ("tab-2", S)}
    reg.forget("tab-1", S)
    reg.forget("tab-2", S)
    assert reg.watchers({class_topic(1), school_topic(1)}) == set()
    if redis_client is not None:  # nothing left behind in Redis
        assert redis_client.keys(KEY_PREFIX + "*") == []


def test_entries_expire_unless_renewed(reg, clock):
    reg.watch("tab-1", S, {class_topic(1), school_topic(1)})
    reg.watch("tab-2", S, {class_topic(1)})
    clock.advance(live.WATCH_TTL - 10)
    assert reg.watchers({class_topic(1)}) == {("tab-1", S), ("tab-2", S)}  # not yet
    reg.watch("tab-2", S, {class_topic(1)})  # the page read its rows again: renewed
    clock.advance(20)  # tab-1 is now past its TTL, tab-2 is not
    assert reg.watchers({class_topic(1)}) == {("tab-2", S)}
    assert reg.watchers({school_topic(1)}) == set()
    clock.advance(live.WATCH_TTL)
    assert reg.watchers({class_topic(1), school_topic(1)}) == set()
    # an expired tab that comes back is watched again, for its new topics only
    reg.watch("tab-1", S, {class_topic(2)})
    assert reg.watchers({class_topic(1), class_topic(2), school_topic(1)}) == {("tab-1", S)}


def test_memory_registry_purges_tabs_closed_long_ago(clock):
    """A server running for weeks: expired tabs of topics nobody reads again are dropped."""
    reg = live.MemoryRegistry()
    for i in range(50):
        reg.watch(f"tab-{i}", S, {class_topic(i)})
    clock.advance(live.WATCH_TTL + 61)
    reg.watch("tab-new", S, {class_topic(999)})
    assert reg._topics == {
        class_topic(999): {("tab-new", S): pytest.approx(live.time.time() + live.WATCH_TTL)}
    }
    assert set(reg._watching) == {("tab-new", S)}


def test_shorter_ttl_is_honoured(reg, monkeypatch, clock):
    monkeypatch.setattr(live, "WATCH_TTL", 5)
    reg.watch("tab-1", S, {class_topic(1)})
    clock.advance(4)
    assert reg.watchers({class_topic(1)}) == {("tab-1", S)}
    clock.advance(2)
    assert reg.watchers({class_topic(1)}) == set()


def test_redis_keys_carry_a_ttl(redis_only):
    """Redis only: nothing is kept for ever if no worker ever reads a topic again."""
    reg = RedisRegistry(redis_only)
    reg.watch("tab-1", S, {class_topic(1)})
    keys = sorted(k.decode() for k in redis_only.keys(KEY_PREFIX + "*"))
    assert keys == [KEY_PREFIX + "topic:class:1", KEY_PREFIX + "watcher:tab-1|" + S]
    for key in keys:
        assert 0 < redis_only.ttl(key) <= live.WATCH_TTL
    # a registry of another worker (another client object) sees the same watchers
    other = RedisRegistry(_redis_client())
    assert other.watchers({class_topic(1)}) == {("tab-1", S)}
    other.forget("tab-1", S)
    assert reg.watchers({class_topic(1)}) == set()


# ---------------------------------------------------------------------------------------------
# watch(state, topics): only pushable states of a tab with a client token
# ---------------------------------------------------------------------------------------------


class _Router:
    def __init__(self, token: str) -> None:
        self.session = type("RouterSession", (), {"client_token": token})()


def _state_class(name: str):
    return type(name, (), {"get_full_name": classmethod(lambda cls: f"test.{name}")})


def _state(cls, token: str):
    obj = cls()
    obj.router = _Router(token)
    return obj


@pytest.fixture
def memory_registry(monkeypatch):
    reg = MemoryRegistry()
    monkeypatch.setattr(live, "_registry", reg)
    monkeypatch.setattr(live, "_STATES", {})
    return reg


def test_watch_registers_pushable_states_of_a_tab(memory_registry):
    Pushed = live.pushable(_state_class("Pushed"))
    Plain = _state_class("Plain")  # not decorated
    assert {"test.Pushed": Pushed} == live._STATES

    live.watch(_state(Pushed, "tab-1"), [class_topic(1), "", None, school_topic(1)])
    live.watch(_state(Plain, "tab-2"), [class_topic(1)])
    live.watch(_state(Pushed, ""), [class_topic(1)])  # no client token: nothing to push to
    assert memory_registry.watchers({class_topic(1), school_topic(1)}) == {("tab-1", "test.Pushed")}
    assert memory_registry.watchers({""}) == set()  # empty topics are dropped

    live.watch(_state(Pushed, "tab-1"), [class_topic(2)])  # replaces, as the registry does
    assert memory_registry.watchers({class_topic(1)}) == set()
    assert memory_registry.watchers({class_topic(2)}) == {("tab-1", "test.Pushed")}


def test_watch_never_fails_the_page(monkeypatch, memory_registry, caplog):
    Pushed = live.pushable(_state_class("Pushed"))

    class Broken:
        def watch(self, *args):
            raise ConnectionError("redis down")

    monkeypatch.setattr(live, "_registry", Broken())
    live.watch(_state(Pushed, "tab-1"), [class_topic(1)])  # no exception
    assert "live: watch failed" in caplog.text


# ---------------------------------------------------------------------------------------------
# publish(changes): in the background, only inside a running event loop, never for nothing
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def pushed(monkeypatch):
    """Replace ``_push`` with an async fake; the list of the changes it was called with."""
    calls: list[Changes] = []

    async def fake_push(changes):
        await asyncio.sleep(0)
        calls.append(changes)

    monkeypatch.setattr(live, "_push", fake_push)
    return calls


def test_publish_without_a_running_loop_is_a_no_op(pushed):
    tasks_before = set(live._TASKS)
    assert live.publish(Changes(pupil_ids={1}, offer_ids={2})) is None  # no exception
    assert pushed == [] and tasks_before == live._TASKS


def test_publish_in_a_running_loop_schedules_the_push(pushed):
    changes = Changes(pupil_ids={1})

    async def handler():
        live.publish(changes)
        assert pushed == []  # not awaited by the person who acted: it runs in the background
        assert len(live._TASKS) == 1  # a reference is kept while it runs
        for _ in range(10):
            await asyncio.sleep(0.01)
            if pushed:
                break
        return list(pushed), set(live._TASKS)

    calls, tasks_after = asyncio.run(handler())
    assert len(calls) == 1 and calls[0] is changes
    assert tasks_after == set()  # the finished task was let go


def test_publish_of_empty_changes_schedules_nothing(pushed):
    async def handler():
        live.publish(Changes())
        scheduled = len(live._TASKS)
        await asyncio.sleep(0.05)
        return scheduled

    assert asyncio.run(handler()) == 0
    assert pushed == []


# ---------------------------------------------------------------------------------------------
# _push: the changes' topics, fanned out to the tabs watching them
# ---------------------------------------------------------------------------------------------


def test_push_refreshes_every_tab_watching_a_touched_topic(engine, monkeypatch):
    with Session(engine, expire_on_commit=False) as s:
        w = ah.world(s)
        pupil = ah.pupil(s, w, cv=False)
        other = ah.pupil(s, w, cv=False)  # another class of the same collège
        emp, offer_id = ah.offer(s, w)
        org = organisation_topic_of(s, emp)
        profile, other_profile = (
            s.execute(select(PupilProfile).where(PupilProfile.user_id == v.user_id)).scalar_one()
            for v in (pupil, other)
        )

    reg = MemoryRegistry()
    reg.watch("pupil-tab", S, {pupil_topic(pupil.user_id)})
    reg.watch("teacher-tab", S, {class_topic(profile.class_id)})
    reg.watch("principal-tab", D, {school_topic(profile.school_id)})
    reg.watch("other-class-tab", S, {class_topic(other_profile.class_id)})
    reg.watch("other-pupil-tab", S, {pupil_topic(other.user_id)})
    reg.watch("employer-tab", D, {org})
    monkeypatch.setattr(live, "_registry", reg)
    monkeypatch.setattr(live, "get_engine", lambda: engine)
    refreshed: list[tuple[str, str]] = []

    async def fake_refresh(token, name):
        refreshed.append((token, name))

    monkeypatch.setattr(live, "_refresh", fake_refresh)

    asyncio.run(live._push(Changes(pupil_ids={pupil.user_id})))
    assert sorted(refreshed) == [("principal-tab", D), ("pupil-tab", S), ("teacher-tab", S)]
    refreshed.clear()
    asyncio.run(live._push(Changes(offer_ids={offer_id})))
    assert refreshed == [("employer-tab", D)]
    refreshed.clear()
    monkeypatch.setattr(live, "_registry", MemoryRegistry())  # nobody watching
    asyncio.run(live._push(Changes(pupil_ids={pupil.user_id})))
    assert refreshed == []
