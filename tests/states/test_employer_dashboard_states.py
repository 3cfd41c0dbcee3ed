"""The employer's home as a dashboard (issue 6, point 3), through EmployerOffersState: the summary
(seats left in the weeks to come, applications waiting for an answer and how many are new), the
weeks of each offer with their seats left, the "À traiter" list (longest waiting first); the live
``refresh`` re-reads it, keeps the message on screen and re-checks the rights each time; another
employer, a pupil, a teacher or an anonymous visitor gets a redirect and nothing of ours."""

from __future__ import annotations

import dataclasses

import pytest

from stages_app.models import User
from stages_app.services import accounts
from stages_app.services import applications as apps
from stages_app.services.access import Viewer
from stages_app.services.calendar import week_label
from stages_app.states.employer import (
    EmployerOffersState,
    seats_summary,
    waiting_days_label,
    waiting_summary,
)
from tests.states.conftest import call, make_state, redirect_target
from tests.states.helpers import (
    FORBIDDEN,
    LOGIN_PREFIX,
    assert_nothing_private,
    browser_text,
    unchanged,
)
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2

LIST = "/employeur"
SECRETS = ("Atelier secret de Mme Roux", "Pâtisserie Roux")


@dataclasses.dataclass
class Desk:
    me: Viewer
    tokens: dict[str, str]
    offer: int
    ines: int  # Inès → W1 (read)
    lucas_w1: int  # Lucas → W1 (new)
    lucas_w2: int  # Lucas → W2 (new)
    accepted: int  # Zoé → W1, accepted
    rival_pupil: str
    world: object = None


def _named(session, viewer: Viewer, first: str, last: str) -> Viewer:
    user = session.get(User, viewer.user_id)
    user.first_name, user.last_name = first, last
    session.add(user)
    session.commit()
    return viewer


@pytest.fixture
def desk(db_session) -> Desk:
    w = ah.world(db_session)
    me = oh.employer(db_session, "Boulangerie du Canal")
    rival = oh.employer(db_session, SECRETS[1])
    _, mine = ah.offer(db_session, w, me, weeks=((W1, 3), (W2, 1)), title="Découverte du fournil")
    _, theirs = ah.offer(db_session, w, rival, title=SECRETS[0])
    ines = _named(db_session, ah.pupil(db_session, w), "Inès", "Benali")
    lucas = _named(db_session, ah.pupil(db_session, w), "Lucas", "Martin")
    zoe = _named(db_session, ah.pupil(db_session, w), "Zoé", "Petit")
    other = _named(db_session, ah.pupil(db_session, w), "Yanis", "Rivalpupil")
    drafter = ah.pupil(db_session, w)
    accepted = ah.submitted(db_session, zoe, mine, W1)
    apps.accept(db_session, me, accepted)
    ines_app = ah.submitted(db_session, ines, mine, W1)
    apps.open_application(db_session, me, ines_app)  # read, still waiting for an answer
    desk = Desk(
        me=me,
        tokens={},
        offer=mine,
        ines=ines_app,
        lucas_w1=ah.submitted(db_session, lucas, mine, W1),
        lucas_w2=ah.submitted(db_session, lucas, mine, W2),
        accepted=accepted,
        rival_pupil="Rivalpupil",
        world=w,
    )
    ah.draft(db_session, drafter, mine, W2)  # a draft: never the employer's
    ah.submitted(db_session, other, theirs, W1)
    teacher = oh.staff(db_session, w.school)
    for key, viewer in (("me", me), ("rival", rival), ("pupil", ines), ("teacher", teacher)):
        desk.tokens[key] = accounts.open_session(db_session, viewer.user_id)
    return desk


def _loaded(desk: Desk) -> EmployerOffersState:
    state = make_state(EmployerOffersState, LIST, desk.tokens["me"])
    assert call(state, EmployerOffersState.load) is None
    assert state.error == "" and state.loaded
    return state


def test_labels_in_french():
    assert seats_summary(0) == "Aucune place libre dans les semaines à venir"
    assert seats_summary(1) == "1 place libre dans les semaines à venir"
    assert seats_summary(4) == "4 places libres dans les semaines à venir"
    assert waiting_summary(0, 0) == "Aucune candidature n'attend votre réponse"
    assert waiting_summary(1, 1) == "1 candidature attend votre réponse, dont 1 nouvelle"
    assert waiting_summary(3, 0) == "3 candidatures attendent votre réponse"
    assert waiting_summary(3, 2) == "3 candidatures attendent votre réponse, dont 2 nouvelles"
    assert waiting_days_label(0) == "reçue aujourd'hui"
    assert waiting_days_label(1) == "en attente depuis 1 jour"
    assert waiting_days_label(9) == "en attente depuis 9 jours"


def test_summary_weeks_and_waiting_list(db_session, desk):
    state = _loaded(desk)
    # W1: 3 seats, 1 accepted → 2 left; W2: 1 seat → 1 left
    assert state.seats_summary == "3 places libres dans les semaines à venir"
    assert state.waiting_summary == "3 candidatures attendent votre réponse, dont 2 nouvelles"
    assert state.waiting_count == 3
    (row,) = [r for r in state.rows if r.id == desk.offer]
    assert [(w.label, w.seats, w.full, w.past) for w in row.week_seats] == [
        (week_label(W1), "2 places libres sur 3", False, False),
        (week_label(W2), "1 place libre sur 1", False, False),
    ]
    assert [w.waiting for w in row.week_seats] == [
        "2 candidatures en attente",
        "1 candidature en attente",
    ]
    assert row.waiting == 3 and row.waiting_label == "3 candidatures en attente de réponse"
    # the longest waiting first; the accepted one and the draft are not there
    assert [t.id for t in state.todo] == [desk.ines, desk.lucas_w1, desk.lucas_w2]
    first = state.todo[0]
    assert (first.pupil, first.offer, first.week, first.status_label, first.is_new) == (
        "Inès Benali",
        "Découverte du fournil",
        week_label(W1),
        "Lue",
        False,
    )
    assert first.waiting == "reçue aujourd'hui"
    assert [t.is_new for t in state.todo[1:]] == [True, True]
    assert state.todo_more == ""
    assert_nothing_private(state, db_session, forbidden=SECRETS + ("Rivalpupil",))


def test_a_full_week_says_complet_and_refresh_follows_the_answers(db_session, desk):
    state = _loaded(desk)
    state.message = "Offre publiée : les élèves peuvent la voir."
    apps.accept(db_session, desk.me, desk.lucas_w2)  # W2 now full
    with unchanged(db_session):
        assert call(state, EmployerOffersState.refresh) is None
    assert state.message == "Offre publiée : les élèves peuvent la voir."  # untouched
    (row,) = [r for r in state.rows if r.id == desk.offer]
    assert row.week_seats[1].seats == "complet" and row.week_seats[1].full
    assert desk.lucas_w2 not in [t.id for t in state.todo]
    assert state.seats_summary == "2 places libres dans les semaines à venir"
    assert state.waiting_count == len(state.todo)


def test_archived_offers_keep_their_plain_weeks_and_actions_still_work(db_session, desk):
    state = _loaded(desk)
    assert state.todo  # applications waiting for an answer
    call(state, EmployerOffersState.unpublish, desk.offer)
    assert state.message.startswith("Offre dépubliée") and state.loaded
    assert "ont été closes ; les élèves sont prévenus" in state.message
    assert state.seats_summary == "Aucune place libre dans les semaines à venir"
    assert state.todo == []  # closed, their pupils told
    call(state, EmployerOffersState.archive, desk.offer)
    assert state.message.startswith("Offre archivée") and state.error == ""
    empty = ah.offer(db_session, desk.world, desk.me, title="Vente en boutique")[1]
    call(state, EmployerOffersState.archive, empty)
    assert state.message == "Offre archivée." and state.error == ""
    (row,) = [r for r in state.rows if r.id == empty]
    assert row.status == "archived" and row.week_seats == [] and row.weeks


def test_the_todo_list_is_cut_and_says_how_many_more(db_session, desk):
    for _ in range(4):
        ah.submitted(db_session, ah.pupil(db_session, desk.world), desk.offer, W1)
    state = _loaded(desk)
    assert state.waiting_count == 7 and len(state.todo) == 5
    assert state.todo_more == "et 2 autres candidatures en attente"


@pytest.mark.parametrize("who", ["rival", "pupil", "teacher", "anonymous"])
def test_others_are_redirected_and_see_nothing(db_session, desk, who):
    token = "" if who == "anonymous" else desk.tokens[who]
    with unchanged(db_session):
        for handler in (EmployerOffersState.load, EmployerOffersState.refresh):
            state = make_state(EmployerOffersState, LIST, token)
            target = redirect_target(call(state, handler)) or ""
            if who == "rival":  # an employer: their own (empty of ours) dashboard
                assert target == "" and state.loaded
                assert all(r.id != desk.offer for r in state.rows)
                assert [t.id for t in state.todo] != [desk.ines, desk.lucas_w1, desk.lucas_w2]
                assert "Inès" not in browser_text(
                    state
                ) and "Découverte du fournil" not in browser_text(state)
                continue
            assert target.startswith(LOGIN_PREFIX if who == "anonymous" else FORBIDDEN)
            assert state.rows == [] and state.todo == [] and not state.loaded
            assert state.seats_summary == state.waiting_summary == state.organisation == ""
            assert "Inès" not in browser_text(state)


def test_refresh_rechecks_the_rights_each_time(db_session, desk):
    state = _loaded(desk)
    assert state.todo
    accounts.logout(db_session, desk.tokens["me"])  # session ended elsewhere
    target = redirect_target(call(state, EmployerOffersState.refresh)) or ""
    assert target.startswith(LOGIN_PREFIX)
    assert state.rows == [] and state.todo == [] and not state.loaded
    assert "Inès" not in browser_text(state) and "Découverte du fournil" not in browser_text(state)


def test_refresh_with_a_token_swapped_to_a_pupil_shows_nothing(db_session, desk):
    state = _loaded(desk)
    state.token = desk.tokens["pupil"]  # a forged or swapped token
    assert redirect_target(call(state, EmployerOffersState.refresh)) == FORBIDDEN
    assert state.rows == [] and state.todo == [] and state.waiting_summary == ""
