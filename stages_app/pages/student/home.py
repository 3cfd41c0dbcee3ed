"""Pupil home: the waiting page until access is opened, then the pupil's starting point."""

import reflex as rx

from stages_app.components.layout import page_layout
from stages_app.states.home import StudentHomeState as S


def _waiting() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("En attente de l'autorisation de vos parents", as_="h2", size="5"),
            rx.text("Pour rechercher un stage, trois étapes :"),
            rx.el.ol(
                rx.el.li("Votre professeur principal vous remet le formulaire d'autorisation."),
                rx.el.li("Un parent le lit, le signe, et vous le rapportez au collège."),
                rx.el.li(
                    "Votre professeur principal enregistre l'autorisation et ouvre votre accès."
                ),
                style={"padding_left": "1.5em", "line_height": "1.8", "list_style_type": "decimal"},
            ),
            rx.cond(
                S.authorisation_recorded,
                rx.text(
                    "L'autorisation a bien été reçue : votre accès va bientôt être ouvert.",
                    weight="bold",
                ),
                rx.text("Le collège n'a pas encore reçu l'autorisation signée.", weight="bold"),
            ),
            spacing="3",
        ),
    )


def _open() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Votre accès est ouvert", as_="h2", size="5"),
            rx.text(
                "Vous pouvez chercher des offres de stage près de votre collège, préparer "
                "votre CV et postuler."
            ),
            rx.text("Candidatures : ", rx.text.strong(S.applications)),
            rx.link(rx.button("Rechercher un stage", size="3"), href="/eleve/offres"),
            spacing="3",
        ),
    )


def student_home() -> rx.Component:
    return page_layout(
        "Mon espace élève",
        rx.cond(S.load_error != "", rx.callout(S.load_error, color_scheme="red", role="alert")),
        rx.text(S.class_name, " · ", S.school_name, size="3", color="var(--gray-11)"),
        rx.cond(S.access_open, _open(), _waiting()),
        protected=True,
    )
