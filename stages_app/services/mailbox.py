"""The local mailbox: the outbox as the platform administrator sees it (embedded default).

Without SMTP, a local user follows confirmation and invitation links from here or the server log.
"""

from __future__ import annotations

import dataclasses
import re

from sqlalchemy import func
from sqlmodel import Session, col, select

from stages_app.models import OutboxMail, Role
from stages_app.services.access import Viewer
from stages_app.services.errors import PermissionDenied
from stages_app.services.text import clean_line

PAGE_SIZE = 20
_LINK = re.compile(r"(https?://\S+|/[a-z0-9\-/]+\?jeton=[A-Za-z0-9_\-]+)")


@dataclasses.dataclass
class MailRow:
    id: int
    to_email: str
    subject: str
    body: str
    status: str
    created_at: str
    links: list[str]


def list_mails(
    session: Session, viewer: Viewer, *, page: int = 1, to: str = ""
) -> tuple[list[MailRow], int]:
    """Newest first; ``to`` filters on the recipient (substring, case-insensitive). Admin only."""
    if viewer.role != Role.ADMIN.value:
        raise PermissionDenied()
    page = max(1, min(int(page or 1), 10_000))
    q = select(OutboxMail)
    count_q = select(func.count()).select_from(OutboxMail)
    to = clean_line(to).lower()[:254]
    if to:
        q = q.where(func.lower(OutboxMail.to_email).contains(to))
        count_q = count_q.where(func.lower(OutboxMail.to_email).contains(to))
    total = int(session.exec(count_q).one())
    rows = session.exec(
        q.order_by(col(OutboxMail.id).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    mails = []
    for m in rows:
        assert m.id is not None  # read from the table
        mails.append(
            MailRow(
                id=m.id,
                to_email=m.to_email,
                subject=m.subject,
                body=m.body,
                status=m.status,
                created_at=m.created_at.strftime("%d/%m/%Y %H:%M"),
                links=_LINK.findall(m.body),
            )
        )
    return mails, total
