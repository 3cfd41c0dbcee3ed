"""Issue 11, point 7: a pupil changes class within their collège, or collège (a handover).

Each test failed before the fix (there was no way to move a pupil at all). On SQLite and
PostgreSQL (the ``session``/``engine`` fixtures).
"""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select
from sqlmodel import Session

from stages_app.models import (
    Application,
    ClassFollow,
    Notification,
    OfferWeek,
    OutboxMail,
    PupilMove,
    PupilProfile,
    Role,
    SchoolClass,
    User,
)
from stages_app.services import access, moves
from stages_app.services import applications as apps
from stages_app.services import schools as school_service
from stages_app.services.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2, W3


def _profile(session: Session, pupil) -> PupilProfile:
    session.expire_all()
    return session.execute(
        select(PupilProfile).where(PupilProfile.user_id == pupil.user_id)
    ).scalar_one()


def _titles(session: Session, user_id: int) -> list[str]:
    return list(
        session.execute(
            select(Notification.title)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        ).scalars()
    )


def _week(session: Session, offer_id: int, week) -> OfferWeek:
    session.expire_all()
    return session.execute(
        select(OfferWeek).where(OfferWeek.offer_id == offer_id, OfferWeek.week_start == week)
    ).scalar_one()


def _class_of(session: Session, pupil) -> SchoolClass:
    return session.get(SchoolClass, _profile(session, pupil).class_id)


# ---------------------------------------------------------------------------------------------
# Within a collège
# ---------------------------------------------------------------------------------------------


def test_staff_move_a_pupil_to_another_class_and_nothing_else_changes(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    other = ah.pupil(session, w)  # its class is the destination
    old_teacher = ah.main_teacher(session, w, pupil)
    new_teacher = ah.main_teacher(session, w, other)
    principal = ah.principal(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    sent = ah.submitted(session, pupil, offer_id, W1)
    accepted = ah.submitted(session, pupil, offer_id, W2)
    apps.accept(session, emp, accepted)
    before = _profile(session, pupil)
    old_class, new_class = before.class_id, _profile(session, other).class_id

    assert [c.class_id for c in moves.move_targets(session, principal, pupil.user_id)].count(
        new_class
    ) == 1
    message = moves.move_within_school(session, principal, pupil.user_id, new_class)

    after = _profile(session, pupil)
    assert after.class_id == new_class and after.school_id == before.school_id
    assert after.authorisation_received_on == before.authorisation_received_on
    assert after.access_opened_at == before.access_opened_at
    assert ah.status(session, sent) == "submitted"
    assert ah.status(session, accepted) == "accepted"
    assert "est maintenant en" in message
    move = session.execute(select(PupilMove)).scalar_one()
    assert (move.kind, move.status, move.from_class_id, move.to_class_id) == (
        "class",
        "done",
        old_class,
        new_class,
    )
    assert move.requested_by_id == move.decided_by_id == principal.user_id
    assert any("Vous êtes maintenant en" in t for t in _titles(session, pupil.user_id))
    assert any("Changement de classe" in t for t in _titles(session, new_teacher.user_id))
    assert any("Changement de classe" in t for t in _titles(session, old_teacher.user_id))
    # the new professeur principal now sees and manages the pupil; the old one no longer
    assert access.can(session, new_teacher, "pupil.manage", pupil.user_id)
    assert not access.can(session, old_teacher, "pupil.view", pupil.user_id)
    history = moves.move_history(session, principal, pupil.user_id)
    assert [h.text for h in history] == [
        f"Changement de classe : {move.from_class_name} → {move.to_class_name}"
    ]


def test_the_professeur_principal_moves_their_pupil_but_a_follower_cannot(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    target = _profile(session, ah.pupil(session, w)).class_id
    follower = oh.staff(session, w.school, function="professeur")
    session.add(ClassFollow(user_id=follower.user_id, class_id=_profile(session, pupil).class_id))
    session.commit()
    before = ah.snapshot(session)
    with pytest.raises(PermissionDenied):
        moves.move_within_school(session, follower, pupil.user_id, target)
    assert moves.move_targets(session, follower, pupil.user_id) == []
    assert ah.snapshot(session) == before
    teacher = ah.main_teacher(session, w, pupil)
    moves.move_within_school(session, teacher, pupil.user_id, target)
    assert _profile(session, pupil).class_id == target


def test_nobody_outside_the_school_moves_a_pupil_and_nothing_changes(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    target = _profile(session, ah.pupil(session, w)).class_id
    other_school = oh.school(session, weeks=(W1,), name="Collège Jean Moulin")
    other_principal = oh.staff(session, other_school, role=Role.PRINCIPAL, function="principal")
    other_class = _profile(session, oh.pupil(session, other_school)).class_id
    emp, _ = ah.offer(session, w)
    principal = ah.principal(session, w)
    before = ah.snapshot(session)
    for viewer in (None, pupil, emp, other_principal):
        with pytest.raises((PermissionDenied, NotFound, NotAuthenticated)):
            moves.move_within_school(session, viewer, pupil.user_id, target)
    # the school's own principal cannot "move" a pupil into another collège's class, nor into
    # the class they are in, nor with ids a forged call sends
    for bad in (other_class, _profile(session, pupil).class_id):
        with pytest.raises(ValidationError):
            moves.move_within_school(session, principal, pupil.user_id, bad)
    for forged in ("12", None, True, -1, 2**40):
        with pytest.raises(NotFound):
            moves.move_within_school(session, principal, pupil.user_id, forged)
        with pytest.raises(NotFound):
            moves.move_within_school(session, principal, forged, target)
    assert ah.snapshot(session) == before


# ---------------------------------------------------------------------------------------------
# To another collège: a handover
# ---------------------------------------------------------------------------------------------


def _two_schools(session: Session):
    """School A (the world: W1, W2, W3) and school B near it with W1 only."""
    w = ah.world(session)
    school_b = oh.school(session, weeks=(W1,), name="Collège Jean Moulin")
    host = oh.pupil(session, school_b)  # gives school B a class
    class_b = _class_of(session, host)
    principal_b = oh.staff(session, school_b, role=Role.PRINCIPAL, function="principal")
    return w, school_b, class_b, principal_b


def test_a_handover_closes_what_the_new_college_lacks_and_keeps_the_rest(session):
    w, school_b, class_b, principal_b = _two_schools(session)
    pupil = ah.pupil(session, w)
    old_teacher = ah.main_teacher(session, w, pupil)
    principal_a = ah.principal(session, w)
    emp1, offer1 = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    emp2, offer2 = ah.offer(session, w, weeks=((W2, 1), (W3, 1)))
    emp3, offer3 = ah.offer(session, w, weeks=((W3, 2),))
    kept = ah.submitted(session, pupil, offer1, W1)  # W1: both collèges have it
    internship = ah.submitted(session, pupil, offer1, W2)
    apps.accept(session, emp1, internship)  # W2: an accepted internship
    sent = ah.submitted(session, pupil, offer2, W3)  # W3: sent, waiting
    draft = ah.draft(session, pupil, offer3, W3)
    assert ah.status(session, draft) == "draft"
    assert _week(session, offer1, W2).searchable is False

    # before the answer, nothing changes for the pupil
    moves.request_school_change(session, pupil, class_b.join_code.lower())
    assert _profile(session, pupil).school_id == w.school.id
    pending = moves.pending_school_change(session, pupil)
    assert pending is not None and pending.class_name == class_b.name
    assert moves.arrivals(session, principal_a, class_b.id) == []  # not A's class
    [row] = moves.arrivals(session, principal_b, class_b.id)
    assert row.from_school == w.school.name
    assert len(row.closes) == 3 and all("semaine" in c for c in row.closes)
    assert any("Arrivée d'un élève" in t for t in _titles(session, principal_b.user_id))
    assert ah.status(session, internship) == "accepted"

    message = moves.accept_arrival(session, principal_b, row.move_id)

    assert "3 candidature(s) ou stage(s)" in message
    profile = _profile(session, pupil)
    assert (profile.school_id, profile.class_id) == (school_b.id, class_b.id)
    assert profile.access_opened_at is not None  # the family's consent stays
    assert ah.status(session, kept) == "submitted"
    assert ah.status(session, internship) == "cancelled"
    assert ah.status(session, draft) == "cancelled_auto"
    assert ah.status(session, sent) == "cancelled_auto"
    ah.assert_history_consistent(session, internship)
    reason = ah.history(session, internship)[-1].reason
    assert "changé de collège" in reason and "Jean Moulin" in reason
    # the seat is free again and back in the search (R6)
    week = _week(session, offer1, W2)
    assert (week.accepted_count, week.searchable) == (0, True)
    assert any("l'élève a changé de collège" in t for t in _titles(session, emp1.user_id))
    assert any("Candidature close" in t for t in _titles(session, emp2.user_id))
    assert _titles(session, emp3.user_id) == []  # a draft was never sent to them
    assert any("Bienvenue au collège" in t for t in _titles(session, pupil.user_id))
    assert any("a changé de collège" in t for t in _titles(session, old_teacher.user_id))
    mail_to = set(session.execute(select(OutboxMail.to_email)).scalars())
    assert session.get(User, emp1.user_id).email in mail_to
    # the old collège no longer sees the pupil; the new one does (R1)
    assert not access.can(session, principal_a, "pupil.view", pupil.user_id)
    assert access.can(session, principal_b, "pupil.manage", pupil.user_id)
    assert [h.text for h in moves.move_history(session, principal_b, pupil.user_id)] == [
        f"Arrivée du collège {w.school.name} en {class_b.name}"
    ]
    # what stayed can still be answered: W1 is a week of the new collège
    apps.accept(session, emp1, kept)
    assert ah.status(session, kept) == "accepted"
    # the pupil may apply for the new collège's weeks only
    with pytest.raises(ValidationError):
        apps.start_or_get_draft(session, pupil, offer2, W2)


def test_the_pupil_asks_with_a_valid_code_of_another_college(session):
    w, _school_b, class_b, _principal_b = _two_schools(session)
    pupil = ah.pupil(session, w)
    own = _class_of(session, ah.pupil(session, w))
    closed = _class_of(session, oh.pupil(session, _school_b, class_open=False))
    before = ah.snapshot(session)
    for code in ("", "NOPE42", "x" * 100, own.join_code, closed.join_code, "\ud83d"):
        with pytest.raises(ValidationError) as refused:
            moves.request_school_change(session, pupil, code)
        assert refused.value.field == "class_code"
    assert ah.snapshot(session) == before
    with pytest.raises(PermissionDenied):
        moves.request_school_change(session, None, class_b.join_code)
    moves.request_school_change(session, pupil, f"  {class_b.join_code} ")
    with pytest.raises(Conflict):
        moves.request_school_change(session, pupil, class_b.join_code)
    # a new request replaces the previous one; the pupil can take it back
    school_c = oh.school(session, weeks=(W1,), name="Collège Victor Hugo")
    class_c = _class_of(session, oh.pupil(session, school_c))
    moves.request_school_change(session, pupil, class_c.join_code)
    statuses = sorted(session.execute(select(PupilMove.status)).scalars())
    assert statuses == ["cancelled", "pending"]
    assert moves.pending_school_change(session, pupil).class_name == class_c.name
    assert "retirée" in moves.cancel_school_change(session, pupil)
    assert moves.pending_school_change(session, pupil) is None
    with pytest.raises(Conflict):
        moves.cancel_school_change(session, pupil)


def test_the_new_college_may_decline_and_only_its_organisers_answer(session):
    w, school_b, class_b, principal_b = _two_schools(session)
    pupil = ah.pupil(session, w)
    moves.request_school_change(session, pupil, class_b.join_code)
    move_id = session.execute(select(PupilMove.id)).scalar_one()
    follower_b = oh.staff(session, school_b, function="professeur")
    session.add(ClassFollow(user_id=follower_b.user_id, class_id=class_b.id))
    session.commit()
    principal_a = ah.principal(session, w)
    before = ah.snapshot(session)
    for viewer in (principal_a, follower_b, pupil, None):
        with pytest.raises((PermissionDenied, NotFound, NotAuthenticated)):
            moves.accept_arrival(session, viewer, move_id)
    assert moves.arrivals(session, follower_b, class_b.id) == []
    with pytest.raises(ValidationError):
        moves.decline_arrival(session, principal_b, move_id, "non")
    for forged in ("1", None, 2**40, move_id + 99):
        with pytest.raises(NotFound):
            moves.accept_arrival(session, principal_b, forged)
    assert ah.snapshot(session) == before
    moves.decline_arrival(session, principal_b, move_id, "Cet élève n'est pas inscrit chez nous.")
    assert _profile(session, pupil).school_id == w.school.id
    assert any("n'a pas accepté" in t for t in _titles(session, pupil.user_id))
    with pytest.raises(Conflict):
        moves.accept_arrival(session, principal_b, move_id)


def test_deleting_the_requested_class_lapses_the_request_and_keeps_the_history(session):
    w, school_b, _class_b, principal_b = _two_schools(session)
    empty = school_service.create_class(session, principal_b, "3e Z")
    pupil = ah.pupil(session, w)
    moves.request_school_change(session, pupil, empty.join_code)
    school_service.delete_class(session, principal_b, empty.id)
    move = session.execute(select(PupilMove)).scalar_one()
    assert (move.status, move.to_class_id, move.to_class_name) == ("cancelled", None, "3e Z")
    del school_b


@pytest.mark.parametrize("rounds", [4])
def test_a_handover_racing_an_acceptance_keeps_seats_and_rules(engine, rounds):
    """The new collège accepts the pupil while an employer accepts the pupil's application for a
    week the new collège lacks: either the acceptance comes first and the handover cancels the
    internship (seat freed), or the handover comes first and the acceptance is refused. Never
    an accepted internship for a week of neither collège, never a wrong seat count."""
    setup = Session(engine, expire_on_commit=False)
    w, _school_b, class_b, principal_b = _two_schools(setup)
    for _ in range(rounds):
        pupil = ah.pupil(setup, w)
        emp, offer_id = ah.offer(setup, w, weeks=((W2, 1),))
        app_id = ah.submitted(setup, pupil, offer_id, W2)
        moves.request_school_change(setup, pupil, class_b.join_code)
        move_id = setup.execute(
            select(PupilMove.id).where(PupilMove.pupil_user_id == pupil.user_id)
        ).scalar_one()
        setup.rollback()  # no transaction held during the race
        results = ah.race(
            engine,
            [
                functools.partial(_call, moves.accept_arrival, principal_b, move_id),
                functools.partial(_call, apps.accept, emp, app_id),
            ],
        )
        assert results[0] == "ok", results
        assert not any(r.startswith("crash") for r in results), results
        with Session(engine) as session:
            app = session.get(Application, app_id)
            week = _week(session, offer_id, W2)
            assert app.status in ("cancelled", "cancelled_auto"), (results, app.status)
            assert week.accepted_count == 0 and week.searchable is True
            if results[1] == "ok":
                assert app.status == "cancelled"
            else:
                assert results[1].startswith("Conflict"), results
    setup.close()


def _call(fn, viewer, target, session):
    return fn(session, viewer, target)
