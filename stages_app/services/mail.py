"""Transactional e-mail outbox (minimal: SMTP delivery by a worker comes later).

``queue_mail`` writes the mail in the caller's transaction, so a mail exists if and only if the
action that caused it was committed. The mail is also logged at INFO level: in the embedded
default (no SMTP configured) a local user reads confirmation links from the server log.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlmodel import Session

from stages_app.models import OutboxMail, utcnow

__all__ = ["queue_mail"]

logger = logging.getLogger("stages_app.mail")

SUBJECT_MAX_LENGTH = 200


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    kind: str,
    dedupe_key: str | None = None,
) -> OutboxMail:
    """Add a pending mail to the outbox (no commit: the caller's unit of work commits it).

    When ``dedupe_key`` is already queued (same logical mail), nothing is added and the existing
    row is returned.
    """
    if dedupe_key is not None:
        existing = session.execute(
            select(OutboxMail).where(OutboxMail.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if existing is not None:
            logger.info("Mail déjà en file (%s), ignoré : %s", dedupe_key, existing.subject)
            return existing
    now = utcnow()
    subject = " ".join((subject or "").split())[:SUBJECT_MAX_LENGTH]
    mail = OutboxMail(
        to_email=(to or "").strip(),
        subject=subject,
        body=body or "",
        kind=kind,
        dedupe_key=dedupe_key,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(mail)
    logger.info("Mail à %s — %s\n%s", mail.to_email, subject, mail.body)
    return mail
