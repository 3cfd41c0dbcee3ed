"""Pupil offer search and offer detail (R1 + R2 live in services.search)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, ClassVar, cast

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import routes
from stages_app.models import Role
from stages_app.services import search
from stages_app.services.access import Viewer
from stages_app.services.calendar import week_label
from stages_app.services.offers import OfferCard, distance_label
from stages_app.states.base import PageState, as_id, form_text
from stages_app.states.events import event

STUDENT = {Role.STUDENT.value}
RADIUS_CHOICES = [5, 10, 20, 30, 45, 60]


@dataclasses.dataclass
class CardView:
    id: int
    title: str
    employer: str
    commune: str
    postal_code: str
    sector: str
    sector_url: str
    distance: str
    weeks: list[str]
    excerpt: str
    description: str = ""
    tutor: str = ""
    practical_info: str = ""
    accessibility: str = ""
    street: str = ""


def card_view(card: OfferCard) -> CardView:
    return CardView(
        id=card.id or 0,
        title=card.title,
        employer=card.employer_name,
        commune=card.commune_name,
        postal_code=card.postal_code,
        sector=card.sector_name,
        sector_url=card.sector_url,
        distance=distance_label(card.distance_km),
        weeks=[
            f"Semaine {week_label(monday)} : {free} place{'s' if free > 1 else ''}"
            for monday, free in card.weeks
        ],
        excerpt=card.excerpt,
        description=card.description,
        tutor=", ".join(x for x in (card.tutor_name, card.tutor_role) if x),
        practical_info=card.practical_info,
        accessibility=card.accessibility,
        street=card.street,
    )


class OfferSearchState(PageState):
    ROLES: ClassVar[frozenset[str]] = frozenset(STUDENT)
    cards: rx.Field[list[CardView]] = rx.field(default_factory=list)
    total: int = 0
    page: int = 1
    pages: int = 1
    national: bool = False
    school_name: str = ""
    radius_label: str = ""
    suggestions: list[str] = []
    week_options: list[tuple[str, str]] = []
    sectors: list[search.SectorChoice] = []
    denied: str = ""
    loaded: bool = False
    # current filters (echoed in the form)
    keyword: str = ""
    week: str = ""
    radius: str = "60"
    sort: str = "distance"
    sector_ids: rx.Field[list[int]] = rx.field(default_factory=list)
    # bumped after every search: the filter form (uncontrolled inputs) remounts with the filters
    # actually applied, e.g. "Toute la France" once the principal opened national search
    filters_version: int = 0

    def _query(self) -> search.SearchQuery:
        week = None
        if self.week:
            try:
                week = dt.date.fromisoformat(self.week)
            except ValueError:
                week = None
        try:
            radius = float(self.radius) if self.radius else None
        except ValueError:
            radius = None
        return search.SearchQuery(
            sector_ids=list(self.sector_ids),
            week=week,
            radius_km=radius,
            keyword=self.keyword,
            sort=self.sort,
            page=self.page,
        )

    pupil_name: str = ""  # staff view: whose search this is
    detail_base: str = routes.STUDENT_OFFER + "?id="

    def _results(self, session: Session, viewer: Viewer) -> search.SearchResult:
        return search.search_offers(session, viewer, self._query())

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self.sectors = search.sector_choices(session)
        result = self._results(session, viewer)
        self.cards = [card_view(c) for c in result.cards]
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.national = result.national
        self.school_name = result.school_name
        self.suggestions = list(result.suggestions)
        self.week_options = [(w.isoformat(), week_label(w)) for w in result.weeks]
        self.radius = "" if result.radius_km is None else str(int(result.radius_km))
        self.radius_label = (
            "dans toute la France"
            if result.radius_km is None
            else f"à moins de {int(result.radius_km)} km du collège"
        )
        self.loaded = True
        self.filters_version += 1

    def _search(self) -> EventSpec | None:
        self.denied = ""
        result = self._run(self.ROLES, lambda s, v: None)
        if self.error and not self.loaded:
            self.denied, self.error = self.error, ""
        return result

    @event
    def load(self) -> EventSpec | None:
        self.loaded = False
        self.page = 1
        self.keyword = self.week = ""
        self.radius = ""  # the service default: 60 km, or no limit once national search is open
        self.sort = "distance"
        self.sector_ids = []
        return self._search()

    @event
    def apply_filters(self, form: dict[str, Any]) -> EventSpec | None:
        self.keyword = form_text(form, "keyword", 100)
        self.week = form_text(form, "week", 10)
        self.radius = form_text(form, "radius", 4)
        self.sort = "newest" if form_text(form, "sort", 10) == "newest" else "distance"
        ids: list[int] = []
        for key in form if isinstance(form, dict) else []:
            if isinstance(key, str) and key.startswith("sector_"):
                sid = as_id(key.removeprefix("sector_"))
                if sid is not None:
                    ids.append(sid)
        self.sector_ids = ids[:60]
        self.page = 1
        return self._search()

    @event
    def go(self, page: int) -> EventSpec | None:
        self.page = as_id(page) or 1
        return self._search()


class OfferDetailState(PageState):
    ROLES: ClassVar[frozenset[str]] = frozenset(STUDENT)
    card: CardView = CardView(0, "", "", "", "", "", "", "", [], "")
    found: bool = False
    back_url: str = routes.STUDENT_SEARCH

    def _detail(self, session: Session, viewer: Viewer, offer_id: int) -> OfferCard:
        return search.offer_detail(session, viewer, offer_id)

    def _reload(self, session: Session, viewer: Viewer) -> None:
        offer_id = as_id(self.router.url.query_parameters.get("id"))
        self.card = card_view(self._detail(session, viewer, offer_id or 0))
        self.found = True

    @event
    def load(self) -> EventSpec | None:
        self.found = False
        self.card = CardView(0, "", "", "", "", "", "", "", [], "")
        return self._run(self.ROLES, lambda s, v: None)


def _pupil_param(state: rx.State) -> int:
    return as_id(state.router.url.query_parameters.get("eleve")) or 0


class PupilSearchForStaffState(OfferSearchState):
    """The search exactly as one pupil sees it, opened by a staff member of their collège.

    Reflex binds an inherited event handler to the class that defines it, so every handler the
    page uses is declared again here (otherwise the event would run on OfferSearchState)."""

    ROLES: ClassVar[frozenset[str]] = routes.SCHOOL_ROLES

    # ``.fn``: the handler's own function, whose result Reflex types as Any
    @event
    def load(self) -> EventSpec | None:
        return cast("EventSpec | None", OfferSearchState.load.fn(self))

    @event
    def apply_filters(self, form: dict[str, Any]) -> EventSpec | None:
        return cast("EventSpec | None", OfferSearchState.apply_filters.fn(self, form))

    @event
    def go(self, page: int) -> EventSpec | None:
        return cast("EventSpec | None", OfferSearchState.go.fn(self, page))

    def _results(self, session: Session, viewer: Viewer) -> search.SearchResult:
        pupil_id = _pupil_param(self)
        self.pupil_name = ""
        result = search.search_offers_for_pupil(session, viewer, pupil_id, self._query())
        self.pupil_name = search.pupil_display_name(session, viewer, pupil_id)
        self.detail_base = f"{routes.SCHOOL_PUPIL_OFFER}?eleve={pupil_id}&id="
        return result


class PupilOfferForStaffState(OfferDetailState):
    ROLES: ClassVar[frozenset[str]] = routes.SCHOOL_ROLES

    @event
    def load(self) -> EventSpec | None:  # re-declared: see PupilSearchForStaffState
        return cast("EventSpec | None", OfferDetailState.load.fn(self))

    def _detail(self, session: Session, viewer: Viewer, offer_id: int) -> OfferCard:
        pupil_id = _pupil_param(self)
        self.back_url = f"{routes.SCHOOL_PUPIL_SEARCH}?eleve={pupil_id}"
        return search.offer_detail_for_pupil(session, viewer, pupil_id, offer_id)
