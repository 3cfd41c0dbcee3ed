"""Reflex configuration: SQLite by default, REFLEX_DB_URL / REFLEX_REDIS_URL override."""

import os

import reflex as rx

from stages_app.settings import default_db_url

config = rx.Config(
    app_name="stages_app",
    db_url=os.environ.get("REFLEX_DB_URL") or default_db_url(),
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="light",
    disable_plugins=["reflex.plugins.sitemap.SitemapPlugin"],
)
