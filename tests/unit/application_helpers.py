"""A small world for the CV and application tests: a collège with three upcoming internship
weeks, pupils with open access (and a CV), employers with published offers — offers, CVs and
applications go through the real services."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from stages_app.db import make_engine
from stages_app.models import (
    Application,
    ApplicationEvent,
    PupilProfile,
    Role,
    School,
    SchoolClass,
    Sector,
)
from stages_app.services import applications as apps
from stages_app.services import cv as cv_service
from stages_app.services.access import Viewer
from stages_app.services.calendar import school_year_of
from stages_app.services.errors import DomainError
from tests.unit import offer_helpers as oh


def _weeks() -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """Four consecutive upcoming Mondays of one school year (R4 counts per school year)."""
    start = oh.WEEK1
    while school_year_of(start) != school_year_of(start + dt.timedelta(weeks=3)):
        start += dt.timedelta(weeks=1)
    return tuple(start + dt.timedelta(weeks=i) for i in range(4))  # type: ignore[return-value]


W1, W2, W3, NOT_A_SCHOOL_WEEK = _weeks()

CV = {
    "about": "Élève de 3e curieuse, j'aime cuisiner et le sport.",
    "school_path": ["Depuis 2023 : Collège République, Bobigny (3e B)"],
    "interests": ["Cuisine", "Basket"],
    "qualities": ["Ponctuelle", "Motivée"],
    "languages": ["Français", "Anglais (LV1)"],
    "experiences": ["Déléguée de classe en 4e"],
}
LETTER = (
    "Madame, Monsieur,\n\nJe suis en 3e et votre offre m'intéresse beaucoup : j'aimerais "
    "découvrir votre métier pendant une semaine.\n\nMerci de votre attention."
)

_n = itertools.count(1)


@dataclasses.dataclass
class World:
    school: School
    sector: Sector


def world(session: Session, *, national: bool = False) -> World:
    oh.commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352)
    school = oh.school(session, weeks=(W1, W2, W3), national=national)
    return World(school, oh.sector(session))


def pupil(session: Session, w: World, *, cv: bool = True, **kwargs) -> Viewer:
    viewer = oh.pupil(session, w.school, **kwargs)
    if cv:
        cv_service.save_cv(session, viewer, CV)
    return viewer


def main_teacher(session: Session, w: World, pupil_viewer: Viewer) -> Viewer:
    """A professeur principal (rights granted) made main teacher of the pupil's class."""
    teacher = oh.staff(session, w.school, function="professeur_principal")
    profile = session.execute(
        select(PupilProfile).where(PupilProfile.user_id == pupil_viewer.user_id)
    ).scalar_one()
    klass = session.get(SchoolClass, profile.class_id)
    klass.main_teacher_id = teacher.user_id
    session.add(klass)
    session.commit()
    return teacher


def principal(session: Session, w: World) -> Viewer:
    return oh.staff(session, w.school, role=Role.PRINCIPAL, function="principal")


def offer(
    session: Session, w: World, employer: Viewer | None = None, *, weeks=((W1, 1),), **kwargs
) -> tuple[Viewer, int]:
    """(employer, offer id) of a published offer near the collège."""
    emp = employer or oh.employer(session, name=f"Employeur {next(_n)}")
    row = oh.published_offer(session, emp, w.sector, weeks=list(weeks), **kwargs)
    return emp, row.id


def draft(
    session: Session, pupil_viewer: Viewer, offer_id: int, week: dt.date, letter: str = LETTER
) -> int:
    view = apps.start_or_get_draft(session, pupil_viewer, offer_id, week)
    apps.save_letter(session, pupil_viewer, view.id, letter)
    return view.id


def submitted(
    session: Session, pupil_viewer: Viewer, offer_id: int, week: dt.date, letter: str = LETTER
) -> int:
    app_id = draft(session, pupil_viewer, offer_id, week, letter)
    apps.submit_application(session, pupil_viewer, app_id)
    return app_id


def status(session: Session, app_id: int) -> str:
    session.expire_all()
    return session.get(Application, app_id).status


def count(session: Session, model, *where) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def history(session: Session, app_id: int) -> list[ApplicationEvent]:
    session.expire_all()
    return list(
        session.execute(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == app_id)
            .order_by(ApplicationEvent.at, ApplicationEvent.id)
        ).scalars()
    )


def assert_history_consistent(session: Session, app_id: int) -> list[str]:
    """Every transition has its event: a chain from None to the current status. Returns the
    statuses visited."""
    events = history(session, app_id)
    app = session.get(Application, app_id)
    assert events, "no event at all"
    assert events[0].from_status is None and events[0].to_status == "draft"
    for before, after in itertools.pairwise(events):
        assert after.from_status == before.to_status
        assert after.at >= before.at
    assert events[-1].to_status == app.status
    for event in events:
        assert event.at.tzinfo is not None
    return [e.to_status for e in events]


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table (compared before/after a refused action)."""
    session.expire_all()
    return {
        table.name: [
            tuple(r)
            for r in session.execute(select(table).order_by(*table.primary_key.columns)).all()
        ]
        for table in SQLModel.metadata.sorted_tables
    }


def race(engine, calls) -> list[str]:
    """Run ``calls[i](session)`` in one thread each, every thread with its own Session on its own
    engine connection, released together by a barrier. Returns "ok" or "<Error>: message" per
    call, in order."""
    url = engine.url.render_as_string(hide_password=False)
    eng = make_engine(url, pool_size=len(calls) + 2, max_overflow=0, pool_timeout=60)
    barrier = threading.Barrier(len(calls))
    results: list[str] = [""] * len(calls)

    def run(i: int) -> None:
        with Session(eng, expire_on_commit=False) as s:
            s.connection()  # a connection in hand before the start
            s.rollback()
            barrier.wait()
            try:
                calls[i](s)
                results[i] = "ok"
            except DomainError as exc:
                results[i] = f"{type(exc).__name__}: {exc.message}"
            except Exception as exc:  # noqa: BLE001 - reported by the assertions
                results[i] = f"crash {type(exc).__name__}: {exc}"

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    eng.dispose()
    return results
