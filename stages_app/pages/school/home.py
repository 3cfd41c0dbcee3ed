"""School home for the principal, teachers and other staff: their classes and the school's weeks."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import section, status_messages
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.home import SchoolHomeState as S


def _class_row(row: RowVar) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(
                row.name,
                href=routes.SCHOOL_CLASS + "?id=" + row.class_id.to_string(),
                style=LINK_STYLE,
                aria_label="Ouvrir la classe " + row.name,
            ),
        ),
        rx.table.cell(row.pupils),
        rx.table.cell(row.waiting),
        rx.table.cell(row.authorised),
        rx.table.cell(row.opened),
        rx.table.cell(rx.cond(row.main_teacher_name != "", row.main_teacher_name, "—")),
        rx.table.cell(rx.cond(row.join_code != "", rx.code(row.join_code), "—")),
    )


def _follow_choice(c: RowVar) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(c.name, weight="bold"),
            rx.cond(
                c.main_teacher_name != "",
                rx.text("(professeur principal : ", c.main_teacher_name, ")", size="2"),
                "",
            ),
            rx.cond(
                c.is_main,
                rx.badge("Votre classe"),
                rx.cond(
                    c.followed,
                    rx.button(
                        "Ne plus suivre",
                        on_click=S.unfollow(c.class_id),
                        size="1",
                        variant="outline",
                        aria_label="Ne plus suivre la " + c.name,
                    ),
                    rx.button(
                        "Suivre",
                        on_click=S.follow(c.class_id),
                        size="1",
                        aria_label="Suivre la " + c.name,
                    ),
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        list_style_type="none",
        padding_y="0.2em",
    )


def _granted() -> rx.Component:
    return rx.vstack(
        section(
            "Classes de 3e",
            rx.cond(
                S.classes.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Classe"),
                                rx.table.column_header_cell("Élèves"),
                                rx.table.column_header_cell("Sans autorisation"),
                                rx.table.column_header_cell("Autorisation reçue"),
                                rx.table.column_header_cell("Accès ouvert"),
                                rx.table.column_header_cell("Professeur principal"),
                                rx.table.column_header_cell("Code de classe"),
                            )
                        ),
                        rx.table.body(rx.foreach(S.classes, _class_row)),
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                rx.text("Aucune classe à afficher pour l'instant."),
            ),
        ),
        rx.cond(
            S.is_teacher,
            section(
                "Les classes que je suis",
                rx.text(
                    "Suivez une classe pour voir ses élèves comme son professeur principal.",
                    size="2",
                ),
                rx.el.ul(rx.foreach(S.follow_choices, _follow_choice), style={"padding": 0}),
            ),
            rx.fragment(),
        ),
        section(
            "Semaines de stage",
            rx.cond(
                S.weeks.length() > 0,
                rx.el.ul(
                    rx.foreach(S.weeks, lambda w: rx.el.li("Semaine ", w)),
                    style={"padding_left": "1.5em"},
                ),
                rx.text("Aucune semaine de stage déclarée."),
            ),
            rx.text(
                "Recherche des offres : ",
                rx.cond(
                    S.national_search, "ouverte à toute la France", "à moins de 60 km du collège"
                ),
            ),
        ),
        spacing="5",
        width="100%",
        align="stretch",
    )


def school_home() -> rx.Component:
    return page_layout(
        "Tableau de bord du collège",
        status_messages(S),
        rx.text(
            S.school_name,
            " (",
            S.uai,
            ") · ",
            S.commune,
            rx.cond(S.priority_education != "", rx.text.span(" · ", S.priority_education), ""),
            size="3",
        ),
        rx.text("Votre fonction : ", S.function_label, size="2", color="var(--gray-11)"),
        rx.match(
            S.rights_status,
            ("granted", _granted()),
            (
                "pending",
                rx.callout(
                    "Votre demande d'accès est en attente : "
                    "le chef d'établissement doit la valider.",
                    icon="info",
                    role="status",
                ),
            ),
            (
                "revoked",
                rx.callout(
                    "Votre accès aux données du collège a été retiré par le chef d'établissement.",
                    icon="triangle_alert",
                    color_scheme="red",
                    role="status",
                ),
            ),
            rx.fragment(),
        ),
        protected=True,
    )
