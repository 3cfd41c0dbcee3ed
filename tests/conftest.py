"""Database fixtures shared by unit and state tests.

``engine`` runs each test on SQLite, and again on PostgreSQL when TEST_DATABASE_URL (or the local
server at 127.0.0.1:5432) is reachable. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

os.environ.setdefault("STAGES_BCRYPT_ROUNDS", "4")  # fast hashing in tests; production uses 12

from stages_app.db import create_all, make_engine  # noqa: E402

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> bool:
    try:
        eng = make_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_url():
    """A private database for this test run on the PostgreSQL server, dropped at the end."""
    if not _pg_reachable():
        pytest.skip("PostgreSQL injoignable (TEST_DATABASE_URL ou 127.0.0.1:5432)")
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
    names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


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
