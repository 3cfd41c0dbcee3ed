"""One class: pupils, parental authorisations, access, join code and printable form."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import section, status_messages
from stages_app.components.layout import LINK_STYLE, live_refresh, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.class_page import ClassPageState as S

STATUS_COLOR = {"waiting": "orange", "authorised": "blue", "open": "green"}


def _pupil(p: RowVar) -> rx.Component:
    box_id = "eleve-" + p.pupil_user_id.to_string()
    return rx.table.row(
        rx.table.cell(
            rx.cond(
                S.can_manage,
                rx.checkbox(
                    id=box_id,
                    checked=S.selected.contains(p.pupil_user_id),
                    on_change=lambda checked: S.toggle(p.pupil_user_id, checked),
                    aria_label="Sélectionner " + p.first_name + " " + p.last_name,
                    size="3",
                ),
                "",
            ),
        ),
        rx.table.row_header_cell(
            # the name opens the pupil's file (the checkbox has its own aria-label)
            rx.link(
                p.last_name + " " + p.first_name,
                href=p.file_href,
                style=LINK_STYLE,
                aria_label="Voir le dossier de " + p.first_name + " " + p.last_name,
                display="block",
            ),
            rx.text(p.email, size="1", color="var(--gray-11)"),
        ),
        rx.table.cell(
            rx.badge(
                p.status_label,
                color_scheme=rx.match(p.status, *STATUS_COLOR.items(), "gray"),
                high_contrast=True,
            )
        ),  # AA contrast
        rx.table.cell(
            rx.cond(
                p.best_label != "",
                rx.badge(p.best_label, color_scheme=p.best_color, high_contrast=True),
                "",
            ),
            rx.foreach(p.attention, lambda r: rx.text(r, size="1", color="var(--red-11)")),
        ),
        rx.table.cell(p.applications),
        rx.table.cell(
            rx.cond(
                p.internships.length() > 0,
                rx.foreach(p.internships, lambda i: rx.text(i, size="1")),
                rx.text("—", size="1"),
            )
        ),
        rx.table.cell(rx.text(p.last_activity, size="1")),
        rx.table.cell(
            rx.hstack(
                rx.link(
                    "Voir sa recherche",
                    href=routes.SCHOOL_PUPIL_SEARCH + "?eleve=" + p.pupil_user_id.to_string(),
                    size="2",
                    aria_label="Voir la recherche d'offres de " + p.first_name + " " + p.last_name,
                ),
                rx.cond(
                    p.has_scan,
                    rx.button(
                        "Formulaire signé",
                        on_click=S.download_scan(p.pupil_user_id),
                        size="1",
                        variant="ghost",
                        aria_label="Télécharger le formulaire signé de "
                        + p.first_name
                        + " "
                        + p.last_name,
                    ),
                    "",
                ),
                rx.cond(
                    S.can_manage & (p.status == "open"),
                    rx.button(
                        "Retirer l'accès",
                        on_click=S.withdraw_access(p.pupil_user_id),
                        size="1",
                        variant="outline",
                        color_scheme="red",
                        aria_label="Retirer l'accès de " + p.first_name + " " + p.last_name,
                    ),
                    "",
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            )
        ),
    )


def _scan_upload() -> rx.Component:
    """Attach the scanned signed form of one pupil (optional; kept private)."""
    return rx.card(
        rx.vstack(
            rx.heading("Joindre un formulaire signé (facultatif)", as_="h3", size="3"),
            rx.text(
                "PDF, JPEG ou PNG, 5 Mo au plus. Le fichier reste privé : seule l'équipe qui "
                "suit l'élève peut le télécharger.",
                size="2",
                color="var(--gray-11)",
            ),
            rx.hstack(
                rx.vstack(
                    rx.el.label("Élève", html_for="scan-eleve", style={"font_weight": "600"}),
                    rx.el.select(
                        rx.el.option("— Choisir —", value=""),
                        rx.foreach(
                            S.pupils,
                            lambda p: rx.el.option(
                                p.last_name + " " + p.first_name, value=p.pupil_user_id.to_string()
                            ),
                        ),
                        id="scan-eleve",
                        value=S.scan_pupil,
                        on_change=S.set_scan_pupil,
                        style={"padding": "0.4em", "font_size": "16px", "max_width": "16em"},
                    ),
                    spacing="1",
                ),
                # The label wraps the dropzone so its file input has an accessible name; the
                # label (not the dropzone) opens the file picker, so it opens only once.
                rx.el.label(
                    rx.upload(
                        rx.text("Déposer le fichier ici ou cliquer pour le choisir", size="2"),
                        id="scan",
                        max_files=1,
                        no_click=True,
                        accept={
                            "application/pdf": [".pdf"],
                            "image/jpeg": [".jpg", ".jpeg"],
                            "image/png": [".png"],
                        },
                        border="1px dashed var(--gray-8)",
                        padding="0.75em",
                        border_radius="6px",
                        cursor="pointer",
                    ),
                ),
                rx.button(
                    "Joindre",
                    on_click=S.upload_scan(rx.upload_files(upload_id="scan")),
                    size="2",
                    variant="soft",
                ),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            rx.foreach(
                rx.selected_files("scan"), lambda f: rx.text("Fichier choisi : ", f, size="1")
            ),
            spacing="2",
        ),
        width="100%",
    )


def _actions() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(rx.text.strong(S.selected_count), " élève(s) sélectionné(s)"),
            rx.hstack(
                rx.vstack(
                    rx.el.label(
                        "Formulaire reçu le", html_for="champ-recu-le", style={"font_weight": "600"}
                    ),
                    rx.input(
                        id="champ-recu-le",
                        type="date",
                        value=S.received_on,
                        on_change=S.set_received_on,
                        size="2",
                    ),
                    spacing="1",
                ),
                rx.button(
                    "Enregistrer l'autorisation reçue",
                    on_click=S.record_authorisation,
                    disabled=S.selected_count == 0,
                ),
                rx.button(
                    "Ouvrir l'accès",
                    on_click=S.open_access,
                    color_scheme="green",
                    disabled=S.selected_count == 0,
                ),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            rx.text(
                "L'accès ne s'ouvre qu'aux élèves dont l'autorisation parentale est enregistrée.",
                size="2",
                color="var(--gray-11)",
            ),
            spacing="2",
        ),
        width="100%",
    )


def _arrival(a: RowVar) -> rx.Component:
    reason_id = "motif-arrivee-" + a.move_id.to_string()
    return rx.card(
        rx.vstack(
            rx.heading(a.pupil_name, as_="h3", size="4"),
            rx.text("Vient de : ", a.origin, " · demande du ", a.asked_on, size="2"),
            rx.cond(
                a.closes.length() > 0,
                rx.box(
                    rx.text(
                        "En l'accueillant, ce qui ne correspond pas à vos semaines de stage "
                        "sera clos (élève et employeurs prévenus) :",
                        size="2",
                    ),
                    rx.el.ul(
                        rx.foreach(a.closes, lambda c: rx.el.li(rx.text(c, size="2"))),
                        style={"padding_left": "1.2em", "margin": 0},
                    ),
                ),
                rx.text("Ses candidatures correspondent à vos semaines de stage.", size="2"),
            ),
            rx.button(
                "Accueillir " + a.pupil_name + " dans la classe",
                on_click=S.accept_arrival(a.move_id),
                width="fit-content",
                max_width="100%",
                height="auto",
                padding_y="0.4em",
                white_space="normal",
            ),
            rx.el.details(
                rx.el.summary("Refuser la demande"),
                rx.form(
                    rx.vstack(
                        rx.el.input(type="hidden", name="move_id", value=a.move_id),
                        rx.el.label(
                            "Pourquoi ? (l'élève lira ce message)",
                            html_for=reason_id,
                            style={"font_weight": "600"},
                        ),
                        rx.text_area(id=reason_id, name="reason", required=True, max_length=2000),
                        rx.button("Refuser la demande", type="submit", color_scheme="red"),
                        spacing="2",
                        align="stretch",
                    ),
                    on_submit=S.decline_arrival,
                    reset_on_submit=True,
                ),
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
    )


def class_page() -> rx.Component:
    return page_layout(
        "Classe " + S.class_name,
        status_messages(S),
        rx.cond(
            S.class_name != "",
            rx.vstack(
                live_refresh(S.refresh),
                rx.cond(
                    ~S.class_open,
                    rx.callout(
                        "L'accès de cette classe à la plateforme est fermé par le chef "
                        "d'établissement.",
                        icon="info",
                        color_scheme="orange",
                    ),
                    "",
                ),
                rx.cond(
                    S.can_manage,
                    section(
                        "Inscrire les élèves",
                        rx.text("Code de la classe : ", rx.code(S.join_code, size="4")),
                        rx.flex(
                            rx.image(
                                src=S.qr_code,
                                width="140px",
                                height="140px",
                                alt="QR code du lien d'inscription de la classe",
                            ),
                            rx.vstack(
                                rx.text(
                                    "Les élèves s'inscrivent avec ce code, ou en ouvrant ce "
                                    "lien (ou le QR code) :",
                                    size="2",
                                ),
                                rx.link(
                                    S.signup_link,
                                    href=S.signup_link,
                                    size="2",
                                    word_break="break-all",
                                ),
                                spacing="1",
                            ),
                            gap="3",
                            align="center",
                            wrap="wrap",
                        ),
                        rx.button(
                            "Imprimer le formulaire d'autorisation parentale (PDF)",
                            on_click=S.download_form,
                            variant="outline",
                            width="fit-content",
                            max_width="100%",
                            height="auto",
                            padding_y="0.4em",
                            white_space="normal",
                        ),  # wraps on a phone
                    ),
                    "",
                ),
                rx.cond(
                    S.arrivals.length() > 0,
                    section(
                        "Élèves arrivant d'un autre collège",
                        rx.text(
                            "Ces élèves ont changé de collège et demandent à rejoindre la "
                            "classe avec son code. Accueillez-les s'ils sont bien inscrits "
                            "chez vous : leur autorisation parentale et leur accès sont repris.",
                            size="2",
                        ),
                        rx.foreach(S.arrivals, _arrival),
                    ),
                    "",
                ),
                section(
                    "Élèves",
                    rx.cond(S.can_manage, _actions(), ""),
                    rx.cond(S.can_manage, _scan_upload(), ""),
                    rx.cond(
                        S.rows.length() > 0,
                        rx.box(
                            rx.table.root(
                                rx.table.header(
                                    rx.table.row(
                                        rx.table.column_header_cell(
                                            rx.cond(
                                                S.can_manage,
                                                rx.checkbox(
                                                    checked=(S.selected_count == S.pupils.length())
                                                    & (S.selected_count > 0),
                                                    on_change=S.select_all,
                                                    aria_label="Tout sélectionner",
                                                    size="3",
                                                ),
                                                rx.el.span("Sélection", class_name="sr-only"),
                                            ),
                                        ),
                                        rx.table.column_header_cell("Élève"),
                                        rx.table.column_header_cell("Accès"),
                                        rx.table.column_header_cell("Situation"),
                                        rx.table.column_header_cell("Candidatures"),
                                        rx.table.column_header_cell("Stages acceptés"),
                                        rx.table.column_header_cell("Dernière activité"),
                                        rx.table.column_header_cell("Actions"),
                                    )
                                ),
                                rx.table.body(rx.foreach(S.rows, _pupil)),
                                width="100%",
                            ),
                            overflow_x="auto",
                            width="100%",
                        ),
                        rx.text("Aucun élève inscrit dans cette classe pour l'instant."),
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
