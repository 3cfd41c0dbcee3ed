"""Login and sign-up forms: thin adapters over services.accounts / services.signup."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import routes
from stages_app.services import accounts, signup, staff
from stages_app.services.access import Viewer
from stages_app.services.errors import DomainError
from stages_app.states.auth import AuthState, db
from stages_app.states.base import as_id, as_text, form_text
from stages_app.states.events import event

log = logging.getLogger(__name__)

GENERIC_ERROR = "Une erreur inattendue est survenue. Rien n'a été enregistré ; merci de réessayer."


def _text(form: dict[str, Any], key: str, limit: int = 500) -> str:
    """A form value as a bounded string (forged requests may send anything, even no dict)."""
    return form_text(form, key, limit)


class LoginState(AuthState):
    error: str = ""
    error_field: str = ""
    info: str = ""
    submitting: bool = False

    @event
    def load(self) -> EventSpec | None:
        self.error = ""
        self.error_field = ""
        params = self.router.url.query_parameters
        self.info = "Vous êtes déconnecté(e). À bientôt !" if params.get("deconnecte") else ""
        if self.is_logged_in:
            return rx.redirect(routes.home_for(self.user_role))
        return None

    @event
    def submit(self, form: dict[str, Any]) -> EventSpec | None:
        self.error = ""
        self.info = ""
        email = _text(form, "email", 300)
        password = _text(form, "password", 300)
        if not email.strip() or not password:
            self.error = "Indiquez votre adresse e-mail et votre mot de passe."
            return None
        try:
            with db() as session:
                user, token = accounts.login(session, email, password)
                role = user.role
                names = (user.first_name, user.last_name, user.role)
        except DomainError as exc:
            self.error = exc.message
            return None
        except Exception:  # never crash the page
            log.exception("login failed")
            self.error = GENERIC_ERROR
            return None
        self.token = token
        self.user_first_name, self.user_last_name, self.user_role = names
        nxt = self.router.url.query_parameters.get("suite")
        return rx.redirect(routes.safe_next(nxt if isinstance(nxt, str) else None, role))


def _identity(form: dict[str, Any]) -> dict[str, str]:
    """The fields every sign-up form has, bounded (forged requests may send anything)."""
    return {
        "first_name": _text(form, "first_name", 200),
        "last_name": _text(form, "last_name", 200),
        "email": _text(form, "email", 300),
        "password": _text(form, "password", 300),
    }


class SignupState(AuthState):
    """One state for the four sign-up forms; each handler maps to one service call."""

    error: str = ""
    error_field: str = ""
    done_message: str = ""
    prefill_code: str = ""

    @event
    def reset_form(self) -> None:
        self.error = ""
        self.error_field = ""
        self.done_message = ""
        code = self.router.url.query_parameters.get("code", "")
        self.prefill_code = as_text(code, 12)

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, DomainError):
            self.error = exc.message
            self.error_field = exc.field or ""
        else:
            log.exception("sign-up failed")
            self.error = GENERIC_ERROR
            self.error_field = ""

    def _signup_then_login(
        self, form: dict[str, Any], create: Callable[[Session, dict[str, str]], object]
    ) -> EventSpec | None:
        """Run ``create(session, identity)`` (one sign-up unit of work), then log the new user in
        and go to their home; any refusal is shown in French and nothing is half-saved."""
        self.reset_form()
        identity = _identity(form)
        try:
            with db() as session:
                create(session, identity)
                user, token = accounts.login(session, identity["email"], identity["password"])
                role = user.role
                self.user_first_name, self.user_last_name, self.user_role = (
                    user.first_name,
                    user.last_name,
                    user.role,
                )
        except Exception as exc:
            self._fail(exc)
            return None
        self.token = token
        return rx.redirect(routes.home_for(role))

    @event
    def signup_student(self, form: dict[str, Any]) -> EventSpec | None:
        code = _text(form, "class_code", 40)
        return self._signup_then_login(
            form, lambda s, who: signup.signup_student(s, class_code=code, **who)
        )

    @event
    def signup_employer(self, form: dict[str, Any]) -> EventSpec | None:
        fields = {
            "organisation_name": _text(form, "organisation_name", 300),
            "kind": _text(form, "kind", 40),
            "siret": _text(form, "siret", 40),
            "phone": _text(form, "phone", 40),
        }
        return self._signup_then_login(
            form, lambda s, who: signup.signup_employer(s, **fields, **who)
        )

    @event
    def signup_staff(self, form: dict[str, Any]) -> EventSpec | None:
        uai, function = _text(form, "school_uai", 20), _text(form, "function", 40)
        class_id = as_id(_text(form, "class_id", 12))

        def create(session: Session, who: dict[str, str]) -> None:
            user = signup.signup_staff(session, school_uai=uai, function=function, **who)
            if class_id is not None:
                try:  # the class named at sign-up; applied when the principal grants
                    staff.request_class(session, Viewer.of(user), class_id)
                except DomainError as exc:
                    log.info("class request ignored: %s", exc.message)
            assert user.id is not None  # the account signup_staff just stored
            staff.announce_pending_signup(session, user.id)

        return self._signup_then_login(form, create)

    @event
    def signup_principal(self, form: dict[str, Any]) -> None:
        self.reset_form()
        try:
            with db() as session:
                user, _token = signup.signup_principal(
                    session, school_uai=_text(form, "school_uai", 20), **_identity(form)
                )
                email = user.email
        except Exception as exc:
            self._fail(exc)
            return None
        self.done_message = (
            f"Compte créé. Un lien de confirmation a été envoyé à {email} : "
            "ouvrez-le pour activer votre compte, puis connectez-vous."
        )
        return None


class ConfirmEmailState(AuthState):
    ok: bool = False
    message: str = ""

    @event
    def load(self) -> None:
        token = as_text(self.router.url.query_parameters.get("jeton", ""), 200)
        if not token:
            self.ok = False
            self.message = "Ce lien de confirmation est incomplet."
            return
        try:
            with db() as session:
                signup.confirm_email(session, token)
            self.ok = True
            self.message = "Votre adresse e-mail est confirmée. Vous pouvez vous connecter."
        except DomainError as exc:
            self.ok = False
            self.message = exc.message
        except Exception:
            log.exception("confirm_email failed")
            self.ok = False
            self.message = GENERIC_ERROR
