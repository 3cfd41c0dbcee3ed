"""Issue 11, points 2, 3 and 6: each test failed before the fix.

* A collège cannot remove an internship week while sent applications for it wait for an answer
  (the principal is told which), and an employer can never accept an application for a week
  that is no longer the pupil's collège's — not even when the removal and the answer collide.
* An employer cannot accept an application once its week has started.
* A pupil whose application was cancelled automatically (R5) can apply again to that offer week
  once the rules allow it (here: the internship that caused it was cancelled).
"""

from __future__ import annotations

import datetime as dt
import functools

import pytest
from sqlalchemy import delete, select, update
from sqlmodel import Session

from stages_app.models import InternshipWeek, Notification, Offer, Organisation, User
from stages_app.services import applications as apps
from stages_app.services import jobs
from stages_app.services import schools as school_service
from stages_app.services.errors import Conflict, NotFound, ValidationError
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2


def _week_id(session: Session, school_id: int, week: dt.date) -> int | None:
    return session.execute(
        select(InternshipWeek.id).where(
            InternshipWeek.school_id == school_id, InternshipWeek.week_start == week
        )
    ).scalar_one_or_none()


def test_a_week_with_applications_waiting_cannot_be_removed(session):
    w = ah.world(session)
    principal = ah.principal(session, w)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    week_id = _week_id(session, w.school.id, W1)
    name = session.get(User, pupil.user_id)
    org = session.execute(
        select(Organisation.name).where(Organisation.owner_id == emp.user_id)
    ).scalar_one()

    with pytest.raises(ValidationError) as refused:
        school_service.remove_week(session, principal, week_id)
    message = refused.value.message
    assert "une candidature envoyée attend la réponse d'un employeur" in message
    assert f"{name.first_name} {name.last_name} ({org})" in message
    assert _week_id(session, w.school.id, W1) == week_id
    # a draft does not hold the week; once the pupil withdraws, the week can go
    ah.draft(session, ah.pupil(session, w), offer_id, W1)
    apps.withdraw(session, pupil, app_id)
    school_service.remove_week(session, principal, week_id)
    assert _week_id(session, w.school.id, W1) is None


def test_an_application_for_a_week_the_college_no_longer_has_cannot_be_accepted(session):
    """As it could be left by the removal before this fix (or a future bug): the week is gone,
    the application still waits. The employer's acceptance is refused, nothing changes."""
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    session.execute(
        delete(InternshipWeek).where(
            InternshipWeek.school_id == w.school.id, InternshipWeek.week_start == W1
        )
    )
    session.commit()
    with pytest.raises(Conflict) as refused:
        apps.accept(session, emp, app_id)
    assert "n'est plus une semaine de stage du collège de l'élève" in refused.value.message
    session.rollback()
    assert ah.status(session, app_id) == "submitted"


def test_removing_a_week_while_a_pupil_sends_for_it(engine):
    """The principal removes W1 at the instant a pupil sends an application for it: either the
    week goes and the application is refused (it stays a draft), or it is sent and the removal
    is refused. Never both."""
    with Session(engine, expire_on_commit=False) as session:
        oh.commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352)
        sector = oh.sector(session)
    for _ in range(4):
        with Session(engine, expire_on_commit=False) as session:
            w = ah.World(oh.school(session, weeks=(W1, W2)), sector)
            principal = ah.principal(session, w)
            _, offer_id = ah.offer(session, w, weeks=((W1, 2),))
            pupil = ah.pupil(session, w)
            draft = ah.draft(session, pupil, offer_id, W1)
            week_id = _week_id(session, w.school.id, W1)
        results = ah.race(
            engine,
            [
                functools.partial(school_service.remove_week, viewer=principal, week_id=week_id),
                functools.partial(apps.submit_application, viewer=pupil, application_id=draft),
            ],
        )
        with Session(engine) as session:
            removed = _week_id(session, w.school.id, W1) is None
            status = ah.status(session, draft)
        assert (removed, status) in {(True, "draft"), (False, "submitted")}, results
        assert results.count("ok") == 1, results
        assert all(r == "ok" or r.startswith(("ValidationError", "Conflict")) for r in results)


def test_an_application_cannot_be_accepted_once_its_week_has_started(session, monkeypatch):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
    late = ah.submitted(session, pupil, offer_id, W1)
    on_time = ah.submitted(session, ah.pupil(session, w), offer_id, W1)
    monkeypatch.setattr(apps, "paris_today", lambda: W1 + dt.timedelta(days=10))
    with pytest.raises(Conflict) as refused:
        apps.accept(session, emp, late)
    assert "est commencée ou passée : il est trop tard pour accepter" in refused.value.message
    session.rollback()
    assert ah.status(session, late) == "submitted"
    monkeypatch.setattr(apps, "paris_today", lambda: W1)  # the Monday itself: still possible
    apps.accept(session, emp, on_time)
    assert ah.status(session, on_time) == "accepted"


def test_a_pupil_may_apply_again_after_an_automatic_cancellation(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp_a, offer_a = ah.offer(session, w)
    emp_b, offer_b = ah.offer(session, w)
    a = ah.submitted(session, pupil, offer_a, W1)
    b = ah.submitted(session, pupil, offer_b, W1)
    apps.accept(session, emp_a, a)
    assert ah.status(session, b) == "cancelled_auto"
    # while the internship holds, R3 still refuses a new application for that week
    with pytest.raises(Conflict):
        apps.start_or_get_draft(session, pupil, offer_b, W1)
    session.rollback()

    def offer_page_week():
        return next(
            c for c in apps.application_weeks(session, pupil, offer_b) if c.week_start == W1
        )

    assert not offer_page_week().can_apply_again  # blocked: an internship that week
    apps.cancel_accepted(session, pupil, a, "Le magasin ferme cette semaine-là.")
    shown = offer_page_week()  # the offer page offers "Postuler à nouveau"
    assert (shown.application_id, shown.application_status) == (b, "cancelled_auto")
    assert shown.can_apply_again and shown.blocked_reason == ""

    again = apps.start_or_get_draft(session, pupil, offer_b, W1)
    assert again.id == b and ah.status(session, b) == "draft"  # R7: the same row
    assert again.letter == ah.LETTER  # what they wrote is kept
    # a draft again: the employer does not see it until it is sent
    with pytest.raises(NotFound):
        apps.open_application(session, emp_b, b)
    session.rollback()
    assert all(r.application_id != b for r in apps.inbox(session, emp_b))
    apps.submit_application(session, pupil, b)
    apps.accept(session, emp_b, b)
    assert ah.status(session, b) == "accepted"
    visited = ah.assert_history_consistent(session, b)
    assert visited == ["draft", "submitted", "cancelled_auto", "draft", "submitted", "accepted"]


def test_unanswered_applications_close_when_their_week_starts(engine, monkeypatch):
    """The hourly job (``jobs.run_once``, also ``cli close-past-weeks``) closes what waits for an
    answer when its week has started, tells the pupil, and leaves everything else alone."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 3), (W2, 1)))
        p1, p2, p3 = (ah.pupil(session, w) for _ in range(3))
        waiting = ah.submitted(session, p1, offer_id, W1)
        read = ah.submitted(session, p2, offer_id, W1)
        apps.open_application(session, emp, read)
        accepted = ah.submitted(session, p3, offer_id, W1)
        apps.accept(session, emp, accepted)
        next_week = ah.submitted(session, p1, offer_id, W2)
        draft = ah.draft(session, p2, offer_id, W2)
    monkeypatch.setattr(apps, "paris_today", lambda: W1 + dt.timedelta(days=1))

    assert jobs.run_once(engine) == 2
    assert jobs.run_once(engine) == 0  # nothing left to close

    with Session(engine) as session:
        assert [ah.status(session, a) for a in (waiting, read, accepted, next_week, draft)] == [
            "cancelled_auto",
            "cancelled_auto",
            "accepted",
            "submitted",
            "draft",
        ]
        for app_id in (waiting, read):
            last = ah.history(session, app_id)[-1]
            assert last.reason == apps.past_week_reason(W1) and last.actor_id is None
            ah.assert_history_consistent(session, app_id)
        told = session.execute(
            select(Notification.user_id).where(Notification.kind == "application_closed_past_week")
        ).scalars()
        assert sorted(told) == sorted([p1.user_id, p2.user_id])
        tracker = apps.pupil_tracker(session, p1).applications
        row = next(r for r in tracker if r.application_id == waiting)
        assert "a commencé sans réponse de l'employeur" in row.reason


def test_an_application_left_waiting_on_an_unpublished_offer_cannot_be_accepted(session):
    """Unpublishing now closes what waits (tests/unit/test_offer_races.py); an application left
    open on an offer unpublished before that (old data) cannot be accepted either."""
    w = ah.world(session)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, ah.pupil(session, w), offer_id, W1)
    session.execute(update(Offer).where(Offer.id == offer_id).values(status="draft"))
    session.commit()
    with pytest.raises(Conflict) as refused:
        apps.accept(session, emp, app_id)
    assert refused.value.message.startswith("Cette offre n'est plus publiée")
    session.rollback()
    assert ah.status(session, app_id) == "submitted"
