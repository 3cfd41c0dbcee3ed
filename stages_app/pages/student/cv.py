"""Pupil: the online CV, saved as it is typed, with a live preview and archived versions."""

import reflex as rx

from stages_app.components.forms import field, section, status_messages
from stages_app.components.layout import page_layout
from stages_app.components.rows import RowVar
from stages_app.services.cv import CV_SECTIONS, CVSection
from stages_app.states.cv import CVState as S


def _editor_section(sec: CVSection) -> rx.Component:
    fid = "cv-" + sec.key
    hint_id = fid + "-aide"
    return rx.vstack(
        rx.el.label(sec.label, html_for=fid, style={"font_weight": "600"}),
        rx.text(
            sec.hint + ("" if sec.kind == "text" else " Une ligne par élément."),
            id=hint_id,
            size="2",
            color="var(--gray-11)",
        ),
        rx.text_area(
            id=fid,
            value=getattr(S, sec.key),
            on_change=lambda v: S.set_section(sec.key, v),
            debounce_timeout=700,
            placeholder=sec.placeholder,
            rows="4" if sec.kind == "list" else "5",
            aria_describedby=hint_id,
            width="100%",
            size="3",
        ),
        spacing="1",
        align="stretch",
        width="100%",
    )


def _preview() -> rx.Component:
    blocks = []
    for sec in CV_SECTIONS:
        if sec.kind == "text":
            body = rx.text(S.about, white_space="pre-wrap", size="2")
            filled = S.about != ""
        else:
            items = S.preview_lists[sec.key]
            body = rx.el.ul(
                rx.foreach(items, lambda x: rx.el.li(x)),
                style={"padding_left": "1.2em", "font_size": "14px"},
            )
            filled = items.length() > 0
        blocks.append(
            rx.cond(
                filled,
                rx.vstack(
                    rx.heading(sec.label, as_="h3", size="3"), body, spacing="1", align="stretch"
                ),
                "",
            )
        )
    return rx.card(
        rx.vstack(
            rx.text(S.user_display_name, weight="bold", size="4"),
            *blocks,
            spacing="3",
            align="stretch",
        ),
        width="100%",
    )


def _version(v: RowVar) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(v.name, weight="bold"),
            rx.text(v.created, size="2", color="var(--gray-11)"),
            rx.button(
                "Voir",
                on_click=S.view_version(v.id),
                size="1",
                variant="outline",
                aria_label="Voir la version " + v.name,
            ),
            rx.button(
                "Restaurer",
                on_click=S.restore(v.id),
                size="1",
                variant="soft",
                aria_label="Restaurer la version " + v.name,
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        list_style_type="none",
        padding_y="0.2em",
    )


def _viewing() -> rx.Component:
    return rx.cond(
        S.viewing_name != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("Version : ", S.viewing_name, as_="h3", size="3"),
                    rx.button("Fermer", on_click=S.close_version, size="1", variant="ghost"),
                    justify="between",
                    width="100%",
                    wrap="wrap",
                ),
                *[
                    rx.cond(
                        S.viewing[sec.key] != "",
                        rx.vstack(
                            rx.text(sec.label, weight="bold", size="2"),
                            rx.text(S.viewing[sec.key], white_space="pre-wrap", size="2"),
                            spacing="1",
                            align="stretch",
                        ),
                        "",
                    )
                    for sec in CV_SECTIONS
                ],
                spacing="2",
                align="stretch",
            ),
            width="100%",
        ),
        "",
    )


def cv_page() -> rx.Component:
    return page_layout(
        "Mon CV",
        rx.text(
            "Votre CV est enregistré au fur et à mesure que vous écrivez. Il est joint à "
            "chaque candidature, tel qu'il est au moment de l'envoi.",
            size="2",
        ),
        rx.hstack(
            rx.badge(
                S.saved_label,
                color_scheme="gray",
                high_contrast=True,
                size="2",
                role="status",
                aria_live="polite",
            ),
            rx.button("Télécharger en PDF", on_click=S.download, variant="outline", size="2"),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        status_messages(S),
        rx.grid(
            rx.vstack(
                *[_editor_section(sec) for sec in CV_SECTIONS],
                spacing="4",
                align="stretch",
                width="100%",
            ),
            rx.box(
                rx.heading("Aperçu", as_="h2", size="4", margin_bottom="0.5em"),
                _preview(),
                position=rx.breakpoints(initial="static", md="sticky"),
                top="1em",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
            align_items="start",
        ),
        section(
            "Versions archivées",
            rx.form(
                rx.hstack(
                    rx.box(
                        field(
                            "Nom de la version",
                            "version_name",
                            required=False,
                            max_length=80,
                            hint="Par exemple : CV pour la boulangerie",
                        ),
                        flex="1",
                        min_width="14em",
                    ),
                    rx.button("Archiver cette version", type="submit", size="3"),
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.archive,
                reset_on_submit=True,
            ),
            rx.cond(
                S.versions.length() > 0,
                rx.el.ul(rx.foreach(S.versions, _version), style={"padding": 0}),
                rx.text("Aucune version archivée.", size="2"),
            ),
            _viewing(),
        ),
        protected=True,
    )
