"""City then collège picker (accessible: labelled input, result count announced, radio list)."""

from __future__ import annotations

import reflex as rx

from stages_app.components.rows import RowVar
from stages_app.states.school_picker import SchoolPickerState as P


def _commune_button(c: RowVar) -> rx.Component:
    return rx.el.li(
        rx.button(
            c.name,
            " (",
            c.postal_code,
            ") — ",
            c.colleges,
            " collège(s)",
            type="button",
            variant="soft",
            on_click=P.choose_commune(c.insee_code),
            width="100%",
            justify="start",
        ),
        list_style_type="none",
    )


def _college_radio(c: RowVar) -> rx.Component:
    radio_id = "college-" + c.uai
    return rx.el.li(
        rx.hstack(
            rx.el.input(
                type="radio",
                id=radio_id,
                name="school_choice",
                value=c.uai,
                default_checked=P.selected_uai == c.uai,
                on_change=P.choose_college(c.uai),
                style={"width": "1.2em", "height": "1.2em", "margin_top": "0.2em"},
            ),
            rx.el.label(
                rx.text(c.name, weight="bold"),
                rx.text(
                    c.address,
                    ", ",
                    c.postal_code,
                    " ",
                    c.commune,
                    " — UAI ",
                    c.uai,
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.cond(
                    c.has_principal,
                    rx.text(
                        "Déjà inscrit par son chef d'établissement",
                        size="2",
                        color="var(--accent-11)",
                    ),
                    "",
                ),
                html_for=radio_id,
            ),
            align="start",
            spacing="2",
        ),
        list_style_type="none",
        padding_y="0.25em",
    )


def school_picker() -> rx.Component:
    return rx.vstack(
        rx.cond(
            P.commune_insee == "",
            rx.vstack(
                rx.el.label(
                    "Ville du collège", html_for="champ-ville", style={"font_weight": "600"}
                ),
                rx.input(
                    id="champ-ville",
                    # named, so the form submits it by name (Reflex 0.11 drops id-only controls);
                    # the sign-up handlers ignore it: the collège comes from school_uai
                    name="ville",
                    value=P.city_query,
                    on_change=P.search_city,
                    debounce_timeout=250,
                    placeholder="Tapez le nom de la ville, par exemple : Bobigny",
                    auto_complete="off",
                    size="3",
                    width="100%",
                    aria_describedby="ville-resultats",
                ),
                rx.text(
                    rx.cond(
                        P.searched,
                        rx.cond(
                            P.communes.length() > 0,
                            P.communes.length().to_string() + " ville(s) avec un collège",
                            "Aucune ville avec un collège ne correspond.",
                        ),
                        "",
                    ),
                    id="ville-resultats",
                    aria_live="polite",
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.el.ul(
                    rx.foreach(P.communes, _commune_button), style={"padding": 0, "width": "100%"}
                ),
                width="100%",
                spacing="1",
                align="stretch",
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(rx.text.strong("Ville : "), P.commune_label),
                    rx.button(
                        "Changer de ville",
                        type="button",
                        variant="ghost",
                        on_click=P.change_commune,
                    ),
                    align="center",
                    wrap="wrap",
                ),
                rx.el.fieldset(
                    rx.el.legend("Collège", style={"font_weight": "600"}),
                    rx.el.ul(rx.foreach(P.colleges, _college_radio), style={"padding": 0}),
                    style={"border": "none", "padding": 0, "margin": 0},
                ),
                width="100%",
                align="stretch",
            ),
        ),
        rx.el.input(type="hidden", name="school_uai", value=P.selected_uai),
        width="100%",
        spacing="2",
        align="stretch",
    )
