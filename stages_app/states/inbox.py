"""Employer pages: the applications received (grouped per offer and week) and one application
(CV and letter as sent, accept / refuse / cancel, CV as PDF).

Dates become French labels here; the browser only receives small view rows (no ORM row, no
datetime). Every handler re-derives the employer from the token and calls one service function
(services.applications, services.cv), which re-checks that the application was sent to one of
this employer's offers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live, routes
from stages_app.models import Role
from stages_app.services import applications as apps
from stages_app.services import cv as cv_service
from stages_app.services import home
from stages_app.services import live as live_topics
from stages_app.services.access import Viewer
from stages_app.services.calendar import fr_date
from stages_app.services.text import search_key
from stages_app.states.base import PageState, as_id, form_text
from stages_app.states.events import event

EMPLOYER = {Role.EMPLOYER.value}
PARIS = ZoneInfo("Europe/Paris")
FORM_TEXT_LIMIT = 10_000  # the service reports anything over 2,000 characters in French

# Status filter of the inbox: (value sent to services.applications.inbox, French label)
STATUS_FILTERS: tuple[tuple[str, str], ...] = (
    ("", "Toutes les candidatures"),
    ("submitted", "Nouvelles (pas encore ouvertes)"),
    ("open", "En attente de votre réponse"),
    ("accepted", "Acceptées"),
    ("refused", "Refusées"),
    ("cancelled_auto", "Annulées automatiquement"),
    ("cancelled", "Stages annulés"),
    ("withdrawn", "Retirées par l'élève"),
)
_FILTER_LABELS = dict(STATUS_FILTERS)


def fr_moment(moment: dt.datetime | None) -> str:
    """'3 mars 2027 à 14 h 05' (Paris time; no line break inside the hour), '' for None."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # stored as UTC
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(PARIS)
    return f"{fr_date(local.date())} à {local.hour}\u00a0h\u00a0{local.minute:02d}"


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class InboxRowView:
    application_id: int
    url: str
    pupil_name: str
    school_line: str  # "3e B · Collège Jean Moulin"
    status: str
    status_label: str
    tone: str
    is_new: bool
    received: str  # "Reçue le 3 mars 2027 à 14 h 05"


@dataclasses.dataclass
class WeekGroupView:
    key: str  # "<offer id>-<monday>"
    week_label: str  # "Semaine du 7 au 11 décembre 2026"
    counts: str  # "2 nouvelles · 3 en attente de réponse · 6 au total"
    seats: str  # "1 place libre sur 2" / "Complet : 2 places sur 2 prises"
    full: bool
    new_count: int
    rows: list[InboxRowView]


@dataclasses.dataclass
class OfferGroupView:
    offer_id: int
    offer_title: str
    weeks: list[WeekGroupView]


def _row_view(r: apps.InboxRow) -> InboxRowView:
    line = " · ".join(x for x in (r.class_name, r.school_name) if x)
    return InboxRowView(
        application_id=r.application_id,
        url=apps.employer_application_url(r.application_id),
        pupil_name=r.pupil_name,
        school_line=line,
        status=r.status,
        status_label=r.status_label,
        tone=r.tone,
        is_new=r.is_new,
        received=f"Reçue le {fr_moment(r.submitted_at)}" if r.submitted_at else "",
    )


def _counts(g: apps.InboxGroup) -> str:
    """'3 candidatures : 1 nouvelle, 2 en attente de réponse' / '1 candidature, aucune en
    attente de réponse'."""
    total = _plural(g.total, "candidature", "candidatures")
    if not g.waiting_count:
        return f"{total}, aucune en attente de réponse"
    waiting = f"{g.waiting_count} en attente de réponse"
    if g.new_count:
        return f"{total} : {_plural(g.new_count, 'nouvelle', 'nouvelles')}, {waiting}"
    return f"{total} : {waiting}"


def _seats(g: apps.InboxGroup) -> str:
    if g.free_seats == 0:
        return f"Complet : {_plural(g.accepted, 'place prise', 'places prises')} sur {g.seats}"
    return f"{_plural(g.free_seats, 'place libre', 'places libres')} sur {g.seats}"


def group_views(
    groups: list[apps.InboxGroup], rows: list[apps.InboxRow], *, keep_empty: bool
) -> list[OfferGroupView]:
    """Rows under their offer and week (order of ``groups``: offer title, then week). With a
    status filter, weeks without a matching row are left out (``keep_empty=False``)."""
    weeks: dict[tuple[int, dt.date], WeekGroupView] = {}
    offers: dict[int, OfferGroupView] = {}
    week: WeekGroupView | None
    for g in groups:
        offer = offers.setdefault(g.offer_id, OfferGroupView(g.offer_id, g.offer_title, []))
        week = WeekGroupView(
            key=f"{g.offer_id}-{g.week_start.isoformat()}",
            week_label=f"Semaine {g.week_label}",
            counts=_counts(g),
            seats=_seats(g),
            full=g.free_seats == 0,
            new_count=g.new_count,
            rows=[],
        )
        weeks[(g.offer_id, g.week_start)] = week
        offer.weeks.append(week)
    for r in rows:
        week = weeks.get((r.offer_id, r.week_start))
        if week is None:  # a week no longer offered: still shown, without counts
            offer = offers.setdefault(r.offer_id, OfferGroupView(r.offer_id, r.offer_title, []))
            week = WeekGroupView(
                f"{r.offer_id}-{r.week_start.isoformat()}",
                f"Semaine {r.week_label}",
                "",
                "",
                False,
                0,
                [],
            )
            weeks[(r.offer_id, r.week_start)] = week
            offer.weeks.append(week)
        week.rows.append(_row_view(r))
    result: list[OfferGroupView] = []
    for offer in offers.values():
        offer.weeks = [w for w in offer.weeks if keep_empty or w.rows]
        if offer.weeks:
            result.append(offer)
    return result


@live.pushable
class InboxState(PageState):
    organisation: str = ""
    status_filter: str = ""
    filters_version: int = 0  # remounts the filter form so it shows the filter applied
    offers: rx.Field[list[OfferGroupView]] = rx.field(default_factory=list)
    shown: rx.Field[int] = rx.field(0)  # applications listed with the current filter
    total: int = 0  # every application received
    summary: str = ""  # "3 nouvelles candidatures · 5 en attente de votre réponse"
    loaded: bool = False

    @rx.var
    def status_options(self) -> list[tuple[str, str]]:
        return list(STATUS_FILTERS)

    @rx.var
    def filter_label(self) -> str:
        return _FILTER_LABELS.get(self.status_filter, "")

    def _read(self, session: Session, viewer: Viewer) -> None:
        """The rows and counts (a pushed refresh: the filter form is left as it is)."""
        self.organisation = home.employer_organisation_name(session, viewer)
        groups = apps.inbox_groups(session, viewer)
        rows = apps.inbox(session, viewer, status=self.status_filter or None)
        self.offers = group_views(groups, rows, keep_empty=not self.status_filter)
        self.shown = len(rows)
        self.total = sum(g.total for g in groups)
        new = sum(g.new_count for g in groups)
        waiting = sum(g.waiting_count for g in groups)
        self.summary = (
            f"{_plural(new, 'nouvelle candidature', 'nouvelles candidatures')} · "
            f"{waiting} en attente de votre réponse"
        )
        self.loaded = True
        self._watch(live_topics.organisation_topic_of(session, viewer) or "")

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self._read(session, viewer)
        self.filters_version += 1

    @event
    def refresh(self, _tick: str = "") -> EventSpec | None:
        """Fallback timer tick of the live updates."""
        return self._live_refresh()

    def _live_refresh(self) -> EventSpec | None:
        """Re-read the applications (pushed when a pupil applies to or withdraws from one of the
        offers); the filter being chosen, the message and the error stay as they are."""
        if not self.loaded:
            return None
        result = self._poll(EMPLOYER, self._read)
        if result is not None:
            self._clear()
        return result

    def _clear(self) -> None:
        self.organisation = self.summary = ""
        self.offers = []
        self.shown = self.total = 0
        self.loaded = False

    @event
    def load(self) -> EventSpec | None:
        raw = self.router.url.query_parameters.get("statut", "")
        self.status_filter = raw if isinstance(raw, str) and raw in _FILTER_LABELS else ""
        self._clear()
        return self._run(EMPLOYER, lambda s, v: None)

    @event
    def apply_filter(self, form: dict[str, Any]) -> EventSpec | None:
        value = form_text(form, "status", 20)
        self.status_filter = value if value in _FILTER_LABELS else ""
        result = self._run(EMPLOYER, lambda s, v: None)
        if result is not None or self.error:
            return result
        # the filter in the address: "back" from an application comes back to the same list
        query = f"?statut={self.status_filter}" if self.status_filter else ""
        return rx.call_script(
            f"window.history.replaceState(null, '', '{routes.EMPLOYER_INBOX}{query}')"
        )


# ---------------------------------------------------------------------------------------------
# One application
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class CVSectionView:
    key: str
    label: str
    text: str  # a text section ("À propos de moi")
    lines: list[str]  # a list section


@dataclasses.dataclass
class HistoryView:
    at: str  # "3 mars 2027 à 14 h 05"
    iso: str  # machine-readable date for <time datetime=…>
    label: str  # "Lue", "Acceptée"…
    actor: str  # "L'élève", "Vous", "Automatique"
    reason: str


@dataclasses.dataclass
class ApplicationReview:
    """One application as the employer sees it, every date already a French label."""

    id: int = 0
    offer_id: int = 0
    offer_title: str = ""
    week_label: str = ""  # "du 7 au 11 décembre 2026"
    status: str = ""
    status_label: str = ""
    tone: str = "neutral"
    pupil_first_name: str = ""
    pupil_last_name: str = ""
    class_name: str = ""
    school_name: str = ""  # "Collège Jean Moulin (Bobigny)"
    submitted: str = ""
    read: str = ""
    answered: str = ""
    answer_message: str = ""
    reason: str = ""
    seats: str = ""  # "1 place libre sur 2 pour cette semaine"
    letter: str = ""
    cv: list[CVSectionView] = dataclasses.field(default_factory=list)
    history: list[HistoryView] = dataclasses.field(default_factory=list)
    can_accept: bool = False
    can_refuse: bool = False
    can_cancel: bool = False
    accept_blocked_reason: str = ""


def _cv_sections(cv: cv_service.CVView) -> list[CVSectionView]:
    result: list[CVSectionView] = []
    for section in cv_service.CV_SECTIONS:
        value = getattr(cv, section.key, None)
        if not value:
            continue
        if section.kind == "text":
            result.append(CVSectionView(section.key, section.label, str(value), []))
        else:
            result.append(CVSectionView(section.key, section.label, "", [str(v) for v in value]))
    return result


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(PARIS).isoformat(timespec="minutes")


def review_of(d: apps.ApplicationDetail) -> ApplicationReview:
    school = d.school_name + (
        f" ({d.school_commune})" if d.school_name and d.school_commune else ""
    )
    if d.free_seats == 0:
        seats = f"Complet : {d.accepted_count} sur {d.seats} place(s) prise(s) cette semaine"
    else:
        seats = (
            f"{_plural(d.free_seats, 'place libre', 'places libres')} sur {d.seats} cette semaine"
        )
    return ApplicationReview(
        id=d.id,
        offer_id=d.offer_id,
        offer_title=d.offer_title,
        week_label=d.week_label,
        status=d.status,
        status_label=d.status_label,
        tone=d.tone,
        pupil_first_name=d.pupil_first_name,
        pupil_last_name=d.pupil_last_name,
        class_name=d.class_name,
        school_name=school,
        submitted=fr_moment(d.submitted_at),
        read=fr_moment(d.read_at),
        answered=fr_moment(d.answered_at),
        answer_message=d.answer_message,
        reason=d.reason,
        seats=seats,
        letter=d.letter,
        cv=_cv_sections(d.cv),
        history=[
            HistoryView(fr_moment(e.at), _iso(e.at), e.label, e.actor, e.reason) for e in d.history
        ],
        can_accept=d.can_accept,
        can_refuse=d.can_refuse,
        can_cancel=d.can_cancel,
        accept_blocked_reason=d.accept_blocked_reason,
    )


# Short titles of the ready-made refusal reasons, in the order of apps.REFUSAL_TEMPLATES.
_REFUSAL_TITLES = (
    "Toutes nos places sont prises",
    "Notre équipe ne peut pas accueillir cette semaine-là",
    "Beaucoup de candidatures : un choix difficile",
    "Période peu adaptée à l'accueil d'un élève",
)


def refusal_choice_list() -> list[tuple[str, str]]:
    """(number from 1, short title) of each ready-made refusal reason."""
    return [
        (
            str(i),
            _REFUSAL_TITLES[i - 1]
            if i <= len(_REFUSAL_TITLES)
            else (text[:60] + "…" if len(text) > 60 else text),
        )
        for i, text in enumerate(apps.REFUSAL_TEMPLATES, start=1)
    ]


def cv_filename(first: str, last: str) -> str:
    """'CV-ines-martin.pdf' (ASCII only: safe in every browser's download bar)."""
    name = re.sub(r"\s+", "-", search_key(f"{first} {last}"))[:60].strip("-")
    return f"CV-{name}.pdf" if name else "CV.pdf"


class ApplicationReviewState(PageState):
    application_id: int = 0
    found: bool = False
    review: ApplicationReview = ApplicationReview()
    refusal_choices: list[tuple[str, str]] = refusal_choice_list()
    refusal_message: str = ""  # what the ready-made reason put in the refusal message
    # remounts the refusal text area with the chosen reason
    refusal_version: rx.Field[int] = rx.field(0)
    # empties the answer forms after a successful action
    forms_version: rx.Field[int] = rx.field(0)

    @rx.var
    def pupil_name(self) -> str:
        return f"{self.review.pupil_first_name} {self.review.pupil_last_name}".strip()

    @rx.var
    def title(self) -> str:
        """'Candidature d'Enzo Da Silva' / 'Candidature de Lucas Martin'."""
        name = self.pupil_name
        if not self.found or not name:
            return "Candidature"
        elided = name[:1].lower() in "aàâeéèêëiîïoôuùûüy"  # as services.applications._de
        return f"Candidature d'{name}" if elided else f"Candidature de {name}"

    def _reload(self, session: Session, viewer: Viewer) -> None:
        """The application as it is now (opening it marks it read: ``open_application``)."""
        self.found = False
        self.review = ApplicationReview()
        self.review = review_of(apps.open_application(session, viewer, self.application_id))
        self.found = True

    @event
    def load(self) -> EventSpec | None:
        self.application_id = as_id(self.router.url.query_parameters.get("id")) or 0
        self.found = False
        self.review = ApplicationReview()
        self.refusal_message = ""
        self.refusal_version += 1
        self.forms_version += 1
        return self._run(EMPLOYER, lambda s, v: None)

    def _refresh_keeping_error(self) -> None:
        """After a refused action: show the application as it is now, or nothing when this
        viewer may not see it, and keep the French error of the action."""
        error, field = self.error, self.error_field
        self._run(EMPLOYER, lambda s, v: None)
        self.error, self.error_field, self.message = error, field, ""

    def _answer(
        self, action: Callable[[Session, Viewer], str], success: Callable[[str], str]
    ) -> EventSpec | None:
        """Run one answer; on success empty the forms; on a refusal keep what was typed and
        show the application as it is now (another employer may have answered meanwhile)."""
        result = self._run(EMPLOYER, action, success)
        if result is not None:
            return result  # redirect: not signed in, or not an employer
        if self.error:
            self._refresh_keeping_error()
            return None
        self.refusal_message = ""
        self.refusal_version += 1
        self.forms_version += 1
        return None

    @event
    def accept(self, form: dict[str, Any]) -> EventSpec | None:
        aid, message = self.application_id, form_text(form, "message", FORM_TEXT_LIMIT)
        return self._answer(lambda s, v: apps.accept(s, v, aid, message), lambda text: text)

    @event
    def refuse(self, form: dict[str, Any]) -> EventSpec | None:
        aid, message = self.application_id, form_text(form, "message", FORM_TEXT_LIMIT)
        return self._answer(lambda s, v: apps.refuse(s, v, aid, message), lambda text: text)

    @event
    def cancel(self, form: dict[str, Any]) -> EventSpec | None:
        aid, reason = self.application_id, form_text(form, "reason", FORM_TEXT_LIMIT)
        return self._answer(lambda s, v: apps.cancel_accepted(s, v, aid, reason), lambda text: text)

    @event
    def choose_refusal_template(self, value: str) -> None:
        """A ready-made reason fills the refusal message (nothing is sent)."""
        number = as_id(value)
        if number is None or number > len(apps.REFUSAL_TEMPLATES):
            return
        self.refusal_message = apps.REFUSAL_TEMPLATES[number - 1]
        self.refusal_version += 1

    @event
    def download_cv(self) -> EventSpec | None:
        aid = self.application_id
        holder: dict[str, bytes] = {}

        def action(s: Session, v: Viewer) -> None:
            holder["pdf"] = cv_service.cv_pdf_for_application(s, v, aid)

        result = self._run(EMPLOYER, action)
        if "pdf" not in holder:
            if result is None and self.error:
                self._refresh_keeping_error()
            return result
        return rx.download(
            data=holder["pdf"],
            filename=cv_filename(self.review.pupil_first_name, self.review.pupil_last_name),
        )
