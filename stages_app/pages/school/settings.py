"""Principal: classes, internship weeks and national search."""

import reflex as rx

from stages_app.components.forms import field, section, status_messages
from stages_app.components.layout import page_layout
from stages_app.components.rows import RowVar
from stages_app.states.school_settings import SchoolSettingsState as S


def _class_row(row: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(row.name, as_="h3", size="4"),
                rx.badge(
                    rx.cond(row.access_open, "Accès ouvert", "Accès fermé"),
                    color_scheme=rx.cond(row.access_open, "green", "gray"),
                    high_contrast=True,
                ),  # green-11 on green-3 is below AA
                rx.text(row.pupils, " élève(s)", size="2"),
                rx.text("Code : ", rx.code(row.join_code), size="2"),
                rx.cond(
                    row.main_teacher_name != "",
                    rx.text("Professeur principal : ", row.main_teacher_name, size="2"),
                    "",
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            rx.hstack(
                rx.button(
                    rx.cond(row.access_open, "Fermer l'accès", "Ouvrir l'accès"),
                    on_click=S.set_class_access(row.id, ~row.access_open),
                    variant="outline",
                    size="2",
                    aria_label=rx.cond(
                        row.access_open, "Fermer l'accès de la ", "Ouvrir l'accès de la "
                    )
                    + row.name,
                ),
                rx.button(
                    "Nouveau code",
                    on_click=S.regenerate_code(row.id),
                    variant="outline",
                    size="2",
                    aria_label="Nouveau code pour la " + row.name,
                ),
                rx.button(
                    "Supprimer",
                    on_click=S.delete_class(row.id),
                    color_scheme="red",
                    variant="outline",
                    size="2",
                    disabled=row.pupils > 0,
                    aria_label="Supprimer la " + row.name,
                ),
                rx.form(
                    rx.hstack(
                        rx.el.input(type="hidden", name="class_id", value=row.id),
                        rx.el.label(
                            "Nouveau nom",
                            html_for="renommer-" + row.id.to_string(),
                            class_name="sr-only",
                        ),
                        rx.input(
                            id="renommer-" + row.id.to_string(),
                            name="new_name",
                            placeholder="Nouveau nom",
                            max_length=40,
                            size="2",
                            required=True,
                        ),
                        rx.button("Renommer", type="submit", size="2", variant="soft"),
                        spacing="2",
                    ),
                    on_submit=S.rename_class,
                    reset_on_submit=True,
                ),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="class_id", value=row.id),
                    rx.el.label(
                        "Professeur principal",
                        html_for="pp-" + row.id.to_string(),
                        style={"font_size": "14px", "font_weight": "600"},
                    ),
                    rx.el.select(
                        rx.el.option("— Aucun —", value=""),
                        rx.foreach(S.teacher_options, lambda o: rx.el.option(o[1], value=o[0])),
                        id="pp-" + row.id.to_string(),
                        name="teacher_id",
                        default_value=rx.cond(
                            row.main_teacher_id, row.main_teacher_id.to_string(), ""
                        ),
                        style={"font_size": "14px", "padding": "0.25em", "max_width": "20em"},
                    ),
                    rx.button(
                        "Désigner",
                        type="submit",
                        size="1",
                        variant="soft",
                        aria_label="Désigner le professeur principal de la " + row.name,
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                on_submit=S.set_main_teacher,
                key=row.id.to_string() + "-" + row.main_teacher_name,
            ),
            rx.cond(
                row.pupils > 0,
                rx.text(
                    "Une classe qui a des élèves ne peut pas être supprimée.",
                    size="1",
                    color="var(--gray-11)",
                ),
                "",
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
    )


def _week(w: RowVar) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text("Semaine ", w.label),
            rx.cond(w.past, rx.badge("passée", color_scheme="gray"), ""),
            rx.cond(w.accepted > 0, rx.badge(w.accepted, " stage(s) accepté(s)"), ""),
            rx.button(
                "Retirer",
                on_click=S.remove_week(w.id),
                variant="ghost",
                size="1",
                color_scheme="red",
                aria_label="Retirer la semaine " + w.label,
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        list_style_type="none",
    )


def _period(p: RowVar) -> rx.Component:
    return rx.card(
        rx.text(rx.text.strong("Période "), p.label, " (", p.school_year, ")"),
        rx.el.ul(rx.foreach(p.weeks, _week), style={"padding": 0, "margin_top": "0.5em"}),
        width="100%",
    )


def school_settings() -> rx.Component:
    return page_layout(
        "Paramètres du collège",
        rx.text(S.school_name, size="3", color="var(--gray-11)"),
        status_messages(S),
        section(
            "Classes de 3e",
            rx.foreach(S.classes, _class_row),
            rx.cond(S.classes.length() == 0, rx.text("Aucune classe pour l'instant."), ""),
            rx.form(
                rx.hstack(
                    rx.box(
                        field(
                            "Nom de la nouvelle classe",
                            "class_name",
                            max_length=40,
                            hint="Par exemple : 3e A",
                        ),
                        flex="1",
                        min_width="14em",
                    ),
                    rx.button("Créer la classe", type="submit", size="3"),
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.create_class,
                reset_on_submit=True,
            ),
        ),
        section(
            "Semaines de stage",
            rx.text(
                "Une période compte une à quatre semaines consécutives, du lundi au vendredi, "
                "dans l'année scolaire ",
                S.current_school_year,
                " ou la suivante.",
                size="2",
            ),
            rx.foreach(S.periods, _period),
            rx.cond(S.periods.length() == 0, rx.text("Aucune semaine déclarée."), ""),
            rx.form(
                rx.hstack(
                    rx.box(
                        field(
                            "Première semaine (un jour de la semaine)", "first_monday", type="date"
                        ),
                        flex="1",
                        min_width="14em",
                    ),
                    rx.box(
                        field(
                            "Dernière semaine (facultatif)",
                            "last_monday",
                            type="date",
                            required=False,
                        ),
                        flex="1",
                        min_width="14em",
                    ),
                    rx.button("Ajouter la période", type="submit", size="3"),
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.add_period,
                reset_on_submit=True,
            ),
        ),
        section(
            "Recherche des offres",
            rx.text(
                rx.cond(
                    S.national_search,
                    "Vos élèves voient les offres de toute la France (la distance reste affichée).",
                    "Vos élèves voient les offres à moins de 60 km du collège.",
                )
            ),
            rx.cond(
                S.national_search_info != "",
                rx.text(S.national_search_info, size="2", color="var(--gray-11)"),
                "",
            ),
            rx.button(
                rx.cond(
                    S.national_search, "Revenir à 60 km", "Ouvrir la recherche à toute la France"
                ),
                on_click=S.set_national_search(~S.national_search),
                variant="outline",
                width="fit-content",
            ),
        ),
        protected=True,
    )
