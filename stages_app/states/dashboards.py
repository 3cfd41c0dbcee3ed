"""Tracking pages of the school (issue 6): the whole-school dashboard (principal, granted staff)
and a pupil's read-only file (school staff who may see the pupil). Rules live in
services.dashboards; here only view rows with French labels (no dates in public vars).

Live updates: both states are pushed a ``_live_refresh()`` by ``stages_app.live`` when an
application or a pupil's file of what they follow (the school; the pupil) changes; a slow
fallback timer (``components.layout.live_refresh``) calls ``refresh`` too. Either way the
viewer is derived again from the token and only the view rows are replaced
(``PageState._poll``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live, routes
from stages_app.models import Role
from stages_app.services import access, dashboards, moves
from stages_app.services import live as live_topics
from stages_app.services.access import Viewer
from stages_app.services.schools import PARIS
from stages_app.states.applications import TONE_COLOR
from stages_app.states.base import PageState, as_id, require_id
from stages_app.states.events import event

DASHBOARD_ROLES = {Role.PRINCIPAL.value, Role.STAFF.value}


def _day(value: dt.date | None) -> str:
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        value = value.astimezone(PARIS).date()
    return value.strftime("%d/%m/%Y")


@dataclasses.dataclass
class ClassStatsRow:
    class_id: int
    name: str
    href: str
    pupils: int
    accounts: int
    waiting_authorisation: int
    access_opened: int
    with_application: int
    one_internship: int
    two_internships: int
    no_internship: int


@dataclasses.dataclass
class BarRow:
    """One bar of a chart: ``width`` a CSS percentage, ``label`` the same figure as text."""

    title: str
    label: str
    width: str
    color: str


@dataclasses.dataclass
class AttentionItem:
    pupil_user_id: int
    name: str
    class_name: str
    href: str
    reasons: list[str]
    status_label: str
    color: str


def _stats_row(s: dashboards.ClassStats) -> ClassStatsRow:
    return ClassStatsRow(
        s.class_id or 0,
        s.name,
        routes.class_url(s.class_id) if s.class_id else "",
        s.pupils,
        s.accounts,
        s.waiting_authorisation,
        s.access_opened,
        s.with_application,
        s.one_internship,
        s.two_internships,
        s.no_internship,
    )


def _pupils_label(n: int, total: int) -> str:
    pct = round(100 * n / total) if total else 0
    return f"{n} élève{'s' if n > 1 else ''} sur {total} ({pct} %)"


@live.pushable
class SchoolDashboardState(PageState):
    loaded: bool = False
    school_name: str = ""
    school_year_label: str = ""
    classes: list[ClassStatsRow] = []
    totals: list[ClassStatsRow] = []  # one row (a list: simple to render or leave out)
    weeks: rx.Field[list[BarRow]] = rx.field(default_factory=list)
    statuses: rx.Field[list[BarRow]] = rx.field(default_factory=list)
    attention: rx.Field[list[AttentionItem]] = rx.field(default_factory=list)

    def _clear(self) -> None:
        self.loaded = False
        self.school_name = self.school_year_label = ""
        self.classes, self.totals, self.weeks, self.statuses, self.attention = [], [], [], [], []

    def _set(self, name: str, value: object) -> None:
        """Assign only what changed: a refresh tick then sends nothing when nothing moved."""
        if getattr(self, name) != value:
            setattr(self, name, value)

    def _reload(self, session: Session, viewer: Viewer) -> None:
        d = dashboards.school_dashboard(session, viewer)
        total = d.totals.pupils
        self._set("school_name", d.school_name)
        self._set("school_year_label", d.school_year_label)
        self._set("classes", [_stats_row(c) for c in d.classes])
        self._set("totals", [_stats_row(d.totals)])
        self._set(
            "weeks",
            [
                BarRow(
                    w.week_label,
                    w.label,
                    f"{w.percent}%",
                    "green"
                    if w.percent >= 100
                    else ("orange" if 0 <= w.days_until <= 14 else "blue"),
                )
                for w in d.weeks
            ],
        )
        self._set(
            "statuses",
            [
                BarRow(
                    s.label,
                    _pupils_label(s.count, total),
                    f"{round(100 * s.count / total) if total else 0}%",
                    TONE_COLOR.get(s.tone, "gray"),
                )
                for s in d.statuses
            ],
        )
        self._set(
            "attention",
            [
                AttentionItem(
                    a.pupil_user_id,
                    a.name,
                    a.class_name,
                    routes.pupil_url(a.pupil_user_id),
                    list(a.reasons),
                    a.status.label,
                    TONE_COLOR.get(a.status.tone, "gray"),
                )
                for a in d.attention
            ],
        )
        self._set("loaded", True)
        self._watch(live_topics.school_topic(d.school_id))

    @event
    def load(self) -> EventSpec | None:
        self._clear()  # a refused load must not keep a previous viewer's figures
        return self._run(DASHBOARD_ROLES, lambda s, v: None)

    @event
    def refresh(self, _tick: str = "") -> EventSpec | None:
        """Fallback timer tick of the live updates."""
        return self._live_refresh()

    def _live_refresh(self) -> EventSpec | None:
        """Re-read the dashboard for the viewer derived again from the token."""
        if not self.loaded:
            return None
        result = self._poll(DASHBOARD_ROLES, self._reload)
        if result is not None:
            self._clear()
        return result

    @event
    def download_csv(self) -> EventSpec | None:
        holder: dict[str, bytes] = {}

        def action(s: Session, v: Viewer) -> None:
            holder["csv"] = dashboards.school_csv(s, v)

        result = self._run(DASHBOARD_ROLES, action)
        if "csv" not in holder:
            if result is not None:  # rights lost: redirected, forget the figures
                self._clear()
            return result
        return rx.download(data=holder["csv"], filename=dashboards.school_csv_filename())


@dataclasses.dataclass
class FileApplication:
    id: int
    offer_title: str
    employer_name: str
    commune_name: str
    week_label: str
    status_label: str
    color: str
    dates: str
    letter: str
    answer_message: str
    reason: str


@dataclasses.dataclass
class CVSection:
    title: str
    lines: list[str]


CV_TITLES = (
    ("school_path", "Parcours scolaire"),
    ("interests", "Centres d'intérêt"),
    ("qualities", "Qualités"),
    ("languages", "Langues"),
    ("experiences", "Expériences et activités"),
)


@dataclasses.dataclass
class ClassOption:
    class_id: int
    name: str


@dataclasses.dataclass
class HistoryLine:
    day: str
    text: str


@live.pushable
class PupilFileState(PageState):
    pupil_id: int = 0
    found: bool = False
    name: str = ""
    email: str = ""
    class_id: rx.Field[int] = rx.field(0)
    class_name: str = ""
    school_name: str = ""
    status_label: str = ""
    status_color: str = "gray"
    authorisation: str = ""
    access: str = ""
    internships: rx.Field[list[str]] = rx.field(default_factory=list)
    cv_about: str = ""
    cv_sections: rx.Field[list[CVSection]] = rx.field(default_factory=list)
    cv_updated: str = ""
    applications: rx.Field[list[FileApplication]] = rx.field(default_factory=list)
    # changing class within the collège (empty when the viewer may not move the pupil)
    move_choices: rx.Field[list[ClassOption]] = rx.field(default_factory=list)
    history: rx.Field[list[HistoryLine]] = rx.field(default_factory=list)
    # backend only: the viewer moved the pupil out of their sight (their own class, as its pp)
    _moved_away: bool = False

    def _clear(self) -> None:
        self.found = False
        self.name = self.email = self.class_name = self.school_name = ""
        self.status_label, self.status_color = "", "gray"
        self.authorisation = self.access = self.cv_about = self.cv_updated = ""
        self.class_id = 0
        self.internships, self.cv_sections, self.applications = [], [], []
        self.move_choices, self.history = [], []

    def _reload(self, session: Session, viewer: Viewer) -> None:
        if self._moved_away:
            self._clear()
            return
        f = dashboards.pupil_file(session, viewer, self.pupil_id)
        self.name, self.email = f.name, f.email
        self.class_id, self.class_name, self.school_name = f.class_id, f.class_name, f.school_name
        self.status_label = f.status.label
        self.status_color = TONE_COLOR.get(f.status.tone, "gray")
        self.authorisation = (
            f"reçue le {_day(f.authorisation_received_on)}"
            if f.authorisation_received_on
            else "pas encore reçue"
        )
        self.access = (
            f"ouvert le {_day(f.access_opened_at)}" if f.access_opened_at else "pas encore ouvert"
        )
        self.internships = list(f.internships)
        self.cv_about = f.cv.about
        self.cv_sections = [
            CVSection(title, list(getattr(f.cv, key)))
            for key, title in CV_TITLES
            if getattr(f.cv, key)
        ]
        self.cv_updated = f"mis à jour le {_day(f.cv.updated_at)}" if f.cv.updated_at else ""
        apps: list[FileApplication] = []
        for a in f.applications:
            dates = [f"commencée le {_day(a.created_at)}"]
            if a.submitted_at:
                dates.append(f"envoyée le {_day(a.submitted_at)}")
            dates.append(f"dernière mise à jour le {_day(a.updated_at)}")
            apps.append(
                FileApplication(
                    a.id,
                    a.offer_title,
                    a.employer_name,
                    a.commune_name,
                    a.week_label,
                    a.status_label,
                    TONE_COLOR.get(a.tone, "gray"),
                    ", ".join(dates),
                    a.letter,
                    a.answer_message,
                    a.reason,
                )
            )
        if apps != self.applications:
            self.applications = apps
        choices = [
            ClassOption(c.class_id, c.name)
            for c in moves.move_targets(session, viewer, self.pupil_id)
        ]
        if choices != self.move_choices:
            self.move_choices = choices
        history = [
            HistoryLine(_day(h.at), h.text)
            for h in moves.move_history(session, viewer, self.pupil_id)
        ]
        if history != self.history:
            self.history = history
        self.found = True
        self._watch(live_topics.pupil_topic(self.pupil_id))

    @event
    def refresh(self, _tick: str = "") -> EventSpec | None:
        """Fallback timer tick of the live updates."""
        return self._live_refresh()

    def _live_refresh(self) -> EventSpec | None:
        """Re-read the file (pushed when the pupil applies, withdraws or gets an answer)."""
        if not self.found:
            return None
        result = self._poll(routes.SCHOOL_ROLES, self._reload)
        if result is not None:
            self._clear()
        return result

    @event
    def move_pupil(self, form: dict[str, Any]) -> EventSpec | None:
        """Move the pupil to another class of the collège (the form's ``class_id``)."""
        pid, cid = self.pupil_id, as_id(form.get("class_id"))

        def action(s: Session, v: Viewer) -> str:
            text = moves.move_within_school(s, v, pid, require_id(cid))
            if not access.can(s, v, "pupil.view", pid):
                self._moved_away = True
                text += " Vous ne suivez pas sa nouvelle classe : son dossier n'est plus visible."
            return text

        return self._run(routes.SCHOOL_ROLES, action, lambda text: text)

    @event
    def load(self) -> EventSpec | None:
        self._clear()
        self._moved_away = False
        self.pupil_id = as_id(self.router.url.query_parameters.get("id")) or 0
        result = self._run(routes.SCHOOL_ROLES, lambda s, v: None)
        if not self.found:
            self._clear()
        return result
