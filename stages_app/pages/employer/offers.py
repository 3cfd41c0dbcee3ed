"""Employer: list of own offers, and the offer editor with the pupils' live preview."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import status_messages
from stages_app.components.layout import LINK_STYLE, live_refresh, page_layout
from stages_app.components.offer_card import offer_card
from stages_app.components.rows import RowVar
from stages_app.states.employer import EmployerOffersState as L
from stages_app.states.employer import OfferEditorState as E

INPUT_STYLE = {
    "padding": "0.5em",
    "border": "1px solid var(--gray-8)",
    "border_radius": "6px",
    "font_size": "16px",
    "background": "white",
    "width": "100%",
}


MUTED = "var(--gray-11)"
WAITING_HREF = routes.EMPLOYER_INBOX + "?statut=open"


def _week_seats(w: RowVar) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text("Semaine ", w.label, size="2", flex="1", min_width="12em"),
            rx.cond(
                w.past,
                rx.text(w.seats, size="2", color=MUTED),
                rx.badge(
                    w.seats,
                    color_scheme=rx.cond(w.full, "gray", "green"),
                    high_contrast=True,
                    variant="soft",
                ),
            ),
            rx.cond(w.waiting != "", rx.text(w.waiting, size="1", color=MUTED), ""),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        style={"padding": "0.15em 0", "list_style_type": "none"},
        color=rx.cond(w.past, MUTED, "inherit"),
        opacity=rx.cond(w.past, "0.75", "1"),
    )


def _summary() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("En bref", as_="h2", size="4"),
            rx.el.ul(
                rx.el.li(rx.text(L.seats_summary, size="3")),
                rx.el.li(
                    rx.cond(
                        L.waiting_count > 0,
                        rx.link(L.waiting_summary, href=WAITING_HREF, style=LINK_STYLE, size="3"),
                        rx.text(L.waiting_summary, size="3"),
                    )
                ),
                style={"padding_left": "1.2em", "margin": 0},
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
        aria_live="polite",
    )


def _todo_row(t: RowVar) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.link(
                    t.pupil,
                    href=routes.EMPLOYER_APPLICATION + "?id=" + t.id.to_string(),
                    style=LINK_STYLE,
                    weight="bold",
                    aria_label="Répondre à la candidature de " + t.pupil + " pour " + t.offer,
                ),
                rx.badge(
                    t.status_label,
                    color_scheme=rx.cond(t.is_new, "blue", "gray"),
                    high_contrast=True,
                ),
                rx.text(t.waiting, size="2", color=MUTED),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(t.offer, " · semaine ", t.week, size="2"),
            spacing="1",
        ),
        style={
            "padding": "0.4em 0",
            "border_bottom": "1px solid var(--gray-5)",
            "list_style_type": "none",
        },
    )


def _todo() -> rx.Component:
    return rx.cond(
        L.todo.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("À traiter", as_="h2", size="4"),
                rx.text(
                    "Les candidatures qui attendent depuis le plus longtemps.",
                    size="2",
                    color=MUTED,
                ),
                rx.el.ul(rx.foreach(L.todo, _todo_row), style={"padding": 0, "margin": 0}),
                rx.cond(
                    L.todo_more != "",
                    rx.link(L.todo_more, href=WAITING_HREF, style=LINK_STYLE, size="2"),
                    "",
                ),
                spacing="2",
                align="stretch",
            ),
            width="100%",
        ),
        "",
    )


def _row(r: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(
                    rx.link(
                        r.title,
                        href=routes.EMPLOYER_OFFER + "?id=" + r.id.to_string(),
                        style=LINK_STYLE,
                    ),
                    as_="h2",
                    size="4",
                ),
                rx.badge(
                    r.status_label,
                    color_scheme=rx.match(
                        r.status,
                        ("published", "green"),
                        ("draft", "gray"),
                        ("unpublished", "orange"),
                        "gray",
                    ),
                ),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            rx.text(r.commune, " · ", r.sector, size="2"),
            rx.cond(
                r.week_seats.length() > 0,
                rx.el.ul(
                    rx.foreach(r.week_seats, _week_seats),
                    style={"padding": 0, "margin": 0},
                    aria_label="Semaines et places de l'offre " + r.title,
                ),
                rx.el.ul(
                    rx.foreach(r.weeks, lambda w: rx.el.li("Semaine ", w)),
                    style={"padding_left": "1.2em", "font_size": "14px"},
                ),
            ),
            rx.cond(
                r.waiting > 0,
                rx.link(r.waiting_label, href=WAITING_HREF, style=LINK_STYLE, size="2"),
                "",
            ),
            rx.hstack(
                rx.link(
                    rx.button("Modifier", variant="outline", size="2"),
                    href=routes.EMPLOYER_OFFER + "?id=" + r.id.to_string(),
                    aria_label="Modifier l'offre " + r.title,
                ),
                rx.cond(
                    r.can_publish,
                    rx.button(
                        "Publier",
                        on_click=L.publish(r.id),
                        size="2",
                        aria_label="Publier l'offre " + r.title,
                    ),
                    "",
                ),
                rx.cond(
                    r.can_unpublish,
                    rx.button(
                        "Dépublier",
                        on_click=L.unpublish(r.id),
                        size="2",
                        variant="outline",
                        aria_label="Dépublier l'offre " + r.title,
                    ),
                    "",
                ),
                rx.cond(
                    r.can_archive,
                    rx.button(
                        "Archiver",
                        on_click=L.archive(r.id),
                        size="2",
                        variant="ghost",
                        color_scheme="red",
                        aria_label="Archiver l'offre " + r.title,
                    ),
                    "",
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
    )


def employer_offers() -> rx.Component:
    return page_layout(
        "Mes offres de stage",
        rx.text(L.organisation, size="3", color="var(--gray-11)"),
        # live updates: pushed by the server; this timer is the slow fallback (stages_app.live)
        live_refresh(L.refresh),
        status_messages(L),
        rx.cond(L.loaded, rx.fragment(_summary(), _todo()), ""),
        rx.link(
            rx.button("Proposer une nouvelle offre", size="3"),
            href=routes.EMPLOYER_OFFER,
            width="fit-content",
        ),
        rx.cond(L.rows.length() > 0, rx.heading("Mes offres", as_="h2", size="5"), ""),
        rx.cond(
            L.rows.length() > 0,
            rx.vstack(rx.foreach(L.rows, _row), spacing="3", width="100%"),
            rx.text("Vous n'avez pas encore d'offre."),
        ),
        protected=True,
    )


def _text_input(
    label: str,
    name: str,
    value: str | rx.Var[str],
    *,
    hint: str = "",
    max_length: int = 200,
    required: bool = False,
    **props: str,
) -> rx.Component:
    fid = "offre-" + name
    return rx.vstack(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" (obligatoire)", size="1", color="var(--gray-11)"), ""),
            html_for=fid,
            style={"font_weight": "600"},
        ),
        rx.input(
            id=fid,
            value=value,
            on_change=lambda v: E.set_field(name, v),
            debounce_timeout=400,
            max_length=max_length,
            size="3",
            width="100%",
            **props,
        ),
        rx.text(hint, size="2", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        align="stretch",
        width="100%",
    )


def _text_area(
    label: str,
    name: str,
    value: str | rx.Var[str],
    *,
    hint: str = "",
    max_length: int = 5000,
    required: bool = False,
) -> rx.Component:
    fid = "offre-" + name
    return rx.vstack(
        rx.el.label(
            label,
            rx.cond(required, rx.text.span(" (obligatoire)", size="1", color="var(--gray-11)"), ""),
            html_for=fid,
            style={"font_weight": "600"},
        ),
        rx.text_area(
            id=fid,
            value=value,
            on_change=lambda v: E.set_field(name, v),
            debounce_timeout=500,
            max_length=max_length,
            rows="5",
            width="100%",
            size="3",
        ),
        rx.text(hint, size="2", color="var(--gray-11)") if hint else rx.fragment(),
        spacing="1",
        align="stretch",
        width="100%",
    )


def _week_row(w: RowVar) -> rx.Component:
    sid = "places-" + w.monday
    return rx.el.li(
        rx.hstack(
            rx.text("Semaine ", w.label, flex="1", min_width="12em"),
            rx.el.label("Places", html_for=sid, style={"font_size": "14px"}),
            rx.input(
                id=sid,
                type="number",
                min="1",
                max="50",
                value=w.seats,
                on_change=lambda v: E.set_week_seats(w.monday, v),
                debounce_timeout=400,
                width="5em",
                size="2",
            ),
            rx.cond(w.accepted > 0, rx.text(w.accepted, " acceptée(s)", size="1"), ""),
            rx.button(
                "Retirer",
                on_click=E.remove_week(w.monday),
                size="1",
                variant="ghost",
                color_scheme="red",
                aria_label="Retirer la semaine " + w.label,
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        list_style_type="none",
        padding_y="0.2em",
    )


def _editor() -> rx.Component:
    return rx.vstack(
        _text_input(
            "Titre de l'offre",
            "title",
            E.title,
            required=True,
            max_length=150,
            hint="Par exemple : Découvrir le métier de boulanger",
        ),
        _text_area(
            "Description",
            "description",
            E.description,
            required=True,
            hint="Ce que l'élève verra et fera pendant la semaine, en mots simples.",
        ),
        rx.vstack(
            rx.el.label(
                "Secteur d'activité (ONISEP)",
                rx.text.span(" (obligatoire)", size="1", color="var(--gray-11)"),
                html_for="offre-secteur",
                style={"font_weight": "600"},
            ),
            rx.el.select(
                rx.el.option("— Choisir —", value=""),
                rx.foreach(E.sectors, lambda s: rx.el.option(s.name, value=s.id.to_string())),
                id="offre-secteur",
                value=E.sector_id,
                on_change=lambda v: E.set_field("sector_id", v),
                style=INPUT_STYLE,
            ),
            spacing="1",
            align="stretch",
            width="100%",
        ),
        _text_input(
            "Adresse (numéro et rue)",
            "street",
            E.street,
            max_length=200,
            autocomplete="street-address",
        ),
        rx.flex(
            rx.vstack(
                rx.el.label(
                    "Code postal",
                    rx.text.span(" (obligatoire)", size="1", color="var(--gray-11)"),
                    html_for="offre-cp",
                    style={"font_weight": "600"},
                ),
                rx.input(
                    id="offre-cp",
                    value=E.postal_code,
                    on_change=E.set_postal_code,
                    debounce_timeout=400,
                    max_length=5,
                    input_mode="numeric",
                    size="3",
                    auto_complete="postal-code",
                ),
                spacing="1",
                align="stretch",
                min_width="8em",
            ),
            rx.vstack(
                rx.el.label(
                    "Commune",
                    rx.text.span(" (obligatoire)", size="1", color="var(--gray-11)"),
                    html_for="offre-commune",
                    style={"font_weight": "600"},
                ),
                rx.el.select(
                    rx.el.option(
                        rx.cond(
                            E.commune_options.length() > 0,
                            "— Choisir —",
                            "Saisissez d'abord le code postal",
                        ),
                        value="",
                    ),
                    rx.foreach(
                        E.commune_options, lambda c: rx.el.option(c.name, value=c.insee_code)
                    ),
                    id="offre-commune",
                    value=E.commune_insee,
                    on_change=E.set_commune,
                    style=INPUT_STYLE,
                ),
                spacing="1",
                align="stretch",
                flex="1",
                min_width="12em",
            ),
            gap="3",
            wrap="wrap",
            width="100%",
        ),
        rx.el.fieldset(
            rx.el.legend("Semaines proposées et places", style={"font_weight": "600"}),
            rx.el.ul(rx.foreach(E.weeks, _week_row), style={"padding": 0}),
            rx.hstack(
                rx.vstack(
                    rx.el.label(
                        "Un jour de la semaine à ajouter",
                        html_for="offre-semaine",
                        style={"font_size": "14px"},
                    ),
                    rx.input(
                        id="offre-semaine",
                        type="date",
                        value=E.new_week,
                        on_change=E.set_new_week,
                        size="2",
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label("Places", html_for="offre-places", style={"font_size": "14px"}),
                    rx.input(
                        id="offre-places",
                        type="number",
                        min="1",
                        max="50",
                        value=E.new_seats,
                        on_change=E.set_new_seats,
                        width="5em",
                        size="2",
                    ),
                    spacing="1",
                ),
                rx.button(
                    "Ajouter la semaine",
                    on_click=E.add_week,
                    size="2",
                    variant="soft",
                    type="button",
                ),
                align="end",
                spacing="2",
                wrap="wrap",
            ),
            style={
                "border": "1px solid var(--gray-6)",
                "border_radius": "8px",
                "padding": "0.75em",
            },
        ),
        _text_input(
            "Tuteur ou tutrice : nom", "tutor_name", E.tutor_name, max_length=120, required=True
        ),
        _text_input("Tuteur ou tutrice : fonction", "tutor_role", E.tutor_role, max_length=120),
        _text_area(
            "Informations pratiques",
            "practical_info",
            E.practical_info,
            max_length=2000,
            hint="Horaires, lieu de rendez-vous, tenue, repas…",
        ),
        _text_area(
            "Accueil des élèves en situation de handicap",
            "accessibility",
            E.accessibility,
            max_length=1000,
        ),
        status_messages(E),
        rx.hstack(
            rx.button("Enregistrer", on_click=E.save, size="3", variant="outline"),
            rx.button("Enregistrer et publier", on_click=E.save_and_publish, size="3"),
            spacing="3",
            wrap="wrap",
        ),
        spacing="4",
        align="stretch",
        width="100%",
    )


def offer_editor() -> rx.Component:
    return page_layout(
        "Offre de stage",
        rx.text(E.status_label, size="2", color="var(--gray-11)"),
        rx.link("← Mes offres", href=routes.EMPLOYER_HOME, style=LINK_STYLE),
        rx.grid(
            rx.box(_editor()),
            rx.box(
                rx.heading("Aperçu pour les élèves", as_="h2", size="4", margin_bottom="0.5em"),
                offer_card(E.preview, "#"),
                position=rx.breakpoints(initial="static", md="sticky"),
                top="1em",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="5",
            width="100%",
            align_items="start",
        ),
        protected=True,
    )
