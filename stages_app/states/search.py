"""Pupil offer search and offer detail (R1 + R2 live in services.search)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import reflex as rx

from stages_app.models import Role
from stages_app.services import search
from stages_app.services.calendar import week_label
from stages_app.services.offers import OfferCard, distance_label
from stages_app.states.base import PageState, as_id, form_text

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
        weeks=[f"Semaine {week_label(monday)} : {free} place{'s' if free > 1 else ''}"
               for monday, free in card.weeks],
        excerpt=card.excerpt,
        description=card.description,
        tutor=", ".join(x for x in (card.tutor_name, card.tutor_role) if x),
        practical_info=card.practical_info,
        accessibility=card.accessibility,
        street=card.street,
    )


class OfferSearchState(PageState):
    cards: list[CardView] = []
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
    sector_ids: list[int] = []

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
        return search.SearchQuery(sector_ids=list(self.sector_ids), week=week, radius_km=radius,
                                  keyword=self.keyword, sort=self.sort, page=self.page)

    def _reload(self, session, viewer) -> None:
        self.sectors = search.sector_choices(session)
        result = search.search_offers(session, viewer, self._query())
        self.cards = [card_view(c) for c in result.cards]
        self.total = result.total
        self.page = result.page
        self.pages = result.pages
        self.national = result.national
        self.school_name = result.school_name
        self.suggestions = list(result.suggestions)
        self.week_options = [(w.isoformat(), week_label(w)) for w in result.weeks]
        self.radius = "" if result.radius_km is None else str(int(result.radius_km))
        self.radius_label = ("dans toute la France" if result.radius_km is None
                             else f"à moins de {int(result.radius_km)} km du collège")
        self.loaded = True

    def _search(self):
        self.denied = ""
        result = self._run(STUDENT, lambda s, v: None)
        if self.error and not self.loaded:
            self.denied, self.error = self.error, ""
        return result

    @rx.event
    def load(self):
        self.loaded = False
        self.page = 1
        self.keyword = self.week = ""
        self.radius = "60"
        self.sort = "distance"
        self.sector_ids = []
        return self._search()

    @rx.event
    def apply_filters(self, form: dict):
        self.keyword = form_text(form, "keyword", 100)
        self.week = form_text(form, "week", 10)
        self.radius = form_text(form, "radius", 4)
        self.sort = "newest" if form_text(form, "sort", 10) == "newest" else "distance"
        ids = []
        for key in form if isinstance(form, dict) else []:
            if isinstance(key, str) and key.startswith("sector_"):
                sid = as_id(key.removeprefix("sector_"))
                if sid is not None:
                    ids.append(sid)
        self.sector_ids = ids[:60]
        self.page = 1
        return self._search()

    @rx.event
    def go(self, page: int):
        self.page = as_id(page) or 1
        return self._search()


class OfferDetailState(PageState):
    card: CardView = CardView(0, "", "", "", "", "", "", "", [], "")
    found: bool = False

    def _reload(self, session, viewer) -> None:
        offer_id = as_id(self.router.url.query_parameters.get("id"))
        self.card = card_view(search.offer_detail(session, viewer, offer_id or 0))
        self.found = True

    @rx.event
    def load(self):
        self.found = False
        return self._run(STUDENT, lambda s, v: None)
