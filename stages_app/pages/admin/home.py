"""Platform administrator home: statistics."""

import reflex as rx

from stages_app.components.layout import page_layout
from stages_app.states.home import AdminHomeState as S


def admin_home() -> rx.Component:
    return page_layout(
        "Administration de la plateforme",
        rx.grid(
            rx.foreach(
                S.stats,
                lambda item: rx.card(
                    rx.text(item[0], size="2", color="var(--gray-11)"),
                    rx.text(item[1], size="6", weight="bold"),
                ),
            ),
            columns=rx.breakpoints(initial="1", sm="2", md="4"),
            spacing="3",
            width="100%",
        ),
        protected=True,
    )
