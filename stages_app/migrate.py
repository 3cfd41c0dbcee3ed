"""Run Alembic migrations programmatically (deploy step; never at import)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from stages_app.settings import REPO_ROOT, db_url


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(REPO_ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", (url or db_url()).replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
