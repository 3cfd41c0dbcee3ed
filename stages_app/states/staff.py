"""Principal's staff page (invitations, rights) and the invitation sign-up."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import routes
from stages_app.models import Role
from stages_app.services import accounts, schools, staff
from stages_app.services.access import Viewer
from stages_app.services.errors import DomainError
from stages_app.states.auth import AuthState, db
from stages_app.states.base import (
    GENERIC_ERROR,
    PageState,
    as_id,
    as_text,
    form_text,
    log,
    require_id,
)
from stages_app.states.events import event

PRINCIPAL = {Role.PRINCIPAL.value}


class StaffState(PageState):
    members: list[staff.StaffRow] = []
    invitations: rx.Field[list[staff.InvitationRow]] = rx.field(default_factory=list)
    class_options: list[tuple[str, str]] = []
    last_link: str = ""

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self.members = staff.list_staff(session, viewer)
        self.invitations = staff.list_invitations(session, viewer)
        settings = schools.school_settings(session, viewer)
        self.class_options = [(str(c.id), c.name) for c in settings.classes]

    @event
    def load(self) -> EventSpec | None:
        self.last_link = ""
        return self._run(PRINCIPAL, lambda s, v: None)

    @event
    def invite(self, form: dict[str, Any]) -> EventSpec | None:
        email = form_text(form, "email", 300)
        function = form_text(form, "function", 40)
        class_id = as_id(form.get("class_id")) if form_text(form, "class_id", 12) else None

        def action(s: Session, v: Viewer) -> str:
            invitation, token = staff.invite_staff(
                s, v, email=email, function=function, class_id=class_id
            )
            self.last_link = staff.invitation_link(token)
            return invitation.email

        return self._run(
            PRINCIPAL, action, lambda to: f"Invitation envoyée à {to}. Le lien est valable 7 jours."
        )

    @event
    def cancel_invitation(self, invitation_id: int) -> EventSpec | None:
        iid = as_id(invitation_id)
        return self._run(
            PRINCIPAL,
            lambda s, v: staff.cancel_invitation(s, v, require_id(iid)),
            "Invitation annulée.",
        )

    @event
    def grant(self, membership_id: int) -> EventSpec | None:
        mid = as_id(membership_id)
        return self._run(
            PRINCIPAL, lambda s, v: staff.grant(s, v, require_id(mid)), lambda msg: msg
        )

    @event
    def revoke(self, membership_id: int) -> EventSpec | None:
        mid = as_id(membership_id)
        return self._run(
            PRINCIPAL, lambda s, v: staff.revoke(s, v, require_id(mid)), lambda msg: msg
        )

    @event
    def change_function(self, form: dict[str, Any]) -> EventSpec | None:
        mid = as_id(form_text(form, "membership_id", 12))
        function = form_text(form, "function", 40)
        return self._run(
            PRINCIPAL,
            lambda s, v: staff.change_function(s, v, require_id(mid), function),
            lambda msg: msg,
        )


class InvitationSignupState(AuthState):
    valid: bool = False
    problem: str = ""
    school_name: str = ""
    email: str = ""
    function_label: str = ""
    class_name: str = ""
    inviter_name: str = ""
    error: str = ""

    def _token(self) -> str:
        return as_text(self.router.url.query_parameters.get("jeton", ""), 200)

    @event
    def load(self) -> None:
        self.error = ""
        try:
            with db() as session:
                preview = staff.invitation_preview(session, self._token())
        except DomainError as exc:
            self.valid = False
            self.problem = exc.message
            return
        self.valid = True
        self.problem = ""
        self.school_name = preview.school_name
        self.email = preview.email
        self.function_label = preview.function_label
        self.class_name = preview.class_name
        self.inviter_name = preview.inviter_name

    @event
    def submit(self, form: dict[str, Any]) -> EventSpec | None:
        self.error = ""
        password = form_text(form, "password", 300)
        try:
            with db() as session:
                user = staff.signup_from_invitation(
                    session,
                    self._token(),
                    first_name=form_text(form, "first_name", 200),
                    last_name=form_text(form, "last_name", 200),
                    password=password,
                )
                user, token = accounts.login(session, user.email, password)
                self.user_first_name, self.user_last_name, self.user_role = (
                    user.first_name,
                    user.last_name,
                    user.role,
                )
        except DomainError as exc:
            self.error = exc.message
            return None
        except Exception:
            log.exception("invitation sign-up failed")
            self.error = GENERIC_ERROR
            return None
        self.token = token
        return rx.redirect(routes.SCHOOL_HOME)
