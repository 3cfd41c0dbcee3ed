"""School home for the principal, teachers and other staff."""

import reflex as rx

from stages_app.components.layout import page_layout
from stages_app.states.home import SchoolHomeState as S


def _class_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(row.pupils),
        rx.table.cell(row.authorised),
        rx.table.cell(row.opened),
        rx.table.cell(rx.code(row.join_code)),
    )


def _granted() -> rx.Component:
    return rx.vstack(
        rx.heading("Classes de 3e", as_="h2", size="5"),
        rx.cond(
            S.classes.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Classe"),
                            rx.table.column_header_cell("Élèves inscrits"),
                            rx.table.column_header_cell("Autorisations reçues"),
                            rx.table.column_header_cell("Accès ouverts"),
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
        rx.heading("Semaines de stage", as_="h2", size="5"),
        rx.cond(
            S.weeks.length() > 0,
            rx.el.ul(rx.foreach(S.weeks, lambda w: rx.el.li("Semaine ", w)),
                     style={"padding_left": "1.5em"}),
            rx.text("Aucune semaine de stage déclarée."),
        ),
        rx.text(
            "Recherche des offres : ",
            rx.cond(S.national_search, "ouverte à toute la France", "à moins de 60 km du collège"),
        ),
        spacing="3",
        width="100%",
        align="stretch",
    )


def school_home() -> rx.Component:
    return page_layout(
        "Tableau de bord du collège",
        rx.cond(S.load_error != "", rx.callout(S.load_error, color_scheme="red", role="alert")),
        rx.text(
            S.school_name, " (", S.uai, ") · ", S.commune,
            rx.cond(S.priority_education != "", rx.text.span(" · ", S.priority_education), ""),
            size="3",
        ),
        rx.text("Votre fonction : ", S.function_label, size="2", color="var(--gray-11)"),
        rx.match(
            S.rights_status,
            ("granted", _granted()),
            ("pending", rx.callout(
                "Votre demande d'accès est en attente : le chef d'établissement doit la valider.",
                icon="info", role="status")),
            ("revoked", rx.callout(
                "Votre accès aux données du collège a été retiré par le chef d'établissement.",
                icon="triangle_alert", color_scheme="red", role="status")),
            rx.fragment(),
        ),
        protected=True,
    )
