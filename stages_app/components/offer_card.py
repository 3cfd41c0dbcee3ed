"""How an offer looks to pupils (search results, detail page)."""

from __future__ import annotations

import reflex as rx

from stages_app.components.layout import LINK_STYLE
from stages_app.components.rows import RowVar


def offer_card(card: RowVar, detail_href: str | rx.Var[str]) -> rx.Component:
    """``card`` is a states.search.CardView var; ``detail_href`` a string var."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(
                    rx.link(card.title, href=detail_href, style=LINK_STYLE), as_="h2", size="4"
                ),
                rx.cond(
                    card.distance != "",
                    rx.badge(card.distance, size="2", color_scheme="indigo"),
                    "",
                ),
                justify="between",
                align="start",
                width="100%",
                wrap="wrap",
            ),
            rx.text(
                rx.text.strong(card.employer),
                " · ",
                card.commune,
                " (",
                card.postal_code,
                ")",
                size="2",
            ),
            rx.text(
                "Secteur : ",
                card.sector,
                rx.cond(
                    card.sector_url != "",
                    rx.fragment(
                        " — ",
                        rx.link(
                            "les métiers sur le site de l'ONISEP",
                            href=card.sector_url,
                            is_external=True,
                            style=LINK_STYLE,
                        ),
                    ),
                    "",
                ),
                size="2",
            ),
            rx.text(card.excerpt, size="2", color="var(--gray-12)"),
            rx.el.ul(
                rx.foreach(card.weeks, lambda w: rx.el.li(w)),
                style={"padding_left": "1.2em", "font_size": "14px"},
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
    )
