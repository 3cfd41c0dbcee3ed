"""Employer home: the employer's own offers."""

import reflex as rx

from stages_app.components.layout import page_layout
from stages_app.states.home import EmployerHomeState as S


def _offer_row(row) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.title),
        rx.table.cell(row.status),
        rx.table.cell(row.commune),
        rx.table.cell(row.sector),
        rx.table.cell(row.weeks),
        rx.table.cell(row.accepted, " / ", row.seats),
    )


def employer_home() -> rx.Component:
    return page_layout(
        "Mes offres de stage",
        rx.cond(S.load_error != "", rx.callout(S.load_error, color_scheme="red", role="alert")),
        rx.text(S.organisation, size="3", color="var(--gray-11)"),
        rx.cond(
            S.offers.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Offre"),
                            rx.table.column_header_cell("État"),
                            rx.table.column_header_cell("Commune"),
                            rx.table.column_header_cell("Secteur"),
                            rx.table.column_header_cell("Semaines"),
                            rx.table.column_header_cell("Places acceptées"),
                        )
                    ),
                    rx.table.body(rx.foreach(S.offers, _offer_row)),
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text("Vous n'avez pas encore d'offre."),
        ),
        protected=True,
    )
