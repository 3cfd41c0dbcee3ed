"""In-app notifications: the bell of every role.

``notify`` adds a notification in the caller's transaction (no commit: it exists if and only if
the action that caused it was committed, like ``services.mail.queue_mail``). The reading
functions only ever show the viewer their own notifications; ``mark_read`` commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from stages_app.models import Notification, utcnow
from stages_app.services.access import Viewer
from stages_app.services.errors import NotAuthenticated, NotFound

__all__ = [
    "NotificationRow",
    "list_notifications",
    "mark_read",
    "notify",
    "unread_count",
]

TITLE_MAX, BODY_MAX, LINK_MAX, KIND_MAX = 200, 2000, 300, 40
LIST_MAX = 100


@dataclasses.dataclass(frozen=True)
class NotificationRow:
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: dt.datetime
    read: bool


def _cut(value: str | None, limit: int) -> str:
    value = value or ""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def notify(
    session: Session, user_id: int, kind: str, title: str, body: str = "", link: str = ""
) -> Notification:
    """Add an in-app notification for ``user_id`` (no commit: the caller's unit of work commits
    it). Over-long texts are shortened with "…"."""
    row = Notification(
        user_id=user_id,
        kind=(kind or "")[:KIND_MAX],
        title=_cut(title, TITLE_MAX),
        body=_cut(body, BODY_MAX),
        link=(link or "")[:LINK_MAX],
    )
    session.add(row)
    return row


def _uid(viewer: Viewer | None) -> int:
    if viewer is None:
        raise NotAuthenticated()
    return viewer.user_id


def unread_count(session: Session, viewer: Viewer | None) -> int:
    """How many of the viewer's notifications are not read yet."""
    uid = _uid(viewer)
    return int(
        session.execute(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.user_id) == uid, col(Notification.read_at).is_(None))
        ).scalar_one()
    )


def list_notifications(
    session: Session, viewer: Viewer | None, *, limit: int = 20, unread_only: bool = False
) -> list[NotificationRow]:
    """The viewer's notifications, newest first (at most ``limit``, clamped to 1..100)."""
    uid = _uid(viewer)
    try:
        limit = max(1, min(int(limit), LIST_MAX))
    except (TypeError, ValueError):
        limit = 20
    stmt = select(Notification).where(col(Notification.user_id) == uid)
    if unread_only:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    rows = session.execute(stmt.limit(limit)).scalars().all()
    return [
        NotificationRow(n.id, n.kind, n.title, n.body, n.link, n.created_at, n.read_at is not None)
        for n in rows
    ]


def mark_read(
    session: Session, viewer: Viewer | None, notification_id: int | str | None = None
) -> int:
    """Mark one of the viewer's notifications read (``notification_id``), or all of them (None).
    Returns how many changed; NotFound for an id that is not the viewer's."""
    uid = _uid(viewer)
    now = utcnow()
    try:
        stmt = update(Notification).where(
            col(Notification.user_id) == uid, col(Notification.read_at).is_(None)
        )
        if notification_id is not None:
            nid = notification_id
            if isinstance(nid, str) and nid.strip().isdigit():
                nid = int(nid.strip())
            if isinstance(nid, bool) or not isinstance(nid, int) or not 0 < nid < 2**63:
                raise NotFound("Cette notification est introuvable.")
            owner = session.execute(
                select(col(Notification.user_id)).where(col(Notification.id) == nid)
            ).scalar_one_or_none()
            if owner != uid:
                raise NotFound("Cette notification est introuvable.")
            stmt = stmt.where(col(Notification.id) == nid)
        changed = session.exec(stmt.values(read_at=now)).rowcount or 0
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return int(changed)
