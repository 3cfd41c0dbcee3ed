"""Pupil: search offers (school's weeks, 60 km or national, ONISEP sectors) and offer detail."""

import reflex as rx

from stages_app.components.forms import section, status_messages
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.components.offer_card import offer_card
from stages_app.components.rows import RowVar
from stages_app.states.search import (
    RADIUS_CHOICES,
    OfferDetailState,
    OfferSearchState,
    PupilOfferForStaffState,
    PupilSearchForStaffState,
)

SELECT_STYLE = {
    "padding": "0.5em",
    "border": "1px solid var(--gray-8)",
    "border_radius": "6px",
    "font_size": "16px",
    "background": "white",
    "width": "100%",
}


def _labelled(label: str, control: rx.Component, control_id: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"font_weight": "600"}),
        control,
        spacing="1",
        align="stretch",
        min_width="11em",
        flex="1",
    )


def _sector_box(S: type[OfferSearchState], s: RowVar) -> rx.Component:
    box_id = "secteur-" + s.id.to_string()
    return rx.el.li(
        rx.hstack(
            rx.el.input(
                type="checkbox",
                id=box_id,
                name="sector_" + s.id.to_string(),
                default_checked=S.sector_ids.contains(s.id),
                style={"width": "1.1em", "height": "1.1em"},
            ),
            rx.el.label(s.name, html_for=box_id, style={"font_size": "14px"}),
            rx.cond(
                s.onisep_url != "",
                rx.link(
                    "métiers (ONISEP)",
                    href=s.onisep_url,
                    is_external=True,
                    size="1",
                    style=LINK_STYLE,
                    aria_label="Les métiers du secteur " + s.name + " sur le site de l'ONISEP",
                ),
                "",
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        list_style_type="none",
    )


def _filters(S: type[OfferSearchState]) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.flex(
                _labelled(
                    "Mot-clé",
                    rx.input(
                        id="champ-motcle",
                        name="keyword",
                        default_value=S.keyword,
                        placeholder="métier, entreprise…",
                        size="3",
                        max_length=100,
                    ),
                    "champ-motcle",
                ),
                _labelled(
                    "Semaine",
                    rx.el.select(
                        rx.el.option("Toutes mes semaines", value=""),
                        rx.foreach(S.week_options, lambda o: rx.el.option(o[1], value=o[0])),
                        id="champ-semaine",
                        name="week",
                        default_value=S.week,
                        style=SELECT_STYLE,
                    ),
                    "champ-semaine",
                ),
                _labelled(
                    "Distance",
                    rx.el.select(
                        rx.cond(
                            S.national, rx.el.option("Toute la France", value=""), rx.fragment()
                        ),
                        *[
                            rx.el.option(f"Moins de {r} km", value=str(r))
                            for r in reversed(RADIUS_CHOICES)
                        ],
                        id="champ-distance",
                        name="radius",
                        default_value=S.radius,
                        style=SELECT_STYLE,
                    ),
                    "champ-distance",
                ),
                _labelled(
                    "Trier par",
                    rx.el.select(
                        rx.el.option("Les plus proches", value="distance"),
                        rx.el.option("Les plus récentes", value="newest"),
                        id="champ-tri",
                        name="sort",
                        default_value=S.sort,
                        style=SELECT_STYLE,
                    ),
                    "champ-tri",
                ),
                gap="3",
                wrap="wrap",
                width="100%",
            ),
            rx.el.details(
                rx.el.summary(
                    "Secteurs d'activité (ONISEP)",
                    style={"cursor": "pointer", "font_weight": "600"},
                ),
                rx.el.ul(
                    rx.foreach(S.sectors, lambda x: _sector_box(S, x)),
                    style={"columns": "16em", "padding": "0.5em 0 0 0"},
                ),
                open=S.sector_ids.length() > 0,  # the ticked sectors stay in view
            ),
            rx.button("Rechercher", type="submit", size="3"),
            spacing="3",
            align="stretch",
            width="100%",
        ),
        on_submit=S.apply_filters,
        aria_label="Filtres de recherche",
        key=S.filters_version,  # remount: the uncontrolled inputs show the filters applied
    )


def _search_page(S: type[OfferSearchState], title: str | rx.Var[str]) -> rx.Component:
    return page_layout(
        title,
        rx.cond(
            S.denied != "",
            rx.callout(S.denied, icon="info", role="status"),
            rx.vstack(
                status_messages(S),
                rx.text(
                    "Offres pour les élèves du ",
                    S.school_name,
                    ", ",
                    S.radius_label,
                    ", dans les semaines de stage de votre collège.",
                    size="2",
                    color="var(--gray-11)",
                ),
                _filters(S),
                rx.heading(S.total, " offre(s) trouvée(s)", as_="h2", size="4", aria_live="polite"),
                rx.cond(
                    S.cards.length() > 0,
                    rx.vstack(
                        rx.foreach(
                            S.cards, lambda c: offer_card(c, S.detail_base + c.id.to_string())
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        S.loaded,
                        rx.callout(
                            rx.vstack(
                                rx.text("Aucune offre ne correspond. Quelques idées :"),
                                rx.el.ul(
                                    rx.foreach(S.suggestions, lambda t: rx.el.li(t)),
                                    style={"padding_left": "1.2em"},
                                ),
                            ),
                            icon="info",
                        ),
                        "",
                    ),
                ),
                rx.cond(
                    S.pages > 1,
                    rx.el.nav(
                        rx.hstack(
                            rx.button(
                                "Page précédente",
                                on_click=S.go(S.page - 1),
                                disabled=S.page <= 1,
                                variant="outline",
                            ),
                            rx.text("Page ", S.page, " sur ", S.pages),
                            rx.button(
                                "Page suivante",
                                on_click=S.go(S.page + 1),
                                disabled=S.page >= S.pages,
                                variant="outline",
                            ),
                            align="center",
                            spacing="3",
                        ),
                        aria_label="Pagination",
                    ),
                    "",
                ),
                spacing="4",
                width="100%",
                align="stretch",
            ),
        ),
        protected=True,
    )


def offer_search() -> rx.Component:
    return _search_page(OfferSearchState, "Rechercher un stage")


def pupil_search_for_staff() -> rx.Component:
    S = PupilSearchForStaffState
    return _search_page(S, "La recherche vue par " + S.pupil_name)


def offer_detail() -> rx.Component:
    from stages_app.pages.student.applications import apply_block

    return _detail_page(OfferDetailState, apply_block())


def pupil_offer_for_staff() -> rx.Component:
    return _detail_page(PupilOfferForStaffState)


def _detail_page(D: type[OfferDetailState], extra: rx.Component | None = None) -> rx.Component:
    return page_layout(
        rx.cond(D.found, D.card.title, "Offre de stage"),
        status_messages(D),
        rx.cond(
            D.found,
            rx.vstack(
                rx.text(
                    rx.text.strong(D.card.employer),
                    " · ",
                    D.card.street,
                    " ",
                    D.card.postal_code,
                    " ",
                    D.card.commune,
                    rx.cond(D.card.distance != "", " · " + D.card.distance, ""),
                ),
                rx.text(
                    "Secteur : ",
                    D.card.sector,
                    rx.cond(
                        D.card.sector_url != "",
                        rx.fragment(
                            " — ",
                            rx.link(
                                "découvrir les métiers sur le site de l'ONISEP",
                                href=D.card.sector_url,
                                is_external=True,
                                style=LINK_STYLE,
                            ),
                        ),
                        "",
                    ),
                ),
                section("Ce que vous ferez", rx.text(D.card.description, white_space="pre-wrap")),
                section(
                    "Semaines avec des places",
                    rx.el.ul(
                        rx.foreach(D.card.weeks, lambda w: rx.el.li(w)),
                        style={"padding_left": "1.2em"},
                    ),
                ),
                rx.cond(
                    D.card.tutor != "",
                    section("Votre tuteur ou tutrice", rx.text(D.card.tutor)),
                    "",
                ),
                rx.cond(
                    D.card.practical_info != "",
                    section(
                        "Informations pratiques",
                        rx.text(D.card.practical_info, white_space="pre-wrap"),
                    ),
                    "",
                ),
                rx.cond(
                    D.card.accessibility != "",
                    section("Accessibilité", rx.text(D.card.accessibility, white_space="pre-wrap")),
                    "",
                ),
                extra if extra is not None else rx.fragment(),
                spacing="4",
                align="stretch",
                width="100%",
            ),
            "",
        ),
        rx.link("← Retour à la recherche", href=D.back_url, style=LINK_STYLE),
        protected=True,
    )
