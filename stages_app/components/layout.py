"""The shared, role-aware French layout: skip link, header with per-role navigation, footer."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventCallback

from stages_app import routes, settings
from stages_app.states.auth import AuthState

NAV_BY_ROLE: dict[str, list[tuple[str, str]]] = {
    "student": [
        ("Mon espace", routes.STUDENT_HOME),
        ("Rechercher un stage", routes.STUDENT_SEARCH),
        ("Mon CV", routes.STUDENT_CV),
        ("Mes candidatures", routes.STUDENT_TRACKER),
    ],
    "principal": [
        ("Tableau de bord", routes.SCHOOL_HOME),
        ("Suivi", routes.SCHOOL_DASHBOARD),
        ("Personnels", routes.SCHOOL_STAFF),
        ("Paramètres", routes.SCHOOL_SETTINGS),
    ],
    "teacher": [("Mes classes", routes.SCHOOL_HOME)],
    "staff": [("Tableau de bord", routes.SCHOOL_HOME), ("Suivi", routes.SCHOOL_DASHBOARD)],
    "employer": [
        ("Mes offres", routes.EMPLOYER_HOME),
        ("Candidatures reçues", routes.EMPLOYER_INBOX),
    ],
    "admin": [("Administration", routes.ADMIN_HOME), ("Courriels envoyés", routes.ADMIN_MAILBOX)],
}

LINK_STYLE = {"color": "var(--accent-11)", "text_decoration": "underline", "font_weight": "500"}


def nav_link(label: str, href: str) -> rx.Component:
    return rx.link(label, href=href, style=LINK_STYLE, padding_y="0.25em")


def _role_nav() -> rx.Component:
    return rx.match(
        AuthState.user_role,
        *[
            (
                role,
                rx.hstack(
                    *[nav_link(label, href) for label, href in links], spacing="4", wrap="wrap"
                ),
            )
            for role, links in NAV_BY_ROLE.items()
        ],
        rx.fragment(),
    )


def _account_area() -> rx.Component:
    return rx.cond(
        AuthState.is_logged_in,
        rx.hstack(
            rx.text(
                AuthState.user_display_name,
                rx.text.span(
                    " · ",
                    AuthState.user_title,
                    color="var(--gray-11)",
                ),
                size="2",
            ),
            rx.link(
                rx.hstack(
                    rx.icon("bell", size=18, aria_hidden="true"),
                    rx.text("Notifications", size="2"),
                    rx.cond(
                        AuthState.unread_notifications > 0,
                        rx.badge(
                            AuthState.unread_notifications,
                            color_scheme="red",
                            high_contrast=True,
                            variant="solid",
                        ),
                        "",
                    ),
                    spacing="1",
                    align="center",
                ),
                href=routes.NOTIFICATIONS,
                aria_label=rx.cond(
                    AuthState.unread_notifications > 0,
                    "Notifications : " + AuthState.unread_notifications.to_string() + " non lue(s)",
                    "Notifications",
                ),
                style=LINK_STYLE,
            ),
            rx.button("Se déconnecter", on_click=AuthState.logout, variant="outline", size="2"),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.hstack(
            nav_link("Se connecter", routes.LOGIN),
            rx.link(rx.button("Créer un compte", size="2"), href=routes.SIGNUP),
            spacing="4",
            align="center",
        ),
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.el.a(
            "Aller au contenu",
            href="#contenu",
            class_name="skip-link",
        ),
        rx.flex(
            rx.hstack(
                rx.link(
                    rx.hstack(
                        rx.box(
                            "3e",
                            background="var(--accent-9)",
                            color="white",
                            border_radius="6px",
                            padding_x="0.4em",
                            font_weight="700",
                            aria_hidden="true",
                        ),
                        rx.text("Stages 3e", weight="bold", size="5", color="var(--gray-12)"),
                        align="center",
                        spacing="2",
                    ),
                    href=rx.cond(AuthState.is_logged_in, AuthState.home_url, routes.HOME),
                    underline="none",
                    aria_label="Stages 3e, accueil",
                ),
                rx.el.nav(_role_nav(), aria_label="Navigation principale"),
                spacing="6",
                align="center",
                wrap="wrap",
            ),
            _account_area(),
            justify="between",
            align="center",
            wrap="wrap",
            gap="3",
            padding_x="1em",
            padding_y="0.75em",
            max_width="1100px",
            margin_x="auto",
            width="100%",
        ),
        border_bottom="1px solid var(--gray-6)",
        background="var(--color-panel-solid)",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.flex(
            rx.text(
                "Stages 3e — la plateforme du stage d'observation de 3e.",
                size="2",
                color="var(--gray-11)",
            ),
            rx.hstack(
                rx.link(
                    "Accessibilité : partiellement conforme",
                    href=routes.ACCESSIBILITY,
                    size="2",
                    style=LINK_STYLE,
                ),
                rx.link(
                    "Mentions légales et données personnelles",
                    href=routes.LEGAL,
                    size="2",
                    style=LINK_STYLE,
                ),
                spacing="4",
                wrap="wrap",
            ),
            justify="between",
            wrap="wrap",
            gap="2",
            max_width="1100px",
            margin_x="auto",
            padding="1em",
        ),
        border_top="1px solid var(--gray-6)",
        margin_top="3em",
    )


def page_layout(
    title: str | rx.Var[str], *children: rx.Component, protected: bool = False
) -> rx.Component:
    """Wrap a page: header, one <main> with its <h1>, footer.

    ``protected`` pages show their body only once the guard has run, so a redirected visitor
    never sees a flash of a page they may not open.
    """
    body = rx.vstack(
        rx.heading(title, as_="h1", size="7"),
        *children,
        spacing="4",
        width="100%",
        align="stretch",
    )
    if protected:
        body = rx.cond(
            AuthState.access_checked & AuthState.is_logged_in,
            body,
            rx.center(
                rx.spinner(size="3"), rx.el.span("Chargement…", class_name="sr-only"), padding="4em"
            ),
        )
    return rx.box(
        header(),
        rx.el.main(
            body,
            id="contenu",
            tab_index=-1,
            max_width="1100px",
            margin_x="auto",
            padding="1em",
            width="100%",
        ),
        footer(),
        min_height="100vh",
        display="flex",
        flex_direction="column",
    )


def live_refresh(handler: EventCallback[str]) -> rx.Component:
    """The fallback of the live updates: an invisible timer (react-moment's pooled interval) that
    calls ``handler`` every 20 s (``settings.live_fallback_ms``) while the page is open. The
    handler re-reads the page's rows
    for the viewer derived again from the token and changes only those rows, so what the person
    is typing or selecting stays as it is; it also renews the page's subscription to the pushes
    (``stages_app.live.watch``), which bring changes within a second."""
    return rx.moment(
        interval=settings.live_fallback_ms(), on_change=handler, display="none", aria_hidden="true"
    )
