"""Who should see a change at once: live-update *topics* (issue 6, item 4). No Reflex here.

A page that follows something (a class, a school, a pupil, an employer's organisation) watches a
topic; a committed change to an application or a pupil's file *touches* topics; the web layer
(``stages_app/live.py``) pushes a refresh to the pages watching a touched topic. A push only asks
the page to re-read its rows for its own viewer (rights checked again), so a topic is a hint,
never a permission.

* ``track(session) -> Changes``: records, on that session, the pupils and offers whose rows a
  *committed* flush inserted, changed or deleted (``Application``, ``PupilProfile``, ``Offer``,
  ``OfferWeek``). Rolled-back work is forgotten. Every service call of a handler goes through
  the handler's session, so no mutation can forget to announce itself.
* ``topics_for(session, changes) -> set[str]``: the topics those changes touch: for a pupil, the
  pupil, their class and their school, and every organisation they applied to this year or
  before (an acceptance cancels other employers' applications, R5); for an offer, its
  organisation.
* ``class_topic`` / ``school_topic`` / ``pupil_topic`` / ``organisation_topic``: topic names;
  ``organisation_topic_of``: the topic of the employer's own organisation (None without one).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import event, select
from sqlmodel import Session

from stages_app.models import (
    Application,
    Offer,
    OfferWeek,
    Organisation,
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
    """Pupils and offers touched by committed work on one session."""

    pupil_ids: set[int] = dataclasses.field(default_factory=set)
    offer_ids: set[int] = dataclasses.field(default_factory=set)
    _pending_pupils: set[int] = dataclasses.field(default_factory=set, repr=False)
    _pending_offers: set[int] = dataclasses.field(default_factory=set, repr=False)

    def __bool__(self) -> bool:
        return bool(self.pupil_ids or self.offer_ids)

    def _collect(self, session, _flush_context) -> None:
        for obj in (*session.new, *session.dirty, *session.deleted):
            if isinstance(obj, Application):
                if obj.student_id:
                    self._pending_pupils.add(obj.student_id)
                if obj.offer_id:
                    self._pending_offers.add(obj.offer_id)
            elif isinstance(obj, PupilProfile):
                if obj.user_id:
                    self._pending_pupils.add(obj.user_id)
            elif isinstance(obj, Offer):
                if obj.id:
                    self._pending_offers.add(obj.id)
            elif isinstance(obj, OfferWeek):
                if obj.offer_id:
                    self._pending_offers.add(obj.offer_id)

    def _commit(self, _session) -> None:
        self.pupil_ids |= self._pending_pupils
        self.offer_ids |= self._pending_offers
        self._forget(_session)

    def _forget(self, _session) -> None:
        self._pending_pupils = set()
        self._pending_offers = set()


def track(session: Session) -> Changes:
    """Start recording the committed changes of ``session`` (see the module docstring)."""
    changes = Changes()
    event.listen(session, "after_flush", changes._collect)
    event.listen(session, "after_commit", changes._commit)
    event.listen(session, "after_rollback", changes._forget)
    return changes


def topics_for(session: Session, changes: Changes) -> set[str]:
    """The topics touched by ``changes`` (see the module docstring)."""
    topics: set[str] = set()
    pupil_ids = sorted(changes.pupil_ids)
    if pupil_ids:
        for user_id, class_id, school_id in session.exec(
                select(PupilProfile.user_id, PupilProfile.class_id, PupilProfile.school_id)
                .where(PupilProfile.user_id.in_(pupil_ids))).all():
            topics.update((pupil_topic(user_id), class_topic(class_id), school_topic(school_id)))
        topics.update(pupil_topic(i) for i in pupil_ids)
        for (org_id,) in session.exec(
                select(Offer.organisation_id).join(Application, Application.offer_id == Offer.id)
                .where(Application.student_id.in_(pupil_ids)).distinct()).all():
            topics.add(organisation_topic(org_id))
    if changes.offer_ids:
        for (org_id,) in session.exec(
                select(Offer.organisation_id).where(Offer.id.in_(sorted(changes.offer_ids)))
                .distinct()).all():
            topics.add(organisation_topic(org_id))
    return topics


def organisation_topic_of(session: Session, viewer: Viewer) -> str | None:
    """The topic of the organisation the employer owns."""
    org_id = session.exec(
        select(Organisation.id).where(Organisation.owner_id == viewer.user_id)).first()
    return organisation_topic(org_id[0]) if org_id else None
