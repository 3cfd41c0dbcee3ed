"""Login, logout, page guards and sign-up forms, through the state handlers themselves
(as a forged websocket call would reach them)."""

from __future__ import annotations

from sqlmodel import select

from stages_app.models import AuthSession, Organisation, PupilProfile, Role, User
from stages_app.services import accounts, signup
from stages_app.states.auth import AuthState
from stages_app.states.employer import EmployerOffersState
from stages_app.states.home import SchoolHomeState, StudentHomeState
from stages_app.states.login import LoginState, SignupState
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import world_fixture  # noqa: F401 - the ``world`` fixture
from tests.unit.account_helpers import PASSWORD, make_class, make_school


def _employer(session, email="contact@boulangerie-dupont.fr"):
    return signup.signup_employer(
        session,
        organisation_name="Boulangerie Dupont",
        kind="entreprise",
        siret="",
        first_name="Marie",
        last_name="Dupont",
        phone="",
        email=email,
        password=PASSWORD,
    )


def _student(session, code="3B-K7Q2"):
    return signup.signup_student(
        session,
        class_code=code,
        first_name="Inès",
        last_name="Benali",
        email="ines.benali@exemple.fr",
        password=PASSWORD,
    )


def _token(session, user) -> str:
    return accounts.open_session(session, user.id)


def test_login_sets_token_and_goes_to_the_role_home(db_session):
    _employer(db_session)
    state = make_state(LoginState, "/connexion")
    result = call(
        state, LoginState.submit, {"email": " Contact@Boulangerie-Dupont.FR ", "password": PASSWORD}
    )
    assert state.error == ""
    assert redirect_target(result) == "/employeur"
    assert state.token and state.user_role == "employer"
    assert accounts.user_for_token(db_session, state.token).email == "contact@boulangerie-dupont.fr"


def test_login_keeps_the_requested_page_when_allowed(db_session):
    _employer(db_session)
    state = make_state(LoginState, "/connexion?suite=/admin")
    result = call(
        state, LoginState.submit, {"email": "contact@boulangerie-dupont.fr", "password": PASSWORD}
    )
    assert redirect_target(result) == "/employeur"  # an employer may not open /admin


def test_wrong_password_gives_a_french_message_and_no_token(db_session):
    _employer(db_session)
    state = make_state(LoginState, "/connexion")
    result = call(
        state,
        LoginState.submit,
        {"email": "contact@boulangerie-dupont.fr", "password": "mauvais mot de passe"},
    )
    assert result is None
    assert state.error == "E-mail ou mot de passe incorrect."
    assert state.token == ""


def test_forged_form_values_do_not_crash(db_session):
    state = make_state(LoginState, "/connexion")
    call(state, LoginState.submit, {"email": ["x"], "password": {"a": 1}})
    assert state.error  # a French message, no exception
    call(state, LoginState.submit, {})
    assert state.error == "Indiquez votre adresse e-mail et votre mot de passe."


def test_guard_sends_anonymous_visitors_to_login(db_engine):
    state = make_state(AuthState, "/eleve")
    result = call(state, AuthState.check_access)
    assert redirect_target(result) == "/connexion?suite=/eleve"
    assert state.access_checked is False


def test_guard_sends_the_wrong_role_to_403(db_session):
    token = _token(db_session, _employer(db_session))
    for path in ("/eleve", "/etablissement", "/admin"):
        state = make_state(AuthState, path, token)
        assert redirect_target(call(state, AuthState.check_access)) == "/acces-refuse"
    state = make_state(AuthState, "/employeur", token)
    assert call(state, AuthState.check_access) is None
    assert state.access_checked is True and state.user_role == "employer"


def test_page_loaders_recheck_rights_even_when_called_directly(db_session):
    school = make_school(db_session)
    make_class(db_session, school)
    employer_token = _token(db_session, _employer(db_session))
    student_token = _token(db_session, _student(db_session))
    # an employer forging the pupil and school loaders
    st = make_state(StudentHomeState, "/eleve", employer_token)
    assert redirect_target(call(st, StudentHomeState.load)) == "/acces-refuse"
    assert st.school_name == ""
    sc = make_state(SchoolHomeState, "/etablissement", student_token)
    assert redirect_target(call(sc, SchoolHomeState.load)) == "/acces-refuse"
    assert sc.classes == []
    # no token at all
    em = make_state(EmployerOffersState, "/employeur", "")
    assert redirect_target(call(em, EmployerOffersState.load)).startswith("/connexion")
    assert em.rows == []
    # the right person sees their data
    st = make_state(StudentHomeState, "/eleve", student_token)
    assert call(st, StudentHomeState.load) is None
    assert st.class_name == "3e B" and st.access_open is False


def test_logout_revokes_the_session_server_side(db_session):
    token = _token(db_session, _employer(db_session))
    state = make_state(AuthState, "/employeur", token)
    call(state, AuthState.check_access)
    result = call(state, AuthState.logout)
    script = str(result)
    assert "sessionStorage.clear()" in script and "/connexion?deconnecte=1" in script
    assert state.token == "" and state.user_role == ""
    db_session.expire_all()
    assert accounts.user_for_token(db_session, token) is None
    row = db_session.exec(select(AuthSession)).one()
    assert row.revoked_at is not None


def test_student_signup_form_logs_in_to_the_waiting_page(db_session):
    school = make_school(db_session)
    make_class(db_session, school)
    state = make_state(SignupState, "/inscription/eleve")
    result = call(
        state,
        SignupState.signup_student,
        {
            "class_code": "3b-k7q2",
            "first_name": "Inès",
            "last_name": "Benali",
            "email": "ines.benali@exemple.fr",
            "password": PASSWORD,
        },
    )
    assert state.error == ""
    assert redirect_target(result) == "/eleve"
    assert state.user_role == Role.STUDENT.value
    assert db_session.exec(select(PupilProfile)).one().access_opened_at is None


def test_signup_form_errors_are_french_and_save_nothing(db_session):
    state = make_state(SignupState, "/inscription/employeur")
    result = call(
        state,
        SignupState.signup_employer,
        {
            "organisation_name": "<script>alert(1)</script>",
            "kind": "entreprise",
            "siret": "",
            "first_name": "Marie",
            "last_name": "Dupont",
            "phone": "",
            "email": "marie@exemple.fr",
            "password": PASSWORD,
        },
    )
    assert result is None and state.error and state.token == ""
    state2 = make_state(SignupState, "/inscription/employeur")
    call(
        state2,
        SignupState.signup_employer,
        {
            "organisation_name": "Boulangerie",
            "kind": "entreprise",
            "siret": "",
            "first_name": "Marie",
            "last_name": "Dupont",
            "phone": "",
            "email": "marie@exemple.fr",
            "password": "court",
        },
    )
    assert "12 caractères" in state2.error
    assert db_session.exec(select(User)).all() == []
    assert db_session.exec(select(Organisation)).all() == []


def test_the_header_says_what_each_person_is(db_session, world):
    """School staff by their function at the collège (a professeur principal is not just
    "Professeur"), everyone else by their role; nothing once logged out."""
    w, tok = world
    expected = {
        "principal_a": "Chef d'établissement",
        "pp_granted": "Professeur principal",
        "prof_granted": "Professeur",
        "cpe_granted": "CPE",
        "doc_pending": "Professeur documentaliste",
        "pupil_open": "Élève",
        "employer": "Employeur",
        "admin": "Administrateur",
    }
    for who, title in expected.items():
        state = make_state(AuthState, "/", tok[who])
        call(state, AuthState.check_access)
        assert state.user_title == title, who
    state = make_state(AuthState, "/", tok["pp_granted"])
    call(state, AuthState.check_access)
    call(state, AuthState.logout)
    assert state.user_title == ""
