"""Administrator pages."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from stages_app.services import mailbox
from stages_app.services.errors import NotAuthenticated, PermissionDenied
from stages_app.states.auth import AuthState, db
from stages_app.states.base import form_text
from stages_app.states.events import event


class MailboxState(AuthState):
    mails: list[mailbox.MailRow] = []
    total: int = 0
    page: int = 1
    recipient: str = ""

    @rx.var
    def pages(self) -> int:
        return max(1, -(-self.total // mailbox.PAGE_SIZE))

    def _load(self) -> EventSpec | None:
        try:
            with db() as session:
                viewer = self._viewer(session, {"admin"})
                self.mails, self.total = mailbox.list_mails(
                    session, viewer, page=self.page, to=self.recipient
                )
        except (NotAuthenticated, PermissionDenied) as exc:
            return self._denied(exc)
        return None

    @event
    def load(self) -> EventSpec | None:
        self.page = 1
        return self._load()

    @event
    def filter(self, form: dict[str, Any]) -> EventSpec | None:
        self.recipient = form_text(form, "recipient", 254)
        self.page = 1
        return self._load()

    @event
    def go(self, page: int) -> EventSpec | None:
        try:
            self.page = max(1, min(int(page), self.pages))
        except (TypeError, ValueError):
            self.page = 1
        return self._load()
