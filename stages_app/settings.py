"""Environment-driven settings. Nothing here imports reflex."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_db_url() -> str:
    """SQLite file at the repository root unless REFLEX_DB_URL is set."""
    return os.environ.get("REFLEX_DB_URL") or f"sqlite:///{REPO_ROOT / 'stages.db'}"


def db_url() -> str:
    return default_db_url()


def data_dir() -> Path | None:
    """Directory holding the national reference CSV files (STAGES_DATA_DIR, else ../shared/data)."""
    env = os.environ.get("STAGES_DATA_DIR")
    if env:
        return Path(env)
    candidate = REPO_ROOT.parent / "shared" / "data"
    return candidate if candidate.is_dir() else None


def live_fallback_ms() -> int:
    """Period of the live pages' fallback timer (the server pushes changes; the timer only repairs
    a lost push and renews the subscription). STAGES_LIVE_FALLBACK_S, default 20 s. Read when the
    frontend is compiled: the browser tests set it very long, so that only a push can update a
    page."""
    seconds = float(os.environ.get("STAGES_LIVE_FALLBACK_S", "") or 20)
    return int(max(1.0, seconds) * 1000)


SESSION_TTL_HOURS = int(os.environ.get("STAGES_SESSION_TTL_HOURS", "12"))
LOGIN_MAX_FAILURES = 8
LOGIN_LOCK_MINUTES = 15
PASSWORD_MIN_LENGTH = 12
# bcrypt cost: 12 in production; tests may lower it via the environment to stay fast.
BCRYPT_ROUNDS = int(os.environ.get("STAGES_BCRYPT_ROUNDS", "12"))
PRIVATE_DIR = Path(os.environ.get("STAGES_PRIVATE_DIR", str(REPO_ROOT / "private_files")))
# Absolute base URL used in e-mailed links (e.g. https://stages3e.example.fr); empty = path only.
PUBLIC_URL = os.environ.get("STAGES_PUBLIC_URL", "").rstrip("/")

# --- Outgoing mail (issue 6). Every mail is first written to the outbox table in the same
# transaction as the action; a background sender (or ``python -m stages_app.cli send-mails``)
# delivers it. Empty STAGES_SMTP_HOST = embedded default: nothing is sent, the mails stay in the
# local outbox that the platform admin reads at /admin/courriels.
SMTP_HOST = os.environ.get("STAGES_SMTP_HOST", "").strip()
SMTP_PORT = int(os.environ.get("STAGES_SMTP_PORT", "587") or 587)
SMTP_TLS = (
    os.environ.get("STAGES_SMTP_TLS", "starttls").strip().lower() or "starttls"
)  # starttls | ssl | none
SMTP_USER = os.environ.get("STAGES_SMTP_USER", "")
SMTP_PASSWORD = os.environ.get("STAGES_SMTP_PASSWORD", "")
MAIL_FROM = os.environ.get("STAGES_MAIL_FROM", "Stages 3e <ne-pas-repondre@stages3e.fr>")
SMTP_TIMEOUT = float(os.environ.get("STAGES_SMTP_TIMEOUT", "10") or 10)
