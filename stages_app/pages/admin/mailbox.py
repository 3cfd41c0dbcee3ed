"""Local mailbox: every mail the platform queued (embedded default without SMTP)."""

import reflex as rx

from stages_app.components.forms import field
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.components.rows import RowVar
from stages_app.states.admin import MailboxState as S


def _mail(row: RowVar) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(rx.text.strong("À : "), row.to_email, size="2"),
                rx.text(row.created_at, " · ", row.status, size="2", color="var(--gray-11)"),
                justify="between",
                width="100%",
                wrap="wrap",
            ),
            rx.heading(row.subject, as_="h2", size="3"),
            rx.text(row.body, white_space="pre-wrap", size="2"),
            rx.foreach(
                row.links,
                lambda link: rx.link(
                    "Ouvrir le lien : ", link, href=link, style=LINK_STYLE, size="2"
                ),
            ),
            spacing="2",
            align="stretch",
        ),
        width="100%",
    )


def admin_mailbox() -> rx.Component:
    return page_layout(
        "Courriels envoyés par la plateforme",
        rx.text(
            "Sans serveur de messagerie configuré, les courriels restent ici : vous pouvez "
            "ouvrir les liens de confirmation et d'invitation.",
            size="2",
        ),
        rx.form(
            rx.hstack(
                rx.box(
                    field("Destinataire", "recipient", required=False, max_length=254),
                    flex="1",
                    min_width="12em",
                ),
                rx.button("Filtrer", type="submit", size="3"),
                align="end",
                wrap="wrap",
                width="100%",
            ),
            on_submit=S.filter,
        ),
        rx.text(S.total, " courriel(s)", size="2", color="var(--gray-11)"),
        rx.foreach(S.mails, _mail),
        rx.hstack(
            rx.button(
                "Précédents", on_click=S.go(S.page - 1), disabled=S.page <= 1, variant="outline"
            ),
            rx.text("Page ", S.page, " sur ", S.pages, size="2"),
            rx.button(
                "Suivants", on_click=S.go(S.page + 1), disabled=S.page >= S.pages, variant="outline"
            ),
            align="center",
            spacing="3",
        ),
        protected=True,
    )
