"""The edges of the rules that mutation testing (``make mutate``) showed were not pinned down.

* R1 while a draft is open: a pupil whose access is withdrawn (by their professeur principal, or
  the whole class closed) can no longer read, save, send or withdraw an application; each action
  says why, in the words of R1, and changes nothing.
* Drafts are the pupil's alone: an employer addressing a draft by its id gets "introuvable", the
  same answer as for an id that does not exist, with nothing about the pupil.
* R4/R5 count per school year, which starts on 1 September: two internships this year do not
  block next year's, and the R5 cancellation at the second internship leaves next year's
  applications alone.
* Why ``accept`` locks the pupil's row: R4 has no database constraint behind it (R3 has a unique
  index, R6 a CHECK), so only that lock keeps two employers accepting the same pupil for two
  different weeks at the same instant from giving them a third internship.

Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from stages_app.models import Application, PupilProfile, SchoolClass, User
from stages_app.services import applications as apps
from stages_app.services import pupils as pupil_service
from stages_app.services import schools as school_service
from stages_app.services.calendar import monday_of, school_year_of
from stages_app.services.errors import Conflict, NotFound, PermissionDenied
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2, W3

PUPIL_CLOSED = "Votre accès n'est pas encore ouvert"
CLASS_CLOSED = "L'accès de votre classe à la plateforme n'est pas ouvert."


def _pupil_actions(pupil, app_id):
    """What a pupil can do to one of their applications, each as a call on a session."""
    return {
        "lire": lambda s: apps.get_application(s, pupil, app_id),
        "enregistrer": lambda s: apps.save_letter(s, pupil, app_id, ah.LETTER + " Merci."),
        "envoyer": lambda s: apps.submit_application(s, pupil, app_id),
        "retirer": lambda s: apps.withdraw(s, pupil, app_id, "Je change d'avis."),
    }


def _class_of(session: Session, pupil) -> SchoolClass:
    profile = session.get(PupilProfile, pupil.user_id)
    return session.get(SchoolClass, profile.class_id)


@pytest.mark.parametrize("closed_by", ["main_teacher", "principal_closes_the_class"])
def test_r1_access_withdrawn_while_a_draft_is_open(session, closed_by):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    _, other_offer = ah.offer(session, w)
    draft_id = ah.draft(session, pupil, offer_id, W1)
    sent_id = ah.submitted(session, pupil, other_offer, W1)
    if closed_by == "main_teacher":
        teacher = ah.main_teacher(session, w, pupil)
        pupil_service.withdraw_access(session, teacher, pupil.user_id)
        expected = PUPIL_CLOSED
    else:
        principal = ah.principal(session, w)
        school_service.set_class_access(session, principal, _class_of(session, pupil).id, False)
        expected = CLASS_CLOSED
    before = ah.snapshot(session)

    for app_id in (draft_id, sent_id):
        for what, action in _pupil_actions(pupil, app_id).items():
            with pytest.raises(PermissionDenied) as refused:
                action(session)
            assert refused.value.message.startswith(expected), (what, refused.value.message)
            session.rollback()
    # nor a new draft, nor the tracker's list of applications
    with pytest.raises(PermissionDenied):
        apps.start_or_get_draft(session, pupil, other_offer, W2)
    session.rollback()
    assert ah.snapshot(session) == before
    assert ah.status(session, draft_id) == "draft"
    assert ah.status(session, sent_id) == "submitted"


def test_r1_access_reopened_gives_the_draft_back_as_it_was(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    draft_id = ah.draft(session, pupil, offer_id, W1)
    teacher = ah.main_teacher(session, w, pupil)
    pupil_service.withdraw_access(session, teacher, pupil.user_id)
    pupil_service.open_access(session, teacher, [pupil.user_id])
    assert apps.get_application(session, pupil, draft_id).letter == ah.LETTER
    apps.submit_application(session, pupil, draft_id)
    assert ah.status(session, draft_id) == "submitted"


@pytest.mark.parametrize("withdrawn", [False, True], ids=["draft", "draft_withdrawn_unsent"])
def test_an_employer_never_reaches_a_draft_by_its_id(session, withdrawn):
    """A draft — and a draft the pupil withdrew without ever sending it (found by the lifecycle
    model: it used to reach the employer as "retirée", with the pupil's name) — is not the
    employer's."""
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    names = session.get(User, pupil.user_id)
    emp, offer_id = ah.offer(session, w)
    draft_id = ah.draft(session, pupil, offer_id, W1)
    if withdrawn:
        apps.withdraw(session, pupil, draft_id)
    missing_id = draft_id + 10_000
    before = ah.snapshot(session)

    answers = {}
    for app_id in (draft_id, missing_id):
        for what, action in {
            "ouvrir": lambda s, a=app_id: apps.open_application(s, emp, a),
            "accepter": lambda s, a=app_id: apps.accept(s, emp, a, "Bienvenue !"),
            "refuser": lambda s, a=app_id: apps.refuse(s, emp, a, apps.REFUSAL_TEMPLATES[0]),
            "annuler": lambda s, a=app_id: apps.cancel_accepted(s, emp, a, "Fermeture."),
        }.items():
            with pytest.raises(NotFound) as refused:
                action(session)
            session.rollback()
            answers[(what, app_id == draft_id)] = refused.value.message
    # the same answer as for an id that does not exist, and nothing about the pupil
    for what in ("ouvrir", "accepter", "refuser", "annuler"):
        assert answers[(what, True)] == answers[(what, False)] == apps.NOT_FOUND, what
    assert not any(names.first_name in m or names.last_name in m for m in answers.values()), answers
    assert ah.snapshot(session) == before
    # and the inbox does not list it, nor count it
    assert all(row.application_id != draft_id for row in apps.inbox(session, emp))
    assert apps.inbox(session, emp, status="withdrawn") == []
    assert apps.inbox_groups(session, emp) == []  # no offer week with an application


def _next_year_weeks() -> tuple[dt.date, dt.date]:
    """Two Mondays of the school year after W1's (from the first Monday of September)."""
    september = dt.date(school_year_of(W1) + 1, 9, 1)
    first = monday_of(september)
    if first < september:
        first += dt.timedelta(weeks=1)
    return first, first + dt.timedelta(weeks=1)


def test_r4_r5_count_per_school_year_across_1_september(session):
    n1, n2 = _next_year_weeks()
    assert school_year_of(n1) == school_year_of(n2) == school_year_of(W3) + 1
    oh.commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352)
    school = oh.school(session, weeks=(W1, W2, W3, n1, n2))
    w = ah.World(school, oh.sector(session))
    pupil = ah.pupil(session, w)
    emp1, o1 = ah.offer(session, w, weeks=((W1, 1),))
    emp2, o2 = ah.offer(session, w, weeks=((W2, 1),))
    _, o3 = ah.offer(session, w, weeks=((W3, 1),))
    emp_n1, on1 = ah.offer(session, w, weeks=((n1, 1),))
    emp_n2, on2 = ah.offer(session, w, weeks=((n2, 1),))
    a1 = ah.submitted(session, pupil, o1, W1)
    a2 = ah.submitted(session, pupil, o2, W2)
    a3 = ah.submitted(session, pupil, o3, W3)
    next_sent = ah.submitted(session, pupil, on1, n1)
    next_draft = ah.draft(session, pupil, on2, n2)

    apps.accept(session, emp1, a1)
    apps.accept(session, emp2, a2)  # the second of this year: R5 cancels this year's only
    assert ah.status(session, a3) == "cancelled_auto"
    assert ah.status(session, next_sent) == "submitted"
    assert ah.status(session, next_draft) == "draft"
    # a third internship this year: refused, with the R4 message
    _, o3b = ah.offer(session, w, weeks=((W3, 1),))
    with pytest.raises(Conflict) as third:
        apps.start_or_get_draft(session, pupil, o3b, W3)
    assert "deux stages acceptés cette année scolaire" in third.value.message
    session.rollback()
    # next year is a new count: both of next year's internships can be accepted
    apps.submit_application(session, pupil, next_draft)
    apps.accept(session, emp_n1, next_sent)
    apps.accept(session, emp_n2, next_draft)
    years = sorted(
        session.exec(
            select(Application.school_year).where(
                Application.student_id == pupil.user_id, Application.status == "accepted"
            )
        ).all()
    )
    assert years == [school_year_of(W1)] * 2 + [school_year_of(n1)] * 2
    tracker = apps.pupil_tracker(session, pupil)
    assert tracker.count_label == "2 stages sur 2"  # the current school year's count
    for app_id in (a1, a2, a3, next_sent, next_draft):
        ah.assert_history_consistent(session, app_id)


SIX = 6


def test_r4_holds_when_employers_accept_one_pupil_for_different_weeks_at_once(engine):
    """Six employers accept the same pupil, each for a different week of one school year, at
    the same instant. There is no database constraint behind R4: without the lock on the pupil's
    row in ``accept`` (taken right after the offer week's), each transaction counts the pupil's
    accepted internships before the others commit and all six succeed. With it: exactly two."""
    weeks = [oh.WEEK1 + dt.timedelta(weeks=i) for i in range(SIX)]
    while school_year_of(weeks[0]) != school_year_of(weeks[-1]):
        weeks = [w + dt.timedelta(weeks=1) for w in weeks]
    with Session(engine, expire_on_commit=False) as session:
        oh.commune(session, "93008", "Bobigny", "93000", 48.9068, 2.4352)
        w = ah.World(oh.school(session, weeks=tuple(weeks)), oh.sector(session))
        pupil = ah.pupil(session, w)
        offers = [ah.offer(session, w, weeks=((week, 1),)) for week in weeks]
        app_ids = [
            ah.submitted(session, pupil, offer_id, week)
            for (_, offer_id), week in zip(offers, weeks, strict=True)
        ]

    results = ah.race(
        engine,
        [
            (lambda s, emp=emp, app_id=app_id: apps.accept(s, emp, app_id))
            for (emp, _), app_id in zip(offers, app_ids, strict=True)
        ],
    )

    assert results.count("ok") == 2, results
    assert all(r == "ok" or r.startswith("Conflict: ") for r in results), results
    with Session(engine) as session:
        statuses = [ah.status(session, a) for a in app_ids]
        assert statuses.count("accepted") == 2, statuses
        # R5: at the second internship every other open application of the year is cancelled
        assert statuses.count("cancelled_auto") == SIX - 2, statuses
        for app_id in app_ids:
            ah.assert_history_consistent(session, app_id)
        assert apps.pupil_tracker(session, pupil).count_label == "2 stages sur 2"
