"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL,
and both `alembic upgrade head` and `reflex db migrate` apply them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from stages_app.db import make_engine
from stages_app.migrate import alembic_config, upgrade
from stages_app.settings import REPO_ROOT
from tests.needs import PG_ADMIN_URL, need_postgres

VENV_BIN = os.path.dirname(sys.executable)


def _diff(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    return diff


def test_sqlite_migration_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    assert _diff(url) == []
    engine = make_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(SQLModel.metadata.tables) <= tables


def test_postgresql_migration_matches_the_models():
    need_postgres()
    name = f"stages_mig_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        assert _diff(url) == []
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize(
    "command",
    [
        [os.path.join(VENV_BIN, "alembic"), "upgrade", "head"],
        [os.path.join(VENV_BIN, "reflex"), "db", "migrate"],
    ],
    ids=["alembic", "reflex"],
)
def test_command_line_migrations(tmp_path, command):
    db_file = tmp_path / "cli.db"
    env = {
        **os.environ,
        "REFLEX_DB_URL": f"sqlite:///{db_file}",
        "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", ""),
        "REFLEX_TELEMETRY_ENABLED": "false",
    }
    proc = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    engine = make_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        version = conn.execute(text("select version_num from alembic_version")).scalar()
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert version == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert {"app_user", "offer_week", "application_event", "outbox_mail"} <= tables
