"""A school's organisation: commune and collège pickers, 3e classes and their join codes,
internship weeks, the national-search switch.

Conventions: every mutating function takes the ``viewer`` (re-derived from the auth token by the
caller), checks its right through ``services.access``, validates everything, then writes and
commits once (nothing is half-saved). A double submission meets a unique constraint or an
explicit check and gets a French ``Conflict``, never a second row.

Decisions
---------
* Pickers: only communes that have a collège are offered. Paris, Lyon and Marseille are offered as
  one commune whose collèges are those of all their arrondissements (the directory attaches
  collèges to arrondissement codes); arrondissements are not listed on their own. The ~100
  collèges of New Caledonia, French Polynesia and Wallis-and-Futuna, whose communes are not in the
  national gazetteer, are offered from the collège directory itself.
* New classes are open to the platform by default (creating a class is declaring it); their join
  code is 6 characters from an alphabet without 0/O/1/I, unique across the platform.
* Weeks: any date is accepted and normalised to the Monday of its week (a date picker may give a
  Wednesday or the Friday of the last week). A period is 1 to ``MAX_WEEKS_PER_PERIOD`` consecutive
  weeks, Monday to Friday, inside one school year (1 September – 31 August), for the current or the
  next school year, with no week already over (every Friday today or later, Paris time) and no
  week already declared by the school.
* A week cannot be removed while pupils of the school hold an accepted internship that week, nor
  while applications sent for it wait for an answer (the pupils are named: cancel or withdraw
  those first). Offers reference weeks by date, not by row, so nothing else breaks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from stages_app.db import begin_immediate
from stages_app.models import (
    Application,
    ApplicationStatus,
    ClassFollow,
    Commune,
    InternshipWeek,
    Invitation,
    Offer,
    Organisation,
    PupilMove,
    PupilProfile,
    RightsStatus,
    School,
    SchoolClass,
    StaffFunction,
    StaffMembership,
    User,
    stored_id,
    utcnow,
)
from stages_app.services.access import Viewer, membership_of, require
from stages_app.services.accounts import _now
from stages_app.services.calendar import (
    MONTHS,
    fr_date,
    monday_of,
    school_year_bounds,
    school_year_label,
    school_year_of,
    week_friday,
    week_label,
)
from stages_app.services.errors import (
    Conflict,
    DomainError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from stages_app.services.text import clean_line, search_key

if TYPE_CHECKING:
    from stages_app.services.access import SchoolAction

__all__ = [
    "CLASS_NAME_MAX_LENGTH",
    "JOIN_CODE_ALPHABET",
    "JOIN_CODE_LENGTH",
    "MAX_WEEKS_PER_PERIOD",
    "ClassSettingsRow",
    "CollegeChoice",
    "CommuneChoice",
    "PeriodRow",
    "SchoolSettings",
    "WeekRow",
    "add_period",
    "colleges_in_commune",
    "create_class",
    "delete_class",
    "new_join_code",
    "paris_today",
    "parse_date",
    "regenerate_join_code",
    "remove_week",
    "rename_class",
    "school_settings",
    "search_communes",
    "set_class_access",
    "set_national_search",
    "unit_of_work",
]

PARIS = ZoneInfo("Europe/Paris")
CLASS_NAME_MAX_LENGTH = 40
JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, no 1/I
JOIN_CODE_LENGTH = 6
MAX_WEEKS_PER_PERIOD = 4
COMMUNE_SEARCH_MAX = 50

# ---------------------------------------------------------------------------------------------
# Shared helpers (also used by services.staff and services.pupils)
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def unit_of_work(
    session: Session,
    conflict: str = (
        "Votre modification n'a pas pu être enregistrée car les données ont changé entre-temps. "
        "Rechargez la page et réessayez."
    ),
) -> Iterator[None]:
    """Commit at the end; on any error roll everything back. A unique-constraint race becomes
    a French Conflict."""
    try:
        yield
        session.commit()
    except DomainError:
        session.rollback()
        raise
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(conflict) from exc
    except BaseException:
        session.rollback()
        raise


def paris_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in metropolitan France (the platform's calendar)."""
    return _now(now).astimezone(PARIS).date()


def parse_date(value: object, *, field: str, label: str = "La date") -> dt.date:
    """A date from a ``date``, a ``datetime`` or an ISO string "2026-12-07" (date inputs)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ValidationError(f"{label} n'est pas une date valide.", field=field)


def _require_id(value: object, what: str = "élément") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise NotFound()
    return value


def viewer_school(session: Session, viewer: Viewer | None, action: SchoolAction) -> School:
    """The viewer's own school, checked for ``action`` (school scope)."""
    if viewer is None:
        raise NotAuthenticated()
    membership = membership_of(session, viewer)
    if membership is None:
        raise PermissionDenied()
    return require(session, viewer, action, membership.school_id)


def _class_or_404(session: Session, class_id: object) -> SchoolClass:
    klass = session.get(SchoolClass, _require_id(class_id))
    if klass is None:
        raise NotFound("Cette classe est introuvable : elle a peut-être été supprimée.")
    return klass


def _range_label(first_monday: dt.date, last_monday: dt.date) -> str:
    """'du 7 au 11 décembre 2026' for one week, 'du 7 au 18 décembre 2026', 'du 30 novembre au
    11 décembre 2026', 'du 28 décembre 2026 au 8 janvier 2027'."""
    if first_monday == last_monday:
        return week_label(first_monday)
    end = week_friday(last_monday)
    if first_monday.year != end.year:
        return f"du {fr_date(first_monday)} au {fr_date(end)}"
    if first_monday.month == end.month:
        return f"du {first_monday.day} au {end.day} {MONTHS[end.month - 1]} {end.year}"
    return (
        f"du {first_monday.day} {MONTHS[first_monday.month - 1]} au {end.day} "
        f"{MONTHS[end.month - 1]} {end.year}"
    )


# ---------------------------------------------------------------------------------------------
# Pickers for the principal's and staff's sign-up (public, read-only)
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CommuneChoice:
    insee_code: str
    name: str  # with its article: "L'Haÿ-les-Roses"
    postal_code: str  # the first (or the matching) postal code
    department_code: str
    colleges: int  # collèges in the commune (Paris: in all its arrondissements)
    department_name: str = ""
    label: str = ""  # "Évry-Courcouronnes (91000)"


@dataclasses.dataclass(frozen=True)
class CollegeChoice:
    uai: str
    name: str
    address: str
    postal_code: str
    commune: str  # the collège's own commune: "Paris 11e Arrondissement"
    has_principal: bool  # a principal account exists: a second one is refused
    is_private: bool = False
    priority_education: str = ""  # "", "REP", "REP+"
    email_domain: str = ""  # staff addresses end with "@" + this, e.g. "ac-creteil.fr"

    @property
    def principal_email(self) -> str:
        """The functional address the principal signs up with: ce.<uai>@<domain>."""
        return f"ce.{self.uai.lower()}@{self.email_domain}" if self.email_domain else ""


_ARTICLES = ("l ", "le ", "la ", "les ")


def _rank(name_key: str, key: str) -> int:
    if name_key.startswith(key) or any(name_key.startswith(a + key) for a in _ARTICLES):
        return 0
    if f" {key}" in f" {name_key}":
        return 1
    return 2


def search_communes(session: Session, text: str | None, limit: int = 10) -> list[CommuneChoice]:
    """Type-ahead over the communes that have a collège, accents, case and punctuation ignored
    ("evry" finds Évry-Courcouronnes, "l hay" L'Haÿ-les-Roses); digits search postal codes
    ("91000"). Best matches first: the name starts with the text (its article aside), then a
    word starts with it, then it appears inside; the most populated first in each group."""
    raw = clean_line(text)
    key = search_key(raw)
    if not key:
        return []
    try:
        limit = max(1, min(int(limit), COMMUNE_SEARCH_MAX))
    except (TypeError, ValueError):
        limit = 10
    digits = key.replace(" ", "")
    by_postal = digits.isdigit()
    if by_postal and len(digits) > 5:
        return []

    school_codes = select(School.commune_insee).where(School.commune_insee != "")
    arm_parents = select(Commune.parent_insee_code).where(
        Commune.kind == "ARM", col(Commune.insee_code).in_(school_codes)
    )
    has_college = or_(
        col(Commune.insee_code).in_(school_codes), col(Commune.insee_code).in_(arm_parents)
    )
    if by_postal:
        match = col(Commune.postal_codes).like(f"%{digits}%")
        rank = case(
            (col(Commune.postal_codes).like(f"{digits}%"), 0),
            (col(Commune.postal_codes).like(f"%;{digits}%"), 1),
            else_=2,
        )
    else:
        # key holds only [a-z0-9 ]: no LIKE wildcard to escape
        match = col(Commune.search_name).like(f"%{key}%")
        rank = case(
            (
                or_(
                    col(Commune.search_name).like(f"{key}%"),
                    *[col(Commune.search_name).like(f"{a}{key}%") for a in _ARTICLES],
                ),
                0,
            ),
            (col(Commune.search_name).like(f"% {key}%"), 1),
            else_=2,
        )
    rows = session.exec(
        select(Commune, rank)
        .where(Commune.kind == "COM", has_college, match)
        .order_by(rank, col(Commune.population).desc(), Commune.search_name)
        .limit(limit)
    ).all()

    # name, postal code, department, population, rank, insee
    found: list[tuple[int, int, str, dict[str, str]]] = []
    for commune, r in rows:
        codes = [c for c in (commune.postal_codes or "").split(";") if c]
        postal = next(
            (c for c in codes if by_postal and c.startswith(digits)), codes[0] if codes else ""
        )
        found.append(
            (
                int(r),
                -commune.population,
                commune.search_name,
                {
                    "insee_code": commune.insee_code,
                    "name": commune.full_name or commune.name,
                    "postal_code": postal,
                    "department_code": commune.department_code,
                    "department_name": commune.department_name,
                    # a city with arrondissements is labelled with its department: "Paris (75)"
                    "_where": postal if by_postal or len(codes) <= 3 else commune.department_code,
                },
            )
        )

    # collèges whose commune is not in the gazetteer (overseas collectivities)
    # five columns: more than sqlmodel's ``select`` is typed for, so SQLAlchemy's
    orphan_rows = session.execute(
        sa_select(
            col(School.commune_insee),
            func.min(School.commune_name),
            func.min(School.postal_code),
            func.min(School.department_code),
            func.min(School.department_name),
        )
        .where(
            col(School.commune_insee) != "",
            col(School.commune_insee).not_in(select(Commune.insee_code)),
        )
        .group_by(col(School.commune_insee))
    ).all()
    for insee, name, postal, dep_code, dep_name in orphan_rows:
        name_key = search_key(name or "")
        if by_postal:
            if not (postal or "").startswith(digits):
                continue
            r = 0
        else:
            if key not in name_key:
                continue
            r = _rank(name_key, key)
        found.append(
            (
                r,
                0,
                name_key,
                {
                    "insee_code": insee,
                    "name": name or insee,
                    "postal_code": postal or "",
                    "department_code": dep_code or "",
                    "department_name": dep_name or "",
                    "_where": postal or dep_code or "",
                },
            )
        )

    found.sort(key=lambda item: item[:3])
    found = found[:limit]
    counts = _college_counts(session, [item[3]["insee_code"] for item in found])
    result = []
    for _r, _p, _k, values in found:
        where = values.pop("_where") or values["department_code"]
        result.append(
            CommuneChoice(
                colleges=counts.get(values["insee_code"], 0),
                label=f"{values['name']} ({where})" if where else values["name"],
                **values,
            )
        )
    return result


def _college_counts(session: Session, codes: list[str]) -> dict[str, int]:
    """Collèges per commune code, arrondissements counted in their city."""
    if not codes:
        return {}
    owner = {code: code for code in codes}
    for child, parent in session.exec(
        select(Commune.insee_code, Commune.parent_insee_code).where(
            col(Commune.parent_insee_code).in_(codes)
        )
    ).all():
        owner[child] = parent
    counts: dict[str, int] = {}
    for code, n in session.exec(
        select(School.commune_insee, func.count())
        .where(col(School.commune_insee).in_(list(owner)))
        .group_by(School.commune_insee)
    ).all():
        counts[owner[code]] = counts.get(owner[code], 0) + int(n)
    return counts


_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")


def colleges_in_commune(session: Session, insee_code: str | None) -> list[CollegeChoice]:
    """The collèges of a commune chosen in ``search_communes`` (Paris, Lyon, Marseille: those of
    all their arrondissements), sorted by name."""
    code = (insee_code or "").strip().upper()
    if not _INSEE.match(code):
        return []
    children = select(Commune.insee_code).where(Commune.parent_insee_code == code)
    schools = session.exec(
        select(School).where(
            or_(col(School.commune_insee) == code, col(School.commune_insee).in_(children))
        )
    ).all()
    if not schools:
        return []
    with_principal = set(
        session.exec(
            select(StaffMembership.school_id).where(
                col(StaffMembership.school_id).in_([s.id for s in schools]),
                StaffMembership.function == StaffFunction.PRINCIPAL.value,
                StaffMembership.status != RightsStatus.REVOKED.value,
            )
        ).all()
    )
    schools = sorted(schools, key=lambda s: (search_key(s.name), s.uai))
    return [
        CollegeChoice(
            uai=s.uai,
            name=s.name,
            address=s.address,
            postal_code=s.postal_code,
            commune=s.commune_name,
            has_principal=s.id in with_principal,
            is_private=s.is_private,
            priority_education=s.priority_education,
            email_domain=(s.academy_domain or "").strip().lower().lstrip("@"),
        )
        for s in schools
    ]


# ---------------------------------------------------------------------------------------------
# Settings read model (principal)
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class ClassSettingsRow:
    id: int
    name: str
    pupils: int
    access_open: bool
    join_code: str
    main_teacher_name: str  # "" when none
    main_teacher_id: int | None = None
    followers: int = 0  # teachers following the class (besides its professeur principal)
    main_teacher_granted: bool = True  # False: their rights are pending or revoked


@dataclasses.dataclass
class WeekRow:
    id: int
    week_start: dt.date  # Monday
    label: str  # "du 7 au 11 décembre 2026"
    past: bool  # its Friday is over
    accepted: int  # accepted internships of the school's pupils that week


@dataclasses.dataclass
class PeriodRow:
    """Consecutive declared weeks, shown as one period."""

    first_monday: dt.date
    last_monday: dt.date
    label: str  # "du 7 au 18 décembre 2026"
    school_year: str  # "2026-2027"
    weeks: list[WeekRow]


@dataclasses.dataclass
class SchoolSettings:
    school_id: int
    school_name: str
    uai: str
    commune: str
    classes: list[ClassSettingsRow]
    periods: list[PeriodRow]
    national_search: bool
    national_search_by: str  # who last switched it ("" if never)
    national_search_at: dt.datetime | None
    current_school_year: str  # "2026-2027"


def school_settings(
    session: Session, viewer: Viewer | None, *, now: dt.datetime | None = None
) -> SchoolSettings:
    """Everything the principal's settings page shows (principal only)."""
    school = viewer_school(session, viewer, "school.settings")
    today = paris_today(now)
    classes = session.exec(select(SchoolClass).where(SchoolClass.school_id == school.id)).all()
    class_ids = [c.id for c in classes]
    pupils = dict(
        session.exec(
            select(PupilProfile.class_id, func.count())
            .where(PupilProfile.school_id == school.id)
            .group_by(col(PupilProfile.class_id))
        ).all()
    )
    followers = (
        dict(
            session.exec(
                select(ClassFollow.class_id, func.count())
                .where(col(ClassFollow.class_id).in_(class_ids))
                .group_by(col(ClassFollow.class_id))
            ).all()
        )
        if class_ids
        else {}
    )
    teacher_ids = {c.main_teacher_id for c in classes if c.main_teacher_id}
    granted_ids = (
        set(
            session.exec(
                select(StaffMembership.user_id).where(
                    StaffMembership.school_id == school.id,
                    StaffMembership.status == RightsStatus.GRANTED.value,
                    col(StaffMembership.user_id).in_(list(teacher_ids)),
                )
            ).all()
        )
        if teacher_ids
        else set()
    )
    names = _names(session, teacher_ids | ({school.national_search_by_id} - {None}))
    class_rows: list[ClassSettingsRow] = []
    for c in classes:
        assert c.id is not None  # a stored row
        class_rows.append(
            ClassSettingsRow(
                id=c.id,
                name=c.name,
                pupils=int(pupils.get(c.id, 0)),
                access_open=c.access_open,
                join_code=c.join_code,
                main_teacher_name=names.get(c.main_teacher_id, ""),
                main_teacher_id=c.main_teacher_id,
                followers=int(followers.get(c.id, 0)),
                main_teacher_granted=c.main_teacher_id is None or c.main_teacher_id in granted_ids,
            )
        )
    class_rows.sort(key=lambda r: (search_key(r.name), r.id))
    weeks = session.exec(
        select(InternshipWeek)
        .where(InternshipWeek.school_id == school.id)
        .order_by(col(InternshipWeek.week_start))
    ).all()
    accepted = dict(
        session.exec(
            select(col(Application.week_start), func.count())
            .join(PupilProfile, col(PupilProfile.user_id) == Application.student_id)
            .where(
                PupilProfile.school_id == school.id,
                Application.status == ApplicationStatus.ACCEPTED.value,
            )
            .group_by(col(Application.week_start))
        ).all()
    )
    periods: list[PeriodRow] = []
    for w in weeks:
        row = WeekRow(
            stored_id(w),
            w.week_start,
            week_label(w.week_start),
            week_friday(w.week_start) < today,
            int(accepted.get(w.week_start, 0)),
        )
        last = periods[-1] if periods else None
        if (
            last is not None
            and w.week_start - last.last_monday == dt.timedelta(days=7)
            and school_year_of(w.week_start) == school_year_of(last.first_monday)
        ):
            last.weeks.append(row)
            last.last_monday = w.week_start
        else:
            periods.append(
                PeriodRow(
                    w.week_start,
                    w.week_start,
                    "",
                    school_year_label(school_year_of(w.week_start)),
                    [row],
                )
            )
    for p in periods:
        p.label = _range_label(p.first_monday, p.last_monday)
    return SchoolSettings(
        school_id=stored_id(school),
        school_name=school.name,
        uai=school.uai,
        commune=school.commune_name,
        classes=class_rows,
        periods=periods,
        national_search=school.national_search,
        national_search_by=names.get(school.national_search_by_id, ""),
        national_search_at=school.national_search_at,
        current_school_year=school_year_label(school_year_of(today)),
    )


def _names(session: Session, user_ids: Iterable[int | None]) -> dict[int | None, str]:
    # keyed like the optional ids looked up in it (no teacher, no inviter: not found)
    ids = [i for i in user_ids if i]
    if not ids:
        return {}
    return {
        uid: f"{first} {last}".strip()
        for uid, first, last in session.exec(
            select(User.id, User.first_name, User.last_name).where(col(User.id).in_(ids))
        ).all()
    }


# ---------------------------------------------------------------------------------------------
# Classes and join codes
# ---------------------------------------------------------------------------------------------


def new_join_code(session: Session) -> str:
    """A fresh class code: JOIN_CODE_LENGTH characters, no 0/O/1/I, not used by any class."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if (
            session.exec(select(SchoolClass.id).where(SchoolClass.join_code == code)).first()
            is None
        ):
            return code


def _clean_class_name(raw: str | None) -> str:
    value = clean_line(raw)
    if not value:
        raise ValidationError("Indiquez le nom de la classe (par exemple « 3e B »).", field="name")
    if len(value) > CLASS_NAME_MAX_LENGTH:
        raise ValidationError(
            f"Le nom de la classe est trop long ({CLASS_NAME_MAX_LENGTH} caractères au plus).",
            field="name",
        )
    if "<" in value or ">" in value:
        raise ValidationError(
            "Le nom de la classe ne peut pas contenir les caractères < et >.", field="name"
        )
    return value


def _name_taken(
    session: Session, school_id: int, name: str, except_id: int | None = None
) -> SchoolClass | None:
    key = search_key(name)
    for other in session.exec(select(SchoolClass).where(SchoolClass.school_id == school_id)).all():
        if other.id != except_id and search_key(other.name) == key:
            return other
    return None


def _duplicate_class(name: str) -> Conflict:
    return Conflict(f"Une classe « {name} » existe déjà dans votre collège.", field="name")


def create_class(
    session: Session, viewer: Viewer | None, name: str, *, access_open: bool = True
) -> SchoolClass:
    """A new 3e class of the principal's school, with a fresh join code (principal only).
    The same name twice (any case or accent) is a Conflict."""
    for _attempt in range(3):
        school = viewer_school(session, viewer, "school.settings")
        value = _clean_class_name(name)
        if _name_taken(session, stored_id(school), value):
            raise _duplicate_class(value)
        klass = SchoolClass(
            school_id=stored_id(school),
            name=value,
            join_code=new_join_code(session),
            access_open=bool(access_open),
            created_at=utcnow(),
        )
        session.add(klass)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            school = viewer_school(session, viewer, "school.settings")
            # double submission at the same instant
            if _name_taken(session, stored_id(school), value):
                raise _duplicate_class(value) from None
            continue  # join code drawn twice at the same instant: draw again
        session.refresh(klass)
        return klass
    raise Conflict("La classe n'a pas pu être créée. Merci de réessayer.")  # pragma: no cover


def rename_class(session: Session, viewer: Viewer | None, class_id: int, name: str) -> SchoolClass:
    klass = _class_or_404(session, class_id)
    value = _clean_class_name(name)
    with unit_of_work(session, conflict=f"Une classe « {value} » existe déjà dans votre collège."):
        require(session, viewer, "school.settings", klass.school_id)
        if _name_taken(session, klass.school_id, value, except_id=klass.id):
            raise _duplicate_class(value)
        klass.name = value
    session.refresh(klass)
    return klass


def delete_class(session: Session, viewer: Viewer | None, class_id: int) -> None:
    """Delete a class that has no pupil (principal only). Its followers are dropped, pending
    invitations for it are cancelled."""
    klass = _class_or_404(session, class_id)
    with unit_of_work(session):
        require(session, viewer, "school.settings", klass.school_id)
        pupils = session.exec(
            select(func.count()).select_from(PupilProfile).where(PupilProfile.class_id == klass.id)
        ).one()
        if pupils:
            noun = "élève inscrit" if pupils == 1 else "élèves inscrits"
            raise ValidationError(
                f"La classe « {klass.name} » compte {pupils} {noun} : elle ne peut pas être "
                "supprimée. Vous pouvez fermer son accès à la plateforme."
            )
        now = utcnow()
        session.execute(
            update(Invitation)
            .where(
                col(Invitation.class_id) == klass.id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.cancelled_at).is_(None),
            )
            .values(cancelled_at=now)
        )
        session.execute(
            update(Invitation).where(col(Invitation.class_id) == klass.id).values(class_id=None)
        )
        session.execute(
            update(StaffMembership)
            .where(col(StaffMembership.requested_class_id) == klass.id)
            .values(requested_class_id=None)
        )
        session.execute(delete(ClassFollow).where(col(ClassFollow.class_id) == klass.id))
        # the pupils' class history keeps the class's name; a handover asked into it lapses
        session.execute(
            update(PupilMove)
            .where(col(PupilMove.to_class_id) == klass.id, col(PupilMove.status) == "pending")
            .values(
                status="cancelled",
                decided_at=now,
                note="La classe demandée a été supprimée par le collège.",
            )
        )
        session.execute(
            update(PupilMove)
            .where(col(PupilMove.from_class_id) == klass.id)
            .values(from_class_id=None)
        )
        session.execute(
            update(PupilMove).where(col(PupilMove.to_class_id) == klass.id).values(to_class_id=None)
        )
        session.delete(klass)


def set_class_access(session: Session, viewer: Viewer | None, class_id: int, open: bool) -> None:
    """Open or close a class's platform access (principal only). A closed class's code no longer
    lets pupils sign up, and its pupils reach nothing (R1) until it is opened again."""
    klass = _class_or_404(session, class_id)
    with unit_of_work(session):
        require(session, viewer, "school.settings", klass.school_id)
        klass.access_open = bool(open)


def regenerate_join_code(session: Session, viewer: Viewer | None, class_id: int) -> str:
    """A new join code for the class (whoever manages its pupils). Pupils already signed up are
    not affected; forms printed with the old code no longer work."""
    klass = _class_or_404(session, class_id)
    for _attempt in range(3):
        require(session, viewer, "class.pupils.manage", klass)
        klass.join_code = new_join_code(session)
        code = klass.join_code
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            klass = _class_or_404(session, class_id)
            continue
        return code
    raise Conflict("Le code n'a pas pu être changé. Merci de réessayer.")  # pragma: no cover


# ---------------------------------------------------------------------------------------------
# Internship weeks
# ---------------------------------------------------------------------------------------------


def add_period(
    session: Session,
    viewer: Viewer | None,
    first_monday: object,
    last_monday: object = None,
    *,
    now: dt.datetime | None = None,
) -> list[InternshipWeek]:
    """Declare a period of consecutive internship weeks, Monday to Friday (principal only).
    ``last_monday`` defaults to ``first_monday`` (a one-week period); both may be any day of
    their week (normalised to its Monday) and a date or an ISO string."""
    school = viewer_school(session, viewer, "school.settings")
    assert viewer is not None  # viewer_school raised NotAuthenticated otherwise
    first = monday_of(parse_date(first_monday, field="first_monday", label="La première semaine"))
    last = (
        first
        if last_monday in (None, "")
        else monday_of(parse_date(last_monday, field="last_monday", label="La dernière semaine"))
    )
    if last < first:
        raise ValidationError(
            "La dernière semaine de la période doit être la même que la première ou venir après.",
            field="last_monday",
        )
    count = (last - first).days // 7 + 1
    if count > MAX_WEEKS_PER_PERIOD:
        raise ValidationError(
            f"Une période compte au plus {MAX_WEEKS_PER_PERIOD} semaines : déclarez plusieurs "
            "périodes si besoin.",
            field="last_monday",
        )
    year = school_year_of(first)
    _start, end = school_year_bounds(year)
    weeks = [first + dt.timedelta(days=7 * i) for i in range(count)]
    outside = [w for w in weeks if week_friday(w) > end]
    if outside:
        raise ValidationError(
            "Une période de stage doit tenir dans une seule année scolaire (du 1er septembre au "
            f"31 août) : la semaine {week_label(outside[0])} n'est pas dans l'année scolaire "
            f"{school_year_label(year)}.",
            field="last_monday",
        )
    today = paris_today(now)
    past = [w for w in weeks if week_friday(w) < today]
    if past:
        raise ValidationError(
            f"La semaine {week_label(past[0])} est déjà passée : déclarez des semaines à venir.",
            field="first_monday",
        )
    current = school_year_of(today)
    if year not in (current, current + 1):
        raise ValidationError(
            "Les périodes de stage se déclarent pour l'année scolaire en cours "
            f"({school_year_label(current)}) ou la suivante ({school_year_label(current + 1)}).",
            field="first_monday",
        )
    taken = session.exec(
        select(col(InternshipWeek.week_start))
        .where(
            InternshipWeek.school_id == school.id,
            InternshipWeek.week_start >= first,
            InternshipWeek.week_start <= last,
        )
        .order_by(col(InternshipWeek.week_start))
    ).all()
    overlap = (
        f"La semaine {week_label(taken[0]) if taken else ''} est déjà déclarée pour votre "
        "collège : une période ne peut pas en chevaucher une autre."
    )
    if taken:
        raise Conflict(overlap, field="first_monday")
    rows: list[InternshipWeek] = []
    with unit_of_work(
        session,
        conflict=(
            "Une de ces semaines vient d'être déclarée pour votre collège : "
            "une période ne peut pas en chevaucher une autre."
        ),
    ):
        created = utcnow()
        for monday in weeks:
            row = InternshipWeek(
                school_id=stored_id(school),
                week_start=monday,
                school_year=year,
                created_by_id=viewer.user_id,
                created_at=created,
            )
            session.add(row)
            rows.append(row)
    for row in rows:
        session.refresh(row)
    return rows


def remove_week(session: Session, viewer: Viewer | None, week_id: int) -> None:
    """Remove one declared week (principal only); refused while pupils of the school hold an
    accepted internship that week, or have sent applications for it that wait for an answer
    (named, so that the principal can ask them to withdraw or the employers to answer): an
    employer could otherwise accept a pupil for a week that is no longer the collège's. The
    week is locked first (SQLite's write lock, PostgreSQL ``FOR UPDATE``): a pupil sending an
    application or an employer accepting one at the same instant holds it ``FOR KEY SHARE``."""
    wid = _require_id(week_id)
    gone = NotFound("Cette semaine de stage est introuvable : elle a peut-être déjà été retirée.")
    if session.get(InternshipWeek, wid) is None:
        raise gone
    with unit_of_work(session):
        begin_immediate(session)
        week = session.execute(
            select(InternshipWeek)
            .where(col(InternshipWeek.id) == wid)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if week is None:
            raise gone
        require(session, viewer, "school.settings", week.school_id)
        accepted = session.exec(
            select(func.count())
            .select_from(Application)
            .join(PupilProfile, col(PupilProfile.user_id) == Application.student_id)
            .where(
                PupilProfile.school_id == week.school_id,
                Application.week_start == week.week_start,
                Application.status == ApplicationStatus.ACCEPTED.value,
            )
        ).one()
        if accepted:
            who = "un élève a" if accepted == 1 else f"{accepted} élèves ont"
            raise ValidationError(
                f"La semaine {week_label(week.week_start)} ne peut pas être retirée : {who} déjà "
                "un stage accepté cette semaine-là."
            )
        waiting = session.execute(
            select(col(User.first_name), col(User.last_name), col(Organisation.name))
            .select_from(Application)
            .join(PupilProfile, col(PupilProfile.user_id) == Application.student_id)
            .join(User, col(User.id) == Application.student_id)
            .join(Offer, col(Offer.id) == Application.offer_id)
            .join(Organisation, col(Organisation.id) == Offer.organisation_id)
            .where(
                col(PupilProfile.school_id) == week.school_id,
                col(Application.week_start) == week.week_start,
                col(Application.status).in_(
                    (ApplicationStatus.SUBMITTED.value, ApplicationStatus.READ.value)
                ),
            )
            .order_by(col(User.last_name), col(User.first_name), col(Organisation.name))
        ).all()
        if waiting:
            shown = [f"{first} {last} ({org})" for first, last, org in waiting[:5]]
            more = f" et {len(waiting) - 5} autre(s)" if len(waiting) > 5 else ""
            what = (
                "une candidature envoyée attend"
                if len(waiting) == 1
                else f"{len(waiting)} candidatures envoyées attendent"
            )
            raise ValidationError(
                f"La semaine {week_label(week.week_start)} ne peut pas être retirée : {what} "
                f"la réponse d'un employeur pour cette semaine : {', '.join(shown)}{more}. "
                "Demandez aux élèves de les retirer, ou attendez les réponses."
            )
        session.delete(week)


# ---------------------------------------------------------------------------------------------
# National search (R2)
# ---------------------------------------------------------------------------------------------


def set_national_search(
    session: Session, viewer: Viewer | None, enabled: bool, *, now: dt.datetime | None = None
) -> None:
    """Open (or close again) the school's offer search to the whole country (principal only),
    recording who and when. Setting the current value again changes nothing."""
    school = viewer_school(session, viewer, "school.settings")
    assert viewer is not None  # viewer_school raised NotAuthenticated otherwise
    enabled = bool(enabled)
    if school.national_search == enabled:
        return
    with unit_of_work(session):
        school.national_search = enabled
        school.national_search_by_id = viewer.user_id
        school.national_search_at = _now(now)
