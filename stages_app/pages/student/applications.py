"""Pupil: apply (week choice on the offer page), the letter editor and review, the tracker."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import section, status_messages
from stages_app.components.layout import LINK_STYLE, live_refresh, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.applications import ApplicationState as A
from stages_app.states.applications import ApplyState as P
from stages_app.states.applications import TrackerState as T

BADGE = {
    "neutral": "gray",
    "info": "blue",
    "success": "green",
    "danger": "red",
    "warning": "orange",
}


def _week_option(w: RowVar) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(w.label, " — ", w.free, weight="medium"),
            rx.cond(
                w.application_id > 0,
                rx.hstack(
                    rx.link(
                        "Voir ma candidature",
                        href=routes.STUDENT_APPLICATION + "?id=" + w.application_id.to_string(),
                        style=LINK_STYLE,
                    ),
                    rx.cond(
                        w.blocked_reason != "",
                        rx.text(w.blocked_reason, size="2", color="var(--gray-11)"),
                        "",
                    ),
                    rx.cond(
                        w.can_apply_again,
                        rx.button(
                            "Postuler à nouveau",
                            on_click=P.start(w.week_start),
                            size="2",
                            aria_label="Postuler à nouveau pour la " + w.label,
                        ),
                        "",
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    w.blocked_reason != "",
                    rx.text(w.blocked_reason, size="2", color="var(--gray-11)"),
                    rx.button(
                        "Postuler pour cette semaine",
                        on_click=P.start(w.week_start),
                        size="2",
                        aria_label="Postuler pour la " + w.label,
                    ),
                ),
            ),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        list_style_type="none",
        padding_y="0.3em",
    )


def apply_block() -> rx.Component:
    """Shown on the pupil's offer detail page."""
    return section(
        "Postuler",
        status_messages(P),
        rx.cond(
            P.weeks.length() > 0,
            rx.el.ul(rx.foreach(P.weeks, _week_option), style={"padding": 0}),
            rx.text(
                "Aucune semaine de votre collège n'a de place libre pour cette offre.", size="2"
            ),
        ),
    )


def _letter_editor() -> rx.Component:
    return rx.vstack(
        rx.el.details(
            rx.el.summary(
                "Conseils et exemple de lettre", style={"cursor": "pointer", "font_weight": "600"}
            ),
            rx.el.ul(rx.foreach(A.tips, lambda t: rx.el.li(t)), style={"padding_left": "1.2em"}),
            rx.text("Exemple :", weight="bold", size="2"),
            rx.text(A.example, white_space="pre-wrap", size="2", color="var(--gray-12)"),
        ),
        rx.el.label(
            "Ma lettre de motivation pour cette offre",
            html_for="lettre",
            style={"font_weight": "600"},
        ),
        rx.text_area(
            id="lettre",
            value=A.letter,
            on_change=A.set_letter,
            debounce_timeout=700,
            rows="12",
            width="100%",
            size="3",
            placeholder="Madame, Monsieur, je suis élève de 3e…",
        ),
        rx.badge(
            A.saved_label,
            color_scheme="gray",
            high_contrast=True,
            role="status",
            aria_live="polite",
        ),
        rx.button("Relire avant d'envoyer", on_click=A.review, size="3", width="fit-content"),
        spacing="2",
        align="stretch",
        width="100%",
    )


def _review() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "Relisez votre lettre. Votre CV, tel qu'il est maintenant, sera joint.", icon="info"
        ),
        rx.card(rx.text(A.letter, white_space="pre-wrap"), width="100%"),
        rx.link("Voir ou compléter mon CV", href=routes.STUDENT_CV, style=LINK_STYLE),
        rx.hstack(
            rx.button("Modifier la lettre", on_click=A.edit, variant="outline", size="3"),
            rx.button("Envoyer ma candidature", on_click=A.submit, size="3"),
            spacing="3",
            wrap="wrap",
        ),
        spacing="3",
        align="stretch",
        width="100%",
    )


def _sent() -> rx.Component:
    return rx.vstack(
        rx.cond(
            A.answer_message != "",
            rx.callout(
                rx.text(rx.text.strong("Message de l'employeur : "), A.answer_message),
                icon="message_circle",
            ),
            "",
        ),
        rx.cond(A.reason != "", rx.callout(A.reason, icon="info", color_scheme="orange"), ""),
        section(
            "Ma lettre telle qu'envoyée",
            rx.card(rx.text(A.letter, white_space="pre-wrap"), width="100%"),
        ),
        rx.cond(
            A.can_withdraw,
            rx.button(
                "Retirer ma candidature",
                on_click=A.withdraw,
                color_scheme="red",
                variant="outline",
                width="fit-content",
            ),
            "",
        ),
        rx.cond(
            A.can_cancel,
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Raison de l'annulation du stage",
                        html_for="raison",
                        style={"font_weight": "600"},
                    ),
                    rx.text_area(
                        id="raison",
                        name="reason",
                        rows="3",
                        required=True,
                        max_length=2000,
                        width="100%",
                    ),
                    rx.button("Annuler ce stage", type="submit", color_scheme="red"),
                    spacing="2",
                    align="stretch",
                ),
                on_submit=A.cancel,
            ),
            "",
        ),
        spacing="3",
        align="stretch",
        width="100%",
    )


def application_page() -> rx.Component:
    return page_layout(
        rx.cond(A.found, "Candidature : " + A.offer_title, "Candidature"),
        status_messages(A),
        rx.cond(
            A.found,
            rx.vstack(
                rx.text(
                    rx.text.strong(A.employer_name), " · ", A.commune_name, " · ", A.week_label
                ),
                rx.hstack(
                    rx.text("État : "),
                    rx.badge(A.status_label, high_contrast=True, size="2"),
                    align="center",
                ),
                rx.cond(A.can_edit, rx.cond(A.reviewing, _review(), _letter_editor()), _sent()),
                rx.link(
                    "← Offre",
                    href=routes.STUDENT_OFFER + "?id=" + A.offer_id.to_string(),
                    style=LINK_STYLE,
                ),
                spacing="4",
                align="stretch",
                width="100%",
            ),
            "",
        ),
        rx.link("Toutes mes candidatures", href=routes.STUDENT_TRACKER, style=LINK_STYLE),
        protected=True,
    )


def _internship(i: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(i.offer_title, as_="h3", size="4"),
            rx.text(rx.text.strong(i.employer_name), " · ", i.address),
            rx.text("Semaine ", i.week_label),
            rx.cond(i.tutor != "", rx.text("Tuteur ou tutrice : ", i.tutor), ""),
            rx.cond(i.contact != "", rx.text("Contact : ", i.contact), ""),
            rx.cond(i.answer_message != "", rx.text("Message : ", i.answer_message, size="2"), ""),
            rx.link(
                "Détails",
                href=routes.STUDENT_APPLICATION + "?id=" + i.application_id.to_string(),
                style=LINK_STYLE,
                aria_label="Détails du stage " + i.offer_title,
            ),
            spacing="1",
            align="stretch",
        ),
        width="100%",
    )


def _item(r: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.link(
                    r.offer_title,
                    href=routes.STUDENT_APPLICATION + "?id=" + r.application_id.to_string(),
                    style=LINK_STYLE,
                    weight="bold",
                ),
                rx.badge(r.status_label, color_scheme=r.color, high_contrast=True, size="2"),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            rx.text(r.employer_name, " · ", r.commune_name, " · Semaine ", r.week_label, size="2"),
            rx.text(r.dates, size="2", color="var(--gray-11)"),
            rx.cond(r.answer_message != "", rx.text("Réponse : ", r.answer_message, size="2"), ""),
            rx.cond(r.reason != "", rx.text(r.reason, size="2", color="var(--orange-11)"), ""),
            rx.cond(
                r.can_withdraw,
                rx.button(
                    "Retirer",
                    on_click=T.withdraw(r.application_id),
                    size="1",
                    variant="outline",
                    color_scheme="red",
                    width="fit-content",
                    aria_label="Retirer la candidature " + r.offer_title,
                ),
                "",
            ),
            spacing="1",
            align="stretch",
        ),
        width="100%",
    )


def tracker_page() -> rx.Component:
    return page_layout(
        "Mes candidatures",
        status_messages(T),
        rx.cond(T.loaded, live_refresh(T.refresh), ""),
        rx.heading("Mes stages ", T.school_year_label, " : ", T.count_label, as_="h2", size="5"),
        rx.cond(
            T.internships.length() > 0,
            rx.vstack(rx.foreach(T.internships, _internship), spacing="3", width="100%"),
            rx.text(
                "Pas encore de stage accepté. Continuez à postuler : vous pouvez envoyer "
                "autant de candidatures que vous voulez.",
                size="2",
            ),
        ),
        rx.heading("Toutes mes candidatures", as_="h2", size="5"),
        rx.cond(
            T.items.length() > 0,
            rx.vstack(rx.foreach(T.items, _item), spacing="2", width="100%"),
            rx.hstack(
                rx.text("Aucune candidature pour l'instant."),
                rx.link("Rechercher un stage", href=routes.STUDENT_SEARCH, style=LINK_STYLE),
            ),
        ),
        protected=True,
    )
