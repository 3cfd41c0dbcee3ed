"""What a test needs from the machine (PostgreSQL, Redis, LibreOffice, pdftotext) and what happens
when it is missing.

Outside CI a test whose service or tool is missing is skipped, and the reason is printed in the
summary (``-ra``). Under ``CI=true`` (as ``.ci/run`` runs) it **fails** instead: "R3–R7 hold on
PostgreSQL" and "live updates cross workers with Redis" must be proven on every landing, never
skipped quietly. ``tests/conftest.py`` also turns any other skip into a failure under CI.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

PG_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")


def unavailable(what: str, why: str) -> NoReturn:
    """Skip this test (outside CI) or fail it (under CI=true), saying what is missing and why."""
    if IN_CI:
        pytest.fail(
            f"CI=true: {what} est requis et indisponible ({why}). Sous CI, un test qui ne "
            "peut pas joindre ce qu'il vérifie échoue au lieu d'être ignoré.",
            pytrace=False,
        )
    pytest.skip(f"{what} indisponible : {why}")


def postgres_problem(url: str = PG_ADMIN_URL) -> str | None:
    """None when the PostgreSQL server answers, else why not."""
    from sqlalchemy import text

    from stages_app.db import make_engine

    try:
        eng = make_engine(url, connect_args={"connect_timeout": 2})
        try:
            with eng.connect() as conn:
                conn.execute(text("select 1"))
        finally:
            eng.dispose()
    except Exception as exc:  # noqa: BLE001 - any driver error means "no server here"
        return f"{_safe(url)} : {type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}"
    return None


def redis_problem(url: str = REDIS_TEST_URL) -> str | None:
    """None when the Redis server answers PING, else why not."""
    try:
        import redis
    except ImportError:
        return "le paquet Python redis n'est pas installé"
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        return f"{url} : {type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def need_postgres(url: str = PG_ADMIN_URL) -> None:
    problem = postgres_problem(url)
    if problem:
        unavailable("PostgreSQL", problem)


def need_redis(url: str = REDIS_TEST_URL) -> None:
    problem = redis_problem(url)
    if problem:
        unavailable("Redis", problem)


def need_tool(*names: str, package: str) -> str:
    """The path of the first of ``names`` on PATH (e.g. ``soffice``), else skip/fail naming the
    Debian package that provides it."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    unavailable(names[0], f"absent du PATH (paquet Debian {package}, installé par scripts/test.sh)")


def _safe(url: str) -> str:
    """The URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}@{host}"
    return url
