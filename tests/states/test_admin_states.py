"""Admin mailbox handlers re-check the role on every call."""

from stages_app.models import Role
from stages_app.services import accounts
from stages_app.services.mail import queue_mail
from stages_app.states.admin import MailboxState
from tests.states.conftest import call, make_state, redirect_target
from tests.unit.account_helpers import PASSWORD


def _user(session, role, email):
    user = accounts.create_user(
        session, email=email, password=PASSWORD, role=role, first_name="Camille", last_name="Roux"
    )
    session.commit()
    return accounts.open_session(session, user.id)


def test_admin_reads_and_filters_the_mailbox(db_session):
    token = _user(db_session, Role.ADMIN.value, "admin@stages3e.fr")
    queue_mail(
        db_session, to="a@ac-creteil.fr", subject="Un", body="/confirmer-email?jeton=t1", kind="k"
    )
    queue_mail(db_session, to="b@ac-creteil.fr", subject="Deux", body="corps", kind="k")
    db_session.commit()
    state = make_state(MailboxState, "/admin/courriels", token)
    assert call(state, MailboxState.load) is None
    assert state.total == 2 and state.mails[0].subject == "Deux"
    call(state, MailboxState.filter, {"recipient": "a@"})
    assert [m.subject for m in state.mails] == ["Un"]
    call(state, MailboxState.go, "not a number")
    assert state.page == 1


def test_other_roles_and_anonymous_are_refused(db_session):
    token = _user(db_session, Role.EMPLOYER.value, "e@exemple.fr")
    queue_mail(db_session, to="a@b.fr", subject="Secret", body="jeton", kind="k")
    db_session.commit()
    state = make_state(MailboxState, "/admin/courriels", token)
    assert redirect_target(call(state, MailboxState.go, 1)) == "/acces-refuse"
    assert state.mails == []
    anon = make_state(MailboxState, "/admin/courriels", "")
    assert redirect_target(call(anon, MailboxState.filter, {"recipient": ""})).startswith(
        "/connexion"
    )
    assert anon.mails == []
