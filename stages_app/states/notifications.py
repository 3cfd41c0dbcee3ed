"""In-app notifications of the logged-in user."""

from __future__ import annotations

import dataclasses

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import routes
from stages_app.services import notifications
from stages_app.services.access import Viewer
from stages_app.services.schools import PARIS
from stages_app.states.base import PageState
from stages_app.states.events import event


@dataclasses.dataclass
class NotificationItem:
    id: int
    title: str
    body: str
    link: str
    when: str
    read: bool


class NotificationsState(PageState):
    items: rx.Field[list[NotificationItem]] = rx.field(default_factory=list)

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self.items = [
            NotificationItem(
                n.id,
                n.title,
                n.body,
                n.link,
                n.created_at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M"),
                n.read,
            )
            for n in notifications.list_notifications(session, viewer, limit=50)
        ]
        self.unread_notifications = notifications.unread_count(session, viewer)

    @event
    def load(self) -> EventSpec | None:
        return self._run(routes.PAGE_ROLES[routes.NOTIFICATIONS], lambda s, v: None)

    @event
    def mark_all_read(self) -> EventSpec | None:
        return self._run(
            routes.PAGE_ROLES[routes.NOTIFICATIONS],
            lambda s, v: notifications.mark_read(s, v, None),
            "Toutes les notifications sont marquées comme lues.",
        )
