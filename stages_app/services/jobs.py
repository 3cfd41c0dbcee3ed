"""Periodic jobs of the running app (a Reflex lifespan task; no reflex import here).

Every hour: applications still waiting for an answer when their week has started are closed
(``applications.close_past_weeks``). The same jobs run once with
``python -m stages_app.cli close-past-weeks`` (e.g. from cron when the app is not running).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session

from stages_app.services.applications import close_past_weeks

logger = logging.getLogger("stages_app.jobs")


def run_once(engine: Engine) -> int:
    """One pass of every job; returns how many applications were closed."""
    with Session(engine) as session:
        return close_past_weeks(session)


async def run_periodic_jobs(*, interval: float = 3600.0, engine: Engine | None = None) -> None:
    """Every ``interval`` seconds, one pass in a thread. Errors are logged, never raised: the app
    keeps running and the next pass tries again."""
    if engine is None:
        from stages_app.db import get_engine

        engine = get_engine()
    while True:
        try:
            closed = await asyncio.to_thread(run_once, engine)
            if closed:
                logger.info("%s candidature(s) close(s) : leur semaine a commencé.", closed)
        except asyncio.CancelledError:
            raise
        except Exception:  # never let a job crash the app
            logger.exception("Tâches périodiques : erreur inattendue")
        await asyncio.sleep(interval)
