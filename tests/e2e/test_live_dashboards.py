"""The teacher's class dashboard follows a pupil's application and an employer's answer live.

Two Chromium contexts, on the data of ``tests/e2e/live_world.py`` (a collège in Échirolles, its
class "3e Belledonne" with one pupil whose access is open, its professeur principal, one
employer in Grenoble with one offer):

- context T: the professeur principal signs in and opens the class page
  (``/etablissement/classe?id=…``); the pupil's row says "Aucune candidature", 0 applications,
  no internship. The page is then never reloaded nor navigated: a marker put in ``window`` must
  still be there at the end, the URL unchanged, no load or navigation event seen;
- context P: the pupil signs in, applies to the offer (letter, review, send). After the click on
  "Envoyer ma candidature" the teacher's row comes to say "Candidature envoyée" and 1
  application;
- context P again: the pupil signs out, the employer signs in, opens the application and accepts
  it. After the click on "Accepter la candidature" the teacher's row comes to say "1 stage" and
  shows the internship (employer — week).

The pages' fallback timer is set far beyond the journey (``STAGES_LIVE_FALLBACK_S``), so the row
can only change because the server pushed it. How fast is measured, not asserted: the bound
``WAIT_S`` is generous for a loaded 2-core machine.

How the delays are measured: just before each click the test puts a ``MutationObserver`` in the
teacher's page that notes ``Date.now()`` the first time the row shows the expected cells; the
delay is that time minus the wall-clock time taken in the test right *before* the click (so it
includes Playwright's actionability checks: it can only be overestimated). The test then waits
up to 30 s for the row, so that a late update is reported with its real delay rather than as a
timeout. Delays go to ``test-artifacts/live-delays.json`` and to
the test output.

The journey runs against two servers (fixture ``live_server``):

- ``un-worker``: the session's app (``e2e_app``: AppHarnessProd, one backend process, SQLite);
- ``redis-deux-workers``: ``reflex run --env prod --single-port`` started by this module with
  ``REFLEX_REDIS_URL`` (Redis database 7 by default, flushed before and after;
  ``STAGES_E2E_REDIS_URL`` to change it), ``GRANIAN_WORKERS=2`` and a PostgreSQL database of its
  own created on the local server (``TEST_DATABASE_URL``'s server) and dropped at the end. Its
  frontend is built in ``.web-e2e-redis/`` (``STAGES_E2E_REDIS_WEB_DIR``), its log written to
  ``test-artifacts/live-redis-server.log``. Skipped when Redis or PostgreSQL is unreachable.
  After the start the test checks that at least two granian worker processes listen on the port.

What the Redis variant guarantees about cross-worker delivery: each browser tab's websocket is
held by one worker, chosen by the kernel when the connection is accepted. Reflex records the
owner of every tab's socket in Redis (``token_manager_socket_record_<token>``: the worker's
``instance_id``), so the test reads, for each tab, which worker holds it. Before the pupil's
send and before the employer's acceptance, the acting tab is reloaded (at most 20 times, at a
point of the journey where a reload changes nothing: the offer page, the application page) until
its socket is held by *another* worker than the teacher's tab, and this is checked again right
before the click. So the event that changes the database is always handled by a worker other
than the one that holds the teacher's websocket: the update has to cross workers (through the
database, Redis, or both). Not guaranteed: that the two workers are different *machines* (they
are two processes of one server), or which path the update took (a worker reading the database
on a timer would pass if it were not disabled). A socket that reconnects to another worker
during the wait would go unnoticed; the teacher's worker is read again after each step and reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from stages_app.services.calendar import week_label
from tests.e2e.helpers import (
    ARTIFACTS_DIR,
    DESKTOP_VIEWPORT,
    E2E_LIVE_FALLBACK_S,
    REPO_ROOT,
    assert_accessible,
    screenshot,
    sign_in,
    url,
)
from tests.e2e.live_world import (
    CLASS_NAME,
    EMPLOYER,
    PASSWORD,
    PUPIL_NAME,
    World,
    create_world,
)
from tests.needs import need_postgres, need_redis

pytestmark = pytest.mark.e2e

# The behaviour checked: the row changes without a reload, pushed by the server (the pages'
# fallback timer is set to E2E_LIVE_FALLBACK_S, far beyond the journey, so it cannot be what
# updated them). WAIT_S is a generous bound for a loaded 2-core machine, not a performance
# target: the measured delays go to live-delays.json (bench/live_push.py measures the cost).
WAIT_S = 30.0
SERVERS = ["un-worker", "redis-deux-workers"]

REDIS_URL = os.environ.get("STAGES_E2E_REDIS_URL", "redis://127.0.0.1:6379/7")
PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_WEB_DIR = Path(os.environ.get("STAGES_E2E_REDIS_WEB_DIR") or REPO_ROOT / ".web-e2e-redis")
REDIS_WORKERS = 2
START_TIMEOUT_S = 300.0  # frontend build (npm install the first time) and start
SERVER_LOG = ARTIFACTS_DIR / "live-redis-server.log"
DELAYS_FILE = ARTIFACTS_DIR / "live-delays.json"
SOCKET_RECORD_KEY = "token_manager_socket_record_{}"  # reflex.utils.token_manager
MAX_RELOADS = 20

LETTER = (
    "Bonjour,\nJe répare les vélos de ma famille et j'aimerais voir le travail d'un vrai "
    "atelier, et comment on conseille les clients.\nLéna Chabert"
)
ACCEPT_MESSAGE = "Bienvenue Léna ! Rendez-vous lundi à 9 h à l'atelier, en tenue de travail."

_delays: dict[str, dict] = {}


# ---- the two servers ----------------------------------------------------------------------------


@dataclasses.dataclass
class LiveServer:
    name: str
    base_url: str
    engine: object
    redis: object | None = None  # the Reflex state manager's Redis (None: one process)
    worker_pids: list[int] = dataclasses.field(default_factory=list)

    def worker_of(self, page: Page, *, timeout: float = 10.0) -> str | None:
        """The ``instance_id`` of the backend worker holding this tab's websocket, from the
        socket record Reflex keeps in Redis for the tab's client token; None without Redis."""
        if self.redis is None:
            return None
        deadline = time.monotonic() + timeout
        while True:
            token = page.evaluate("() => window.sessionStorage.getItem('token')")
            raw = self.redis.get(SOCKET_RECORD_KEY.format(token)) if token else None
            if raw is not None:
                return pickle.loads(raw).instance_id
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no socket record in Redis for the tab {page.url} (client token {token!r})"
                )
            time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(address, timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _log_tail(lines: int = 40) -> str:
    try:
        return "\n".join(SERVER_LOG.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _backend_workers(pid: int, port: int) -> list[int]:
    """Processes under the server that listen on its port: granian's workers."""
    import psutil

    workers = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if any(
                c.status == psutil.CONN_LISTEN and c.laddr.port == port
                for c in child.net_connections("tcp")
            ):
                workers.append(child.pid)
        except psutil.Error:
            continue
    return workers


def _server_env(root: Path, db_url: str) -> dict[str, str]:
    # Nothing of this test session's app (REFLEX_*, STAGES_*, the harness flag) leaks in.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("REFLEX_", "STAGES_", "GRANIAN_")) and k != "APP_HARNESS_FLAG"
    }
    venv_bin = os.path.dirname(sys.executable)
    env.update(
        {
            "PATH": venv_bin + os.pathsep + env.get("PATH", ""),  # Node 24 + npm of the venv
            "REFLEX_DB_URL": db_url,
            "REFLEX_REDIS_URL": REDIS_URL,
            "GRANIAN_WORKERS": str(REDIS_WORKERS),
            "REFLEX_WEB_WORKDIR": str(REDIS_WEB_DIR),
            "REFLEX_STATES_WORKDIR": str(root / "states"),
            "REFLEX_UPLOADED_FILES_DIR": str(root / "uploaded_files"),
            "STAGES_PRIVATE_DIR": str(root / "private"),
            "STAGES_BCRYPT_ROUNDS": "4",
            "STAGES_LIVE_FALLBACK_S": str(E2E_LIVE_FALLBACK_S),
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
        }
    )
    return env


@contextlib.contextmanager
def _redis_server(root: Path) -> Iterator[LiveServer]:
    """``reflex run --env prod --single-port`` with Redis, two workers and PostgreSQL."""
    import redis
    from sqlalchemy import text

    from stages_app.db import make_engine
    from stages_app.migrate import upgrade

    need_redis(REDIS_URL)
    need_postgres(PG_ADMIN_URL)
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    admin = make_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2}
    )

    name = f"stages_e2e_live_{uuid.uuid4().hex[:10]}"
    db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with contextlib.ExitStack() as stack:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        @stack.callback
        def _drop_database():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        upgrade(db_url)
        engine = make_engine(db_url)
        stack.callback(engine.dispose)
        client.flushdb()
        stack.callback(client.close)
        stack.callback(client.flushdb)

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        ARTIFACTS_DIR.mkdir(exist_ok=True)
        log = stack.enter_context(SERVER_LOG.open("w"))
        started = time.monotonic()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(port),
                "--backend-host",
                "127.0.0.1",
            ],
            cwd=REPO_ROOT,
            env=_server_env(root, db_url),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        @stack.callback
        def _stop():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=20)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # workers left behind, if any
            proc.wait(timeout=10)

        while not (_answers(base + "/ping") and _answers(base + "/")):
            if proc.poll() is not None:
                pytest.fail(
                    f"the Redis server stopped (code {proc.returncode}) before "
                    f"answering; {SERVER_LOG}:\n{_log_tail()}"
                )
            if time.monotonic() - started > START_TIMEOUT_S:
                pytest.fail(
                    f"the Redis server did not answer {base}/ping and {base}/ within "
                    f"{START_TIMEOUT_S:.0f} s; {SERVER_LOG}:\n{_log_tail()}"
                )
            time.sleep(1)
        _delays.setdefault("redis-deux-workers", {})["build_and_start_s"] = round(
            time.monotonic() - started, 1
        )

        workers = _backend_workers(proc.pid, port)
        assert len(workers) >= REDIS_WORKERS, (
            f"expected at least {REDIS_WORKERS} backend worker processes listening on port "
            f"{port}, found {workers}; {SERVER_LOG}:\n{_log_tail()}"
        )
        yield LiveServer(
            name="redis-deux-workers",
            base_url=base,
            engine=engine,
            redis=client,
            worker_pids=workers,
        )


@pytest.fixture(scope="module", params=SERVERS)
def live_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    if request.param == "un-worker":
        yield LiveServer(
            name="un-worker",
            base_url=request.getfixturevalue("base_url"),
            engine=request.getfixturevalue("e2e_engine"),
        )
    else:
        with _redis_server(tmp_path_factory.mktemp("live-redis")) as server:
            yield server


@pytest.fixture(scope="module")
def live_world(live_server: LiveServer) -> World:
    return create_world(live_server.engine)


def context_args(request, server: LiveServer) -> dict:
    if server.name == "un-worker":
        return request.getfixturevalue("browser_context_args")
    # pytest-playwright's browser_context_args derives from base_url, which would start the
    # one-worker harness for nothing: the same settings as tests/e2e/conftest.py, this server.
    return {
        "viewport": DESKTOP_VIEWPORT,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "base_url": server.base_url,
    }


# ---- watching the teacher's page ----------------------------------------------------------------

# Notes Date.now() in window.__stagesSeen[key] the first time the pupil's row (the table row
# that mentions the e-mail) has every expected cell: [column index, exact?, text].
_WATCH_ROW = """([key, email, checks]) => {
  const seen = (window.__stagesSeen = window.__stagesSeen || {});
  const norm = (s) => s.replace(/\\s+/g, " ").trim();
  const matches = () => {
    const row = [...document.querySelectorAll("tbody tr")]
      .find((r) => r.textContent.includes(email));
    if (!row) return false;
    const cells = row.querySelectorAll(":scope > td, :scope > th");
    return checks.every(([i, exact, text]) => cells[i] !== undefined
      && (exact ? norm(cells[i].textContent) === text : norm(cells[i].textContent).includes(text)));
  };
  if (matches()) { seen[key] = Date.now(); return true; }
  const observer = new MutationObserver(() => {
    if (!(key in seen) && matches()) { seen[key] = Date.now(); observer.disconnect(); }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  return false;
}"""

# The same for a text anywhere in the page (the actor's confirmation).
_WATCH_TEXT = """([key, text]) => {
  const seen = (window.__stagesSeen = window.__stagesSeen || {});
  const matches = () => document.body.textContent.includes(text);
  if (matches()) { seen[key] = Date.now(); return true; }
  const observer = new MutationObserver(() => {
    if (!(key in seen) && matches()) { seen[key] = Date.now(); observer.disconnect(); }
  });
  observer.observe(document.body, {subtree: true, childList: true, characterData: true});
  return false;
}"""


def _seen_at(page: Page, key: str, timeout_s: float) -> float | None:
    """Wall-clock time (s) the watcher ``key`` fired, waiting up to ``timeout_s``."""
    try:
        page.wait_for_function(
            "(k) => (window.__stagesSeen || {})[k] !== undefined",
            arg=key,
            timeout=timeout_s * 1000,
            polling=50,
        )
    except Exception:  # noqa: BLE001 - Playwright's TimeoutError: reported by the caller
        return None
    return page.evaluate("(k) => window.__stagesSeen[k]", key) / 1000


@dataclasses.dataclass
class TeacherPage:
    server: str
    page: Page
    email: str  # the pupil's, to find their row
    columns: dict[str, int]
    marker: str = ""
    events: list[str] = dataclasses.field(default_factory=list)

    def row(self):
        return self.page.locator("tbody tr").filter(has_text=self.email)

    def cell(self, column: str):
        return self.row().locator(":scope > td, :scope > th").nth(self.columns[column])

    def watch(self, key: str, expected: dict[str, tuple[bool, str]]) -> None:
        checks = [[self.columns[c], exact, text] for c, (exact, text) in expected.items()]
        already = self.page.evaluate(_WATCH_ROW, [key, self.email, checks])
        assert not already, f"the row already showed {expected} before the action"

    def start_watching_reloads(self) -> None:
        """A marker in window, and every load or main-frame navigation from now on."""
        self.marker = f"live-{uuid.uuid4().hex}"
        self.page.evaluate("(m) => { window.__stagesMarker = m; }", self.marker)
        self.page.on("load", lambda _p: self.events.append("load"))
        self.page.on(
            "framenavigated",
            lambda f: (
                self.events.append(f"navigation to {f.url}") if f == self.page.main_frame else None
            ),
        )

    def assert_not_reloaded(self, address: str) -> None:
        assert self.page.url == address, f"the teacher's page moved: {self.page.url}"
        assert self.events == [], f"the teacher's page was reloaded or navigated: {self.events}"
        marker = self.page.evaluate("() => window.__stagesMarker")
        assert marker == self.marker, "the teacher's page was reloaded (its window marker is gone)"


def _measure(
    report: dict, key: str, teacher: TeacherPage, clicked_at: float, actor: Page, what: str
) -> None:
    """``report[key]``: the delay between the click and the row change, and between the actor's
    confirmation and the row change (negative: the teacher saw it first)."""
    seen = _seen_at(teacher.page, key, WAIT_S)
    confirmed = _seen_at(actor, key, 10.0)
    report[key] = {
        "since_click_s": None if seen is None else round(seen - clicked_at, 3),
        "since_confirmation_s": (
            None if seen is None or confirmed is None else round(seen - confirmed, 3)
        ),
    }
    if seen is None:
        screenshot(teacher.page, f"live-{teacher.server}-failure-{key}-teacher")
        screenshot(actor, f"live-{teacher.server}-failure-{key}-actor")
    assert seen is not None, (
        f"{what}: the teacher's row did not change within {WAIT_S:.0f} s (without a reload); "
        f"the row now: {teacher.row().all_inner_texts()}; the actor's confirmation "
        f"{'was' if confirmed is not None else 'was not'} seen; loads and navigations of the "
        f"teacher's page: {teacher.events or 'none'}"
    )


def _other_worker(
    server: LiveServer, page: Page, avoid: str | None, ready: Callable[[Page], None]
) -> int:
    """Reload ``page`` until its websocket is held by another worker than ``avoid``; returns
    the number of reloads it took."""
    if server.redis is None:
        return 0
    for reloads in range(MAX_RELOADS + 1):
        if server.worker_of(page) != avoid:
            return reloads
        page.reload()
        ready(page)
    pytest.fail(
        f"after {MAX_RELOADS} reloads the tab's websocket is still on the teacher's "
        f"worker: every connection lands on one worker ({server.worker_pids})"
    )


def _short(instance_id: str | None, names: dict[str, str]) -> str | None:
    if instance_id is None:
        return None
    return names.setdefault(instance_id, f"worker-{len(names) + 1}")


def _report(name: str, data: dict, capsys) -> None:
    _delays.setdefault(name, {}).update(data)
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    DELAYS_FILE.write_text(
        json.dumps({"wait_bound_s": WAIT_S, **_delays}, indent=2, ensure_ascii=False)
    )
    with capsys.disabled():
        print(f"\nlive delays [{name}]: {json.dumps(_delays[name], ensure_ascii=False)}")


# ---- the journey --------------------------------------------------------------------------------


def test_teacher_row_follows_application_and_acceptance_without_reload(
    live_server: LiveServer, live_world: World, browser: Browser, request, capsys
):
    server, world = live_server, live_world
    tag = f"live-{server.name}"
    week = week_label(world.week1)
    internship = f"{EMPLOYER.organisation} — {week}"
    args = context_args(request, server)
    report: dict = {"backend_worker_pids": server.worker_pids or None}
    workers: dict[str, str] = {}
    contexts = [browser.new_context(**args), browser.new_context(**args)]
    try:
        teacher_page, actor = (c.new_page() for c in contexts)

        # 1. context T: the professeur principal opens the class page
        sign_in(teacher_page, world.teacher_email, password=PASSWORD)
        expect(teacher_page).to_have_url(url("/etablissement"))
        teacher_page.goto(f"/etablissement/classe?id={world.class_id}")
        expect(
            teacher_page.get_by_role("heading", level=1, name=f"Classe {CLASS_NAME}")
        ).to_be_visible()
        headers = teacher_page.locator("thead th")
        expect(headers.filter(has_text="Situation")).to_have_count(1)
        names = [t.strip() for t in headers.all_text_contents()]
        teacher = TeacherPage(
            server.name,
            teacher_page,
            world.pupil_email,
            {
                c: names.index(c)
                for c in ("Élève", "Accès", "Situation", "Candidatures", "Stages acceptés")
            },
        )
        expect(teacher.row()).to_have_count(1)
        expect(teacher.cell("Élève")).to_contain_text(PUPIL_NAME.split()[1])
        expect(teacher.cell("Accès")).to_have_text("Accès ouvert")
        expect(teacher.cell("Situation")).to_have_text("Aucune candidature")
        expect(teacher.cell("Candidatures")).to_have_text("0")
        expect(teacher.cell("Stages acceptés")).to_have_text("—")
        assert_accessible(teacher_page, f"{tag}-01-teacher-before")
        screenshot(teacher_page, f"{tag}-01-teacher-before")
        class_address = teacher_page.url
        teacher.start_watching_reloads()
        teacher_worker = server.worker_of(teacher_page)
        report["teacher_worker"] = _short(teacher_worker, workers)

        # 2. context P: the pupil applies (letter, review, send)
        sign_in(actor, world.pupil_email, password=PASSWORD)
        expect(actor).to_have_url(url("/eleve"))
        actor.goto(f"/eleve/offre?id={world.offer_id}")

        def offer_ready(page: Page) -> None:
            expect(page.get_by_role("heading", level=1, name=EMPLOYER.title)).to_be_visible()

        offer_ready(actor)
        report["pupil_reloads"] = _other_worker(server, actor, teacher_worker, offer_ready)
        actor.get_by_role("button", name=f"Postuler pour la Semaine {week}").click()
        expect(actor).to_have_url(url("/eleve/candidature", r"\?id=\d+"))
        application_id = int(re.search(r"id=(\d+)", actor.url).group(1))
        letter = actor.get_by_label("Ma lettre de motivation pour cette offre")
        expect(letter).to_be_editable()
        letter.fill(LETTER)
        expect(actor.get_by_text("Brouillon enregistré", exact=True)).to_be_visible()
        actor.get_by_role("button", name="Relire avant d'envoyer").click()
        send = actor.get_by_role("button", name="Envoyer ma candidature")
        expect(send).to_be_visible()

        teacher.watch(
            "applied", {"Situation": (False, "Candidature envoyée"), "Candidatures": (True, "1")}
        )
        actor.evaluate(
            _WATCH_TEXT, ["applied", f"Votre candidature est envoyée à {EMPLOYER.organisation}."]
        )
        pupil_worker = server.worker_of(actor)
        assert server.redis is None or pupil_worker != server.worker_of(teacher_page), (
            "the pupil's and the teacher's websockets are on the same worker"
        )
        report["pupil_worker"] = _short(pupil_worker, workers)
        clicked_at = time.time()
        send.click()
        _measure(report, "applied", teacher, clicked_at, actor, "after the pupil's application")
        expect(
            actor.get_by_text(
                f"Votre candidature est envoyée à {EMPLOYER.organisation}.", exact=False
            )
        ).to_be_visible()
        screenshot(actor, f"{tag}-02-pupil-sent")
        expect(teacher.cell("Situation")).to_have_text("Candidature envoyée")
        expect(teacher.cell("Candidatures")).to_have_text("1")
        expect(teacher.cell("Stages acceptés")).to_have_text("—")
        screenshot(teacher_page, f"{tag}-03-teacher-after-application")
        report["teacher_worker_after_apply"] = _short(server.worker_of(teacher_page), workers)

        # 3. context P: the pupil signs out, the employer signs in and accepts
        actor.get_by_role("button", name="Se déconnecter").click()
        expect(actor).to_have_url(re.compile(r"/connexion/?\?deconnecte=1"))
        sign_in(actor, world.employer_email, password=PASSWORD)
        expect(actor).to_have_url(url("/employeur"))
        teacher.watch("read", {"Situation": (False, "Candidature lue")})
        read_at = time.time()
        actor.goto(f"/employeur/candidature?id={application_id}")

        def application_ready(page: Page) -> None:
            expect(
                page.get_by_role("heading", level=1, name=f"Candidature de {PUPIL_NAME}")
            ).to_be_visible()

        application_ready(actor)
        report["employer_reloads"] = _other_worker(server, actor, teacher_worker, application_ready)
        actor.locator("#reponse-accepter").fill(ACCEPT_MESSAGE)
        accept = actor.get_by_role("button", name="Accepter la candidature")
        expect(accept).to_be_enabled()

        teacher.watch(
            "accepted",
            {
                "Situation": (False, "1 stage"),
                "Candidatures": (True, "1"),
                "Stages acceptés": (False, internship),
            },
        )
        confirmation = f"Vous avez accepté la candidature de {PUPIL_NAME} pour la semaine {week}"
        actor.evaluate(_WATCH_TEXT, ["accepted", confirmation])
        employer_worker = server.worker_of(actor)
        assert server.redis is None or employer_worker != server.worker_of(teacher_page), (
            "the employer's and the teacher's websockets are on the same worker"
        )
        report["employer_worker"] = _short(employer_worker, workers)
        clicked_at = time.time()
        accept.click()
        _measure(report, "accepted", teacher, clicked_at, actor, "after the employer's acceptance")
        expect(actor.get_by_text(confirmation, exact=False)).to_be_visible()
        screenshot(actor, f"{tag}-04-employer-accepted")
        # informative only: opening the application marked it read ("Candidature lue"), the
        # row may have shown it before the acceptance (the employer's page loaded meanwhile)
        read_seen = _seen_at(teacher_page, "read", 0.1)
        report["read_since_opening_s"] = (
            None if read_seen is None else round(read_seen - read_at, 3)
        )
        expect(teacher.cell("Situation")).to_have_text("1 stage")
        expect(teacher.cell("Candidatures")).to_have_text("1")
        expect(teacher.cell("Stages acceptés")).to_have_text(internship)
        screenshot(teacher_page, f"{tag}-05-teacher-after-acceptance")
        report["teacher_worker_after_accept"] = _short(server.worker_of(teacher_page), workers)
        teacher.assert_not_reloaded(class_address)
    finally:
        if report:
            _report(server.name, report, capsys)
        for context in contexts:
            context.close()
