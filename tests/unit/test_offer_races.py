"""The employer's offer editor against the seat counter, and what unpublishing does to the
applications waiting for an answer (issue 11, points 1 and 5). SQLite (a file), then PostgreSQL.

Point 1: an employer saves a seat change, or publishes, while a pupil cancels an accepted
internship (or the employer accepts one in another tab). Afterwards the stored search flag of
every week says what its seats and counter say (``offers.is_week_searchable``), and the counter
is the number of accepted applications. The interleaving that broke it is forced, not hoped for:
one thread stops right after a chosen statement (a SQLAlchemy ``after_cursor_execute`` hook on
that thread only) until the other thread has finished, or for at most ``PAUSE`` seconds when the
other thread is (rightly) waiting for a lock the first one holds. No assertion is about time.

Point 5: unpublishing or archiving an offer closes its pending (sent or read) applications as
``cancelled_auto`` — closed by the system, with its reason in the history, not the pupil's
choice, so they may apply again if the offer comes back — and tells each pupil (notification and
e-mail). Accepted internships stay accepted; drafts stay drafts. The employer's confirmation says
how many applications were closed and that accepted pupils are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import event, func, select, update
from sqlmodel import Session

from stages_app.db import make_engine
from stages_app.models import (
    Application,
    ApplicationEvent,
    Notification,
    Offer,
    OfferWeek,
    Organisation,
    OutboxMail,
    Sector,
    User,
)
from stages_app.services import applications as apps
from stages_app.services import offers
from stages_app.services.access import Viewer
from stages_app.services.errors import Conflict, DomainError
from tests.unit import application_helpers as ah
from tests.unit import offer_helpers as oh
from tests.unit.application_helpers import W1, W2

PAUSE = 3.0  # seconds a paused thread waits for the other one at most
CANCEL_REASON = "Je serai malade cette semaine-là."

# The statements a thread is paused after (SQLAlchemy's rendering on both dialects).
READS_WEEKS = re.compile(r"^SELECT offer_week\.id\b.*\bFROM offer_week\b", re.S)
READS_OFFER = re.compile(r"^SELECT offer\.id\b.*\bFROM offer\s+WHERE offer\.id = ", re.S)


def _outcome(call: Callable[[Session], object], session: Session) -> str:
    try:
        call(session)
    except DomainError as exc:
        return f"{type(exc).__name__}: {exc.message}"
    except Exception as exc:  # noqa: BLE001 - reported by the assertions
        return f"crash {type(exc).__name__}: {exc}"
    return "ok"


def interleave(
    engine,
    paused: Callable[[Session], object],
    after: re.Pattern[str],
    other: Callable[[Session], object],
) -> tuple[str, str]:
    """Run ``paused`` in one thread and stop it right after its first statement matching
    ``after``; run ``other`` in a second thread from that moment; let the first thread go on
    when the second has finished (or after ``PAUSE`` s, when the second waits for a lock the
    first holds). Each thread has its own Session and connection. Returns both outcomes
    ("ok" or "<Error>: message")."""
    url = engine.url.render_as_string(hide_password=False)
    eng = make_engine(url, pool_size=4, max_overflow=0, pool_timeout=60)
    reached, finished = threading.Event(), threading.Event()
    results = ["", ""]
    target: list[threading.Thread] = []
    hit: list[str] = []

    @event.listens_for(eng, "after_cursor_execute")
    def _pause(_conn, _cursor, statement, _params, _context, _many):
        mine = target and threading.current_thread() is target[0]
        if mine and not reached.is_set() and after.search(statement):
            hit.append(statement)
            reached.set()
            finished.wait(PAUSE)

    def first() -> None:
        with Session(eng, expire_on_commit=False) as s:
            results[0] = _outcome(paused, s)
        reached.set()  # never paused: let the other thread run anyway

    def second() -> None:
        reached.wait(60)
        with Session(eng, expire_on_commit=False) as s:
            results[1] = _outcome(other, s)
        finished.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    target.append(threads[0])
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    eng.dispose()
    assert hit, f"the first thread never ran the statement to pause after ({after.pattern})"
    return results[0], results[1]


@dataclasses.dataclass(frozen=True)
class WeekFacts:
    week_start: dt.date
    seats: int
    accepted_count: int
    searchable: bool


def assert_weeks_consistent(engine, offer_id: int) -> list[WeekFacts]:
    """R6 as stored: each week's counter is its accepted applications, and its search flag is
    what the offer, the organisation and the counters say; every history is a chain."""
    with Session(engine) as s:
        offer = s.get(Offer, offer_id)
        org = s.get(Organisation, offer.organisation_id)
        weeks = [
            WeekFacts(w.week_start, w.seats, w.accepted_count, w.searchable)
            for w in s.execute(
                select(OfferWeek)
                .where(OfferWeek.offer_id == offer_id, OfferWeek.withdrawn_at.is_(None))
                .order_by(OfferWeek.week_start)
            ).scalars()
        ]
        for row in s.execute(select(OfferWeek).where(OfferWeek.offer_id == offer_id)).scalars():
            accepted = ah.count(
                s,
                Application,
                Application.offer_week_id == row.id,
                Application.status == "accepted",
            )
            assert row.accepted_count == accepted, (row.week_start, row.accepted_count)
            assert row.accepted_count <= row.seats
            expected = offers.is_week_searchable(
                offer.status,
                row.seats,
                row.accepted_count,
                withdrawn=row.withdrawn_at is not None,
                suspended=org.suspended_at is not None,
            )
            assert row.searchable == expected, (
                f"week {row.week_start}: searchable={row.searchable} with offer "
                f"{offer.status}, {row.accepted_count}/{row.seats} accepted"
            )
        app_ids = list(
            s.execute(select(Application.id).where(Application.offer_id == offer_id)).scalars()
        )
        for app_id in app_ids:
            ah.assert_history_consistent(s, app_id)
    return weeks


def _edit_seats(emp: Viewer, offer_id: int, sector: Sector, seats: int):
    """The employer saves the editor with ``seats`` for W1 (built while ``sector`` is loaded)."""
    data = oh.offer_input(sector, weeks=[(W1, seats)])
    return lambda s: offers.update_offer(s, emp, offer_id, data, geocoder=None)


def _accepted_on(session: Session, w, emp: Viewer, offer_id: int) -> tuple[Viewer, int]:
    pupil = ah.pupil(session, w)
    app_id = ah.submitted(session, pupil, offer_id, W1)
    apps.accept(session, emp, app_id)
    return pupil, app_id


# ---------------------------------------------------------------------------------------------
# Point 1: the search flag never drifts from the seats
# ---------------------------------------------------------------------------------------------


def test_a_seat_cut_saved_while_the_pupil_cancels_keeps_the_freed_seat_searchable(engine):
    """2 seats, 1 pupil accepted; the employer cuts to 1 seat while that pupil cancels: the
    week has 1 free seat and must show in the search (the editor used to compute the flag
    from the counter it read before the cancellation: the free seat was hidden for good)."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
        pupil, app_id = _accepted_on(session, w, emp, offer_id)
        edit = _edit_seats(emp, offer_id, w.sector, 1)

    results = interleave(
        engine,
        edit,
        READS_WEEKS,
        lambda s: apps.cancel_accepted(s, pupil, app_id, CANCEL_REASON),
    )

    assert results == ("ok", "ok"), results
    (week,) = assert_weeks_consistent(engine, offer_id)
    assert (week.seats, week.accepted_count, week.searchable) == (1, 0, True)


def test_a_seat_cut_saved_while_accepting_in_another_tab_takes_the_full_week_out(engine):
    """2 seats, nobody accepted; the employer cuts to 1 seat while accepting a pupil in another
    tab: the week is full and must leave the search (it used to stay listed)."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
        app_id = ah.submitted(session, ah.pupil(session, w), offer_id, W1)
        edit = _edit_seats(emp, offer_id, w.sector, 1)

    results = interleave(
        engine,
        edit,
        READS_WEEKS,
        lambda s: apps.accept(s, emp, app_id),
    )

    assert results == ("ok", "ok"), results
    (week,) = assert_weeks_consistent(engine, offer_id)
    assert (week.seats, week.accepted_count, week.searchable) == (1, 1, False)


def test_publishing_while_the_pupil_of_a_full_week_cancels_shows_the_freed_seat(engine):
    """A full week of an unpublished offer; the pupil cancels (and has read the offer's state,
    unpublished) while the employer publishes: the freed seat must show (PostgreSQL used to
    hide it: the publication computed the flag from the counter before the cancellation, and
    the cancellation from the state before the publication)."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 1),))
        pupil, app_id = _accepted_on(session, w, emp, offer_id)
        offers.unpublish_offer(session, emp, offer_id)

    results = interleave(
        engine,
        lambda s: apps.cancel_accepted(s, pupil, app_id, CANCEL_REASON),
        READS_OFFER,
        lambda s: offers.publish_offer(s, emp, offer_id),
    )

    assert results == ("ok", "ok"), results
    (week,) = assert_weeks_consistent(engine, offer_id)
    assert (week.seats, week.accepted_count, week.searchable) == (1, 0, True)
    with Session(engine) as session:
        assert session.get(Offer, offer_id).status == "published"


def test_seat_edits_racing_cancellations_and_acceptances_keep_counter_and_flag(engine):
    """Many at once (released together): six pupils cancel, the employer accepts two more and
    saves four seat changes (never below what is accepted)."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 8),))
        accepted = [_accepted_on(session, w, emp, offer_id) for _ in range(6)]
        waiting = [ah.submitted(session, ah.pupil(session, w), offer_id, W1) for _ in range(2)]
        edits = [_edit_seats(emp, offer_id, w.sector, seats) for seats in (8, 9, 10, 11)]

    calls = [
        (lambda s, p=p, a=a: apps.cancel_accepted(s, p, a, CANCEL_REASON)) for p, a in accepted
    ]
    calls += [(lambda s, a=a: apps.accept(s, emp, a)) for a in waiting]
    calls += edits
    results = ah.race(engine, calls)

    assert all(r == "ok" for r in results), results
    (week,) = assert_weeks_consistent(engine, offer_id)
    assert week.accepted_count == 2 and week.searchable


def test_the_online_geocoder_runs_before_the_locks(engine):
    """A new address is geocoded online (up to seconds) before the editor takes any lock: a
    pupil cancelling on that offer meanwhile is not kept waiting, and the flag is right."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
        pupil, app_id = _accepted_on(session, w, emp, offer_id)
        data = dataclasses.replace(
            oh.offer_input(w.sector, weeks=[(W1, 1)]), street="3 place du Marché"
        )
    url = engine.url.render_as_string(hide_password=False)
    eng = make_engine(url, pool_size=2, max_overflow=0)
    outcome: list[str] = []
    workers: list[threading.Thread] = []

    class CancelWhileGeocoding:
        calls = 0
        cancelled_meanwhile = False

        def geocode(self, query, *, exactly_one):
            self.calls += 1

            def cancel() -> None:
                with Session(eng, expire_on_commit=False) as s:
                    outcome.append(
                        _outcome(lambda s: apps.cancel_accepted(s, pupil, app_id, CANCEL_REASON), s)
                    )

            worker = threading.Thread(target=cancel)
            workers.append(worker)
            worker.start()
            worker.join(PAUSE)
            self.cancelled_meanwhile = not worker.is_alive()
            return None  # not found: the commune centre, with its note

    geocoder = CancelWhileGeocoding()
    with Session(engine, expire_on_commit=False) as session:
        saved = offers.update_offer(session, emp, offer_id, data, geocoder=geocoder)
        assert (saved.street, saved.geocode_precision) == ("3 place du Marché", "commune")
    for worker in workers:
        worker.join(60)
    eng.dispose()

    assert geocoder.calls == 1 and outcome == ["ok"]
    assert geocoder.cancelled_meanwhile
    (week,) = assert_weeks_consistent(engine, offer_id)
    assert (week.seats, week.accepted_count, week.searchable) == (1, 0, True)


def test_sync_week_reads_the_counter_from_the_database_not_from_the_session(engine):
    """``offers.sync_week`` (for the writers of the seat counter) recomputes the flag from the
    row as stored, whatever the session holds."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 1),))
        stale = session.execute(
            select(OfferWeek).where(OfferWeek.offer_id == offer_id)
        ).scalar_one()
        assert (stale.accepted_count, stale.searchable) == (0, True)
        session.commit()
        with Session(engine) as other:  # the week fills up behind this session's back
            other.execute(
                update(OfferWeek).where(OfferWeek.id == stale.id).values(accepted_count=1)
            )
            other.commit()
        offers.sync_week(session, stale)
        session.commit()
        assert stale.searchable is False  # re-read, not computed from the stale counter
    with Session(engine) as session:
        week = session.get(OfferWeek, stale.id)
        assert (week.seats, week.accepted_count, week.searchable) == (1, 1, False)


# ---------------------------------------------------------------------------------------------
# Point 5: unpublishing (or archiving) closes the pending applications and tells the pupils
# ---------------------------------------------------------------------------------------------


def _last_event(session: Session, app_id: int) -> ApplicationEvent:
    return ah.history(session, app_id)[-1]


def _told(session: Session, viewer: Viewer, kind: str) -> tuple[int, int]:
    """(notifications, mails) of ``kind`` for this person."""
    email = session.get(User, viewer.user_id).email
    return (
        ah.count(
            session, Notification, Notification.user_id == viewer.user_id, Notification.kind == kind
        ),
        ah.count(session, OutboxMail, OutboxMail.to_email == email, OutboxMail.kind == kind),
    )


def test_unpublishing_closes_the_pending_applications_and_tells_each_pupil(session):
    w = ah.world(session)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 2), (W2, 1)), title="Découverte du fournil")
    sent_pupil, read_pupil, accepted_pupil, drafting = (ah.pupil(session, w) for _ in range(4))
    sent = ah.submitted(session, sent_pupil, offer_id, W1)
    read = ah.submitted(session, read_pupil, offer_id, W2)
    apps.open_application(session, emp, read)
    accepted = ah.submitted(session, accepted_pupil, offer_id, W1)
    apps.accept(session, emp, accepted)
    draft = ah.draft(session, drafting, offer_id, W2)

    result = offers.unpublish_offer(session, emp, offer_id)

    statuses = [ah.status(session, a) for a in (sent, read, accepted, draft)]
    assert statuses == ["cancelled_auto", "cancelled_auto", "accepted", "draft"]
    for app_id, before in ((sent, "submitted"), (read, "read")):
        last = _last_event(session, app_id)
        assert (last.from_status, last.to_status, last.actor_id) == (
            before,
            "cancelled_auto",
            None,  # closed by the platform, on the employer's withdrawal of the offer
        )
        assert "retiré l'offre" in last.reason
    assert result.offer.status == "unpublished"
    assert (result.closed, result.kept) == (2, 1)
    assert result.message == (
        "Offre dépubliée : elle n'apparaît plus dans la recherche. 2 candidatures en attente "
        "de réponse ont été closes ; les élèves sont prévenus. Le stage déjà accepté est "
        "maintenu : l'élève est toujours attendu(e)."
    )
    # each pupil whose application was closed is told, in the app and by e-mail; nobody else
    for pupil in (sent_pupil, read_pupil):
        assert _told(session, pupil, "application_closed") == (1, 1)
    for pupil in (accepted_pupil, drafting):
        assert _told(session, pupil, "application_closed") == (0, 0)
    note = session.execute(
        select(Notification).where(
            Notification.user_id == sent_pupil.user_id, Notification.kind == "application_closed"
        )
    ).scalar_one()
    assert "« Découverte du fournil »" in note.body and "close" in note.body
    # the pupil's tracker says why
    view = apps.get_application(session, sent_pupil, sent)
    assert view.status_label == "Annulée automatiquement"
    assert "retiré l'offre" in view.reason
    # the employer can no longer accept them (a page left open)
    before = ah.snapshot(session)
    with pytest.raises(Conflict):
        apps.accept(session, emp, sent)
    assert ah.snapshot(session) == before
    assert_weeks_consistent(session.get_bind(), offer_id)
    # published again: the pupil may apply again (the closing was not their choice)
    offers.publish_offer(session, emp, offer_id)
    assert apps.start_or_get_draft(session, sent_pupil, offer_id, W1).status == "draft"


def test_archiving_a_published_offer_closes_its_pending_applications(session):
    w = ah.world(session)
    emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
    pupil = ah.pupil(session, w)
    sent = ah.submitted(session, pupil, offer_id, W1)

    result = offers.archive_offer(session, emp, offer_id)

    assert ah.status(session, sent) == "cancelled_auto"
    assert "archivé l'offre" in _last_event(session, sent).reason
    assert _told(session, pupil, "application_closed") == (1, 1)
    assert result.offer.status == "archived"
    assert result.message == (
        "Offre archivée. 1 candidature en attente de réponse a été close ; l'élève est prévenu(e)."
    )
    assert_weeks_consistent(session.get_bind(), offer_id)


def test_with_nothing_pending_the_confirmation_is_the_plain_one(session):
    w = ah.world(session)
    emp, offer_id = ah.offer(session, w)
    assert offers.unpublish_offer(session, emp, offer_id).message == (
        "Offre dépubliée : elle n'apparaît plus dans la recherche."
    )
    assert offers.archive_offer(session, emp, offer_id).message == "Offre archivée."
    assert ah.count(session, OutboxMail) == 0


def test_a_draft_sent_while_the_offer_is_unpublished_is_closed_too(engine):
    """The pupil sends a draft (and has read the offer, still published) while the employer
    unpublishes: the application must not stay open on an unpublished offer."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
        pupil = ah.pupil(session, w)
        draft = ah.draft(session, pupil, offer_id, W1)

    results = interleave(
        engine,
        lambda s: apps.submit_application(s, pupil, draft),
        READS_OFFER,
        lambda s: offers.unpublish_offer(s, emp, offer_id),
    )

    assert results == ("ok", "ok"), results
    with Session(engine) as session:
        assert ah.status(session, draft) == "cancelled_auto"
        assert _told(session, pupil, "application_closed") == (1, 1)
    assert_weeks_consistent(engine, offer_id)


def test_unpublishing_while_accepting_and_sending_leaves_nothing_open(engine):
    """Released together: the employer unpublishes, accepts one pupil in another tab, and two
    pupils send their drafts. Whatever the order, no application is left waiting on the
    unpublished offer, and an acceptance that won stays accepted."""
    with Session(engine, expire_on_commit=False) as session:
        w = ah.world(session)
        emp, offer_id = ah.offer(session, w, weeks=((W1, 2),))
        to_accept = ah.submitted(session, ah.pupil(session, w), offer_id, W1)
        senders = [ah.pupil(session, w) for _ in range(2)]
        drafts = [ah.draft(session, p, offer_id, W1) for p in senders]

    results = ah.race(
        engine,
        [
            lambda s: offers.unpublish_offer(s, emp, offer_id),
            lambda s: apps.accept(s, emp, to_accept),
            *[
                (lambda s, p=p, d=d: apps.submit_application(s, p, d))
                for p, d in zip(senders, drafts, strict=True)
            ],
        ],
    )

    assert results[0] == "ok", results
    assert all(r == "ok" or r.startswith(("Conflict: ", "ValidationError: ")) for r in results)
    with Session(engine) as session:
        assert session.get(Offer, offer_id).status == "unpublished"
        waiting = session.execute(
            select(func.count())
            .select_from(Application)
            .where(Application.offer_id == offer_id, Application.status.in_(("submitted", "read")))
        ).scalar_one()
        assert waiting == 0
        assert ah.status(session, to_accept) == (
            "accepted" if results[1] == "ok" else "cancelled_auto"
        )
    assert_weeks_consistent(engine, offer_id)
