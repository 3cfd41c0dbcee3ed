"""A pupil changes class or collège during the year (issue 11, point 7).

* **Within a collège**: the principal, the other staff (vie scolaire, secrétariat) or the
  professeur principal of the pupil's class moves the pupil to another class of the school
  (``pupil.move``), at once. Nothing else changes: the parental authorisation, the opened access
  and every application stay (the weeks are the school's, not the class's). The pupil and the
  professeur principal of the new class are told.
* **To another collège**: a *handover*. The pupil (who knows the new class's code from their new
  professeur principal) asks for it (:func:`request_school_change`); the new collège's staff who
  organise that class (``class.arrivals``: principal, other staff, the class's professeur
  principal) accept or decline it (:func:`accept_arrival` / :func:`decline_arrival`). Until then
  the pupil stays in their collège and keeps everything. When accepted, the pupil is in the new
  class; applications for weeks the new collège does not have are closed with the reason and
  everyone told (open ones and drafts: cancelled automatically; an accepted internship:
  cancelled, its seat freed); those of weeks both collèges share stay. The parental form and the
  opened access stay (they are the family's consent to the platform, not the school's); the old
  professeur principal is told where the pupil went, the new one sees the pupil at once.
  The old collège can no longer see the pupil (R1), only the history line "parti(e) au collège …".

Every move is a ``PupilMove`` row: who asked, who decided, when, from where to where. Locks: the
weeks of the applications to close, then the pupil, then those applications (the order of
``applications.accept``), in one unit that takes SQLite's write lock first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import func, select
from sqlmodel import Session, col

from stages_app import routes
from stages_app.models import (
    Application,
    InternshipWeek,
    MoveKind,
    MoveStatus,
    Offer,
    OfferWeek,
    Organisation,
    PupilMove,
    PupilProfile,
    RightsStatus,
    Role,
    School,
    SchoolClass,
    StaffFunction,
    StaffMembership,
    User,
    UserStatus,
    stored_id,
    utcnow,
)
from stages_app.services import access
from stages_app.services import applications as apps
from stages_app.services.access import Viewer
from stages_app.services.calendar import week_label
from stages_app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from stages_app.services.notifications import notify
from stages_app.services.offers import sync_week
from stages_app.services.schools import paris_today
from stages_app.services.text import clean_line, clean_text

__all__ = [
    "ArrivalRow",
    "ClassChoice",
    "MoveRow",
    "PendingChange",
    "accept_arrival",
    "arrivals",
    "cancel_school_change",
    "decline_arrival",
    "move_history",
    "move_targets",
    "move_within_school",
    "pending_school_change",
    "request_school_change",
]

_SPACES = re.compile(r"\s+")
_PENDING, _DONE = MoveStatus.PENDING.value, MoveStatus.DONE.value
_DECLINED, _CANCELLED = MoveStatus.DECLINED.value, MoveStatus.CANCELLED.value
_CLASS, _SCHOOL = MoveKind.CLASS.value, MoveKind.SCHOOL.value
_CHANGED = "La situation de cet élève a changé entre-temps : rechargez la page."
BAD_CODE = (
    "Ce code de classe n'existe pas ou n'est pas ouvert. Demandez-le au professeur principal "
    "de votre nouvelle classe."
)
DECLINE_MIN = 5
# what a handover closes, as the record says it
_OPEN_OR_DRAFT = (apps.DRAFT, *apps.OPEN)


@dataclasses.dataclass(frozen=True)
class ClassChoice:
    class_id: int
    name: str


@dataclasses.dataclass(frozen=True)
class PendingChange:
    """The pupil's handover waiting for the new collège."""

    move_id: int
    school_name: str
    class_name: str
    requested_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ArrivalRow:
    """A pupil of another collège asking to join one of the viewer's classes."""

    move_id: int
    pupil_name: str
    from_school: str
    from_class: str
    to_class: str
    requested_at: dt.datetime
    # what accepting would close (weeks the new collège does not have), in words
    closes: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class MoveRow:
    """One line of a pupil's class history."""

    at: dt.datetime
    text: str


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _id(raw: object, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw < 2**31:
        raise NotFound(what)
    return raw


def _name(user: User | None) -> str:
    return f"{user.first_name} {user.last_name}".strip() if user is not None else ""


def _school_name(session: Session, school_id: int) -> str:
    school = session.get(School, school_id)
    return school.name if school is not None else "un autre collège"


def _granted_staff(session: Session, user_id: int | None, school_id: int) -> User | None:
    """The account when it is active and one of this collège's staff with rights granted."""
    if user_id is None:
        return None
    user: User | None = session.execute(
        select(User)
        .join(StaffMembership, col(StaffMembership.user_id) == User.id)
        .where(
            col(User.id) == user_id,
            col(User.status) == UserStatus.ACTIVE.value,
            col(StaffMembership.school_id) == school_id,
            col(StaffMembership.status) == RightsStatus.GRANTED.value,
        )
    ).scalar_one_or_none()
    return user


def _active_teacher(session: Session, klass: SchoolClass | None) -> User | None:
    """The class's professeur principal when their rights are granted and account active."""
    if klass is None:
        return None
    return _granted_staff(session, klass.main_teacher_id, klass.school_id)


def _principals(session: Session, school_id: int) -> list[User]:
    return list(
        session.execute(
            select(User)
            .join(StaffMembership, col(StaffMembership.user_id) == User.id)
            .where(
                col(User.status) == UserStatus.ACTIVE.value,
                col(StaffMembership.school_id) == school_id,
                col(StaffMembership.status) == RightsStatus.GRANTED.value,
                col(StaffMembership.function) == StaffFunction.PRINCIPAL.value,
            )
        ).scalars()
    )


def _lock_move(session: Session, move_id: int) -> PupilMove | None:
    row: PupilMove | None = session.execute(
        select(PupilMove)
        .where(col(PupilMove.id) == move_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return row


def _pupil_profile(session: Session, viewer: Viewer | None) -> tuple[User, PupilProfile]:
    if viewer is None:
        raise PermissionDenied()
    user = session.get(User, viewer.user_id)
    if user is None or user.role != Role.STUDENT.value or user.status != UserStatus.ACTIVE.value:
        raise PermissionDenied()
    profile = session.execute(
        select(PupilProfile)
        .where(col(PupilProfile.user_id) == user.id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if profile is None:
        raise ValidationError("Votre compte élève n'est rattaché à aucune classe.")
    return user, profile


def _pending_of(session: Session, pupil_user_id: int) -> PupilMove | None:
    row: PupilMove | None = session.execute(
        select(PupilMove).where(
            col(PupilMove.pupil_user_id) == pupil_user_id, col(PupilMove.status) == _PENDING
        )
    ).scalar_one_or_none()
    return row


# ---------------------------------------------------------------------------------------------
# Within a collège
# ---------------------------------------------------------------------------------------------


def move_targets(
    session: Session, viewer: Viewer | None, pupil_user_id: object
) -> list[ClassChoice]:
    """The other classes of the pupil's collège the viewer may move them to (empty when the
    viewer may not move this pupil)."""
    if not isinstance(pupil_user_id, int) or not access.can(
        session, viewer, "pupil.move", pupil_user_id
    ):
        return []
    profile = session.execute(
        select(PupilProfile).where(col(PupilProfile.user_id) == pupil_user_id)
    ).scalar_one()
    rows = session.execute(
        select(SchoolClass)
        .where(
            col(SchoolClass.school_id) == profile.school_id,
            col(SchoolClass.id) != profile.class_id,
        )
        .order_by(col(SchoolClass.name))
    ).scalars()
    return [ClassChoice(stored_id(c), c.name) for c in rows]


def move_within_school(
    session: Session, viewer: Viewer | None, pupil_user_id: object, class_id: object
) -> str:
    """Move a pupil to another class of their collège (see the module docstring)."""
    pid = _id(pupil_user_id, "Cet élève est introuvable.")
    cid = _id(class_id, "Cette classe est introuvable : elle a peut-être été supprimée.")
    with apps._unit(session, _CHANGED, locked=True):
        access.require(session, viewer, "pupil.move", pid)
        assert viewer is not None  # require refuses an anonymous viewer
        profile = apps._lock_pupil(session, pid)
        if profile is None:  # pragma: no cover - just checked, and profiles are not deleted here
            raise NotFound("Cet élève est introuvable.")
        old = session.get(SchoolClass, profile.class_id)
        new = session.get(SchoolClass, cid)
        if new is None or new.school_id != profile.school_id:
            raise ValidationError("Choisissez une classe de votre collège.", field="class_id")
        if new.id == profile.class_id:
            raise ValidationError(f"L'élève est déjà en classe de {new.name}.", field="class_id")
        now = utcnow()
        old_name = old.name if old is not None else ""
        session.add(
            PupilMove(
                pupil_user_id=pid,
                kind=_CLASS,
                status=_DONE,
                from_school_id=profile.school_id,
                from_class_id=profile.class_id,
                from_class_name=old_name,
                to_school_id=profile.school_id,
                to_class_id=new.id,
                to_class_name=new.name,
                requested_by_id=viewer.user_id,
                requested_at=now,
                decided_by_id=viewer.user_id,
                decided_at=now,
            )
        )
        profile.class_id = stored_id(new)
        session.add(profile)
        pupil = session.get(User, pid)
        name = _name(pupil)
        notify(
            session,
            pid,
            "pupil_moved",
            f"Vous êtes maintenant en {new.name}",
            f"Votre collège vous a inscrit(e) dans la classe {new.name} (avant : {old_name}). "
            "Votre accès, votre CV et vos candidatures ne changent pas.",
            routes.STUDENT_HOME,
        )
        told = {viewer.user_id}
        for klass, text in (
            (new, f"{name} arrive dans la classe {new.name} (venant de {old_name})."),
            (old, f"{name} a quitté la classe {old_name} pour la classe {new.name}."),
        ):
            teacher = _active_teacher(session, klass)
            if teacher is not None and teacher.id not in told and klass is not None:
                told.add(stored_id(teacher))
                notify(
                    session,
                    stored_id(teacher),
                    "pupil_moved",
                    f"Changement de classe : {name}",
                    text,
                    routes.class_url(stored_id(klass)),
                )
    msg = f"{name} est maintenant en {new.name}."
    if not new.access_open:
        msg += (
            " Cette classe est fermée à la plateforme : l'élève n'aura accès à rien tant que le "
            "chef d'établissement ne l'aura pas ouverte."
        )
    return msg


# ---------------------------------------------------------------------------------------------
# To another collège: the pupil asks
# ---------------------------------------------------------------------------------------------


def _class_by_code(session: Session, raw: object) -> SchoolClass | None:
    code = _SPACES.sub("", clean_line(raw if isinstance(raw, str) else "")).upper()
    if not code or len(code) > 40:
        return None
    klass: SchoolClass | None = session.execute(
        select(SchoolClass).where(func.upper(SchoolClass.join_code) == code)
    ).scalar_one_or_none()
    return klass


def request_school_change(session: Session, viewer: Viewer | None, class_code: object) -> str:
    """The pupil asks to join the class of another collège whose code they were given. One
    request at a time: a new one replaces the previous. The new class's staff are told."""
    with apps._unit(session, "Votre demande a déjà été envoyée.", locked=True):
        pupil, profile = _pupil_profile(session, viewer)
        klass = _class_by_code(session, class_code)
        if klass is None or not klass.access_open:
            raise ValidationError(BAD_CODE, field="class_code")
        if klass.school_id == profile.school_id:
            raise ValidationError(
                "Ce code est celui d'une classe de votre collège : pour changer de classe, "
                "adressez-vous à votre professeur principal.",
                field="class_code",
            )
        now = utcnow()
        previous = _pending_of(session, stored_id(pupil))
        if previous is not None:
            if previous.to_class_id == klass.id:
                raise Conflict(
                    f"Votre demande pour la classe {klass.name} est déjà envoyée : le collège va "
                    "vous répondre."
                )
            previous.status, previous.decided_at = _CANCELLED, now
            previous.note = "Remplacée par une nouvelle demande de l'élève."
            session.add(previous)
            session.flush()
        old = session.get(SchoolClass, profile.class_id)
        session.add(
            PupilMove(
                pupil_user_id=stored_id(pupil),
                kind=_SCHOOL,
                status=_PENDING,
                from_school_id=profile.school_id,
                from_class_id=profile.class_id,
                from_class_name=old.name if old is not None else "",
                to_school_id=klass.school_id,
                to_class_id=klass.id,
                to_class_name=klass.name,
                requested_by_id=pupil.id,
                requested_at=now,
            )
        )
        school = _school_name(session, klass.school_id)
        _tell_arrival_staff(session, klass, _name(pupil), _school_name(session, profile.school_id))
    return (
        f"Votre demande est envoyée au collège {school} (classe {klass.name}). Tant qu'il ne "
        "l'a pas acceptée, vous restez dans votre collège actuel et rien ne change pour vous."
    )


def _tell_arrival_staff(session: Session, klass: SchoolClass, pupil: str, from_school: str) -> None:
    teacher = _active_teacher(session, klass)
    link = routes.class_url(stored_id(klass))
    text = (
        f"{pupil}, élève du collège {from_school}, demande à rejoindre la classe {klass.name}. "
        "Acceptez son arrivée depuis la page de la classe si l'élève est bien inscrit(e) chez "
        "vous."
    )
    title = f"Arrivée d'un élève : {pupil}"
    told: set[int] = set()
    if teacher is not None:
        apps._tell(
            session,
            teacher,
            kind="pupil_arrival",
            title=title,
            body=text,
            link=link,
            dedupe_key=None,
        )
        told.add(stored_id(teacher))
    for principal in _principals(session, klass.school_id):
        if principal.id not in told:
            notify(session, stored_id(principal), "pupil_arrival", title, text, link)


def pending_school_change(session: Session, viewer: Viewer | None) -> PendingChange | None:
    """The pupil's handover waiting for an answer, if any."""
    pupil, _profile = _pupil_profile(session, viewer)
    move = _pending_of(session, stored_id(pupil))
    if move is None:
        return None
    return PendingChange(
        stored_id(move),
        _school_name(session, move.to_school_id),
        move.to_class_name,
        move.requested_at,
    )


def cancel_school_change(session: Session, viewer: Viewer | None) -> str:
    """The pupil takes back their handover request."""
    with apps._unit(session, _CHANGED, locked=True):
        pupil, _profile = _pupil_profile(session, viewer)
        move = _pending_of(session, stored_id(pupil))
        move = _lock_move(session, stored_id(move)) if move is not None else None
        if move is None or move.status != _PENDING:
            raise Conflict("Vous n'avez pas de demande de changement de collège en cours.")
        move.status, move.decided_at, move.decided_by_id = _CANCELLED, utcnow(), pupil.id
        move.note = "Retirée par l'élève."
        session.add(move)
    return "Votre demande de changement de collège est retirée."


# ---------------------------------------------------------------------------------------------
# To another collège: the new collège answers
# ---------------------------------------------------------------------------------------------


def _school_weeks(session: Session, school_id: int) -> set[dt.date]:
    return set(
        session.execute(
            select(col(InternshipWeek.week_start)).where(col(InternshipWeek.school_id) == school_id)
        ).scalars()
    )


def _to_close(session: Session, move: PupilMove) -> list[Application]:
    """The pupil's applications a handover closes: open, draft or accepted, for a week the new
    collège does not have, whose week has not started."""
    keep = _school_weeks(session, move.to_school_id)
    rows = session.execute(
        select(Application)
        .where(
            col(Application.student_id) == move.pupil_user_id,
            col(Application.status).in_((*_OPEN_OR_DRAFT, apps.ACCEPTED)),
            col(Application.week_start) >= paris_today(),
        )
        .order_by(col(Application.week_start), col(Application.id))
        .execution_options(populate_existing=True)
    ).scalars()
    return [a for a in rows if a.week_start not in keep]


def _closing_words(session: Session, rows: list[Application]) -> tuple[str, ...]:
    out = []
    for a in rows:
        offer = session.get(Offer, a.offer_id)
        title = offer.title if offer is not None else ""
        what = "stage accepté" if a.status == apps.ACCEPTED else "candidature"
        if a.status == apps.DRAFT:
            what = "brouillon"
        out.append(f"{what} « {title} », semaine {week_label(a.week_start)}")
    return tuple(out)


def arrivals(session: Session, viewer: Viewer | None, class_id: object) -> list[ArrivalRow]:
    """Pupils of other collèges asking to join this class, for who organises it (empty for a
    viewer who may not: a class page shows it only to them)."""
    if not isinstance(class_id, int) or not access.can(session, viewer, "class.arrivals", class_id):
        return []
    moves = session.execute(
        select(PupilMove)
        .where(col(PupilMove.to_class_id) == class_id, col(PupilMove.status) == _PENDING)
        .order_by(col(PupilMove.requested_at))
    ).scalars()
    out = []
    for m in moves:
        out.append(
            ArrivalRow(
                stored_id(m),
                _name(session.get(User, m.pupil_user_id)),
                _school_name(session, m.from_school_id),
                m.from_class_name,
                m.to_class_name,
                m.requested_at,
                _closing_words(session, _to_close(session, m)),
            )
        )
    return out


def _arrival(session: Session, viewer: Viewer | None, move_id: object) -> PupilMove:
    """The pending handover to one of the viewer's classes (checked again under lock)."""
    mid = _id(move_id, "Cette demande est introuvable.")
    first = session.get(PupilMove, mid)
    if first is None or first.kind != _SCHOOL or first.to_class_id is None:
        raise NotFound("Cette demande est introuvable.")
    access.require(session, viewer, "class.arrivals", first.to_class_id)
    return first


def accept_arrival(session: Session, viewer: Viewer | None, move_id: object) -> str:
    """The new collège takes the pupil over (see the module docstring)."""
    with apps._unit(session, _CHANGED, locked=True):
        first = _arrival(session, viewer, move_id)
        assert viewer is not None  # _arrival requires a right
        # lock order of applications.accept: weeks, then the pupil, then applications
        week_ids = sorted({a.offer_week_id for a in _to_close(session, first)})
        weeks = {wid: apps._lock_week(session, wid) for wid in week_ids}
        profile = apps._lock_pupil(session, first.pupil_user_id)
        move = _lock_move(session, stored_id(first))
        if move is None or move.status != _PENDING or profile is None:
            raise Conflict("Cette demande a déjà reçu une réponse ou a été retirée par l'élève.")
        klass = session.get(SchoolClass, move.to_class_id)
        if klass is None:
            raise NotFound("Cette classe est introuvable : elle a peut-être été supprimée.")
        if profile.school_id != move.from_school_id:
            raise Conflict(_CHANGED)
        now = utcnow()
        pupil = session.get(User, move.pupil_user_id)
        name = _name(pupil)
        new_school = _school_name(session, klass.school_id)
        old_school = _school_name(session, profile.school_id)
        old_class = session.get(SchoolClass, profile.class_id)
        closed: list[str] = []
        for first_app in _to_close(session, move):
            app = apps._lock_application(session, stored_id(first_app))
            if app.offer_week_id not in weeks:  # accepted or sent since we looked: redo
                raise Conflict(_CHANGED)
            closed.append(_close(session, app, weeks[app.offer_week_id], new_school, now))
        move.status, move.decided_at, move.decided_by_id = _DONE, now, viewer.user_id
        move.note = ("Closes : " + " ; ".join(closed) + ".") if closed else ""
        session.add(move)
        profile.school_id, profile.class_id = klass.school_id, stored_id(klass)
        session.add(profile)
        ended = (
            " Ce qui ne correspond pas aux semaines de stage de votre nouveau collège a été "
            "clos : " + " ; ".join(closed) + "."
            if closed
            else " Vos candidatures et votre CV sont conservés."
        )
        apps._tell(
            session,
            pupil,
            kind="pupil_moved",
            title=f"Bienvenue au collège {new_school}",
            body=f"Vous êtes maintenant en classe {klass.name} au collège {new_school}.{ended}",
            link=routes.STUDENT_HOME,
            dedupe_key=f"pupil_moved:{move.id}",
        )
        old_teacher = _active_teacher(session, old_class)
        if old_teacher is not None:
            apps._tell(
                session,
                old_teacher,
                kind="pupil_moved",
                title=f"{name} a changé de collège",
                body=(
                    f"{name} a quitté la classe {move.from_class_name} pour le collège "
                    f"{new_school}, qui suit désormais sa recherche de stage."
                ),
                link=routes.class_url(stored_id(old_class)) if old_class else routes.SCHOOL_HOME,
                dedupe_key=f"pupil_moved:{move.id}:old",
            )
    msg = f"{name} (venant du collège {old_school}) est maintenant en {klass.name}."
    if closed:
        msg += f" {len(closed)} candidature(s) ou stage(s) hors de vos semaines ont été clos."
    return msg


def _close(
    session: Session, app: Application, ow: OfferWeek | None, new_school: str, now: dt.datetime
) -> str:
    """Close one application of a week the new collège does not have; tell its employer."""
    offer = session.get(Offer, app.offer_id)
    org = session.get(Organisation, offer.organisation_id) if offer is not None else None
    owner = session.get(User, org.owner_id) if org is not None else None
    label = week_label(app.week_start)
    title = offer.title if offer is not None else ""
    reason = (
        f"L'élève a changé de collège : la semaine {label} n'est pas une semaine de stage de "
        f"son nouveau collège ({new_school})."
    )
    was = app.status
    words = f"« {title} », semaine {label}"
    if was == apps.ACCEPTED:
        apps._transition(session, app, apps.CANCELLED, None, reason, now)
        if ow is not None:
            ow.accepted_count = max(0, ow.accepted_count - 1)
            session.add(ow)
            session.flush()
            sync_week(session, ow)
        apps._tell(
            session,
            owner,
            kind="internship_cancelled",
            title="Stage annulé : l'élève a changé de collège",
            body=f"Le stage de la semaine {label} (« {title} ») est annulé. {reason} "
            "La place est de nouveau libre.",
            link=apps.employer_application_url(stored_id(app)),
            dedupe_key=f"internship_cancelled:{app.id}:employer",
        )
        return "stage accepté " + words
    apps._transition(session, app, apps.CANCELLED_AUTO, None, reason, now)
    if was != apps.DRAFT:
        apps._tell(
            session,
            owner,
            kind="application_closed",
            title="Candidature close : l'élève a changé de collège",
            body=f"La candidature reçue pour la semaine {label} (« {title} ») est close. {reason}",
            link=apps.employer_application_url(stored_id(app)),
            dedupe_key=None,
            mail=False,
        )
        return "candidature " + words
    return "brouillon " + words


def decline_arrival(
    session: Session, viewer: Viewer | None, move_id: object, reason: object
) -> str:
    """The new collège declines (e.g. the pupil is not enrolled there); the pupil is told why
    and stays where they are."""
    text = clean_text(reason if isinstance(reason, str) else "").strip()
    if len(text) < DECLINE_MIN:
        raise ValidationError(
            "Expliquez en quelques mots pourquoi (l'élève lira ce message).", field="reason"
        )
    text = text[:2000]
    with apps._unit(session, _CHANGED, locked=True):
        first = _arrival(session, viewer, move_id)
        assert viewer is not None
        move = _lock_move(session, stored_id(first))
        if move is None or move.status != _PENDING:
            raise Conflict("Cette demande a déjà reçu une réponse ou a été retirée par l'élève.")
        move.status, move.decided_at, move.decided_by_id = _DECLINED, utcnow(), viewer.user_id
        move.note = text
        session.add(move)
        school = _school_name(session, move.to_school_id)
        pupil = session.get(User, move.pupil_user_id)
        apps._tell(
            session,
            pupil,
            kind="pupil_move_declined",
            title=f"Le collège {school} n'a pas accepté votre demande",
            body=f"Message du collège : « {text} ». Vous restez dans votre collège actuel.",
            link=routes.STUDENT_HOME,
            dedupe_key=None,
            mail=False,
        )
        name = _name(pupil)
    return f"Demande de {name} refusée ; l'élève est prévenu(e)."


# ---------------------------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------------------------


def move_history(session: Session, viewer: Viewer | None, pupil_user_id: object) -> list[MoveRow]:
    """The pupil's changes of class and collège, for who may see the pupil now. A collège sees
    the moves into and within it (not where the pupil was before, beyond the collège's name)."""
    pid = _id(pupil_user_id, "Cet élève est introuvable.")
    profile = access.require(session, viewer, "pupil.view", pid)
    rows = session.execute(
        select(PupilMove)
        .where(col(PupilMove.pupil_user_id) == pid, col(PupilMove.status) == _DONE)
        .order_by(col(PupilMove.decided_at))
    ).scalars()
    out = []
    for m in rows:
        if m.kind == _CLASS:
            text = f"Changement de classe : {m.from_class_name} → {m.to_class_name}"
        elif m.to_school_id == profile.school_id:
            text = (
                f"Arrivée du collège {_school_name(session, m.from_school_id)} en {m.to_class_name}"
            )
        else:  # pragma: no cover - the viewer of a pupil now elsewhere no longer sees them
            continue
        out.append(MoveRow(m.decided_at or m.requested_at, text))
    return out
