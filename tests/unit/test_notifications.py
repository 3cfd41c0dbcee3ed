"""E-mail notifications through the transactional outbox, delivered to a real SMTP server.

Each test starts an aiosmtpd server on loopback (127.0.0.1, a free port) whose handler keeps
every message it receives. The notifications are triggered by the real service actions (sign-up,
rights, access, apply, answer), which only write outbox rows; ``deliver_pending`` then sends
them. Runs on SQLite and, when reachable, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlmodel import Session

from stages_app.models import MailStatus, Notification, OutboxMail, StaffMembership, utcnow
from stages_app.services import applications as apps
from stages_app.services import mail as mail_service
from stages_app.services import pupils as pupils_service
from stages_app.services import signup
from stages_app.services import staff as staff_service
from stages_app.services.mail import SmtpConfig, deliver_pending, queue_mail
from tests.unit import application_helpers as ah
from tests.unit import school_helpers as sh

PASSWORD = "motdepasse-assez-long-42"


# ---------------------------------------------------------------------------------------------
# A real SMTP server on loopback
# ---------------------------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: keeps every message (envelope recipients + parsed message)."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server widens the window of a double send
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self._lock:
            self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for _, m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int, inbox: Inbox):
        # our own event loop, closed by close(): aiosmtpd never closes the one it would create
        self.loop = asyncio.new_event_loop()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=port, loop=self.loop)
        self.running = False

    def start(self) -> None:
        self.controller.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.controller.stop()
            self.running = False


@pytest.fixture
def smtp():
    """(inbox, server, config): the server is started by the test (it may begin 'down')."""
    port = free_port()
    inbox = Inbox()
    server = SmtpServer(port, inbox)
    config = SmtpConfig(host="127.0.0.1", port=port, tls="none", timeout=3)
    yield inbox, server, config
    server.stop()
    server.loop.close()


def body(msg) -> str:
    return msg.get_content()


def outbox(engine) -> list[OutboxMail]:
    with Session(engine) as s:
        return list(s.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars())


# ---------------------------------------------------------------------------------------------
# Journeys that queue every kind of notification
# ---------------------------------------------------------------------------------------------


def school_journey(session: Session) -> dict[str, str]:
    """A pupil signs up (professeur principal told), a CPE signs up and waits (principal told),
    the principal grants her (CPE told), the professeur principal opens a pupil's access (pupil
    told). Returns the e-mail addresses involved."""
    w = sh.build_world(session)
    pupil = signup.signup_student(
        session,
        class_code="AAAAA2",
        first_name="Inès",
        last_name="Lefèvre",
        email="ines.lefevre@exemple.fr",
        password=PASSWORD,
    )
    cpe = signup.signup_staff(
        session,
        school_uai="0931234A",
        function="cpe",
        first_name="Hélène",
        last_name="Durand",
        email="helene.durand@ac-creteil.fr",
        password=PASSWORD,
    )
    assert staff_service.announce_pending_signup(session, cpe.id) == "Anne Ernaux"
    membership_id = session.execute(
        select(StaffMembership.id).where(StaffMembership.user_id == cpe.id)
    ).scalar_one()
    assert "Droits accordés" in staff_service.grant(session, w.viewer("principal_a"), membership_id)
    opened = pupils_service.open_access(
        session, w.viewer("pp_granted"), [w.uid("pupil_authorised")]
    )
    assert opened.opened == [w.uid("pupil_authorised")]
    return {
        "pp": w.users["pp_granted"].email,
        "principal": w.users["principal_a"].email,
        "cpe": "helene.durand@ac-creteil.fr",
        "new_pupil": pupil.email,
        "opened_pupil": w.users["pupil_authorised"].email,
        "pp_id": w.uid("pp_granted"),
        "principal_id": w.uid("principal_a"),
        "cpe_id": cpe.id,
        "opened_pupil_id": w.uid("pupil_authorised"),
    }


def application_journey(session: Session) -> dict:
    """A pupil applies to two offers for the same week and to a third for another week; the first
    employer accepts (pupil and professeur principal told, the second employer told of the
    automatic cancellation), the third refuses (pupil and professeur principal told)."""
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    emp1, offer1 = ah.offer(session, w)
    emp2, offer2 = ah.offer(session, w)
    emp3, offer3 = ah.offer(session, w, weeks=((ah.W2, 1),))
    a1 = ah.submitted(session, pupil, offer1, ah.W1)
    a2 = ah.submitted(session, pupil, offer2, ah.W1)
    a3 = ah.submitted(session, pupil, offer3, ah.W2)
    apps.accept(session, emp1, a1, "Bienvenue dans l'équipe !")
    apps.refuse(session, emp3, a3, "Désolé, nous avons déjà une stagiaire cette semaine-là.")
    assert (ah.status(session, a1), ah.status(session, a2), ah.status(session, a3)) == (
        "accepted",
        "cancelled_auto",
        "refused",
    )
    return {"pupil": pupil, "teacher": teacher, "emp1": emp1, "emp2": emp2, "emp3": emp3}


# ---------------------------------------------------------------------------------------------
# Every notification reaches the SMTP server, in French, to the right person
# ---------------------------------------------------------------------------------------------


def test_school_notifications_reach_the_smtp_server(engine, smtp):
    inbox, server, config = smtp
    server.start()
    with Session(engine, expire_on_commit=False) as session:
        who = school_journey(session)

    report = deliver_pending(engine, smtp_config=config)
    assert report.sent == len(outbox(engine)) == len(inbox.messages) == 4

    [waiting] = inbox.to(who["pp"])  # pupil waiting for authorisation → professeur principal
    assert waiting["Subject"] == "Stages 3e : Inès Lefèvre attend son autorisation parentale"
    assert "classe 3e A" in body(waiting) and "autorisation parentale signée" in body(waiting)

    [pending] = inbox.to(who["principal"])  # staff waiting for rights → principal
    assert pending["Subject"] == "Stages 3e : Hélène Durand attend ses droits"
    assert "accordez-lui ses droits" in body(pending)

    [granted] = inbox.to(who["cpe"])  # rights granted → staff
    assert granted["Subject"] == "Stages 3e : vos droits sont ouverts"
    assert "vient d'ouvrir vos droits" in body(granted) and "Collège Jean Moulin" in body(granted)

    [opened] = inbox.to(who["opened_pupil"])  # access opened → pupil
    assert opened["Subject"] == "Stages 3e : ton accès est ouvert"
    assert "ton accès à Stages 3e est ouvert" in body(opened)

    assert inbox.to(who["new_pupil"]) == []  # the pupil who just signed up waits: no mail
    for _, msg in inbox.messages:
        assert msg["From"] == "Stages 3e <ne-pas-repondre@stages3e.fr>"
        assert msg["Message-ID"].endswith("@stages3e.fr>")
        assert msg.get_content_charset() == "utf-8"
    assert all(m.status == MailStatus.SENT.value and m.sent_at for m in outbox(engine))

    # and the same people have it in the app (the bell)
    with Session(engine) as s:
        kinds = set(s.execute(select(Notification.user_id, Notification.kind)).all())
    assert {
        (who["pp_id"], "pupil_waiting"),
        (who["principal_id"], "staff_pending"),
        (who["cpe_id"], "staff_granted"),
        (who["opened_pupil_id"], "pupil_access_opened"),
    } <= kinds


def test_application_notifications_reach_the_smtp_server(engine, smtp):
    inbox, server, config = smtp
    server.start()
    with Session(engine, expire_on_commit=False) as session:
        p = application_journey(session)

    report = deliver_pending(engine, smtp_config=config)
    assert report.sent == len(inbox.messages) == len(outbox(engine)) == 8

    received = inbox.to(p["emp1"].email) + inbox.to(p["emp2"].email) + inbox.to(p["emp3"].email)
    subjects = sorted(m["Subject"] for m in received)
    assert sum(s.startswith("Stages 3e : Nouvelle candidature pour « ") for s in subjects) == 3
    [cancelled] = [m for m in inbox.to(p["emp2"].email) if "annulée" in m["Subject"]]
    assert cancelled["Subject"].startswith("Stages 3e : Candidature annulée automatiquement")
    assert "l'élève a accepté un autre stage pour cette semaine-là" in body(cancelled)

    pupil_mails = {m["Subject"]: body(m) for m in inbox.to(p["pupil"].email)}
    assert "Stages 3e : Votre candidature est acceptée !" in pupil_mails
    assert (
        "Bienvenue dans l'équipe !" in pupil_mails["Stages 3e : Votre candidature est acceptée !"]
    )
    assert "déjà une stagiaire" in pupil_mails["Stages 3e : Réponse à votre candidature"]

    teacher_mails = inbox.to(p["teacher"].email)
    assert len(teacher_mails) == 2  # the acceptance and the refusal of their pupil
    assert {m["Subject"] for m in teacher_mails} == {
        f"Stages 3e : {p['pupil'].display_name} a trouvé un stage",
        f"Stages 3e : Candidature d'{p['pupil'].display_name} refusée",
    }
    assert all(p["pupil"].first_name in body(m) for m in teacher_mails)


# ---------------------------------------------------------------------------------------------
# A down server blocks nothing and loses nothing
# ---------------------------------------------------------------------------------------------


def test_server_down_actions_succeed_and_mails_wait_then_are_delivered(engine, smtp):
    inbox, server, config = smtp  # not started: nothing listens on the port
    started = time.monotonic()
    with Session(engine, expire_on_commit=False) as session:
        application_journey(session)  # asserts every action succeeded
    assert time.monotonic() - started < 10

    report = deliver_pending(engine, smtp_config=config)
    rows = outbox(engine)
    assert (report.sent, report.retried, report.failed) == (0, 8, 0)
    assert all(m.status == MailStatus.PENDING.value and m.attempts == 1 for m in rows)
    assert all("injoignable" in m.last_error for m in rows)
    assert all(m.next_attempt_at > utcnow() for m in rows)  # backoff: not due again at once

    # a pass before the backoff is over tries nothing
    assert deliver_pending(engine, smtp_config=config) == mail_service.DeliveryReport()
    # still down a bit later: a second attempt is counted
    later = utcnow() + dt.timedelta(minutes=2)
    assert deliver_pending(engine, smtp_config=config, now=later).retried == 8
    assert {m.attempts for m in outbox(engine)} == {2}

    server.start()
    report = deliver_pending(engine, smtp_config=config, now=utcnow() + dt.timedelta(hours=1))
    assert report.sent == 8 and len(inbox.messages) == 8
    assert all(m.status == MailStatus.SENT.value and m.last_error == "" for m in outbox(engine))
    # once sent, never again
    assert (
        deliver_pending(engine, smtp_config=config, now=utcnow() + dt.timedelta(days=1)).sent == 0
    )
    assert len(inbox.messages) == 8


def test_a_mail_is_given_up_after_the_maximum_attempts(engine, smtp):
    _, _, config = smtp  # down
    with Session(engine) as s:
        queue_mail(s, to="camille@exemple.fr", subject="Essai", body="Bonjour", kind="test")
        s.commit()
    moment = utcnow()
    for _ in range(mail_service.MAX_ATTEMPTS):
        moment += dt.timedelta(hours=2)
        report = deliver_pending(engine, smtp_config=config, now=moment)
    assert report.failed == 1
    [row] = outbox(engine)
    assert (row.status, row.attempts) == (MailStatus.FAILED.value, mail_service.MAX_ATTEMPTS)
    assert (
        deliver_pending(engine, smtp_config=config, now=moment + dt.timedelta(days=9)).retried == 0
    )


def test_embedded_default_sends_nothing_and_keeps_the_local_outbox(engine):
    with Session(engine) as s:
        queue_mail(s, to="camille@exemple.fr", subject="Essai", body="Bonjour", kind="test")
        s.commit()
    assert deliver_pending(engine, smtp_config=SmtpConfig(host="")) == mail_service.DeliveryReport()
    [row] = outbox(engine)
    assert (row.status, row.attempts) == (MailStatus.PENDING.value, 0)


# ---------------------------------------------------------------------------------------------
# No mail is sent twice
# ---------------------------------------------------------------------------------------------


def test_concurrent_workers_never_send_a_mail_twice(engine, smtp):
    inbox, server, config = smtp
    inbox.delay = 0.003
    server.start()
    with Session(engine) as s:
        for i in range(30):
            queue_mail(
                s,
                to=f"eleve{i}@exemple.fr",
                subject=f"Message n°{i}",
                body="Bonjour",
                kind="test",
                dedupe_key=f"test:{i}",
            )
        s.commit()

    barrier = threading.Barrier(3)
    reports = []

    def worker():
        barrier.wait()
        reports.append(deliver_pending(engine, smtp_config=config))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    reports.append(deliver_pending(engine, smtp_config=config))  # and once more afterwards

    assert sum(r.sent for r in reports) == 30
    assert sum(r.retried + r.failed for r in reports) == 0
    assert len(inbox.messages) == 30
    assert len(set(inbox.message_ids())) == 30
    assert sorted(rcpt[0] for rcpt, _ in inbox.messages) == sorted(
        f"eleve{i}@exemple.fr" for i in range(30)
    )
    assert {(m.status, m.attempts) for m in outbox(engine)} == {(MailStatus.SENT.value, 1)}


def test_a_crash_between_send_and_mark_resends_once_after_the_lease(engine, smtp, monkeypatch):
    """At-least-once: the mail was accepted by the server but the worker died before marking it.
    Other passes leave it alone during the lease, then send it again with the same Message-ID."""
    inbox, server, config = smtp
    server.start()
    with Session(engine) as s:
        queue_mail(s, to="camille@exemple.fr", subject="Accès ouvert", body="Bonjour", kind="test")
        s.commit()

    real_finish = mail_service._finish

    def crash(engine_, mail_id, token, **values):
        if values.get("status") == MailStatus.SENT.value:
            raise RuntimeError("le processus s'arrête")
        return real_finish(engine_, mail_id, token, **values)

    monkeypatch.setattr(mail_service, "_finish", crash)
    with pytest.raises(RuntimeError):
        deliver_pending(engine, smtp_config=config)
    monkeypatch.setattr(mail_service, "_finish", real_finish)
    assert len(inbox.messages) == 1

    assert deliver_pending(engine, smtp_config=config).sent == 0  # claimed: left alone
    after_lease = utcnow() + mail_service.CLAIM_LEASE + dt.timedelta(seconds=1)
    assert deliver_pending(engine, smtp_config=config, now=after_lease).sent == 1
    assert len(inbox.messages) == 2
    assert inbox.message_ids()[0] == inbox.message_ids()[1]
    [row] = outbox(engine)
    assert (row.status, row.attempts) == (MailStatus.SENT.value, 2)


def test_queueing_the_same_notification_twice_makes_one_mail(engine, smtp):
    inbox, server, config = smtp
    server.start()
    with Session(engine) as s:
        for _ in range(2):
            queue_mail(
                s,
                to="camille@exemple.fr",
                subject="Une fois",
                body="Bonjour",
                kind="test",
                dedupe_key="test:once",
            )
            s.commit()
    assert deliver_pending(engine, smtp_config=config).sent == 1
    assert len(inbox.messages) == 1


# ---------------------------------------------------------------------------------------------
# The app's background sender
# ---------------------------------------------------------------------------------------------


def test_background_sender_survives_errors_and_does_nothing_without_smtp(monkeypatch):

    calls = []

    def flaky(engine, **_):
        calls.append(engine)
        if len(calls) == 1:
            raise RuntimeError("base de données indisponible")
        return mail_service.DeliveryReport(sent=1)

    monkeypatch.setattr(mail_service, "deliver_pending", flaky)
    monkeypatch.setattr(mail_service.settings, "SMTP_HOST", "")
    asyncio.run(asyncio.wait_for(mail_service.run_mail_sender(interval=0.01, engine="db"), 1))
    assert calls == []  # embedded default: returns at once, sends nothing

    monkeypatch.setattr(mail_service.settings, "SMTP_HOST", "127.0.0.1")

    async def run_a_while():
        task = asyncio.create_task(mail_service.run_mail_sender(interval=0.01, engine="db"))
        while len(calls) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(run_a_while(), 5))
    assert calls[:3] == ["db", "db", "db"]  # the error was logged and the loop went on
