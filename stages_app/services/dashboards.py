"""Tracking dashboards (issue 6): the school's, a class's, a pupil's file, the employer's, and the
school's CSV export. Read-only: nothing here writes to the database.

Entry points
------------
* ``best_status(applications, profile=None) -> BestStatus`` (a ``(code, label, tone)`` tuple):
  the one badge that sums up where a pupil stands (the betagouv/monstage idea).
* ``school_dashboard(session, viewer, *, today=None) -> SchoolDashboard``: ``school.dashboard``
  (principal, granted other staff) on the viewer's own school.
* ``class_dashboard(session, viewer, class_id, *, today=None) -> ClassDashboard``: ``class.view``.
* ``pupil_file(session, viewer, pupil_user_id) -> PupilFile``: ``pupil.view``, staff only.
* ``employer_dashboard(session, viewer, *, today=None) -> EmployerDashboard``: the employer's own
  offers.
* ``school_csv(session, viewer, *, today=None) -> bytes``: ``school.dashboard``; UTF-8 with BOM,
  ``;``-separated, CRLF, dd/mm/yyyy: opens as is in French Excel and LibreOffice.

Decisions
---------
* The dashboards count the *current* school year: today's, except in July and August once the
  school has declared a week of the coming school year (then the coming one). Applications of
  other school years are ignored (R4 counts per school year too).
* "Application" means a *sent* one (submitted and after): a draft is not an application yet
  (as in ``services.applications``); drafts are counted apart and only lift the badge to
  "Brouillon".
* One badge level beyond the brief: a pupil whose sent applications all ended without success
  (refused, withdrawn, cancelled) and who has nothing in play gets "Aucune candidature en cours"
  (between "Brouillon" and "Aucune candidature"): "Aucune candidature" would hide that they tried.
* "Accounts created": pupils whose account is active (pupil accounts are created active by the
  sign-up; a disabled account is not counted). "With none": pupils without an accepted internship
  (``no_internship``); pupils without any sent application are ``without_application``.
* Attention (one row per pupil, every reason listed, most urgent first):
  ``week_soon``: an internship week of the school starts within ``WEEK_SOON_DAYS`` (14) days and
  the pupil has no accepted internship this school year;
  ``all_refused``: at least one refusal and nothing accepted or waiting for an answer;
  ``no_application``: access opened at least ``NO_APPLICATION_DAYS`` (7) days ago and no
  application sent.
* Last activity of a pupil: the latest of ``PupilProfile.last_activity_at`` and their
  applications' creation/update (an employer's answer counts: something happened on the file).
* The pupil file is for staff (``pupil.view`` minus the pupil themself: pupils have their own
  pages). It shows drafts too (with their letter as being written): teachers help write them.
* CSV: cells beginning with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading apostrophe
  (spreadsheet formula injection: names are typed by pupils).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterable
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from stages_app.models import (
    CV,
    Application,
    ApplicationStatus,
    InternshipWeek,
    Offer,
    OfferStatus,
    OfferWeek,
    Organisation,
    PupilProfile,
    Role,
    School,
    SchoolClass,
    User,
    UserStatus,
    stored_id,
)
from stages_app.services import access
from stages_app.services.access import Viewer
from stages_app.services.applications import (
    PUPIL_STATUS_LABELS,
    STATUS_TONES,
    _end_reason,
    _events,
)
from stages_app.services.calendar import (
    fr_date,
    monday_of,
    school_year_label,
    school_year_of,
    week_label,
)
from stages_app.services.cv import CVView, view_of
from stages_app.services.errors import NotAuthenticated, PermissionDenied
from stages_app.services.offers import STATUS_LABELS as OFFER_STATUS_LABELS
from stages_app.services.offers import _employer_organisation, _int_id, paris_today
from stages_app.services.schools import viewer_school
from stages_app.services.text import search_key

__all__ = [
    "BEST_STATUSES",
    "NO_APPLICATION_DAYS",
    "WEEK_SOON_DAYS",
    "AttentionRow",
    "BestStatus",
    "ClassDashboard",
    "ClassPupilRow",
    "ClassStats",
    "EmployerDashboard",
    "EmployerOfferRow",
    "EmployerWeekRow",
    "PupilFile",
    "PupilFileApplication",
    "StatusCount",
    "SchoolDashboard",
    "WaitingRow",
    "WeekCoverage",
    "best_status",
    "class_dashboard",
    "employer_dashboard",
    "pupil_file",
    "school_csv",
    "school_csv_filename",
]

PARIS = ZoneInfo("Europe/Paris")
NO_APPLICATION_DAYS = 7
WEEK_SOON_DAYS = 14

_S = ApplicationStatus
DRAFT, SUBMITTED, READ = _S.DRAFT.value, _S.SUBMITTED.value, _S.READ.value
ACCEPTED, REFUSED = _S.ACCEPTED.value, _S.REFUSED.value
OPEN = (SUBMITTED, READ)


# ---------------------------------------------------------------------------------------------
# Best status
# ---------------------------------------------------------------------------------------------


class BestStatus(NamedTuple):
    """The badge of a pupil: ``code`` (stable), ``label`` (French), ``tone`` ("success" | "info"
    | "neutral" | "warning" | "danger", as ``applications.STATUS_TONES``)."""

    code: str
    label: str
    tone: str

    @property
    def rank(self) -> int:
        """Higher is better (sort a class by it)."""
        return _RANK[self.code]


# best first
BEST_STATUSES: tuple[BestStatus, ...] = (
    BestStatus("two_internships", "2 stages", "success"),
    BestStatus("one_internship", "1 stage", "success"),
    BestStatus("application_read", "Candidature lue", "info"),
    BestStatus("application_sent", "Candidature envoyée", "info"),
    BestStatus("draft", "Brouillon", "neutral"),
    BestStatus("no_open_application", "Aucune candidature en cours", "danger"),
    BestStatus("no_application", "Aucune candidature", "warning"),
    BestStatus("access_to_open", "Accès à ouvrir", "neutral"),
    BestStatus("waiting_authorisation", "Autorisation attendue", "neutral"),
)
_BY_CODE = {s.code: s for s in BEST_STATUSES}
_RANK = {s.code: len(BEST_STATUSES) - i for i, s in enumerate(BEST_STATUSES)}


class _HasStatus(Protocol):
    @property
    def status(self) -> str: ...


def best_status(
    applications: Iterable[str | _HasStatus], profile: PupilProfile | None = None
) -> BestStatus:
    """The pupil's best status from their applications (rows with a ``status``, or status
    strings) of one school year, then from their access (``profile``: ``None`` means access
    opened). Two internships > one > an application read by the employer and waiting for an
    answer > an application sent > a draft > applications that all ended without success >
    access opened but no application > authorisation recorded, access not opened > waiting for
    the parental authorisation."""
    statuses = [a if isinstance(a, str) else a.status for a in applications]
    accepted = statuses.count(ACCEPTED)
    if accepted >= 2:
        return _BY_CODE["two_internships"]
    if accepted == 1:
        return _BY_CODE["one_internship"]
    if READ in statuses:
        return _BY_CODE["application_read"]
    if SUBMITTED in statuses:
        return _BY_CODE["application_sent"]
    if DRAFT in statuses:
        return _BY_CODE["draft"]
    if statuses:  # only ended applications: refused, withdrawn, cancelled
        return _BY_CODE["no_open_application"]
    if profile is None or profile.access_opened_at is not None:
        return _BY_CODE["no_application"]
    if profile.authorisation_received_on is not None:
        return _BY_CODE["access_to_open"]
    return _BY_CODE["waiting_authorisation"]


# ---------------------------------------------------------------------------------------------
# View dataclasses
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ClassStats:
    """Counts of one class (``class_id`` None: the whole school)."""

    class_id: int | None
    name: str
    access_open: bool
    pupils: int
    accounts: int  # accounts created (active)
    waiting_authorisation: int  # no parental authorisation recorded
    access_opened: int
    with_application: int  # at least one application sent
    one_internship: int
    two_internships: int
    no_internship: int
    without_application: int


@dataclasses.dataclass(frozen=True)
class WeekCoverage:
    week_start: dt.date
    week_label: str  # "du 7 au 11 décembre 2026"
    covered: int  # pupils with an accepted internship that week
    pupils: int
    percent: int  # 0-100, rounded
    days_until: int  # negative once started
    label: str  # "12 élèves sur 40 (30 %)"


@dataclasses.dataclass(frozen=True)
class AttentionRow:
    pupil_user_id: int
    first_name: str
    last_name: str
    name: str
    class_id: int
    class_name: str
    codes: tuple[str, ...]  # "week_soon" | "all_refused" | "no_application", most urgent first
    reasons: tuple[str, ...]  # French sentences, same order
    status: BestStatus


@dataclasses.dataclass(frozen=True)
class StatusCount:
    code: str
    label: str
    tone: str
    count: int


@dataclasses.dataclass(frozen=True)
class SchoolDashboard:
    school_id: int
    school_name: str
    school_year: int
    school_year_label: str  # "2026-2027"
    today: dt.date
    classes: list[ClassStats]  # by class name
    totals: ClassStats
    weeks: list[WeekCoverage]  # the school's internship weeks of the school year
    statuses: list[StatusCount]  # pupils per best status, best first (for a chart)
    attention: list[AttentionRow]


@dataclasses.dataclass(frozen=True)
class ClassPupilRow:
    pupil_user_id: int
    first_name: str
    last_name: str
    name: str
    email: str
    status: BestStatus
    applications: int  # sent
    drafts: int
    internships: tuple[str, ...]  # "Boulangerie du Canal — du 7 au 11 décembre 2026"
    last_activity_at: dt.datetime | None
    last_activity_label: str  # "aujourd'hui", "hier", "il y a 3 jours", "le 2 octobre 2026"
    attention: tuple[str, ...]  # French reasons, empty when all is well


@dataclasses.dataclass(frozen=True)
class ClassDashboard:
    class_id: int
    name: str
    school_name: str
    access_open: bool
    school_year: int
    school_year_label: str
    today: dt.date
    stats: ClassStats
    pupils: list[ClassPupilRow]  # by last name, first name
    attention: list[AttentionRow]


@dataclasses.dataclass(frozen=True)
class PupilFileApplication:
    id: int
    offer_title: str
    employer_name: str
    commune_name: str
    week_start: dt.date
    week_label: str
    status: str
    status_label: str
    tone: str
    letter: str  # as sent; for a draft, as being written
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    answer_message: str
    reason: str  # why it was withdrawn or cancelled


@dataclasses.dataclass(frozen=True)
class PupilFile:
    """A pupil's file as their school staff read it (read-only)."""

    pupil_user_id: int
    first_name: str
    last_name: str
    name: str
    email: str
    class_id: int
    class_name: str
    school_name: str
    authorisation_received_on: dt.date | None
    access_opened_at: dt.datetime | None
    status: BestStatus
    internships: tuple[str, ...]
    cv: CVView  # the live CV (empty when never saved)
    applications: list[PupilFileApplication]  # most recent activity first


@dataclasses.dataclass(frozen=True)
class EmployerWeekRow:
    week_start: dt.date
    week_label: str
    seats: int
    accepted: int
    seats_left: int
    waiting: int  # applications waiting for an answer
    past: bool  # the week is over


@dataclasses.dataclass(frozen=True)
class EmployerOfferRow:
    offer_id: int
    title: str
    status: str
    status_label: str
    weeks: list[EmployerWeekRow]
    seats_left: int  # over the weeks still to come
    waiting: int


@dataclasses.dataclass(frozen=True)
class WaitingRow:
    application_id: int
    offer_id: int
    offer_title: str
    week_start: dt.date
    week_label: str
    pupil_name: str
    class_name: str
    school_name: str
    status: str
    status_label: str  # "Nouvelle" | "Lue"
    is_new: bool
    submitted_at: dt.datetime | None
    waiting_days: int


@dataclasses.dataclass(frozen=True)
class EmployerDashboard:
    organisation_name: str
    today: dt.date
    offers: list[EmployerOfferRow]  # published first, then drafts/unpublished; archived left out
    waiting: list[WaitingRow]  # oldest first: the ones waiting longest on top
    seats_left: int  # published offers, weeks to come
    waiting_count: int
    new_count: int  # not opened yet


# ---------------------------------------------------------------------------------------------
# Facts about pupils (one pass, bulk queries)
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _AppFact:
    app: Application
    offer_title: str
    employer_name: str


@dataclasses.dataclass
class _Pupil:
    profile: PupilProfile
    user: User
    klass: SchoolClass
    apps: list[_AppFact] = dataclasses.field(default_factory=list)

    @property
    def sent(self) -> list[_AppFact]:
        """Applications that reached an employer (a draft withdrawn before sending never did)."""
        return [a for a in self.apps if a.app.submitted_at is not None]

    @property
    def counted(self) -> list[_AppFact]:
        """What the badge counts: the sent applications and the drafts being written."""
        return [a for a in self.apps if a.app.status == DRAFT or a.app.submitted_at is not None]

    @property
    def accepted(self) -> list[_AppFact]:
        return sorted(
            (a for a in self.apps if a.app.status == ACCEPTED), key=lambda a: a.app.week_start
        )

    @property
    def status(self) -> BestStatus:
        return best_status((a.app for a in self.counted), self.profile)

    @property
    def name(self) -> str:
        return f"{self.user.first_name} {self.user.last_name}".strip()

    def internships(self) -> tuple[str, ...]:
        return tuple(f"{a.employer_name} — {week_label(a.app.week_start)}" for a in self.accepted)

    def last_activity(self) -> dt.datetime | None:
        moments = [self.profile.last_activity_at]
        for a in self.apps:
            moments += [a.app.created_at, a.app.updated_at]
        known = [m for m in moments if m is not None]
        return max(known) if known else None


def _year(session: Session, school_id: int, today: dt.date) -> int:
    """The school year the dashboards count: today's, except in summer (July, August) once the
    school's next internship week belongs to the coming school year."""
    nxt = session.execute(
        select(func.min(InternshipWeek.week_start)).where(
            col(InternshipWeek.school_id) == school_id,
            col(InternshipWeek.week_start) >= monday_of(today),
        )
    ).scalar_one_or_none()
    if nxt is not None and school_year_of(nxt) == school_year_of(today) + 1 and today.month >= 7:
        return school_year_of(nxt)  # the summer before: next year is what matters
    return school_year_of(today)


def _pupils(
    session: Session,
    year: int,
    *,
    school_id: int | None = None,
    class_id: int | None = None,
    pupil_user_id: int | None = None,
) -> list[_Pupil]:
    stmt = (
        select(PupilProfile, User, SchoolClass)
        .join(User, col(User.id) == PupilProfile.user_id)
        .join(SchoolClass, col(SchoolClass.id) == PupilProfile.class_id)
    )
    if school_id is not None:
        stmt = stmt.where(col(PupilProfile.school_id) == school_id)
    if class_id is not None:
        stmt = stmt.where(col(PupilProfile.class_id) == class_id)
    if pupil_user_id is not None:
        stmt = stmt.where(col(PupilProfile.user_id) == pupil_user_id)
    pupils = {p.user_id: _Pupil(p, u, k) for p, u, k in session.execute(stmt).all()}
    if not pupils:
        return []
    app_stmt = (
        select(Application, col(Offer.title), col(Organisation.name))
        .join(Offer, col(Offer.id) == Application.offer_id)
        .join(Organisation, col(Organisation.id) == Offer.organisation_id)
        .join(PupilProfile, col(PupilProfile.user_id) == Application.student_id)
        .where(col(Application.school_year) == year)
    )
    # filter the same way as the pupils (a subquery-free join keeps one round trip)
    if school_id is not None:
        app_stmt = app_stmt.where(col(PupilProfile.school_id) == school_id)
    if class_id is not None:
        app_stmt = app_stmt.where(col(PupilProfile.class_id) == class_id)
    if pupil_user_id is not None:
        app_stmt = app_stmt.where(col(PupilProfile.user_id) == pupil_user_id)
    for app, title, org_name in session.execute(app_stmt.order_by(col(Application.id))).all():
        if app.student_id in pupils:
            pupils[app.student_id].apps.append(_AppFact(app, title, org_name))
    result = list(pupils.values())
    result.sort(
        key=lambda p: (search_key(p.user.last_name), search_key(p.user.first_name), p.user.id)
    )
    return result


def _school_weeks(session: Session, school_id: int, year: int) -> list[dt.date]:
    return list(
        session.execute(
            select(col(InternshipWeek.week_start))
            .where(
                col(InternshipWeek.school_id) == school_id,
                col(InternshipWeek.school_year) == year,
            )
            .order_by(col(InternshipWeek.week_start))
        ).scalars()
    )


def _paris_date(moment: dt.datetime) -> dt.date:
    if moment.tzinfo is None:  # defensive: the models store aware UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(PARIS).date()


def _days(n: int) -> str:
    return f"{n} jour{'s' if n > 1 else ''}"


def _attention(
    p: _Pupil, weeks: list[dt.date], today: dt.date
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(codes, French reasons) of a pupil needing attention, most urgent first."""
    codes: list[str] = []
    reasons: list[str] = []
    statuses = [a.app.status for a in p.apps]
    has_accepted = ACCEPTED in statuses
    if not has_accepted:
        soon = [w for w in weeks if 0 <= (w - today).days <= WEEK_SOON_DAYS]
        if soon:
            days = (soon[0] - today).days
            when = "commence aujourd'hui" if days == 0 else f"commence dans {_days(days)}"
            codes.append("week_soon")
            reasons.append(
                f"La semaine de stage {week_label(soon[0])} {when} et aucun stage n'est accepté."
            )
    open_ = any(s in OPEN for s in statuses)
    refused = statuses.count(REFUSED)
    if refused and not has_accepted and not open_:
        codes.append("all_refused")
        reasons.append(
            "Toutes ses candidatures ont été refusées."
            if refused > 1
            else "Sa candidature a été refusée."
        )
    opened = p.profile.access_opened_at
    if opened is not None and not p.sent:
        days = (today - _paris_date(opened)).days
        if days >= NO_APPLICATION_DAYS:
            codes.append("no_application")
            reasons.append(
                f"Aucune candidature envoyée {_days(days)} après l'ouverture de son accès."
            )
    return tuple(codes), tuple(reasons)


_URGENCY = {"week_soon": 0, "all_refused": 1, "no_application": 2}


def _attention_rows(
    pupils: list[_Pupil], weeks: list[dt.date], today: dt.date
) -> list[AttentionRow]:
    rows = []
    for p in pupils:
        codes, reasons = _attention(p, weeks, today)
        if codes:
            rows.append(
                AttentionRow(
                    pupil_user_id=stored_id(p.user),
                    first_name=p.user.first_name,
                    last_name=p.user.last_name,
                    name=p.name,
                    class_id=stored_id(p.klass),
                    class_name=p.klass.name,
                    codes=codes,
                    reasons=reasons,
                    status=p.status,
                )
            )
    rows.sort(
        key=lambda r: (
            _URGENCY[r.codes[0]],
            search_key(r.class_name),
            search_key(r.last_name),
            search_key(r.first_name),
            r.pupil_user_id,
        )
    )
    return rows


def _stats(class_id: int | None, name: str, access_open: bool, pupils: list[_Pupil]) -> ClassStats:
    accepted = [len(p.accepted) for p in pupils]
    with_app = sum(1 for p in pupils if p.sent)
    return ClassStats(
        class_id=class_id,
        name=name,
        access_open=access_open,
        pupils=len(pupils),
        accounts=sum(1 for p in pupils if p.user.status == UserStatus.ACTIVE.value),
        waiting_authorisation=sum(1 for p in pupils if p.profile.authorisation_received_on is None),
        access_opened=sum(1 for p in pupils if p.profile.access_opened_at is not None),
        with_application=with_app,
        one_internship=accepted.count(1),
        two_internships=sum(1 for n in accepted if n >= 2),
        no_internship=accepted.count(0),
        without_application=len(pupils) - with_app,
    )


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _coverage(pupils: list[_Pupil], weeks: list[dt.date], today: dt.date) -> list[WeekCoverage]:
    result = []
    for week in weeks:
        covered = sum(1 for p in pupils if any(a.app.week_start == week for a in p.accepted))
        pct = _percent(covered, len(pupils))
        result.append(
            WeekCoverage(
                week_start=week,
                week_label=week_label(week),
                covered=covered,
                pupils=len(pupils),
                percent=pct,
                days_until=(week - today).days,
                label=f"{covered} élève{'s' if covered > 1 else ''} sur {len(pupils)} ({pct} %)",
            )
        )
    return result


def _last_activity_label(moment: dt.datetime | None, today: dt.date) -> str:
    if moment is None:
        return "Aucune activité"
    day = _paris_date(moment)
    days = (today - day).days
    if days <= 0:
        return "aujourd'hui"
    if days == 1:
        return "hier"
    if days < 31:
        return f"il y a {days} jours"
    return f"le {fr_date(day)}"


# ---------------------------------------------------------------------------------------------
# School and class dashboards, pupil file
# ---------------------------------------------------------------------------------------------


def school_dashboard(
    session: Session, viewer: Viewer | None, *, today: dt.date | None = None
) -> SchoolDashboard:
    """The whole-school tracking of the viewer's collège (principal and granted other staff):
    counts per class and in total, coverage of each internship week, pupils per best status,
    pupils needing attention. PermissionDenied for anyone else (teachers see their classes)."""
    school = viewer_school(session, viewer, "school.dashboard")
    assert school.id is not None  # a stored row
    today = today or paris_today()
    year = _year(session, school.id, today)
    pupils = _pupils(session, year, school_id=school.id)
    weeks = _school_weeks(session, school.id, year)
    classes = (
        session.execute(select(SchoolClass).where(col(SchoolClass.school_id) == school.id))
        .scalars()
        .all()
    )
    by_class: dict[int, list[_Pupil]] = {c.id: [] for c in classes}
    for p in pupils:
        by_class.setdefault(stored_id(p.klass), []).append(p)
    stats = [_stats(c.id, c.name, c.access_open, by_class[c.id]) for c in classes]
    stats.sort(key=lambda s: (search_key(s.name), s.class_id))
    counts: dict[str, int] = {}
    for p in pupils:
        counts[p.status.code] = counts.get(p.status.code, 0) + 1
    return SchoolDashboard(
        school_id=school.id,
        school_name=school.name,
        school_year=year,
        school_year_label=school_year_label(year),
        today=today,
        classes=stats,
        totals=_stats(None, "Total du collège", True, pupils),
        weeks=_coverage(pupils, weeks, today),
        statuses=[
            StatusCount(s.code, s.label, s.tone, counts.get(s.code, 0)) for s in BEST_STATUSES
        ],
        attention=_attention_rows(pupils, weeks, today),
    )


def _class_id(raw: object) -> int:
    cid = _int_id(raw)
    return cid if cid is not None else -1  # an id that finds nothing: NotFound from access


def class_dashboard(
    session: Session, viewer: Viewer | None, class_id: object, *, today: dt.date | None = None
) -> ClassDashboard:
    """One row per pupil of the class (``class.view``: principal, other staff, the class's
    professeur principal and the teachers who follow it): best status badge, applications sent,
    accepted internships "employer — week", last activity, reasons for attention."""
    if viewer is None:
        raise NotAuthenticated()
    klass = access.require(session, viewer, "class.view", _class_id(class_id))
    today = today or paris_today()
    year = _year(session, klass.school_id, today)
    pupils = _pupils(session, year, class_id=klass.id)
    weeks = _school_weeks(session, klass.school_id, year)
    school = session.get(School, klass.school_id)
    rows = []
    for p in pupils:
        last = p.last_activity()
        rows.append(
            ClassPupilRow(
                pupil_user_id=stored_id(p.user),
                first_name=p.user.first_name,
                last_name=p.user.last_name,
                name=p.name,
                email=p.user.email,
                status=p.status,
                applications=len(p.sent),
                drafts=sum(a.app.status == DRAFT for a in p.apps),
                internships=p.internships(),
                last_activity_at=last,
                last_activity_label=_last_activity_label(last, today),
                attention=_attention(p, weeks, today)[1],
            )
        )
    return ClassDashboard(
        class_id=stored_id(klass),
        name=klass.name,
        school_name=school.name if school else "",
        access_open=klass.access_open,
        school_year=year,
        school_year_label=school_year_label(year),
        today=today,
        stats=_stats(klass.id, klass.name, klass.access_open, pupils),
        pupils=rows,
        attention=_attention_rows(pupils, weeks, today),
    )


def pupil_file(session: Session, viewer: Viewer | None, pupil_user_id: object) -> PupilFile:
    """A pupil's CV, letters and applications, read-only, for their school staff who may see the
    pupil (``pupil.view``). Every application of the school year, drafts included, most recent
    activity first. Pupils (even the pupil themself) get PermissionDenied: they have their pages."""
    if viewer is None:
        raise NotAuthenticated()
    if viewer.role not in (Role.PRINCIPAL.value, Role.TEACHER.value, Role.STAFF.value):
        raise PermissionDenied()
    pid = _int_id(pupil_user_id)
    profile = access.require(session, viewer, "pupil.view", pid if pid is not None else -1)
    klass = session.get(SchoolClass, profile.class_id)
    assert klass is not None  # foreign key
    year = _year(session, klass.school_id, paris_today())
    found = _pupils(session, year, pupil_user_id=profile.user_id)
    p = found[0]
    cv = session.execute(
        select(CV).where(col(CV.student_id) == profile.user_id)
    ).scalar_one_or_none()
    events = _events(session, [stored_id(a.app) for a in p.apps])
    apps = sorted(p.apps, key=lambda a: (a.app.updated_at, a.app.id), reverse=True)
    offers = {
        o.id: o
        for o in session.execute(
            select(Offer).where(col(Offer.id).in_([a.app.offer_id for a in apps] or [-1]))
        ).scalars()
    }
    school = session.get(School, klass.school_id)
    return PupilFile(
        pupil_user_id=stored_id(p.user),
        first_name=p.user.first_name,
        last_name=p.user.last_name,
        name=p.name,
        email=p.user.email,
        class_id=stored_id(klass),
        class_name=klass.name,
        school_name=school.name if school else "",
        authorisation_received_on=profile.authorisation_received_on,
        access_opened_at=profile.access_opened_at,
        status=p.status,
        internships=p.internships(),
        cv=view_of(cv.content, cv.updated_at) if cv is not None else CVView(),
        applications=[
            PupilFileApplication(
                id=stored_id(a.app),
                offer_title=a.offer_title,
                employer_name=a.employer_name,
                commune_name=getattr(offers.get(a.app.offer_id), "commune_name", ""),
                week_start=a.app.week_start,
                week_label=week_label(a.app.week_start),
                status=a.app.status,
                status_label=PUPIL_STATUS_LABELS.get(a.app.status, a.app.status),
                tone=STATUS_TONES.get(a.app.status, "neutral"),
                letter=(
                    a.app.letter if a.app.status == DRAFT else a.app.letter_sent or a.app.letter
                ),
                created_at=a.app.created_at,
                submitted_at=a.app.submitted_at,
                updated_at=a.app.updated_at,
                answer_message=a.app.answer_message if a.app.status in (ACCEPTED, REFUSED) else "",
                reason=_end_reason(a.app, events[stored_id(a.app)], pupil=False),
            )
            for a in apps
        ],
    )


# ---------------------------------------------------------------------------------------------
# Employer dashboard
# ---------------------------------------------------------------------------------------------


def employer_dashboard(
    session: Session, viewer: Viewer | None, *, today: dt.date | None = None
) -> EmployerDashboard:
    """The employer's offers (archived ones left out) with seats left and applications waiting
    per week, and every application waiting for an answer, the longest-waiting first."""
    if viewer is None:
        raise NotAuthenticated()
    org = _employer_organisation(session, viewer)
    today = today or paris_today()
    offers = (
        session.execute(
            select(Offer).where(
                col(Offer.organisation_id) == org.id,
                col(Offer.status) != OfferStatus.ARCHIVED.value,
            )
        )
        .scalars()
        .all()
    )
    ids = [o.id for o in offers] or [-1]
    weeks: dict[int, list[OfferWeek]] = {}
    for w in session.execute(
        select(OfferWeek)
        .where(col(OfferWeek.offer_id).in_(ids), col(OfferWeek.withdrawn_at).is_(None))
        .order_by(col(OfferWeek.week_start))
    ).scalars():
        weeks.setdefault(w.offer_id, []).append(w)
    waiting_rows = session.execute(
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
        .where(col(Offer.organisation_id) == org.id, col(Application.status).in_(OPEN))
        .order_by(col(Application.submitted_at), col(Application.id))
    ).all()
    waiting_by_week: dict[int, int] = {}
    waiting: list[WaitingRow] = []
    for app, title, first, last, klass, school in waiting_rows:
        waiting_by_week[app.offer_week_id] = waiting_by_week.get(app.offer_week_id, 0) + 1
        sent = _paris_date(app.submitted_at) if app.submitted_at else today
        waiting.append(
            WaitingRow(
                application_id=app.id,
                offer_id=app.offer_id,
                offer_title=title,
                week_start=app.week_start,
                week_label=week_label(app.week_start),
                pupil_name=f"{first} {last}".strip(),
                class_name=klass or "",
                school_name=school or "",
                status=app.status,
                status_label="Nouvelle" if app.status == SUBMITTED else "Lue",
                is_new=app.status == SUBMITTED,
                submitted_at=app.submitted_at,
                waiting_days=max(0, (today - sent).days),
            )
        )
    rows = []
    for offer in offers:
        week_rows = [
            EmployerWeekRow(
                week_start=w.week_start,
                week_label=week_label(w.week_start),
                seats=w.seats,
                accepted=w.accepted_count,
                seats_left=max(0, w.seats - w.accepted_count),
                waiting=waiting_by_week.get(stored_id(w), 0),
                past=w.week_start + dt.timedelta(days=4) < today,
            )
            for w in weeks.get(offer.id, [])
        ]
        rows.append(
            EmployerOfferRow(
                offer_id=offer.id,
                title=offer.title,
                status=offer.status,
                status_label=OFFER_STATUS_LABELS.get(offer.status, offer.status),
                weeks=week_rows,
                seats_left=sum(w.seats_left for w in week_rows if not w.past),
                waiting=sum(w.waiting for w in week_rows),
            )
        )
    rows.sort(
        key=lambda r: (r.status != OfferStatus.PUBLISHED.value, search_key(r.title), r.offer_id)
    )
    return EmployerDashboard(
        organisation_name=org.name,
        today=today,
        offers=rows,
        waiting=waiting,
        seats_left=sum(r.seats_left for r in rows if r.status == OfferStatus.PUBLISHED.value),
        waiting_count=len(waiting),
        new_count=sum(1 for w in waiting if w.is_new),
    )


# ---------------------------------------------------------------------------------------------
# CSV export
# ---------------------------------------------------------------------------------------------

CSV_HEADER = (
    "Classe",
    "Nom",
    "Prénom",
    "E-mail",
    "Autorisation parentale reçue le",
    "Accès ouvert le",
    "Situation",
    "Candidatures envoyées",
    "Stages acceptés",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _paris_date(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text  # a name typed as "=HYPERLINK(...)" stays text in the spreadsheet
    return text


def school_csv(session: Session, viewer: Viewer | None, *, today: dt.date | None = None) -> bytes:
    """One row per pupil of the viewer's collège (``school.dashboard``), by class then name:
    class, last name, first name, e-mail, authorisation date, access opened date, best status,
    applications sent, accepted internships ("employer — week", " / " between two).

    Bytes for French spreadsheets: UTF-8 with BOM (Excel then reads the accents right),
    ``;`` separator (Excel's list separator in French), CRLF line ends, dates dd/mm/yyyy, cells
    with ``;``, quotes or line breaks quoted (quotes doubled)."""
    school = viewer_school(session, viewer, "school.dashboard")
    today = today or paris_today()
    pupils = _pupils(session, _year(session, stored_id(school), today), school_id=school.id)
    pupils.sort(
        key=lambda p: (
            search_key(p.klass.name),
            p.klass.id,
            search_key(p.user.last_name),
            search_key(p.user.first_name),
            p.user.id,
        )
    )
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer, delimiter=";", quotechar='"', quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
    )
    writer.writerow(CSV_HEADER)
    for p in pupils:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    p.klass.name,
                    p.user.last_name,
                    p.user.first_name,
                    p.user.email,
                    p.profile.authorisation_received_on,
                    p.profile.access_opened_at,
                    p.status.label,
                    len(p.sent),
                    " / ".join(p.internships()),
                )
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def school_csv_filename(today: dt.date | None = None) -> str:
    """'suivi-stages-2026-11-28.csv' (ASCII: safe in a Content-Disposition header)."""
    day = today or paris_today()
    return f"suivi-stages-{day.isoformat()}.csv"
