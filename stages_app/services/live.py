"""Who should see a change at once: live-update *topics* (issue 6, item 4). No Reflex here.

A page that follows something (a class, a school, a pupil, an employer's organisation) watches a
topic; a committed change to an application or a pupil's file *touches* topics; the web layer
(``stages_app/live.py``) pushes a refresh to the pages watching a touched topic. A push only asks
the page to re-read its rows for its own viewer (rights checked again), so a topic is a hint,
never a permission.

* ``track(session) -> Changes``: records, on that session, the pupils and offers whose rows a
  *committed* flush inserted, changed or deleted (``Application``, ``PupilProfile``, ``Offer``,
  ``OfferWeek``). Rolled-back work is forgotten. Every service call of a handler goes through
  the handler's session, so no ORM change can forget to announce itself. (Bulk ``UPDATE``
  statements bypass the session: the letter's autosave is one, and no page follows drafts
  live; the pupil file's 20 s fallback shows them.)
* ``topics_for(session, changes) -> set[str]``: the topics those changes touch: for a pupil, the
  pupil, their class and their school (and the classes and schools of their moves), and every
  organisation they applied to this year or before (an acceptance cancels other employers'
  applications, R5); for an offer, its organisation.
* ``class_topic`` / ``school_topic`` / ``pupil_topic`` / ``organisation_topic``: topic names;
  ``organisation_topic_of``: the topic of the employer's own organisation (None without one).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import event, select
from sqlalchemy.orm import SessionTransaction, UOWTransaction
from sqlmodel import Session, col

from stages_app.models import (
    Application,
    Offer,
    OfferWeek,
    Organisation,
    PupilMove,
    PupilProfile,
)
from stages_app.services.access import Viewer


def class_topic(class_id: int) -> str:
    return f"class:{int(class_id)}"


def school_topic(school_id: int) -> str:
    return f"school:{int(school_id)}"


def pupil_topic(user_id: int) -> str:
    return f"pupil:{int(user_id)}"


def organisation_topic(organisation_id: int) -> str:
    return f"organisation:{int(organisation_id)}"


@dataclasses.dataclass
class Changes:
    """Pupils and offers touched by committed work on one session.

    Rows flushed are first kept per transaction (the outer one, or the savepoint they were
    flushed in): a savepoint rolled back drops only its own rows, a savepoint released hands
    them to its parent, the outer commit records everything, and an outer transaction that
    ends without a commit (rollback, ``close()``) drops what was left."""

    pupil_ids: set[int] = dataclasses.field(default_factory=set)
    offer_ids: set[int] = dataclasses.field(default_factory=set)
    _pending: dict[SessionTransaction, tuple[set[int], set[int]]] = dataclasses.field(
        default_factory=dict, repr=False
    )

    def __bool__(self) -> bool:
        return bool(self.pupil_ids or self.offer_ids)

    @staticmethod
    def _frame(transaction: SessionTransaction) -> SessionTransaction:
        """The savepoint or outer transaction that owns what ``transaction`` flushes."""
        while transaction.parent is not None and not transaction.nested:
            transaction = transaction.parent
        return transaction

    def _sets(self, transaction: SessionTransaction) -> tuple[set[int], set[int]]:
        return self._pending.setdefault(self._frame(transaction), (set(), set()))

    def _collect(self, session: Session, _flush_context: UOWTransaction) -> None:
        transaction = session.get_nested_transaction() or session.get_transaction()
        assert transaction is not None  # a flush runs inside a transaction
        pupils, offers = self._sets(transaction)
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Application):
                if obj.student_id:
                    pupils.add(obj.student_id)
                if obj.offer_id:
                    offers.add(obj.offer_id)
            elif isinstance(obj, PupilProfile):
                if obj.user_id:
                    pupils.add(obj.user_id)
            elif isinstance(obj, PupilMove) and obj.pupil_user_id:
                pupils.add(obj.pupil_user_id)
            elif isinstance(obj, Offer):
                if obj.id:
                    offers.add(obj.id)
            elif isinstance(obj, OfferWeek) and obj.offer_id:
                offers.add(obj.offer_id)

    def _commit(self, session: Session) -> None:
        transaction = session.get_nested_transaction() or session.get_transaction()
        if transaction is not None and transaction.nested:  # a savepoint released
            pupils, offers = self._pending.pop(transaction, (set(), set()))
            assert transaction.parent is not None  # a savepoint has a parent
            parent_pupils, parent_offers = self._sets(transaction.parent)
            parent_pupils |= pupils
            parent_offers |= offers
            return
        for pupils, offers in self._pending.values():  # the outer commit
            self.pupil_ids |= pupils
            self.offer_ids |= offers
        self._pending = {}

    def _rolled_back(self, _session: Session, transaction: SessionTransaction) -> None:
        frame = self._frame(transaction)
        for key in list(self._pending):
            t: SessionTransaction | None = key
            while t is not None and t is not frame:
                t = t.parent
            if t is frame:  # the frame itself or a savepoint inside it
                del self._pending[key]

    def _ended(self, _session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:  # the outer transaction is over: nothing left counts
            self._pending = {}


def track(session: Session) -> Changes:
    """Start recording the committed changes of ``session`` (see the module docstring)."""
    changes = Changes()
    event.listen(session, "after_flush", changes._collect)
    event.listen(session, "after_commit", changes._commit)
    event.listen(session, "after_soft_rollback", changes._rolled_back)
    event.listen(session, "after_transaction_end", changes._ended)
    return changes


def topics_for(session: Session, changes: Changes) -> set[str]:
    """The topics touched by ``changes`` (see the module docstring)."""
    topics: set[str] = set()
    pupil_ids = sorted(changes.pupil_ids)
    if pupil_ids:
        for user_id, class_id, school_id in session.execute(
            select(
                col(PupilProfile.user_id), col(PupilProfile.class_id), col(PupilProfile.school_id)
            ).where(col(PupilProfile.user_id).in_(pupil_ids))
        ).all():
            topics.update((pupil_topic(user_id), class_topic(class_id), school_topic(school_id)))
        topics.update(pupil_topic(i) for i in pupil_ids)
        # a pupil who changed class or collège, or asks to: the classes they leave or ask for
        for from_class, to_class, from_school, to_school in session.execute(
            select(
                col(PupilMove.from_class_id),
                col(PupilMove.to_class_id),
                col(PupilMove.from_school_id),
                col(PupilMove.to_school_id),
            ).where(col(PupilMove.pupil_user_id).in_(pupil_ids))
        ).all():
            topics.update(class_topic(c) for c in (from_class, to_class) if c is not None)
            topics.update((school_topic(from_school), school_topic(to_school)))
        for (org_id,) in session.execute(
            select(col(Offer.organisation_id))
            .join(Application, col(Application.offer_id) == Offer.id)
            .where(col(Application.student_id).in_(pupil_ids))
            .distinct()
        ).all():
            topics.add(organisation_topic(org_id))
    if changes.offer_ids:
        for (org_id,) in session.execute(
            select(col(Offer.organisation_id))
            .where(col(Offer.id).in_(sorted(changes.offer_ids)))
            .distinct()
        ).all():
            topics.add(organisation_topic(org_id))
    return topics


def organisation_topic_of(session: Session, viewer: Viewer) -> str | None:
    """The topic of the organisation the employer owns."""
    org_id = session.execute(
        select(col(Organisation.id)).where(col(Organisation.owner_id) == viewer.user_id)
    ).first()
    return organisation_topic(org_id[0]) if org_id else None
