"""Issue 11, point 7 at the pages' end: moving a pupil within a collège (the pupil's file), a
pupil asking to join another collège (their home page) and that collège answering (the class
page). Every handler re-derives the viewer from the token; forged calls get a French refusal and
change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stages_app.models import PupilMove, PupilProfile
from stages_app.states.base import GENERIC_ERROR
from stages_app.states.class_page import ClassPageState
from stages_app.states.dashboards import PupilFileState
from stages_app.states.home import StudentHomeState
from tests.states.conftest import call, make_state
from tests.states.helpers import (
    FORGED_IDS,
    forged,
    unchanged,
    world_fixture,  # noqa: F401 - the ``world`` fixture
)


def _file(pupil_id: int) -> str:
    return f"/etablissement/eleve?id={pupil_id}"


def _class_of(session, user_id: int) -> int:
    session.expire_all()
    return session.execute(
        select(PupilProfile.class_id).where(PupilProfile.user_id == user_id)
    ).scalar_one()


def test_the_principal_moves_a_pupil_from_the_pupil_file(db_session, world):
    w, tok = world
    pupil = w.uid("pupil_open")
    state = make_state(PupilFileState, _file(pupil), tok["principal_a"])
    call(state, PupilFileState.load)
    names = [c.name for c in state.move_choices]
    assert "3e B" in names and "3e A" not in names
    assert all(c.name.startswith("3e ") for c in state.move_choices)  # school A's classes only
    target = w.classes["class_d"].id
    call(state, PupilFileState.move_pupil, {"class_id": str(target)})
    assert state.error == "" and "est maintenant en 3e D" in state.message
    assert _class_of(db_session, pupil) == target
    assert state.found and state.class_name == "3e D"
    assert [h.text for h in state.history] == ["Changement de classe : 3e A → 3e D"]


def test_a_professeur_principal_who_moves_their_pupil_away_is_told_and_not_redirected(
    db_session, world
):
    w, tok = world
    pupil = w.uid("pupil_open")
    state = make_state(PupilFileState, _file(pupil), tok["pp_granted"])
    call(state, PupilFileState.load)
    assert state.move_choices  # the pp of 3e A organises their pupils
    result = call(state, PupilFileState.move_pupil, {"class_id": str(w.classes["class_d"].id)})
    assert result is None and state.error == ""
    assert "n'est plus visible" in state.message
    assert not state.found and state.applications == [] and state.name == ""


def test_who_may_not_move_sees_no_form_and_forged_calls_change_nothing(db_session, world):
    w, tok = world
    pupil = w.uid("pupil_open")
    follower = make_state(PupilFileState, _file(pupil), tok["prof_granted"])
    call(follower, PupilFileState.load)
    assert follower.found and follower.move_choices == []
    target = {"class_id": str(w.classes["class_d"].id)}
    with unchanged(db_session):
        for who in ("prof_granted", "principal_b", "pupil_open", "employer", "admin"):
            forged(PupilFileState, _file(pupil), tok[who], PupilFileState.move_pupil, target)
        for bad in (*FORGED_IDS, "\ud83d", str(w.classes["class_b1"].id)):
            state = make_state(PupilFileState, _file(pupil), tok["principal_a"])
            call(state, PupilFileState.move_pupil, {"class_id": bad})
            assert state.error and state.error != GENERIC_ERROR, bad
        state = make_state(PupilFileState, _file(pupil), tok["principal_a"])
        call(state, PupilFileState.move_pupil, {})
        assert state.error and state.error != GENERIC_ERROR


def test_a_pupil_asks_to_join_another_college_and_it_accepts(db_session, world):
    w, tok = world
    pupil = w.uid("pupil_b")  # school B; joins 3e A of school A
    home = make_state(StudentHomeState, "/eleve", tok["pupil_b"])
    call(home, StudentHomeState.load)
    assert home.pending_change == ""
    for bad in ("", "\ud83d", "ZZZZZZ", "EEEEE2", "CCCCC2"):  # own school's code, closed class
        call(home, StudentHomeState.request_school_change, {"class_code": bad})
        assert home.error and home.error != GENERIC_ERROR, bad
    call(home, StudentHomeState.request_school_change, {"class_code": "aaaaa2"})
    assert home.error == "" and "Collège Jean Moulin" in home.message
    assert "en attente de sa réponse" in home.pending_change

    page = make_state(
        ClassPageState, f"/etablissement/classe?id={w.classes['class_a'].id}", tok["pp_granted"]
    )
    call(page, ClassPageState.load)
    [arrival] = page.arrivals
    assert arrival.pupil_name == "Bruno Paris" and "Victor Hugo" in arrival.origin
    # a follower of the class does not organise arrivals: nothing listed, forged calls refused
    follower = make_state(
        ClassPageState, f"/etablissement/classe?id={w.classes['class_a'].id}", tok["prof_granted"]
    )
    call(follower, ClassPageState.load)
    assert follower.arrivals == []
    with unchanged(db_session):
        for who in ("prof_granted", "principal_b", "pupil_b", "employer"):
            forged(
                ClassPageState,
                f"/etablissement/classe?id={w.classes['class_a'].id}",
                tok[who],
                ClassPageState.accept_arrival,
                arrival.move_id,
            )
        for bad in FORGED_IDS:
            call(page, ClassPageState.accept_arrival, bad)
            assert page.error and page.error != GENERIC_ERROR, bad
        call(page, ClassPageState.decline_arrival, {"move_id": arrival.move_id, "reason": ""})
        assert "Expliquez" in page.error

    call(page, ClassPageState.accept_arrival, arrival.move_id)
    assert page.error == "" and "est maintenant en 3e A" in page.message
    assert page.arrivals == [] and any(r.first_name == "Bruno" for r in page.rows)
    assert _class_of(db_session, pupil) == w.classes["class_a"].id
    call(home, StudentHomeState.load)
    assert home.school_name == "Collège Jean Moulin" and home.pending_change == ""


@pytest.mark.parametrize("answer", ["decline", "withdraw"])
def test_a_request_declined_or_withdrawn_leaves_the_pupil_where_they_are(db_session, world, answer):
    w, tok = world
    pupil = w.uid("pupil_b")
    home = make_state(StudentHomeState, "/eleve", tok["pupil_b"])
    call(home, StudentHomeState.request_school_change, {"class_code": "AAAAA2"})
    if answer == "decline":
        page = make_state(
            ClassPageState,
            f"/etablissement/classe?id={w.classes['class_a'].id}",
            tok["principal_a"],
        )
        call(page, ClassPageState.load)
        move_id = page.arrivals[0].move_id
        call(
            page,
            ClassPageState.decline_arrival,
            {"move_id": str(move_id), "reason": "Pas inscrit chez nous \ud83d"},
        )
        assert page.error == "" and "refusée" in page.message and page.arrivals == []
        note = db_session.execute(select(PupilMove.note)).scalar_one()
        assert note == "Pas inscrit chez nous \ufffd"
    else:
        call(home, StudentHomeState.cancel_school_change)
        assert home.error == "" and "retirée" in home.message and home.pending_change == ""
    assert _class_of(db_session, pupil) == w.classes["class_b1"].id
