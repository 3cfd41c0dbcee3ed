"""Engine and session factory for services, CLI, tests and benchmarks (no reflex import).

Reflex states use ``rx.session()`` on the same URL (rxconfig reads the same setting).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session, SQLModel, create_engine

from stages_app import models  # noqa: F401  (registers tables)
from stages_app.settings import db_url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    url = url or db_url()
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        _configure_sqlite(engine)
    return engine


def begin_immediate(session: Session) -> None:
    """SQLite: take the database write lock now, before the unit of work reads anything
    (``BEGIN IMMEDIATE``), so that what it reads cannot change before it writes; PostgreSQL takes
    row locks instead (``SELECT … FOR UPDATE`` in the unit). The session must hold no pending
    change (a read-only transaction in progress is ended: nothing is lost)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a locked unit of work must start with no pending change")
    session.rollback()
    session.connection().exec_driver_sql("BEGIN IMMEDIATE")


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(  # pragma: no cover - exercised by every sqlite test
        dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry
    ) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()


@functools.cache
def get_engine() -> Engine:
    return make_engine()


@contextlib.contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def create_all(engine: Engine) -> None:
    """Create every table directly (tests only; the app uses Alembic migrations)."""
    SQLModel.metadata.create_all(engine)
