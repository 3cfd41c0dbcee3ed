"""Live-update topics (issue 6, item 4): ``services.live.track`` records the pupils and offers
touched by the *committed* work of one session (applying, answering, R5's automatic
cancellations, a pupil's authorisation and access, an offer's edits), forgets rolled-back work,
never sees another session's work; ``topics_for`` turns them into exact topic sets."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session

from stages_app.models import Organisation, PupilProfile, Role
from stages_app.services import applications as apps
from stages_app.services import offers as offer_service
from stages_app.services import pupils as pupils_service
from stages_app.services.errors import DomainError, PermissionDenied, ValidationError
from stages_app.services.live import (
    Changes,
    class_topic,
    organisation_topic,
    organisation_topic_of,
    pupil_topic,
    school_topic,
    topics_for,
    track,
)
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _profile(session: Session, user_id: int) -> PupilProfile:
    return session.execute(
        select(PupilProfile)
        .where(PupilProfile.user_id == user_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _org_id(session: Session, employer) -> int:
    return session.execute(
        select(Organisation.id).where(Organisation.owner_id == employer.user_id)
    ).scalar_one()


def _pupil_topics(session: Session, pupil) -> set[str]:
    """The pupil's own topics: the pupil, their class, their school."""
    profile = _profile(session, pupil.user_id)
    return {
        pupil_topic(pupil.user_id),
        class_topic(profile.class_id),
        school_topic(profile.school_id),
    }


def _topics(engine, changes: Changes) -> set[str]:
    with Session(engine) as s:
        return topics_for(s, changes)


@pytest.fixture
def w(session):
    """A collège with three upcoming internship weeks and a sector."""
    return ah.world(session)


def _idle(session: Session) -> None:
    """End the setup session's read transaction (it must not hold a snapshot or lock while the
    tracked session writes)."""
    session.rollback()


# ---------------------------------------------------------------------------------------------
# Topic names
# ---------------------------------------------------------------------------------------------


def test_topic_names():
    assert (pupil_topic(7), class_topic(8), school_topic(9), organisation_topic(10)) == (
        "pupil:7",
        "class:8",
        "school:9",
        "organisation:10",
    )
    assert class_topic("12") == "class:12"  # ids from the browser are cast
    with pytest.raises(ValueError):
        school_topic("12; DROP")
    assert not Changes() and Changes(pupil_ids={1}) and Changes(offer_ids={2})


# ---------------------------------------------------------------------------------------------
# The pupil applies
# ---------------------------------------------------------------------------------------------


def test_pupil_applying_touches_pupil_class_school_and_the_offers_organisation(engine, session, w):
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    org_id = _org_id(session, emp)
    expected = _pupil_topics(session, pupil) | {organisation_topic(org_id)}
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        view = apps.start_or_get_draft(s, pupil, offer_id, W1)
        assert changes.pupil_ids == {pupil.user_id} and changes.offer_ids == {offer_id}
        apps.save_letter(s, pupil, view.id, ah.LETTER)
        apps.submit_application(s, pupil, view.id)
        assert ah.status(s, view.id) == "submitted"
        assert changes.pupil_ids == {pupil.user_id}
        assert changes.offer_ids == {offer_id}
        assert topics_for(s, changes) == expected
    assert len(expected) == 4  # pupil, class, school, organisation: all distinct


def test_sending_alone_is_recorded_and_flushed_work_waits_for_the_commit(engine, session, w):
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.draft(session, pupil, offer_id, W1)
    other = ah.pupil(session, w)
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        apps.submit_application(s, pupil, app_id)  # a fresh tracker sees the sending itself
        assert (changes.pupil_ids, changes.offer_ids) == ({pupil.user_id}, {offer_id})

    with Session(engine) as s:
        changes = track(s)
        profile = _profile(s, other.user_id)
        profile.authorisation_recorded_by_id = None
        profile.access_opened_by_id = emp.user_id  # any change of the row
        s.add(profile)
        s.flush()
        assert not changes  # flushed, not committed: nothing to announce yet
        s.commit()
        assert changes.pupil_ids == {other.user_id} and changes.offer_ids == set()


def test_withdrawing_touches_the_pupil_and_the_offer(engine, session, w):
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    expected = _pupil_topics(session, pupil) | {organisation_topic(_org_id(session, emp))}
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        apps.withdraw(s, pupil, app_id, "J'ai trouvé ailleurs.")
        assert (changes.pupil_ids, changes.offer_ids) == ({pupil.user_id}, {offer_id})
        assert topics_for(s, changes) == expected


# ---------------------------------------------------------------------------------------------
# The employer answers: R5 cancels the pupil's other application of the week
# ---------------------------------------------------------------------------------------------


def test_acceptance_touches_both_organisations_of_the_r5_cancellation(engine, session, w):
    pupil = ah.pupil(session, w)
    emp_a, offer_a = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    emp_b, offer_b = ah.offer(session, w)
    emp_c, offer_c = ah.offer(session, w, weeks=((W2, 1),))
    app_a = ah.submitted(session, pupil, offer_a, W1)
    app_b = ah.submitted(session, pupil, offer_b, W1)  # same week, another employer
    app_c = ah.submitted(session, pupil, offer_c, W2)  # another week: not cancelled
    bystander = ah.pupil(session, w)  # applied to A too, untouched by this acceptance
    ah.submitted(session, bystander, offer_a, W2)
    org_a, org_b, org_c = (_org_id(session, e) for e in (emp_a, emp_b, emp_c))
    mine = _pupil_topics(session, pupil)
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        apps.accept(s, emp_a, app_a)
        assert [ah.status(s, i) for i in (app_a, app_b, app_c)] == [
            "accepted",
            "cancelled_auto",
            "submitted",
        ]
        assert changes.pupil_ids == {pupil.user_id}
        assert changes.offer_ids == {offer_a, offer_b}  # the accepted and the cancelled one
        topics = topics_for(s, changes)
    # the pupil's own topics, both organisations of R5, and the organisation of the pupil's
    # other application (every organisation they applied to)
    assert topics == mine | {
        organisation_topic(org_a),
        organisation_topic(org_b),
        organisation_topic(org_c),
    }
    assert pupil_topic(bystander.user_id) not in topics


def test_offer_changes_alone_give_only_organisation_topics(engine, session, w):
    emp_a, offer_a = ah.offer(session, w)
    emp_b, offer_b = ah.offer(session, w)
    pupil = ah.pupil(session, w)
    ah.submitted(session, pupil, offer_a, W1)
    changes = Changes(offer_ids={offer_a, offer_b})
    assert _topics(engine, changes) == {
        organisation_topic(_org_id(session, emp_a)),
        organisation_topic(_org_id(session, emp_b)),
    }
    assert _topics(engine, Changes()) == set()
    # an id that no longer exists gives no topic for its rows, but the pupil's own is kept
    assert _topics(engine, Changes(pupil_ids={10**6}, offer_ids={10**6})) == {"pupil:1000000"}


# ---------------------------------------------------------------------------------------------
# Failures and rollbacks are forgotten; sessions do not leak into each other
# ---------------------------------------------------------------------------------------------


def test_refused_service_call_records_nothing(engine, session, w):
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    short = ah.draft(session, pupil, offer_id, W1, letter="Trop court.")
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        with pytest.raises(ValidationError):
            apps.submit_application(s, pupil, short)
        with pytest.raises(DomainError):
            apps.accept(s, emp, short)  # a draft cannot be accepted
        assert not changes
        assert (changes.pupil_ids, changes.offer_ids) == (set(), set())
        assert ah.status(s, short) == "draft"


def test_work_flushed_before_a_refused_call_is_forgotten(engine, session, w):
    pupil = ah.pupil(session, w, opened=False, authorised=False, cv=False)
    outsider = oh.staff(session, oh.school(session))  # a teacher of another collège
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        profile = _profile(s, pupil.user_id)
        profile.authorisation_received_on = oh.TODAY  # pending, flushed by the service's reads
        s.add(profile)
        with pytest.raises(PermissionDenied):
            pupils_service.record_authorisation(s, outsider, [pupil.user_id], oh.TODAY)
        assert _profile(s, pupil.user_id).authorisation_received_on is None  # really rolled back
        s.commit()  # a later commit must not announce the rolled-back flush
        assert not changes


def test_manual_rollback_forgets_and_later_commits_count(engine, session, w):
    first = ah.pupil(session, w, cv=False)
    second = ah.pupil(session, w, cv=False)
    emp, offer_id = ah.offer(session, w)
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        p1 = _profile(s, first.user_id)
        p1.access_opened_at = None
        s.add(p1)
        s.flush()
        s.rollback()
        assert not changes
        s.commit()
        assert not changes  # the rolled-back flush is not announced by the next commit

        p2 = _profile(s, second.user_id)
        p2.access_opened_at = None
        s.add(p2)
        s.commit()
        assert changes.pupil_ids == {second.user_id} and changes.offer_ids == set()
    assert _profile(session, first.user_id).access_opened_at is not None


def test_savepoint_rollback_keeps_the_outer_committed_work(engine, session, w):
    """BUG (reported, fails at the time of writing): SQLAlchemy fires ``after_rollback`` for
    the rollback of a SAVEPOINT too, so ``Changes._forget`` drops the work flushed *before*
    the savepoint, although the outer transaction then commits it: pupil A's change is
    committed but never announced."""
    a = ah.pupil(session, w, cv=False)
    b = ah.pupil(session, w, cv=False)
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        pa = _profile(s, a.user_id)
        pa.access_opened_at = None
        s.add(pa)
        s.flush()
        savepoint = s.begin_nested()
        pb = _profile(s, b.user_id)
        pb.access_opened_at = None
        s.add(pb)
        s.flush()
        savepoint.rollback()  # B's change is undone, A's is kept
        s.commit()
    assert _profile(session, a.user_id).access_opened_at is None  # A's change was committed
    assert _profile(session, b.user_id).access_opened_at is not None  # B's was not
    assert changes.pupil_ids == {a.user_id}


def test_work_discarded_by_close_is_not_announced_by_a_later_commit(engine, session, w):
    """BUG (reported, fails at the time of writing): ``Session.close()`` discards the open
    transaction without an ``after_rollback`` event, so what was flushed stays pending and a
    later commit of the same (reusable) session announces a change that never happened."""
    a = ah.pupil(session, w, cv=False)
    b = ah.pupil(session, w, cv=False)
    _idle(session)

    s = Session(engine)
    changes = track(s)
    pa = _profile(s, a.user_id)
    pa.access_opened_at = None
    s.add(pa)
    s.flush()
    s.close()  # discarded, never committed
    pb = _profile(s, b.user_id)
    pb.access_opened_at = None
    s.add(pb)
    s.commit()
    s.close()
    assert _profile(session, a.user_id).access_opened_at is not None  # A never changed
    assert changes.pupil_ids == {b.user_id}


def test_untracked_and_other_tracked_sessions_do_not_leak(engine, session, w):
    a = ah.pupil(session, w)
    b = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 1), (W2, 1)))
    _idle(session)

    with Session(engine) as s1, Session(engine) as s2, Session(engine) as plain:
        c1, c2 = track(s1), track(s2)
        ah.submitted(plain, b, offer_id, W1)  # an untracked session: announced to nobody
        assert not c1 and not c2
        ah.draft(s2, a, offer_id, W2)
        assert not c1
        assert (c2.pupil_ids, c2.offer_ids) == ({a.user_id}, {offer_id})
        p = _profile(s1, b.user_id)
        p.access_opened_by_id = emp.user_id
        s1.add(p)
        s1.commit()
        assert (c1.pupil_ids, c1.offer_ids) == ({b.user_id}, set())
        assert (c2.pupil_ids, c2.offer_ids) == ({a.user_id}, {offer_id})  # unchanged


def test_one_session_tracked_twice_gives_two_independent_records(engine, session, w):
    pupil = ah.pupil(session, w, cv=False)
    _idle(session)
    with Session(engine) as s:
        before = track(s)
        p = _profile(s, pupil.user_id)
        p.access_opened_at = None
        s.add(p)
        s.commit()
        after = track(s)
        assert before.pupil_ids == {pupil.user_id} and not after


# ---------------------------------------------------------------------------------------------
# A pupil's file: authorisation and access
# ---------------------------------------------------------------------------------------------


def test_recording_authorisation_and_opening_access_touch_the_pupil(engine, session, w):
    pupil = ah.pupil(session, w, opened=False, authorised=False, cv=False)
    classmate = ah.pupil(session, w, opened=False, authorised=False, cv=False)
    principal = ah.principal(session, w)
    expected = _pupil_topics(session, pupil)
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        assert pupils_service.record_authorisation(s, principal, [pupil.user_id], oh.TODAY) == 1
        assert (changes.pupil_ids, changes.offer_ids) == ({pupil.user_id}, set())
        assert topics_for(s, changes) == expected  # no application: no organisation

    with Session(engine) as s:
        changes = track(s)
        result = pupils_service.open_access(s, principal, [pupil.user_id, classmate.user_id])
        assert result.opened == [pupil.user_id]  # the classmate has no authorisation: skipped
        assert (changes.pupil_ids, changes.offer_ids) == ({pupil.user_id}, set())
        assert topics_for(s, changes) == expected
        assert _profile(s, pupil.user_id).access_opened_at is not None


def test_pupil_file_change_also_touches_the_organisations_applied_to(engine, session, w):
    pupil = ah.pupil(session, w)
    emp, offer_id = ah.offer(session, w)
    ah.draft(session, pupil, offer_id, W1)
    teacher = ah.principal(session, w)
    expected = _pupil_topics(session, pupil) | {organisation_topic(_org_id(session, emp))}
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        pupils_service.withdraw_access(s, teacher, pupil.user_id)
        assert (changes.pupil_ids, changes.offer_ids) == ({pupil.user_id}, set())
        assert topics_for(s, changes) == expected


# ---------------------------------------------------------------------------------------------
# The employer's offers
# ---------------------------------------------------------------------------------------------


def test_offer_edit_and_publish_touch_only_the_organisation(engine, session, w):
    emp = oh.employer(session)
    org_topic = organisation_topic(_org_id(session, emp))
    offer_id = offer_service.create_offer(
        session, emp, oh.offer_input(w.sector, weeks=((W1, 1),)), geocoder=None
    ).id
    pupil = ah.pupil(session, w)
    _idle(session)

    with Session(engine) as s:
        changes = track(s)
        offer_service.publish_offer(s, emp, offer_id)
        assert (changes.pupil_ids, changes.offer_ids) == (set(), {offer_id})
        assert topics_for(s, changes) == {org_topic}

    ah.submitted(session, pupil, offer_id, W1)  # a pupil applied: the offer stays the employer's
    _idle(session)
    with Session(engine) as s:
        changes = track(s)
        offer_service.update_offer(
            s,
            emp,
            offer_id,
            oh.offer_input(
                w.sector, weeks=((W1, 2), (W2, 1)), title="Découverte du fournil et de la vente"
            ),
            geocoder=None,
        )
        assert (changes.pupil_ids, changes.offer_ids) == (set(), {offer_id})
        assert topics_for(s, changes) == {org_topic}

    with Session(engine) as s:
        changes = track(s)
        with pytest.raises(ValidationError):
            offer_service.update_offer(
                s, emp, offer_id, oh.offer_input(w.sector, weeks=()), geocoder=None
            )
        assert not changes


# ---------------------------------------------------------------------------------------------
# The employer's own topic
# ---------------------------------------------------------------------------------------------


def test_organisation_topic_of(session, w):
    emp = oh.employer(session)
    other = oh.employer(session, name="Garage du Port")
    pupil = ah.pupil(session, w, cv=False)
    principal = ah.principal(session, w)
    lonely = oh.user(session, Role.EMPLOYER)  # an employer account without organisation
    assert organisation_topic_of(session, emp) == organisation_topic(_org_id(session, emp))
    assert organisation_topic_of(session, other) == organisation_topic(_org_id(session, other))
    assert organisation_topic_of(session, emp) != organisation_topic_of(session, other)
    for viewer in (pupil, principal, lonely):
        assert organisation_topic_of(session, viewer) is None
