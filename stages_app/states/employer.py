"""Employer pages: own offers list and the offer editor with its live preview."""

from __future__ import annotations

import dataclasses
import datetime as dt

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live, routes
from stages_app.models import Offer, Role
from stages_app.services import dashboards, home, offers, search
from stages_app.services import live as live_topics
from stages_app.services.access import Viewer
from stages_app.services.calendar import monday_of, week_label
from stages_app.states.auth import db
from stages_app.states.base import PageState, as_id, as_text
from stages_app.states.events import event
from stages_app.states.search import CardView, card_view

EMPLOYER = {Role.EMPLOYER.value}
TODO_LIMIT = 5  # the "À traiter" list: the longest-waiting applications


def _n(count: int, singular: str, plural: str) -> str:
    """'1 place libre', '3 places libres' (French: 0 and 1 are singular)."""
    return f"{count} {singular if count <= 1 else plural}"


@dataclasses.dataclass
class WeekSeatsRow:
    """One week of an offer on the employer's home: seats left, answers waiting."""

    label: str  # "du 7 au 11 décembre 2026"
    seats: str  # "3 places libres sur 4" | "complet" | "semaine passée"
    full: bool
    past: bool
    waiting: str  # "2 candidatures en attente" | ""


@dataclasses.dataclass
class TodoRow:
    """An application waiting for the employer's answer (the "À traiter" list)."""

    id: int
    pupil: str
    offer: str
    week: str
    waiting: str  # "reçue aujourd'hui" | "en attente depuis 3 jours"
    status_label: str  # "Nouvelle" | "Lue"
    is_new: bool


def seats_label(w: dashboards.EmployerWeekRow) -> str:
    if w.past:
        return "semaine passée"
    if w.seats_left <= 0:
        return "complet"
    return f"{_n(w.seats_left, 'place libre', 'places libres')} sur {w.seats}"


def week_seats_row(w: dashboards.EmployerWeekRow) -> WeekSeatsRow:
    return WeekSeatsRow(
        label=w.week_label,
        seats=seats_label(w),
        full=not w.past and w.seats_left <= 0,
        past=w.past,
        waiting=_n(w.waiting, "candidature en attente", "candidatures en attente")
        if w.waiting
        else "",
    )


def waiting_days_label(days: int) -> str:
    if days <= 0:
        return "reçue aujourd'hui"
    return f"en attente depuis {_n(days, 'jour', 'jours')}"


def todo_row(w: dashboards.WaitingRow) -> TodoRow:
    return TodoRow(
        id=w.application_id,
        pupil=w.pupil_name,
        offer=w.offer_title,
        week=w.week_label,
        waiting=waiting_days_label(w.waiting_days),
        status_label=w.status_label,
        is_new=w.is_new,
    )


def seats_summary(seats_left: int) -> str:
    if seats_left <= 0:
        return "Aucune place libre dans les semaines à venir"
    return f"{_n(seats_left, 'place libre', 'places libres')} dans les semaines à venir"


def waiting_summary(waiting: int, new: int) -> str:
    if waiting <= 0:
        return "Aucune candidature n'attend votre réponse"
    text = (
        f"{waiting} candidature attend votre réponse"
        if waiting == 1
        else f"{waiting} candidatures attendent votre réponse"
    )
    if new > 0:
        text += f", dont {_n(new, 'nouvelle', 'nouvelles')}"
    return text


@dataclasses.dataclass
class OfferListRow:
    id: int
    title: str
    status: str
    status_label: str
    commune: str
    sector: str
    weeks: list[str]
    open_applications: int
    can_publish: bool
    can_unpublish: bool
    can_archive: bool
    # from the dashboard (archived offers have none: their weeks stay plain labels)
    week_seats: list[WeekSeatsRow] = dataclasses.field(default_factory=list)
    waiting: int = 0
    waiting_label: str = ""  # "2 candidatures en attente de réponse"


@dataclasses.dataclass
class WeekInput:
    monday: str  # ISO date of the Monday
    label: str
    seats: str
    accepted: int


def _row(r: offers.OwnOfferRow, dash: dashboards.EmployerOfferRow | None = None) -> OfferListRow:
    waiting = dash.waiting if dash else 0
    return OfferListRow(
        id=r.id,
        title=r.title,
        status=r.status,
        status_label=r.status_label,
        commune=f"{r.commune_name} ({r.postal_code})",
        sector=r.sector_name,
        weeks=[
            f"{week_label(w.week_start)} : {w.accepted_count}/{w.seats} place(s) prise(s)"
            for w in r.weeks
        ],
        open_applications=r.open_applications,
        can_publish=r.status in ("draft", "unpublished"),
        can_unpublish=r.status == "published",
        can_archive=r.status != "archived",
        week_seats=[week_seats_row(w) for w in dash.weeks] if dash else [],
        waiting=waiting,
        waiting_label=_n(
            waiting, "candidature en attente de réponse", "candidatures en attente de réponse"
        )
        if waiting
        else "",
    )


@live.pushable
class EmployerOffersState(PageState):
    """The employer's home: a summary (seats left, answers waiting), the applications waiting
    longest, and the own offers with their weeks. Kept live (``stages_app.live``)."""

    organisation: str = ""
    rows: rx.Field[list[OfferListRow]] = rx.field(default_factory=list)
    seats_summary: str = ""
    waiting_summary: str = ""
    waiting_count: int = 0
    todo: rx.Field[list[TodoRow]] = rx.field(default_factory=list)
    todo_more: str = ""  # "et 3 autres" when the list is cut
    loaded: bool = False

    def _clear(self) -> None:
        self.organisation = self.seats_summary = self.waiting_summary = self.todo_more = ""
        self.rows, self.todo = [], []
        self.waiting_count = 0
        self.loaded = False

    def _reload(self, session: Session, viewer: Viewer) -> None:
        dash = dashboards.employer_dashboard(session, viewer)
        by_id = {o.offer_id: o for o in dash.offers}
        self.organisation = dash.organisation_name or home.employer_organisation_name(
            session, viewer
        )
        self.rows = [_row(r, by_id.get(r.id)) for r in offers.list_own_offers(session, viewer)]
        self.seats_summary = seats_summary(dash.seats_left)
        self.waiting_summary = waiting_summary(dash.waiting_count, dash.new_count)
        self.waiting_count = dash.waiting_count
        self.todo = [todo_row(w) for w in dash.waiting[:TODO_LIMIT]]
        more = dash.waiting_count - len(self.todo)
        self.todo_more = (
            f"et {_n(more, 'autre candidature', 'autres candidatures')} en attente"
            if more > 0
            else ""
        )
        self.loaded = True
        self._watch(live_topics.organisation_topic_of(session, viewer) or "")

    @event
    def load(self) -> EventSpec | None:
        self._clear()
        return self._run(EMPLOYER, lambda s, v: None)

    @event
    def refresh(self, _tick: str = "") -> EventSpec | None:
        """Fallback timer tick of the live updates."""
        return self._live_refresh()

    def _live_refresh(self) -> EventSpec | None:
        """Re-derive the viewer, re-read the dashboard (pushed when a pupil applies to or
        withdraws from one of the offers); the message and error on screen stay as they are. A
        lost right clears the page and redirects."""
        result = self._poll(EMPLOYER, self._reload)
        if result is not None:
            self._clear()
        return result

    @event
    def publish(self, offer_id: int) -> EventSpec | None:
        oid = as_id(offer_id)
        return self._run(
            EMPLOYER,
            lambda s, v: offers.publish_offer(s, v, oid),
            "Offre publiée : les élèves peuvent la voir.",
        )

    @event
    def unpublish(self, offer_id: int) -> EventSpec | None:
        oid = as_id(offer_id)
        return self._run(
            EMPLOYER,
            lambda s, v: offers.unpublish_offer(s, v, oid),
            lambda change: change.message,
        )

    @event
    def archive(self, offer_id: int) -> EventSpec | None:
        oid = as_id(offer_id)
        return self._run(
            EMPLOYER, lambda s, v: offers.archive_offer(s, v, oid), lambda change: change.message
        )


class OfferEditorState(PageState):
    offer_id: int = 0
    status_label: str = "Nouvelle offre (brouillon)"
    title: str = ""
    description: str = ""
    sector_id: str = ""
    street: str = ""
    postal_code: str = ""
    commune_insee: str = ""
    commune_options: rx.Field[list[offers.CommuneChoice]] = rx.field(default_factory=list)
    weeks: list[WeekInput] = []
    new_week: str = ""
    new_seats: str = "1"
    tutor_name: str = ""
    tutor_role: str = ""
    practical_info: str = ""
    accessibility: str = ""
    sectors: list[search.SectorChoice] = []
    preview: CardView = CardView(0, "", "", "", "", "", "", "", [], "")
    location_note: str = ""

    def _input(self) -> offers.OfferInput:
        return offers.OfferInput(
            title=self.title,
            description=self.description,
            sector_id=self.sector_id or None,
            street=self.street,
            postal_code=self.postal_code,
            commune_insee=self.commune_insee or None,
            weeks=[(w.monday, w.seats) for w in self.weeks],
            tutor_name=self.tutor_name,
            tutor_role=self.tutor_role,
            practical_info=self.practical_info,
            accessibility=self.accessibility,
        )

    def _refresh_preview(self, session: Session, viewer: Viewer) -> None:
        card = offers.preview_card(session, viewer, self._input(), offer_id=self.offer_id or None)
        self.preview = card_view(card)

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self._refresh_preview(session, viewer)

    def _fill(self, session: Session, viewer: Viewer, offer_id: int) -> None:
        own = offers.get_own_offer(session, viewer, offer_id)
        d = own.data
        self.offer_id = own.id
        self.status_label = own.status_label
        self.title, self.description = d.title, d.description
        self.sector_id = str(d.sector_id or "")
        self.street, self.postal_code = d.street, d.postal_code
        self.commune_insee = d.commune_insee or ""
        self.commune_options = offers.communes_for_postal_code(session, self.postal_code)
        self.weeks = [
            WeekInput(
                w.week_start.isoformat(), week_label(w.week_start), str(w.seats), w.accepted_count
            )
            for w in own.weeks
        ]
        self.tutor_name, self.tutor_role = d.tutor_name, d.tutor_role
        self.practical_info, self.accessibility = d.practical_info, d.accessibility

    @event
    def load(self) -> EventSpec | None:
        raw = self.router.url.query_parameters.get("id")
        oid = as_id(raw) if raw else None
        self.offer_id = 0
        self.status_label = "Nouvelle offre (brouillon)"
        self.title = self.description = self.street = self.postal_code = ""
        self.sector_id = self.commune_insee = ""
        self.tutor_name = self.tutor_role = self.practical_info = self.accessibility = ""
        self.weeks, self.commune_options = [], []
        self.new_week, self.new_seats, self.location_note = "", "1", ""

        def action(s: Session, v: Viewer) -> None:
            self.sectors = search.sector_choices(s)
            if oid is not None:
                self._fill(s, v, oid)

        return self._run(EMPLOYER, action)

    def _live(self) -> EventSpec | None:
        """Recompute the preview after a field changed (no write)."""
        return self._run(EMPLOYER, lambda s, v: None)

    @event
    def set_field(self, name: str, value: str) -> EventSpec | None:
        if name not in (
            "title",
            "description",
            "street",
            "tutor_name",
            "tutor_role",
            "practical_info",
            "accessibility",
            "sector_id",
        ) or not isinstance(value, str):
            return None
        setattr(self, name, as_text(value, 5000))
        return self._live()

    @event
    def set_postal_code(self, value: str) -> EventSpec | None:
        self.postal_code = as_text(value, 10)
        with db() as session:
            self.commune_options = offers.communes_for_postal_code(session, self.postal_code)
        codes = [c.insee_code for c in self.commune_options]
        if self.commune_insee not in codes:
            self.commune_insee = codes[0] if len(codes) == 1 else ""
        return self._live()

    @event
    def set_commune(self, value: str) -> EventSpec | None:
        self.commune_insee = as_text(value, 5)
        return self._live()

    @event
    def set_new_week(self, value: str) -> None:
        self.new_week = as_text(value, 10)

    @event
    def set_new_seats(self, value: str) -> None:
        self.new_seats = as_text(value, 3)

    @event
    def add_week(self) -> EventSpec | None:
        self.error = ""
        try:
            monday = monday_of(dt.date.fromisoformat(self.new_week))
        except ValueError:
            self.error = "Choisissez une date dans la semaine à proposer."
            return None
        if any(w.monday == monday.isoformat() for w in self.weeks):
            self.error = f"La semaine {week_label(monday)} est déjà dans la liste."
            return None
        if len(self.weeks) >= 20:
            self.error = "Une offre propose au plus 20 semaines."
            return None
        self.weeks = sorted(
            [
                *self.weeks,
                WeekInput(monday.isoformat(), week_label(monday), self.new_seats or "1", 0),
            ],
            key=lambda w: w.monday,
        )
        self.new_week = ""
        return self._live()

    @event
    def set_week_seats(self, monday: str, seats: str) -> EventSpec | None:
        self.weeks = [
            dataclasses.replace(w, seats=as_text(str(seats), 3)) if w.monday == monday else w
            for w in self.weeks
        ]
        return self._live()

    @event
    def remove_week(self, monday: str) -> EventSpec | None:
        self.weeks = [w for w in self.weeks if w.monday != monday]
        return self._live()

    def _save(self, publish: bool) -> EventSpec | None:
        data = self._input()
        oid = self.offer_id or None

        def action(s: Session, v: Viewer) -> Offer:
            offer = offers.update_offer(s, v, oid, data) if oid else offers.create_offer(s, v, data)
            if publish and offer.status != "published":
                offer = offers.publish_offer(s, v, offer.id)
            assert offer.id is not None  # an offer the service just stored
            self._fill(s, v, offer.id)
            return offer

        result = self._run(
            EMPLOYER,
            action,
            "Offre publiée : les élèves des collèges proches peuvent la voir."
            if publish
            else "Offre enregistrée.",
        )
        if oid is None and self.offer_id and not self.error:
            # a new offer now has an id: put it in the address so a reload edits this offer
            # (replaceState: no navigation, the success message stays on screen)
            url = f"{routes.EMPLOYER_OFFER}?id={self.offer_id}"
            return rx.call_script(f"window.history.replaceState(null, '', '{url}')")
        return result

    @event
    def save(self) -> EventSpec | None:
        return self._save(publish=False)

    @event
    def save_and_publish(self) -> EventSpec | None:
        return self._save(publish=True)
