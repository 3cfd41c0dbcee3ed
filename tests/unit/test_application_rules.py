"""Rules R3–R7 of the application lifecycle, one by one, then under concurrency.

Every test runs on SQLite (a file) and again on PostgreSQL. The race tests release 20 threads
together with a barrier, each with its own Session and connection:

* 20 employers accept, at the same instant, 20 applications of ONE pupil for the same week:
  exactly one is accepted, the 19 others are cancelled automatically (R3 + R5);
* one employer accepts, at the same instant, 20 pupils on an offer week with 2 seats: exactly 2
  are accepted; the 18 others get the French "plus de place" Conflict and stay open, waiting for
  an answer (the employer may refuse them, or accept one if a seat is freed) (R6).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from stages_app.models import Application, Notification, OfferWeek, OutboxMail
from stages_app.services import applications as apps
from stages_app.services.errors import Conflict
from tests.unit import application_helpers as ah
from tests.unit.application_helpers import W1, W2, W3


def week_row(session: Session, offer_id: int, week) -> OfferWeek:
    session.expire_all()
    return session.execute(
        select(OfferWeek).where(OfferWeek.offer_id == offer_id, OfferWeek.week_start == week)
    ).scalar_one()


# ---------------------------------------------------------------------------------------------
# R3: one accepted internship per week
# ---------------------------------------------------------------------------------------------


def test_r3_one_internship_per_week(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp_a, offer_a = ah.offer(session, w)
    emp_b, offer_b = ah.offer(session, w)
    _, offer_c = ah.offer(session, w)
    app_a = ah.submitted(session, pupil, offer_a, W1)
    app_b = ah.submitted(session, pupil, offer_b, W1)
    draft_c = ah.draft(session, pupil, offer_c, W1)

    apps.accept(session, emp_a, app_a)

    with pytest.raises(Conflict) as refused:
        apps.accept(session, emp_b, app_b)
    assert "annulée automatiquement" in refused.value.message
    # the draft for that week may not be sent any more, with a clear reason
    with pytest.raises(Conflict) as not_sent:
        apps.submit_application(session, pupil, draft_c)
    assert "déjà un stage accepté pour la semaine" in not_sent.value.message
    assert ah.status(session, draft_c) == "draft"
    # nor may a new application for that week be started
    _, offer_d = ah.offer(session, w)
    with pytest.raises(Conflict):
        apps.start_or_get_draft(session, pupil, offer_d, W1)
    assert ah.count(session, Application, Application.offer_id == offer_d) == 0
    assert (
        ah.count(
            session,
            Application,
            Application.student_id == pupil.user_id,
            Application.status == "accepted",
        )
        == 1
    )


def test_r3_partial_unique_index_is_the_last_line_of_defence(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp_a, offer_a = ah.offer(session, w)
    _, offer_b = ah.offer(session, w)
    app_a = ah.submitted(session, pupil, offer_a, W1)
    app_b = ah.submitted(session, pupil, offer_b, W1)
    apps.accept(session, emp_a, app_a)
    # bypassing the services (the cancelled_auto application put back to accepted)
    with pytest.raises(IntegrityError):
        session.execute(
            update(Application).where(Application.id == app_b).values(status="accepted")
        )
        session.commit()
    session.rollback()


# ---------------------------------------------------------------------------------------------
# R4: two internships per school year; R5 at the second one
# ---------------------------------------------------------------------------------------------


def test_r4_two_per_year_then_everything_open_is_cancelled_and_a_third_is_refused(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp1, offer1 = ah.offer(session, w, weeks=((W1, 1),))
    emp2, offer2 = ah.offer(session, w, weeks=((W2, 1),))
    emp3, offer3 = ah.offer(session, w, weeks=((W3, 1),))
    emp4, offer4 = ah.offer(session, w, weeks=((W3, 1),))
    a1 = ah.submitted(session, pupil, offer1, W1)
    a2 = ah.submitted(session, pupil, offer2, W2)
    a3 = ah.submitted(session, pupil, offer3, W3)
    a4 = ah.submitted(session, pupil, offer4, W3)
    apps.open_application(session, emp4, a4)  # read: still open

    apps.accept(session, emp1, a1)
    assert [ah.status(session, a) for a in (a2, a3, a4)] == ["submitted", "submitted", "read"]
    apps.accept(session, emp2, a2)
    # the second internship: every other open application of the year is cancelled (R5)
    assert ah.status(session, a3) == ah.status(session, a4) == "cancelled_auto"
    reason = ah.history(session, a3)[-1].reason
    assert reason == apps.auto_cancel_reason(W3, two_internships=True)
    assert "deux stages" in reason

    tracker = apps.pupil_tracker(session, pupil)
    assert tracker.count == 2 and tracker.count_label == "2 stages sur 2"
    assert [r.week_start for r in tracker.internships] == [W1, W2]

    # a third internship is refused: no new application...
    _, offer5 = ah.offer(session, w, weeks=((W3, 1),))
    with pytest.raises(Conflict) as third:
        apps.start_or_get_draft(session, pupil, offer5, W3)
    assert "deux stages acceptés" in third.value.message
    # ...and an application still open (here put back by hand) cannot be accepted
    session.execute(update(Application).where(Application.id == a3).values(status="submitted"))
    session.commit()
    before = ah.snapshot(session)
    with pytest.raises(Conflict) as accept_third:
        apps.accept(session, emp3, a3)
    assert "deux stages acceptés" in accept_third.value.message
    assert ah.snapshot(session) == before


# ---------------------------------------------------------------------------------------------
# R5: automatic cancellation of the other applications of that week
# ---------------------------------------------------------------------------------------------


def test_r5_same_week_applications_cancelled_with_reason_and_employers_informed(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    emp_a, offer_a = ah.offer(session, w)
    emp_b, offer_b = ah.offer(session, w)
    emp_c, offer_c = ah.offer(session, w)
    emp_d, offer_d = ah.offer(session, w, weeks=((W2, 1),))
    app_a = ah.submitted(session, pupil, offer_a, W1)
    app_b = ah.submitted(session, pupil, offer_b, W1)
    app_c = ah.submitted(session, pupil, offer_c, W1)
    app_d = ah.submitted(session, pupil, offer_d, W2)
    apps.open_application(session, emp_b, app_b)

    message = apps.accept(session, emp_a, app_a, "Bienvenue, rendez-vous lundi à 9 h !")
    assert "Vous avez accepté la candidature d'Inès" in message

    assert ah.status(session, app_a) == "accepted"
    assert ah.status(session, app_b) == ah.status(session, app_c) == "cancelled_auto"
    assert ah.status(session, app_d) == "submitted"  # another week: untouched
    for app_id in (app_b, app_c):
        last = ah.history(session, app_id)[-1]
        assert last.actor_id is None  # the system
        assert last.reason == apps.auto_cancel_reason(W1)
        assert "une autre candidature de l'élève a été acceptée" in last.reason
    accepted_at = ah.history(session, app_a)[-1].at
    assert ah.history(session, app_b)[-1].at == accepted_at  # the same transaction

    # employers informed (in the app and by mail), the pupil and the professeur principal too
    for emp in (emp_b, emp_c):
        notes = (
            session.execute(
                select(Notification).where(
                    Notification.user_id == emp.user_id,
                    Notification.kind == "application_cancelled_auto",
                )
            )
            .scalars()
            .all()
        )
        assert len(notes) == 1 and "annulée automatiquement" in notes[0].body
    assert (
        ah.count(
            session,
            OutboxMail,
            OutboxMail.dedupe_key.in_(
                [f"application_cancelled_auto:{app_b}", f"application_cancelled_auto:{app_c}"]
            ),
        )
        == 2
    )
    assert (
        ah.count(
            session,
            OutboxMail,
            OutboxMail.to_email == emp_d.email,
            OutboxMail.kind == "application_cancelled_auto",
        )
        == 0
    )
    pupil_note = session.execute(
        select(Notification).where(
            Notification.user_id == pupil.user_id, Notification.kind == "application_accepted"
        )
    ).scalar_one()
    assert "Vos 2 autres candidatures en attente pour cette semaine" in pupil_note.body
    assert "Bienvenue" in pupil_note.body
    assert (
        ah.count(
            session,
            Notification,
            Notification.user_id == teacher.user_id,
            Notification.kind == "application_accepted",
        )
        == 1
    )
    assert (
        ah.count(
            session, OutboxMail, OutboxMail.dedupe_key == f"application_answer:{app_a}:teacher"
        )
        == 1
    )

    # what the pupil reads in the tracker
    tracker = apps.pupil_tracker(session, pupil)
    rows = {r.application_id: r for r in tracker.applications}
    assert rows[app_b].status_label == "Annulée automatiquement"
    assert "une autre de vos candidatures a été acceptée" in rows[app_b].reason
    assert rows[app_d].status_label == "Envoyée" and rows[app_d].can_withdraw
    assert tracker.count_label == "1 stage sur 2"


def test_r5_drafts_stay_drafts(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp_a, offer_a = ah.offer(session, w)
    _, offer_b = ah.offer(session, w)
    app_a = ah.submitted(session, pupil, offer_a, W1)
    draft_b = ah.draft(session, pupil, offer_b, W1)
    apps.accept(session, emp_a, app_a)
    assert ah.status(session, draft_b) == "draft"
    # once the internship is cancelled, the draft may be sent again
    apps.cancel_accepted(session, pupil, app_a, "Je suis malade cette semaine-là.")
    apps.submit_application(session, pupil, draft_b)
    assert ah.status(session, draft_b) == "submitted"


# ---------------------------------------------------------------------------------------------
# R6: capacity
# ---------------------------------------------------------------------------------------------


def test_r6_seats_never_exceeded_and_a_full_week_leaves_the_search(session):
    w = ah.world(session)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    p1, p2, p3 = (ah.pupil(session, w) for _ in range(3))
    a1 = ah.submitted(session, p1, offer_id, W1)
    a2 = ah.submitted(session, p2, offer_id, W1)
    assert week_row(session, offer_id, W1).searchable

    apps.accept(session, emp, a1)
    week = week_row(session, offer_id, W1)
    assert (week.accepted_count, week.searchable) == (1, False)
    # the full week is no longer offered to other pupils
    assert [c.week_start for c in apps.application_weeks(session, p3, offer_id)] == [W2]

    before = ah.snapshot(session)
    with pytest.raises(Conflict) as full:
        apps.accept(session, emp, a2)
    assert "plus de place" in full.value.message
    assert ah.snapshot(session) == before
    assert ah.status(session, a2) == "submitted"  # still waiting for an answer
    detail = apps.open_application(session, emp, a2)
    assert not detail.can_accept and "Plus de place" in detail.accept_blocked_reason

    # cancelling frees the seat: the week is searchable again and the other pupil may be taken
    apps.cancel_accepted(session, emp, a1, "Notre boutique ferme pour travaux cette semaine.")
    week = week_row(session, offer_id, W1)
    assert (week.accepted_count, week.searchable) == (0, True)
    apps.accept(session, emp, a2)
    assert week_row(session, offer_id, W1).accepted_count == 1


def test_r6_capacity_check_constraint_is_the_last_line_of_defence(session):
    w = ah.world(session)
    _, offer_id = ah.offer(session, w, weeks=((W1, 2),))
    with pytest.raises(IntegrityError):
        session.execute(
            update(OfferWeek).where(OfferWeek.offer_id == offer_id).values(accepted_count=3)
        )
        session.commit()
    session.rollback()


# ---------------------------------------------------------------------------------------------
# R7: one application per pupil, offer and week
# ---------------------------------------------------------------------------------------------


def test_r7_one_application_per_pupil_offer_and_week(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w, weeks=((W1, 2), (W2, 2)))
    first = apps.start_or_get_draft(session, pupil, offer_id, W1)
    again = apps.start_or_get_draft(session, pupil, offer_id, W1.isoformat())
    assert again.id == first.id and again.status == "draft"
    other_week = apps.start_or_get_draft(session, pupil, offer_id, W2)
    assert other_week.id != first.id

    apps.save_letter(session, pupil, first.id, ah.LETTER)
    apps.submit_application(session, pupil, first.id)
    after = apps.start_or_get_draft(session, pupil, offer_id, W1)
    assert after.id == first.id and after.status == "submitted" and not after.can_edit
    assert ah.count(session, Application, Application.student_id == pupil.user_id) == 2

    # the unique constraint holds even when the services are bypassed
    row = session.get(Application, first.id)
    with pytest.raises(IntegrityError):
        session.add(
            Application(
                student_id=pupil.user_id,
                offer_id=offer_id,
                offer_week_id=row.offer_week_id,
                week_start=W1,
                school_year=row.school_year,
            )
        )
        session.commit()
    session.rollback()


def test_r7_two_drafts_started_at_the_same_instant_make_one(engine):
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        pupil = ah.pupil(session, w)
        _, offer_id = ah.offer(session, w)
    results = ah.race(
        engine, [lambda s: apps.start_or_get_draft(s, pupil, offer_id, W1) for _ in range(6)]
    )
    assert results == ["ok"] * 6
    with Session(engine) as session:
        assert ah.count(session, Application, Application.student_id == pupil.user_id) == 1


# ---------------------------------------------------------------------------------------------
# Every transition is recorded
# ---------------------------------------------------------------------------------------------


def test_every_transition_has_its_event(session):
    w = ah.world(session)
    p1, p2 = ah.pupil(session, w), ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 2), (W2, 2), (W3, 2)))
    emp_b, offer_b = ah.offer(session, w)
    accepted_then_cancelled = ah.submitted(session, p1, offer_id, W1)
    auto = ah.submitted(session, p1, offer_b, W1)
    refused = ah.submitted(session, p1, offer_id, W2)
    withdrawn_draft = ah.draft(session, p1, offer_id, W3)
    withdrawn_read = ah.submitted(session, p2, offer_id, W1)

    apps.open_application(session, emp, accepted_then_cancelled)
    apps.accept(session, emp, accepted_then_cancelled, "Bienvenue !")
    apps.cancel_accepted(session, p1, accepted_then_cancelled, "Je déménage en décembre.")
    apps.refuse(session, emp, refused, apps.REFUSAL_TEMPLATES[0])
    apps.withdraw(session, p1, withdrawn_draft)
    apps.open_application(session, emp, withdrawn_read)
    apps.withdraw(session, p2, withdrawn_read, "J'ai trouvé un autre stage.")

    expected = {
        accepted_then_cancelled: ["draft", "submitted", "read", "accepted", "cancelled"],
        auto: ["draft", "submitted", "cancelled_auto"],
        refused: ["draft", "submitted", "refused"],
        withdrawn_draft: ["draft", "withdrawn"],
        withdrawn_read: ["draft", "submitted", "read", "withdrawn"],
    }
    for app_id, statuses in expected.items():
        assert ah.assert_history_consistent(session, app_id) == statuses
    # who and why
    events = ah.history(session, accepted_then_cancelled)
    assert [e.actor_id for e in events] == [
        p1.user_id,
        p1.user_id,
        emp.user_id,
        emp.user_id,
        p1.user_id,
    ]
    assert events[3].reason == "Bienvenue !"
    assert events[4].reason == "Je déménage en décembre."
    assert ah.history(session, refused)[-1].reason == apps.REFUSAL_TEMPLATES[0]
    assert ah.history(session, withdrawn_read)[-1].reason == "J'ai trouvé un autre stage."
    # the draft withdrawn before being sent may be taken up again (same row, R7)
    again = apps.start_or_get_draft(session, p1, offer_id, W3)
    assert again.id == withdrawn_draft and again.status == "draft"
    assert ah.assert_history_consistent(session, withdrawn_draft) == ["draft", "withdrawn", "draft"]


# ---------------------------------------------------------------------------------------------
# Concurrency: 20 threads released together (SQLite file, then PostgreSQL)
# ---------------------------------------------------------------------------------------------

N = 20


def test_twenty_employers_accept_the_same_pupil_for_one_week_at_once(engine):
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        pupil = ah.pupil(session, w)
        pairs = [ah.offer(session, w) for _ in range(N)]
        app_ids = [ah.submitted(session, pupil, offer_id, W1) for _, offer_id in pairs]

    results = ah.race(
        engine,
        [
            (lambda s, emp=emp, app_id=app_id: apps.accept(s, emp, app_id))
            for (emp, _), app_id in zip(pairs, app_ids, strict=True)
        ],
    )

    assert results.count("ok") == 1, results
    assert all(r.startswith("Conflict: ") for r in results if r != "ok"), results
    with Session(engine) as session:
        statuses = [ah.status(session, a) for a in app_ids]
        assert statuses.count("accepted") == 1
        assert statuses.count("cancelled_auto") == N - 1
        winner = app_ids[statuses.index("accepted")]
        assert results[app_ids.index(winner)] == "ok"
        for app_id in app_ids:
            ah.assert_history_consistent(session, app_id)
        weeks = (
            session.execute(select(OfferWeek).where(OfferWeek.offer_id.in_([o for _, o in pairs])))
            .scalars()
            .all()
        )
        assert sum(wk.accepted_count for wk in weeks) == 1
        assert sum(not wk.searchable for wk in weeks) == 1
        # each of the 19 other employers was told, once
        assert (
            ah.count(session, OutboxMail, OutboxMail.kind == "application_cancelled_auto") == N - 1
        )
    with Session(engine) as session:
        assert apps.pupil_tracker(session, pupil).count_label == "1 stage sur 2"


def test_twenty_pupils_accepted_at_once_on_a_week_with_two_seats(engine):
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
        pupils = [ah.pupil(session, w) for _ in range(N)]
        app_ids = [ah.submitted(session, p, offer_id, W1) for p in pupils]

    results = ah.race(
        engine, [(lambda s, app_id=app_id: apps.accept(s, emp, app_id)) for app_id in app_ids]
    )

    assert results.count("ok") == 2, results
    refused = [r for r in results if r != "ok"]
    assert len(refused) == N - 2
    assert all(r.startswith("Conflict: ") and "plus de place" in r for r in refused), results
    with Session(engine) as session:
        statuses = [ah.status(session, a) for a in app_ids]
        assert statuses.count("accepted") == 2
        assert statuses.count("submitted") == N - 2  # still waiting for an answer
        week = week_row(session, offer_id, W1)
        assert (week.seats, week.accepted_count, week.searchable) == (2, 2, False)
        for app_id in app_ids:
            ah.assert_history_consistent(session, app_id)
        assert ah.count(session, OutboxMail, OutboxMail.kind == "application_accepted") == 2
