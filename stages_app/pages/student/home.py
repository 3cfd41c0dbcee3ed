"""Pupil home: the waiting page until access is opened, then the pupil's starting point."""

import reflex as rx

from stages_app.components.forms import status_messages
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


def _school_change() -> rx.Component:
    """A pupil whose family moved joins their new collège's class (a handover)."""
    return rx.el.details(
        rx.el.summary("Vous changez de collège ?", style={"font_weight": "600"}),
        rx.vstack(
            rx.cond(
                S.pending_change != "",
                rx.vstack(
                    rx.text(S.pending_change),
                    rx.button(
                        "Retirer ma demande",
                        on_click=S.cancel_school_change,
                        variant="outline",
                        width="fit-content",
                    ),
                    spacing="2",
                ),
                rx.form(
                    rx.vstack(
                        rx.el.label(
                            "Code de votre nouvelle classe",
                            html_for="champ-class_code",
                            style={"font_weight": "600"},
                        ),
                        rx.input(
                            id="champ-class_code",
                            name="class_code",
                            required=True,
                            max_length=40,
                            autocomplete="off",
                            size="3",
                            max_width="16em",
                        ),
                        rx.text(
                            "Demandez-le au professeur principal de votre nouvelle classe. "
                            "Votre nouveau collège accepte votre arrivée ; d'ici là, rien ne "
                            "change pour vous.",
                            size="2",
                            color="var(--gray-11)",
                        ),
                        rx.button("Envoyer ma demande", type="submit", width="fit-content"),
                        spacing="2",
                        align="stretch",
                    ),
                    on_submit=S.request_school_change,
                    reset_on_submit=True,
                ),
            ),
            spacing="3",
            padding_top="0.5em",
        ),
    )


def student_home() -> rx.Component:
    return page_layout(
        "Mon espace élève",
        rx.cond(S.load_error != "", rx.callout(S.load_error, color_scheme="red", role="alert")),
        rx.text(S.class_name, " · ", S.school_name, size="3", color="var(--gray-11)"),
        status_messages(S),
        rx.cond(S.access_open, _open(), _waiting()),
        rx.cond(S.school_name != "", _school_change(), ""),
        protected=True,
    )
