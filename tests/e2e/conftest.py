"""Real-browser journeys: the real app (stages_app/stages_app.py) served by Reflex's AppHarnessProd,
driven by Debian's Chromium through pytest-playwright.

One app per test session, shared by every e2e test:

- ``e2e_db_url``  a fresh SQLite file in a temporary directory; the environment (REFLEX_DB_URL,
  private/upload/state directories) is switched to it before the harness imports the app.
- ``e2e_engine``  an engine on that database, migrated with Alembic
  (``stages_app.migrate.upgrade``).
- ``e2e_seed``    hook called before the app starts. Inserts nothing by default; override it in this
  conftest (session scope, same name) to add shared data. Tests usually build their own small
  fixtures through the services with ``e2e_engine``.
- ``e2e_app``     the running ``AppHarnessProd`` (production build served as static files on an
  ephemeral port, backend on another ephemeral port).
- ``page``        pytest-playwright's page (new browser context per test), desktop viewport, French
  locale, ``base_url`` = the app: ``page.goto("/")``. ``phone_page`` is the same on a 390x844 phone.

Every test under tests/e2e gets the ``e2e`` marker and runs after the other tests (they are slow).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import (
    ARTIFACTS_DIR,
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    DESKTOP_VIEWPORT,
    E2E_LIVE_FALLBACK_S,
    PHONE_CONTEXT_ARGS,
    REPO_ROOT,
)

E2E_DIR = Path(__file__).resolve().parent
# A frontend build directory of its own, so `make test` never overwrites the build that a running
# `make run` serves from .web (and the two can run at the same time).
E2E_WEB_DIR = Path(os.environ.get("STAGES_E2E_WEB_DIR") or REPO_ROOT / ".web-e2e")

_timings: dict[str, float] = {}

# Generous waits: a 2-core CI machine building and serving the app while other jobs run can take
# several seconds to hydrate a page. Behaviour is asserted, never speed (timings go to the JSON
# reports and bench/).
expect.set_options(timeout=20_000)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Mark everything under tests/e2e as ``e2e`` and run it last (fast tests fail first). Last
    of the hooks, after pytest's own reordering by fixture: the sync Playwright keeps an event
    loop running in the main thread until the session ends, so a test using ``asyncio.run``
    after a browser test would fail."""
    e2e, other = [], []
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            e2e.append(item)
        else:
            other.append(item)
    items[:] = other + e2e


def pytest_terminal_summary(terminalreporter):
    if _timings:
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in _timings.items())
        terminalreporter.write_line(f"e2e app: {parts}")


@pytest.fixture(scope="session")
def e2e_db_url(tmp_path_factory):
    """A fresh SQLite database file; the process environment points the app at it."""
    root = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{root / 'e2e.db'}"
    mp = pytest.MonkeyPatch()
    venv_bin = os.path.dirname(sys.executable)
    if not os.environ.get("PATH", "").startswith(venv_bin + os.pathsep):
        mp.setenv("PATH", venv_bin + os.pathsep + os.environ.get("PATH", ""))  # Node 24 + npm
    for key, value in {
        "REFLEX_DB_URL": url,
        "STAGES_PRIVATE_DIR": str(root / "private"),
        "STAGES_BCRYPT_ROUNDS": "4",
        "REFLEX_UPLOADED_FILES_DIR": str(root / "uploaded_files"),
        "REFLEX_STATES_WORKDIR": str(root / "states"),
        "REFLEX_WEB_WORKDIR": str(E2E_WEB_DIR),
        "REFLEX_USE_NPM": "1",
        # Pages change only when the server pushes: the fallback timer (20 s in production) would
        # otherwise hide a broken push (see test_live_dashboards.py).
        "STAGES_LIVE_FALLBACK_S": str(E2E_LIVE_FALLBACK_S),
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }.items():
        mp.setenv(key, value)
    # One process, one state manager: the e2e app never shares a Redis with a running `make run`.
    mp.delenv("REFLEX_REDIS_URL", raising=False)

    # Modules imported before this fixture (by tests/conftest.py and the unit tests) read the
    # environment at import time: point them at the e2e database and directories too.
    from stages_app import db, settings

    mp.setattr(settings, "PRIVATE_DIR", root / "private")
    clear_engine_cache = getattr(db.get_engine, "cache_clear", lambda: None)
    clear_engine_cache()
    yield url
    clear_engine_cache()
    mp.undo()


@pytest.fixture(scope="session")
def e2e_engine(e2e_db_url):
    """Engine on the e2e database, migrated to head with Alembic like a real deployment."""
    from stages_app.db import make_engine
    from stages_app.migrate import upgrade

    upgrade(e2e_db_url)
    engine = make_engine(e2e_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def e2e_seed(e2e_engine):
    """Data shared by the whole e2e session, inserted before the app starts. Nothing by default.

    Override in tests/e2e/conftest.py::

        @pytest.fixture(scope="session")
        def e2e_seed(e2e_engine):
            with session_scope(e2e_engine) as s:
                ...
    """
    return None


@pytest.fixture(scope="session")
def e2e_app(e2e_db_url, e2e_engine, e2e_seed):
    """The real app, production build, started once per session (AppHarnessProd)."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"{CHROMIUM_PATH} is missing: `apt-get install chromium` (scripts/test.sh does it)"
        )
    from reflex.testing import AppHarnessProd

    harness = AppHarnessProd.create(root=REPO_ROOT, app_name="stages_app")
    start = time.monotonic()
    harness.start()
    _timings["build+start"] = time.monotonic() - start
    # uvicorn (re)configures its loggers when the servers start: keep failure reports readable.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        logging.getLogger(name).setLevel(logging.WARNING)
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    (ARTIFACTS_DIR / "e2e-timings.json").write_text(json.dumps(_timings, indent=2))
    try:
        yield harness
    finally:
        harness.stop()


# ---- pytest-playwright configuration -------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [*CHROMIUM_ARGS, *browser_type_launch_args.get("args", [])],
        "headless": browser_type_launch_args.get("headless", True),
    }


@pytest.fixture(scope="session")
def base_url(e2e_app):
    return e2e_app.frontend_url.rstrip("/")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": DESKTOP_VIEWPORT,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
    }


@pytest.fixture
def phone_page(browser, browser_context_args):
    """A page in a fresh phone-sized context (390x844, touch)."""
    context = browser.new_context(**{**browser_context_args, **PHONE_CONTEXT_ARGS})
    yield context.new_page()
    context.close()
