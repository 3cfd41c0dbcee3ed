"""Authentication state: the opaque token in localStorage, and the page guard.

Only the token lives in the browser; every handler re-derives the user from it through the
service layer (the DB session row is the only durable truth).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Container, Iterator

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live, routes
from stages_app.db import get_engine
from stages_app.services import access, accounts, home, notifications
from stages_app.services import live as live_changes
from stages_app.services.access import Viewer
from stages_app.services.errors import DomainError, NotAuthenticated, PermissionDenied
from stages_app.states.events import event

log = logging.getLogger(__name__)

TOKEN_KEY = "stages3e_session"


@contextlib.contextmanager
def db() -> Iterator[Session]:
    """One short DB session for one handler. What it commits to applications and pupils' files
    is pushed to the pages following them (``stages_app.live``) once the session closes."""
    with Session(get_engine(), expire_on_commit=False) as session:
        changes = live_changes.track(session)
        try:
            yield session
        finally:
            live.publish(changes)


class AuthState(rx.State):
    """Base of every page state: holds the token and what the layout shows about the user."""

    token: str = rx.LocalStorage("", name=TOKEN_KEY, sync=True)
    user_first_name: str = ""
    user_last_name: str = ""
    user_role: str = ""
    user_title: str = ""  # "Professeur principal", "Élève"… (the header)
    # True once the guard ran for the current page (avoids flashing protected content)
    access_checked: bool = False
    unread_notifications: rx.Field[int] = rx.field(0)

    @rx.var
    def is_logged_in(self) -> bool:
        return self.user_role != ""

    @rx.var
    def user_display_name(self) -> str:
        return f"{self.user_first_name} {self.user_last_name}".strip()

    @rx.var
    def home_url(self) -> str:
        return routes.home_for(self.user_role)

    def _set_viewer(self, viewer: Viewer | None) -> None:
        if viewer is None:
            self.user_first_name = self.user_last_name = self.user_role = self.user_title = ""
        else:
            self.user_first_name = viewer.first_name
            self.user_last_name = viewer.last_name
            self.user_role = viewer.role

    def _viewer(self, session: Session, roles: Container[str] | None = None) -> Viewer:
        """Re-derive the user from the token (NotAuthenticated / PermissionDenied)."""
        viewer = access.require_viewer(session, self.token, roles)
        self._set_viewer(viewer)
        return viewer

    def _denied(self, exc: DomainError) -> EventSpec | None:
        """Turn an access error into the redirect a person expects."""
        if isinstance(exc, NotAuthenticated):
            self._set_viewer(None)
            self.token = ""
            return rx.redirect(routes.login_url(self.router.url.path))
        if isinstance(exc, PermissionDenied):
            return rx.redirect(routes.FORBIDDEN)
        return None

    @event
    def check_access(self) -> EventSpec | None:
        """on_load guard of every page: anonymous → login, wrong role → 403."""
        path = self.router.url.path
        allowed = routes.roles_for(path)
        with db() as session:
            viewer = access.viewer_for_token(session, self.token)
            self.unread_notifications = notifications.unread_count(session, viewer) if viewer else 0
            self.user_title = home.viewer_title(session, viewer)
        self._set_viewer(viewer)
        if viewer is None and self.token:
            self.token = ""  # expired or revoked: forget it
        if allowed is not None:
            if viewer is None:
                self.access_checked = False
                return rx.redirect(routes.login_url(path))
            if viewer.role not in allowed:
                self.access_checked = False
                return rx.redirect(routes.FORBIDDEN)
        self.access_checked = True
        return None

    @event
    def logout(self) -> EventSpec:
        with db() as session:
            accounts.logout(session, self.token)
        self.token = ""
        self._set_viewer(None)
        # Start the next visitor of this tab from a fresh state tree: forget Reflex's per-tab
        # client token (sessionStorage) and reload, so no page state of this user (letters, CV,
        # pupil lists) can ever be sent to whoever uses the browser next.
        return rx.call_script(
            f"window.localStorage.removeItem('{TOKEN_KEY}'); window.sessionStorage.clear(); "
            f"window.location.replace('{routes.LOGIN}?deconnecte=1')"
        )
