"""The admin mailbox lists queued mails newest first with their links; nobody else may read it."""

import pytest

from stages_app.models import OutboxMail
from stages_app.services.access import Viewer
from stages_app.services.errors import PermissionDenied
from stages_app.services.mail import queue_mail
from stages_app.services.mailbox import list_mails

ADMIN = Viewer(1, "admin", "admin@x.fr", "Camille", "Roux")


def test_admin_sees_mails_newest_first_with_links(session):
    queue_mail(
        session,
        to="ce.0931234a@ac-creteil.fr",
        subject="Confirmez",
        kind="confirm",
        body="Ouvrez ce lien : /confirmer-email?jeton=abc_DEF-123 pour activer.",
    )
    queue_mail(
        session,
        to="karim@ac-creteil.fr",
        subject="Invitation",
        kind="invite",
        body="Lien : http://localhost:3000/inscription/invitation?jeton=xyz",
    )
    session.commit()
    rows, total = list_mails(session, ADMIN)
    assert total == 2
    assert [r.subject for r in rows] == ["Invitation", "Confirmez"]
    assert rows[1].links == ["/confirmer-email?jeton=abc_DEF-123"]
    assert rows[0].links == ["http://localhost:3000/inscription/invitation?jeton=xyz"]
    rows, total = list_mails(session, ADMIN, to="CE.0931")
    assert total == 1 and rows[0].subject == "Confirmez"


@pytest.mark.parametrize("role", ["principal", "teacher", "staff", "student", "employer"])
def test_nobody_else_reads_the_mailbox(session, role):
    session.add(OutboxMail(to_email="a@b.fr", subject="s", body="b"))
    session.commit()
    with pytest.raises(PermissionDenied):
        list_mails(session, Viewer(2, role, "x@y.fr", "A", "B"))


def test_forged_page_numbers_are_clamped(session):
    rows, total = list_mails(session, ADMIN, page=-5)
    assert rows == [] and total == 0
    list_mails(session, ADMIN, page=10**12)
