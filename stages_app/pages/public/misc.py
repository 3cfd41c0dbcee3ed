"""Small public pages: 403, e-mail confirmation, accessibility and legal notices."""

import reflex as rx

from stages_app import routes
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.states.auth import AuthState
from stages_app.states.login import ConfirmEmailState


def forbidden() -> rx.Component:
    return page_layout(
        "Accès refusé",
        rx.text("Cette page n'est pas accessible avec votre compte (erreur 403)."),
        rx.cond(
            AuthState.is_logged_in,
            rx.link("Revenir à mon espace", href=AuthState.home_url, style=LINK_STYLE),
            rx.link("Se connecter", href=routes.LOGIN, style=LINK_STYLE),
        ),
    )


def confirm_email() -> rx.Component:
    return page_layout(
        "Confirmation de l'adresse e-mail",
        rx.callout(
            ConfirmEmailState.message,
            color_scheme=rx.cond(ConfirmEmailState.ok, "green", "red"),
            high_contrast=True,  # green-11 on green-3 is 4.28:1, below WCAG AA
            role="status",
        ),
        rx.link("Se connecter", href=routes.LOGIN, style=LINK_STYLE),
    )


def accessibility() -> rx.Component:
    return page_layout(
        "Accessibilité",
        rx.text(
            "Stages 3e vise la conformité au RGAA : chaque page est testée automatiquement "
            "(axe-core), se parcourt au clavier et s'affiche sur téléphone. Signalez toute "
            "difficulté à votre collège ou à l'administrateur de la plateforme."
        ),
    )


def legal() -> rx.Component:
    return page_layout(
        "Mentions légales et données personnelles",
        rx.text(
            "Les données des élèves (nom, classe, CV, candidatures) ne servent qu'à "
            "l'organisation du stage d'observation de 3e. Elles sont visibles par l'équipe "
            "du collège et, pour les candidatures envoyées, par l'employeur concerné."
        ),
    )
