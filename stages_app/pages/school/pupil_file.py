"""A pupil's file for their school staff, read-only: situation, CV, applications with letters,
statuses and messages."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import NATIVE_SELECT_STYLE, section, status_messages
from stages_app.components.layout import LINK_STYLE, live_refresh, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.dashboards import PupilFileState as S

PRE = {"white_space": "pre-wrap", "overflow_wrap": "anywhere"}


def _cv_section(sec: RowVar) -> rx.Component:
    return rx.vstack(
        rx.heading(sec.title, as_="h3", size="3"),
        rx.el.ul(
            rx.foreach(sec.lines, lambda i: rx.el.li(rx.text(i, style=PRE))),
            style={"padding_left": "1.2em", "margin": 0},
        ),
        spacing="1",
        align="stretch",
    )


def _application(a: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(a.offer_title, as_="h3", size="4"),
                rx.badge(a.status_label, color_scheme=a.color, high_contrast=True),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                a.employer_name,
                rx.cond(a.commune_name != "", " · " + a.commune_name, ""),
                " · semaine ",
                a.week_label,
                size="2",
            ),
            rx.text(a.dates, size="2", color="var(--gray-11)"),
            rx.cond(
                a.answer_message != "",
                rx.box(
                    rx.text.strong("Message de l'employeur : "),
                    rx.text.span(a.answer_message, style=PRE),
                ),
                "",
            ),
            rx.cond(a.reason != "", rx.text(a.reason, size="2", style=PRE), ""),
            rx.el.details(
                rx.el.summary("Lettre de motivation"),
                rx.cond(
                    a.letter != "",
                    rx.text(
                        a.letter,
                        style=PRE,
                        padding="0.5em",
                        background="var(--gray-2)",
                        border_radius="6px",
                    ),
                    rx.text("Pas encore de lettre.", size="2"),
                ),
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
    )


def _move_form() -> rx.Component:
    return section(
        "Changer de classe",
        rx.form(
            rx.vstack(
                rx.el.label(
                    "Nouvelle classe dans le collège",
                    html_for="champ-class_id",
                    style={"font_weight": "600"},
                ),
                rx.el.select(
                    rx.el.option("— Choisir —", value=""),
                    rx.foreach(
                        S.move_choices,
                        lambda c: rx.el.option(c.name, value=c.class_id.to_string()),
                    ),
                    id="champ-class_id",
                    name="class_id",
                    required=True,
                    style={**NATIVE_SELECT_STYLE, "max_width": "20em"},
                ),
                rx.text(
                    "L'autorisation parentale, l'accès, le CV et les candidatures restent "
                    "inchangés. Pour un départ vers un autre collège, l'élève saisit le code de "
                    "sa nouvelle classe dans son espace.",
                    size="2",
                    color="var(--gray-11)",
                ),
                rx.button("Changer de classe", type="submit", width="fit-content"),
                spacing="2",
                align="stretch",
            ),
            on_submit=S.move_pupil,
        ),
    )


def pupil_file_page() -> rx.Component:
    return page_layout(
        rx.cond(S.found, "Dossier de " + S.name, "Dossier d'un élève"),
        status_messages(S),
        rx.cond(
            S.found,
            rx.vstack(
                live_refresh(S.refresh),
                rx.hstack(
                    rx.link(
                        "Classe " + S.class_name,
                        href=routes.SCHOOL_CLASS + "?id=" + S.class_id.to_string(),
                        style=LINK_STYLE,
                    ),
                    rx.text("·", aria_hidden="true"),
                    rx.text(S.email, size="2"),
                    rx.badge(S.status_label, color_scheme=S.status_color, high_contrast=True),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    "Autorisation parentale : ",
                    S.authorisation,
                    " · accès à la plateforme : ",
                    S.access,
                    size="2",
                ),
                rx.cond(
                    S.internships.length() > 0,
                    rx.box(
                        rx.text.strong("Stage(s) accepté(s) :"),
                        rx.el.ul(
                            rx.foreach(S.internships, lambda i: rx.el.li(i)),
                            style={"padding_left": "1.2em", "margin": 0},
                        ),
                    ),
                    "",
                ),
                rx.cond(
                    S.history.length() > 0,
                    rx.box(
                        rx.text.strong("Changements de classe :"),
                        rx.el.ul(
                            rx.foreach(S.history, lambda h: rx.el.li(h.day, " : ", h.text)),
                            style={"padding_left": "1.2em", "margin": 0},
                        ),
                    ),
                    "",
                ),
                section(
                    "CV",
                    rx.cond(
                        (S.cv_about != "") | (S.cv_sections.length() > 0),
                        rx.vstack(
                            rx.cond(
                                S.cv_updated != "",
                                rx.text(S.cv_updated, size="2", color="var(--gray-11)"),
                                "",
                            ),
                            rx.cond(S.cv_about != "", rx.text(S.cv_about, style=PRE), ""),
                            rx.foreach(S.cv_sections, _cv_section),
                            spacing="3",
                            align="stretch",
                        ),
                        rx.text("Le CV n'est pas encore rempli.", size="2"),
                    ),
                ),
                rx.cond(S.move_choices.length() > 0, _move_form(), ""),
                section(
                    "Candidatures",
                    rx.cond(
                        S.applications.length() > 0,
                        rx.vstack(
                            rx.foreach(S.applications, _application), spacing="3", width="100%"
                        ),
                        rx.text("Aucune candidature cette année scolaire.", size="2"),
                    ),
                ),
                spacing="5",
                width="100%",
                align="stretch",
            ),
            "",
        ),
        protected=True,
    )
