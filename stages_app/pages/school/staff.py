"""Principal: invite staff, grant, change and revoke their rights."""

import reflex as rx

from stages_app.components.forms import field, section, select_field, status_messages
from stages_app.components.layout import page_layout
from stages_app.components.rows import RowVar
from stages_app.pages.public.signup import STAFF_FUNCTIONS
from stages_app.states.staff import StaffState as S

STATUS_COLOR = {"granted": "green", "pending": "orange", "revoked": "gray"}


def _member(m: RowVar) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(m.name, weight="bold"), rx.text(m.email, size="1")),
        rx.table.cell(
            m.function_label,
            rx.cond(
                m.main_of.length() > 0,
                rx.text("Professeur principal : ", m.main_of.join(", "), size="1"),
                "",
            ),
            rx.cond(
                m.requested_class != "",
                rx.text("Classe demandée : ", m.requested_class, size="1"),
                "",
            ),
        ),
        rx.table.cell(
            rx.badge(
                m.status_label,
                color_scheme=rx.match(m.status, *STATUS_COLOR.items(), "gray"),
                high_contrast=True,
            )
        ),  # AA contrast
        rx.table.cell(
            rx.cond(
                m.can_manage,
                rx.vstack(
                    rx.hstack(
                        rx.cond(
                            m.status != "granted",
                            rx.button(
                                "Accorder l'accès",
                                on_click=S.grant(m.membership_id),
                                size="1",
                                aria_label="Accorder l'accès à " + m.name,
                            ),
                            rx.button(
                                "Retirer l'accès",
                                on_click=S.revoke(m.membership_id),
                                size="1",
                                color_scheme="red",
                                variant="outline",
                                aria_label="Retirer l'accès de " + m.name,
                            ),
                        ),
                        spacing="2",
                    ),
                    rx.form(
                        rx.hstack(
                            rx.el.input(type="hidden", name="membership_id", value=m.membership_id),
                            rx.el.label(
                                "Fonction de " + m.name,
                                class_name="sr-only",
                                html_for="fonction-" + m.membership_id.to_string(),
                            ),
                            rx.el.select(
                                *[
                                    rx.el.option(label, value=value)
                                    for value, label in STAFF_FUNCTIONS
                                ],
                                id="fonction-" + m.membership_id.to_string(),
                                name="function",
                                default_value=m.function,
                                style={
                                    "font_size": "14px",
                                    "padding": "0.2em",
                                    "max_width": "20em",
                                },
                            ),
                            rx.button(
                                "Changer",
                                type="submit",
                                size="1",
                                variant="soft",
                                aria_label="Changer la fonction de " + m.name,
                            ),
                            spacing="1",
                        ),
                        on_submit=S.change_function,
                        # remount when the function changes so the select shows the new value
                        key=m.membership_id.to_string() + "-" + m.function,
                    ),
                    spacing="1",
                ),
                rx.text("—", aria_label="aucune action"),
            )
        ),
    )


def _invitation(inv: RowVar) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(
                inv.email,
                " — ",
                inv.function_label,
                rx.cond(inv.class_name != "", " (" + inv.class_name + ")", ""),
            ),
            rx.badge(inv.status_label),
            rx.cond(
                inv.status == "pending",
                rx.button(
                    "Annuler",
                    on_click=S.cancel_invitation(inv.id),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    aria_label="Annuler l'invitation de " + inv.email,
                ),
                "",
            ),
            wrap="wrap",
            align="center",
            spacing="2",
        ),
        list_style_type="none",
    )


def school_staff() -> rx.Component:
    return page_layout(
        "Personnels du collège",
        status_messages(S),
        rx.cond(
            S.last_link != "",
            rx.text(
                "Lien d'invitation (également envoyé par e-mail) : ",
                rx.link(S.last_link, href=S.last_link),
                size="2",
            ),
            "",
        ),
        section(
            "Inviter un membre du personnel",
            rx.form(
                rx.vstack(
                    field("Adresse e-mail académique", "email", type="email", max_length=254),
                    select_field("Fonction", "function", STAFF_FUNCTIONS),
                    rx.vstack(
                        rx.el.label(
                            "Classe (pour un professeur principal)",
                            html_for="champ-class_id",
                            style={"font_weight": "600"},
                        ),
                        rx.el.select(
                            rx.el.option("— Aucune —", value=""),
                            rx.foreach(S.class_options, lambda o: rx.el.option(o[1], value=o[0])),
                            id="champ-class_id",
                            name="class_id",
                            style={
                                "padding": "0.5em",
                                "border": "1px solid var(--gray-8)",
                                "border_radius": "6px",
                                "font_size": "16px",
                            },
                        ),
                        spacing="1",
                        width="100%",
                        align="stretch",
                    ),
                    rx.button("Envoyer l'invitation", type="submit", size="3"),
                    spacing="3",
                    max_width="32em",
                    width="100%",
                    align="stretch",
                ),
                on_submit=S.invite,
                reset_on_submit=True,
            ),
        ),
        section(
            "Équipe",
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Personne"),
                            rx.table.column_header_cell("Fonction"),
                            rx.table.column_header_cell("Accès"),
                            rx.table.column_header_cell("Actions"),
                        )
                    ),
                    rx.table.body(rx.foreach(S.members, _member)),
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
        ),
        section(
            "Invitations",
            rx.cond(
                S.invitations.length() > 0,
                rx.el.ul(rx.foreach(S.invitations, _invitation), style={"padding": 0}),
                rx.text("Aucune invitation."),
            ),
        ),
        protected=True,
    )
