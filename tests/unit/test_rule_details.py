"""What each side is told, and which field a refusal points at, when a rule speaks: details the
mutation run (``make mutate``) showed no test pinned down. A pupil is addressed as "vous" and
told what to do; an employer is told about "cet élève"; a refusal names the field the page
highlights; withdrawing needs no reason and is told to the employer in-app only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from stages_app.models import Application, Notification, OutboxMail
from stages_app.services import access
from stages_app.services import applications as apps
from stages_app.services.errors import Conflict, PermissionDenied, ValidationError
from tests.unit import application_helpers as ah
from tests.unit.application_helpers import W1, W2, W3


def test_r3_r4_refusals_speak_to_whoever_acts(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp1, o1 = ah.offer(session, w, weeks=((W1, 2),))
    emp2, o2 = ah.offer(session, w, weeks=((W1, 2), (W2, 2), (W3, 2)))
    a1 = ah.submitted(session, pupil, o1, W1)
    same_week = ah.submitted(session, pupil, o2, W1)
    apps.accept(session, emp1, a1)
    # the same-week application was cancelled (R5); a new one for that week is refused (R3)
    _, o3 = ah.offer(session, w, weeks=((W1, 1),))
    with pytest.raises(Conflict) as to_pupil:
        apps.start_or_get_draft(session, pupil, o3, W1)
    assert to_pupil.value.message.startswith("Vous avez déjà un stage accepté pour la semaine")
    assert to_pupil.value.field == "week"
    session.rollback()
    assert ah.status(session, same_week) == "cancelled_auto"

    # R4 seen by the employer, on an application sent before the second internship
    other = ah.pupil(session, w)
    a2 = ah.submitted(session, pupil, o2, W2)
    late = ah.submitted(session, other, o2, W3)
    apps.accept(session, emp2, a2)
    assert ah.status(session, late) == "submitted"  # another pupil: untouched
    with pytest.raises(Conflict) as to_pupil:
        apps.start_or_get_draft(session, pupil, o2, W3)
    assert to_pupil.value.message.startswith("Vous avez déjà deux stages acceptés")
    assert to_pupil.value.field == "week"
    session.rollback()


def test_the_employer_is_told_about_the_pupil_not_as_the_pupil(session):
    """The R3/R4 check shared by sending (the pupil) and accepting (the employer, under the
    locks): "Cet élève…" for the employer, "Vous avez déjà…" for the pupil, same field."""
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    apps.accept(session, emp, ah.submitted(session, pupil, offer_id, W1))
    with pytest.raises(Conflict) as employer_side:
        apps._check_pupil_limits(session, pupil.user_id, W1, employer=True)
    assert employer_side.value.message.startswith("Cet élève a déjà un stage accepté")
    assert "Vous" not in employer_side.value.message
    with pytest.raises(Conflict) as pupil_side:
        apps._check_pupil_limits(session, pupil.user_id, W1)
    assert pupil_side.value.message.startswith("Vous avez déjà un stage accepté")
    assert employer_side.value.field == pupil_side.value.field == "week"


def test_accepting_needs_no_message_and_keeps_the_one_given(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 2), (W2, 2)))
    quiet = ah.submitted(session, pupil, offer_id, W1)
    apps.accept(session, emp, quiet, "")
    assert session.get(Application, quiet).answer_message == ""
    other = ah.pupil(session, w)
    warm = ah.submitted(session, other, offer_id, W2)
    apps.accept(session, emp, warm, "  Bienvenue parmi nous !  ")
    assert session.get(Application, warm).answer_message == "Bienvenue parmi nous !"
    with pytest.raises(ValidationError) as too_long:
        third = ah.submitted(session, ah.pupil(session, w), offer_id, W2)
        apps.accept(session, emp, third, "x" * 2001)
    assert too_long.value.field == "message"


def test_save_letter_details(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    _, offer_id = ah.offer(session, w)
    draft_id = ah.draft(session, pupil, offer_id, W1)
    apps.save_letter(session, pupil, draft_id, None)  # an emptied field saves an empty letter
    assert apps.get_application(session, pupil, draft_id).letter == ""
    with pytest.raises(ValidationError) as not_text:
        apps.save_letter(session, pupil, draft_id, ["pas", "un", "texte"])
    assert not_text.value.field == "letter"
    with pytest.raises(ValidationError) as too_long:
        apps.save_letter(session, pupil, draft_id, "é" * (apps.LETTER_MAX + 1))
    assert too_long.value.field == "letter"
    assert "La dernière version enregistrée est conservée" in too_long.value.message
    apps.save_letter(session, pupil, draft_id, ah.LETTER)
    apps.submit_application(session, pupil, draft_id)
    with pytest.raises(Conflict) as sent:
        apps.save_letter(session, pupil, draft_id, ah.LETTER + " Encore.")
    assert sent.value.field == "letter"
    assert session.get(Application, draft_id).letter == ah.LETTER


def test_withdrawing_needs_no_reason_and_tells_the_employer_in_app_only(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    quiet = ah.submitted(session, pupil, offer_id, W1)
    explained = ah.submitted(session, pupil, offer_id, W2)
    mails_before = ah.count(session, OutboxMail)

    assert apps.withdraw(session, pupil, quiet) == "Votre candidature a été retirée."
    apps.withdraw(session, pupil, explained, "J'ai trouvé un stage près de chez moi.")

    events = {a: ah.history(session, a)[-1] for a in (quiet, explained)}
    assert all(e.to_status == "withdrawn" and e.actor_id == pupil.user_id for e in events.values())
    assert events[quiet].reason == ""
    assert events[explained].reason == "J'ai trouvé un stage près de chez moi."
    told = (
        session.execute(
            select(Notification)
            .where(
                Notification.user_id == emp.user_id, Notification.kind == "application_withdrawn"
            )
            .order_by(Notification.id)
        )
        .scalars()
        .all()
    )
    assert [n.link for n in told] == [
        apps.employer_application_url(quiet),
        apps.employer_application_url(explained),
    ]
    assert all(n.title.startswith("Candidature retirée : ") for n in told)
    assert "Motif" not in told[0].body
    assert "Motif : « J'ai trouvé un stage près de chez moi. »" in told[1].body
    assert ah.count(session, OutboxMail) == mails_before  # no e-mail for a withdrawal
    with pytest.raises(ValidationError) as not_text:
        _, third_offer = ah.offer(session, w, weeks=((W3, 1),))
        apps.withdraw(session, pupil, ah.draft(session, pupil, third_offer, W3), 42)
    assert not_text.value.field == "reason"


def test_auto_cancellation_tells_each_employer_with_a_link(session):
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    emp1, o1 = ah.offer(session, w)
    emp2, o2 = ah.offer(session, w)
    a1 = ah.submitted(session, pupil, o1, W1)
    a2 = ah.submitted(session, pupil, o2, W1)
    apps.accept(session, emp1, a1)
    told = session.execute(
        select(Notification).where(
            Notification.user_id == emp2.user_id, Notification.kind == "application_cancelled_auto"
        )
    ).scalar_one()
    assert told.link == apps.employer_application_url(a2)
    assert told.title.startswith("Candidature annulée automatiquement : ")
    assert "l'élève a accepté un autre stage pour cette semaine-là." in told.body


def test_bulk_pupil_actions_refuse_forged_ids(session):
    """``require_pupils`` (bulk authorisations and openings): an id that is not a plain int —
    a string, a float, a boolean (``True == 1``) — refuses the whole batch."""
    w = ah.world(session)
    pupil = ah.pupil(session, w)
    teacher = ah.main_teacher(session, w, pupil)
    rows = access.require_pupils(session, teacher, "pupil.manage", [pupil.user_id, pupil.user_id])
    assert [r.user_id for r in rows] == [pupil.user_id]  # duplicates removed
    for forged in (str(pupil.user_id), float(pupil.user_id), True, None):
        with pytest.raises(PermissionDenied):
            access.require_pupils(session, teacher, "pupil.manage", [pupil.user_id, forged])
    with pytest.raises(ValueError, match="class.view ne porte pas sur un élève"):
        access.require_pupils(session, teacher, "class.view", [pupil.user_id])
