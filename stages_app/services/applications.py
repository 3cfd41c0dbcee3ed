"""Applications: the pupil's letter and sending, the employer's answer, and rules R3–R7.

Lifecycle (ARCHITECTURE.md §2)::

    draft ──submit──▶ submitted ──open──▶ read ──▶ accepted ──cancel──▶ cancelled
      │                  │                 │  └──▶ refused (message required)
      └──────────────────┴─────────────────┴──▶ withdrawn (pupil) | cancelled_auto (R5)

Every transition writes an :class:`ApplicationEvent` (from, to, who — None for the system —, when,
why) in the same transaction as the change. Every mutating function validates, writes and
commits as one unit of work: a refused action leaves nothing half-saved.

Rights: pupils act on their own applications only, and only while their access is open (R1,
``access.pupil_with_open_access``); employers only on applications sent to their organisation's
offers (never on drafts); any other id is "introuvable" (no leak).

Concurrency (R3–R6 hold when several employers click *accept* at the same instant)
---------------------------------------------------------------------------------
Every transition that depends on other rows runs in a *locked* unit of work:

* PostgreSQL (READ COMMITTED): row locks (``SELECT … FOR NO KEY UPDATE``: nothing here changes
  a key, so rows that merely reference a locked row are not blocked) in one global order: the
  ``OfferWeek`` row (only when its seat counter changes: accept, cancel), then the pupil's
  ``PupilProfile`` row (serialises everything that concerns one pupil: two employers accepting
  the same pupil, a submission racing an acceptance), then the application row(s). Rows are
  re-read after the locks (``populate_existing``) and every rule is checked on what they hold.
* SQLite: the unit starts with ``BEGIN IMMEDIATE`` (the pysqlite driver's default transaction
  handling leaves it to us: nothing is begun before the first write), which takes the database
  write lock before the first read; writers queue on the 30 s busy timeout of ``db.make_engine``.
* Last line of defence: the partial unique index "one accepted application per pupil and week"
  (R3), the unique (pupil, offer, week) (R7) and the CHECK ``accepted_count <= seats`` (R6). An
  IntegrityError, a deadlock or a lock timeout becomes a French :class:`Conflict`.

Decisions
---------
* A week with no seat left: *accept* raises a French "plus de place" Conflict and the
  application stays open (submitted/read): a cancellation or more seats may free a place; the
  employer may refuse it with the ready-made reason "toutes nos places sont prises".
* R5 cancels the pupil's *open* applications (submitted, read). Drafts are not applications yet:
  they stay drafts, and sending one re-checks R3/R4 with a clear message.
* Cancelling an accepted internship frees its seat; applications cancelled automatically
  because of it stay cancelled (history is never rewritten).
* A draft withdrawn before being sent may be taken up again (same row: R7 holds).
* Sending requires a non-empty CV (the employer reads CV and letter); the CV and the letter are
  copied as sent (``cv_sent``, ``letter_sent``) and never change afterwards.
* Letters and messages are plain text: HTML is kept as typed and the UI renders it as text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TypedDict, TypeVar

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from stages_app import routes, settings
from stages_app.db import begin_immediate
from stages_app.models import (
    CV,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    InternshipWeek,
    Offer,
    OfferStatus,
    OfferWeek,
    Organisation,
    PupilProfile,
    RightsStatus,
    Role,
    School,
    SchoolClass,
    StaffMembership,
    User,
    UserStatus,
    stored_id,
    utcnow,
)
from stages_app.services import access, search
from stages_app.services.access import Viewer
from stages_app.services.calendar import (
    school_year_label,
    school_year_of,
    week_friday,
    week_label,
)
from stages_app.services.cv import CVView, dump_content, parse_content, view_of
from stages_app.services.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from stages_app.services.mail import queue_mail
from stages_app.services.notifications import notify
from stages_app.services.offers import (
    _employer_organisation,
    _int_id,
    is_week_searchable,
    paris_today,
)
from stages_app.services.text import clean_draft, clean_text

__all__ = [
    "EMPLOYER_INBOX_PATH",
    "EMPLOYER_STATUS_LABELS",
    "LETTER_MAX",
    "LETTER_MIN",
    "MAX_INTERNSHIPS_PER_YEAR",
    "PUPIL_STATUS_LABELS",
    "REFUSAL_TEMPLATES",
    "STATUS_TONES",
    "TRACKER_PATH",
    "ApplicationDetail",
    "ApplicationView",
    "EventRow",
    "InboxGroup",
    "InboxRow",
    "InternshipRow",
    "TrackerRow",
    "TrackerView",
    "WeekChoice",
    "accept",
    "application_weeks",
    "auto_cancel_reason",
    "cancel_accepted",
    "employer_application_url",
    "get_application",
    "inbox",
    "inbox_groups",
    "letter_guidance",
    "open_application",
    "pupil_application_url",
    "pupil_tracker",
    "refuse",
    "save_letter",
    "start_or_get_draft",
    "submit_application",
    "withdraw",
]

LETTER_MIN, LETTER_MAX = 30, 5000
MESSAGE_MAX = 2000  # Application.answer_message and ApplicationEvent.reason
REFUSAL_MIN = 10
REASON_MIN = 5
MAX_INTERNSHIPS_PER_YEAR = 2

# Pages the notifications link to (the UI registers them; see the report of issue 5).
TRACKER_PATH = routes.STUDENT_TRACKER
PUPIL_APPLICATION_PATH = routes.STUDENT_APPLICATION
EMPLOYER_INBOX_PATH = routes.EMPLOYER_INBOX
EMPLOYER_APPLICATION_PATH = routes.EMPLOYER_APPLICATION


def pupil_application_url(application_id: int) -> str:
    return f"{PUPIL_APPLICATION_PATH}?id={application_id}"


def employer_application_url(application_id: int) -> str:
    return f"{EMPLOYER_APPLICATION_PATH}?id={application_id}"


_S = ApplicationStatus
DRAFT, SUBMITTED, READ = _S.DRAFT.value, _S.SUBMITTED.value, _S.READ.value
ACCEPTED, REFUSED, WITHDRAWN = _S.ACCEPTED.value, _S.REFUSED.value, _S.WITHDRAWN.value
CANCELLED_AUTO, CANCELLED = _S.CANCELLED_AUTO.value, _S.CANCELLED.value
OPEN = (SUBMITTED, READ)
WITHDRAWABLE = (DRAFT, SUBMITTED, READ)

PUPIL_STATUS_LABELS = {
    DRAFT: "Brouillon",
    SUBMITTED: "Envoyée",
    READ: "Lue par l'employeur",
    ACCEPTED: "Acceptée",
    REFUSED: "Refusée",
    WITHDRAWN: "Retirée",
    CANCELLED_AUTO: "Annulée automatiquement",
    CANCELLED: "Annulée",
}
EMPLOYER_STATUS_LABELS = {
    DRAFT: "Brouillon",
    SUBMITTED: "Nouvelle",
    READ: "Lue",
    ACCEPTED: "Acceptée",
    REFUSED: "Refusée",
    WITHDRAWN: "Retirée par l'élève",
    CANCELLED_AUTO: "Annulée automatiquement",
    CANCELLED: "Annulée",
}
# Badge colour by meaning: "neutral" | "info" | "success" | "danger" | "warning"
STATUS_TONES = {
    DRAFT: "neutral",
    SUBMITTED: "info",
    READ: "info",
    ACCEPTED: "success",
    REFUSED: "danger",
    WITHDRAWN: "neutral",
    CANCELLED_AUTO: "warning",
    CANCELLED: "neutral",
}

REFUSAL_TEMPLATES: tuple[str, ...] = (
    "Merci pour ta candidature et pour ta lettre. Malheureusement, toutes nos places sont déjà "
    "prises pour cette semaine. Nous te souhaitons de trouver un beau stage !",
    "Merci pour ta candidature. Notre équipe ne pourra pas accueillir de stagiaire cette "
    "semaine-là (absences, déplacement ou activité particulière). Bon courage pour tes "
    "recherches !",
    "Merci pour ta lettre, on sent ta motivation ! Nous avons reçu beaucoup de candidatures et "
    "avons dû faire un choix difficile. Ne te décourage pas, d'autres employeurs t'attendent.",
    "Merci pour ta candidature. Notre activité ne permet pas d'accueillir un élève de 3e dans de "
    "bonnes conditions à cette période. Nous te souhaitons une belle réussite pour ton stage.",
)

NOT_FOUND = "Cette candidature est introuvable."
_NO_SEAT = (
    "Il n'y a plus de place libre pour la semaine {week} : toutes les places de cette "
    "semaine sont déjà prises."
)
_BUSY = (
    "Beaucoup de réponses arrivent en même temps : votre action n'a pas été enregistrée. "
    "Réessayez dans un instant."
)
_AUTO_SAME_WEEK = (
    "Annulée automatiquement : une autre candidature de l'élève a été acceptée "
    "pour la semaine {week}."
)
_AUTO_TWO = (
    "Annulée automatiquement : l'élève a déjà deux stages acceptés pour cette année scolaire."
)


def auto_cancel_reason(week_start: dt.date, *, two_internships: bool = False) -> str:
    """The reason recorded on an application cancelled automatically (R5), as the employer and
    the history read it."""
    return _AUTO_TWO if two_internships else _AUTO_SAME_WEEK.format(week=week_label(week_start))


def _pupil_reason(app: Application, reason: str) -> str:
    """An automatic cancellation's reason, told to the pupil."""
    if reason == _AUTO_TWO:
        return (
            "Annulée automatiquement : vous avez déjà deux stages acceptés cette année "
            "scolaire, c'est le maximum."
        )
    if reason.startswith("Annulée automatiquement : une autre candidature"):
        return (
            "Annulée automatiquement : une autre de vos candidatures a été acceptée pour la "
            f"semaine {week_label(app.week_start)}."
        )
    return reason


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class WeekChoice:
    """A week the pupil may choose on an offer (one of the collège's weeks with a free seat)."""

    week_start: dt.date
    label: str  # "Semaine du 7 au 11 décembre 2026"
    free_seats: int
    application_id: int | None = None  # the pupil's application for this offer and week, if any
    application_status: str = ""
    blocked_reason: str = ""  # French sentence when the pupil cannot apply for this week
    can_apply_again: bool = False  # an existing application the pupil may take up again


@dataclasses.dataclass(frozen=True)
class ApplicationView:
    """One application as its pupil sees it (letter editor, review, after sending)."""

    id: int
    offer_id: int
    offer_title: str
    employer_name: str
    commune_name: str
    week_start: dt.date
    week_label: str
    status: str
    status_label: str
    letter: str  # the draft being written, or the letter as sent
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    answer_message: str
    reason: str  # why it was withdrawn or cancelled ("" otherwise)
    can_edit: bool  # a draft: the letter is autosaved and may be sent
    can_withdraw: bool
    can_cancel: bool


@dataclasses.dataclass(frozen=True)
class TrackerRow:
    application_id: int
    offer_id: int
    offer_title: str
    employer_name: str
    commune_name: str
    week_start: dt.date
    week_label: str
    status: str
    status_label: str
    tone: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    read_at: dt.datetime | None
    answered_at: dt.datetime | None  # accepted or refused
    updated_at: dt.datetime
    answer_message: str  # the employer's message (acceptance or refusal)
    reason: str  # why it was withdrawn, cancelled or cancelled automatically
    can_edit: bool
    can_withdraw: bool
    can_cancel: bool


@dataclasses.dataclass(frozen=True)
class InternshipRow:
    """An accepted internship, at the top of the tracker."""

    application_id: int
    offer_id: int
    offer_title: str
    employer_name: str
    address: str  # "12 rue de la République, 93000 Bobigny"
    week_start: dt.date
    week_label: str
    tutor_name: str
    tutor_role: str
    contact_name: str
    contact_email: str
    contact_phone: str
    answer_message: str
    accepted_at: dt.datetime | None
    can_cancel: bool


@dataclasses.dataclass(frozen=True)
class TrackerView:
    internships: list[InternshipRow]
    count: int  # accepted internships this school year
    count_label: str  # "1 stage sur 2"
    school_year_label: str  # "2026-2027"
    applications: list[TrackerRow]  # every application, most recent activity first
    max_count: int = MAX_INTERNSHIPS_PER_YEAR


@dataclasses.dataclass(frozen=True)
class InboxRow:
    application_id: int
    offer_id: int
    offer_title: str
    week_start: dt.date
    week_label: str
    pupil_first_name: str
    pupil_last_name: str
    pupil_name: str
    class_name: str
    school_name: str
    status: str
    status_label: str
    tone: str
    is_new: bool  # not opened yet
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class InboxGroup:
    """Counts of one offer week with applications."""

    offer_id: int
    offer_title: str
    week_start: dt.date
    week_label: str
    seats: int
    accepted: int
    free_seats: int
    new_count: int  # not opened yet
    waiting_count: int  # submitted or read: waiting for an answer
    total: int


@dataclasses.dataclass(frozen=True)
class EventRow:
    at: dt.datetime
    from_status: str | None
    to_status: str
    label: str
    actor: str  # "L'élève", "Vous", "Automatique"
    reason: str


@dataclasses.dataclass(frozen=True)
class ApplicationDetail:
    """One application as the employer reads it: CV and letter as sent."""

    id: int
    offer_id: int
    offer_title: str
    week_start: dt.date
    week_label: str
    status: str
    status_label: str
    tone: str
    pupil_first_name: str
    pupil_last_name: str
    class_name: str
    school_name: str
    school_commune: str
    cv: CVView
    letter: str
    submitted_at: dt.datetime | None
    read_at: dt.datetime | None
    answered_at: dt.datetime | None
    answer_message: str
    reason: str
    seats: int
    accepted_count: int
    free_seats: int
    history: list[EventRow]
    can_accept: bool
    can_refuse: bool
    can_cancel: bool
    accept_blocked_reason: str = ""


# ---------------------------------------------------------------------------------------------
# Units of work and locks
# ---------------------------------------------------------------------------------------------

_LOCK_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock timeout


def _is_busy(exc: OperationalError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _LOCK_SQLSTATES:
        return True
    text = str(orig).lower()
    return "database is locked" in text or "database table is locked" in text


_begin_immediate = begin_immediate  # SQLite's write lock first (stages_app.db)


@contextlib.contextmanager
def _unit(session: Session, conflict: str, *, locked: bool = False) -> Iterator[None]:
    """Validate, write and commit as one; roll everything back on any error. ``locked``: the
    SQLite write lock is taken first (PostgreSQL row locks are taken by the body)."""
    try:
        if locked:
            _begin_immediate(session)
        yield
        session.commit()
    except DomainError:
        session.rollback()
        raise
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(conflict) from exc
    except OperationalError as exc:
        session.rollback()
        if _is_busy(exc):
            raise Conflict(_BUSY) from exc
        raise
    except BaseException:
        session.rollback()
        raise


_T = TypeVar("_T")


def _locked_one(session: Session, stmt: Select[_T]) -> _T | None:
    """PostgreSQL ``SELECT … FOR NO KEY UPDATE`` (nothing here changes a key: the rows that
    merely reference the locked one, such as a new event or application, are not blocked);
    SQLite ignores it (the unit holds the database write lock)."""
    row: _T | None = session.execute(
        stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return row


def _lock_week(session: Session, week_id: int) -> OfferWeek | None:
    return _locked_one(session, select(OfferWeek).where(col(OfferWeek.id) == week_id))


def _lock_pupil(session: Session, student_id: int) -> PupilProfile | None:
    return _locked_one(session, select(PupilProfile).where(col(PupilProfile.user_id) == student_id))


def _lock_application(session: Session, application_id: int) -> Application:
    app = _locked_one(session, select(Application).where(col(Application.id) == application_id))
    if app is None:  # read a moment ago in the same unit, and applications are never deleted
        raise NotFound(NOT_FOUND)
    return app


def _transition(
    session: Session,
    app: Application,
    to_status: str,
    actor_id: int | None,
    reason: str,
    now: dt.datetime,
) -> None:
    session.add(
        ApplicationEvent(
            application_id=stored_id(app),
            from_status=app.status,
            to_status=to_status,
            actor_id=actor_id,
            reason=reason[:MESSAGE_MAX],
            at=now,
        )
    )
    app.status = to_status
    app.updated_at = now
    session.add(app)


# ---------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------


def _week(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = dt.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            raw = None
    if not isinstance(raw, dt.date):
        raise ValidationError("Choisissez une semaine de stage dans la liste.", field="week")
    return raw


def _message(raw: object, *, field: str, required: bool, minimum: int, what: str) -> str:
    """A message or reason: plain text, control characters removed, 2,000 characters at most."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ValidationError(f"{what} est invalide.", field=field)
    text = clean_text(raw)
    if required and len(text) < minimum:
        raise ValidationError(
            f"{what} est obligatoire ({minimum} caractères au moins) : il sera transmis tel quel.",
            field=field,
        )
    if len(text) > MESSAGE_MAX:
        raise ValidationError(
            f"{what} est trop long ({len(text)} caractères, {MESSAGE_MAX} au plus).",
            field=field,
        )
    return text


def _id_or_404(raw: object) -> int:
    aid = _int_id(raw)
    if aid is None:
        raise NotFound(NOT_FOUND)
    return aid


# ---------------------------------------------------------------------------------------------
# Rows the rules read
# ---------------------------------------------------------------------------------------------


def _own_application(session: Session, viewer: Viewer, application_id: object) -> Application:
    aid = _id_or_404(application_id)
    app: Application | None = session.execute(
        select(Application)
        .where(col(Application.id) == aid, col(Application.student_id) == viewer.user_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if app is None:
        raise NotFound(NOT_FOUND)
    return app


# What an employer may ever see: applications sent at least once and not a draft now (a draft
# withdrawn before being sent stays the pupil's alone, like any draft, and so does an application
# cancelled automatically that the pupil is writing again).
_SENT = and_(col(Application.submitted_at).is_not(None), col(Application.status) != DRAFT)


def _employer_application(
    session: Session, org: Organisation, application_id: object
) -> Application:
    """An application sent to one of ``org``'s offers. Drafts are never the employer's, nor is a
    draft the pupil withdrew before sending it: the employer gets "introuvable", as for an id
    that does not exist."""
    aid = _id_or_404(application_id)
    app: Application | None = session.execute(
        select(Application)
        .join(Offer, col(Offer.id) == Application.offer_id)
        .where(
            col(Application.id) == aid,
            col(Offer.organisation_id) == org.id,
            _SENT,
        )
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if app is None:
        raise NotFound(NOT_FOUND)
    return app


def _accepted_weeks(session: Session, student_id: int) -> list[tuple[int, dt.date, int]]:
    """(application id, week, school year) of the pupil's accepted internships."""
    return [
        tuple(r)
        for r in session.execute(
            select(
                col(Application.id), col(Application.week_start), col(Application.school_year)
            ).where(col(Application.student_id) == student_id, col(Application.status) == ACCEPTED)
        ).all()
    ]


def _check_pupil_limits(
    session: Session, student_id: int, week: dt.date, *, employer: bool = False
) -> int:
    """R3 and R4 for one more internship of ``week``; returns the accepted count of its year."""
    accepted = _accepted_weeks(session, student_id)
    if any(w == week for _, w, _ in accepted):
        raise Conflict(
            f"Cet élève a déjà un stage accepté pour la semaine {week_label(week)} : il ne peut "
            "pas en faire deux la même semaine."
            if employer
            else f"Vous avez déjà un stage accepté pour la semaine {week_label(week)} : "
            "vous ne pouvez pas candidater à un autre stage cette semaine-là.",
            field="week",
        )
    year = school_year_of(week)
    count = sum(1 for _, _, y in accepted if y == year)
    if count >= MAX_INTERNSHIPS_PER_YEAR:
        raise Conflict(
            "Cet élève a déjà deux stages acceptés cette année scolaire, le maximum autorisé."
            if employer
            else "Vous avez déjà deux stages acceptés cette année scolaire : c'est le maximum, "
            "vous ne pouvez plus candidater.",
            field="week",
        )
    return count


def _school_week(session: Session, school_id: int, week: dt.date) -> int | None:
    """The id of the collège's internship week, locked against its removal until the end of
    the unit (PostgreSQL ``FOR KEY SHARE``; ``schools.remove_week`` locks it ``FOR UPDATE``)."""
    found: int | None = session.execute(
        select(col(InternshipWeek.id))
        .where(col(InternshipWeek.school_id) == school_id, col(InternshipWeek.week_start) == week)
        .with_for_update(read=True, key_share=True)
    ).scalar_one_or_none()
    return found


def _check_can_apply(
    session: Session, viewer: Viewer, profile: PupilProfile, offer_id: int, week: dt.date
) -> tuple[Offer, OfferWeek]:
    """R2 (offer published, one of the collège's weeks, free seat, within the perimeter), then
    R3 and R4, each with its own French message."""
    offer: Offer | None = session.execute(
        select(Offer).where(col(Offer.id) == offer_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if offer is None:
        raise NotFound("Cette offre est introuvable.")
    suspended = (
        session.execute(
            select(col(Organisation.suspended_at)).where(
                col(Organisation.id) == offer.organisation_id
            )
        ).scalar_one_or_none()
        is not None
    )
    if offer.status != OfferStatus.PUBLISHED.value or suspended:
        raise ValidationError(
            "Cette offre n'est pas publiée (ou ne l'est plus) : vous ne pouvez pas y candidater.",
            field="offer",
        )
    label = week_label(week)
    school_week = _school_week(session, profile.school_id, week)
    if school_week is None:
        raise ValidationError(
            f"La semaine {label} n'est pas une semaine de stage de votre collège : choisissez une "
            "des semaines proposées.",
            field="week",
        )
    if week < paris_today():
        raise ValidationError(f"La semaine {label} est déjà passée.", field="week")
    ow: OfferWeek | None = session.execute(
        select(OfferWeek)
        .where(col(OfferWeek.offer_id) == offer.id, col(OfferWeek.week_start) == week)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if ow is None or ow.withdrawn_at is not None:
        raise ValidationError(
            f"L'employeur ne propose pas cette offre pour la semaine {label}.", field="week"
        )
    if ow.accepted_count >= ow.seats:
        raise Conflict(
            _NO_SEAT.format(week=label) + " Choisissez une autre semaine ou une autre offre.",
            field="week",
        )
    try:
        card = search.offer_detail(session, viewer, offer.id)
    except NotFound:
        raise ValidationError(
            "Cette offre est en dehors du périmètre de recherche de votre collège (trop loin) : "
            "vous ne pouvez pas y candidater.",
            field="offer",
        ) from None
    if week not in dict(card.weeks):  # pragma: no cover - the checks above cover it
        raise Conflict(_NO_SEAT.format(week=label), field="week")
    _check_pupil_limits(session, viewer.user_id, week)
    return offer, ow


@dataclasses.dataclass
class _Facts:
    """Who and what an application's notifications talk about."""

    offer: Offer
    org: Organisation
    owner: User | None
    pupil: User
    klass: SchoolClass | None
    school: School | None
    teacher: User | None  # the class's professeur principal, rights granted

    @property
    def pupil_name(self) -> str:
        return f"{self.pupil.first_name} {self.pupil.last_name}".strip()


def _facts(session: Session, app: Application) -> _Facts:
    offer = session.get(Offer, app.offer_id)
    assert offer is not None  # foreign key
    org = session.get(Organisation, offer.organisation_id)
    assert org is not None  # foreign key
    owner = session.get(User, org.owner_id)
    pupil = session.get(User, app.student_id)
    assert pupil is not None  # foreign key
    profile: PupilProfile | None = session.execute(
        select(PupilProfile).where(col(PupilProfile.user_id) == app.student_id)
    ).scalar_one_or_none()
    klass = session.get(SchoolClass, profile.class_id) if profile else None
    school = session.get(School, profile.school_id) if profile else None
    teacher: User | None = None
    if klass is not None and klass.main_teacher_id is not None:
        teacher = session.execute(
            select(User)
            .join(StaffMembership, col(StaffMembership.user_id) == User.id)
            .where(
                col(User.id) == klass.main_teacher_id,
                col(User.status) == UserStatus.ACTIVE.value,
                col(StaffMembership.school_id) == klass.school_id,
                col(StaffMembership.status) == RightsStatus.GRANTED.value,
            )
        ).scalar_one_or_none()
    return _Facts(offer, org, owner, pupil, klass, school, teacher)


def _de(name: str) -> str:
    """ "de Paul" / "d'Inès" (French elision before a vowel)."""
    return f"d'{name}" if name[:1].lower() in "aàâeéèêëiîïoôuùûüy" and name else f"de {name}"


def _link(path: str) -> str:
    return f"{str(getattr(settings, 'PUBLIC_URL', '') or '').rstrip('/')}{path}"


def _tell(
    session: Session,
    user: User | None,
    *,
    kind: str,
    title: str,
    body: str,
    link: str,
    dedupe_key: str | None,
    mail: bool = True,
) -> None:
    """In-app notification, plus a queued e-mail (deduplicated) when ``mail``."""
    if user is None or user.status != UserStatus.ACTIVE.value:
        return
    notify(session, stored_id(user), kind, title, body, link)
    if mail:
        queue_mail(
            session,
            to=user.email,
            subject=f"Stages 3e : {title}",
            body=(
                f"Bonjour {user.first_name},\n\n{body}\n\nPour en savoir plus : {_link(link)}"
                "\n\nL'équipe Stages 3e\n"
            ),
            kind=kind,
            dedupe_key=dedupe_key,
        )


def _seat_changed(session: Session, ow: OfferWeek, offer: Offer, org: Organisation) -> None:
    ow.searchable = is_week_searchable(
        offer.status,
        ow.seats,
        ow.accepted_count,
        withdrawn=ow.withdrawn_at is not None,
        suspended=org.suspended_at is not None,
    )
    session.add(ow)


def _status_conflict(app: Application, *, employer: bool) -> Conflict:
    """Why this application cannot change any more, in words."""
    status = app.status
    if status == CANCELLED_AUTO:
        text = (
            (
                "Cette candidature vient d'être annulée automatiquement : l'élève a accepté un "
                "autre stage (cette semaine-là, ou son deuxième stage de l'année)."
            )
            if employer
            else "Cette candidature a été annulée automatiquement."
        )
    elif status == WITHDRAWN:
        text = (
            "L'élève a retiré cette candidature."
            if employer
            else "Vous avez déjà retiré cette candidature."
        )
    elif status == ACCEPTED:
        text = "Cette candidature a déjà été acceptée."
    elif status == REFUSED:
        text = "Cette candidature a déjà été refusée."
    elif status == CANCELLED:
        text = "Ce stage a déjà été annulé."
    elif status == DRAFT:
        text = "Cette candidature n'a pas encore été envoyée."
    else:
        text = "Cette candidature a déjà été envoyée."
    return Conflict(text + " Rechargez la page pour voir sa situation.")


# ---------------------------------------------------------------------------------------------
# Views builders
# ---------------------------------------------------------------------------------------------


def _events(session: Session, ids: Sequence[int]) -> dict[int, list[ApplicationEvent]]:
    result: dict[int, list[ApplicationEvent]] = {i: [] for i in ids}
    if ids:
        for ev in session.execute(
            select(ApplicationEvent)
            .where(col(ApplicationEvent.application_id).in_(list(ids)))
            .order_by(col(ApplicationEvent.at), col(ApplicationEvent.id))
        ).scalars():
            result[ev.application_id].append(ev)
    return result


def _first_at(events: Sequence[ApplicationEvent], *statuses: str) -> dt.datetime | None:
    for ev in events:
        if ev.to_status in statuses:
            return ev.at
    return None


def _end_reason(app: Application, events: Sequence[ApplicationEvent], *, pupil: bool) -> str:
    if app.status not in (WITHDRAWN, CANCELLED, CANCELLED_AUTO):
        return ""
    last = next((ev for ev in reversed(events) if ev.to_status == app.status), None)
    reason = last.reason if last is not None else ""
    if app.status == CANCELLED_AUTO:
        return _pupil_reason(app, reason) if pupil else reason
    if app.status == CANCELLED and last is not None:
        who = "l'élève" if last.actor_id == app.student_id else "l'employeur"
        if pupil:
            who = "vous" if last.actor_id == app.student_id else "l'employeur"
        return f"Annulé par {who} : {reason}" if reason else f"Annulé par {who}."
    return reason


def _week_over(week: dt.date) -> bool:
    return week_friday(week) < paris_today()


def _application_view(session: Session, app: Application) -> ApplicationView:
    offer = session.get(Offer, app.offer_id)
    assert offer is not None  # foreign key
    org = session.get(Organisation, offer.organisation_id)
    assert org is not None  # foreign key
    app_id = stored_id(app)
    events = _events(session, [app_id])[app_id]
    letter = app.letter_sent if app.letter_sent is not None and app.status != DRAFT else app.letter
    return ApplicationView(
        id=app_id,
        offer_id=stored_id(offer),
        offer_title=offer.title,
        employer_name=org.name,
        commune_name=offer.commune_name,
        week_start=app.week_start,
        week_label=week_label(app.week_start),
        status=app.status,
        status_label=PUPIL_STATUS_LABELS.get(app.status, app.status),
        letter=letter,
        created_at=app.created_at,
        updated_at=app.updated_at,
        submitted_at=app.submitted_at,
        answer_message=app.answer_message if app.status in (ACCEPTED, REFUSED) else "",
        reason=_end_reason(app, events, pupil=True),
        can_edit=app.status == DRAFT,
        can_withdraw=app.status in WITHDRAWABLE,
        can_cancel=app.status == ACCEPTED and not _week_over(app.week_start),
    )


# ---------------------------------------------------------------------------------------------
# Pupil: choosing a week, writing, sending
# ---------------------------------------------------------------------------------------------


def application_weeks(session: Session, viewer: Viewer, offer_id: object) -> list[WeekChoice]:
    """The weeks the pupil may choose on this offer: the collège's upcoming weeks with a free
    seat (R1 + R2, through ``search.offer_detail``: NotFound outside the perimeter), each with
    the pupil's existing application and, when R3/R4 forbid it, the reason."""
    card = search.offer_detail(session, viewer, offer_id)
    uid = viewer.user_id
    mine = {
        w: (i, s)
        for i, w, s in session.execute(
            select(col(Application.id), col(Application.week_start), col(Application.status)).where(
                col(Application.student_id) == uid, col(Application.offer_id) == card.id
            )
        ).all()
    }
    accepted = _accepted_weeks(session, uid)
    weeks_taken = {w for _, w, _ in accepted}
    per_year = Counter(y for _, _, y in accepted)
    choices: list[WeekChoice] = []
    for week, free in card.weeks:
        app_id, status = mine.get(week, (None, ""))
        blocked = ""
        if status == ACCEPTED:
            blocked = "Votre candidature pour cette semaine a été acceptée."
        elif week in weeks_taken:
            blocked = "Vous avez déjà un stage accepté cette semaine-là."
        elif per_year[school_year_of(week)] >= MAX_INTERNSHIPS_PER_YEAR:
            blocked = "Vous avez déjà deux stages acceptés cette année scolaire."
        again = status in (CANCELLED_AUTO, WITHDRAWN) and not blocked
        if status == WITHDRAWN and app_id is not None:
            row = session.get(Application, app_id)
            again = again and row is not None and _taken_up_again(row)
        choices.append(
            WeekChoice(week, f"Semaine {week_label(week)}", free, app_id, status, blocked, again)
        )
    return choices


def _find(session: Session, student_id: int, offer_id: int, week: dt.date) -> Application | None:
    app: Application | None = session.execute(
        select(Application)
        .where(
            col(Application.student_id) == student_id,
            col(Application.offer_id) == offer_id,
            col(Application.week_start) == week,
        )
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return app


def _taken_up_again(app: Application) -> bool:
    """R7 keeps one row per pupil, offer and week; these come back as a draft when the pupil
    applies again: a draft they withdrew before sending it, and an application cancelled
    automatically (R5: not their choice; they may apply again once the rules allow it, e.g.
    after the internship that caused it is cancelled)."""
    return (app.status == WITHDRAWN and app.submitted_at is None) or app.status == CANCELLED_AUTO


def start_or_get_draft(
    session: Session, viewer: Viewer, offer_id: object, week_start: object
) -> ApplicationView:
    """The pupil's application for this offer and week (R7: at most one), created as a draft when
    there is none — only for a week they may apply to. A draft withdrawn before being sent, or an
    application cancelled automatically, is taken up again as a draft (:func:`_taken_up_again`);
    any other existing application is returned as it is."""
    profile = access.pupil_with_open_access(session, viewer)
    oid = _int_id(offer_id)
    if oid is None:
        raise NotFound("Cette offre est introuvable.")
    week = _week(week_start)
    existing = _find(session, viewer.user_id, oid, week)
    if existing is not None and not _taken_up_again(existing):
        return _application_view(session, existing)
    try:
        # No lock: R7's unique constraint settles two creations at once (the loser returns the
        # winner's row below); R3/R4/R6 are checked again, under locks, when sending.
        with _unit(session, "Cette candidature existe déjà."):
            profile = access.pupil_with_open_access(session, viewer)
            offer, ow = _check_can_apply(session, viewer, profile, oid, week)
            now = utcnow()
            app = _find(session, viewer.user_id, oid, week)
            if app is None:
                app = Application(
                    student_id=viewer.user_id,
                    offer_id=stored_id(offer),
                    offer_week_id=stored_id(ow),
                    week_start=week,
                    school_year=school_year_of(week),
                    status=DRAFT,
                    created_at=now,
                    updated_at=now,
                )
                session.add(app)
                session.flush()
                session.add(
                    ApplicationEvent(
                        application_id=stored_id(app),
                        from_status=None,
                        to_status=DRAFT,
                        actor_id=viewer.user_id,
                        reason="",
                        at=now,
                    )
                )
            elif _taken_up_again(app):
                reason = (
                    "Brouillon repris par l'élève."
                    if app.status == WITHDRAWN
                    else "Candidature reprise par l'élève après son annulation automatique."
                )
                _transition(session, app, DRAFT, viewer.user_id, reason, now)
            app_id = app.id
    except Conflict as exc:
        if isinstance(exc.__cause__, IntegrityError):  # created at the same instant elsewhere
            again = _find(session, viewer.user_id, oid, week)
            if again is not None:
                return _application_view(session, again)
        raise
    saved = session.get(Application, app_id)
    if saved is None:  # committed just above, and applications are never deleted
        raise NotFound(NOT_FOUND)
    return _application_view(session, saved)


def get_application(session: Session, viewer: Viewer, application_id: object) -> ApplicationView:
    """One of the pupil's applications (NotFound for any other id)."""
    access.pupil_with_open_access(session, viewer)
    return _application_view(session, _own_application(session, viewer, application_id))


def save_letter(
    session: Session, viewer: Viewer, application_id: object, letter: object
) -> dt.datetime:
    """Autosave the draft letter (plain text, 5,000 characters at most); returns when it was
    saved. Too long or not text: ValidationError and the saved draft is kept as it was."""
    with _unit(session, "Votre lettre n'a pas pu être enregistrée : réessayez."):
        access.pupil_with_open_access(session, viewer)
        app = _own_application(session, viewer, application_id)
        if app.status != DRAFT:
            raise Conflict(
                "Cette candidature a déjà été envoyée : sa lettre ne peut plus être modifiée.",
                field="letter",
            )
        if letter is None:
            letter = ""
        if not isinstance(letter, str):
            raise ValidationError("La lettre doit être un texte.", field="letter")
        text = clean_draft(letter)
        if len(text) > LETTER_MAX:
            raise ValidationError(
                f"Votre lettre est trop longue ({len(text)} caractères, {LETTER_MAX} au plus) : "
                "raccourcissez-la. La dernière version enregistrée est conservée.",
                field="letter",
            )
        if text == app.letter:
            return app.updated_at
        now = utcnow()
        # only while still a draft, atomically (a sending may be committing at this instant)
        done = session.exec(
            update(Application)
            .where(col(Application.id) == app.id, col(Application.status) == DRAFT)
            .values(letter=text, updated_at=now)
        ).rowcount
        if done != 1:
            raise Conflict(
                "Cette candidature vient d'être envoyée : sa lettre ne peut plus être modifiée.",
                field="letter",
            )
    return now


def submit_application(session: Session, viewer: Viewer, application_id: object) -> str:
    """Send a draft: letter of 30 to 5,000 characters, R1, R2 (published, collège week, free
    seat, perimeter), R3, R4 and a CV re-checked; the CV and the letter are copied as sent;
    the employer is notified. Returns a French confirmation."""
    with _unit(session, "Cette candidature a changé entre-temps : rechargez la page.", locked=True):
        profile = access.pupil_with_open_access(session, viewer)
        app_id = stored_id(_own_application(session, viewer, application_id))
        _lock_pupil(session, viewer.user_id)
        app = _lock_application(session, app_id)
        if app.status != DRAFT:
            raise _status_conflict(app, employer=False)
        letter = clean_text(app.letter)
        if len(letter) < LETTER_MIN:
            raise ValidationError(
                f"Votre lettre est trop courte ({len(letter)} caractère"
                f"{'s' if len(letter) > 1 else ''}) : écrivez au moins {LETTER_MIN} caractères "
                "pour expliquer à l'employeur pourquoi ce stage vous intéresse.",
                field="letter",
            )
        if len(letter) > LETTER_MAX:
            raise ValidationError(
                f"Votre lettre est trop longue ({len(letter)} caractères, {LETTER_MAX} au plus).",
                field="letter",
            )
        _check_can_apply(session, viewer, profile, app.offer_id, app.week_start)
        cv: CV | None = session.execute(
            select(CV).where(col(CV.student_id) == viewer.user_id)
        ).scalar_one_or_none()
        if cv is None or view_of(cv.content).is_empty:
            raise ValidationError(
                "Remplissez d'abord votre CV : l'employeur le lira avec votre lettre.", field="cv"
            )
        now = utcnow()
        app.letter = letter
        app.letter_sent = letter
        app.cv_sent = dump_content(parse_content(cv.content))
        app.submitted_at = now
        _transition(session, app, SUBMITTED, viewer.user_id, "", now)
        f = _facts(session, app)
        where = f" au {f.school.name}" if f.school else ""
        klass = f", élève de {f.klass.name}" if f.klass else ""
        _tell(
            session,
            f.owner,
            kind="application_received",
            title=f"Nouvelle candidature pour « {f.offer.title} »",
            body=(
                f"{f.pupil_name}{klass}{where}, vous a envoyé sa candidature pour la semaine "
                f"{week_label(app.week_start)}. Lisez son CV et sa lettre, puis répondez-lui "
                "depuis votre espace employeur."
            ),
            link=employer_application_url(stored_id(app)),
            dedupe_key=f"application_received:{app.id}",
        )
        org_name = f.org.name
    return (
        f"Votre candidature est envoyée à {org_name}. Vous verrez sa réponse dans le suivi "
        "de vos candidatures et la recevrez par e-mail."
    )


def withdraw(session: Session, viewer: Viewer, application_id: object, reason: str = "") -> str:
    """The pupil withdraws a draft or an application waiting for an answer (reason optional)."""
    with _unit(session, "Cette candidature a changé entre-temps : rechargez la page.", locked=True):
        access.pupil_with_open_access(session, viewer)
        app_id = stored_id(_own_application(session, viewer, application_id))
        text = _message(
            reason, field="reason", required=False, minimum=0, what="Le motif du retrait"
        )
        _lock_pupil(session, viewer.user_id)
        app = _lock_application(session, app_id)
        if app.status not in WITHDRAWABLE:
            if app.status == ACCEPTED:
                raise Conflict(
                    "Cette candidature a été acceptée : pour renoncer au stage, "
                    "annulez-le en indiquant pourquoi."
                )
            raise _status_conflict(app, employer=False)
        was_sent = app.status in OPEN
        _transition(session, app, WITHDRAWN, viewer.user_id, text, utcnow())
        if was_sent:
            f = _facts(session, app)
            _tell(
                session,
                f.owner,
                kind="application_withdrawn",
                title=f"Candidature retirée : {f.pupil_name}",
                body=(
                    f"{f.pupil_name} a retiré sa candidature à « {f.offer.title} » pour la "
                    f"semaine {week_label(app.week_start)}."
                    + (f" Motif : « {text} »." if text else "")
                ),
                link=employer_application_url(stored_id(app)),
                dedupe_key=None,
                mail=False,
            )
    return "Votre candidature a été retirée."


# ---------------------------------------------------------------------------------------------
# Employer: inbox, reading, answering
# ---------------------------------------------------------------------------------------------


def _status_filter(status: object) -> tuple[str, ...] | None:
    if status in (None, ""):
        return None
    if status == "open":
        return OPEN
    if isinstance(status, str) and status in PUPIL_STATUS_LABELS and status != DRAFT:
        return (status,)
    return None  # unknown value from the browser: no filter


def inbox(
    session: Session,
    viewer: Viewer,
    *,
    offer_id: object = None,
    week_start: object = None,
    status: object = None,
) -> list[InboxRow]:
    """Applications sent to the employer's offers, newest first; filters: one offer, one week,
    one status ("open" = waiting for an answer). Unknown filter values are ignored."""
    org = _employer_organisation(session, viewer)
    stmt = (
        select(
            Application,
            col(Offer.title),
            col(User.first_name),
            col(User.last_name),
            col(SchoolClass.name),
            col(School.name),
        )
        .join(Offer, col(Offer.id) == Application.offer_id)
        .join(User, col(User.id) == Application.student_id)
        .join(PupilProfile, col(PupilProfile.user_id) == Application.student_id, isouter=True)
        .join(SchoolClass, col(SchoolClass.id) == PupilProfile.class_id, isouter=True)
        .join(School, col(School.id) == PupilProfile.school_id, isouter=True)
        .where(col(Offer.organisation_id) == org.id, _SENT)
    )
    oid = _int_id(offer_id) if offer_id not in (None, "") else None
    if oid is not None:
        stmt = stmt.where(col(Application.offer_id) == oid)
    if week_start not in (None, ""):
        with contextlib.suppress(ValidationError):
            stmt = stmt.where(col(Application.week_start) == _week(week_start))
    statuses = _status_filter(status)
    if statuses is not None:
        stmt = stmt.where(col(Application.status).in_(statuses))
    rows = session.execute(
        stmt.order_by(col(Application.submitted_at).desc(), col(Application.id).desc())
    ).all()
    return [
        InboxRow(
            application_id=app.id,
            offer_id=app.offer_id,
            offer_title=title,
            week_start=app.week_start,
            week_label=week_label(app.week_start),
            pupil_first_name=first,
            pupil_last_name=last,
            pupil_name=f"{first} {last}".strip(),
            class_name=klass or "",
            school_name=school or "",
            status=app.status,
            status_label=EMPLOYER_STATUS_LABELS.get(app.status, app.status),
            tone=STATUS_TONES.get(app.status, "neutral"),
            is_new=app.status == SUBMITTED,
            submitted_at=app.submitted_at,
            updated_at=app.updated_at,
        )
        for app, title, first, last, klass, school in rows
    ]


class _GroupCounts(TypedDict):
    title: str
    seats: int
    accepted: int
    new: int
    waiting: int
    total: int


def inbox_groups(session: Session, viewer: Viewer) -> list[InboxGroup]:
    """Per offer and week with applications: seats, accepted, free, new, waiting, total
    (by offer title, then week)."""
    org = _employer_organisation(session, viewer)
    rows = session.execute(
        select(
            col(Offer.id),
            col(Offer.title),
            col(OfferWeek.week_start),
            col(OfferWeek.seats),
            col(OfferWeek.accepted_count),
            col(Application.status),
            func.count(),
        )
        .join(OfferWeek, col(OfferWeek.id) == Application.offer_week_id)
        .join(Offer, col(Offer.id) == Application.offer_id)
        .where(col(Offer.organisation_id) == org.id, _SENT)
        .group_by(
            col(Offer.id),
            col(Offer.title),
            col(OfferWeek.week_start),
            col(OfferWeek.seats),
            col(OfferWeek.accepted_count),
            col(Application.status),
        )
    ).all()
    groups: dict[tuple[int, dt.date], _GroupCounts] = {}
    for oid, title, week, seats, accepted, status, n in rows:
        g = groups.setdefault(
            (oid, week),
            {
                "title": title,
                "seats": seats,
                "accepted": accepted,
                "new": 0,
                "waiting": 0,
                "total": 0,
            },
        )
        g["total"] += n
        if status == SUBMITTED:
            g["new"] += n
        if status in OPEN:
            g["waiting"] += n
    result = [
        InboxGroup(
            oid,
            g["title"],
            week,
            week_label(week),
            g["seats"],
            g["accepted"],
            max(0, g["seats"] - g["accepted"]),
            g["new"],
            g["waiting"],
            g["total"],
        )
        for (oid, week), g in groups.items()
    ]
    result.sort(key=lambda g: (g.offer_title.lower(), g.offer_id, g.week_start))
    return result


_ACTOR_LABELS = {"pupil": "L'élève", "employer": "Vous", "system": "Automatique"}


def _detail(session: Session, app: Application) -> ApplicationDetail:
    offer = session.get(Offer, app.offer_id)
    assert offer is not None  # foreign key
    ow = session.get(OfferWeek, app.offer_week_id)
    pupil = session.get(User, app.student_id)
    assert pupil is not None  # foreign key
    profile: PupilProfile | None = session.execute(
        select(PupilProfile).where(col(PupilProfile.user_id) == app.student_id)
    ).scalar_one_or_none()
    klass = session.get(SchoolClass, profile.class_id) if profile else None
    school = session.get(School, profile.school_id) if profile else None
    app_id = stored_id(app)
    events = _events(session, [app_id])[app_id]
    history = []
    for ev in events:
        if ev.to_status == DRAFT:
            continue  # the pupil's drafts are not the employer's business
        if ev.actor_id is None:
            actor = _ACTOR_LABELS["system"]
        elif ev.actor_id == app.student_id:
            actor = _ACTOR_LABELS["pupil"]
        else:
            actor = _ACTOR_LABELS["employer"]
        history.append(
            EventRow(
                ev.at,
                ev.from_status,
                ev.to_status,
                EMPLOYER_STATUS_LABELS.get(ev.to_status, ev.to_status),
                actor,
                ev.reason,
            )
        )
    free = max(0, ow.seats - ow.accepted_count) if ow else 0
    is_open = app.status in OPEN
    blocked = ""
    if is_open and (ow is None or ow.withdrawn_at is not None):
        blocked = "Cette semaine n'est plus proposée."
    elif is_open and free == 0:
        blocked = (
            "Plus de place libre cette semaine : toutes les places sont prises. Vous "
            "pouvez refuser cette candidature avec un message bienveillant."
        )
    return ApplicationDetail(
        id=app_id,
        offer_id=app.offer_id,
        offer_title=offer.title,
        week_start=app.week_start,
        week_label=week_label(app.week_start),
        status=app.status,
        status_label=EMPLOYER_STATUS_LABELS.get(app.status, app.status),
        tone=STATUS_TONES.get(app.status, "neutral"),
        pupil_first_name=pupil.first_name,
        pupil_last_name=pupil.last_name,
        class_name=klass.name if klass else "",
        school_name=school.name if school else "",
        school_commune=school.commune_name if school else "",
        cv=view_of(app.cv_sent, app.submitted_at),
        letter=app.letter_sent or "",
        submitted_at=app.submitted_at,
        read_at=_first_at(events, READ),
        answered_at=_first_at(events, ACCEPTED, REFUSED),
        answer_message=app.answer_message if app.status in (ACCEPTED, REFUSED, CANCELLED) else "",
        reason=_end_reason(app, events, pupil=False),
        seats=ow.seats if ow else 0,
        accepted_count=ow.accepted_count if ow else 0,
        free_seats=free,
        history=history,
        can_accept=is_open and not blocked,
        can_refuse=is_open,
        can_cancel=app.status == ACCEPTED and not _week_over(app.week_start),
        accept_blocked_reason=blocked,
    )


def open_application(session: Session, viewer: Viewer, application_id: object) -> ApplicationDetail:
    """An application sent to the employer, with the CV and the letter as sent, the pupil's
    name, class and collège. The first opening marks it read (event recorded: the pupil sees
    "Lue par l'employeur")."""
    org = _employer_organisation(session, viewer)
    app = _employer_application(session, org, application_id)
    app_id = stored_id(app)
    if app.status == SUBMITTED:
        with _unit(
            session, "Cette candidature a changé entre-temps : rechargez la page.", locked=True
        ):
            org = _employer_organisation(session, viewer)
            student_id = _employer_application(session, org, app_id).student_id
            _lock_pupil(session, student_id)
            app = _lock_application(session, app_id)
            if app.status == SUBMITTED:
                _transition(session, app, READ, viewer.user_id, "", utcnow())
    saved = session.get(Application, app_id)
    if saved is None:  # read just above, and applications are never deleted
        raise NotFound(NOT_FOUND)
    return _detail(session, saved)


def accept(session: Session, viewer: Viewer, application_id: object, message: str = "") -> str:
    """Accept an application waiting for an answer, in one locked transaction: seat free (R6),
    no other internship that week (R3), fewer than two this school year (R4); then the seat
    counter and search flag, the automatic cancellation of the pupil's other open applications
    of that week — and of all of them at the second internship (R5) —, every event and every
    notification. Returns a French confirmation; Conflict (French) when a rule refuses."""
    with _unit(
        session,
        "La candidature n'a pas pu être acceptée : la situation a changé "
        "entre-temps (place prise ou autre stage accepté). Rechargez la page.",
        locked=True,
    ):
        org = _employer_organisation(session, viewer)
        text = _message(
            message, field="message", required=False, minimum=0, what="Le message à l'élève"
        )
        first = _employer_application(session, org, application_id)
        app_id, student_id, week_id = stored_id(first), first.student_id, first.offer_week_id
        ow = _lock_week(session, week_id)  # 1. the offer week (R6)
        profile = _lock_pupil(session, student_id)  # 2. the pupil (R3, R4, R5)
        app = _lock_application(session, app_id)  # 3. the application
        if app.status not in OPEN:
            raise _status_conflict(app, employer=True)
        label = week_label(app.week_start)
        if app.week_start < paris_today():
            raise Conflict(
                f"La semaine {label} est commencée ou passée : il est trop tard pour accepter "
                "cette candidature."
            )
        if ow is None or ow.withdrawn_at is not None:
            raise Conflict(f"La semaine {label} n'est plus proposée pour cette offre.")
        if profile is None or _school_week(session, profile.school_id, app.week_start) is None:
            raise Conflict(
                f"La semaine {label} n'est plus une semaine de stage du collège de l'élève : "
                "vous ne pouvez pas accepter cette candidature."
            )
        if ow.accepted_count >= ow.seats:
            raise Conflict(
                _NO_SEAT.format(week=label) + " La candidature reste en attente : "
                "vous pouvez la refuser ou ajouter une place à l'offre."
            )
        published = session.execute(
            select(col(Offer.status)).where(col(Offer.id) == app.offer_id)
        ).scalar_one()
        if published != OfferStatus.PUBLISHED.value:
            raise Conflict(
                "Cette offre n'est plus publiée : republiez-la pour accepter cette "
                "candidature, ou refusez-la."
            )
        count = _check_pupil_limits(session, student_id, app.week_start, employer=True)
        now = utcnow()
        app.answer_message = text
        _transition(session, app, ACCEPTED, viewer.user_id, text, now)
        ow.accepted_count += 1
        offer = session.get(Offer, app.offer_id)
        assert offer is not None  # foreign key
        _seat_changed(session, ow, offer, org)
        session.flush()  # the unique index (R3) and the CHECK (R6) speak here, if ever
        # R5: the pupil's other open applications of that week, and all of them at the second
        two = count + 1 >= MAX_INTERNSHIPS_PER_YEAR
        scope = col(Application.week_start) == app.week_start
        if two:
            scope = or_(scope, col(Application.school_year) == app.school_year)
        others = (
            session.execute(
                select(Application)
                .where(
                    col(Application.student_id) == student_id,
                    col(Application.id) != app.id,
                    col(Application.status).in_(OPEN),
                    scope,
                )
                .order_by(col(Application.id))
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
            .scalars()
            .all()
        )
        f = _facts(session, app)
        for other in others:
            same_week = other.week_start == app.week_start
            reason = auto_cancel_reason(other.week_start, two_internships=not same_week)
            _transition(session, other, CANCELLED_AUTO, None, reason, now)
            of = _facts(session, other)
            why = (
                "l'élève a accepté un autre stage pour cette semaine-là."
                if same_week
                else "l'élève a déjà deux stages acceptés cette année scolaire, le maximum."
            )
            _tell(
                session,
                of.owner,
                kind="application_cancelled_auto",
                title=f"Candidature annulée automatiquement : {of.pupil_name}",
                body=(
                    f"La candidature {_de(of.pupil_name)} à votre offre « {of.offer.title} » "
                    f"pour la semaine {week_label(other.week_start)} a été annulée "
                    f"automatiquement : {why} Vous n'avez rien à faire."
                ),
                link=employer_application_url(stored_id(other)),
                dedupe_key=f"application_cancelled_auto:{other.id}",
            )
        extra = ""
        if two and others:
            extra = (
                " C'est votre deuxième stage de l'année : vos autres candidatures en "
                "attente ont été annulées automatiquement."
            )
        elif len(others) == 1:
            extra = (
                " Votre autre candidature en attente pour cette semaine a été annulée "
                "automatiquement."
            )
        elif others:
            extra = (
                f" Vos {len(others)} autres candidatures en attente pour cette semaine ont "
                "été annulées automatiquement."
            )
        said = f" Message de l'employeur : « {text} »." if text else ""
        _tell(
            session,
            f.pupil,
            kind="application_accepted",
            title="Votre candidature est acceptée !",
            body=(
                f"{f.org.name} vous accueille en stage la semaine {label} "
                f"(« {f.offer.title} »).{said}{extra}"
            ),
            link=TRACKER_PATH,
            dedupe_key=f"application_answer:{app.id}:pupil",
        )
        if f.teacher is not None:
            _tell(
                session,
                f.teacher,
                kind="application_accepted",
                title=f"{f.pupil_name} a trouvé un stage",
                body=(
                    f"La candidature {_de(f.pupil_name)}"
                    f"{' (' + f.klass.name + ')' if f.klass else ''} a été acceptée par "
                    f"{f.org.name} pour la semaine {label} (« {f.offer.title} »)."
                ),
                link=routes.class_url(stored_id(f.klass)) if f.klass else routes.SCHOOL_HOME,
                dedupe_key=f"application_answer:{app.id}:teacher",
            )
        pupil_name = f.pupil_name
    return (
        f"Vous avez accepté la candidature {_de(pupil_name)} pour la semaine {label}. "
        "L'élève et son professeur principal sont prévenus."
    )


def refuse(session: Session, viewer: Viewer, application_id: object, message: str) -> str:
    """Refuse an application waiting for an answer; the message to the pupil is required (see
    :data:`REFUSAL_TEMPLATES`). The pupil and their professeur principal are notified."""
    with _unit(session, "La candidature a changé entre-temps : rechargez la page.", locked=True):
        org = _employer_organisation(session, viewer)
        text = _message(
            message,
            field="message",
            required=True,
            minimum=REFUSAL_MIN,
            what="Le message à l'élève",
        )
        first = _employer_application(session, org, application_id)
        app_id, student_id = stored_id(first), first.student_id
        _lock_pupil(session, student_id)
        app = _lock_application(session, app_id)
        if app.status not in OPEN:
            raise _status_conflict(app, employer=True)
        app.answer_message = text
        _transition(session, app, REFUSED, viewer.user_id, text, utcnow())
        f = _facts(session, app)
        label = week_label(app.week_start)
        _tell(
            session,
            f.pupil,
            kind="application_refused",
            title="Réponse à votre candidature",
            body=(
                f"{f.org.name} ne peut pas vous accueillir la semaine {label} "
                f"(« {f.offer.title} »). Son message : « {text} ». Ne vous découragez pas : "
                "d'autres offres vous attendent."
            ),
            link=TRACKER_PATH,
            dedupe_key=f"application_answer:{app.id}:pupil",
        )
        if f.teacher is not None:
            _tell(
                session,
                f.teacher,
                kind="application_refused",
                title=f"Candidature {_de(f.pupil_name)} refusée",
                body=(
                    f"{f.org.name} a refusé la candidature {_de(f.pupil_name)} pour la semaine "
                    f"{label} (« {f.offer.title} »). Son message : « {text} »."
                ),
                link=routes.class_url(stored_id(f.klass)) if f.klass else routes.SCHOOL_HOME,
                dedupe_key=f"application_answer:{app.id}:teacher",
            )
        pupil_name = f.pupil_name
    return f"Vous avez refusé la candidature {_de(pupil_name)}. L'élève est prévenu(e)."


def cancel_accepted(session: Session, viewer: Viewer, application_id: object, reason: str) -> str:
    """Cancel an accepted internship, by its pupil or by the employer (reason required): the
    seat is freed (the week may show in the search again) and the other side is notified, as
    well as the pupil's professeur principal."""
    with _unit(session, "Le stage a changé entre-temps : rechargez la page.", locked=True):
        if viewer is None:
            raise PermissionDenied()
        if viewer.role == Role.STUDENT.value:
            access.pupil_with_open_access(session, viewer)
            first = _own_application(session, viewer, application_id)
            by_pupil = True
        elif viewer.role == Role.EMPLOYER.value:
            org = _employer_organisation(session, viewer)
            first = _employer_application(session, org, application_id)
            by_pupil = False
        else:
            raise PermissionDenied()
        text = _message(
            reason,
            field="reason",
            required=True,
            minimum=REASON_MIN,
            what="Le motif de l'annulation",
        )
        app_id, student_id, week_id = stored_id(first), first.student_id, first.offer_week_id
        ow = _lock_week(session, week_id)
        _lock_pupil(session, student_id)
        app = _lock_application(session, app_id)
        if app.status != ACCEPTED:
            raise (
                _status_conflict(app, employer=not by_pupil)
                if app.status != CANCELLED
                else Conflict("Ce stage a déjà été annulé.")
            )
        if _week_over(app.week_start):
            raise ValidationError("Ce stage est terminé : il ne peut plus être annulé.")
        now = utcnow()
        _transition(session, app, CANCELLED, viewer.user_id, text, now)
        f = _facts(session, app)
        if ow is not None:
            ow.accepted_count = max(0, ow.accepted_count - 1)
            _seat_changed(session, ow, f.offer, f.org)
        label = week_label(app.week_start)
        if by_pupil:
            _tell(
                session,
                f.owner,
                kind="internship_cancelled",
                title=f"Stage annulé par {f.pupil_name}",
                body=(
                    f"{f.pupil_name} a annulé son stage de la semaine {label} "
                    f"(« {f.offer.title} »). Motif : « {text} ». La place est de nouveau "
                    "libre."
                ),
                link=employer_application_url(stored_id(app)),
                dedupe_key=f"internship_cancelled:{app.id}:employer",
            )
        else:
            _tell(
                session,
                f.pupil,
                kind="internship_cancelled",
                title="Votre stage est annulé",
                body=(
                    f"{f.org.name} a annulé votre stage de la semaine {label} "
                    f"(« {f.offer.title} »). Motif : « {text} ». Parlez-en à votre professeur "
                    "principal : il vous aidera à trouver une autre offre."
                ),
                link=TRACKER_PATH,
                dedupe_key=f"internship_cancelled:{app.id}:pupil",
            )
        if f.teacher is not None:
            who = f.pupil_name if by_pupil else f.org.name
            _tell(
                session,
                f.teacher,
                kind="internship_cancelled",
                title=f"Stage {_de(f.pupil_name)} annulé",
                body=(
                    f"Le stage {_de(f.pupil_name)} chez {f.org.name} (semaine {label}) a été "
                    f"annulé par {who}. Motif : « {text} »."
                ),
                link=routes.class_url(stored_id(f.klass)) if f.klass else routes.SCHOOL_HOME,
                dedupe_key=f"internship_cancelled:{app.id}:teacher",
            )
    if by_pupil:
        return "Votre stage est annulé. L'employeur et votre professeur principal sont prévenus."
    return "Le stage est annulé et la place est de nouveau libre. L'élève est prévenu(e)."


# ---------------------------------------------------------------------------------------------
# Pupil: the tracker and the letter guidance
# ---------------------------------------------------------------------------------------------


def past_week_reason(week_start: dt.date) -> str:
    return (
        f"La semaine {week_label(week_start)} a commencé sans réponse de l'employeur : "
        "la candidature est close."
    )


def close_past_weeks(session: Session, today: dt.date | None = None) -> int:
    """Close the applications still waiting for an answer whose week has started (an employer
    can no longer accept them): cancelled automatically, with the reason, the pupil told in the
    app. Run by the app every hour (``run_daily_jobs``) and by ``python -m stages_app.cli
    close-past-weeks``. Returns how many were closed."""
    today = today or paris_today()
    ids = list(
        session.execute(
            select(col(Application.id))
            .where(col(Application.status).in_(OPEN), col(Application.week_start) < today)
            .order_by(col(Application.id))
        ).scalars()
    )
    closed = 0
    for app_id in ids:
        with _unit(session, "La candidature a changé entre-temps.", locked=True):
            first = session.get(Application, app_id)
            if first is None:  # pragma: no cover - applications are never deleted
                continue
            _lock_pupil(session, first.student_id)
            app = _lock_application(session, app_id)
            if app.status not in OPEN or app.week_start >= today:
                continue  # answered or withdrawn in the meantime
            reason = past_week_reason(app.week_start)
            _transition(session, app, CANCELLED_AUTO, None, reason, utcnow())
            f = _facts(session, app)
            _tell(
                session,
                f.pupil,
                kind="application_closed_past_week",
                title=f"Candidature close : « {f.offer.title} »",
                body=reason + " Continuez à chercher : d'autres semaines vous attendent peut-être.",
                link=pupil_application_url(app_id),
                dedupe_key=None,
                mail=False,
            )
            closed += 1
    return closed


def _address(offer: Offer) -> str:
    place = f"{offer.postal_code} {offer.commune_name}".strip()
    return f"{offer.street}, {place}" if offer.street else place


def pupil_tracker(session: Session, viewer: Viewer) -> TrackerView:
    """Everything the pupil needs to follow: accepted internships on top (week, address, tutor,
    contact), "1 stage sur 2" for this school year, and every application with its status in
    plain words, dates, the employer's message and why it ended."""
    access.pupil_with_open_access(session, viewer)
    rows = session.execute(
        select(
            Application,
            Offer,
            Organisation,
            col(User.first_name),
            col(User.last_name),
            col(User.email),
        )
        .join(Offer, col(Offer.id) == Application.offer_id)
        .join(Organisation, col(Organisation.id) == Offer.organisation_id)
        .join(User, col(User.id) == Organisation.owner_id)
        .where(col(Application.student_id) == viewer.user_id)
        .order_by(col(Application.updated_at).desc(), col(Application.id).desc())
    ).all()
    events = _events(session, [r[0].id for r in rows])
    year = school_year_of(paris_today())
    applications: list[TrackerRow] = []
    internships: list[InternshipRow] = []
    count = 0
    for app, offer, org, first, last, email in rows:
        evs = events[app.id]
        over = _week_over(app.week_start)
        applications.append(
            TrackerRow(
                application_id=app.id,
                offer_id=offer.id,
                offer_title=offer.title,
                employer_name=org.name,
                commune_name=offer.commune_name,
                week_start=app.week_start,
                week_label=week_label(app.week_start),
                status=app.status,
                status_label=PUPIL_STATUS_LABELS.get(app.status, app.status),
                tone=STATUS_TONES.get(app.status, "neutral"),
                created_at=app.created_at,
                submitted_at=app.submitted_at,
                read_at=_first_at(evs, READ),
                answered_at=_first_at(evs, ACCEPTED, REFUSED),
                updated_at=app.updated_at,
                answer_message=app.answer_message if app.status in (ACCEPTED, REFUSED) else "",
                reason=_end_reason(app, evs, pupil=True),
                can_edit=app.status == DRAFT,
                can_withdraw=app.status in WITHDRAWABLE,
                can_cancel=app.status == ACCEPTED and not over,
            )
        )
        if app.status == ACCEPTED:
            if app.school_year == year:
                count += 1
            internships.append(
                InternshipRow(
                    application_id=app.id,
                    offer_id=offer.id,
                    offer_title=offer.title,
                    employer_name=org.name,
                    address=_address(offer),
                    week_start=app.week_start,
                    week_label=week_label(app.week_start),
                    tutor_name=offer.tutor_name,
                    tutor_role=offer.tutor_role,
                    contact_name=f"{first} {last}".strip(),
                    contact_email=email,
                    contact_phone=org.phone,
                    answer_message=app.answer_message,
                    accepted_at=_first_at(evs, ACCEPTED),
                    can_cancel=not over,
                )
            )
    internships.sort(key=lambda r: r.week_start)
    plural = "s" if count > 1 else ""
    return TrackerView(
        internships=internships,
        count=count,
        count_label=f"{count} stage{plural} sur {MAX_INTERNSHIPS_PER_YEAR}",
        school_year_label=school_year_label(year),
        applications=applications,
    )


_LETTER_TIPS = [
    "Commencez par « Madame, Monsieur, » ou « Bonjour, ».",
    "Présentez-vous en une phrase : votre prénom, votre classe et votre collège.",
    "Dites pourquoi cette offre vous intéresse : ce que vous aimeriez découvrir et pourquoi ce "
    "métier ou cette structure vous attire.",
    "Parlez d'une chose que vous faites déjà et qui a un lien avec l'offre : un sport, un club, "
    "un loisir ou une aide en famille.",
    "Citez deux ou trois qualités, avec un petit exemple (ponctuel, curieux, soigneux…).",
    "Restez simple et sincère : quelques paragraphes courts suffisent (une demi-page).",
    "Terminez par une formule de politesse, puis votre prénom et votre nom.",
    "Relisez-vous (ou faites-vous relire) pour corriger l'orthographe avant d'envoyer.",
]

_LETTER_EXAMPLE = (
    "Madame, Monsieur,\n\n"
    "Je m'appelle Léa Martin et je suis en 3e au collège Jean Moulin. Je dois faire un stage "
    "d'observation d'une semaine et votre offre m'intéresse beaucoup.\n\n"
    "J'aime m'occuper des animaux : je promène souvent le chien de ma voisine et je lis beaucoup "
    "de livres sur la nature. J'aimerais découvrir comment se passe une journée dans une clinique "
    "vétérinaire et quels métiers y travaillent.\n\n"
    "Je suis ponctuelle, curieuse et j'écoute bien les consignes. Je serais très heureuse de "
    "pouvoir observer votre travail pendant cette semaine.\n\n"
    "Je vous remercie d'avoir lu ma lettre et j'espère que vous accepterez ma candidature.\n\n"
    "Léa Martin"
)


def letter_guidance() -> tuple[list[str], str]:
    """(short tips, an example letter) suited to a pupil of 3e."""
    return list(_LETTER_TIPS), _LETTER_EXAMPLE
