"""The pupil's online CV: live document autosaved as typed, named archived versions, PDF.

The CV is a JSON document with six sections a 14-year-old can fill (see :data:`CV_SECTIONS`)::

    {"about": str, "school_path": [str], "interests": [str], "qualities": [str],
     "languages": [str], "experiences": [str]}

Rules
-----
* Only the pupil edits their CV, and only once their access is open (R1: class open, parental
  authorisation recorded, access opened by the school) — the same condition as searching and
  applying, since the CV holds a minor's personal data.
* ``save_cv`` is the autosave target: every field present is checked (type, 2,000 characters for
  the presentation, 20 lines of at most 200 characters per list), control characters are removed
  and empty lines dropped. Fields absent from the input are left as they are. One bad field
  refuses the whole save with a French :class:`ValidationError` naming it (``field=``) and the
  stored CV is left exactly as it was: nothing typed before is ever lost.
* Reading creates nothing. Archiving copies the *saved* CV under a name; restoring a version
  first archives the current CV (unless it is empty or already archived identically), so
  restoring never loses anything. At most :data:`MAX_VERSIONS` versions.
* Text is stored and shown as plain text (HTML is never interpreted: the UI renders text).
* ``cv_pdf_for_application`` prints the CV *as sent* with an application (its snapshot), for the
  pupil, the employer who received it and the staff who may see the pupil (access table,
  ``pupil.view``). Drafts have no snapshot and are "introuvable" for everyone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from stages_app.models import (
    CV,
    Application,
    ApplicationStatus,
    CVVersion,
    Offer,
    Organisation,
    PupilProfile,
    Role,
    School,
    SchoolClass,
    User,
    stored_id,
    utcnow,
)
from stages_app.services import access
from stages_app.services.access import Viewer
from stages_app.services.calendar import fr_date
from stages_app.services.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from stages_app.services.text import clean_line, clean_text

__all__ = [
    "CV_SECTIONS",
    "ITEM_MAX",
    "LIST_MAX_ITEMS",
    "MAX_VERSIONS",
    "TEXT_MAX",
    "VERSION_NAME_MAX",
    "CVSection",
    "CVVersionRow",
    "CVVersionView",
    "CVView",
    "archive_cv",
    "cv_pdf",
    "cv_pdf_for_application",
    "delete_version",
    "dump_content",
    "empty_content",
    "get_cv",
    "get_version",
    "list_versions",
    "parse_content",
    "restore_version",
    "save_cv",
]

TEXT_MAX = 2000  # characters of the presentation
LIST_MAX_ITEMS = 20  # lines per list section
ITEM_MAX = 200  # characters per line
VERSION_NAME_MAX = 80
MAX_VERSIONS = 50
_PARIS = ZoneInfo("Europe/Paris")


@dataclasses.dataclass(frozen=True)
class CVSection:
    """One section of the CV form: ``kind`` is "text" (one text area) or "list" (lines)."""

    key: str
    label: str
    kind: str
    hint: str
    placeholder: str


CV_SECTIONS: tuple[CVSection, ...] = (
    CVSection(
        "about",
        "À propos de moi",
        "text",
        "Présentez-vous en quelques phrases : qui vous êtes, ce que vous aimez, ce que "
        "vous aimeriez découvrir pendant le stage.",
        "Élève de 3e curieux et motivé, j'aime…",
    ),
    CVSection(
        "school_path",
        "Ma scolarité",
        "list",
        "Votre collège et votre classe, puis votre école primaire : une ligne par établissement.",
        "Depuis 2023 : Collège Jean Moulin, Aubervilliers (3e B)",
    ),
    CVSection(
        "interests",
        "Mes centres d'intérêt et activités",
        "list",
        "Sport, musique, lecture, dessin, jeux, clubs du collège… ce que vous faites "
        "en dehors des cours.",
        "Football au club de mon quartier",
    ),
    CVSection(
        "qualities",
        "Mes qualités et compétences",
        "list",
        "Par exemple : ponctuel, curieux, à l'aise à l'oral, bon en dessin, sait utiliser "
        "un tableur.",
        "Ponctuel",
    ),
    CVSection(
        "languages",
        "Langues",
        "list",
        "Les langues que vous parlez, en famille ou au collège, avec votre niveau.",
        "Anglais (LV1)",
    ),
    CVSection(
        "experiences",
        "Mes expériences",
        "list",
        "Bénévolat, sport en compétition, délégué de classe, projet au collège, aide en "
        "famille… tout compte !",
        "Délégué de classe en 4e",
    ),
)
_BY_KEY = {s.key: s for s in CV_SECTIONS}
LIST_KEYS = tuple(s.key for s in CV_SECTIONS if s.kind == "list")

# The JSON document by section key: a str for the "text" section, a list of lines for the others.
CVContent = dict[str, str | list[str]]


@dataclasses.dataclass(frozen=True)
class CVView:
    """A CV as shown in the editor, its preview, a version or an application."""

    about: str = ""
    school_path: list[str] = dataclasses.field(default_factory=list)
    interests: list[str] = dataclasses.field(default_factory=list)
    qualities: list[str] = dataclasses.field(default_factory=list)
    languages: list[str] = dataclasses.field(default_factory=list)
    experiences: list[str] = dataclasses.field(default_factory=list)
    updated_at: dt.datetime | None = None  # None: never saved

    @property
    def is_empty(self) -> bool:
        return not self.about and not any(getattr(self, k) for k in LIST_KEYS)

    def as_dict(self) -> CVContent:
        return {
            s.key: (getattr(self, s.key) if s.kind == "text" else list(getattr(self, s.key)))
            for s in CV_SECTIONS
        }


@dataclasses.dataclass(frozen=True)
class CVVersionRow:
    id: int
    name: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class CVVersionView:
    id: int
    name: str
    created_at: dt.datetime
    cv: CVView


# ---------------------------------------------------------------------------------------------
# The JSON document
# ---------------------------------------------------------------------------------------------


def empty_content() -> CVContent:
    return {s.key: ("" if s.kind == "text" else []) for s in CV_SECTIONS}


def parse_content(raw: str | None) -> CVContent:
    """The sections of a stored JSON document (tolerant: anything unexpected reads as empty)."""
    content = empty_content()
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return content
    if not isinstance(data, dict):
        return content
    for section in CV_SECTIONS:
        value = data.get(section.key)
        if section.kind == "text":
            content[section.key] = value if isinstance(value, str) else ""
        elif isinstance(value, list):
            content[section.key] = [v for v in value if isinstance(v, str) and v]
    return content


def dump_content(content: Mapping[str, str | list[str]]) -> str:
    """The stored form: every section, in the order of :data:`CV_SECTIONS`."""
    return json.dumps({s.key: content[s.key] for s in CV_SECTIONS}, ensure_ascii=False)


def view_of(raw: str | None, updated_at: dt.datetime | None = None) -> CVView:
    # each section's value has its field's type, which the type checker cannot tell by key
    sections: dict[str, Any] = parse_content(raw)
    return CVView(**sections, updated_at=updated_at)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


def _check_text(section: CVSection, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(
            f"La rubrique « {section.label} » doit être un texte.", field=section.key
        )
    text = clean_text(value)
    if len(text) > TEXT_MAX:
        raise ValidationError(
            f"La rubrique « {section.label} » est trop longue ({len(text)} caractères, "
            f"{TEXT_MAX} au plus) : raccourcissez-la. Votre CV enregistré n'a pas changé.",
            field=section.key,
        )
    return text


def _check_list(section: CVSection, value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ValidationError(
            f"La rubrique « {section.label} » doit être une liste de lignes.", field=section.key
        )
    items: list[str] = []
    for raw in value:
        if raw is None:
            continue
        if not isinstance(raw, str):
            raise ValidationError(
                f"La rubrique « {section.label} » ne doit contenir que du texte.",
                field=section.key,
            )
        item = clean_line(raw)
        if not item:
            continue
        if len(item) > ITEM_MAX:
            raise ValidationError(
                f"Une ligne de la rubrique « {section.label} » est trop longue ({len(item)} "
                f"caractères, {ITEM_MAX} au plus) : coupez-la en deux lignes. Votre CV "
                "enregistré n'a pas changé.",
                field=section.key,
            )
        items.append(item)
    if len(items) > LIST_MAX_ITEMS:
        raise ValidationError(
            f"La rubrique « {section.label} » compte {_plural(len(items), 'ligne')} : "
            f"{LIST_MAX_ITEMS} au plus. Gardez les plus importantes. Votre CV enregistré n'a "
            "pas changé.",
            field=section.key,
        )
    return items


def check_content(content: object, base: CVContent | None = None) -> CVContent:
    """``base`` (default: empty) updated with every section present in ``content``, checked and
    cleaned; ValidationError (``field`` = the section's key) on the first bad section."""
    if not isinstance(content, dict):
        raise ValidationError(
            "Le contenu du CV est invalide : rien n'a été enregistré.", field="cv"
        )
    result = dict(base) if base is not None else empty_content()
    for section in CV_SECTIONS:
        if section.key not in content:
            continue
        value = content[section.key]
        result[section.key] = (
            _check_text(section, value) if section.kind == "text" else _check_list(section, value)
        )
    return result


# ---------------------------------------------------------------------------------------------
# Rights and rows
# ---------------------------------------------------------------------------------------------


def _pupil(session: Session, viewer: Viewer) -> PupilProfile:
    """R1: the pupil whose access is open (PermissionDenied with the French reason otherwise)."""
    return access.pupil_with_open_access(session, viewer)


def _cv_row(session: Session, student_id: int) -> CV | None:
    cv: CV | None = session.execute(
        select(CV).where(col(CV.student_id) == student_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return cv


def _int_id(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, int) and 0 < raw < 2**63:
        return raw
    return None


def _version_row(session: Session, cv: CV | None, version_id: object) -> CVVersion:
    vid = _int_id(version_id)
    row: CVVersion | None = None
    if vid is not None and cv is not None:
        row = session.execute(
            select(CVVersion).where(col(CVVersion.id) == vid, col(CVVersion.cv_id) == cv.id)
        ).scalar_one_or_none()
    if row is None:
        raise NotFound("Cette version du CV est introuvable.")
    return row


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(
            "Votre CV a été modifié en même temps ailleurs : rechargez la page et réessayez."
        ) from exc


def _fr_moment(moment: dt.datetime) -> str:
    local = moment.astimezone(_PARIS)
    return f"{fr_date(local.date())} à {local.hour} h {local.minute:02d}"


# ---------------------------------------------------------------------------------------------
# Editing
# ---------------------------------------------------------------------------------------------


def get_cv(session: Session, viewer: Viewer) -> CVView:
    """The pupil's current CV (empty, ``updated_at`` None, when never saved; creates nothing)."""
    profile = _pupil(session, viewer)
    cv = _cv_row(session, profile.user_id)
    return view_of(cv.content, cv.updated_at) if cv is not None else CVView()


def save_cv(session: Session, viewer: Viewer, content: Mapping[str, object]) -> dt.datetime:
    """Autosave: check and store the sections present in ``content``; returns when the CV was
    saved. A bad section raises ValidationError and leaves the stored CV unchanged."""
    for attempt in (1, 2):
        try:
            profile = _pupil(session, viewer)
            cv = _cv_row(session, profile.user_id)
            base = parse_content(cv.content) if cv is not None else empty_content()
            clean = check_content(content, base)
            stored = dump_content(clean)
            if cv is not None and cv.content == stored:
                saved_at = cv.updated_at
                session.rollback()  # nothing changed: keep the saved time
                return saved_at
            now = utcnow()
            if cv is None:
                cv = CV(student_id=profile.user_id, content=stored, updated_at=now)
            else:
                cv.content, cv.updated_at = stored, now
            session.add(cv)
            session.commit()
            return now
        except IntegrityError:
            # two first saves at once (uq_cv_student): the other one created the row, save again
            session.rollback()
            if attempt == 2:
                raise Conflict("Votre CV n'a pas pu être enregistré : réessayez.") from None
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def list_versions(session: Session, viewer: Viewer) -> list[CVVersionRow]:
    """The pupil's archived versions, newest first."""
    profile = _pupil(session, viewer)
    cv = _cv_row(session, profile.user_id)
    if cv is None:
        return []
    rows = session.execute(
        select(col(CVVersion.id), col(CVVersion.name), col(CVVersion.created_at))
        .where(col(CVVersion.cv_id) == cv.id)
        .order_by(col(CVVersion.created_at).desc(), col(CVVersion.id).desc())
    ).all()
    return [CVVersionRow(i, n, c) for i, n, c in rows]


def _version_count(session: Session, cv: CV) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(CVVersion).where(col(CVVersion.cv_id) == cv.id)
        ).scalar_one()
    )


def _too_many() -> ValidationError:
    return ValidationError(
        f"Vous avez déjà {MAX_VERSIONS} versions archivées, le maximum : supprimez-en une "
        "avant d'en archiver une nouvelle.",
        field="name",
    )


def archive_cv(session: Session, viewer: Viewer, name: str = "") -> CVVersionRow:
    """Archive the saved CV under ``name`` (default: "Version du <date>")."""
    try:
        profile = _pupil(session, viewer)
        if name is not None and not isinstance(name, str):
            raise ValidationError("Le nom de la version est invalide.", field="name")
        label = clean_line(name)
        if len(label) > VERSION_NAME_MAX:
            raise ValidationError(
                f"Le nom de la version est trop long ({len(label)} caractères, "
                f"{VERSION_NAME_MAX} au plus).",
                field="name",
            )
        cv = _cv_row(session, profile.user_id)
        if cv is None or view_of(cv.content).is_empty:
            raise ValidationError(
                "Votre CV est vide : il n'y a rien à archiver pour l'instant.", field="name"
            )
        if _version_count(session, cv) >= MAX_VERSIONS:
            raise _too_many()
        now = utcnow()
        label = label or f"Version du {fr_date(now.astimezone(_PARIS).date())}"
        row = CVVersion(cv_id=stored_id(cv), name=label, content=cv.content, created_at=now)
        session.add(row)
        session.flush()
        result = CVVersionRow(stored_id(row), row.name, row.created_at)
        _commit(session)
        return result
    except BaseException:
        session.rollback()
        raise


def get_version(session: Session, viewer: Viewer, version_id: object) -> CVVersionView:
    """One archived version of the pupil's CV (NotFound for any other id)."""
    profile = _pupil(session, viewer)
    row = _version_row(session, _cv_row(session, profile.user_id), version_id)
    return CVVersionView(
        stored_id(row), row.name, row.created_at, view_of(row.content, row.created_at)
    )


def restore_version(session: Session, viewer: Viewer, version_id: object) -> CVView:
    """Make an archived version the current CV. The current CV is archived first ("Avant la
    restauration du …") unless it is empty or identical to an archived version."""
    try:
        profile = _pupil(session, viewer)
        cv = _cv_row(session, profile.user_id)
        version = _version_row(session, cv, version_id)
        assert cv is not None  # _version_row found one of its versions
        now = utcnow()
        current = parse_content(cv.content)
        stored = dump_content(current)
        archived = {
            dump_content(parse_content(c))
            for c in session.execute(
                select(col(CVVersion.content)).where(col(CVVersion.cv_id) == cv.id)
            ).scalars()
        }
        if not view_of(cv.content).is_empty and stored not in archived:
            if _version_count(session, cv) >= MAX_VERSIONS:
                raise _too_many()
            session.add(
                CVVersion(
                    cv_id=stored_id(cv),
                    name=f"Avant la restauration du {_fr_moment(now)}"[:VERSION_NAME_MAX],
                    content=stored,
                    created_at=now,
                )
            )
        cv.content = dump_content(parse_content(version.content))
        cv.updated_at = now
        session.add(cv)
        result = view_of(cv.content, now)
        _commit(session)
        return result
    except BaseException:
        session.rollback()
        raise


def delete_version(session: Session, viewer: Viewer, version_id: object) -> None:
    """Delete one archived version of the pupil's CV (the current CV is not affected)."""
    try:
        profile = _pupil(session, viewer)
        row = _version_row(session, _cv_row(session, profile.user_id), version_id)
        session.delete(row)
        _commit(session)
    except BaseException:
        session.rollback()
        raise


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------


def _who(session: Session, student_id: int) -> tuple[str, str]:
    """(full name, "Élève de 3e B — Collège …, commune") of a pupil."""
    row = session.execute(
        select(
            col(User.first_name),
            col(User.last_name),
            col(SchoolClass.name),
            col(School.name),
            col(School.commune_name),
        )
        .select_from(User)
        .join(PupilProfile, col(PupilProfile.user_id) == User.id, isouter=True)
        .join(SchoolClass, col(SchoolClass.id) == PupilProfile.class_id, isouter=True)
        .join(School, col(School.id) == PupilProfile.school_id, isouter=True)
        .where(col(User.id) == student_id)
    ).first()
    if row is None:
        return "", ""
    first, last, klass, school, commune = row
    line = f"Élève de {klass}" if klass else "Élève de 3e"
    if school:
        line += f" — {school}" + (f", {commune}" if commune else "")
    return f"{first} {last}".strip(), line


def render_pdf(
    full_name: str, subtitle: str, content: Mapping[str, str | list[str]], footer: str
) -> bytes:
    """A one-column A4 CV (DejaVu fonts when installed, like the authorisation form)."""
    from fpdf import FPDF  # imported here: only the PDF needs it

    from stages_app.services.pdf import use_fonts

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(18, 16, 18)
    pdf.set_title(f"CV - {full_name}")
    pdf.set_author(full_name)
    pdf.set_creator("Stages 3e")
    family, t = use_fonts(pdf)

    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(width, 9, t(full_name or "CV"), new_x="LMARGIN", new_y="NEXT")
    if subtitle:
        pdf.set_font(family, "", 11)
        pdf.set_text_color(70, 70, 70)
        pdf.multi_cell(width, 6, t(subtitle), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 145)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.l_margin + width, pdf.get_y() + 2)
    pdf.ln(5)
    for section in CV_SECTIONS:
        value = content.get(section.key)
        if not value:
            continue
        pdf.set_font(family, "B", 12.5)
        pdf.set_text_color(0, 0, 145)
        pdf.cell(width, 7, t(section.label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(family, "", 10.5)
        if section.kind == "text":
            # the "text" section holds a str (see CVContent)
            pdf.multi_cell(width, 5.4, t(cast(str, value)), new_x="LMARGIN", new_y="NEXT")
        else:
            for item in value:
                pdf.set_x(pdf.l_margin + 2)
                pdf.multi_cell(width - 2, 5.4, t(f"•  {item}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    if footer:
        pdf.ln(2)
        pdf.set_font(family, "", 8)
        pdf.set_text_color(110, 110, 110)
        pdf.multi_cell(width, 4, t(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def cv_pdf(session: Session, viewer: Viewer, *, version_id: object = None) -> bytes:
    """The pupil's current CV (or one archived version) as a PDF."""
    profile = _pupil(session, viewer)
    cv = _cv_row(session, profile.user_id)
    if version_id is not None:
        row = _version_row(session, cv, version_id)
        content, footer = parse_content(row.content), f"Version « {row.name} »"
    else:
        content = parse_content(cv.content) if cv is not None else empty_content()
        footer = ""
    name, subtitle = _who(session, profile.user_id)
    stamp = f"CV édité le {fr_date(utcnow().astimezone(_PARIS).date())} sur Stages 3e."
    return render_pdf(name, subtitle, content, f"{footer} — {stamp}" if footer else stamp)


def _may_see_application(session: Session, viewer: Viewer, app: Application) -> bool:
    if viewer.role == Role.STUDENT.value:
        if app.student_id != viewer.user_id:
            return False
        access.pupil_with_open_access(session, viewer)  # R1 (raises with the reason)
        return True
    if viewer.role == Role.EMPLOYER.value:
        from stages_app.services.offers import _employer_organisation

        org = _employer_organisation(session, viewer)
        owner = session.execute(
            select(col(Offer.organisation_id)).where(col(Offer.id) == app.offer_id)
        ).scalar_one_or_none()
        return owner == org.id
    return access.can(session, viewer, "pupil.view", app.student_id)


def cv_pdf_for_application(session: Session, viewer: Viewer, application_id: object) -> bytes:
    """The CV as it was sent with an application, as a PDF: for the pupil, the employer who
    received it and the pupil's school staff (``pupil.view``); NotFound for anyone else."""
    if viewer is None:
        raise PermissionDenied()
    aid = _int_id(application_id)
    app = session.get(Application, aid) if aid is not None else None
    not_found = NotFound("Cette candidature est introuvable.")
    if app is None or app.status == ApplicationStatus.DRAFT.value or app.cv_sent is None:
        raise not_found
    try:
        allowed = _may_see_application(session, viewer, app)
    except NotFound:
        allowed = False
    except DomainError:
        raise
    if not allowed:
        raise not_found
    name, subtitle = _who(session, app.student_id)
    offer_title = (
        session.execute(
            select(col(Offer.title)).where(col(Offer.id) == app.offer_id)
        ).scalar_one_or_none()
        or ""
    )
    org_name = (
        session.execute(
            select(col(Organisation.name))
            .join(Offer, col(Offer.organisation_id) == Organisation.id)
            .where(col(Offer.id) == app.offer_id)
        ).scalar_one_or_none()
        or ""
    )
    sent = app.submitted_at.astimezone(_PARIS).date() if app.submitted_at else None
    footer = (
        f"CV envoyé{' le ' + fr_date(sent) if sent else ''} avec la candidature à "
        f"l'offre « {offer_title} » ({org_name}) sur Stages 3e."
    )
    return render_pdf(name, subtitle, parse_content(app.cv_sent), footer)
