"""The school's tracking (principal and granted staff): per class, coverage of each internship
week, pupils per situation, pupils needing attention, CSV export. Kept live by server pushes."""

from collections.abc import Sequence

import reflex as rx
from reflex.vars import ArrayVar

from stages_app.components.forms import section, status_messages
from stages_app.components.layout import LINK_STYLE, live_refresh, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.dashboards import BarRow
from stages_app.states.dashboards import SchoolDashboardState as S

COLUMNS = (
    "Classe",
    "Élèves",
    "Comptes créés",
    "Autorisations attendues",
    "Accès ouverts",
    "Avec au moins 1 candidature",
    "1 stage",
    "2 stages",
    "Sans stage",
)


def _figures(row: RowVar) -> list[rx.Component]:
    return [
        rx.table.cell(v)
        for v in (
            row.pupils,
            row.accounts,
            row.waiting_authorisation,
            row.access_opened,
            row.with_application,
            row.one_internship,
            row.two_internships,
            row.no_internship,
        )
    ]


def _class_row(row: RowVar) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(
                row.name, href=row.href, style=LINK_STYLE, aria_label="Ouvrir la classe " + row.name
            )
        ),
        *_figures(row),
    )


def _total_row(row: RowVar) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text.strong(row.name)),
        *_figures(row),
        font_weight="700",
        background="var(--gray-3)",
    )


def _bar(row: RowVar) -> rx.Component:
    """A horizontal bar (decorative) with its figure written next to it (the accessible part)."""
    return rx.el.li(
        rx.text(row.title, weight="medium", size="2"),
        rx.flex(
            rx.box(
                rx.box(
                    width=row.width,
                    height="100%",
                    background=rx.match(
                        row.color,
                        ("green", "var(--green-9)"),
                        ("orange", "var(--orange-9)"),
                        ("red", "var(--red-9)"),
                        ("gray", "var(--gray-9)"),
                        "var(--blue-9)",
                    ),
                    border_radius="4px",
                ),
                flex="1 1 160px",
                min_width="120px",
                height="1.1em",
                background="var(--gray-4)",
                border_radius="4px",
                aria_hidden="true",
            ),
            rx.text(row.label, size="2", white_space="nowrap", min_width="10.5em"),
            gap="3",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        list_style_type="none",
        padding_y="0.3em",
    )


def _bars(rows: ArrayVar[Sequence[BarRow]], empty: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.el.ul(rx.foreach(rows, _bar), style={"padding": 0, "margin": 0}),
        rx.text(empty, size="2"),
    )


def _attention(a: RowVar) -> rx.Component:
    return rx.el.li(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.link(
                        a.name,
                        href=a.href,
                        style=LINK_STYLE,
                        aria_label="Voir le dossier de " + a.name,
                    ),
                    rx.text("(", a.class_name, ")", size="2", color="var(--gray-11)"),
                    rx.badge(a.status_label, color_scheme=a.color, high_contrast=True),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.el.ul(
                    rx.foreach(a.reasons, lambda r: rx.el.li(rx.text(r, size="2"))),
                    style={"padding_left": "1.2em", "margin": 0},
                ),
                spacing="1",
                align="stretch",
            ),
            width="100%",
        ),
        list_style_type="none",
        padding_y="0.25em",
    )


def school_dashboard_page() -> rx.Component:
    return page_layout(
        "Suivi des stages du collège",
        status_messages(S),
        rx.cond(
            S.loaded,
            rx.vstack(
                live_refresh(S.refresh),
                rx.flex(
                    rx.text(S.school_name, " · année scolaire ", S.school_year_label, size="3"),
                    rx.button(
                        rx.icon("download", size=16, aria_hidden="true"),
                        "Exporter en CSV (Excel)",
                        on_click=S.download_csv,
                        variant="outline",
                    ),
                    justify="between",
                    align="center",
                    wrap="wrap",
                    gap="3",
                ),
                rx.text(
                    "Ces chiffres se mettent à jour tout seuls pendant que la page est ouverte.",
                    size="2",
                    color="var(--gray-11)",
                ),
                section(
                    "Par classe",
                    rx.box(
                        rx.table.root(
                            rx.table.header(
                                rx.table.row(*[rx.table.column_header_cell(c) for c in COLUMNS])
                            ),
                            rx.table.body(
                                rx.foreach(S.classes, _class_row), rx.foreach(S.totals, _total_row)
                            ),
                            width="100%",
                            size="1",
                        ),
                        overflow_x="auto",
                        width="100%",
                    ),
                ),
                section(
                    "Élèves en stage par semaine",
                    _bars(S.weeks, "Aucune semaine de stage déclarée pour cette année scolaire."),
                ),
                section("Élèves par situation", _bars(S.statuses, "Aucun élève inscrit.")),
                section(
                    "Élèves à suivre de près",
                    rx.cond(
                        S.attention.length() > 0,
                        rx.el.ul(
                            rx.foreach(S.attention, _attention), style={"padding": 0, "margin": 0}
                        ),
                        rx.text(
                            "Aucun élève ne demande d'attention particulière pour l'instant.",
                            size="2",
                        ),
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
