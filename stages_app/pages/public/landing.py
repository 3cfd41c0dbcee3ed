"""Public home page."""

import reflex as rx

from stages_app import routes
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.states.auth import AuthState


def _role_card(title: str, text: str, href: str, action: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, as_="h2", size="4"),
            rx.text(text, size="3"),
            rx.link(action, href=href, style=LINK_STYLE),
            spacing="2",
        ),
        width="100%",
    )


def landing() -> rx.Component:
    return page_layout(
        "Trouver son stage de 3e, près de chez soi",
        rx.text(
            "Chaque élève de 3e fait une semaine de stage d'observation. Stages 3e aide les "
            "élèves à trouver une offre à moins de 60 km de leur collège, les équipes "
            "pédagogiques à suivre chaque classe, et les employeurs à accueillir des élèves.",
            size="4",
        ),
        rx.cond(
            AuthState.is_logged_in,
            rx.link(rx.button("Aller à mon espace", size="3"), href=AuthState.home_url),
            rx.hstack(
                rx.link(rx.button("Se connecter", size="3"), href=routes.LOGIN),
                rx.link(
                    rx.button("Créer un compte", size="3", variant="outline"), href=routes.SIGNUP
                ),
                spacing="3",
                wrap="wrap",
            ),
        ),
        rx.grid(
            _role_card(
                "Élèves",
                "Avec l'accord de vos parents, cherchez des offres, préparez "
                "votre CV et postulez en ligne.",
                routes.SIGNUP_STUDENT,
                "Je suis élève",
            ),
            _role_card(
                "Collèges",
                "Inscrivez votre collège, vos classes de 3e et vos semaines "
                "de stage, et suivez chaque élève.",
                routes.SIGNUP_PRINCIPAL,
                "J'inscris mon collège",
            ),
            _role_card(
                "Personnels",
                "Professeurs, CPE, documentalistes : rejoignez l'espace de votre collège.",
                routes.SIGNUP_STAFF,
                "Je rejoins mon collège",
            ),
            _role_card(
                "Employeurs",
                "Entreprises, administrations, associations : publiez vos "
                "offres en quelques minutes.",
                routes.SIGNUP_EMPLOYER,
                "Je propose des stages",
            ),
            columns=rx.breakpoints(initial="1", sm="2", md="4"),
            spacing="4",
            width="100%",
        ),
    )
