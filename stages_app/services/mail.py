"""Transactional e-mail outbox and its SMTP delivery.

``queue_mail`` writes the mail in the caller's transaction, so a mail exists if and only if the
action that caused it was committed. The mail is also logged at INFO level: in the embedded
default (no SMTP configured) a local user reads confirmation links from the server log.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col

from stages_app import settings
from stages_app.models import MailStatus, OutboxMail, utcnow

__all__ = [
    "DeliveryReport",
    "SmtpConfig",
    "deliver_pending",
    "queue_mail",
    "run_mail_sender",
]

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
        existing: OutboxMail | None = session.execute(
            select(OutboxMail).where(col(OutboxMail.dedupe_key) == dedupe_key)
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


# ---------------------------------------------------------------------------------------------
# Delivery: the outbox worker
# ---------------------------------------------------------------------------------------------
#
# Claiming. A due mail (status pending, next_attempt_at <= now) is claimed with one conditional
# UPDATE in its own short transaction: ``attempts = attempts + 1`` and ``next_attempt_at = now +
# lease`` WHERE the row still has the attempts count and due date we read. Only one worker's
# UPDATE matches (PostgreSQL re-checks the WHERE after waiting for the row lock; SQLite writes
# one at a time), so two workers, threads or processes never send the same mail. The new attempts
# count is the claim token: marking the mail sent (or recording the failure) is another
# conditional UPDATE on that token. No schema change is needed (no "sending" status).
#
# Crash between SMTP acceptance and the "sent" mark: AT-LEAST-ONCE. The claimed row stays pending
# with its due date pushed by the lease (10 minutes, far above the SMTP timeout); after the lease
# another pass sends it again, with the same Message-ID (derived from the row) so mail clients and
# servers can recognise the duplicate. We prefer a rare duplicate after a crash to a lost
# confirmation link or invitation. In every other case a mail is sent once: repeated passes and
# concurrent workers skip claimed and sent rows.
#
# Failure: attempts is already counted by the claim; ``last_error`` is kept and the mail waits
# 1, 2, 4, 8… minutes (capped at an hour) before its next attempt; after MAX_ATTEMPTS it becomes
# ``failed`` (visible in the admin mailbox). When the server cannot be reached at all, the other
# mails of the pass are recorded as failed attempts without trying to connect again, so a down
# server costs one connection timeout per pass, never one per mail.
#
# The user action never waits for SMTP: it only writes the outbox row (``queue_mail``).

MAX_ATTEMPTS = 8
BACKOFF_CAP = dt.timedelta(minutes=60)
CLAIM_LEASE = dt.timedelta(minutes=10)
ERROR_MAX = 500


@dataclasses.dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    tls: str = "starttls"  # "starttls" | "ssl" | "none"
    user: str = ""
    password: str = ""
    sender: str = "Stages 3e <ne-pas-repondre@stages3e.fr>"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> SmtpConfig:
        return cls(
            host=settings.SMTP_HOST,
            port=settings.SMTP_PORT,
            tls=settings.SMTP_TLS,
            user=settings.SMTP_USER,
            password=settings.SMTP_PASSWORD,
            sender=settings.MAIL_FROM,
            timeout=settings.SMTP_TIMEOUT,
        )


@dataclasses.dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0  # gave up for good in this pass (status failed)
    retried: int = 0  # attempt failed, will be tried again later


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4… minutes, capped."""
    return min(dt.timedelta(minutes=2 ** max(0, min(attempts - 1, 20))), BACKOFF_CAP)


def _engine_of(engine_or_session: Engine | Session) -> Engine | Connection:
    if isinstance(engine_or_session, Engine):
        return engine_or_session
    if isinstance(engine_or_session, Session):
        return engine_or_session.get_bind()
    raise TypeError("deliver_pending attend un Engine ou une Session.")


def _sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "stages3e.fr"


def message_id(mail_id: int, created_at: dt.datetime, sender: str) -> str:
    """Stable per outbox row: a resend after a crash carries the same Message-ID."""
    return f"<outbox-{mail_id}-{int(created_at.timestamp())}@{_sender_domain(sender)}>"


def build_message(row: OutboxMail, config: SmtpConfig) -> EmailMessage:
    assert row.id is not None  # a claimed row, read from the outbox
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = row.to_email
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id(row.id, row.created_at, config.sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(row.body, charset="utf-8")
    return msg


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.tls == "starttls":
            smtp.ehlo()
            smtp.starttls(context=ssl.create_default_context())
    smtp.ehlo_or_helo_if_needed()
    if config.user:
        smtp.login(config.user, config.password)
    return smtp


def _due_ids(
    engine: Engine | Connection, now: dt.datetime, limit: int
) -> list[tuple[int, int, dt.datetime]]:
    with Session(engine) as s:
        rows = s.execute(
            select(col(OutboxMail.id), col(OutboxMail.attempts), col(OutboxMail.next_attempt_at))
            .where(
                col(OutboxMail.status) == MailStatus.PENDING.value,
                col(OutboxMail.next_attempt_at) <= now,
            )
            .order_by(col(OutboxMail.next_attempt_at), col(OutboxMail.id))
            .limit(limit)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _claim(
    engine: Engine | Connection, mail_id: int, attempts: int, now: dt.datetime
) -> OutboxMail | None:
    """Take the mail for this worker (returns the row, detached) or None when another worker
    claimed, sent or rescheduled it first."""
    with Session(engine, expire_on_commit=False) as s:
        claimed = s.exec(
            update(OutboxMail)
            .where(
                col(OutboxMail.id) == mail_id,
                col(OutboxMail.status) == MailStatus.PENDING.value,
                col(OutboxMail.attempts) == attempts,
                col(OutboxMail.next_attempt_at) <= now,
            )
            .values(attempts=attempts + 1, next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            s.rollback()
            return None
        row = s.get(OutboxMail, mail_id)
        s.commit()
        return row


def _finish(engine: Engine | Connection, mail_id: int, token: int, **values: object) -> bool:
    with Session(engine) as s:
        done = s.exec(
            update(OutboxMail)
            .where(
                col(OutboxMail.id) == mail_id,
                col(OutboxMail.attempts) == token,
                col(OutboxMail.status) == MailStatus.PENDING.value,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        s.commit()
    if done != 1:  # pragma: no cover - only after a lease expired under a stalled worker
        logger.warning("Courriel %s : le marquage a échoué (réclamé par un autre envoi ?)", mail_id)
    return done == 1


def _record_failure(
    engine: Engine | Connection,
    row: OutboxMail,
    error: BaseException | str,
    now: dt.datetime,
    report: DeliveryReport,
) -> None:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())[:ERROR_MAX]
    assert row.id is not None  # a claimed row, read from the outbox
    give_up = row.attempts >= MAX_ATTEMPTS
    values = {"last_error": text, "next_attempt_at": now + backoff(row.attempts)}
    if give_up:
        values["status"] = MailStatus.FAILED.value
    if _finish(engine, row.id, row.attempts, **values):
        if give_up:
            report.failed += 1
            logger.error(
                "Courriel %s à %s abandonné après %s essais : %s",
                row.id,
                row.to_email,
                row.attempts,
                text,
            )
        else:
            report.retried += 1
            logger.warning(
                "Courriel %s à %s non envoyé (essai %s) : %s",
                row.id,
                row.to_email,
                row.attempts,
                text,
            )


def deliver_pending(
    engine_or_session: Engine | Session,
    *,
    smtp_config: SmtpConfig | None = None,
    now: dt.datetime | None = None,
    limit: int = 50,
) -> DeliveryReport:
    """Send the due pending mails of the outbox (at most ``limit``) through SMTP, one short
    transaction per claim and per mark. Never raises for an SMTP problem: failures are recorded
    on the rows and retried later. Without an SMTP host (embedded default) nothing is sent and the
    mails stay in the local outbox (admin mailbox). ``engine_or_session``: an Engine, or a Session
    whose engine is used (pass one with no uncommitted writes)."""
    config = smtp_config or SmtpConfig.from_settings()
    report = DeliveryReport()
    if not config.host:
        return report
    engine = _engine_of(engine_or_session)
    now = now or utcnow()
    smtp: smtplib.SMTP | None = None
    unreachable: str | None = None  # set when the server cannot be reached in this pass
    try:
        for mail_id, attempts, _due in _due_ids(engine, now, max(1, int(limit))):
            row = _claim(engine, mail_id, attempts, now)
            if row is None:
                continue
            if unreachable is not None:
                _record_failure(engine, row, unreachable, now, report)
                continue
            try:
                if smtp is None:
                    smtp = _connect(config)
            except (OSError, smtplib.SMTPException) as exc:
                smtp = None
                unreachable = (
                    f"Serveur SMTP injoignable ({config.host}:{config.port}) — "
                    f"{type(exc).__name__}: {exc}"
                )
                _record_failure(engine, row, unreachable, now, report)
                continue
            try:
                smtp.send_message(
                    build_message(row, config),
                    from_addr=parseaddr(config.sender)[1],
                    to_addrs=[row.to_email],
                )
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                _record_failure(engine, row, exc, now, report)
                if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    with contextlib.suppress(Exception):
                        smtp.close()
                    smtp = None  # reconnect for the next mail
                continue
            if _finish(
                engine,
                mail_id,
                row.attempts,
                status=MailStatus.SENT.value,
                sent_at=utcnow(),
                last_error="",
            ):
                report.sent += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(Exception):
                smtp.quit()
    return report


async def run_mail_sender(*, interval: float = 5.0, engine: Engine | None = None) -> None:
    """The app's background sender (a Reflex lifespan task): every ``interval`` seconds, one
    ``deliver_pending`` pass in a thread. Does nothing without STAGES_SMTP_HOST. Errors are logged,
    never raised: the app keeps running and the mails stay in the outbox."""
    if not settings.SMTP_HOST:
        logger.info(
            "STAGES_SMTP_HOST vide : les courriels restent dans la boîte locale (/admin/courriels)."
        )
        return
    if engine is None:
        from stages_app.db import get_engine

        engine = get_engine()
    logger.info(
        "Envoi des courriels via %s:%s toutes les %s s.",
        settings.SMTP_HOST,
        settings.SMTP_PORT,
        interval,
    )
    while True:
        try:
            report = await asyncio.to_thread(deliver_pending, engine)
            if report.sent or report.failed or report.retried:
                logger.info(
                    "Courriels : %s envoyé(s), %s à réessayer, %s abandonné(s).",
                    report.sent,
                    report.retried,
                    report.failed,
                )
        except asyncio.CancelledError:
            raise
        except Exception:  # never let the sender crash the app
            logger.exception("Envoi des courriels : erreur inattendue")
        await asyncio.sleep(interval)
