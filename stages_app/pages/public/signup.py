"""Sign-up pages: a chooser, then one form per kind of account."""

from typing import Any

import reflex as rx
from reflex.event import EventCallback

from stages_app import routes
from stages_app.components.forms import (
    PASSWORD_HINT,
    field,
    form_error,
    form_info,
    select_field,
    submit_button,
)
from stages_app.components.layout import LINK_STYLE, page_layout
from stages_app.components.school_picker import school_picker
from stages_app.states.login import SignupState
from stages_app.states.school_picker import SchoolPickerState as P

STAFF_FUNCTIONS = [
    ("professeur_principal", "Professeur principal"),
    ("professeur", "Professeur"),
    ("cpe", "Conseiller principal d'éducation (CPE)"),
    ("documentaliste", "Professeur documentaliste"),
    ("psy_en", "Psychologue de l'Éducation nationale"),
    ("administratif", "Personnel administratif"),
]
ORGANISATION_KINDS = [
    ("entreprise", "Entreprise"),
    ("administration", "Administration ou collectivité"),
    ("association", "Association"),
]


def _choice(title: str, text: str, href: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.heading(title, as_="h2", size="4", color="var(--accent-11)"),
                rx.text(text, color="var(--gray-12)"),
                spacing="1",
            ),
            width="100%",
        ),
        href=href,
        underline="none",
        width="100%",
    )


def signup_chooser() -> rx.Component:
    return page_layout(
        "Créer un compte",
        rx.text("Qui êtes-vous ?", size="4"),
        rx.vstack(
            _choice(
                "Je suis élève de 3e",
                "Il vous faut le code de votre classe, donné par votre professeur principal.",
                routes.SIGNUP_STUDENT,
            ),
            _choice(
                "Je représente un employeur",
                "Entreprise, administration ou association qui accueille des élèves.",
                routes.SIGNUP_EMPLOYER,
            ),
            _choice(
                "Je travaille dans un collège",
                "Professeur, CPE, documentaliste, psy-EN, personnel administratif.",
                routes.SIGNUP_STAFF,
            ),
            _choice(
                "Je suis chef d'établissement",
                "J'inscris mon collège sur la plateforme.",
                routes.SIGNUP_PRINCIPAL,
            ),
            spacing="3",
            max_width="40em",
            width="100%",
        ),
    )


def _identity_fields() -> list[rx.Component]:
    return [
        field("Prénom", "first_name", autocomplete="given-name", max_length=80),
        field("Nom", "last_name", autocomplete="family-name", max_length=80),
    ]


def _account_fields(email_hint: str | None = None) -> list[rx.Component]:
    return [
        field(
            "Adresse e-mail",
            "email",
            type="email",
            autocomplete="email",
            max_length=254,
            hint=email_hint,
        ),
        field(
            "Mot de passe",
            "password",
            type="password",
            autocomplete="new-password",
            hint=PASSWORD_HINT,
            max_length=72,
        ),
    ]


def _form(
    handler: EventCallback[dict[str, Any]], label: str, *fields: rx.Component
) -> rx.Component:
    return rx.box(
        rx.form(
            rx.vstack(
                form_error(SignupState.error),
                *fields,
                submit_button(label),
                spacing="4",
                width="100%",
            ),
            on_submit=handler,
        ),
        rx.text(
            "Déjà un compte ? ",
            rx.link("Se connecter", href=routes.LOGIN, style=LINK_STYLE),
            margin_top="1em",
        ),
        max_width="32em",
        width="100%",
    )


def signup_student() -> rx.Component:
    return page_layout(
        "Inscription élève",
        rx.text(
            "Votre professeur principal vous donne le code de votre classe. Après "
            "l'inscription, il ouvrira votre accès quand il aura reçu l'autorisation signée "
            "de vos parents."
        ),
        _form(
            SignupState.signup_student,
            "Créer mon compte élève",
            rx.box(
                field(
                    "Code de la classe",
                    "class_code",
                    autocomplete="off",
                    max_length=12,
                    hint="Par exemple : K7M2QX",
                    default_value=SignupState.prefill_code,
                ),
                key=SignupState.prefill_code,  # remount once the code from the link is known
                width="100%",
            ),
            *_identity_fields(),
            *_account_fields(),
        ),
    )


def signup_employer() -> rx.Component:
    return page_layout(
        "Inscription employeur",
        _form(
            SignupState.signup_employer,
            "Créer mon compte employeur",
            field(
                "Nom de l'organisme",
                "organisation_name",
                autocomplete="organization",
                max_length=150,
            ),
            select_field("Type d'organisme", "kind", ORGANISATION_KINDS),
            field(
                "Numéro SIRET",
                "siret",
                required=False,
                max_length=20,
                input_mode="numeric",
                hint="Facultatif : 14 chiffres.",
            ),
            *_identity_fields(),
            field(
                "Téléphone", "phone", type="tel", autocomplete="tel", required=False, max_length=20
            ),
            *_account_fields(),
        ),
    )


def signup_staff() -> rx.Component:
    return page_layout(
        "Inscription des personnels",
        rx.text(
            "Le chef d'établissement valide ensuite votre accès. Utilisez votre adresse académique."
        ),
        _form(
            SignupState.signup_staff,
            "Demander l'accès",
            school_picker(),
            select_field("Fonction", "function", STAFF_FUNCTIONS),
            rx.cond(
                P.class_options.length() > 0,
                rx.vstack(
                    rx.el.label(
                        "Votre classe (professeur principal ou classe suivie)",
                        html_for="champ-class_id",
                        style={"font_weight": "600"},
                    ),
                    rx.el.select(
                        rx.el.option("— Aucune —", value=""),
                        rx.foreach(
                            P.class_options, lambda c: rx.el.option(c.name, value=c.id.to_string())
                        ),
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
                "",
            ),
            *_identity_fields(),
            *_account_fields("Votre adresse académique, par exemple prenom.nom@ac-creteil.fr."),
            rx.cond(
                P.selected_email_domain != "",
                rx.text("Adresse attendue : …@", P.selected_email_domain, size="2"),
                "",
            ),
        ),
    )


def signup_principal() -> rx.Component:
    return page_layout(
        "Inscrire mon collège",
        form_info(SignupState.done_message),
        rx.cond(
            SignupState.done_message == "",
            _form(
                SignupState.signup_principal,
                "Inscrire le collège",
                school_picker(),
                rx.cond(
                    P.selected_principal_email != "",
                    rx.callout(
                        "Utilisez l'adresse fonctionnelle du collège : "
                        + P.selected_principal_email,
                        icon="info",
                    ),
                    "",
                ),
                *_identity_fields(),
                *_account_fields("L'adresse fonctionnelle du collège : ce.<UAI>@ac-<académie>.fr."),
            ),
            rx.link("Aller à la page de connexion", href=routes.LOGIN, style=LINK_STYLE),
        ),
    )
