"""Employer: the applications received (per offer and week, with a status filter) and one
application (CV and letter as sent, accept / refuse / cancel, CV as PDF)."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import section, status_messages
from stages_app.components.layout import LINK_STYLE, live_refresh, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.inbox import ApplicationReviewState as R
from stages_app.states.inbox import InboxState as I

SELECT_STYLE = {
    "padding": "0.5em",
    "border": "1px solid var(--gray-8)",
    "border_radius": "6px",
    "font_size": "16px",
    "background": "white",
    "color": "var(--gray-12)",
    "width": "100%",
    "max_width": "100%",
}
HINT = {"size": "2", "color": "var(--gray-11)"}
# Long words (an e-mail, a URL) never widen the page on a phone.
WRAP = {"overflow_wrap": "anywhere"}


def status_badge(status_label: rx.Var[str], tone: rx.Var[str]) -> rx.Component:
    """A status badge whose colour says its meaning; high contrast: AA on every colour."""
    return rx.badge(
        status_label,
        color_scheme=rx.match(
            tone,
            ("info", "blue"),
            ("success", "green"),
            ("danger", "red"),
            ("warning", "orange"),
            "gray",
        ),
        high_contrast=True,
        variant="soft",
        size="2",
    )


# ---------------------------------------------------------------------------------------------
# Inbox
# ---------------------------------------------------------------------------------------------


def _inbox_row(r: RowVar, week_label: rx.Var[str]) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.link(
                    r.pupil_name,
                    href=r.url,
                    style=LINK_STYLE,
                    size="3",
                    weight=rx.cond(r.is_new, "bold", "medium"),
                    aria_label="Candidature de "
                    + r.pupil_name
                    + ", "
                    + week_label
                    + " ("
                    + r.status_label
                    + ")",
                ),
                rx.text(r.school_line, size="2", style=WRAP),
                rx.text(r.received, **HINT),
                spacing="1",
                align="start",
                flex="1",
                min_width="12em",
            ),
            status_badge(r.status_label, r.tone),
            justify="between",
            align="start",
            gap="2",
            wrap="wrap",
            width="100%",
        ),
        style={
            "list_style": "none",
            "padding": "0.75em 0",
            "border_top": "1px solid var(--gray-5)",
        },
    )


def _week_group(w: RowVar) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.heading(w.week_label, as_="h3", size="3"),
            rx.cond(
                w.seats != "",
                rx.badge(
                    w.seats,
                    color_scheme=rx.cond(w.full, "orange", "green"),
                    high_contrast=True,
                    variant="soft",
                    size="2",
                ),
                "",
            ),
            justify="between",
            align="center",
            gap="2",
            wrap="wrap",
        ),
        rx.cond(w.counts != "", rx.text(w.counts, size="2", margin_top="0.25em"), ""),
        rx.el.ul(
            rx.foreach(w.rows, lambda r: _inbox_row(r, w.week_label)),
            style={"padding": 0, "margin": "0.5em 0 0"},
        ),
        padding_top="0.75em",
    )


def _offer_group(o: RowVar) -> rx.Component:
    return rx.card(
        rx.el.section(
            rx.flex(
                rx.heading(o.offer_title, as_="h2", size="5", style=WRAP),
                rx.link(
                    "Voir l'offre",
                    href=routes.EMPLOYER_OFFER + "?id=" + o.offer_id.to_string(),
                    style=LINK_STYLE,
                    size="2",
                    aria_label="Voir l'offre " + o.offer_title,
                ),
                justify="between",
                align="baseline",
                gap="2",
                wrap="wrap",
            ),
            rx.foreach(o.weeks, _week_group),
        ),
        width="100%",
    )


def _filter_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(
                rx.el.label("Afficher", html_for="filtre-statut", style={"font_weight": "600"}),
                rx.el.select(
                    rx.foreach(I.status_options, lambda o: rx.el.option(o[1], value=o[0])),
                    id="filtre-statut",
                    name="status",
                    default_value=I.status_filter,
                    style=SELECT_STYLE,
                ),
                spacing="1",
                align="stretch",
                flex="1",
                min_width="14em",
                max_width="26em",
            ),
            rx.button("Filtrer", type="submit", size="3"),
            align="end",
            gap="3",
            wrap="wrap",
            width="100%",
        ),
        on_submit=I.apply_filter,
        aria_label="Filtrer les candidatures",
        key=I.filters_version,  # remount: the select shows the filter applied
        width="100%",
    )


def employer_inbox() -> rx.Component:
    return page_layout(
        "Candidatures reçues",
        rx.text(I.organisation, size="3", color="var(--gray-11)"),
        status_messages(I),
        rx.cond(I.loaded, live_refresh(I.refresh), ""),
        rx.cond(
            I.loaded,
            rx.cond(
                I.total > 0,
                rx.vstack(
                    rx.text(I.summary, size="3", weight="medium"),
                    _filter_form(),
                    rx.text(
                        rx.cond(
                            I.status_filter == "",
                            I.shown.to_string() + " candidature(s) au total.",
                            I.filter_label + " : " + I.shown.to_string() + " candidature(s).",
                        ),
                        role="status",
                        **HINT,
                    ),
                    rx.cond(
                        I.offers.length() > 0,
                        rx.vstack(rx.foreach(I.offers, _offer_group), spacing="4", width="100%"),
                        rx.text("Aucune candidature ne correspond à ce filtre."),
                    ),
                    spacing="4",
                    align="stretch",
                    width="100%",
                ),
                rx.vstack(
                    rx.text(
                        "Vous n'avez pas encore reçu de candidature. Les élèves postulent "
                        "à vos offres publiées : chaque candidature arrivera ici, avec le CV "
                        "et la lettre de l'élève."
                    ),
                    rx.link("Voir mes offres", href=routes.EMPLOYER_HOME, style=LINK_STYLE),
                    spacing="2",
                ),
            ),
            "",
        ),
        protected=True,
    )


# ---------------------------------------------------------------------------------------------
# One application
# ---------------------------------------------------------------------------------------------


def _fact(label: str, *value: rx.Component | rx.Var[str] | str) -> rx.Component:
    return rx.fragment(
        rx.el.dt(label, style={"font_weight": "600", "color": "var(--gray-11)"}),
        rx.el.dd(*value, style={"margin": 0, **WRAP}),
    )


def _summary() -> rx.Component:
    v: RowVar = R.review
    return rx.card(
        rx.el.dl(
            _fact(
                "Offre",
                rx.link(
                    v.offer_title,
                    href=routes.EMPLOYER_OFFER + "?id=" + v.offer_id.to_string(),
                    style=LINK_STYLE,
                ),
            ),
            _fact("Semaine", v.week_label),
            _fact("Élève", v.pupil_first_name, " ", v.pupil_last_name),
            rx.cond(v.class_name != "", _fact("Classe", v.class_name), ""),
            rx.cond(v.school_name != "", _fact("Collège", v.school_name), ""),
            _fact("Situation", status_badge(v.status_label, v.tone)),
            rx.cond(v.submitted != "", _fact("Reçue le", v.submitted), ""),
            rx.cond(v.read != "", _fact("Ouverte le", v.read), ""),
            rx.cond(v.answered != "", _fact("Réponse le", v.answered), ""),
            _fact("Places", v.seats),
            rx.cond(
                v.answer_message != "",
                _fact("Message", rx.text(v.answer_message, white_space="pre-wrap", as_="span")),
                "",
            ),
            rx.cond(
                v.reason != "",
                _fact("Motif", rx.text(v.reason, white_space="pre-wrap", as_="span")),
                "",
            ),
            style={
                "display": "grid",
                "grid_template_columns": "minmax(6.5em, max-content) 1fr",
                "gap": "0.4em 1em",
                "margin": 0,
                "align_items": "baseline",
            },
        ),
        width="100%",
    )


def _letter() -> rx.Component:
    # plain text, line breaks kept: whatever the pupil typed (even HTML) is shown, never run
    return section(
        "Lettre de motivation",
        rx.text("La lettre telle que l'élève l'a envoyée.", **HINT),
        rx.box(
            rx.text(
                R.review.letter, white_space="pre-wrap", size="3", style=WRAP, line_height="1.6"
            ),
            padding="1em",
            border="1px solid var(--gray-6)",
            border_radius="8px",
            background="var(--gray-2)",
            max_width="70ch",
        ),
    )


def _cv_section(s: RowVar) -> rx.Component:
    return rx.box(
        rx.heading(s.label, as_="h3", size="3", margin_bottom="0.25em"),
        rx.cond(
            s.text != "",
            rx.text(s.text, white_space="pre-wrap", style=WRAP),
            rx.el.ul(
                rx.foreach(s.lines, lambda item: rx.el.li(item, style=WRAP)),
                style={"padding_left": "1.4em", "margin": 0, "list_style_type": "disc"},
            ),
        ),
    )


def _cv() -> rx.Component:
    v: RowVar = R.review
    return section(
        "CV",
        rx.text("Le CV tel qu'il était au moment de l'envoi.", **HINT),
        rx.button(
            "Télécharger le CV (PDF)",
            on_click=R.download_cv,
            variant="outline",
            size="3",
            width="fit-content",
            aria_label="Télécharger le CV de " + R.pupil_name + " (PDF)",
        ),
        rx.cond(
            v.cv.length() > 0,
            rx.vstack(rx.foreach(v.cv, _cv_section), spacing="3", align="stretch"),
            rx.text("Le CV envoyé est vide."),
        ),
    )


def _labelled_area(
    label: str,
    field_id: str,
    name: str,
    *,
    required: bool,
    hint: str = "",
    **props: str | rx.Var[str],
) -> rx.Component:
    hint_id = field_id + "-aide"
    if hint:
        props["aria_describedby"] = hint_id
    return rx.vstack(
        rx.el.label(
            label,
            rx.text.span(
                " (obligatoire)" if required else " (facultatif)", size="1", color="var(--gray-11)"
            ),
            html_for=field_id,
            style={"font_weight": "600"},
        ),
        rx.text_area(
            id=field_id,
            name=name,
            rows="5",
            max_length=2000,
            size="3",
            width="100%",
            aria_required="true" if required else "false",
            **props,
        ),
        rx.text(hint, id=hint_id, **HINT) if hint else rx.fragment(),
        spacing="1",
        align="stretch",
        width="100%",
    )


def _accept_form() -> rx.Component:
    v: RowVar = R.review
    return rx.form(
        rx.vstack(
            rx.heading("Accepter", as_="h3", size="4"),
            rx.cond(
                v.can_accept,
                rx.fragment(
                    _labelled_area(
                        "Message à l'élève",
                        "reponse-accepter",
                        "message",
                        required=False,
                        hint="Par exemple : l'heure et le lieu du rendez-vous le "
                        "premier jour, la tenue à prévoir.",
                    ),
                    rx.text(
                        "Accepter annule automatiquement les autres candidatures de l'élève "
                        "pour cette semaine. L'élève et son professeur principal sont "
                        "prévenus.",
                        **HINT,
                    ),
                    rx.button(
                        "Accepter la candidature",
                        type="submit",
                        size="3",
                        color_scheme="green",
                        width="fit-content",
                    ),
                ),
                rx.callout(
                    v.accept_blocked_reason, icon="info", color_scheme="orange", high_contrast=True
                ),
            ),
            spacing="2",
            align="stretch",
            width="100%",
        ),
        on_submit=R.accept,
        aria_label="Accepter la candidature",
        key="accepter-" + R.forms_version.to_string(),
        width="100%",
    )


def _refuse_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Refuser", as_="h3", size="4"),
            rx.vstack(
                rx.el.label(
                    "Motif tout prêt",
                    rx.text.span(" (facultatif)", size="1", color="var(--gray-11)"),
                    html_for="reponse-modele",
                    style={"font_weight": "600"},
                ),
                rx.el.select(
                    rx.el.option("— Choisir un motif —", value=""),
                    rx.foreach(R.refusal_choices, lambda c: rx.el.option(c[1], value=c[0])),
                    id="reponse-modele",
                    name="motif_modele",
                    on_change=R.choose_refusal_template,
                    aria_describedby="reponse-modele-aide",
                    style=SELECT_STYLE,
                ),
                rx.text(
                    "Le motif choisi remplit le message ci-dessous : vous pouvez ensuite "
                    "le modifier.",
                    id="reponse-modele-aide",
                    **HINT,
                ),
                spacing="1",
                align="stretch",
                width="100%",
            ),
            _labelled_area(
                "Message à l'élève",
                "reponse-refuser",
                "message",
                required=True,
                hint="10 caractères au moins. L'élève le lira tel quel : un mot "
                "bienveillant l'encourage à continuer ses recherches.",
                default_value=R.refusal_message,
                key="refus-" + R.refusal_version.to_string(),
            ),
            rx.button(
                "Refuser la candidature",
                type="submit",
                size="3",
                color_scheme="red",
                variant="outline",
                width="fit-content",
            ),
            spacing="2",
            align="stretch",
            width="100%",
        ),
        on_submit=R.refuse,
        aria_label="Refuser la candidature",
        key="refuser-" + R.forms_version.to_string(),
        width="100%",
    )


def _cancel_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Annuler le stage", as_="h3", size="4"),
            rx.text(
                "Si vous ne pouvez plus accueillir l'élève, annulez le stage en expliquant "
                "pourquoi : la place redevient libre, l'élève et son professeur principal "
                "sont prévenus.",
                size="2",
            ),
            _labelled_area("Motif de l'annulation", "reponse-annuler", "reason", required=True),
            rx.button(
                "Annuler le stage", type="submit", size="3", color_scheme="red", width="fit-content"
            ),
            spacing="2",
            align="stretch",
            width="100%",
        ),
        on_submit=R.cancel,
        aria_label="Annuler le stage",
        key="annuler-" + R.forms_version.to_string(),
        width="100%",
    )


def _answer() -> rx.Component:
    v: RowVar = R.review
    return section(
        "Votre réponse",
        status_messages(R),
        rx.cond(
            v.can_refuse,
            rx.vstack(
                rx.card(_accept_form(), width="100%"),
                rx.card(_refuse_form(), width="100%"),
                spacing="3",
                align="stretch",
                width="100%",
            ),
            rx.cond(
                v.can_cancel,
                rx.card(_cancel_form(), width="100%"),
                rx.text(
                    "Cette candidature n'attend plus de réponse (situation : ", v.status_label, ")."
                ),
            ),
        ),
    )


def _history_item(h: RowVar) -> rx.Component:
    return rx.el.li(
        rx.text(
            rx.el.time(h.at, date_time=h.iso),
            " — ",
            rx.text.strong(h.label),
            " (",
            h.actor,
            ")",
            size="2",
        ),
        rx.cond(
            h.reason != "",
            rx.text(h.reason, size="2", white_space="pre-wrap", color="var(--gray-11)", style=WRAP),
            "",
        ),
        style={"margin_bottom": "0.5em"},
    )


def _history() -> rx.Component:
    return section(
        "Historique",
        rx.el.ol(
            rx.foreach(R.review.history, _history_item),
            style={"padding": 0, "margin": 0, "list_style": "none"},
        ),
    )


def employer_application() -> rx.Component:
    return page_layout(
        R.title,
        rx.link(
            "← Candidatures reçues",
            href=routes.EMPLOYER_INBOX,
            style=LINK_STYLE,
            width="fit-content",
        ),
        rx.cond(
            R.found,
            rx.vstack(
                _summary(),
                rx.grid(
                    rx.vstack(_letter(), _cv(), spacing="5", align="stretch", min_width="0"),
                    rx.vstack(_answer(), _history(), spacing="5", align="stretch", min_width="0"),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="5",
                    width="100%",
                    align_items="start",
                ),
                spacing="5",
                align="stretch",
                width="100%",
            ),
            status_messages(R),
        ),
        protected=True,
    )
