"""The logged-in user's notifications."""

import reflex as rx

from stages_app.components.forms import status_messages
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.notifications import NotificationsState as S


def _item(n: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(n.title, weight=rx.cond(n.read, "regular", "bold")),
                rx.cond(n.read, "", rx.badge("nouveau", color_scheme="red", high_contrast=True)),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            rx.cond(n.body != "", rx.text(n.body, size="2"), ""),
            rx.hstack(
                rx.text(n.when, size="1", color="var(--gray-11)"),
                rx.cond(
                    n.link != "",
                    rx.link(
                        "Ouvrir",
                        href=n.link,
                        size="2",
                        style=LINK_STYLE,
                        aria_label="Ouvrir : " + n.title,
                    ),
                    "",
                ),
                spacing="3",
            ),
            spacing="1",
            align="stretch",
        ),
        width="100%",
    )


def notifications_page() -> rx.Component:
    return page_layout(
        "Notifications",
        status_messages(S),
        rx.button(
            "Tout marquer comme lu",
            on_click=S.mark_all_read,
            variant="outline",
            width="fit-content",
        ),
        rx.cond(
            S.items.length() > 0,
            rx.vstack(rx.foreach(S.items, _item), spacing="2", width="100%"),
            rx.text("Aucune notification."),
        ),
        protected=True,
    )
