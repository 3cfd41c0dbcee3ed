"""Live updates pushed by the server (issue 6, item 4): the web half of ``services/live.py``.

How it works
------------
1. A page state that shows something alive (a class, the school dashboard, a pupil's tracker or
   file, the employer's dashboard) calls ``watch(state, topics)`` each time it reads its rows:
   "this browser tab (client token) shows this state, which follows these topics".
2. Every handler opens its database session with ``states.auth.db()``, which records the
   committed changes to applications and pupils' files (``services.live.track``) and, when the
   session closes, calls ``publish(changes)``.
3. ``publish`` starts a task on the event loop (never delaying the person who acted): it turns
   the changes into topics, finds the tabs watching them and, for each tab still connected,
   opens its state with ``app.modify_state`` and calls the state's ``_live_refresh()``, which
   re-reads the rows *for that tab's own viewer* (rights checked again, as on any event). Reflex
   sends the delta to the browser; with Redis the tab may be connected to another backend
   worker: Reflex relays the delta to that worker ("lost and found" channel).

The registry of watchers lives in Redis when ``REFLEX_REDIS_URL`` is set (shared by every
worker) and in this process otherwise (the embedded default runs one backend process). Entries
expire after ``WATCH_TTL`` seconds unless renewed; the page's slow fallback timer
(``components.layout.live_refresh``) renews them and repairs anything a lost push missed.

A topic is only a hint: being pushed a refresh never shows anything the tab's viewer may not see.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar, cast

from stages_app.db import get_engine
from stages_app.services import live as topics_service

if TYPE_CHECKING:
    from redis import Redis
    from reflex.app import App
    from reflex.state import BaseState

    from stages_app.states.base import PageState

log = logging.getLogger(__name__)

WATCH_TTL = 15 * 60  # seconds; renewed at every read of the page's rows
KEY_PREFIX = "stages3e:live:"

# state full name -> class, for the states that can be pushed
_STATES: dict[str, type[PageState]] = {}
_TASKS: set[asyncio.Task[None]] = set()  # keep a reference until done (asyncio holds weak ones)
# Set while a pushed refresh runs: a refresh only reads, and if one ever wrote, its changes
# must not push again (no ping-pong between two pages).
_IN_PUSH: contextvars.ContextVar[bool] = contextvars.ContextVar("stages_live_push", default=False)


_PushableT = TypeVar("_PushableT", bound="type[PageState]")


def pushable(cls: _PushableT) -> _PushableT:
    """Class decorator: a state whose ``_live_refresh()`` can be pushed to its tabs."""
    _STATES[cls.get_full_name()] = cls
    return cls


# ---- registry of watchers ------------------------------------------------------------------------


class MemoryRegistry:
    """One process: topic -> {(token, state name): expiry}."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[str, dict[tuple[str, str], float]] = {}
        self._watching: dict[tuple[str, str], set[str]] = {}
        self._purged_at = time.time()

    def _purge(self, now: float) -> None:
        """Drop expired entries of every topic (at most once a minute): tabs closed long ago
        must not pile up in a server that runs for weeks."""
        if now - self._purged_at < 60:
            return
        self._purged_at = now
        for topic, members in list(self._topics.items()):
            for key, expiry in list(members.items()):
                if expiry < now:
                    del members[key]
                    self._watching.pop(key, None)
            if not members:
                del self._topics[topic]

    def watch(self, token: str, state_name: str, topics: set[str]) -> None:
        key, expiry = (token, state_name), time.time() + WATCH_TTL
        with self._lock:
            self._purge(expiry - WATCH_TTL)
            for old in self._watching.get(key, set()) - topics:
                self._topics.get(old, {}).pop(key, None)
            for topic in topics:
                self._topics.setdefault(topic, {})[key] = expiry
            self._watching[key] = set(topics)

    def watchers(self, topics: Iterable[str]) -> set[tuple[str, str]]:
        now, found = time.time(), set()
        with self._lock:
            for topic in topics:
                members = self._topics.get(topic, {})
                for key, expiry in list(members.items()):
                    if expiry < now:
                        del members[key]
                        self._watching.pop(key, None)
                    else:
                        found.add(key)
        return found

    def forget(self, token: str, state_name: str) -> None:
        key = (token, state_name)
        with self._lock:
            for topic in self._watching.pop(key, set()):
                self._topics.get(topic, {}).pop(key, None)


class RedisRegistry:
    """Several workers: one sorted set per topic (member ``token|state``, score = expiry) and one
    key per watcher with its current topics (to leave the old ones when a tab changes page)."""

    def __init__(self, client: Redis) -> None:
        self._redis = client

    @staticmethod
    def _member(token: str, state_name: str) -> str:
        return f"{token}|{state_name}"

    def watch(self, token: str, state_name: str, topics: set[str]) -> None:
        member = self._member(token, state_name)
        key = KEY_PREFIX + "watcher:" + member
        # redis-py types every reply as ``Awaitable | Any`` (one type for its sync and async
        # clients); the sync client returns the stored bytes, or None
        old = cast("bytes | None", self._redis.get(key))
        old_topics = set(json.loads(old)) if old else set()
        expiry = time.time() + WATCH_TTL
        pipe = self._redis.pipeline()
        for topic in old_topics - topics:
            pipe.zrem(KEY_PREFIX + "topic:" + topic, member)
        for topic in topics:
            pipe.zadd(KEY_PREFIX + "topic:" + topic, {member: expiry})
            pipe.expire(KEY_PREFIX + "topic:" + topic, WATCH_TTL)
        pipe.set(key, json.dumps(sorted(topics)), ex=WATCH_TTL)
        pipe.execute()

    def watchers(self, topics: Iterable[str]) -> set[tuple[str, str]]:
        now, found = time.time(), set()
        pipe = self._redis.pipeline()
        for topic in topics:
            pipe.zremrangebyscore(KEY_PREFIX + "topic:" + topic, "-inf", now)
            pipe.zrange(KEY_PREFIX + "topic:" + topic, 0, -1)
        for members in pipe.execute()[1::2]:
            for raw in members:
                member = raw.decode() if isinstance(raw, bytes) else raw
                token, _, state_name = member.partition("|")
                found.add((token, state_name))
        return found

    def forget(self, token: str, state_name: str) -> None:
        member = self._member(token, state_name)
        key = KEY_PREFIX + "watcher:" + member
        old = cast("bytes | None", self._redis.get(key))
        pipe = self._redis.pipeline()
        for topic in json.loads(old) if old else []:
            pipe.zrem(KEY_PREFIX + "topic:" + topic, member)
        pipe.delete(key)
        pipe.execute()


_registry: MemoryRegistry | RedisRegistry | None = None


def registry() -> MemoryRegistry | RedisRegistry:
    global _registry
    if _registry is None:
        from reflex.utils import prerequisites

        client = prerequisites.get_redis_sync()
        _registry = RedisRegistry(client) if client is not None else MemoryRegistry()
    return _registry


def watch(state: BaseState, topics: Iterable[str]) -> None:
    """The tab of ``state`` follows ``topics`` (replacing what this state followed before)."""
    token = getattr(getattr(state.router, "session", None), "client_token", "") or ""
    name = type(state).get_full_name()
    if not token or name not in _STATES:
        return
    try:
        registry().watch(token, name, {t for t in topics if t})
    except Exception:  # live updates are a comfort: never fail the page for them
        log.exception("live: watch failed")


# ---- pushing ------------------------------------------------------------------------------------


def publish(changes: topics_service.Changes) -> None:
    """Push a refresh to the tabs watching what ``changes`` touched (in the background)."""
    if not changes or _IN_PUSH.get():
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no event loop: a script or a test calling a handler directly
        return
    task = loop.create_task(_push(changes))
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def _app() -> App:
    from reflex_base.registry import RegistrationContext

    try:
        return RegistrationContext.get().app
    except LookupError:
        from reflex.utils import prerequisites

        return prerequisites.get_and_validate_app().app


async def _push(changes: topics_service.Changes) -> None:
    try:
        from sqlmodel import Session

        with Session(get_engine()) as session:
            topics = topics_service.topics_for(session, changes)
        targets = registry().watchers(topics) if topics else set()
        if targets:
            await asyncio.gather(*(_refresh(token, name) for token, name in targets))
    except Exception:
        log.exception("live: push failed")


async def _refresh(token: str, state_name: str) -> None:
    from reflex.istate.manager.token import BaseStateToken

    cls = _STATES.get(state_name)
    if cls is None:
        return
    app = _app()
    _IN_PUSH.set(True)  # this task's own context: the person who acted is not affected
    try:
        namespace = app.event_namespace
        if namespace is None:
            return
        if not await namespace._token_manager.is_token_connected(token):
            registry().forget(token, state_name)  # the tab is closed
            return
        async with app.modify_state(BaseStateToken(ident=token, cls=cls)) as root:
            state = await root.get_state(cls)
            # the state is locked for us; its database reads run in a worker thread so that
            # the event loop keeps serving everyone else meanwhile
            await asyncio.to_thread(state._live_refresh)
    except Exception:
        log.exception("live: refresh of %s failed", state_name)
