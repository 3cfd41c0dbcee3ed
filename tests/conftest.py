"""Database fixtures shared by unit and state tests.

``engine`` runs each test on SQLite, and again on PostgreSQL when TEST_DATABASE_URL (or the local
server at 127.0.0.1:5432) is reachable. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, SQLModel

os.environ.setdefault("STAGES_BCRYPT_ROUNDS", "4")  # fast hashing in tests; production uses 12

from stages_app.db import create_all, make_engine  # noqa: E402
from tests.needs import (  # noqa: E402
    IN_CI,
    PG_ADMIN_URL,
    REDIS_TEST_URL,
    need_postgres,
    postgres_problem,
    redis_problem,
)

# How long the clean-up between two PostgreSQL tests waits for a lock before it reports the
# transaction that holds it (a session a test forgot to close) instead of hanging the run.
TRUNCATE_LOCK_TIMEOUT = "20s"


def pytest_report_header(config):
    """What this run can reach, so that a skip (or, under CI, a failure) is explained up front."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    lines = [
        f"CI strict (skips fail): {'yes' if IN_CI else 'no (CI unset)'}",
        f"PostgreSQL: {postgres_problem() or 'reachable at ' + PG_ADMIN_URL.split('@')[-1]}",
        f"Redis: {redis_problem() or 'reachable at ' + REDIS_TEST_URL}",
        f"LibreOffice: {soffice or 'missing'}; pdftotext: {shutil.which('pdftotext') or 'missing'}",
    ]
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failed test (expected failures excepted): what a test
    could not check was not proven."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: skipped tests fail. Skip reason: {reason}"


@pytest.fixture(scope="session")
def pg_url():
    """A private database for this test run on the PostgreSQL server, dropped at the end."""
    need_postgres()
    name = f"stages_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _pg_engine(pg_url):
    eng = make_engine(pg_url)
    create_all(eng)
    yield eng
    eng.dispose()


def _truncate_pg(eng) -> None:
    """Empty every table. A transaction left open by an earlier test (a ``Session`` never closed)
    would block the TRUNCATE forever: after ``TRUNCATE_LOCK_TIMEOUT`` the test fails, naming what
    held the lock, and those connections are ended so that the next tests run."""
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    try:
        with eng.begin() as conn:
            conn.execute(text(f"SET LOCAL lock_timeout = '{TRUNCATE_LOCK_TIMEOUT}'"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    except OperationalError as exc:
        if "lock timeout" not in str(exc) and "lock_timeout" not in str(exc):
            raise
        with eng.connect() as conn:
            holders = conn.execute(
                text(
                    "SELECT pid, state, left(query, 160) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state LIKE 'idle in transaction%'"
                )
            ).all()
            for pid, _state, _query in holders:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            conn.commit()
        held = "; ".join(f"pid {pid} ({state}): {query}" for pid, state, query in holders)
        pytest.fail(
            f"PostgreSQL clean-up waited {TRUNCATE_LOCK_TIMEOUT} for a lock: a transaction "
            f"left open by an earlier test (a Session not closed?) held it: {held or '?'}",
            pytrace=False,
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    """An empty database: SQLite file, then PostgreSQL (skipped when unreachable)."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        create_all(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("_pg_engine")
        _truncate_pg(eng)
        yield eng


@pytest.fixture
def sqlite_engine(tmp_path):
    """SQLite only, for tests whose subject is not the database."""
    eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s
