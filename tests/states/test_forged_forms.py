"""Forms posted by a forged websocket call may be anything (a list, None, a number): every form
handler answers with a French message, never an exception."""

from __future__ import annotations

from stages_app.models import Role
from stages_app.services import accounts
from stages_app.states.admin import MailboxState
from stages_app.states.login import LoginState, SignupState
from tests.states.conftest import call, make_state
from tests.states.helpers import unchanged
from tests.unit.account_helpers import PASSWORD

NOT_FORMS = [["email", "x"], None, "email=x", 42, True]


def test_login_and_signup_forms_that_are_not_dicts(db_session):
    with unchanged(db_session):
        for form in NOT_FORMS:
            state = make_state(LoginState, "/connexion")
            assert call(state, LoginState.submit, form) is None
            assert state.error == "Indiquez votre adresse e-mail et votre mot de passe."
            for handler in (
                SignupState.signup_student,
                SignupState.signup_employer,
                SignupState.signup_staff,
                SignupState.signup_principal,
            ):
                signup = make_state(SignupState, "/inscription")
                assert call(signup, handler, form) is None
                assert signup.error and signup.token == "", (handler, form)


def test_admin_mailbox_filter_that_is_not_a_dict(db_session):
    user = accounts.create_user(
        db_session,
        email="admin@stages3e.fr",
        password=PASSWORD,
        role=Role.ADMIN.value,
        first_name="Ada",
        last_name="Admin",
    )
    db_session.commit()
    token = accounts.open_session(db_session, user.id)
    for form in NOT_FORMS:
        state = make_state(MailboxState, "/admin/courriels", token)
        assert call(state, MailboxState.filter, form) is None
        assert state.recipient == "" and state.mails == []
