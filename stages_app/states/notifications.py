"""In-app notifications of the logged-in user."""

from __future__ import annotations

import dataclasses

import reflex as rx

from stages_app import routes
from stages_app.services import notifications
from stages_app.services.schools import PARIS
from stages_app.states.base import PageState


@dataclasses.dataclass
class NotificationItem:
    id: int
    title: str
    body: str
    link: str
    when: str
    read: bool


class NotificationsState(PageState):
    items: list[NotificationItem] = []

    def _reload(self, session, viewer) -> None:
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

    @rx.event
    def load(self):
        return self._run(routes.PAGE_ROLES[routes.NOTIFICATIONS], lambda s, v: None)

    @rx.event
    def mark_all_read(self):
        return self._run(
            routes.PAGE_ROLES[routes.NOTIFICATIONS],
            lambda s, v: notifications.mark_read(s, v, None),
            "Toutes les notifications sont marquées comme lues.",
        )
