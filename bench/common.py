"""What the benchmarks share (imported by the scripts of bench/, run from the repository)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import text

from stages_app.db import make_engine


@contextlib.contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """A private database on the PostgreSQL server, dropped afterwards."""
    name = f"stages_bench_{uuid.uuid4().hex[:8]}"
    base = server_url.rsplit("/", 1)[0]
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
