"""Pupils of a class and their parental authorisation (R1): the class list, recording signed
forms, opening and withdrawing access, private scans of the signed form, the printable form.

Rights (``services.access``): listing needs ``class.view`` (principal, other staff, the class's
professeur principal and following teachers); every change needs ``pupil.manage`` /
``class.pupils.manage`` (principal, professeur principal, following teachers). Bulk operations
check every pupil first and change nothing when one id is unknown or out of reach.

Decisions
---------
* ``open_access`` opens only pupils whose authorisation is recorded; the others are skipped and
  reported (not an error). Opening a pupil of a closed class is recorded, but the pupil reaches
  nothing until the principal opens the class (the result says so).
* ``clear_authorisation`` (a form recorded by mistake) also closes the pupil's access and deletes
  the scan. ``withdraw_access`` keeps the authorisation; existing applications stay.
* Scans: PDF, JPEG or PNG recognised by their first bytes (the file name is not trusted), at most
  ``SCAN_MAX_BYTES``; stored under ``settings.PRIVATE_DIR/autorisations/<school id>/`` with a random
  name (``authorisation_file`` keeps the path relative to PRIVATE_DIR), never under a public
  directory, served only through ``authorisation_scan`` with the same rights. Attaching a scan to
  a pupil whose form was not recorded records it as received today.
* The printable form is one A4 page per class (blank names to fill in), with the class code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from sqlmodel import Session, col, select

from stages_app import routes, settings
from stages_app.models import PupilProfile, School, SchoolClass, User, stored_id
from stages_app.services.access import Viewer, require, require_pupils
from stages_app.services.accounts import _now
from stages_app.services.calendar import (
    fr_date,
    school_year_bounds,
    school_year_label,
    school_year_of,
)
from stages_app.services.errors import NotFound, ValidationError
from stages_app.services.mail import queue_mail
from stages_app.services.notifications import notify
from stages_app.services.schools import (
    _require_id,
    paris_today,
    parse_date,
    unit_of_work,
)
from stages_app.services.text import search_key, slug

__all__ = [
    "RETENTION_SENTENCE",
    "SCAN_MAX_BYTES",
    "OpenAccessResult",
    "PupilCounts",
    "PupilRow",
    "attach_authorisation_scan",
    "authorisation_form_pdf",
    "authorisation_scan",
    "class_pupils",
    "clear_authorisation",
    "delete_authorisation_scan",
    "open_access",
    "pupil_counts",
    "pupil_signup_link",
    "record_authorisation",
    "withdraw_access",
]

SCAN_MAX_BYTES = 5 * 1024 * 1024
SCAN_DIR = "autorisations"
_SCAN_TYPES = (
    (b"%PDF-", "pdf", "application/pdf"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
)
_MIME_BY_EXT = {ext: mime for _magic, ext, mime in _SCAN_TYPES}

# What the form promises about retention: the purge job must keep this promise.
RETENTION_SENTENCE = (
    "Le compte de votre enfant et ses données (CV, lettres, candidatures, copie de ce formulaire) "
    "sont conservés pendant l'année scolaire, puis supprimés au plus tard le 31 décembre qui suit "
    "sa fin."
)

STATUS_LABEL = {
    "waiting": "En attente de l'autorisation parentale",
    "authorised": "Autorisation reçue, accès à ouvrir",
    "open": "Accès ouvert",
}


# ---------------------------------------------------------------------------------------------
# Class list
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class PupilRow:
    pupil_user_id: int
    first_name: str
    last_name: str
    email: str
    authorisation_received_on: dt.date | None
    access_opened_at: dt.datetime | None
    status: str  # "waiting" | "authorised" | "open"
    status_label: str  # French, mentions a closed class
    has_scan: bool
    last_activity_at: dt.datetime | None = None


def _status(profile: PupilProfile) -> str:
    if profile.authorisation_received_on is None:
        return "waiting"
    if profile.access_opened_at is None:
        return "authorised"
    return "open"


def class_pupils(session: Session, viewer: Viewer | None, class_id: int) -> list[PupilRow]:
    """The pupils of a class, sorted by last then first name (accents and case ignored)."""
    klass = require(session, viewer, "class.view", _require_id(class_id))
    rows = session.exec(
        select(PupilProfile, User)
        .join(User, col(User.id) == PupilProfile.user_id)
        .where(PupilProfile.class_id == klass.id)
    ).all()
    result = []
    for profile, user in rows:
        status = _status(profile)
        label = STATUS_LABEL[status]
        if status == "open" and not klass.access_open:
            label += " (classe fermée : pas d'accès pour l'instant)"
        result.append(
            PupilRow(
                pupil_user_id=stored_id(user),
                first_name=user.first_name,
                last_name=user.last_name,
                email=user.email,
                authorisation_received_on=profile.authorisation_received_on,
                access_opened_at=profile.access_opened_at,
                status=status,
                status_label=label,
                has_scan=bool(profile.authorisation_file),
                last_activity_at=profile.last_activity_at,
            )
        )
    result.sort(key=lambda r: (search_key(r.last_name), search_key(r.first_name), r.pupil_user_id))
    return result


@dataclasses.dataclass(frozen=True)
class PupilCounts:
    total: int
    waiting: int  # no authorisation recorded
    authorised: int  # authorisation recorded, access not opened
    open: int  # access opened


def pupil_counts(session: Session, viewer: Viewer | None, class_id: int) -> PupilCounts:
    klass = require(session, viewer, "class.view", _require_id(class_id))
    statuses = [
        _status(p)
        for p in session.exec(select(PupilProfile).where(PupilProfile.class_id == klass.id)).all()
    ]
    return PupilCounts(
        len(statuses),
        statuses.count("waiting"),
        statuses.count("authorised"),
        statuses.count("open"),
    )


# ---------------------------------------------------------------------------------------------
# Authorisation and access
# ---------------------------------------------------------------------------------------------


def _ids(pupil_user_ids: int | Iterable[int] | None) -> list[int]:
    if isinstance(pupil_user_ids, int) and not isinstance(pupil_user_ids, bool):
        pupil_user_ids = [pupil_user_ids]
    # a bool is an int to the type checker but no iterable: True raises TypeError here
    ids = list(pupil_user_ids or [])  # type: ignore[arg-type]
    if not ids:
        raise ValidationError("Sélectionnez au moins un élève.", field="pupils")
    return ids


def record_authorisation(
    session: Session,
    viewer: Viewer | None,
    pupil_user_ids: int | Iterable[int] | None,
    received_on: dt.date | str,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Record that the signed parental form of these pupils was received on ``received_on``
    (a date or ISO string, not in the future, not before the previous school year). All or
    nothing. Returns how many pupils were updated (recording again corrects the date)."""
    ids = _ids(pupil_user_ids)
    received = parse_date(received_on, field="received_on", label="La date de réception")
    today = paris_today(now)
    if received > today:
        raise ValidationError(
            "La date de réception ne peut pas être dans le futur.", field="received_on"
        )
    earliest = school_year_bounds(school_year_of(today) - 1)[0]
    if received < earliest:
        raise ValidationError(
            f"La date de réception doit être postérieure au {fr_date(earliest)}.",
            field="received_on",
        )
    with unit_of_work(session):
        profiles = require_pupils(session, viewer, "pupil.manage", ids)
        assert viewer is not None  # require_pupils refuses an anonymous viewer
        for profile in profiles:
            profile.authorisation_received_on = received
            profile.authorisation_recorded_by_id = viewer.user_id
    return len(profiles)


@dataclasses.dataclass
class OpenAccessResult:
    opened: list[int]  # pupil user ids opened now
    already_open: list[int]
    skipped: list[str]  # names of pupils without a recorded authorisation
    closed_classes: list[str]  # classes of opened pupils that are closed to the platform
    message: str  # French summary for the page


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def open_access(
    session: Session,
    viewer: Viewer | None,
    pupil_user_ids: int | Iterable[int] | None,
    *,
    now: dt.datetime | None = None,
) -> OpenAccessResult:
    """Open platform access for these pupils (all checked first; nothing changes when one is out
    of reach). Pupils without a recorded authorisation are skipped and named in the result."""
    ids = _ids(pupil_user_ids)
    now = _now(now)
    with unit_of_work(session):
        profiles = require_pupils(session, viewer, "pupil.manage", ids)
        assert viewer is not None  # require_pupils refuses an anonymous viewer
        users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}
        classes = {
            c.id: c
            for c in session.exec(
                select(SchoolClass).where(col(SchoolClass.id).in_({p.class_id for p in profiles}))
            ).all()
        }
        opened, already, skipped, closed = [], [], [], []
        for profile in profiles:
            user = users[profile.user_id]
            if profile.authorisation_received_on is None:
                skipped.append(f"{user.first_name} {user.last_name}")
                continue
            if profile.access_opened_at is not None:
                already.append(stored_id(user))
                continue
            profile.access_opened_at = now
            profile.access_opened_by_id = viewer.user_id
            opened.append(stored_id(user))
            klass = classes[profile.class_id]
            if not klass.access_open and klass.name not in closed:
                closed.append(klass.name)
            queue_mail(
                session,
                to=user.email,
                subject="Stages 3e : ton accès est ouvert",
                body=(
                    f"Bonjour {user.first_name},\n\n"
                    "L'autorisation de tes parents a bien été reçue et ton accès à Stages 3e est "
                    "ouvert : tu peux chercher un stage, préparer ton CV et candidater.\n\n"
                    f"Connecte-toi : {_base_url()}{routes.LOGIN}\n\n"
                    "L'équipe Stages 3e\n"
                ),
                kind="pupil_access_opened",
                dedupe_key=f"pupil_open:{user.id}:{int(now.timestamp())}",
            )
            notify(
                session,
                stored_id(user),
                "pupil_access_opened",
                "Ton accès est ouvert",
                "L'autorisation de tes parents a été reçue : tu peux chercher un stage, "
                "préparer ton CV et candidater.",
                routes.STUDENT_HOME,
            )
    parts = []
    if opened:
        parts.append(_plural(len(opened), "accès ouvert", "accès ouverts") + ".")
    if already:
        parts.append(
            _plural(len(already), "élève avait déjà son accès", "élèves avaient déjà leur accès")
            + "."
        )
    if skipped:
        parts.append(
            "Sans autorisation parentale enregistrée, accès non ouvert pour : "
            + ", ".join(skipped)
            + "."
        )
    if closed:
        parts.append(
            "La classe " + ", ".join(closed) + " est fermée : ces élèves n'auront accès "
            "à la plateforme qu'après son ouverture par le chef d'établissement."
        )
    return OpenAccessResult(
        opened, already, skipped, closed, " ".join(parts) or "Aucun changement."
    )


def withdraw_access(session: Session, viewer: Viewer | None, pupil_user_id: int) -> None:
    """Close a pupil's access (the authorisation stays recorded; applications stay)."""
    with unit_of_work(session):
        profile = require(session, viewer, "pupil.manage", _require_id(pupil_user_id))
        profile.access_opened_at = None
        profile.access_opened_by_id = None


def clear_authorisation(session: Session, viewer: Viewer | None, pupil_user_id: int) -> None:
    """Forget a recorded authorisation (recorded by mistake, withdrawn by the parents): the access
    is closed too and the scan, if any, deleted."""
    with unit_of_work(session):
        profile = require(session, viewer, "pupil.manage", _require_id(pupil_user_id))
        old_file = profile.authorisation_file
        profile.authorisation_received_on = None
        profile.authorisation_recorded_by_id = None
        profile.access_opened_at = None
        profile.access_opened_by_id = None
        profile.authorisation_file = None
    _remove_private_file(old_file)


# ---------------------------------------------------------------------------------------------
# Private scans
# ---------------------------------------------------------------------------------------------


def _private_root() -> Path:
    """settings.PRIVATE_DIR, refused if it lies inside a directory the web server publishes."""
    root = Path(settings.PRIVATE_DIR).resolve()
    public = [
        Path(os.environ.get("REFLEX_UPLOADED_FILES_DIR") or settings.REPO_ROOT / "uploaded_files"),
        settings.REPO_ROOT / "assets",
        settings.REPO_ROOT / ".web",
    ]
    for directory in public:
        directory = directory.resolve()
        if root == directory or directory in root.parents:
            raise RuntimeError(f"PRIVATE_DIR ({root}) ne doit pas être dans {directory} (public)")
    return root


def _private_path(relative: str) -> Path | None:
    root = _private_root()
    path = (root / relative).resolve()
    return path if root in path.parents else None


def _remove_private_file(relative: str | None) -> None:
    if not relative:
        return
    path = _private_path(relative)
    if path is not None:
        path.unlink(missing_ok=True)


def _scan_type(data: bytes) -> tuple[str, str] | None:
    for magic, ext, mime in _SCAN_TYPES:
        if data.startswith(magic):
            return ext, mime
    return None


def attach_authorisation_scan(
    session: Session,
    viewer: Viewer | None,
    pupil_user_id: int,
    filename: str,
    data: bytes,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Keep a scan of the signed form (PDF, JPEG or PNG, at most 5 Mo) in private storage,
    replacing the previous one."""
    profile = require(session, viewer, "pupil.manage", _require_id(pupil_user_id))
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ValidationError(
            "Le fichier est vide : choisissez le scan du formulaire signé.", field="file"
        )
    if len(data) > SCAN_MAX_BYTES:
        raise ValidationError(
            f"Le fichier est trop lourd ({len(data) / 1024 / 1024:.1f} Mo) : 5 Mo au plus. "
            "Scannez en noir et blanc ou en résolution plus basse.",
            field="file",
        )
    kind = _scan_type(bytes(data[:16]))
    if kind is None:
        raise ValidationError(
            "Ce fichier n'est pas accepté : envoyez un PDF, une photo JPEG ou une image PNG.",
            field="file",
        )
    ext, _mime = kind
    relative = f"{SCAN_DIR}/{profile.school_id}/{secrets.token_hex(16)}.{ext}"
    path = _private_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(bytes(data))
    try:
        with unit_of_work(session):
            profile = require(session, viewer, "pupil.manage", profile.user_id)
            assert viewer is not None  # require refuses an anonymous viewer
            old_file = profile.authorisation_file
            profile.authorisation_file = relative
            if profile.authorisation_received_on is None:
                profile.authorisation_received_on = paris_today(now)
                profile.authorisation_recorded_by_id = viewer.user_id
    except BaseException:
        _remove_private_file(relative)
        raise
    if old_file != relative:
        _remove_private_file(old_file)


def delete_authorisation_scan(session: Session, viewer: Viewer | None, pupil_user_id: int) -> None:
    """Delete the stored scan (the authorisation itself stays recorded)."""
    with unit_of_work(session):
        profile = require(session, viewer, "pupil.manage", _require_id(pupil_user_id))
        old_file = profile.authorisation_file
        profile.authorisation_file = None
    _remove_private_file(old_file)


def authorisation_scan(
    session: Session, viewer: Viewer | None, pupil_user_id: int
) -> tuple[str, bytes, str]:
    """(download file name, bytes, MIME type) of the pupil's scan, for whoever manages the pupil;
    serve it with ``rx.download(data=..., filename=...)``, never from a public URL."""
    profile = require(session, viewer, "pupil.manage", _require_id(pupil_user_id))
    path = _private_path(profile.authorisation_file) if profile.authorisation_file else None
    if path is None or not path.is_file():
        raise NotFound("Aucun scan du formulaire n'est enregistré pour cet élève.")
    user = session.get(User, profile.user_id)
    assert user is not None  # foreign key
    ext = path.suffix.lstrip(".")
    name = f"autorisation-{slug(user.last_name)}-{slug(user.first_name)}.{ext}"
    return name, path.read_bytes(), _MIME_BY_EXT.get(ext, "application/octet-stream")


# ---------------------------------------------------------------------------------------------
# The printable parental authorisation form
# ---------------------------------------------------------------------------------------------


def _base_url() -> str:
    return str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")


def pupil_signup_link(code: str | None = None) -> str:
    """The pupil sign-up address printed on the form; with ``code``, a link that carries the
    class code (``?code=K7QR2M``, for a QR code or a message to the class)."""
    link = f"{_base_url()}{routes.SIGNUP_STUDENT}"
    return f"{link}?code={quote(code)}" if code else link


def qr_code_data_uri(text: str) -> str:
    """An SVG QR code of ``text`` as a data: URI (for an <img>), e.g. the class sign-up link."""
    import segno  # imported here: only this function needs it

    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)


def authorisation_form_pdf(
    session: Session, viewer: Viewer | None, class_id: int, *, now: dt.datetime | None = None
) -> bytes:
    """The printable parental authorisation form of a class (one A4 page, in French), for
    whoever manages the class's pupils."""
    from fpdf import FPDF  # imported here: only this function needs it

    from stages_app.services.pdf import use_fonts

    klass = require(session, viewer, "class.pupils.manage", _require_id(class_id))
    school = session.get(School, klass.school_id)
    assert school is not None  # foreign key
    year = school_year_label(school_year_of(paris_today(now)))
    link = pupil_signup_link()
    where = (
        link
        if link.startswith("http")
        else f"le site Stages 3e, page « Inscription élève » ({link})"
    )

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(16, 14, 16)
    pdf.set_title(f"Autorisation parentale - Stages 3e - {klass.name}")
    pdf.set_author(school.name)
    pdf.set_creator("Stages 3e")
    family, t = use_fonts(pdf)

    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def heading(text: str) -> None:
        pdf.ln(1.2)
        pdf.set_font(family, "B", 10.5)
        pdf.set_text_color(0, 0, 145)
        pdf.cell(width, 5.5, t(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    def para(text: str, size: float = 9.2) -> None:
        pdf.set_font(family, "", size)
        pdf.multi_cell(width, 4.3, t(text), new_x="LMARGIN", new_y="NEXT")

    # Title block
    pdf.set_font(family, "B", 15)
    pdf.cell(
        width,
        8,
        t("Autorisation parentale d'inscription à Stages 3e"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(family, "", 10)
    place = f" ({school.commune_name})" if school.commune_name else ""
    pdf.multi_cell(
        width,
        5,
        t(f"{school.name}{place} — UAI {school.uai} — classe {klass.name} — année scolaire {year}"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_draw_color(0, 0, 145)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.ln(2.5)

    para(
        "Madame, Monsieur, le collège organise le stage d'observation de 3e de votre enfant avec "
        "Stages 3e, une plateforme publique. Votre enfant ne peut pas l'utiliser sans votre "
        "autorisation : merci de lire ce document, puis de remplir, signer et rendre le coupon "
        "au professeur principal."
    )

    heading("La plateforme")
    para(
        "Des entreprises, administrations et associations y publient des offres de stage "
        "d'observation d'une semaine. Votre enfant y voit les offres des semaines choisies par le "
        "collège, à moins de 60 km du collège (ou dans toute la France si le chef "
        "d'établissement l'a décidé), classées par secteur professionnel avec des liens vers les "
        "fiches métiers de l'ONISEP."
    )

    heading("Ce que votre enfant y fera")
    para(
        "Créer son compte avec son adresse e-mail et un mot de passe ; rédiger un CV en ligne et "
        "une lettre de motivation pour chaque offre ; candidater et recevoir les réponses des "
        "employeurs ; suivre ses candidatures. Il peut réaliser au plus deux stages dans l'année. "
        "Ses professeurs l'accompagnent et suivent ses démarches."
    )

    heading("Les données conservées et qui les voit")
    para(
        "Nom, prénom, adresse e-mail et classe de votre enfant ; son CV, ses lettres de "
        "motivation, ses candidatures et les réponses reçues ; la date de cette autorisation et, "
        "si le collège la numérise, une copie de ce formulaire (conservée dans un espace privé, "
        "jamais publiée). Y ont accès : votre enfant ; l'équipe du collège (chef "
        "d'établissement, professeur principal et professeurs qui suivent la classe, personnels "
        "autorisés par le chef d'établissement) ; un employeur ne voit que le nom, le CV et la "
        "lettre des candidatures qui lui sont adressées. Aucune donnée n'est vendue ni utilisée à "
        "des fins publicitaires."
    )

    heading("Durée de conservation")
    para(RETENTION_SENTENCE)

    heading("Vos droits (RGPD)")
    para(
        "Le responsable de ce traitement est le chef d'établissement du collège. Vous pouvez "
        "accéder aux données de votre enfant, les faire rectifier ou effacer, vous opposer à leur "
        "traitement ou en demander la limitation en vous adressant à lui. Vous pouvez retirer "
        "cette autorisation à tout moment : l'accès de votre enfant sera alors fermé. En cas de "
        "difficulté, vous pouvez saisir la CNIL (www.cnil.fr)."
    )

    # Sign-up box with the class code
    pdf.ln(2.5)
    top = pdf.get_y()
    box_h = 21
    pdf.set_fill_color(236, 240, 255)
    pdf.set_draw_color(0, 0, 145)
    pdf.set_line_width(0.4)
    pdf.rect(pdf.l_margin, top, width, box_h, style="DF")
    pdf.set_xy(pdf.l_margin + 4, top + 2.5)
    pdf.set_font(family, "B", 10)
    pdf.cell(
        width - 8,
        5,
        t("Pour s'inscrire, une fois cette autorisation rendue :"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_font(family, "", 9.2)
    pdf.cell(width - 8, 5, t(f"aller sur {where}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_font(family, "", 10)
    label = t("code de la classe : ")
    pdf.cell(pdf.get_string_width(label) + 1, 8, label)
    pdf.set_font("Courier", "B", 17)  # core font: the code stays plain text in the PDF
    pdf.cell(60, 8, klass.join_code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + box_h + 4)

    # Tear-off coupon
    pdf.set_draw_color(120, 120, 120)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.5, gap=1.5)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    pdf.set_dash_pattern()
    pdf.ln(1)
    pdf.set_font(family, "", 7.5)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(
        width,
        4,
        t("À découper et à rendre au professeur principal"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)
    pdf.set_font(family, "B", 11)
    pdf.multi_cell(
        width,
        6,
        t(f"Autorisation parentale — Stages 3e — {school.name}"),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(family, "", 9.5)

    def dotted(label: str, tail: str = "") -> None:
        """``label`` then dots up to the right margin (``tail`` after the dots)."""
        text, end = t(label), t(tail)
        room = width - pdf.get_string_width(text + end) - 1
        dots = "." * max(8, int(room / pdf.get_string_width(".")))
        pdf.cell(width, 6.4, text + dots + end, new_x="LMARGIN", new_y="NEXT")

    dotted("Je soussigné(e), Madame / Monsieur (nom et prénom) : ")
    dotted("responsable légal(e) de l'élève (nom et prénom) : ")
    pdf.multi_cell(
        width,
        6.4,
        t(
            f"en classe de {klass.name} (code de la classe {klass.join_code}), "
            "autorise mon enfant à s'inscrire sur la plateforme Stages 3e et à l'utiliser "
            "dans les conditions décrites ci-dessus."
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    dotted("Adresse e-mail que mon enfant utilisera (facultatif) : ")
    dotted("Fait à ", ", le ......... / ......... / ...............")
    pdf.ln(2)
    sig_top = pdf.get_y()
    half = (width - 6) / 2
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    for i, caption in enumerate(
        ("Signature du ou des responsables légaux", "Signature de l'élève")
    ):
        x = pdf.l_margin + i * (half + 6)
        pdf.rect(x, sig_top, half, 27)
        pdf.set_xy(x + 2, sig_top + 1.5)
        pdf.set_font(family, "", 8.5)
        pdf.cell(half - 4, 4, t(caption))
    pdf.set_xy(pdf.l_margin, sig_top + 29)
    pdf.set_font(family, "", 7)
    pdf.set_text_color(90, 90, 90)
    pdf.multi_cell(
        width,
        3.4,
        t(
            f"Cadre réservé au collège — formulaire reçu le ...... / ...... / ........  "
            f"Classe {klass.name}. Document édité le {fr_date(paris_today(now))}."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
