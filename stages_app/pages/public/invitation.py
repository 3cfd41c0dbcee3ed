"""Sign-up from a staff invitation link."""

import reflex as rx

from stages_app import routes
from stages_app.components.forms import PASSWORD_HINT, field, form_error, submit_button
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.states.staff import InvitationSignupState as S


def invitation_signup() -> rx.Component:
    return page_layout(
        "Rejoindre l'espace de votre collège",
        rx.cond(
            S.valid,
            rx.box(
                rx.callout(
                    rx.text(
                        S.inviter_name,
                        " vous invite à rejoindre ",
                        rx.text.strong(S.school_name),
                        " en tant que ",
                        S.function_label,
                        rx.cond(S.class_name != "", " (" + S.class_name + ")", ""),
                        ".",
                    ),
                    icon="info",
                ),
                rx.text("Adresse e-mail : ", rx.text.strong(S.email), margin_y="1em"),
                rx.form(
                    rx.vstack(
                        form_error(S.error),
                        field("Prénom", "first_name", autocomplete="given-name", max_length=80),
                        field("Nom", "last_name", autocomplete="family-name", max_length=80),
                        field(
                            "Mot de passe",
                            "password",
                            type="password",
                            autocomplete="new-password",
                            hint=PASSWORD_HINT,
                            max_length=72,
                        ),
                        submit_button("Créer mon compte"),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=S.submit,
                ),
                max_width="32em",
                width="100%",
            ),
            rx.vstack(
                rx.callout(S.problem, icon="triangle_alert", color_scheme="red", role="alert"),
                rx.link("Aller à la page de connexion", href=routes.LOGIN, style=LINK_STYLE),
            ),
        ),
    )
