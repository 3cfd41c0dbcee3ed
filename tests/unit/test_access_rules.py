"""The access table, cell by cell, then every mutating action tried by people who must be refused.

Part 1: for every action and target (own school / another school) and every kind of person —
principal, each staff function granted, pending and revoked, professeur principal, professeur
following or not a class, a disabled account, another school's staff, pupils (waiting,
authorised, open, in a closed class), employer, platform admin, anonymous — ``can`` answers as
the table says and ``require`` agrees (returns the row, or raises the right error). The world is
built once per database (the checks only read).

Part 2: another school's staff, revoked and pending staff, a pupil, an employer and an anonymous
visitor try every service function of issue 3 on school A: each is refused with a French message
and the database (and the private directory) is exactly as before. The rightful person then does
each action, proving the list exercises real changes.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session

from stages_app import settings
from stages_app.db import create_all, make_engine
from stages_app.services import access, pupils, schools, staff
from stages_app.services.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from tests.needs import PG_ADMIN_URL, need_postgres
from tests.unit.school_helpers import NOW, build_world, snapshot

# ---------------------------------------------------------------------------------------------
# Part 1: the table
# ---------------------------------------------------------------------------------------------

PERSONAS = [
    "principal_a",
    "pp_granted",
    "pp_pending",
    "pp_revoked",
    "prof_granted",
    "prof_pending",
    "prof_revoked",
    "prof_other",
    "cpe_granted",
    "cpe_pending",
    "cpe_revoked",
    "doc_granted",
    "doc_pending",
    "doc_revoked",
    "psy_granted",
    "psy_pending",
    "psy_revoked",
    "adm_granted",
    "adm_pending",
    "adm_revoked",
    "cpe_disabled",
    "principal_b",
    "cpe_b",
    "prof_b",
    "pupil_waiting",
    "pupil_authorised",
    "pupil_open",
    "pupil_3eb",
    "pupil_closed",
    "pupil_b",
    "employer",
    "admin",
    "anonymous",
]

OTHER_STAFF_A = {"cpe_granted", "doc_granted", "psy_granted", "adm_granted"}
TEACHERS_A = {"pp_granted", "prof_granted", "prof_other"}
MEMBERS_A = {"principal_a"} | OTHER_STAFF_A | TEACHERS_A
DASHBOARD_A = {"principal_a"} | OTHER_STAFF_A
TEACH_CLASS_A = {"pp_granted", "prof_granted"}  # its professeur principal and its follower
MEMBERS_B = {"principal_b", "cpe_b", "prof_b"}
DASHBOARD_B = {"principal_b", "cpe_b"}

# (action, target) -> who may. Targets: schools, memberships, classes (3e A led by pp_granted and
# followed by the professeurs; 3e B led by the revoked pp; 3e C closed; 3e 1 of school B), pupils.
ALLOWED: dict[tuple[str, str | None], set[str]] = {
    ("school.view", "school_a"): MEMBERS_A,
    ("school.view", "school_b"): MEMBERS_B,
    ("school.dashboard", "school_a"): DASHBOARD_A,
    ("school.dashboard", "school_b"): DASHBOARD_B,
    ("school.settings", "school_a"): {"principal_a"},
    ("school.settings", "school_b"): {"principal_b"},
    ("staff.manage", "school_a"): {"principal_a"},
    ("staff.manage", "school_b"): {"principal_b"},
    ("staff.member.manage", "m_cpe_pending"): {"principal_a"},
    ("staff.member.manage", "m_cpe_revoked"): {"principal_a"},
    ("staff.member.manage", "m_principal_a"): set(),  # nobody, the principal included
    ("staff.member.manage", "m_cpe_b"): {"principal_b"},
    ("class.request", "class_a"): {"pp_pending", "prof_pending"},
    ("class.request", "class_b1"): set(),
    ("class.follow", "class_a"): TEACHERS_A,
    ("class.follow", "class_b1"): {"prof_b"},
    ("class.view", "class_a"): DASHBOARD_A | TEACH_CLASS_A,
    ("class.view", "class_b"): DASHBOARD_A,  # its professeur principal is revoked
    ("class.view", "class_c"): DASHBOARD_A,
    ("class.view", "class_b1"): DASHBOARD_B | {"prof_b"},
    ("class.pupils.manage", "class_a"): {"principal_a"} | TEACH_CLASS_A,
    ("class.pupils.manage", "class_b"): {"principal_a"},
    ("class.pupils.manage", "class_c"): {"principal_a"},
    ("class.pupils.manage", "class_b1"): {"principal_b", "prof_b"},
    # organising pupils (moves, arrivals): the principal, other staff, the class's own pp
    ("class.arrivals", "class_a"): DASHBOARD_A | {"pp_granted"},
    ("class.arrivals", "class_b"): DASHBOARD_A,  # its professeur principal is revoked
    ("class.arrivals", "class_b1"): DASHBOARD_B,
    ("pupil.move", "pupil_open"): DASHBOARD_A | {"pp_granted"},
    ("pupil.move", "pupil_3eb"): DASHBOARD_A,
    ("pupil.move", "pupil_b"): DASHBOARD_B,
    ("pupil.view", "pupil_open"): DASHBOARD_A | TEACH_CLASS_A | {"pupil_open"},
    ("pupil.view", "pupil_waiting"): DASHBOARD_A | TEACH_CLASS_A | {"pupil_waiting"},
    ("pupil.view", "pupil_3eb"): DASHBOARD_A | {"pupil_3eb"},
    ("pupil.view", "pupil_b"): DASHBOARD_B | {"prof_b", "pupil_b"},
    ("pupil.manage", "pupil_open"): {"principal_a"} | TEACH_CLASS_A,
    ("pupil.manage", "pupil_3eb"): {"principal_a"},
    ("pupil.manage", "pupil_b"): {"principal_b", "prof_b"},
    ("search.use", None): {"pupil_open", "pupil_3eb", "pupil_b"},
    ("search.as_pupil", "pupil_open"): DASHBOARD_A | TEACH_CLASS_A,
    ("search.as_pupil", "pupil_b"): DASHBOARD_B | {"prof_b"},
}


def test_the_table_covers_every_action():
    assert {action for action, _ in ALLOWED} == set(access.ACCESS_TABLE)
    assert all(p in PERSONAS for allowed in ALLOWED.values() for p in allowed)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world_session(request, tmp_path_factory):
    """One database per backend for the whole table (read-only checks)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('access') / 'a.db'}")
        drop = None
    else:
        need_postgres()
        name = f"stages_access_{uuid.uuid4().hex[:10]}"
        admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

    create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session)
        yield session, world
    engine.dispose()
    if drop:
        drop()


def _target(world, key):
    """The id the UI would send for this target."""
    if key is None:
        return None
    if key.startswith("school_"):
        return world.schools[key].id
    if key.startswith("class_"):
        return world.classes[key].id
    if key.startswith("m_"):
        return world.memberships[key[2:]].id
    return world.uid(key)  # a pupil: their user id


CELLS = [(action, target, persona) for (action, target) in ALLOWED for persona in PERSONAS]


@pytest.mark.parametrize(
    ("action", "target", "persona"), CELLS, ids=[f"{a}-{t or 'self'}-{p}" for a, t, p in CELLS]
)
def test_access_cell(world_session, action, target, persona):
    session, world = world_session
    viewer = world.viewer(persona)
    target_id = _target(world, target)
    expected = persona in ALLOWED[(action, target)]

    assert access.can(session, viewer, action, target_id) is expected

    if expected:
        row = access.require(session, viewer, action, target_id)
        if target is not None:
            assert row.id is not None
    elif persona == "anonymous" or persona == "cpe_disabled":
        with pytest.raises(NotAuthenticated):
            access.require(session, viewer, action, target_id)
    else:
        with pytest.raises(PermissionDenied) as err:
            access.require(session, viewer, action, target_id)
        assert err.value.message  # a French sentence for the page
        if persona.endswith("_pending") and target in (
            "school_a",
            "class_a",
            "class_c",
            "pupil_open",
        ):
            assert "pas encore ouvert" in err.value.message
        if persona.endswith("_revoked") and target in ("school_a", "class_a", "class_c"):
            assert "retirés" in err.value.message


def test_unknown_targets_are_not_found_and_unknown_actions_are_bugs(world_session):
    session, world = world_session
    principal = world.viewer("principal_a")
    assert access.can(session, principal, "class.view", 987654) is False
    with pytest.raises(NotFound):
        access.require(session, principal, "class.view", 987654)
    with pytest.raises(NotFound):
        access.require(session, principal, "pupil.view", 987654)
    with pytest.raises(ValueError):
        access.can(session, principal, "class.destroy", world.classes["class_a"].id)
    class_id = world.classes["class_a"].id
    assert access.can(session, principal, "class.view", class_id) is True
    assert access.can(session, principal, "class.view", str(class_id)) is False  # ids are ints
    with pytest.raises(NotFound):
        access.require(session, principal, "class.view", str(class_id))
    assert access.can(session, principal, "class.view", world.schools["school_a"]) is False


def test_rows_are_accepted_as_targets(world_session):
    session, world = world_session
    assert access.can(
        session, world.viewer("pp_granted"), "class.pupils.manage", world.classes["class_a"]
    )
    assert access.can(
        session, world.viewer("pp_granted"), "pupil.manage", world.pupils["pupil_open"]
    )
    assert not access.can(
        session, world.viewer("pp_granted"), "pupil.manage", world.pupils["pupil_3eb"]
    )


def test_require_pupils_is_all_or_nothing(world_session):
    session, world = world_session
    pp = world.viewer("pp_granted")
    own = [world.uid("pupil_waiting"), world.uid("pupil_open"), world.uid("pupil_open")]
    assert [p.user_id for p in access.require_pupils(session, pp, "pupil.manage", own)] == own[:2]
    for forged in (world.uid("pupil_3eb"), world.uid("pupil_b"), world.uid("principal_a"), 987654):
        with pytest.raises(PermissionDenied) as err:
            access.require_pupils(session, pp, "pupil.manage", own + [forged])
        assert "rien n'a été modifié" in err.value.message
    with pytest.raises(PermissionDenied):
        access.require_pupils(session, pp, "pupil.manage", ["12"])


def test_pupil_with_open_access_keeps_its_contract(world_session):
    session, world = world_session
    profile = access.pupil_with_open_access(session, world.viewer("pupil_open"))
    assert profile.user_id == world.uid("pupil_open")
    with pytest.raises(PermissionDenied, match="autorisation signée"):
        access.pupil_with_open_access(session, world.viewer("pupil_authorised"))
    with pytest.raises(PermissionDenied, match="classe"):
        access.pupil_with_open_access(session, world.viewer("pupil_closed"))
    with pytest.raises(PermissionDenied):
        access.pupil_with_open_access(session, world.viewer("principal_a"))


# ---------------------------------------------------------------------------------------------
# Part 2: every service action, tried by people who must be refused
# ---------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _actions(w):
    """name -> (call(session, viewer), mutating). Targets are school A's (3e A and its pupils)."""
    a, cls = w.classes, w.classes["class_a"].id
    return {
        "school_settings": (lambda s, v: schools.school_settings(s, v, now=NOW), False),
        "create_class": (lambda s, v: schools.create_class(s, v, "3e Z"), True),
        "rename_class": (lambda s, v: schools.rename_class(s, v, cls, "3e Alpha"), True),
        "delete_class": (lambda s, v: schools.delete_class(s, v, a["class_d"].id), True),
        "set_class_access": (lambda s, v: schools.set_class_access(s, v, cls, False), True),
        "regenerate_join_code": (lambda s, v: schools.regenerate_join_code(s, v, cls), True),
        "add_period": (lambda s, v: schools.add_period(s, v, dt.date(2027, 2, 1), now=NOW), True),
        "remove_week": (lambda s, v: schools.remove_week(s, v, w.weeks["week_a"].id), True),
        "set_national_search": (lambda s, v: schools.set_national_search(s, v, True), True),
        "invite_staff": (
            lambda s, v: staff.invite_staff(
                s, v, email="x.y@ac-creteil.fr", function="cpe", now=NOW
            ),
            True,
        ),
        "list_invitations": (lambda s, v: staff.list_invitations(s, v, now=NOW), False),
        "cancel_invitation": (
            lambda s, v: staff.cancel_invitation(s, v, w.invitations["inv_a"].id, now=NOW),
            True,
        ),
        "list_staff": (lambda s, v: staff.list_staff(s, v), False),
        "grant": (lambda s, v: staff.grant(s, v, w.memberships["cpe_pending"].id, now=NOW), True),
        "change_function": (
            lambda s, v: staff.change_function(
                s, v, w.memberships["cpe_granted"].id, "documentaliste"
            ),
            True,
        ),
        "revoke": (lambda s, v: staff.revoke(s, v, w.memberships["cpe_granted"].id, now=NOW), True),
        "teacher_choices": (lambda s, v: staff.teacher_choices(s, v), False),
        "set_main_teacher": (
            lambda s, v: staff.set_main_teacher(s, v, cls, w.uid("prof_granted")),
            True,
        ),
        "follow_class": (lambda s, v: staff.follow_class(s, v, a["class_b"].id), True),
        "unfollow_class": (lambda s, v: staff.unfollow_class(s, v, cls), True),
        "request_class": (lambda s, v: staff.request_class(s, v, a["class_b"].id), True),
        "my_classes": (lambda s, v: staff.my_classes(s, v), False),
        "followable_classes": (lambda s, v: staff.followable_classes(s, v), False),
        "class_pupils": (lambda s, v: pupils.class_pupils(s, v, cls), False),
        "pupil_counts": (lambda s, v: pupils.pupil_counts(s, v, cls), False),
        "record_authorisation": (
            lambda s, v: pupils.record_authorisation(
                s, v, [w.uid("pupil_waiting")], dt.date(2026, 11, 16), now=NOW
            ),
            True,
        ),
        "open_access": (
            lambda s, v: pupils.open_access(s, v, [w.uid("pupil_authorised")], now=NOW),
            True,
        ),
        "withdraw_access": (lambda s, v: pupils.withdraw_access(s, v, w.uid("pupil_open")), True),
        "clear_authorisation": (
            lambda s, v: pupils.clear_authorisation(s, v, w.uid("pupil_open")),
            True,
        ),
        "attach_authorisation_scan": (
            lambda s, v: pupils.attach_authorisation_scan(
                s, v, w.uid("pupil_open"), "scan.png", PNG, now=NOW
            ),
            True,
        ),
        "authorisation_scan": (
            lambda s, v: pupils.authorisation_scan(s, v, w.uid("pupil_open")),
            False,
        ),
        "authorisation_form_pdf": (
            lambda s, v: pupils.authorisation_form_pdf(s, v, cls, now=NOW),
            False,
        ),
    }


# who does each action rightfully (positive control)
RIGHTFUL = {
    "follow_class": "prof_granted",
    "unfollow_class": "prof_granted",
    "request_class": "pp_pending",
    "my_classes": "pp_granted",
    "followable_classes": "prof_other",
    "record_authorisation": "pp_granted",
    "open_access": "prof_granted",
    "withdraw_access": "pp_granted",
    "clear_authorisation": "pp_granted",
    "attach_authorisation_scan": "prof_granted",
}

# actions without a target: they act on the viewer's own school
OWN_SCHOOL_ACTIONS = {
    "school_settings",
    "create_class",
    "add_period",
    "set_national_search",
    "invite_staff",
    "list_invitations",
    "list_staff",
    "teacher_choices",
    "my_classes",
    "followable_classes",
}
OTHER_SCHOOL = {"principal_b", "cpe_b", "prof_b"}

ATTACKERS = [
    "principal_b",
    "cpe_b",
    "prof_b",  # another school's staff
    "pp_revoked",
    "prof_revoked",
    "cpe_revoked",
    "adm_revoked",  # revoked here
    "pp_pending",
    "cpe_pending",  # waiting for rights
    "cpe_disabled",
    "pupil_open",
    "employer",
    "admin",
    "anonymous",
]


@pytest.fixture
def private_dir(tmp_path, monkeypatch):
    directory = tmp_path / "private"
    monkeypatch.setattr(settings, "PRIVATE_DIR", directory)
    return directory


def _files(directory):
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_every_action_is_refused_and_changes_nothing(session, private_dir, attacker):
    world = build_world(session)
    viewer = world.viewer(attacker)
    before, files = snapshot(session), _files(private_dir)
    for name, (call, _mutating) in _actions(world).items():
        if attacker == "pp_pending" and name == "request_class":
            continue  # the one thing a waiting teacher may do (checked below)
        if attacker in OTHER_SCHOOL and name in OWN_SCHOOL_ACTIONS:
            continue  # no target to forge: it acts on their own school (see test below)
        with pytest.raises(DomainError) as err:
            call(session, viewer)
        assert isinstance(err.value, (PermissionDenied, NotAuthenticated)), (name, err.value)
        assert err.value.message, name
        assert snapshot(session) == before, f"{name} by {attacker} changed the database"
        assert _files(private_dir) == files, f"{name} by {attacker} wrote a file"


def test_actions_without_target_stay_in_the_viewers_own_school(session):
    world = build_world(session)
    principal_b = world.viewer("principal_b")
    settings_b = schools.school_settings(session, principal_b, now=NOW)
    assert [c.name for c in settings_b.classes] == ["3e 1"]
    assert {r.email for r in staff.list_staff(session, principal_b)} == {
        "ce.0751234b@ac-paris.fr",
        "cpe.b@ac-paris.fr",
        "prof.b@ac-paris.fr",
    }
    assert staff.list_invitations(session, principal_b, now=NOW) == []
    assert [c.name for c in staff.my_classes(session, world.viewer("cpe_b"))] == ["3e 1"]
    assert [c.name for c in staff.followable_classes(session, world.viewer("prof_b"))] == ["3e 1"]
    klass = schools.create_class(session, principal_b, "3e 2")
    assert klass.school_id == world.schools["school_b"].id
    with pytest.raises(PermissionDenied):  # only the principal invites
        staff.invite_staff(session, world.viewer("cpe_b"), email="x@ac-paris.fr", function="cpe")


def test_a_revoked_teacher_loses_access_with_the_page_already_open(session):
    world = build_world(session)
    pp = world.viewer("pp_granted")  # viewer resolved when the page was opened
    assert [p.first_name for p in pupils.class_pupils(session, pp, world.classes["class_a"].id)]
    staff.revoke(session, world.viewer("principal_a"), world.memberships["pp_granted"].id, now=NOW)
    with pytest.raises(PermissionDenied, match="retirés"):
        pupils.class_pupils(session, pp, world.classes["class_a"].id)
    with pytest.raises(PermissionDenied, match="retirés"):
        pupils.open_access(session, pp, [world.uid("pupil_authorised")], now=NOW)


ACTION_NAMES = [
    "school_settings",
    "create_class",
    "rename_class",
    "delete_class",
    "set_class_access",
    "regenerate_join_code",
    "add_period",
    "remove_week",
    "set_national_search",
    "invite_staff",
    "list_invitations",
    "cancel_invitation",
    "list_staff",
    "grant",
    "change_function",
    "revoke",
    "teacher_choices",
    "set_main_teacher",
    "follow_class",
    "unfollow_class",
    "request_class",
    "my_classes",
    "followable_classes",
    "class_pupils",
    "pupil_counts",
    "record_authorisation",
    "open_access",
    "withdraw_access",
    "clear_authorisation",
    "attach_authorisation_scan",
    "authorisation_scan",
    "authorisation_form_pdf",
]


@pytest.mark.parametrize("name", ACTION_NAMES)
def test_the_rightful_person_can_do_each_action(session, private_dir, name):
    world = build_world(session)
    actions = _actions(world)
    assert sorted(actions) == sorted(ACTION_NAMES)
    call, mutating = actions[name]
    viewer = world.viewer(RIGHTFUL.get(name, "principal_a"))
    if name == "authorisation_scan":  # needs a scan first
        pupils.attach_authorisation_scan(
            session, viewer, world.uid("pupil_open"), "s.png", PNG, now=NOW
        )
    before = snapshot(session)
    call(session, viewer)
    if mutating:
        assert snapshot(session) != before, (
            f"{name} changed nothing: the refusal test would be vacuous"
        )
