"""Benchmark: the server's cost of one live push, by number of pages following the change.

    python bench/live_push.py --data-dir ../shared/data [--watchers 1 10 50 200] [--db-url URL]

On the demo school (national directories imported, ``seed-demo``), N browser tabs follow the
demo pupil Yasmine Benali's class and school: half of them the class page of 3e A (professeur
principal), half the school dashboard (principal). One committed change to the pupil's file
(her parental authorisation date) is then pushed with ``stages_app.live._push``, exactly as a
handler's ``publish`` does, against an app stand-in whose ``modify_state`` hands out each tab's
real page state (Reflex's own locking, serialisation and websocket emit are not included; the
e2e test measures the whole chain in a browser: test-artifacts/live-delays.json).

Prints ONE JSON line: {"db": ..., "runs": [{"watchers": N, "refreshed": N, "push_ms": t,
"per_watcher_ms": t}, ...]}; ``push_ms`` is the median of 5 pushes. Without ``--db-url`` a
temporary SQLite file is used and deleted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("STAGES_BCRYPT_ROUNDS", "4")

from reflex.istate.data import RouterData  # noqa: E402
from reflex.state import State  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from stages_app import live, settings  # noqa: E402
from stages_app.db import make_engine  # noqa: E402
from stages_app.migrate import upgrade  # noqa: E402
from stages_app.models import AuthSession, PupilProfile, SchoolClass, User, utcnow  # noqa: E402
from stages_app.services import accounts, demo  # noqa: E402
from stages_app.services import live as live_topics  # noqa: E402
from stages_app.services.reference import import_reference  # noqa: E402
from stages_app.states import auth as auth_state  # noqa: E402
from stages_app.states.class_page import ClassPageState  # noqa: E402
from stages_app.states.dashboards import SchoolDashboardState  # noqa: E402

PUPIL = "yasmine.benali@eleve.exemple.fr"


def _token(session: Session, user: User) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            token_hash=accounts.hash_token(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + dt.timedelta(hours=settings.SESSION_TTL_HOURS),
        )
    )
    session.commit()
    return token


def _tab(state_cls, path: str, login_token: str, tab: str):
    root = State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {
            "pathname": path.split("?", 1)[0],
            "asPath": path,
            "token": tab,
            "headers": {"origin": "http://localhost:3000"},
        }
    )
    root.get_substate(auth_state.AuthState.get_full_name().split(".")).token = login_token
    return root.get_substate(state_cls.get_full_name().split("."))


class _App:
    """What ``live._refresh`` uses of Reflex's App."""

    def __init__(self, tabs: dict):
        self.tabs = tabs
        tokens = type("Tokens", (), {"is_token_connected": self._connected})()
        self.event_namespace = type("NS", (), {"_token_manager": tokens})()

    async def _connected(self, token: str) -> bool:
        return token in self.tabs

    @contextlib.asynccontextmanager
    async def modify_state(self, token):
        state = self.tabs[token.ident]

        class _Root:
            async def get_state(self, cls):
                return state

        yield _Root()


def run(data_dir: Path, url: str, sizes: list[int]) -> dict:
    upgrade(url)
    engine = make_engine(url)
    import_reference(engine, data_dir)
    demo.seed_demo(engine)
    auth_state.get_engine = lambda: engine  # the page states read this database
    live.get_engine = lambda: engine
    with Session(engine, expire_on_commit=False) as s:
        pupil = s.exec(select(User).where(User.email == PUPIL)).one()
        profile = s.exec(select(PupilProfile).where(PupilProfile.user_id == pupil.id)).one()
        klass = s.get(SchoolClass, profile.class_id)
        teacher = s.get(User, klass.main_teacher_id)
        principal = s.exec(select(User).where(User.role == "principal")).first()
        teacher_token, principal_token = _token(s, teacher), _token(s, principal)
    results = []
    for n in sizes:
        live._registry = live.MemoryRegistry()
        tabs = {}
        for i in range(n):
            tab = f"tab-{i}"
            if i % 2 == 0:
                state = _tab(
                    ClassPageState, f"/etablissement/classe?id={klass.id}", teacher_token, tab
                )
                ClassPageState.load.fn(state)
            else:
                state = _tab(SchoolDashboardState, "/etablissement/suivi", principal_token, tab)
                SchoolDashboardState.load.fn(state)
            tabs[tab] = state
        live._app = lambda tabs=tabs: _App(tabs)
        durations = []
        for k in range(5):
            with Session(engine, expire_on_commit=False) as s:
                changes = live_topics.track(s)
                row = s.exec(select(PupilProfile).where(PupilProfile.user_id == pupil.id)).one()
                row.authorisation_received_on = dt.date(2026, 9, 1) + dt.timedelta(days=k)
                s.add(row)
                s.commit()
            start = time.perf_counter()
            asyncio.run(live._push(changes))
            durations.append((time.perf_counter() - start) * 1000)
        watchers = live.registry().watchers(live_topics.topics_for(Session(engine), changes))
        median = statistics.median(durations)
        results.append(
            {
                "watchers": n,
                "refreshed": len(watchers),
                "push_ms": round(median, 1),
                "per_watcher_ms": round(median / n, 2),
            }
        )
    engine.dispose()
    return {"db": url.split(":", 1)[0], "runs": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--db-url")
    parser.add_argument("--watchers", type=int, nargs="+", default=[1, 10, 50, 200])
    args = parser.parse_args()
    if args.db_url:
        print(json.dumps(run(args.data_dir, args.db_url, args.watchers)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(args.data_dir, f"sqlite:///{tmp}/bench.db", args.watchers)))


if __name__ == "__main__":
    main()
