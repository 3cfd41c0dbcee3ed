"""Pupil side of applications: choose a week on an offer, write the letter (autosaved), review,
send; the tracker. Rules R1–R7 live in services.applications."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live, routes
from stages_app.models import Role
from stages_app.services import applications as apps
from stages_app.services import live as live_topics
from stages_app.services.access import Viewer
from stages_app.services.schools import PARIS
from stages_app.states.base import PageState, as_id, as_text, form_text
from stages_app.states.events import event

STUDENT = {Role.STUDENT.value}
TONE_COLOR = {
    "neutral": "gray",
    "info": "blue",
    "success": "green",
    "danger": "red",
    "warning": "orange",
}


def _moment(value: dt.datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y") if value else ""


@dataclasses.dataclass
class WeekOption:
    week_start: str
    label: str
    free: str
    application_id: int
    application_status: str
    blocked_reason: str
    can_apply_again: bool = False


class ApplyState(PageState):
    """The "Postuler" block of the offer detail page."""

    weeks: rx.Field[list[WeekOption]] = rx.field(default_factory=list)

    def _offer_id(self) -> int:
        return as_id(self.router.url.query_parameters.get("id")) or 0

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self.weeks = [
            WeekOption(
                w.week_start.isoformat(),
                w.label,
                f"{w.free_seats} place{'s' if w.free_seats > 1 else ''}",
                w.application_id or 0,
                w.application_status,
                w.blocked_reason,
                w.can_apply_again,
            )
            for w in apps.application_weeks(session, viewer, self._offer_id())
        ]

    @event
    def load(self) -> EventSpec | None:
        self.weeks = []
        return self._run(STUDENT, lambda s, v: None)

    @event
    def start(self, week_start: str) -> EventSpec | None:
        week = as_text(week_start, 10)
        offer_id = self._offer_id()
        holder: dict[str, apps.ApplicationView] = {}

        def action(s: Session, v: Viewer) -> None:
            holder["app"] = apps.start_or_get_draft(s, v, offer_id, week)

        result = self._run(STUDENT, action)
        if "app" in holder:
            return rx.redirect(f"{routes.STUDENT_APPLICATION}?id={holder['app'].id}")
        return result


class ApplicationState(PageState):
    """One application: letter editor with autosave, review, send; or its status once sent."""

    app_id: int = 0
    found: bool = False
    offer_id: rx.Field[int] = rx.field(0)
    offer_title: str = ""
    employer_name: str = ""
    commune_name: str = ""
    week_label: str = ""
    status: str = ""
    status_label: str = ""
    letter: str = ""
    answer_message: str = ""
    reason: str = ""
    can_edit: bool = False
    can_withdraw: bool = False
    can_cancel: bool = False
    reviewing: bool = False
    saved_label: str = ""
    tips: list[str] = []
    example: str = ""

    def _fill(self, view: apps.ApplicationView) -> None:
        self.found = True
        self.app_id = view.id
        self.offer_id = view.offer_id
        self.offer_title, self.employer_name = view.offer_title, view.employer_name
        self.commune_name, self.week_label = view.commune_name, view.week_label
        self.status, self.status_label = view.status, view.status_label
        self.letter = view.letter
        self.answer_message, self.reason = view.answer_message, view.reason
        self.can_edit, self.can_withdraw, self.can_cancel = (
            view.can_edit,
            view.can_withdraw,
            view.can_cancel,
        )

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self._fill(apps.get_application(session, viewer, self.app_id))

    def _clear(self) -> None:
        """Forget the application shown before (a refused load must not keep another
        application's letter: logging out does not reset the page states of the browser tab)."""
        self.found = False
        self.app_id = self.offer_id = 0
        self.offer_title = self.employer_name = self.commune_name = self.week_label = ""
        self.status = self.status_label = self.letter = self.answer_message = self.reason = ""
        self.can_edit = self.can_withdraw = self.can_cancel = False
        self.reviewing = False
        self.saved_label = ""

    @event
    def load(self) -> EventSpec | None:
        self._clear()
        self.app_id = as_id(self.router.url.query_parameters.get("id")) or 0
        self.tips, self.example = apps.letter_guidance()
        return self._run(STUDENT, lambda s, v: None)

    @event
    def set_letter(self, value: str) -> EventSpec | None:
        """Autosave of the letter draft (debounced by the page)."""
        if not isinstance(value, str):
            # a forged value: nothing is stored, the letter on screen stays as typed
            self.saved_label = "Brouillon non enregistré : la lettre doit être un texte."
            return None
        self.letter = as_text(value, apps.LETTER_MAX * 2)
        text, app_id = self.letter, self.app_id
        result = self._run(STUDENT, lambda s, v: apps.save_letter(s, v, app_id, text))
        if self.error:
            self.saved_label = "Brouillon non enregistré : " + self.error
        elif result is not None:  # redirected (logged out, not a pupil): nothing was saved
            self.saved_label = ""
        else:
            self.saved_label = "Brouillon enregistré"
        if self.error:
            self.error = ""
        return result

    @event
    def review(self) -> None:
        self.reviewing = True

    @event
    def edit(self) -> None:
        self.reviewing = False

    @event
    def submit(self) -> EventSpec | None:
        app_id = self.app_id
        result = self._run(
            STUDENT, lambda s, v: apps.submit_application(s, v, app_id), lambda msg: msg
        )
        if not self.error:
            self.reviewing = False
        return result

    @event
    def withdraw(self) -> EventSpec | None:
        app_id = self.app_id
        return self._run(STUDENT, lambda s, v: apps.withdraw(s, v, app_id), lambda msg: msg)

    @event
    def cancel(self, form: dict[str, Any]) -> EventSpec | None:
        # cut well above the limit, so that a longer reason gets the service's French message
        # instead of being silently truncated into a valid one
        app_id, reason = self.app_id, form_text(form, "reason", apps.MESSAGE_MAX * 2)
        return self._run(
            STUDENT, lambda s, v: apps.cancel_accepted(s, v, app_id, reason), lambda msg: msg
        )


@dataclasses.dataclass
class TrackerItem:
    application_id: int
    offer_id: int
    offer_title: str
    employer_name: str
    commune_name: str
    week_label: str
    status: str
    status_label: str
    color: str
    dates: str
    answer_message: str
    reason: str
    can_withdraw: bool


@dataclasses.dataclass
class InternshipItem:
    application_id: int
    offer_title: str
    employer_name: str
    address: str
    week_label: str
    tutor: str
    contact: str
    answer_message: str


@live.pushable
class TrackerState(PageState):
    loaded: bool = False
    count_label: str = ""
    school_year_label: str = ""
    internships: rx.Field[list[InternshipItem]] = rx.field(default_factory=list)
    items: rx.Field[list[TrackerItem]] = rx.field(default_factory=list)

    def _reload(self, session: Session, viewer: Viewer) -> None:
        view = apps.pupil_tracker(session, viewer)
        labels = (view.count_label, view.school_year_label)
        if labels != (self.count_label, self.school_year_label):
            self.count_label, self.school_year_label = labels
        internships = [
            InternshipItem(
                i.application_id,
                i.offer_title,
                i.employer_name,
                i.address,
                i.week_label,
                ", ".join(x for x in (i.tutor_name, i.tutor_role) if x),
                " · ".join(x for x in (i.contact_name, i.contact_email, i.contact_phone) if x),
                i.answer_message,
            )
            for i in view.internships
        ]
        if internships != self.internships:  # a refresh tick sends nothing when nothing moved
            self.internships = internships
        items: list[TrackerItem] = []
        for r in view.applications:
            dates: list[str] = []
            if r.submitted_at:
                dates.append(f"envoyée le {_moment(r.submitted_at)}")
            if r.read_at:
                dates.append(f"lue le {_moment(r.read_at)}")
            if r.answered_at:
                dates.append(f"réponse le {_moment(r.answered_at)}")
            if not dates:
                dates.append(f"commencée le {_moment(r.created_at)}")
            items.append(
                TrackerItem(
                    r.application_id,
                    r.offer_id,
                    r.offer_title,
                    r.employer_name,
                    r.commune_name,
                    r.week_label,
                    r.status,
                    r.status_label,
                    TONE_COLOR.get(r.tone, "gray"),
                    ", ".join(dates),
                    r.answer_message,
                    r.reason,
                    r.can_withdraw,
                )
            )
        if items != self.items:
            self.items = items
        self.loaded = True
        self._watch(live_topics.pupil_topic(viewer.user_id))

    @event
    def refresh(self, _tick: str = "") -> EventSpec | None:
        """Fallback timer tick of the live updates."""
        return self._live_refresh()

    def _live_refresh(self) -> EventSpec | None:
        """Re-read the tracker for the pupil derived again from the token (pushed when an
        employer answers); only the rows change (messages and errors stay)."""
        if not self.loaded:
            return None
        result = self._poll(STUDENT, self._reload)
        if result is not None:
            self.loaded = False
            self.count_label = self.school_year_label = ""
            self.internships, self.items = [], []
        return result

    @event
    def load(self) -> EventSpec | None:
        self.loaded = False
        # a refused load must not keep a previous user's applications
        self.count_label = self.school_year_label = ""
        self.internships = []
        self.items = []
        return self._run(STUDENT, lambda s, v: None)

    @event
    def withdraw(self, application_id: int) -> EventSpec | None:
        app_id = as_id(application_id)
        return self._run(STUDENT, lambda s, v: apps.withdraw(s, v, app_id), lambda msg: msg)
