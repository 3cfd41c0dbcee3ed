"""Tracking pages through their state handlers (issue 6): the school dashboard and its CSV
export, a pupil's file, the class page's tracking columns, and the live-refresh handlers
(polling) which must check the rights again at every tick.

World: tests.unit.school_helpers.build_world (see tests/states/test_school_states.py)."""

from __future__ import annotations

from sqlmodel import select

from stages_app.models import AuthSession, StaffMembership
from stages_app.states.applications import TrackerState
from stages_app.states.auth import AuthState
from stages_app.states.class_page import ClassPageState
from stages_app.states.dashboards import PupilFileState, SchoolDashboardState
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import (
    FORBIDDEN,
    FORGED_IDS,
    LOGIN_PREFIX,
    assert_nothing_private,
    forged,
    unchanged,
    world_fixture,  # noqa: F401 - the ``world`` fixture
)

DASHBOARD = "/etablissement/suivi"
TRACKER = "/eleve/candidatures"
SCHOOL_A_NAMES = ("Attente", "Autorisée", "Ouvert", "Fermée", "Jean Moulin")


def _pupil_page(pupil_id) -> str:
    return f"/etablissement/eleve?id={pupil_id}"


def _class_page(class_id) -> str:
    return f"/etablissement/classe?id={class_id}"


def _set_token(state, token: str) -> None:
    """Another token in the browser (another person logged in this tab, or a forged one)."""
    current = state
    while not isinstance(current, AuthState) or type(current) is not AuthState:
        current = current.parent_state
    current.token = token


def _download(result):
    specs = result if isinstance(result, list) else [result]
    for spec in specs:
        args = dict((getattr(k, "_js_expr", str(k)), v) for k, v in getattr(spec, "args", ()))
        if "url" in args or "data" in args:
            return args
    return None


def test_principal_loads_the_dashboard_and_downloads_the_csv(db_session, world):
    w, tok = world
    for who in ("principal_a", "cpe_granted"):
        state = make_state(SchoolDashboardState, DASHBOARD, tok[who])
        with unchanged(db_session):
            assert call(state, SchoolDashboardState.load) is None, who
        assert state.loaded and state.error == "", who
        assert [c.name for c in state.classes] == ["3e A", "3e B", "3e C", "3e D"]
        a = state.classes[0]
        assert (
            a.pupils,
            a.waiting_authorisation,
            a.access_opened,
            a.with_application,
            a.no_internship,
        ) == (3, 1, 1, 0, 3)
        assert a.href == _class_page(w.classes["class_a"].id)
        assert state.totals[0].pupils == 5
        assert [wk.label for wk in state.weeks] == ["0 élève sur 5 (0 %)"]
        assert state.weeks[0].width == "0%" and "janvier 2027" in state.weeks[0].title
        counts = {s.title: s.label for s in state.statuses}
        assert counts["Aucune candidature"] == "3 élèves sur 5 (60 %)"
        assert counts["Autorisation attendue"] == "1 élève sur 5 (20 %)"
        assert_nothing_private(
            state, db_session, school_id=w.schools["school_a"].id, forbidden=("Bruno", "Paris")
        )

        result = call(state, SchoolDashboardState.download_csv)
        spec = _download(result)
        assert spec is not None, result
        data_url = str(
            getattr(
                spec.get("data") or spec.get("url"),
                "_var_value",
                spec.get("data") or spec.get("url"),
            )
        )
        assert "suivi-stages-" in str(spec.get("filename"))
        # rx.download turns bytes into a data: URL (base64 of the bytes)
        import base64

        payload = base64.b64decode(data_url.split("base64,", 1)[1].strip('"'))
        assert payload.startswith(b"\xef\xbb\xbf"), payload[:10]
        text = payload.decode("utf-8-sig")
        assert text.startswith("Classe;Nom;Prénom") and "Ouvert;Olivier" in text


def test_other_school_principal_sees_only_their_school(db_session, world):
    w, tok = world
    state = make_state(SchoolDashboardState, DASHBOARD, tok["principal_b"])
    call(state, SchoolDashboardState.load)
    assert [c.name for c in state.classes] == ["3e 1"] and state.totals[0].pupils == 1
    assert_nothing_private(
        state, db_session, school_id=w.schools["school_b"].id, forbidden=SCHOOL_A_NAMES
    )


def test_outsiders_get_no_dashboard(db_session, world):
    w, tok = world
    with unchanged(db_session):
        for who in (
            "pp_granted",
            "prof_granted",
            "prof_other",
            "pupil_open",
            "employer",
            "admin",
            "cpe_pending",
            "cpe_revoked",
            "cpe_disabled",
            "anonymous",
        ):
            token = "" if who == "anonymous" else tok[who]
            state = forged(SchoolDashboardState, DASHBOARD, token, SchoolDashboardState.load)
            assert not state.loaded and state.classes == [] and state.attention == [], who
            assert state.statuses == [] and state.weeks == [] and state.school_name == "", who
            assert_nothing_private(state, db_session, forbidden=SCHOOL_A_NAMES)
            # the export is refused as well, with no file
            state = forged(
                SchoolDashboardState, DASHBOARD, token, SchoolDashboardState.download_csv
            )
            assert state.classes == []


def test_teacher_and_pupil_are_redirected(db_session, world):
    w, tok = world
    for who, target in (
        ("pp_granted", FORBIDDEN),
        ("pupil_open", FORBIDDEN),
        ("employer", FORBIDDEN),
    ):
        state = make_state(SchoolDashboardState, DASHBOARD, tok[who])
        assert redirect_target(call(state, SchoolDashboardState.load)) == target, who
    state = make_state(SchoolDashboardState, DASHBOARD, "")
    assert redirect_target(call(state, SchoolDashboardState.load)).startswith(LOGIN_PREFIX)


def test_pupil_file_for_the_school_staff(db_session, world):
    w, tok = world
    pupil = w.uid("pupil_open")
    for who in ("principal_a", "cpe_granted", "pp_granted", "prof_granted"):
        state = make_state(PupilFileState, _pupil_page(pupil), tok[who])
        with unchanged(db_session):
            call(state, PupilFileState.load)
        assert state.found and state.name == "Olivier Ouvert" and state.error == "", who
        assert state.class_name == "3e A" and state.status_label == "Aucune candidature"
        assert state.access.startswith("ouvert le ") and state.applications == []
        assert_nothing_private(state, db_session, school_id=w.schools["school_a"].id)


def test_pupil_file_refused_and_nothing_leaked(db_session, world):
    w, tok = world
    pupil = w.uid("pupil_open")
    with unchanged(db_session):
        for who in (
            "principal_b",
            "cpe_b",
            "prof_b",
            "prof_other",
            "pp_revoked",
            "employer",
            "pupil_open",
            "pupil_b",
            "admin",
            "anonymous",
        ):
            token = "" if who == "anonymous" else tok[who]
            state = forged(PupilFileState, _pupil_page(pupil), token, PupilFileState.load)
            assert not state.found and state.name == "" and state.applications == [], who
            assert_nothing_private(
                state, db_session, forbidden=("Olivier", "Ouvert", "pupil.open@")
            )
        # a forged id: a French error, nothing of anyone
        for raw in [*FORGED_IDS, 999_999, w.uid("cpe_granted"), w.uid("pupil_b")]:
            state = forged(
                PupilFileState, _pupil_page(raw), tok["principal_a"], PupilFileState.load
            )
            assert not state.found and state.name == "" and state.email == "", raw
            assert_nothing_private(state, db_session, forbidden=("Bruno", "Olivier"))
    state = make_state(PupilFileState, _pupil_page(999_999), tok["principal_a"])
    call(state, PupilFileState.load)
    assert state.error and not state.found, state.error  # French, from the service


def test_class_page_shows_the_tracking(db_session, world):
    w, tok = world
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["pp_granted"])
    call(state, ClassPageState.load)
    assert [(r.last_name, r.best_label, r.applications, r.last_activity) for r in state.rows][
        :1
    ] == [("Attente", "Autorisation attendue", 0, state.rows[0].last_activity)]
    assert [r.best_label for r in state.rows] == [
        "Autorisation attendue",
        "Accès à ouvrir",
        "Aucune candidature",
    ]
    assert state.rows[2].file_href == _pupil_page(w.uid("pupil_open"))
    assert len(state.pupils) == 3  # what the page already had is still there


def test_refresh_keeps_messages_and_selection(db_session, world):
    w, tok = world
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["pp_granted"])
    call(state, ClassPageState.load)
    call(state, ClassPageState.toggle, w.uid("pupil_waiting"), True)
    call(state, ClassPageState.set_received_on, "2026-01-01")
    state.message, state.error = "Fait.", "Une erreur"
    with unchanged(db_session):
        assert call(state, ClassPageState.refresh, "tick") is None
    assert state.selected == [w.uid("pupil_waiting")] and state.received_on == "2026-01-01"
    assert (state.message, state.error) == ("Fait.", "Une erreur")
    assert len(state.rows) == 3


def test_refresh_handlers_check_the_rights_again(db_session, world):
    w, tok = world
    # school dashboard: the principal logs out elsewhere (session deleted) → login, data gone
    state = make_state(SchoolDashboardState, DASHBOARD, tok["cpe_granted"])
    call(state, SchoolDashboardState.load)
    assert state.loaded
    membership = db_session.exec(
        select(StaffMembership).where(StaffMembership.user_id == w.uid("cpe_granted"))
    ).one()
    membership.status = "revoked"
    db_session.add(membership)
    db_session.commit()
    result = call(state, SchoolDashboardState.refresh, "tick")
    assert redirect_target(result) == FORBIDDEN
    assert not state.loaded and state.classes == [] and state.attention == []

    state = make_state(SchoolDashboardState, DASHBOARD, tok["principal_a"])
    call(state, SchoolDashboardState.load)
    _set_token(state, tok["pp_granted"])  # a teacher now in this tab: refused
    assert redirect_target(call(state, SchoolDashboardState.refresh, "")) == FORBIDDEN
    assert state.classes == []
    state = make_state(SchoolDashboardState, DASHBOARD, tok["principal_a"])
    call(state, SchoolDashboardState.load)
    for s in db_session.exec(
        select(AuthSession).where(AuthSession.user_id == w.uid("principal_a"))
    ).all():
        db_session.delete(s)
    db_session.commit()
    assert redirect_target(call(state, SchoolDashboardState.refresh, "")).startswith(LOGIN_PREFIX)
    assert state.classes == []

    # class page: another school's principal in the tab
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["pp_granted"])
    call(state, ClassPageState.load)
    _set_token(state, tok["principal_b"])
    assert redirect_target(call(state, ClassPageState.refresh, "")) == FORBIDDEN
    assert state.rows == [] and state.pupils == [] and state.class_name == ""

    # a refresh before any successful load does nothing
    state = make_state(ClassPageState, _class_page(w.classes["class_a"].id), tok["principal_b"])
    forged(
        ClassPageState,
        _class_page(w.classes["class_a"].id),
        tok["principal_b"],
        ClassPageState.load,
    )
    assert call(state, ClassPageState.refresh, "") is None and state.rows == []

    # pupil tracker: a staff token in the tab → refused, rows gone
    state = make_state(TrackerState, TRACKER, tok["pupil_open"])
    call(state, TrackerState.load)
    assert state.loaded and state.count_label
    _set_token(state, tok["cpe_granted"])
    assert redirect_target(call(state, TrackerState.refresh, "")) == FORBIDDEN
    assert not state.loaded and state.items == [] and state.count_label == ""
