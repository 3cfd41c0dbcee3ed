"""Login page."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import field, form_error, form_info, submit_button
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.states.login import LoginState


def login() -> rx.Component:
    return page_layout(
        "Se connecter",
        rx.box(
            form_info(LoginState.info),
            rx.form(
                rx.vstack(
                    form_error(LoginState.error),
                    field(
                        "Adresse e-mail",
                        "email",
                        type="email",
                        autocomplete="username",
                        max_length=254,
                    ),
                    field(
                        "Mot de passe",
                        "password",
                        type="password",
                        autocomplete="current-password",
                        max_length=200,
                    ),
                    submit_button("Se connecter"),
                    spacing="4",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                aria_label="Connexion",
            ),
            rx.text(
                "Pas encore de compte ? ",
                rx.link("Créer un compte", href=routes.SIGNUP, style=LINK_STYLE),
                margin_top="1em",
            ),
            max_width="28em",
            width="100%",
        ),
    )
