"""School pages through their state handlers, as the principal, a teacher, a member of staff, or
an attacker calling the same handlers over the websocket with a wrong token or forged arguments.

World (tests.unit.school_helpers.build_world): school A (Collège Jean Moulin, Créteil) with its
principal Anne Ernaux, staff of every function granted / pending / revoked, classes 3e A (pupils
waiting, authorised, open; pp_granted is its professeur principal, prof_granted follows it),
3e B, 3e C (closed), 3e D (empty); school B (Collège Victor Hugo, Paris) with its own principal,
CPE, teacher and pupil; an employer and a platform admin."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from stages_app.models import (
    ClassFollow,
    InternshipWeek,
    Invitation,
    PupilProfile,
    School,
    SchoolClass,
    StaffMembership,
    User,
)
from stages_app.services import accounts
from stages_app.services.calendar import monday_of, school_year_of
from stages_app.services.schools import paris_today
from stages_app.states.class_page import ClassPageState
from stages_app.states.home import SchoolHomeState
from stages_app.states.login import SignupState
from stages_app.states.school_picker import SchoolPickerState
from stages_app.states.school_settings import SchoolSettingsState
from stages_app.states.staff import InvitationSignupState, StaffState
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import (
    FORBIDDEN,
    FORGED_IDS,
    assert_nothing_private,
    assert_refused_and_unchanged,
    forged,
    refused,
    unchanged,
    world_fixture,  # noqa: F401 - the ``world`` fixture
)
from tests.unit.account_helpers import PASSWORD
from tests.unit.school_helpers import snapshot

SETTINGS = "/etablissement/parametres"
STAFF = "/etablissement/personnels"
HOME = "/etablissement"


def _class_page(class_id) -> str:
    return f"/etablissement/classe?id={class_id}"


def _future_period(taken: set[dt.date]) -> tuple[dt.date, dt.date]:
    """Two consecutive upcoming Mondays of one school year, not yet declared."""
    first = monday_of(paris_today()) + dt.timedelta(weeks=2)
    while True:
        last = first + dt.timedelta(weeks=1)
        if (
            first not in taken
            and last not in taken
            and school_year_of(first) == school_year_of(last + dt.timedelta(days=4))
        ):
            return first, last
        first += dt.timedelta(weeks=1)


def _row(session, model, row_id):
    session.expire_all()
    return session.get(model, row_id)


# ---------------------------------------------------------------------------------------------
# School settings (principal)
# ---------------------------------------------------------------------------------------------


def test_principal_manages_classes_from_the_settings_page(db_session, world):
    w, tok = world
    state = make_state(SchoolSettingsState, SETTINGS, tok["principal_a"])
    assert call(state, SchoolSettingsState.load) is None
    assert state.school_name == "Collège Jean Moulin"
    assert [c.name for c in state.classes] == ["3e A", "3e B", "3e C", "3e D"]

    call(state, SchoolSettingsState.create_class, {"class_name": "  3e   E "})
    assert (state.error, state.message) == ("", "Classe « 3e E » créée.")
    new = next(c for c in state.classes if c.name == "3e E")
    assert len(new.join_code) == 6 and new.access_open

    call(state, SchoolSettingsState.rename_class, {"class_id": str(new.id), "new_name": "3e F"})
    assert state.message == "Classe renommée « 3e F »."
    assert _row(db_session, SchoolClass, new.id).name == "3e F"

    call(state, SchoolSettingsState.set_class_access, new.id, False)
    assert state.message == "Accès de la classe fermé."
    assert _row(db_session, SchoolClass, new.id).access_open is False
    assert next(c for c in state.classes if c.id == new.id).access_open is False

    old_code = new.join_code
    call(state, SchoolSettingsState.regenerate_code, new.id)
    code = _row(db_session, SchoolClass, new.id).join_code
    assert code != old_code and state.message == f"Nouveau code de classe : {code}."

    call(state, SchoolSettingsState.delete_class, new.id)
    assert state.message == "Classe supprimée."
    assert _row(db_session, SchoolClass, new.id) is None
    assert "3e F" not in [c.name for c in state.classes]
    assert_nothing_private(state, db_session, school_id=w.schools["school_a"].id)


def test_duplicate_or_bad_class_names_are_refused_in_french(db_session, world):
    w, tok = world
    state = make_state(SchoolSettingsState, SETTINGS, tok["principal_a"])
    before = snapshot(db_session)
    for form, expected in [
        ({"class_name": "3E a"}, "Une classe « 3E a » existe déjà dans votre collège."),
        ({"class_name": ""}, "Indiquez le nom de la classe (par exemple « 3e B »)."),
        ({}, "Indiquez le nom de la classe (par exemple « 3e B »)."),
        (
            {"class_name": "x" * 10_000},
            "Le nom de la classe est trop long (40 caractères au plus).",
        ),
        (
            {"class_name": "<script>"},
            "Le nom de la classe ne peut pas contenir les caractères < et >.",
        ),
        ({"class_name": ["3e Z"]}, "Indiquez le nom de la classe (par exemple « 3e B »)."),
        ({"class_name": {"name": "3e Z"}}, "Indiquez le nom de la classe (par exemple « 3e B »)."),
        (["class_name", "3e Z"], "Indiquez le nom de la classe (par exemple « 3e B »)."),
        (None, "Indiquez le nom de la classe (par exemple « 3e B »)."),
    ]:
        assert call(state, SchoolSettingsState.create_class, form) is None
        assert (state.error, state.message) == (expected, ""), form
    klass = w.classes["class_b"]
    call(state, SchoolSettingsState.rename_class, {"class_id": klass.id, "new_name": "3e a"})
    assert state.error == "Une classe « 3e a » existe déjà dans votre collège."
    assert snapshot(db_session) == before


def test_a_class_with_pupils_cannot_be_deleted(db_session, world):
    w, tok = world
    state = make_state(SchoolSettingsState, SETTINGS, tok["principal_a"])
    before = snapshot(db_session)
    call(state, SchoolSettingsState.delete_class, w.classes["class_a"].id)
    assert state.error.startswith("La classe « 3e A » compte 3 élèves inscrits : elle ne peut pas")
    assert snapshot(db_session) == before


def test_principal_declares_weeks_and_opens_national_search(db_session, world):
    w, tok = world
    state = make_state(SchoolSettingsState, SETTINGS, tok["principal_a"])
    call(state, SchoolSettingsState.load)
    first, last = _future_period({w.weeks["week_a"].week_start})
    call(
        state,
        SchoolSettingsState.add_period,
        {
            "first_monday": first.isoformat(),
            "last_monday": (last + dt.timedelta(days=2)).isoformat(),
        },
    )
    assert (state.error, state.message) == ("", "2 semaine(s) de stage ajoutée(s).")
    period = next(p for p in state.periods if p.first_monday == first)
    assert period.last_monday == last and len(period.weeks) == 2

    call(state, SchoolSettingsState.remove_week, period.weeks[1].id)
    assert state.message == "Semaine retirée."
    assert _row(db_session, InternshipWeek, period.weeks[1].id) is None

    call(state, SchoolSettingsState.set_national_search, True)
    assert state.message == "La recherche est ouverte à toute la France."
    assert state.national_search is True
    assert "Anne Ernaux" in state.national_search_info
    assert _row(db_session, School, w.schools["school_a"].id).national_search is True
    # anything but the boolean true closes it again (a forged "true" string opens nothing)
    call(state, SchoolSettingsState.set_national_search, "true")
    assert state.message == "La recherche est limitée à 60 km autour du collège."
    assert _row(db_session, School, w.schools["school_a"].id).national_search is False


def test_forged_weeks_are_refused_in_french(db_session, world):
    w, tok = world
    year = school_year_of(paris_today())
    late_august = monday_of(dt.date(year + 1, 8, 27))
    state = make_state(SchoolSettingsState, SETTINGS, tok["principal_a"])
    before = snapshot(db_session)
    for form, fragment in [
        (
            {
                "first_monday": late_august.isoformat(),
                "last_monday": (late_august + dt.timedelta(weeks=1)).isoformat(),
            },
            "doit tenir dans une seule année scolaire",
        ),
        ({"first_monday": "2019-01-07"}, "est déjà passée"),
        ({"first_monday": dt.date(year + 5, 1, 11).isoformat()}, "année scolaire en cours"),
        ({"first_monday": "2027-02-01", "last_monday": "2027-01-04"}, "doit être la même que"),
        ({"first_monday": "2027-01-04", "last_monday": "2027-06-28"}, "au plus 4 semaines"),
        ({"first_monday": w.weeks["week_a"].week_start.isoformat()}, "est déjà déclarée"),
        ({"first_monday": "demain"}, "n'est pas une date valide"),
        ({"first_monday": "9999-99-99"}, "n'est pas une date valide"),
        ({"first_monday": ["2027-01-04"]}, "n'est pas une date valide"),
        ({"first_monday": {"y": 2027}}, "n'est pas une date valide"),
        ({}, "n'est pas une date valide"),
        ("2027-01-04", "n'est pas une date valide"),
    ]:
        assert call(state, SchoolSettingsState.add_period, form) is None
        assert fragment in state.error and state.message == "", (form, state.error)
    assert snapshot(db_session) == before


SETTINGS_CALLS = [
    (SchoolSettingsState.create_class, ({"class_name": "3e Pirate"},)),
    (SchoolSettingsState.add_period, ({"first_monday": "2027-03-01"},)),
    (SchoolSettingsState.set_national_search, (True,)),
]


def _settings_calls_on(w):
    klass, week = w.classes["class_d"].id, w.weeks["week_a"].id
    return SETTINGS_CALLS + [
        (SchoolSettingsState.rename_class, ({"class_id": str(klass), "new_name": "3e Pirate"},)),
        (SchoolSettingsState.delete_class, (klass,)),
        (SchoolSettingsState.set_class_access, (klass, False)),
        (SchoolSettingsState.regenerate_code, (klass,)),
        (SchoolSettingsState.remove_week, (week,)),
    ]


def _logged_out_token(session, user_id) -> str:
    token = accounts.open_session(session, user_id)
    accounts.logout(session, token)
    return token


def test_settings_handlers_refuse_everyone_but_the_principal(db_session, world):
    w, tok = world
    people = {
        who: tok[who]
        for who in (
            "pp_granted",
            "cpe_granted",
            "prof_revoked",
            "cpe_disabled",
            "employer",
            "pupil_open",
            "admin",
        )
    }
    people["anonymous"] = ""
    people["garbage token"] = "x" * 5000
    people["logged out principal"] = _logged_out_token(db_session, w.uid("principal_a"))
    with unchanged(db_session):
        for who, token in people.items():
            for handler, args in [(SchoolSettingsState.load, ()), *_settings_calls_on(w)]:
                state = forged(SchoolSettingsState, SETTINGS, token, handler, *args)
                assert state.classes == [] and state.school_name == "", who


def test_another_schools_principal_cannot_touch_our_classes_or_weeks(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for handler, args in _settings_calls_on(w)[3:]:
            state = forged(SchoolSettingsState, SETTINGS, tok["principal_b"], handler, *args)
            assert "Jean Moulin" not in str(state.dict())


def test_forged_ids_on_the_settings_page_change_nothing(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for bad in FORGED_IDS:
            for handler, args in [
                (SchoolSettingsState.rename_class, ({"class_id": bad, "new_name": "3e Z"},)),
                (SchoolSettingsState.delete_class, (bad,)),
                (SchoolSettingsState.set_class_access, (bad, True)),
                (SchoolSettingsState.regenerate_code, (bad,)),
                (SchoolSettingsState.remove_week, (bad,)),
            ]:
                state = forged(SchoolSettingsState, SETTINGS, tok["principal_a"], handler, *args)
                assert "introuvable" in state.error, (bad, handler)


def test_rename_with_a_forged_form_does_not_crash(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for form in [["class_id", 1], None, "3e Z", 42, {"class_id": {"x": 1}}]:
            forged(
                SchoolSettingsState,
                SETTINGS,
                tok["principal_a"],
                SchoolSettingsState.rename_class,
                form,
            )


def test_principal_designates_a_professeur_principal(db_session, world):
    w, tok = world
    state = make_state(SchoolSettingsState, SETTINGS, tok["principal_a"])
    call(state, SchoolSettingsState.load)
    assert (str(w.uid("prof_other")), "Paul Autre (Professeur)") in state.teacher_options
    assert all(uid != str(w.uid("prof_b")) for uid, _ in state.teacher_options)
    klass = w.classes["class_d"].id
    call(
        state,
        SchoolSettingsState.set_main_teacher,
        {"class_id": str(klass), "teacher_id": str(w.uid("prof_other"))},
    )
    assert (state.error, state.message) == (
        "",
        "Paul Autre est professeur principal de la classe 3e D.",
    )
    assert _row(db_session, SchoolClass, klass).main_teacher_id == w.uid("prof_other")
    call(state, SchoolSettingsState.set_main_teacher, {"class_id": str(klass), "teacher_id": ""})
    assert state.message == "La classe 3e D n'a plus de professeur principal."
    assert _row(db_session, SchoolClass, klass).main_teacher_id is None


def test_forged_professeur_principal_designations_change_nothing(db_session, world):
    w, tok = world
    klass_a, klass_b1 = str(w.classes["class_a"].id), str(w.classes["class_b1"].id)
    with unchanged(db_session):
        # a teacher of another school, a revoked or pending one, a CPE, a pupil, garbage
        for teacher in ("prof_b", "prof_revoked", "pp_pending", "cpe_granted", "pupil_open"):
            forged(
                SchoolSettingsState,
                SETTINGS,
                tok["principal_a"],
                SchoolSettingsState.set_main_teacher,
                {"class_id": klass_a, "teacher_id": str(w.uid(teacher))},
            )
        for teacher_id in ("abc", "-1", "0", "99999999999", ["1"], {"a": 1}, True):
            state = forged(
                SchoolSettingsState,
                SETTINGS,
                tok["principal_a"],
                SchoolSettingsState.set_main_teacher,
                {"class_id": klass_a, "teacher_id": teacher_id},
            )
            if isinstance(teacher_id, str):  # a forged text must not mean "— Aucun —"
                assert state.error == (
                    "Choisissez un professeur du collège dont les droits sont accordés."
                ), teacher_id
        for form in (["class_id", klass_a], None, {"class_id": [klass_a], "teacher_id": ""}):
            forged(
                SchoolSettingsState,
                SETTINGS,
                tok["principal_a"],
                SchoolSettingsState.set_main_teacher,
                form,
            )
        # another school's principal, on our class and with our teacher
        for who in ("principal_b", "pp_granted", "anonymous"):
            forged(
                SchoolSettingsState,
                SETTINGS,
                "" if who == "anonymous" else tok[who],
                SchoolSettingsState.set_main_teacher,
                {"class_id": klass_a, "teacher_id": str(w.uid("prof_other"))},
            )
        forged(
            SchoolSettingsState,
            SETTINGS,
            tok["principal_a"],
            SchoolSettingsState.set_main_teacher,
            {"class_id": klass_b1, "teacher_id": str(w.uid("prof_other"))},
        )
    assert _row(db_session, SchoolClass, w.classes["class_a"].id).main_teacher_id == w.uid(
        "pp_granted"
    )


# ---------------------------------------------------------------------------------------------
# Staff page and invitation sign-up
# ---------------------------------------------------------------------------------------------


def test_principal_invites_and_the_invited_teacher_signs_up_and_is_logged_in(db_session, world):
    w, tok = world
    state = make_state(StaffState, STAFF, tok["principal_a"])
    assert call(state, StaffState.load) is None
    assert {m.email for m in state.members} >= {
        "ce.0931234a@ac-creteil.fr",
        "pp.granted@ac-creteil.fr",
    }
    assert (str(w.classes["class_d"].id), "3e D") in state.class_options
    assert_nothing_private(state, db_session, school_id=w.schools["school_a"].id)

    call(
        state,
        StaffState.invite,
        {
            "email": " Marie.Curie@AC-Creteil.fr ",
            "function": "professeur_principal",
            "class_id": str(w.classes["class_d"].id),
        },
    )
    assert state.error == ""
    assert state.message == (
        "Invitation envoyée à marie.curie@ac-creteil.fr. Le lien est valable 7 jours."
    )
    assert "marie.curie@ac-creteil.fr" in [i.email for i in state.invitations]
    token = state.last_link.split("jeton=", 1)[1]
    assert (
        db_session.exec(select(Invitation).where(Invitation.email == "marie.curie@ac-creteil.fr"))
        .one()
        .token_hash
        != token
    )

    signup = make_state(InvitationSignupState, f"/inscription/invitation?jeton={token}")
    call(signup, InvitationSignupState.load)
    assert signup.valid and signup.problem == ""
    assert (signup.school_name, signup.email, signup.class_name, signup.inviter_name) == (
        "Collège Jean Moulin",
        "marie.curie@ac-creteil.fr",
        "3e D",
        "Anne Ernaux",
    )
    assert_nothing_private(signup, db_session)

    result = call(
        signup,
        InvitationSignupState.submit,
        {"first_name": "Marie", "last_name": "Curie", "password": PASSWORD},
    )
    assert signup.error == ""
    assert redirect_target(result) == HOME
    assert signup.user_role == "teacher" and signup.token
    user = accounts.user_for_token(db_session, signup.token)
    assert user.email == "marie.curie@ac-creteil.fr"
    db_session.expire_all()
    assert db_session.get(SchoolClass, w.classes["class_d"].id).main_teacher_id == user.id

    home = make_state(SchoolHomeState, HOME, signup.token)
    call(home, SchoolHomeState.load)
    assert [c.name for c in home.classes] == ["3e D"] and home.classes[0].is_main

    # the link works once
    again = make_state(InvitationSignupState, f"/inscription/invitation?jeton={token}")
    call(again, InvitationSignupState.load)
    assert again.valid is False and again.problem
    before = snapshot(db_session)
    call(
        again,
        InvitationSignupState.submit,
        {"first_name": "Eve", "last_name": "Pirate", "password": PASSWORD},
    )
    assert again.error and again.token == ""
    assert snapshot(db_session) == before


def test_bad_invitation_links_show_a_french_problem(db_session, world):
    # "jeton-invitation-de-test" is the world's invitation: real, but expired by now
    with unchanged(db_session):
        for query in [
            "",
            "?jeton=",
            "?jeton=inconnu",
            "?jeton=" + "x" * 5000,
            "?jeton=jeton-invitation-de-test",
        ]:
            state = make_state(InvitationSignupState, "/inscription/invitation" + query)
            call(state, InvitationSignupState.load)
            assert state.valid is False and state.problem and state.email == "", query
            for form in [
                {"first_name": "Eve", "last_name": "Pirate", "password": PASSWORD},
                ["x"],
                None,
            ]:
                assert call(state, InvitationSignupState.submit, form) is None
                assert state.error and state.token == "" and state.user_role == ""


def test_invitation_signup_with_a_weak_password_saves_nothing(db_session, world):
    w, tok = world
    staff_state = make_state(StaffState, STAFF, tok["principal_a"])
    call(staff_state, StaffState.invite, {"email": "doc2@ac-creteil.fr", "function": "cpe"})
    token = staff_state.last_link.split("jeton=", 1)[1]
    state = make_state(InvitationSignupState, f"/inscription/invitation?jeton={token}")
    before = snapshot(db_session)
    for form in [
        {"first_name": "Léa", "last_name": "Doc", "password": "court"},
        {"first_name": "Léa", "last_name": "Doc", "password": ["x" * 40]},
        {"first_name": "", "last_name": "", "password": PASSWORD},
    ]:
        assert call(state, InvitationSignupState.submit, form) is None
        assert state.error and state.token == ""
    assert snapshot(db_session) == before


def test_principal_grants_changes_and_revokes_rights(db_session, world):
    w, tok = world
    state = make_state(StaffState, STAFF, tok["principal_a"])
    call(state, StaffState.load)
    pending = w.memberships["pp_pending"]
    call(state, StaffState.grant, pending.id)
    assert state.error == ""
    assert state.message.startswith("Droits accordés à Prénom Pp pending (Professeur principal).")
    assert _row(db_session, StaffMembership, pending.id).status == "granted"
    assert next(m for m in state.members if m.membership_id == pending.id).status == "granted"

    cpe = w.memberships["cpe_granted"]
    call(state, StaffState.change_function, {"membership_id": str(cpe.id), "function": "psy_en"})
    assert (
        state.message == "Prénom Cpe granted est maintenant : Psychologue de l'Éducation nationale."
    )
    assert _row(db_session, StaffMembership, cpe.id).function == "psy_en"

    prof = w.memberships["prof_granted"]
    call(state, StaffState.revoke, prof.id)
    assert state.message == "Les droits de Prénom Prof granted sont retirés."
    assert _row(db_session, StaffMembership, prof.id).status == "revoked"

    # the revoked teacher loses access at their very next action, page already open
    home = make_state(SchoolHomeState, HOME, tok["prof_granted"])
    call(home, SchoolHomeState.load)
    assert home.rights_status == "revoked" and home.classes == []
    before = snapshot(db_session)
    call(home, SchoolHomeState.follow, w.classes["class_b"].id)
    assert home.error.startswith("Vos droits d'accès à ce collège ont été retirés")
    assert snapshot(db_session) == before

    inv = w.invitations["inv_a"]
    call(state, StaffState.cancel_invitation, inv.id)
    assert state.message == "Invitation annulée."
    assert _row(db_session, Invitation, inv.id).cancelled_at is not None


def test_invitation_errors_are_french_and_save_nothing(db_session, world):
    w, tok = world
    state = make_state(StaffState, STAFF, tok["principal_a"])
    before = snapshot(db_session)
    for form, fragment in [
        ({"email": "pirate@gmail.com", "function": "cpe"}, "@ac-creteil.fr"),
        ({"email": "x@ac-creteil.fr", "function": "principal"}, ""),
        ({"email": "x@ac-creteil.fr", "function": "roi"}, ""),
        ({"email": "x@ac-creteil.fr", "function": "professeur_principal"}, "Choisissez la classe"),
        (
            {
                "email": "x@ac-creteil.fr",
                "function": "professeur",
                "class_id": str(w.classes["class_b1"].id),
            },
            "classe de votre collège",
        ),
        (
            {"email": "x@ac-creteil.fr", "function": "professeur_principal", "class_id": "abc"},
            "Choisissez la classe",
        ),
        (
            {"email": "x@ac-creteil.fr", "function": "professeur_principal", "class_id": ["1"]},
            "Choisissez la classe",
        ),
        ({"email": "pp.granted@ac-creteil.fr", "function": "cpe"}, "a déjà un compte"),
        ({"email": "cpe.b@ac-paris.fr", "function": "cpe"}, "@ac-creteil.fr"),
        ({"email": ["x@ac-creteil.fr"], "function": "cpe"}, ""),
        ({"email": "x@ac-creteil.fr" * 100, "function": "cpe"}, ""),
        (["email", "x@ac-creteil.fr"], ""),
        (None, ""),
    ]:
        assert call(state, StaffState.invite, form) is None
        assert fragment in state.error and state.message == "" and state.last_link == "", form
    assert snapshot(db_session) == before


def test_staff_handlers_refuse_everyone_but_their_principal(db_session, world):
    w, tok = world
    pending, granted = w.memberships["prof_pending"].id, w.memberships["cpe_granted"].id
    calls = [
        (StaffState.grant, (pending,)),
        (StaffState.revoke, (granted,)),
        (StaffState.change_function, ({"membership_id": granted, "function": "professeur"},)),
        (StaffState.cancel_invitation, (w.invitations["inv_a"].id,)),
    ]
    own_page = [
        (StaffState.load, ()),
        (StaffState.invite, ({"email": "x@ac-creteil.fr", "function": "cpe"},)),
    ]
    with unchanged(db_session):
        for who in (
            "principal_b",
            "pp_granted",
            "cpe_granted",
            "employer",
            "pupil_open",
            "admin",
            "anonymous",
        ):
            token = "" if who == "anonymous" else tok[who]
            # another principal loading or inviting for their own school is legitimate
            for handler, args in calls + (own_page if who != "principal_b" else []):
                state = forged(StaffState, STAFF, token, handler, *args)
                assert state.members == [] and state.invitations == [], who
                assert state.last_link == ""


def test_the_principal_cannot_manage_principals_or_other_schools_members(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for membership in ("principal_a", "principal_b", "cpe_b"):
            mid = w.memberships[membership].id
            for handler in (StaffState.grant, StaffState.revoke):
                forged(StaffState, STAFF, tok["principal_a"], handler, mid)
            forged(
                StaffState,
                STAFF,
                tok["principal_a"],
                StaffState.change_function,
                {"membership_id": mid, "function": "cpe"},
            )


def test_forged_ids_on_the_staff_page_change_nothing(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for bad in FORGED_IDS:
            for handler, args in [
                (StaffState.grant, (bad,)),
                (StaffState.revoke, (bad,)),
                (StaffState.cancel_invitation, (bad,)),
                (StaffState.change_function, ({"membership_id": bad, "function": "cpe"},)),
            ]:
                forged(StaffState, STAFF, tok["principal_a"], handler, *args)
        for form in [
            ["membership_id", 1],
            None,
            "cpe",
            {"membership_id": {"a": 1}},
            {"membership_id": w.memberships["cpe_granted"].id, "function": ["cpe"]},
        ]:
            forged(StaffState, STAFF, tok["principal_a"], StaffState.change_function, form)


# ---------------------------------------------------------------------------------------------
# School home: following classes
# ---------------------------------------------------------------------------------------------


def test_teacher_follows_a_class_and_sees_it_among_their_classes(db_session, world):
    w, tok = world
    state = make_state(SchoolHomeState, HOME, tok["prof_other"])
    assert call(state, SchoolHomeState.load) is None
    assert state.rights_status == "granted" and state.is_teacher
    assert state.classes == []
    assert {c.name for c in state.follow_choices} == {"3e A", "3e B", "3e C", "3e D"}

    klass = w.classes["class_b"]
    call(state, SchoolHomeState.follow, klass.id)
    assert (state.error, state.message) == ("", "Classe ajoutée à vos classes suivies.")
    assert [c.name for c in state.classes] == ["3e B"]
    assert state.classes[0].followed and state.classes[0].join_code == "BBBBB2"
    call(state, SchoolHomeState.follow, str(klass.id))  # twice: nothing more
    assert (
        len(
            db_session.exec(
                select(ClassFollow).where(ClassFollow.user_id == w.uid("prof_other"))
            ).all()
        )
        == 1
    )

    call(state, SchoolHomeState.unfollow, klass.id)
    assert state.message == "Vous ne suivez plus cette classe."
    assert state.classes == []
    assert_nothing_private(state, db_session, school_id=w.schools["school_a"].id)


def test_only_granted_teachers_of_the_school_follow_its_classes(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for who, expected in [
            ("prof_b", FORBIDDEN),
            ("principal_b", FORBIDDEN),
            ("employer", FORBIDDEN),
            ("pupil_open", FORBIDDEN),
            ("anonymous", "/connexion"),
            ("prof_revoked", "retirés"),
            ("prof_pending", "pas encore ouvert"),
            ("cpe_granted", FORBIDDEN),
            ("principal_a", FORBIDDEN),
        ]:
            token = "" if who == "anonymous" else tok[who]
            for handler in (SchoolHomeState.follow, SchoolHomeState.unfollow):
                state = make_state(SchoolHomeState, HOME, token)
                result = call(state, handler, w.classes["class_a"].id)
                assert state.classes == [] and state.message == "", who
                if expected.startswith("/"):
                    assert (redirect_target(result) or "").startswith(expected), who
                else:
                    assert expected in state.error, who


def test_forged_class_ids_to_follow_change_nothing(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for bad in FORGED_IDS + [10**6]:
            for handler in (SchoolHomeState.follow, SchoolHomeState.unfollow):
                forged(SchoolHomeState, HOME, tok["prof_other"], handler, bad)


def test_another_schools_class_id_cannot_be_followed(db_session, world):
    w, tok = world
    state = assert_refused_and_unchanged(
        db_session,
        SchoolHomeState,
        HOME,
        tok["prof_other"],
        SchoolHomeState.follow,
        w.classes["class_b1"].id,
    )
    assert "3e 1" not in str(state.dict())


def test_pending_staff_see_nothing_of_the_school(db_session, world):
    w, tok = world
    state = make_state(SchoolHomeState, HOME, tok["prof_pending"])
    call(state, SchoolHomeState.load)
    assert state.rights_status == "pending"
    assert state.classes == [] and state.follow_choices == [] and state.weeks == []
    assert_nothing_private(
        state, db_session, school_id=w.schools["school_a"].id, forbidden=("AAAAA2", "BBBBB2")
    )


# ---------------------------------------------------------------------------------------------
# Class page: authorisations and access
# ---------------------------------------------------------------------------------------------


def test_teacher_records_authorisations_and_opens_access(db_session, world):
    w, tok = world
    klass = w.classes["class_a"]
    state = make_state(ClassPageState, _class_page(klass.id), tok["prof_granted"])
    assert call(state, ClassPageState.load) is None
    assert state.error == ""
    assert (state.class_name, state.join_code, state.can_manage) == ("3e A", "AAAAA2", True)
    assert state.signup_link.endswith("?code=AAAAA2") and state.qr_code.startswith("data:image")
    assert {p.last_name for p in state.pupils} == {"Attente", "Autorisée", "Ouvert"}
    assert_nothing_private(
        state, db_session, school_id=w.schools["school_a"].id, forbidden=("bruno", "pupil.3eb")
    )

    waiting, authorised = w.uid("pupil_waiting"), w.uid("pupil_authorised")
    call(state, ClassPageState.toggle, waiting, True)
    call(state, ClassPageState.toggle, str(authorised), True)
    # pupils of another class or school, and garbage, are ignored by the checkbox handler
    for foreign in (
        w.uid("pupil_b"),
        w.uid("pupil_3eb"),
        w.uid("principal_a"),
        "abc",
        None,
        True,
        [waiting],
        {"id": waiting},
        -waiting,
    ):
        call(state, ClassPageState.toggle, foreign, True)
    assert sorted(state.selected) == sorted([waiting, authorised])
    assert state.selected_count == 2
    call(state, ClassPageState.toggle, authorised, False)
    assert state.selected == [waiting]

    today = paris_today()
    call(state, ClassPageState.set_received_on, today.isoformat())
    call(state, ClassPageState.record_authorisation)
    assert (state.error, state.message) == (
        "",
        "Autorisation parentale enregistrée pour 1 élève(s).",
    )
    assert (
        _row(db_session, PupilProfile, w.pupils["pupil_waiting"].id).authorisation_received_on
        == today
    )

    call(state, ClassPageState.open_access)
    assert state.message == "1 accès ouvert."
    assert _row(db_session, PupilProfile, w.pupils["pupil_waiting"].id).access_opened_at is not None
    assert next(p for p in state.pupils if p.pupil_user_id == waiting).status == "open"

    call(state, ClassPageState.withdraw_access, w.uid("pupil_open"))
    assert state.message == "Accès retiré."
    assert _row(db_session, PupilProfile, w.pupils["pupil_open"].id).access_opened_at is None

    result = call(state, ClassPageState.download_form)
    assert redirect_target(result) is None and state.error == ""


def test_bad_dates_and_empty_selection_are_refused_in_french(db_session, world):
    w, tok = world
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["pp_granted"])
    call(state, ClassPageState.load)
    before = snapshot(db_session)
    call(state, ClassPageState.record_authorisation)
    assert state.error == "Sélectionnez au moins un élève."
    call(state, ClassPageState.open_access)
    assert state.error == "Sélectionnez au moins un élève."
    call(state, ClassPageState.toggle, w.uid("pupil_waiting"), True)
    future = (paris_today() + dt.timedelta(days=3)).isoformat()
    for value, fragment in [
        (future, "dans le futur"),
        ("2001-09-01", "postérieure au"),
        ("hier", "pas une date valide"),
        (["2026-11-01"], "pas une date valide"),
        ({"d": 1}, "pas une date valide"),
        (None, "pas une date valide"),
    ]:
        call(state, ClassPageState.set_received_on, value)
        call(state, ClassPageState.record_authorisation)
        assert fragment in state.error and state.message == "", value
    assert snapshot(db_session) == before


def test_other_staff_see_the_class_but_cannot_change_it(db_session, world):
    w, tok = world
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["cpe_granted"])
    call(state, ClassPageState.load)
    assert state.class_name == "3e A" and len(state.pupils) == 3
    assert state.can_manage is False and state.join_code == "" and state.qr_code == ""
    call(state, ClassPageState.toggle, w.uid("pupil_authorised"), True)
    before = snapshot(db_session)
    for handler, args in [
        (ClassPageState.record_authorisation, ()),
        (ClassPageState.open_access, ()),
        (ClassPageState.withdraw_access, (w.uid("pupil_open"),)),
    ]:
        result = call(state, handler, *args)
        assert refused(result, state), handler
    assert snapshot(db_session) == before


def test_outsiders_get_nothing_of_a_class(db_session, world):
    w, tok = world
    path = _class_page(w.classes["class_a"].id)
    with unchanged(db_session):
        for who in (
            "principal_b",
            "prof_b",
            "prof_other",
            "pp_revoked",
            "prof_pending",
            "employer",
            "pupil_open",
            "admin",
            "anonymous",
        ):
            token = "" if who == "anonymous" else tok[who]
            state = forged(ClassPageState, path, token, ClassPageState.load)
            assert state.pupils == [] and state.class_name == "" and state.join_code == "", who
            assert state.qr_code == "" and state.signup_link == ""
            assert_nothing_private(state, db_session, forbidden=("AAAAA2", "Attente", "Ouvert"))
            # the class id stays in the state after a refused load: every action is refused
            for handler, args in [
                (ClassPageState.withdraw_access, (w.uid("pupil_open"),)),
                (ClassPageState.record_authorisation, ()),
                (ClassPageState.open_access, ()),
                (ClassPageState.download_scan, (w.uid("pupil_open"),)),
            ]:
                result = call(state, handler, *args)
                assert refused(result, state), (who, handler)
            result = call(state, ClassPageState.download_form)
            assert refused(result, state) and "download" not in repr(result), who


def test_a_teacher_revoked_while_the_page_is_open_can_no_longer_act(db_session, world):
    w, tok = world
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["prof_granted"])
    call(state, ClassPageState.load)
    call(state, ClassPageState.select_all, True)
    assert len(state.selected) == 3
    principal = make_state(StaffState, STAFF, tok["principal_a"])
    call(principal, StaffState.revoke, w.memberships["prof_granted"].id)
    before = snapshot(db_session)
    for handler, args in [
        (ClassPageState.record_authorisation, ()),
        (ClassPageState.open_access, ()),
        (ClassPageState.withdraw_access, (w.uid("pupil_open"),)),
        (ClassPageState.download_form, ()),
    ]:
        call(state, handler, *args)
        assert state.error.startswith("Vos droits d'accès à ce collège ont été retirés"), handler
    assert snapshot(db_session) == before


def test_forged_pupil_ids_on_the_class_page_change_nothing(db_session, world):
    w, tok = world
    path = _class_page(w.classes["class_a"].id)
    # pupils of another school, of a class the teacher does not follow, and a staff member
    others = [w.uid("pupil_b"), w.uid("pupil_3eb"), w.uid("principal_a")]
    with unchanged(db_session):
        for bad in FORGED_IDS + others:
            for handler in (ClassPageState.withdraw_access, ClassPageState.download_scan):
                result = call(make_state(ClassPageState, path, tok["prof_granted"]), handler, bad)
                assert "download" not in repr(result)
                forged(ClassPageState, path, tok["prof_granted"], handler, bad)


def test_forged_class_page_addresses_show_an_error(db_session, world):
    w, tok = world
    other = w.classes["class_b1"].id
    for query in [
        "",
        "?id=abc",
        "?id=-3",
        "?id=99999999999",
        "?id=0",
        "?id=%00",
        f"?id={other}",
        f"?id= {other} ",
    ]:
        state = make_state(ClassPageState, "/etablissement/classe" + query, tok["principal_a"])
        assert call(state, ClassPageState.load) is None
        assert state.error and state.pupils == [] and state.class_name == "", query
        assert state.join_code == "" and state.qr_code == ""


# ---------------------------------------------------------------------------------------------
# Public collège picker and staff sign-up naming a class
# ---------------------------------------------------------------------------------------------


def test_picker_finds_the_college_and_its_classes_without_private_data(db_session, world):
    w, _tok = world
    state = make_state(SchoolPickerState, "/inscription/personnel")
    call(state, SchoolPickerState.search_city, "auber")
    assert state.searched and [c.insee_code for c in state.communes] == ["93001"]
    call(state, SchoolPickerState.choose_commune, "93001")
    assert state.selected_uai == "0931234A"
    assert state.selected_principal_email == "ce.0931234a@ac-creteil.fr"
    assert [c.name for c in state.class_options] == ["3e A", "3e B", "3e C", "3e D"]
    # a collège or commune that was not offered is ignored
    call(state, SchoolPickerState.choose_college, "0751234B")
    assert state.selected_uai == "0931234A"
    call(state, SchoolPickerState.choose_commune, "75103")
    assert state.commune_insee == "93001"
    staff_emails = [u.email for k, u in w.users.items() if k != "principal_a"]
    assert_nothing_private(state, db_session, forbidden=tuple(staff_emails) + ("AAAAA2",))


def test_picker_ignores_forged_values(db_session, world):
    for value in [
        None,
        ["auber"],
        {"q": "auber"},
        93001,
        "a",
        "x" * 10_000,
        "%",
        "_",
        "' OR 1=1 --",
        "0931234A",
        "93001"[:2],
    ]:
        state = make_state(SchoolPickerState, "/inscription/personnel")
        call(state, SchoolPickerState.search_city, value)
        call(state, SchoolPickerState.choose_commune, value)
        call(state, SchoolPickerState.choose_college, value)
        assert state.selected_uai == "" and state.class_options == [], value
        assert len(state.city_query) <= 80


def _staff_form(**extra):
    form = {
        "school_uai": "0931234A",
        "function": "professeur_principal",
        "first_name": "Marie",
        "last_name": "Curie",
        "email": "marie.curie@ac-creteil.fr",
        "password": PASSWORD,
    }
    form.update(extra)
    return form


def test_staff_signup_names_a_class_of_the_college(db_session, world):
    w, _tok = world
    state = make_state(SignupState, "/inscription/personnel")
    result = call(
        state, SignupState.signup_staff, _staff_form(class_id=str(w.classes["class_d"].id))
    )
    assert state.error == "" and redirect_target(result) == HOME
    user = db_session.exec(select(User).where(User.email == "marie.curie@ac-creteil.fr")).one()
    membership = db_session.exec(
        select(StaffMembership).where(StaffMembership.user_id == user.id)
    ).one()
    assert membership.status == "pending"
    assert membership.requested_class_id == w.classes["class_d"].id


def test_staff_signup_ignores_a_forged_class(db_session, world):
    w, _tok = world
    # a class of another collège, garbage, and a class id of ours sent as a list
    for n, class_id in enumerate(
        [
            w.classes["class_b1"].id,
            "abc",
            None,
            -1,
            2**40,
            [str(w.classes["class_a"].id)],
            {"a": 1},
            True,
        ]
    ):
        email = f"prof{n}@ac-creteil.fr"
        state = make_state(SignupState, "/inscription/personnel")
        result = call(state, SignupState.signup_staff, _staff_form(class_id=class_id, email=email))
        assert state.error == "" and redirect_target(result) == HOME, class_id
        db_session.expire_all()
        user = db_session.exec(select(User).where(User.email == email)).one()
        membership = db_session.exec(
            select(StaffMembership).where(StaffMembership.user_id == user.id)
        ).one()
        assert membership.requested_class_id is None and membership.status == "pending"


def test_staff_signup_with_a_forged_form_does_not_crash(db_session, world):
    with unchanged(db_session):
        for form in [
            ["class_id", "1"],
            None,
            "x",
            7,
            {"class_id": "1"},
            _staff_form(email=["marie.curie@ac-creteil.fr"]),
            _staff_form(function={"a": 1}),
            _staff_form(school_uai="0751234B"),
        ]:
            state = make_state(SignupState, "/inscription/personnel")
            assert call(state, SignupState.signup_staff, form) is None, form
            assert state.error and state.token == "", form


class _FakeUpload:
    """What Reflex hands to an upload handler: a name and async read()."""

    def __init__(self, filename: str, data: bytes):
        self.filename = self.name = filename
        self._data = data

    async def read(self, size: int = -1) -> bytes:
        return self._data if size < 0 else self._data[:size]


def _upload(state, files):
    import asyncio

    return asyncio.run(ClassPageState.upload_scan.fn(state, files))


def test_teacher_attaches_a_signed_form_and_others_cannot(db_session, world, tmp_path, monkeypatch):
    from stages_app import settings
    from stages_app.models import PupilProfile

    monkeypatch.setattr(settings, "PRIVATE_DIR", tmp_path / "private")
    w, tok = world
    klass = w.classes["class_a"]
    pupil = w.uid("pupil_authorised")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    state = make_state(ClassPageState, _class_page(klass.id), tok["prof_granted"])
    call(state, ClassPageState.load)
    # no pupil chosen, or no file: a French message, nothing stored
    assert _upload(state, [_FakeUpload("f.pdf", pdf)]) is None and "Choisissez" in state.error
    call(state, ClassPageState.set_scan_pupil, str(pupil))
    _upload(state, [_FakeUpload("formulaire.exe", b"MZ\x90\x00 not a pdf")])
    assert state.error and state.message == ""
    _upload(state, [_FakeUpload("signe.pdf", pdf)])
    assert state.error == "" and "enregistré" in state.message
    db_session.expire_all()
    profile = db_session.exec(select(PupilProfile).where(PupilProfile.user_id == pupil)).one()
    assert profile.authorisation_file
    assert not str(profile.authorisation_file).startswith(("assets", "uploaded_files", ".web"))

    # another school's principal, forging the pupil id on their own class page: refused
    with unchanged(db_session):
        other = make_state(ClassPageState, _class_page(klass.id), tok["principal_b"])
        call(other, ClassPageState.set_scan_pupil, str(pupil))
        _upload(other, [_FakeUpload("x.pdf", pdf)])
        assert other.message == ""
