"""Applying and answering, as a pupil and an employer see it, and the bad input of issue 5:
applying twice, to a full week, outside the collège's weeks, after two internships, to an
unpublished offer, with an empty or 20,000-character letter, with HTML in the letter, an
employer answering for another employer's offer, forged ids — a clear French message or a
refusal, and nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from stages_app.models import Application, Notification, OutboxMail, utcnow
from stages_app.services import applications as apps
from stages_app.services import notifications
from stages_app.services import offers as offer_service
from stages_app.services.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import NOT_A_SCHOOL_WEEK, W1, W2, W3

FORGED_IDS = [None, "", "abc", "1 OR 1=1", -1, 0, 2**70, True, 3.5, {"id": 1}, [1]]


def _refused(fn, *args, error=DomainError, **kwargs) -> DomainError:
    with pytest.raises(error) as info:
        fn(*args, **kwargs)
    assert info.value.message and info.value.message[0].isupper()
    return info.value


# ---------------------------------------------------------------------------------------------
# The pupil: weeks, draft, letter, sending
# ---------------------------------------------------------------------------------------------


def test_weeks_offered_are_the_schools_weeks_with_a_free_seat(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    other = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 3), (NOT_A_SCHOOL_WEEK, 2)))
    choices = apps.application_weeks(session, pupil, offer_id)
    assert [(c.week_start, c.free_seats) for c in choices] == [(W1, 1), (W2, 3)]
    assert choices[0].label.startswith("Semaine du ")
    assert choices[0].application_id is None and not choices[0].blocked_reason

    draft = apps.start_or_get_draft(session, pupil, offer_id, W2)
    choices = apps.application_weeks(session, pupil, offer_id)
    assert (choices[1].application_id, choices[1].application_status) == (draft.id, "draft")

    # W1 filled by another pupil: no longer offered
    apps.accept(session, emp, ah.submitted(session, other, offer_id, W1))
    assert [c.week_start for c in apps.application_weeks(session, pupil, offer_id)] == [W2]

    # a week where the pupil already has an internship is shown with the reason
    emp_b, offer_b = ah.offer(session, w, weeks=((W2, 1),))
    apps.accept(session, emp_b, ah.submitted(session, pupil, offer_b, W2))
    (choice,) = apps.application_weeks(session, pupil, offer_id)
    assert choice.blocked_reason == "Vous avez déjà un stage accepté cette semaine-là."


def test_draft_letter_autosave_review_and_sending(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    emp, offer_id = ah.offer(session, w)
    view = apps.start_or_get_draft(session, pupil, offer_id, W1)
    assert (view.status, view.status_label, view.letter, view.can_edit) == (
        "draft",
        "Brouillon",
        "",
        True,
    )
    assert view.employer_name.startswith("Employeur") and view.week_label.startswith("du ")

    saved_at = apps.save_letter(session, pupil, view.id, "Madame, Monsieur,\r\nJe suis")
    assert saved_at.tzinfo is not None and saved_at <= utcnow()
    assert apps.get_application(session, pupil, view.id).letter == "Madame, Monsieur,\nJe suis"
    # the same text again: nothing written, same time
    assert apps.save_letter(session, pupil, view.id, "Madame, Monsieur,\nJe suis") == saved_at
    apps.save_letter(session, pupil, view.id, "  " + ah.LETTER + "\n\n")

    message = apps.submit_application(session, pupil, view.id)
    assert message.startswith("Votre candidature est envoyée à Employeur")
    sent = apps.get_application(session, pupil, view.id)
    assert (sent.status, sent.status_label, sent.can_edit, sent.can_withdraw) == (
        "submitted",
        "Envoyée",
        False,
        True,
    )
    row = session.get(Application, view.id)
    assert row.letter_sent == ah.LETTER  # trimmed
    assert ah.CV["about"] in row.cv_sent and row.submitted_at.tzinfo is not None
    # the employer is told, in the app and by mail; the teacher is not (no answer yet)
    note = session.execute(
        select(Notification).where(Notification.user_id == emp.user_id)
    ).scalar_one()
    assert note.kind == "application_received" and "Inès" in note.body
    assert note.link == apps.employer_application_url(view.id)
    mail = session.execute(
        select(OutboxMail).where(OutboxMail.dedupe_key == f"application_received:{view.id}")
    ).scalar_one()
    assert mail.to_email == emp.email and "Nouvelle candidature" in mail.subject
    assert ah.count(session, Notification, Notification.user_id == teacher.user_id) == 0

    # the CV edited later does not change what was sent
    from stages_app.services import cv as cv_service

    cv_service.save_cv(session, pupil, {"about": "Tout autre chose."})
    detail = apps.open_application(session, emp, view.id)
    assert detail.cv.about == ah.CV["about"] and detail.letter == ah.LETTER


def test_letter_guidance_and_refusal_templates():
    tips, example = apps.letter_guidance()
    assert len(tips) >= 5 and all(t.endswith(".") for t in tips)
    assert apps.LETTER_MIN <= len(example) <= apps.LETTER_MAX
    assert example.startswith("Madame, Monsieur,")
    assert len(apps.REFUSAL_TEMPLATES) >= 3
    assert all(len(t) >= apps.REFUSAL_MIN for t in apps.REFUSAL_TEMPLATES)


def test_a_cv_is_needed_to_send(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w, cv=False)
    _, offer_id = ah.offer(session, w)
    app_id = ah.draft(session, pupil, offer_id, W1)
    error = _refused(apps.submit_application, session, pupil, app_id, error=ValidationError)
    assert error.field == "cv" and "CV" in error.message
    assert ah.status(session, app_id) == "draft"


# ---------------------------------------------------------------------------------------------
# Bad input from the pupil
# ---------------------------------------------------------------------------------------------


def test_applying_twice_to_the_same_offer_and_week(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    assert apps.start_or_get_draft(session, pupil, offer_id, W1).id == app_id
    before = ah.snapshot(session)
    error = _refused(apps.submit_application, session, pupil, app_id, error=Conflict)
    assert "déjà été envoyée" in error.message
    assert ah.snapshot(session) == before


def test_applying_to_a_full_week(session):
    w = ah.world(session)
    pupil, other, third = (ah.pupil(session, w) for _ in range(3))
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    draft_id = ah.draft(session, pupil, offer_id, W1)
    apps.accept(session, emp, ah.submitted(session, other, offer_id, W1))
    # sending a draft for a week filled in the meantime
    before = ah.snapshot(session)
    error = _refused(apps.submit_application, session, pupil, draft_id, error=Conflict)
    assert "plus de place libre" in error.message and error.field == "week"
    assert ah.snapshot(session) == before
    # starting an application for a full week
    emp_b, offer_b = ah.offer(session, w, weeks=((W1, 1),))
    apps.accept(session, emp_b, ah.submitted(session, third, offer_b, W1))
    before = ah.snapshot(session)
    error = _refused(apps.start_or_get_draft, session, pupil, offer_b, W1, error=Conflict)
    assert "plus de place libre" in error.message
    assert ah.snapshot(session) == before


def test_applying_to_a_week_outside_the_pupils_periods(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w, weeks=((W1, 1), (NOT_A_SCHOOL_WEEK, 1)))
    before = ah.snapshot(session)
    error = _refused(
        apps.start_or_get_draft, session, pupil, offer_id, NOT_A_SCHOOL_WEEK, error=ValidationError
    )
    assert "n'est pas une semaine de stage de votre collège" in error.message
    assert error.field == "week"
    for bad in ("2026-13-45", "lundi", None, 12):
        assert (
            _refused(
                apps.start_or_get_draft, session, pupil, offer_id, bad, error=ValidationError
            ).field
            == "week"
        )
    assert ah.snapshot(session) == before


def test_applying_after_two_internships(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    for week in (W1, W2):
        emp, offer_id = ah.offer(session, w, weeks=((week, 1),))
        apps.accept(session, emp, ah.submitted(session, pupil, offer_id, week))
    _, offer_id = ah.offer(session, w, weeks=((W3, 1),))
    before = ah.snapshot(session)
    error = _refused(apps.start_or_get_draft, session, pupil, offer_id, W3, error=Conflict)
    assert "deux stages acceptés" in error.message
    assert ah.snapshot(session) == before
    assert all(c.blocked_reason for c in apps.application_weeks(session, pupil, offer_id))


def test_applying_to_an_unpublished_offer(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    draft_id = ah.draft(session, pupil, offer_id, W1)
    offer_service.unpublish_offer(session, emp, offer_id)
    before = ah.snapshot(session)
    error = _refused(apps.submit_application, session, pupil, draft_id, error=ValidationError)
    assert "n'est pas publiée" in error.message
    assert ah.snapshot(session) == before
    # a draft offer was never published: introuvable for the pupil's week list
    draft_offer = offer_service.create_offer(session, emp, oh.offer_input(w.sector), geocoder=None)
    _refused(apps.application_weeks, session, pupil, draft_offer.id, error=NotFound)
    error = _refused(
        apps.start_or_get_draft, session, pupil, draft_offer.id, W1, error=ValidationError
    )
    assert "n'est pas publiée" in error.message
    assert ah.count(session, Application, Application.offer_id == draft_offer.id) == 0


def test_an_offer_out_of_the_perimeter(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    oh.commune(session, "69123", "Lyon", "69001", 45.7549, 4.8364)
    _, offer_id = ah.offer(session, w, postal_code="69001", commune_insee="69123")
    _refused(apps.application_weeks, session, pupil, offer_id, error=NotFound)
    error = _refused(apps.start_or_get_draft, session, pupil, offer_id, W1, error=ValidationError)
    assert "périmètre" in error.message


def test_empty_and_huge_letters(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    app_id = apps.start_or_get_draft(session, pupil, offer_id, W1).id
    # empty (or blank) letter: cannot be sent
    for letter in ("", "   \n\n  ", "Bonjour"):
        apps.save_letter(session, pupil, app_id, letter)
        error = _refused(apps.submit_application, session, pupil, app_id, error=ValidationError)
        assert error.field == "letter" and "trop courte" in error.message
        assert ah.status(session, app_id) == "draft"
    # 20,000 characters: refused, the last saved draft is kept
    apps.save_letter(session, pupil, app_id, ah.LETTER)
    before = ah.snapshot(session)
    error = _refused(apps.save_letter, session, pupil, app_id, "a" * 20_000, error=ValidationError)
    assert "trop longue" in error.message and "20000" in error.message
    assert ah.snapshot(session) == before
    assert apps.get_application(session, pupil, app_id).letter == ah.LETTER
    # exactly 5,000 is fine; not text is refused
    apps.save_letter(session, pupil, app_id, "b" * apps.LETTER_MAX)
    for bad in (12, ["x"], {"letter": "x"}):
        _refused(apps.save_letter, session, pupil, app_id, bad, error=ValidationError)
    assert len(apps.get_application(session, pupil, app_id).letter) == apps.LETTER_MAX


def test_html_and_script_in_the_letter_are_kept_as_plain_text(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    letter = (
        "<script>alert('pirate')</script><b>Bonjour</b> & merci ! "
        "<img src=x onerror=alert(1)> Je suis motivée.\x00\x07"
    )
    app_id = ah.submitted(session, pupil, offer_id, W1, letter=letter)
    kept = letter.replace("\x00", "").replace("\x07", "")
    assert session.get(Application, app_id).letter_sent == kept
    assert apps.open_application(session, emp, app_id).letter == kept
    assert apps.get_application(session, pupil, app_id).letter == kept


def test_letter_cannot_change_after_sending(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    before = ah.snapshot(session)
    error = _refused(apps.save_letter, session, pupil, app_id, "Autre lettre", error=Conflict)
    assert "déjà été envoyée" in error.message
    assert ah.snapshot(session) == before


def test_pupil_without_open_access_cannot_apply(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    waiting = ah.pupil(session, w, cv=False, opened=False)
    _, offer_id = ah.offer(session, w)
    app_id = ah.draft(session, pupil, offer_id, W1)
    before = ah.snapshot(session)
    for call in (
        lambda: apps.application_weeks(session, waiting, offer_id),
        lambda: apps.start_or_get_draft(session, waiting, offer_id, W1),
        lambda: apps.pupil_tracker(session, waiting),
    ):
        error = _refused(call, error=PermissionDenied)
        assert "autorisation" in error.message
    assert ah.snapshot(session) == before
    # another pupil's application is simply introuvable
    _refused(apps.save_letter, session, ah.pupil(session, w), app_id, "x", error=NotFound)


def test_forged_application_ids(session):
    w = ah.world(session)
    pupil, other = ah.pupil(session, w), ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    stranger_emp, _ = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    before = ah.snapshot(session)
    for forged in [*FORGED_IDS, app_id + 1000]:
        for call in (
            lambda f: apps.get_application(session, pupil, f),
            lambda f: apps.save_letter(session, pupil, f, "x"),
            lambda f: apps.submit_application(session, pupil, f),
            lambda f: apps.withdraw(session, pupil, f),
            lambda f: apps.cancel_accepted(session, pupil, f, "Une raison valable."),
            lambda f: apps.open_application(session, emp, f),
            lambda f: apps.accept(session, emp, f),
            lambda f: apps.refuse(session, emp, f, apps.REFUSAL_TEMPLATES[0]),
        ):
            _refused(call, forged, error=NotFound)
    # real ids, wrong people
    for call in (
        lambda: apps.get_application(session, other, app_id),
        lambda: apps.withdraw(session, other, app_id),
        lambda: apps.open_application(session, stranger_emp, app_id),
        lambda: apps.accept(session, stranger_emp, app_id),
        lambda: apps.refuse(session, stranger_emp, app_id, apps.REFUSAL_TEMPLATES[0]),
        lambda: apps.cancel_accepted(session, stranger_emp, app_id, "Une raison valable."),
    ):
        error = _refused(call, error=NotFound)
        assert error.message == "Cette candidature est introuvable."
    # roles that have nothing to do here
    for call in (
        lambda: apps.accept(session, pupil, app_id),
        lambda: apps.inbox(session, pupil),
        lambda: apps.start_or_get_draft(session, emp, offer_id, W1),
        lambda: apps.pupil_tracker(session, emp),
    ):
        _refused(call, error=PermissionDenied)
    assert ah.snapshot(session) == before


# ---------------------------------------------------------------------------------------------
# The employer: inbox, reading, answering
# ---------------------------------------------------------------------------------------------


def test_inbox_per_offer_and_week_with_counts(session):
    w = ah.world(session)
    p1, p2, p3 = (ah.pupil(session, w) for _ in range(3))
    emp, offer_a = ah.offer(session, w, weeks=((W1, 2), (W2, 1)), title="Découverte du fournil")
    _, offer_b = ah.offer(session, w, emp, title="Accueil des clients")
    a1 = ah.submitted(session, p1, offer_a, W1)
    a2 = ah.submitted(session, p2, offer_a, W1)
    a3 = ah.submitted(session, p3, offer_a, W2)
    a4 = ah.submitted(session, p3, offer_b, W1)
    ah.draft(session, p1, offer_b, W1)  # drafts are never shown to the employer
    apps.open_application(session, emp, a1)
    apps.accept(session, emp, a2)

    rows = apps.inbox(session, emp)
    assert [r.application_id for r in rows] == [a4, a3, a2, a1]  # newest first
    row = {r.application_id: r for r in rows}
    assert (row[a1].status_label, row[a1].is_new) == ("Lue", False)
    assert (row[a3].status_label, row[a3].is_new) == ("Nouvelle", True)
    assert row[a1].pupil_name.startswith("Inès ") and row[a1].class_name.startswith("3e ")
    assert row[a1].school_name == "Collège République"

    assert {
        r.application_id for r in apps.inbox(session, emp, offer_id=offer_a, week_start=W1)
    } == {a1, a2}
    assert [r.application_id for r in apps.inbox(session, emp, status="open")] == [a4, a3, a1]
    assert [r.application_id for r in apps.inbox(session, emp, status="accepted")] == [a2]
    # unknown filter values are ignored rather than trusted
    assert len(apps.inbox(session, emp, offer_id="x", week_start="bad", status="hack")) == 4

    groups = apps.inbox_groups(session, emp)
    assert [(g.offer_title, g.week_start) for g in groups] == [
        ("Accueil des clients", W1),
        ("Découverte du fournil", W1),
        ("Découverte du fournil", W2),
    ]
    fournil_w1 = groups[1]
    assert (
        fournil_w1.seats,
        fournil_w1.accepted,
        fournil_w1.free_seats,
        fournil_w1.new_count,
        fournil_w1.waiting_count,
        fournil_w1.total,
    ) == (2, 1, 1, 0, 1, 2)
    # another employer sees none of it
    other_emp, _ = ah.offer(session, w)
    assert apps.inbox(session, other_emp) == [] and apps.inbox_groups(session, other_emp) == []


def test_opening_marks_read_once_and_shows_what_was_sent(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    detail = apps.open_application(session, emp, app_id)
    assert (detail.status, detail.status_label) == ("read", "Lue")
    assert detail.pupil_first_name == "Inès" and detail.class_name.startswith("3e ")
    assert (detail.school_name, detail.school_commune) == ("Collège République", "Bobigny")
    assert detail.cv.interests == ah.CV["interests"] and detail.letter == ah.LETTER
    assert detail.can_accept and detail.can_refuse and not detail.can_cancel
    assert [e.to_status for e in detail.history] == ["submitted", "read"]
    assert detail.history[-1].actor == "Vous"
    apps.open_application(session, emp, app_id)
    assert ah.assert_history_consistent(session, app_id) == ["draft", "submitted", "read"]
    row = apps.pupil_tracker(session, pupil).applications[0]
    assert row.status_label == "Lue par l'employeur" and row.read_at is not None


def test_refusal_requires_a_message_and_notifies_pupil_and_teacher(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    before = ah.snapshot(session)
    for bad in ("", "   ", "Non.", None, 42, "x" * 2001):
        error = _refused(apps.refuse, session, emp, app_id, bad, error=ValidationError)
        assert error.field == "message"
    assert ah.snapshot(session) == before

    message = apps.refuse(session, emp, app_id, apps.REFUSAL_TEMPLATES[1])
    assert message.startswith("Vous avez refusé la candidature d'Inès")
    assert ah.status(session, app_id) == "refused"
    row = apps.pupil_tracker(session, pupil).applications[0]
    assert (row.status_label, row.answer_message) == ("Refusée", apps.REFUSAL_TEMPLATES[1])
    assert row.answered_at is not None and not row.can_withdraw
    for user, key in ((pupil, "pupil"), (teacher, "teacher")):
        assert (
            ah.count(
                session,
                Notification,
                Notification.user_id == user.user_id,
                Notification.kind == "application_refused",
            )
            == 1
        )
        assert (
            ah.count(
                session, OutboxMail, OutboxMail.dedupe_key == f"application_answer:{app_id}:{key}"
            )
            == 1
        )
    # answering twice
    error = _refused(apps.accept, session, emp, app_id, error=Conflict)
    assert "déjà été refusée" in error.message


def test_accepted_internship_on_top_of_the_tracker(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    _, other_offer = ah.offer(session, w, weeks=((W2, 1),))
    app_id = ah.submitted(session, pupil, offer_id, W1)
    pending = ah.submitted(session, pupil, other_offer, W2)
    long_message = "Bienvenue <b>Inès</b> ! " * 10
    apps.accept(session, emp, app_id, long_message)
    tracker = apps.pupil_tracker(session, pupil)
    (internship,) = tracker.internships
    assert internship.address == "12 rue de la République, 93000 Bobigny"
    assert (internship.tutor_name, internship.tutor_role) == ("Paul Patron", "Artisan boulanger")
    assert internship.contact_email == emp.email and internship.can_cancel
    assert internship.answer_message == long_message.strip()
    assert tracker.count_label == "1 stage sur 2" and tracker.max_count == 2
    rows = {r.application_id: r for r in tracker.applications}
    assert rows[app_id].status_label == "Acceptée" and rows[app_id].can_cancel
    assert not rows[app_id].can_withdraw
    assert rows[pending].status_label == "Envoyée"
    # an accepted internship is cancelled, not withdrawn
    error = _refused(apps.withdraw, session, pupil, app_id, error=Conflict)
    assert "annulez-le" in error.message


def test_withdrawal_by_the_pupil(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    sent = ah.submitted(session, pupil, offer_id, W1)
    draft = ah.draft(session, pupil, offer_id, W2)
    assert (
        apps.withdraw(session, pupil, sent, "J'ai changé d'avis.")
        == "Votre candidature a été retirée."
    )
    apps.withdraw(session, pupil, draft)
    assert ah.status(session, sent) == ah.status(session, draft) == "withdrawn"
    notes = (
        session.execute(
            select(Notification).where(
                Notification.user_id == emp.user_id, Notification.kind == "application_withdrawn"
            )
        )
        .scalars()
        .all()
    )
    assert len(notes) == 1 and "J'ai changé d'avis." in notes[0].body  # not for the draft
    rows = {r.application_id: r for r in apps.pupil_tracker(session, pupil).applications}
    assert rows[sent].status_label == "Retirée" and rows[sent].reason == "J'ai changé d'avis."
    assert apps.inbox(session, emp)[0].status_label == "Retirée par l'élève"
    _refused(apps.withdraw, session, pupil, sent, error=Conflict)
    _refused(apps.accept, session, emp, sent, error=Conflict)
    # a withdrawn application that was sent stays withdrawn (R7: no second application)
    assert apps.start_or_get_draft(session, pupil, offer_id, W1).status == "withdrawn"


def test_cancelling_an_accepted_internship(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    first = ah.submitted(session, pupil, offer_id, W1)
    second = ah.submitted(session, pupil, offer_id, W2)
    apps.accept(session, emp, first)
    apps.accept(session, emp, second)
    before = ah.snapshot(session)
    for bad in ("", "  ", "non", None):
        error = _refused(apps.cancel_accepted, session, pupil, first, bad, error=ValidationError)
        assert error.field == "reason"
    assert ah.snapshot(session) == before

    # by the pupil: the employer and the teacher are told
    apps.cancel_accepted(session, pupil, first, "Ma famille déménage.")
    assert (
        ah.count(
            session,
            Notification,
            Notification.user_id == emp.user_id,
            Notification.kind == "internship_cancelled",
        )
        == 1
    )
    # by the employer: the pupil and the teacher are told
    apps.cancel_accepted(session, emp, second, "Fermeture exceptionnelle.")
    assert (
        ah.count(
            session, OutboxMail, OutboxMail.dedupe_key == f"internship_cancelled:{second}:pupil"
        )
        == 1
    )
    assert (
        ah.count(
            session,
            Notification,
            Notification.user_id == teacher.user_id,
            Notification.kind == "internship_cancelled",
        )
        == 2
    )
    rows = {r.application_id: r for r in apps.pupil_tracker(session, pupil).applications}
    assert rows[first].reason == "Annulé par vous : Ma famille déménage."
    assert rows[second].reason == "Annulé par l'employeur : Fermeture exceptionnelle."
    assert apps.pupil_tracker(session, pupil).count_label == "0 stage sur 2"
    assert (
        apps.open_application(session, emp, first).reason
        == "Annulé par l'élève : Ma famille déménage."
    )
    _refused(apps.cancel_accepted, session, emp, second, "Encore une fois.", error=Conflict)
    # the seats are free again
    assert [
        c.week_start for c in apps.application_weeks(session, ah.pupil(session, w), offer_id)
    ] == [W1, W2]


def test_suspended_employer_cannot_answer(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    org = session.execute(
        select(offer_service.Organisation).where(offer_service.Organisation.owner_id == emp.user_id)
    ).scalar_one()
    org.suspended_at = utcnow()
    session.add(org)
    session.commit()
    before = ah.snapshot(session)
    error = _refused(apps.accept, session, emp, app_id, error=PermissionDenied)
    assert "suspendue" in error.message
    assert ah.snapshot(session) == before


def test_past_internship_cannot_be_cancelled(session, monkeypatch):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    apps.accept(session, emp, app_id)
    monkeypatch.setattr(apps, "paris_today", lambda: W1 + dt.timedelta(days=7))
    error = _refused(
        apps.cancel_accepted, session, emp, app_id, "Trop tard pour ça.", error=ValidationError
    )
    assert "terminé" in error.message
    assert ah.status(session, app_id) == "accepted"


# ---------------------------------------------------------------------------------------------
# Notifications (the bell)
# ---------------------------------------------------------------------------------------------


def test_notifications_of_the_viewer_only(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    other_emp, other_offer = ah.offer(session, w)
    ah.submitted(session, pupil, offer_id, W1)
    ah.submitted(session, pupil, other_offer, W1)
    assert notifications.unread_count(session, emp) == 1
    (row,) = notifications.list_notifications(session, emp)
    assert not row.read and row.kind == "application_received"
    for forged in (
        "x",
        -3,
        0,
        10**30,
        True,
        notifications.list_notifications(session, other_emp)[0].id,
    ):
        _refused(notifications.mark_read, session, emp, forged, error=NotFound)
    assert notifications.unread_count(session, other_emp) == 1
    assert notifications.mark_read(session, emp, row.id) == 1
    assert notifications.unread_count(session, emp) == 0
    assert notifications.list_notifications(session, emp, unread_only=True) == []
    assert notifications.mark_read(session, other_emp) == 1  # all of theirs
    assert notifications.unread_count(session, other_emp) == 0
