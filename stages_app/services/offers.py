"""Employers' offers: the editor's rules, the offer's location, its states and the pupil's card.

Only the employer who owns the organisation (``Organisation.owner_id``), while the organisation is
not suspended, may read or change its offers; any other offer id is simply "introuvable" (no leak).

Every function that changes data validates everything first, then writes and commits once: a
refused change leaves nothing half-saved. The per-week search columns (``OfferWeek.latitude``,
``longitude``, ``searchable``) are kept in sync in the same transaction (:func:`sync_offer_weeks`):
``searchable`` is computed by the UPDATE statement itself from the rows as they are then
(:func:`_searchable_now`), never from rows read earlier.

Concurrency: saving the editor and changing the state run in a *locked* unit of work
(:func:`_unit_of_work`): SQLite's write lock first (``BEGIN IMMEDIATE``, as the applications'
units), PostgreSQL row locks in one order (the offer, its weeks by date, its applications by id),
so that a seat change, an acceptance and a cancellation of the same week never work from each
other's stale rows. The online geocoder is called before the locks.

States: ``draft`` → ``published`` ⇄ ``unpublished``; any of them → ``archived`` (final).
Unpublishing or archiving closes the applications still waiting for an answer (``cancelled_auto``
with the reason, each pupil told); accepted internships go on (:func:`_close_pending`).

Location: the commune comes from the national gazetteer (postal code + commune, accents and case
ignored) and gives the commune centre. An online address geocoder (geopy, Base Adresse Nationale
served by the Géoplateforme) is used only when the ``STAGES_GEOCODER`` setting names one; any
failure of it falls back to the commune centre with :data:`FALLBACK_NOTE`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import math
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from stages_app import settings
from stages_app.models import (
    Application,
    ApplicationStatus,
    Commune,
    Offer,
    OfferStatus,
    OfferWeek,
    Organisation,
    Role,
    Sector,
    User,
    stored_id,
    utcnow,
)
from stages_app.services.access import Viewer
from stages_app.services.calendar import fr_date, school_year_of, week_label
from stages_app.services.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from stages_app.services.geo import haversine_km
from stages_app.services.text import clean_line, clean_text, search_key

__all__ = [
    "FALLBACK_NOTE",
    "GEOCODER_SETTING",
    "MAX_SEATS",
    "STATUS_LABELS",
    "CommuneChoice",
    "Location",
    "OfferCard",
    "OfferInput",
    "OwnOffer",
    "OwnOfferRow",
    "OwnOfferWeek",
    "StatusChange",
    "archive_offer",
    "check_offer",
    "communes_for_postal_code",
    "configured_geocoder",
    "create_offer",
    "distance_label",
    "get_own_offer",
    "is_week_searchable",
    "list_own_offers",
    "offer_search_text",
    "paris_today",
    "preview_card",
    "publish_offer",
    "refresh_search_text",
    "resolve_location",
    "sync_offer_weeks",
    "sync_week",
    "unpublish_offer",
    "update_offer",
]

TITLE_MIN, TITLE_MAX = 5, 150
DESCRIPTION_MIN, DESCRIPTION_MAX = 20, 5000
MIN_SEATS, MAX_SEATS = 1, 50
MAX_WEEKS = 30
EXCERPT_LENGTH = 220

# Name of the setting (environment variable) that turns the online address geocoder on:
# "ban" or "geoplateforme" (both: the Base Adresse Nationale API served by the Géoplateforme).
GEOCODER_SETTING = "STAGES_GEOCODER"
GEOCODER_DOMAIN_SETTING = "STAGES_GEOCODER_DOMAIN"  # default data.geopf.fr/geocodage
GEOCODER_TIMEOUT_SETTING = "STAGES_GEOCODER_TIMEOUT"  # seconds, default 3
DEFAULT_GEOCODER_DOMAIN = "data.geopf.fr/geocodage"
# An address result farther than this from its commune's centre is treated as a wrong match.
GEOCODER_MAX_KM_FROM_COMMUNE = 30.0
FALLBACK_NOTE = "Adresse non localisée précisément : position du centre de la commune."

STATUS_LABELS = {
    OfferStatus.DRAFT.value: "Brouillon",
    OfferStatus.PUBLISHED.value: "Publiée",
    OfferStatus.UNPUBLISHED.value: "Dépubliée",
    OfferStatus.ARCHIVED.value: "Archivée",
}

NOT_FOUND = "Cette offre est introuvable."
_PARIS = ZoneInfo("Europe/Paris")
_POSTAL = re.compile(r"^[0-9]{5}$")
_SPACES = re.compile(r"\s+")
_OPEN_STATUSES = tuple(s.value for s in (ApplicationStatus.SUBMITTED, ApplicationStatus.READ))


def paris_today() -> dt.date:
    """Today's date in metropolitan France (weeks and "past" are judged on it)."""
    return dt.datetime.now(_PARIS).date()


# ---------------------------------------------------------------------------------------------
# View and input dataclasses
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Location:
    """Where an offer takes place. ``precision`` is "address" (online geocoder) or "commune"
    (gazetteer centre); ``note`` is a French sentence to show the employer, or ""."""

    latitude: float
    longitude: float
    commune_insee: str
    commune_name: str
    postal_code: str
    precision: str
    note: str = ""


@dataclasses.dataclass(frozen=True)
class CommuneChoice:
    """One commune for a postal code, for the editor's commune list."""

    insee_code: str
    name: str


@dataclasses.dataclass
class OfferInput:
    """What the employer typed in the offer editor (values may be raw strings from a form).

    ``weeks`` lists ``(monday, seats)`` pairs; a monday may be a ``date`` or "AAAA-MM-JJ", seats an
    int or a string of digits. The commune is given by its INSEE code (chosen in the list) or by
    its name (accents and case ignored).
    """

    title: str = ""
    description: str = ""
    sector_id: int | str | None = None
    street: str = ""
    postal_code: str = ""
    commune_insee: str | None = None
    commune_name: str | None = None
    weeks: list[tuple[dt.date | str, int | str]] = dataclasses.field(default_factory=list)
    tutor_name: str = ""
    tutor_role: str = ""
    practical_info: str = ""
    accessibility: str = ""


def distance_label(km: float | None) -> str:
    """'à 12 km', 'à 3,4 km', 'à moins de 1 km'; '' when unknown."""
    if km is None:
        return ""
    if km < 1:
        return "à moins de 1 km"
    if km < 10:
        tenths = round(km, 1)
        if tenths.is_integer():
            return f"à {int(tenths)} km"
        return f"à {tenths:.1f} km".replace(".", ",")
    return f"à {int(round(km))} km"


@dataclasses.dataclass(frozen=True)
class OfferCard:
    """An offer as pupils see it (search results, detail page, employer's live preview)."""

    id: int | None
    title: str
    employer_name: str
    commune_name: str
    postal_code: str
    sector_id: int | None
    sector_name: str
    sector_url: str  # ONISEP page of the sector ("" when unknown)
    distance_km: float | None  # from the pupil's collège, rounded to 0.1 km; None when unknown
    weeks: list[tuple[dt.date, int]]  # (monday, free seats), only weeks with a free seat
    excerpt: str
    description: str
    tutor_name: str
    tutor_role: str
    practical_info: str
    accessibility: str
    street: str = ""
    published_at: dt.datetime | None = None

    @property
    def distance_text(self) -> str:
        return distance_label(self.distance_km)


@dataclasses.dataclass(frozen=True)
class OwnOfferWeek:
    week_start: dt.date
    seats: int
    accepted_count: int

    @property
    def free(self) -> int:
        return max(0, self.seats - self.accepted_count)


@dataclasses.dataclass(frozen=True)
class OwnOfferRow:
    """One line of the employer's offer list."""

    id: int
    title: str
    status: str
    status_label: str
    commune_name: str
    postal_code: str
    sector_name: str
    weeks: list[OwnOfferWeek]
    seats: int
    accepted: int
    open_applications: int  # submitted or read, waiting for an answer
    updated_at: dt.datetime
    published_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class OwnOffer:
    """One of the employer's offers, ready to fill the editor (``data``) with its live facts."""

    id: int
    status: str
    status_label: str
    data: OfferInput
    weeks: list[OwnOfferWeek]
    latitude: float
    longitude: float
    precision: str  # "address" | "commune"
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None

    @property
    def can_edit(self) -> bool:
        return self.status != OfferStatus.ARCHIVED.value

    @property
    def can_publish(self) -> bool:
        return self.status in (OfferStatus.DRAFT.value, OfferStatus.UNPUBLISHED.value)

    @property
    def can_unpublish(self) -> bool:
        return self.status == OfferStatus.PUBLISHED.value

    @property
    def can_archive(self) -> bool:
        return self.status != OfferStatus.ARCHIVED.value


# ---------------------------------------------------------------------------------------------
# Location: gazetteer, optional online geocoder
# ---------------------------------------------------------------------------------------------


def _postal_code(raw: str | None) -> str:
    value = _SPACES.sub("", raw or "")
    if not _POSTAL.match(value):
        raise ValidationError(
            "Le code postal doit comporter 5 chiffres (ex. : 93000).", field="postal_code"
        )
    return value


def _codes(commune: Commune) -> list[str]:
    return [c for c in (commune.postal_codes or "").split(";") if c]


def _communes_with_postal_code(session: Session, postal_code: str) -> list[Commune]:
    rows = (
        session.execute(
            select(Commune)
            .where(col(Commune.postal_codes).contains(postal_code))
            .order_by(col(Commune.population).desc(), col(Commune.insee_code))
        )
        .scalars()
        .all()
    )
    return [c for c in rows if postal_code in _codes(c)]


def communes_for_postal_code(session: Session, postal_code: str | None) -> list[CommuneChoice]:
    """The communes served by a postal code (empty list for a malformed or unknown code).

    Paris, Lyon and Marseille are offered as their arrondissement for that code."""
    try:
        code = _postal_code(postal_code)
    except ValidationError:
        return []
    communes = _communes_with_postal_code(session, code)
    arms = {c.parent_insee_code for c in communes if c.kind == "ARM"}
    return [
        CommuneChoice(c.insee_code, c.full_name or c.name)
        for c in communes
        if not (c.kind == "COM" and c.insee_code in arms)
    ]


_SAINT = re.compile(r"\b(st|ste)\b")


def _name_key(value: str) -> str:
    key = search_key(value)
    return _SAINT.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", key)


def _name_matches(commune: Commune, key: str) -> bool:
    keys = {_name_key(commune.name), _name_key(commune.full_name or ""), commune.search_name}
    return key in keys


def _arrondissement(session: Session, commune: Commune, postal_code: str) -> Commune:
    """For Paris, Lyon and Marseille, the arrondissement holding the postal code (its centre is
    far more precise than the city's)."""
    if commune.kind != "COM":
        return commune
    arms: Sequence[Commune] = (
        session.execute(
            select(Commune)
            .where(
                col(Commune.parent_insee_code) == commune.insee_code,
                col(Commune.kind) == "ARM",
                col(Commune.postal_codes).contains(postal_code),
            )
            .order_by(col(Commune.insee_code))
        )
        .scalars()
        .all()
    )
    for arm in arms:
        if postal_code in _codes(arm) and arm.latitude is not None:
            return arm
    return commune


def _find_commune(
    session: Session, postal_code: str, commune_insee: str | None, commune_name: str | None
) -> Commune:
    insee = _SPACES.sub("", clean_line(commune_insee)).upper()
    name = clean_line(commune_name)
    if insee:
        commune: Commune | None = None
        if len(insee) == 5:
            commune = session.execute(
                select(Commune).where(col(Commune.insee_code) == insee)
            ).scalar_one_or_none()
        if commune is None:
            raise ValidationError(
                "Cette commune est introuvable dans la liste des communes françaises. "
                "Choisissez-la dans la liste proposée pour votre code postal.",
                field="commune",
            )
        if postal_code not in _codes(commune):
            raise ValidationError(
                f"Le code postal {postal_code} ne correspond pas à la commune "
                f"{commune.full_name or commune.name}. Vérifiez le code postal ou choisissez "
                "la commune dans la liste.",
                field="postal_code",
            )
        return _arrondissement(session, commune, postal_code)
    if not name:
        raise ValidationError("Indiquez la commune de l'adresse du stage.", field="commune")
    key = _name_key(name)
    if not key or len(name) > 150:
        raise ValidationError(f"La commune « {name[:60]} » est introuvable.", field="commune")
    by_code = _communes_with_postal_code(session, postal_code)
    for commune in by_code:
        if _name_matches(commune, key):
            return _arrondissement(session, commune, postal_code)
    elsewhere = (
        session.execute(
            select(Commune)
            .where(or_(col(Commune.search_name) == key, col(Commune.search_name).contains(key)))
            .limit(50)
        )
        .scalars()
        .all()
    )
    if any(_name_matches(c, key) for c in elsewhere):
        raise ValidationError(
            f"Le code postal {postal_code} ne correspond pas à la commune {name}. "
            "Vérifiez le code postal ou choisissez la commune dans la liste.",
            field="postal_code",
        )
    if not by_code:
        raise ValidationError(
            f"Le code postal {postal_code} ne correspond à aucune commune française.",
            field="postal_code",
        )
    raise ValidationError(
        f"La commune « {name} » est introuvable. Vérifiez son orthographe ou choisissez-la "
        f"dans la liste des communes du code postal {postal_code}.",
        field="commune",
    )


class _UseSettings:
    """Default marker: use the geocoder named by the settings (none unless configured)."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "USE_SETTINGS"


USE_SETTINGS = _UseSettings()


class Geocoder(Protocol):
    """geopy style: ``geocode`` returns an object with ``latitude``/``longitude``, or None."""

    def geocode(self, query: str, *, exactly_one: bool) -> Any: ...  # a geopy Location


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name.removeprefix("STAGES_"), None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value or "").strip()


@functools.lru_cache(maxsize=4)
def _make_geocoder(kind: str, domain: str, timeout: float) -> Geocoder:
    from geopy.geocoders import BANFrance

    geocoder: Geocoder = BANFrance(domain=domain, timeout=timeout, user_agent="stages3e")
    return geocoder


def configured_geocoder() -> Geocoder | None:
    """The online address geocoder named by ``STAGES_GEOCODER`` ("ban" / "geoplateforme"), or
    None (the default: the offline gazetteer alone)."""
    kind = _setting(GEOCODER_SETTING).lower()
    if kind not in ("ban", "geoplateforme", "géoplateforme"):
        return None
    domain = _setting(GEOCODER_DOMAIN_SETTING, DEFAULT_GEOCODER_DOMAIN) or DEFAULT_GEOCODER_DOMAIN
    try:
        timeout = float(_setting(GEOCODER_TIMEOUT_SETTING, "3") or 3)
    except ValueError:
        timeout = 3.0
    return _make_geocoder("ban", domain, max(0.5, min(timeout, 10.0)))


def _geocode(
    geocoder: Geocoder, commune: Commune, street: str, postal_code: str, commune_name: str
) -> tuple[float, float] | None:
    """(latitude, longitude) of the street address, or None when the geocoder fails, times out
    or answers something implausible (another commune, far from the commune's centre)."""
    try:
        found = geocoder.geocode(f"{street}, {postal_code} {commune_name}", exactly_one=True)
    except Exception:  # network, timeout, quota, parse error: all mean "not located"
        return None
    if found is None:
        return None
    try:
        lat, lon = float(found.latitude), float(found.longitude)
    except (AttributeError, TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    raw = getattr(found, "raw", None)
    props = raw.get("properties", {}) if isinstance(raw, dict) else {}
    if isinstance(props, dict):
        if props.get("type") == "municipality":  # only the commune was found
            return None
        citycode = str(props.get("citycode") or "")
        allowed = {commune.insee_code, commune.parent_insee_code}
        if citycode and citycode not in allowed:
            return None
    if (
        commune.latitude is not None
        and commune.longitude is not None
        and haversine_km(commune.latitude, commune.longitude, lat, lon)
        > GEOCODER_MAX_KM_FROM_COMMUNE
    ):
        return None
    return lat, lon


def resolve_location(
    session: Session,
    *,
    street: str,
    postal_code: str,
    commune_insee: str | None = None,
    commune_name: str | None = None,
    geocoder: Geocoder | _UseSettings | None = USE_SETTINGS,
) -> Location:
    """Locate an address: the commune from the gazetteer (ValidationError when the postal code and
    the commune do not match or the commune is unknown), then, when a geocoder is configured (or
    given), the street address; a geocoder failure falls back to the commune centre with a note.

    ``geocoder``: any object with ``geocode(query, exactly_one=True)`` returning an object with
    ``latitude``/``longitude`` (geopy style) or None; ``None`` disables it."""
    code = _postal_code(postal_code)
    commune = _find_commune(session, code, commune_insee, commune_name)
    if commune.latitude is None or commune.longitude is None:
        raise ValidationError(
            f"La position de la commune {commune.full_name or commune.name} est inconnue : "
            "choisissez une commune voisine ou contactez l'équipe de la plateforme.",
            field="commune",
        )
    name = (commune.full_name or commune.name)[:120]
    if isinstance(geocoder, _UseSettings):
        geocoder = configured_geocoder()
    street = clean_line(street)
    if geocoder is not None and street:
        point = _geocode(geocoder, commune, street, code, name)
        if point is not None:
            return Location(point[0], point[1], commune.insee_code, name, code, "address")
        return Location(
            commune.latitude,
            commune.longitude,
            commune.insee_code,
            name,
            code,
            "commune",
            FALLBACK_NOTE,
        )
    return Location(commune.latitude, commune.longitude, commune.insee_code, name, code, "commune")


# ---------------------------------------------------------------------------------------------
# Search columns kept in sync
# ---------------------------------------------------------------------------------------------


def offer_search_text(title: str, description: str, employer_name: str) -> str:
    """The normalised text the keyword filter searches (accents, case, punctuation removed)."""
    return search_key(f"{title} {employer_name} {description}")[:5600]


def is_week_searchable(
    offer_status: str,
    seats: int,
    accepted_count: int,
    *,
    withdrawn: bool = False,
    suspended: bool = False,
) -> bool:
    """R2/R6: a week shows in the pupils' search when its offer is published, its organisation
    not suspended, the week still offered and at least one seat free."""
    return (
        offer_status == OfferStatus.PUBLISHED.value
        and not suspended
        and not withdrawn
        and accepted_count < seats
    )


def _searchable_now() -> ColumnElement[bool]:
    """:func:`is_week_searchable` in SQL, on the row being written: the offer's status and its
    organisation's suspension, the week's withdrawal, seats and counter are read by the
    statement itself, never from rows loaded earlier (which a concurrent acceptance or
    cancellation may have changed since)."""
    visible = (
        select(col(Offer.id))
        .join(Organisation, col(Organisation.id) == col(Offer.organisation_id))
        .where(
            col(Offer.id) == col(OfferWeek.offer_id),
            col(Offer.status) == OfferStatus.PUBLISHED.value,
            col(Organisation.suspended_at).is_(None),
        )
        .exists()
    )
    return and_(
        visible,
        col(OfferWeek.withdrawn_at).is_(None),
        col(OfferWeek.accepted_count) < col(OfferWeek.seats),
    )


def _sync_weeks(
    session: Session, where: ColumnElement[bool], values: dict[str, object], offer_id: int
) -> None:
    session.flush()  # the statement must see the unit's own changes (seats, status, counter)
    session.execute(
        update(OfferWeek)
        .where(where)
        .values(searchable=_searchable_now(), **values)
        .execution_options(synchronize_session=False)
    )
    # Weeks already loaded in this session are re-read when next used (never guessed in Python).
    for obj in list(session.identity_map.values()):
        if isinstance(obj, OfferWeek) and obj.offer_id == offer_id:
            session.expire(obj, ["searchable", "latitude", "longitude"])


def sync_offer_weeks(session: Session, offer: Offer) -> None:
    """Copy the offer's position to every week of ``offer`` and recompute ``searchable`` (R2/R6)
    in one UPDATE, from the rows as they are when it runs (no commit: call it inside the
    transaction that changed the offer, a week or its counters). Pending changes are flushed
    first."""
    _sync_weeks(
        session,
        col(OfferWeek.offer_id) == _row_id(offer),
        {"latitude": offer.latitude, "longitude": offer.longitude},
        _row_id(offer),
    )


def sync_week(session: Session, week: OfferWeek) -> None:
    """Recompute ``searchable`` of one week in SQL (see :func:`sync_offer_weeks`), for the
    writers of its seat counter: accepting or cancelling locks that week only, and must not
    touch (lock) the offer's other weeks."""
    _sync_weeks(session, col(OfferWeek.id) == _row_id(week), {}, week.offer_id)


def refresh_search_text(session: Session, organisation_id: int) -> None:
    """After an organisation is renamed or (un)suspended: refresh the keyword text and the
    search flags of all its offers (no commit)."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        return
    offers = (
        session.execute(select(Offer).where(col(Offer.organisation_id) == organisation_id))
        .scalars()
        .all()
    )
    for offer in offers:
        offer.search_text = offer_search_text(offer.title, offer.description, org.name)
        session.add(offer)
        sync_offer_weeks(session, offer)


# ---------------------------------------------------------------------------------------------
# Rights
# ---------------------------------------------------------------------------------------------


def _employer_organisation(session: Session, viewer: Viewer) -> Organisation:
    if viewer is None or viewer.role != Role.EMPLOYER.value:
        raise PermissionDenied()
    org: Organisation | None = session.execute(
        select(Organisation).where(col(Organisation.owner_id) == viewer.user_id)
    ).scalar_one_or_none()
    if org is None:
        raise PermissionDenied("Votre compte employeur n'est rattaché à aucune structure.")
    if org.suspended_at is not None:
        raise PermissionDenied(
            "Votre structure a été suspendue par l'équipe de la plateforme : ses offres ne sont "
            "plus visibles et ne peuvent plus être modifiées. "
            "Contactez l'équipe pour en savoir plus."
        )
    return org


def _row_id(row: Offer | OfferWeek | Organisation | Sector) -> int:
    """The primary key of a row read from (or flushed to) the database: never None there."""
    assert row.id is not None
    return row.id


def _int_id(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < 2**63 else None
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        value = int(raw.strip())
        return value if 0 < value < 2**63 else None
    return None


def _own_offer(
    session: Session, org: Organisation, offer_id: object, *, lock: bool = False
) -> Offer:
    """One of ``org``'s offers. ``lock``: re-read from the database and locked (inside a locked
    unit of work, :func:`_unit_of_work`) with PostgreSQL ``FOR NO KEY UPDATE``: the editor never
    changes the offer's key, and a plain ``FOR UPDATE`` would block the foreign-key checks
    (``FOR KEY SHARE``) of an acceptance that already holds one of the offer's weeks while the
    editor waits for that week: a deadlock."""
    oid = _int_id(offer_id)
    offer: Offer | None = None
    if oid is not None:
        stmt = select(Offer).where(col(Offer.id) == oid, col(Offer.organisation_id) == org.id)
        if lock:
            stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
        offer = session.execute(stmt).scalar_one_or_none()
    if offer is None:
        raise NotFound(NOT_FOUND)
    return offer


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Clean:
    title: str = ""
    description: str = ""
    sector: Sector | None = None
    street: str = ""
    location: Location | None = None
    weeks: dict[dt.date, int] = dataclasses.field(default_factory=dict)
    tutor_name: str = ""
    tutor_role: str = ""
    practical_info: str = ""
    accessibility: str = ""


def _check_title(raw: object) -> str:
    value = clean_line(raw if isinstance(raw, str) else "")
    if len(value) < TITLE_MIN:
        raise ValidationError(
            f"Donnez un titre à l'offre ({TITLE_MIN} caractères au moins), par exemple "
            "« Découverte du métier de boulanger ».",
            field="title",
        )
    if len(value) > TITLE_MAX:
        raise ValidationError(
            f"Le titre est trop long ({len(value)} caractères, {TITLE_MAX} au plus).",
            field="title",
        )
    if "<" in value or ">" in value:
        raise ValidationError(
            "Le titre ne peut pas contenir de balises HTML ni les caractères < et >.",
            field="title",
        )
    return value


def _check_description(raw: object) -> str:
    value = clean_text(raw if isinstance(raw, str) else "")
    if len(value) < DESCRIPTION_MIN:
        raise ValidationError(
            f"Décrivez le stage en quelques phrases ({DESCRIPTION_MIN} caractères au moins) : "
            "ce que l'élève va observer, avec qui, dans quel cadre.",
            field="description",
        )
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            f"La description est trop longue ({len(value)} caractères, {DESCRIPTION_MAX} au plus).",
            field="description",
        )
    return value


def _check_sector(session: Session, raw: object) -> Sector:
    sector_id = _int_id(raw)
    sector = session.get(Sector, sector_id) if sector_id is not None else None
    if sector is None or not sector.active:
        raise ValidationError(
            "Choisissez le secteur d'activité de l'offre dans la liste des secteurs ONISEP.",
            field="sector_id",
        )
    return sector


def _check_street(raw: object) -> str:
    value = clean_line(raw if isinstance(raw, str) else "")
    if len(value) < 3:
        raise ValidationError(
            "Indiquez l'adresse du lieu de stage (numéro et rue).", field="street"
        )
    if len(value) > 200:
        raise ValidationError("L'adresse est trop longue (200 caractères au plus).", field="street")
    return value


def _check_optional(
    raw: object, *, field: str, label: str, limit: int, multiline: bool, minimum: int = 0
) -> str:
    value = raw if isinstance(raw, str) else ""
    value = clean_text(value) if multiline else clean_line(value)
    if minimum and len(value) < minimum:
        raise ValidationError(f"Indiquez {label}.", field=field)
    if len(value) > limit:
        raise ValidationError(
            f"Le champ « {label} » est trop long ({len(value)} caractères, {limit} au plus).",
            field=field,
        )
    return value


def _week_date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip()[:10])
        except ValueError:
            pass
    raise ValidationError(
        "Une des semaines choisies n'est pas une date valide. Choisissez les semaines dans la "
        "liste.",
        field="weeks",
    )


def _seats(raw: object, monday: dt.date) -> int:
    value: int | None = None
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif (
        isinstance(raw, str)
        and raw.strip().lstrip("-").isascii()
        and raw.strip().lstrip("-").isdigit()
    ):
        value = int(raw.strip())
    if value is None:
        raise ValidationError(
            f"Le nombre de places de la semaine du {fr_date(monday)} doit être un nombre entier "
            f"(de {MIN_SEATS} à {MAX_SEATS}).",
            field="weeks",
        )
    if value < MIN_SEATS:
        raise ValidationError(
            f"Proposez au moins {MIN_SEATS} place pour la semaine du {fr_date(monday)} "
            "(ou retirez cette semaine).",
            field="weeks",
        )
    if value > MAX_SEATS:
        raise ValidationError(
            f"Une offre propose {MAX_SEATS} places au plus par semaine (semaine du "
            f"{fr_date(monday)}).",
            field="weeks",
        )
    return value


def _check_weeks(
    raw: Iterable[tuple[dt.date | str, int | str]] | None,
    today: dt.date,
    existing: dict[dt.date, OfferWeek] | None = None,
) -> dict[dt.date, int]:
    """{monday: seats}. Existing, still offered weeks that are already past may be kept as
    they are; a new week must be a Monday from today on, in this school year or the next."""
    existing = existing or {}
    items = list(raw or []) if not isinstance(raw, (str, bytes, dict)) else []
    if not items:
        raise ValidationError(
            "Choisissez au moins une semaine de stage et son nombre de places.", field="weeks"
        )
    if len(items) > MAX_WEEKS:
        raise ValidationError(
            f"{MAX_WEEKS} semaines au plus par offre : créez une autre offre au besoin.",
            field="weeks",
        )
    last_day = dt.date(school_year_of(today) + 2, 8, 31)
    weeks: dict[dt.date, int] = {}
    for item in items:
        try:
            raw_date, raw_seats = item
        except (TypeError, ValueError):
            raise ValidationError(
                "Chaque semaine doit être donnée avec son nombre de places.", field="weeks"
            ) from None
        monday = _week_date(raw_date)
        if monday.weekday() != 0:
            raise ValidationError(
                f"Le {fr_date(monday)} n'est pas un lundi : "
                "une semaine de stage commence le lundi.",
                field="weeks",
            )
        if monday in weeks:
            raise ValidationError(
                f"La semaine du {fr_date(monday)} est choisie deux fois.", field="weeks"
            )
        seats = _seats(raw_seats, monday)
        current = existing.get(monday)
        kept = current is not None and current.withdrawn_at is None
        if monday < today:
            if not kept:
                raise ValidationError(
                    f"La semaine du {fr_date(monday)} est déjà passée : choisissez une semaine "
                    "à venir.",
                    field="weeks",
                )
            assert current is not None  # implied by kept
            if seats != current.seats:
                raise ValidationError(
                    f"La semaine du {fr_date(monday)} est passée : ses places ne peuvent plus "
                    "être modifiées.",
                    field="weeks",
                )
        if monday > last_day and not kept:
            raise ValidationError(
                f"La semaine du {fr_date(monday)} est trop lointaine : proposez des semaines de "
                "cette année scolaire ou de la suivante.",
                field="weeks",
            )
        weeks[monday] = seats
    return weeks


_FIELD_ORDER = (
    "title",
    "description",
    "sector_id",
    "street",
    "location",
    "weeks",
    "tutor_name",
    "tutor_role",
    "practical_info",
    "accessibility",
)


def _validate(
    session: Session,
    data: OfferInput,
    *,
    today: dt.date,
    existing_weeks: dict[dt.date, OfferWeek] | None = None,
    geocoder: Geocoder | _UseSettings | None = USE_SETTINGS,
    collect: bool = False,
    locate: bool = True,
) -> tuple[_Clean, dict[str, str]]:
    """Clean every field. Raises the first error in form order, or with ``collect`` returns
    ``{field: message}`` for all of them."""
    clean = _Clean()
    errors: dict[str, str] = {}

    def run(name: str, check: Callable[[], None]) -> None:
        try:
            check()
        except ValidationError as exc:
            if not collect:
                raise
            errors.setdefault(exc.field or name, exc.message)

    def set_location() -> None:
        if locate:
            clean.location = resolve_location(
                session,
                street=clean.street or "",
                postal_code=data.postal_code,
                commune_insee=data.commune_insee,
                commune_name=data.commune_name,
                geocoder=geocoder,
            )

    checks = {
        "title": lambda: setattr(clean, "title", _check_title(data.title)),
        "description": lambda: setattr(clean, "description", _check_description(data.description)),
        "sector_id": lambda: setattr(clean, "sector", _check_sector(session, data.sector_id)),
        "street": lambda: setattr(clean, "street", _check_street(data.street)),
        "location": set_location,
        "weeks": lambda: setattr(clean, "weeks", _check_weeks(data.weeks, today, existing_weeks)),
        "tutor_name": lambda: setattr(
            clean,
            "tutor_name",
            _check_optional(
                data.tutor_name,
                field="tutor_name",
                label="le nom du tuteur ou de la tutrice",
                limit=120,
                multiline=False,
                minimum=2,
            ),
        ),
        "tutor_role": lambda: setattr(
            clean,
            "tutor_role",
            _check_optional(
                data.tutor_role,
                field="tutor_role",
                label="fonction du tuteur",
                limit=120,
                multiline=False,
            ),
        ),
        "practical_info": lambda: setattr(
            clean,
            "practical_info",
            _check_optional(
                data.practical_info,
                field="practical_info",
                label="informations pratiques",
                limit=2000,
                multiline=True,
            ),
        ),
        "accessibility": lambda: setattr(
            clean,
            "accessibility",
            _check_optional(
                data.accessibility,
                field="accessibility",
                label="accessibilité",
                limit=1000,
                multiline=True,
            ),
        ),
    }
    for name in _FIELD_ORDER:
        run(name, checks[name])
    return clean, errors


def check_offer(
    session: Session,
    viewer: Viewer,
    data: OfferInput,
    *,
    offer_id: object = None,
    today: dt.date | None = None,
) -> dict[str, str]:
    """Live form feedback: ``{field: French message}`` for every invalid field (empty when the
    offer can be saved). No write, no online geocoding."""
    org = _employer_organisation(session, viewer)
    existing = None
    if offer_id is not None:
        existing = _weeks_by_monday(session, _row_id(_own_offer(session, org, offer_id)))
    _, errors = _validate(
        session,
        data,
        today=today or paris_today(),
        existing_weeks=existing,
        geocoder=None,
        collect=True,
    )
    return errors


# ---------------------------------------------------------------------------------------------
# Unit of work
# ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _unit_of_work(session: Session, *, locked: bool = False) -> Iterator[None]:
    """Validate, write and commit as one; roll everything back on any error.

    ``locked`` (every change that depends on rows others may change at the same time: seats,
    counters, statuses): on SQLite the unit starts with ``BEGIN IMMEDIATE``, the database write
    lock, so that nothing read inside it can change before it commits (without it the pysqlite
    driver begins nothing before the first write, and the row locks below mean nothing there).
    On PostgreSQL the body takes row locks, always in this order: the offer, its weeks by date,
    then its applications by id (``applications`` locks one week, then the pupil, then
    applications: nothing is ever waited for in the other order)."""
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
        raise Conflict(
            "L'offre a été modifiée entre-temps (par exemple une candidature vient d'être "
            "acceptée) : rien n'a été enregistré. Rechargez la page et réessayez."
        ) from exc
    except OperationalError as exc:  # lock timeout, deadlock, busy database
        session.rollback()
        raise Conflict(
            "La base de données est momentanément occupée : rien n'a été enregistré. "
            "Réessayez dans un instant."
        ) from exc
    except BaseException:
        session.rollback()
        raise


def _begin_immediate(session: Session) -> None:
    """SQLite's write lock before the unit's first read: the one of the applications' units.

    Imported here, not at the top: ``applications`` imports this module, so a module-level
    import would be a cycle (see :func:`_close_pending`, which reuses its transition helper)."""
    from stages_app.services import applications

    applications._begin_immediate(session)


def _weeks_by_monday(
    session: Session, offer_id: int, *, lock: bool = False, key_share: bool = False
) -> dict[dt.date, OfferWeek]:
    """The offer's weeks by Monday. ``lock``: PostgreSQL ``FOR UPDATE`` (``FOR NO KEY UPDATE``
    with ``key_share``: new applications may still reference them), in date order, re-read
    from the database."""
    stmt = (
        select(OfferWeek)
        .where(col(OfferWeek.offer_id) == offer_id)
        .order_by(col(OfferWeek.week_start))
    )
    if lock:
        stmt = stmt.with_for_update(key_share=key_share).execution_options(populate_existing=True)
    return {w.week_start: w for w in session.execute(stmt).scalars().all()}


def _apply_fields(offer: Offer, clean: _Clean, org: Organisation) -> None:
    loc = clean.location
    # _validate (without collect) has set every field, or raised
    assert clean.sector is not None and loc is not None
    offer.title = clean.title
    offer.description = clean.description
    offer.sector_id = _row_id(clean.sector)
    offer.street = clean.street
    offer.postal_code = loc.postal_code
    offer.commune_insee = loc.commune_insee
    offer.commune_name = loc.commune_name
    offer.latitude = loc.latitude
    offer.longitude = loc.longitude
    offer.geocode_precision = loc.precision
    offer.tutor_name = clean.tutor_name
    offer.tutor_role = clean.tutor_role
    offer.practical_info = clean.practical_info
    offer.accessibility = clean.accessibility
    offer.search_text = offer_search_text(clean.title, clean.description, org.name)


# ---------------------------------------------------------------------------------------------
# Editor
# ---------------------------------------------------------------------------------------------


def create_offer(
    session: Session,
    viewer: Viewer,
    data: OfferInput,
    *,
    geocoder: Geocoder | _UseSettings | None = USE_SETTINGS,
    today: dt.date | None = None,
) -> Offer:
    """A new offer, as a draft (not visible to pupils until :func:`publish_offer`)."""
    with _unit_of_work(session):
        org = _employer_organisation(session, viewer)
        clean, _ = _validate(session, data, today=today or paris_today(), geocoder=geocoder)
        assert clean.sector is not None  # _validate (without collect) has set it, or raised
        now = utcnow()
        offer = Offer(
            organisation_id=_row_id(org),
            title="",
            description="",
            sector_id=_row_id(clean.sector),
            postal_code="",
            commune_insee="",
            commune_name="",
            latitude=0.0,
            longitude=0.0,
            status=OfferStatus.DRAFT.value,
            created_at=now,
            updated_at=now,
        )
        _apply_fields(offer, clean, org)
        session.add(offer)
        session.flush()
        for monday, seats in sorted(clean.weeks.items()):
            session.add(
                OfferWeek(
                    offer_id=_row_id(offer),
                    week_start=monday,
                    seats=seats,
                    accepted_count=0,
                    latitude=offer.latitude,
                    longitude=offer.longitude,
                    searchable=False,
                )
            )
        session.flush()
        sync_offer_weeks(session, offer)
    session.refresh(offer)
    return offer


def _application_counts(session: Session, week_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{offer_week_id: (applications of any status, open applications)}."""
    if not week_ids:
        return {}
    open_count = func.sum(case((col(Application.status).in_(_OPEN_STATUSES), 1), else_=0))
    rows = session.execute(
        select(col(Application.offer_week_id), func.count(), open_count)
        .where(col(Application.offer_week_id).in_(list(week_ids)))
        .group_by(col(Application.offer_week_id))
    ).all()
    return {wid: (int(total), int(opened or 0)) for wid, total, opened in rows}


def _check_editable(offer: Offer) -> None:
    if offer.status == OfferStatus.ARCHIVED.value:
        raise ValidationError(
            "Cette offre est archivée : elle ne peut plus être modifiée. Créez une nouvelle "
            "offre si besoin."
        )


def _same_address(offer: Offer, data: OfferInput) -> bool:
    return (
        clean_line(data.street) == offer.street
        and _SPACES.sub("", data.postal_code or "") == offer.postal_code
        and (data.commune_insee or "") in ("", offer.commune_insee)
    )


def _locate_edit(
    session: Session,
    viewer: Viewer,
    offer_id: object,
    data: OfferInput,
    *,
    geocoder: Geocoder | _UseSettings | None,
    today: dt.date,
) -> Location:
    """:func:`update_offer`'s first pass, without any lock: every check in form order (the
    first error is raised as it always was) and the location. The online geocoder is asked
    again only when the address changed."""
    try:
        org = _employer_organisation(session, viewer)
        offer = _own_offer(session, org, offer_id)
        _check_editable(offer)
        keep = _same_address(offer, data) and offer.geocode_precision == "address"
        clean, _ = _validate(
            session,
            data,
            today=today,
            existing_weeks=_weeks_by_monday(session, _row_id(offer)),
            geocoder=None if keep else geocoder,
        )
    except BaseException:
        session.rollback()
        raise
    assert clean.location is not None  # _validate (without collect) has set it, or raised
    return clean.location


def _kept_position(offer: Offer, data: OfferInput, location: Location) -> Location:
    """The address did not change and was located precisely: keep its position (the first pass
    did not geocode it again). Judged on the locked offer: if another save changed the address
    in between, the commune centre found by the first pass is used."""
    if (
        _same_address(offer, data)
        and offer.geocode_precision == "address"
        and location.commune_insee == offer.commune_insee
    ):
        return dataclasses.replace(
            location,
            latitude=offer.latitude,
            longitude=offer.longitude,
            precision="address",
            note="",
        )
    return location


def update_offer(
    session: Session,
    viewer: Viewer,
    offer_id: object,
    data: OfferInput,
    *,
    geocoder: Geocoder | _UseSettings | None = USE_SETTINGS,
    today: dt.date | None = None,
) -> Offer:
    """Save the editor. The status does not change (a published offer stays published).

    Seats never go below a week's accepted pupils; a week with accepted pupils or with
    applications waiting for an answer cannot be removed; a removed week that has an
    application history is kept as withdrawn (never shown again).

    Everything is checked once, in form order, before any lock, the online geocoder included (a
    network call must never hold the database write lock or the offer's rows); then, in the
    locked unit, everything is checked again on the rows as they are (a pupil may have been
    accepted or have cancelled meanwhile) and written."""
    today = today or paris_today()
    location = _locate_edit(session, viewer, offer_id, data, geocoder=geocoder, today=today)
    with _unit_of_work(session, locked=True):
        org = _employer_organisation(session, viewer)
        offer = _own_offer(session, org, offer_id, lock=True)  # 1. the offer
        _check_editable(offer)
        existing = _weeks_by_monday(session, _row_id(offer), lock=True)  # 2. its weeks
        clean, _ = _validate(session, data, today=today, existing_weeks=existing, locate=False)
        clean.location = _kept_position(offer, data, location)
        removed = [
            w
            for monday, w in existing.items()
            if monday not in clean.weeks and w.withdrawn_at is None
        ]
        counts = _application_counts(session, [_row_id(w) for w in removed])
        for monday, seats in sorted(clean.weeks.items()):
            week = existing.get(monday)
            if week is not None and seats < week.accepted_count:
                raise ValidationError(
                    f"La semaine du {fr_date(monday)} compte déjà {week.accepted_count} élève(s) "
                    f"accepté(s) : ses places ne peuvent pas descendre en dessous de "
                    f"{week.accepted_count}.",
                    field="weeks",
                )
        for week in removed:
            if week.accepted_count > 0:
                raise ValidationError(
                    f"La semaine du {fr_date(week.week_start)} ne peut pas être retirée : "
                    f"{week.accepted_count} élève(s) y sont déjà accepté(s). Annulez d'abord "
                    "leur stage si nécessaire.",
                    field="weeks",
                )
            if counts.get(_row_id(week), (0, 0))[1] > 0:
                raise ValidationError(
                    f"La semaine du {fr_date(week.week_start)} ne peut pas être retirée : des "
                    "candidatures attendent votre réponse. Répondez-y d'abord.",
                    field="weeks",
                )
        # Everything is valid: write.
        now = utcnow()
        _apply_fields(offer, clean, org)
        offer.updated_at = now
        session.add(offer)
        for week in removed:
            if counts.get(_row_id(week), (0, 0))[0] > 0:
                week.withdrawn_at = now
                session.add(week)
            else:
                session.delete(week)
        for monday, seats in sorted(clean.weeks.items()):
            week = existing.get(monday)
            if week is None:
                session.add(
                    OfferWeek(
                        offer_id=_row_id(offer),
                        week_start=monday,
                        seats=seats,
                        accepted_count=0,
                        latitude=offer.latitude,
                        longitude=offer.longitude,
                        searchable=False,
                    )
                )
            else:
                week.seats = seats
                week.withdrawn_at = None
                session.add(week)
        session.flush()
        sync_offer_weeks(session, offer)
    session.refresh(offer)
    return offer


@dataclasses.dataclass(frozen=True)
class StatusChange:
    """What unpublishing or archiving did: the offer, how many applications waiting for an
    answer were closed (their pupils told), how many accepted internships still to come are
    kept, and the confirmation to show the employer (French)."""

    offer: Offer
    closed: int
    kept: int
    message: str


_STATUS_DONE = {
    OfferStatus.PUBLISHED: "Offre publiée : les élèves peuvent la voir.",
    OfferStatus.UNPUBLISHED: "Offre dépubliée : elle n'apparaît plus dans la recherche.",
    OfferStatus.ARCHIVED: "Offre archivée.",
}
# Why the applications waiting for an answer were closed (the history, read by both sides).
_CLOSED_REASONS = {
    OfferStatus.UNPUBLISHED: (
        "Candidature close automatiquement : l'employeur a retiré l'offre de la recherche "
        "(offre dépubliée) avant d'y répondre."
    ),
    OfferStatus.ARCHIVED: (
        "Candidature close automatiquement : l'employeur a archivé l'offre (elle n'est plus "
        "proposée) avant d'y répondre."
    ),
}


def _status_message(target: OfferStatus, closed: int, kept: int) -> str:
    parts = [_STATUS_DONE[target]]
    if closed == 1:
        parts.append("1 candidature en attente de réponse a été close ; l'élève est prévenu(e).")
    elif closed:
        parts.append(
            f"{closed} candidatures en attente de réponse ont été closes ; les élèves sont "
            "prévenus."
        )
    if kept == 1:
        parts.append("Le stage déjà accepté est maintenu : l'élève est toujours attendu(e).")
    elif kept:
        parts.append(
            f"Les {kept} stages déjà acceptés sont maintenus : les élèves sont toujours attendus."
        )
    return " ".join(parts)


def _lock_waiting(session: Session, offer: Offer) -> list[Application]:
    """The offer's applications waiting for an answer (submitted, read), locked.

    Drafts are locked too (PostgreSQL ``FOR NO KEY UPDATE``, by id, after the offer and its
    weeks): a draft being sent at this instant is either sent first — and is returned here as
    sent, re-read once its sender has committed — or finds the offer unpublished."""
    rows = (
        session.execute(
            select(Application)
            .where(
                col(Application.offer_id) == offer.id,
                col(Application.status).in_((ApplicationStatus.DRAFT.value, *_OPEN_STATUSES)),
            )
            .order_by(col(Application.id))
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
        .scalars()
        .all()
    )
    return [app for app in rows if app.status in _OPEN_STATUSES]


def _close_pending(
    session: Session,
    waiting: Sequence[Application],
    offer: Offer,
    org: Organisation,
    target: OfferStatus,
    now: dt.datetime,
) -> int:
    """Close the applications waiting for an answer of an offer being unpublished or archived
    and tell each pupil (notification and e-mail). Returns how many.

    Status ``cancelled_auto``: closed by the platform, with its reason, because of something the
    pupil did not choose, as R5 does. ``refused`` would tell the pupil their application was
    judged, ``withdrawn`` that they withdrew it. As after R5, the pupil may apply again if the
    offer is published again (``applications.start_or_get_draft``). Drafts stay drafts: they
    cannot be sent while the offer is not published.

    The transition and the notice are the applications' own (``applications._transition``
    records the event; ``applications._tell`` notifies and queues the mail), imported here
    because ``applications`` imports this module."""
    from stages_app.services import applications

    reason = _CLOSED_REASONS[target]
    for app in waiting:
        app_id = stored_id(app)
        applications._transition(
            session, app, ApplicationStatus.CANCELLED_AUTO.value, None, reason, now
        )
        label = week_label(app.week_start)
        if target is OfferStatus.ARCHIVED:
            title = "Offre archivée : votre candidature est close"
            body = (
                f"{org.name} a archivé son offre « {offer.title} » : elle n'est plus proposée. "
                f"Votre candidature pour la semaine {label} est close, sans réponse de "
                "l'employeur. Vous n'avez rien à faire : d'autres offres vous attendent dans "
                "la recherche."
            )
        else:
            title = "Offre retirée : votre candidature est close"
            body = (
                f"{org.name} a retiré son offre « {offer.title} » de la recherche avant de "
                f"répondre : votre candidature pour la semaine {label} est close. Vous n'avez "
                "rien à faire. Si l'offre est publiée de nouveau, vous pourrez y candidater à "
                "nouveau ; d'autres offres vous attendent dans la recherche."
            )
        applications._tell(
            session,
            session.get(User, app.student_id),
            kind="application_closed",
            title=title,
            body=body,
            link=applications.TRACKER_PATH,
            dedupe_key=f"application_closed:{app_id}:{now.isoformat()}",
        )
    return len(waiting)


def _kept_internships(session: Session, offer: Offer, today: dt.date) -> int:
    """Accepted internships of the offer whose week is not over yet (they go on)."""
    return int(
        session.execute(
            select(func.count())
            .select_from(Application)
            .where(
                col(Application.offer_id) == offer.id,
                col(Application.status) == ApplicationStatus.ACCEPTED.value,
                col(Application.week_start) >= today - dt.timedelta(days=4),
            )
        ).scalar_one()
    )


def _set_status(
    session: Session, viewer: Viewer, offer_id: object, target: OfferStatus, today: dt.date | None
) -> StatusChange:
    today = today or paris_today()
    closed = kept = 0
    with _unit_of_work(session, locked=True):
        org = _employer_organisation(session, viewer)
        offer = _own_offer(session, org, offer_id, lock=True)  # 1. the offer
        current = offer.status
        if current == OfferStatus.ARCHIVED.value:
            raise ValidationError("Cette offre est archivée : son état ne peut plus changer.")
        if current == target.value:
            return StatusChange(offer, 0, 0, _STATUS_DONE[target])
        if target is OfferStatus.UNPUBLISHED and current != OfferStatus.PUBLISHED.value:
            raise ValidationError("Seule une offre publiée peut être dépubliée.")
        weeks = _weeks_by_monday(session, _row_id(offer), lock=True, key_share=True)  # 2.
        waiting: list[Application] = []
        if target is OfferStatus.PUBLISHED:
            if not any(w.withdrawn_at is None and monday >= today for monday, w in weeks.items()):
                raise ValidationError(
                    "Ajoutez au moins une semaine à venir avant de publier cette offre.",
                    field="weeks",
                )
        else:  # unpublished or archived: nobody is left waiting for an answer
            waiting = _lock_waiting(session, offer)  # 3. its applications
        now = utcnow()  # after the locks: the events follow those of whoever was waited for
        if target is OfferStatus.PUBLISHED:
            offer.published_at = offer.published_at or now
        else:
            closed = _close_pending(session, waiting, offer, org, target, now)
            kept = _kept_internships(session, offer, today)
        offer.status = target.value
        offer.updated_at = now
        session.add(offer)
        sync_offer_weeks(session, offer)
    session.refresh(offer)
    return StatusChange(offer, closed, kept, _status_message(target, closed, kept))


def publish_offer(
    session: Session, viewer: Viewer, offer_id: object, *, today: dt.date | None = None
) -> Offer:
    """Draft or unpublished → published: pupils see it (weeks with a free seat)."""
    return _set_status(session, viewer, offer_id, OfferStatus.PUBLISHED, today).offer


def unpublish_offer(session: Session, viewer: Viewer, offer_id: object) -> StatusChange:
    """Published → unpublished: hidden from the search. Applications waiting for an answer
    are closed and their pupils told (:func:`_close_pending`); accepted internships go on.
    ``StatusChange.message`` is the employer's confirmation."""
    return _set_status(session, viewer, offer_id, OfferStatus.UNPUBLISHED, None)


def archive_offer(session: Session, viewer: Viewer, offer_id: object) -> StatusChange:
    """Any state → archived (final). As :func:`unpublish_offer`: applications waiting for an
    answer are closed and their pupils told; accepted internships go on."""
    return _set_status(session, viewer, offer_id, OfferStatus.ARCHIVED, None)


# ---------------------------------------------------------------------------------------------
# Reading one's own offers
# ---------------------------------------------------------------------------------------------


def _own_weeks(weeks: Sequence[OfferWeek]) -> list[OwnOfferWeek]:
    return [
        OwnOfferWeek(w.week_start, w.seats, w.accepted_count)
        for w in sorted(weeks, key=lambda w: w.week_start)
        if w.withdrawn_at is None
    ]


def list_own_offers(session: Session, viewer: Viewer) -> list[OwnOfferRow]:
    """The employer's offers, most recently changed first (archived ones last)."""
    org = _employer_organisation(session, viewer)
    rows = session.execute(
        select(Offer, col(Sector.name))
        .join(Sector, col(Sector.id) == Offer.sector_id)
        .where(col(Offer.organisation_id) == org.id)
    ).all()
    ids = [offer.id for offer, _ in rows]
    weeks: dict[int, list[OfferWeek]] = {i: [] for i in ids}
    waiting: dict[int, int] = {}
    if ids:
        week_rows = session.execute(select(OfferWeek).where(col(OfferWeek.offer_id).in_(ids)))
        for week in week_rows.scalars():
            weeks[week.offer_id].append(week)
        waiting = dict(
            session.execute(
                select(col(Application.offer_id), func.count())
                .where(
                    col(Application.offer_id).in_(ids),
                    col(Application.status).in_(_OPEN_STATUSES),
                )
                .group_by(col(Application.offer_id))
            ).all()
        )
    result = []
    for offer, sector_name in rows:
        own = _own_weeks(weeks[offer.id])
        result.append(
            OwnOfferRow(
                id=offer.id,
                title=offer.title,
                status=offer.status,
                status_label=STATUS_LABELS.get(offer.status, offer.status),
                commune_name=offer.commune_name,
                postal_code=offer.postal_code,
                sector_name=sector_name,
                weeks=own,
                seats=sum(w.seats for w in own),
                accepted=sum(w.accepted_count for w in own),
                open_applications=int(waiting.get(offer.id, 0)),
                updated_at=offer.updated_at,
                published_at=offer.published_at,
            )
        )
    result.sort(
        key=lambda r: (r.status == OfferStatus.ARCHIVED.value, -r.updated_at.timestamp(), -r.id)
    )
    return result


def get_own_offer(session: Session, viewer: Viewer, offer_id: object) -> OwnOffer:
    """One of the employer's offers (NotFound for any other id)."""
    org = _employer_organisation(session, viewer)
    offer = _own_offer(session, org, offer_id)
    weeks = _own_weeks(list(_weeks_by_monday(session, _row_id(offer)).values()))
    data = OfferInput(
        title=offer.title,
        description=offer.description,
        sector_id=offer.sector_id,
        street=offer.street,
        postal_code=offer.postal_code,
        commune_insee=offer.commune_insee,
        commune_name=offer.commune_name,
        weeks=[(w.week_start, w.seats) for w in weeks],
        tutor_name=offer.tutor_name,
        tutor_role=offer.tutor_role,
        practical_info=offer.practical_info,
        accessibility=offer.accessibility,
    )
    return OwnOffer(
        id=_row_id(offer),
        status=offer.status,
        status_label=STATUS_LABELS.get(offer.status, offer.status),
        data=data,
        weeks=weeks,
        latitude=offer.latitude,
        longitude=offer.longitude,
        precision=offer.geocode_precision,
        created_at=offer.created_at,
        updated_at=offer.updated_at,
        published_at=offer.published_at,
    )


# ---------------------------------------------------------------------------------------------
# The card pupils see
# ---------------------------------------------------------------------------------------------


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """The beginning of a text on one line, cut at a word boundary with '…'."""
    flat = " ".join((text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.-") + "…"


class CardSource(Protocol):
    """What a card is made of: an :class:`Offer`, or a result row with its columns."""

    @property
    def id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def commune_name(self) -> str: ...
    @property
    def postal_code(self) -> str: ...
    @property
    def sector_id(self) -> int | None: ...
    @property
    def description(self) -> str: ...
    @property
    def tutor_name(self) -> str: ...
    @property
    def tutor_role(self) -> str: ...
    @property
    def practical_info(self) -> str: ...
    @property
    def accessibility(self) -> str: ...
    @property
    def street(self) -> str: ...
    @property
    def published_at(self) -> dt.datetime | None: ...


def make_card(
    offer: CardSource,
    *,
    employer_name: str,
    sector_name: str,
    sector_url: str,
    weeks: Sequence[tuple[dt.date, int]],
    distance_km: float | None,
) -> OfferCard:
    return OfferCard(
        id=offer.id,
        title=offer.title,
        employer_name=employer_name,
        commune_name=offer.commune_name,
        postal_code=offer.postal_code,
        sector_id=offer.sector_id,
        sector_name=sector_name,
        sector_url=sector_url,
        distance_km=None if distance_km is None else round(distance_km, 1),
        weeks=[(w, free) for w, free in sorted(weeks) if free > 0],
        excerpt=excerpt(offer.description),
        description=offer.description,
        tutor_name=offer.tutor_name,
        tutor_role=offer.tutor_role,
        practical_info=offer.practical_info,
        accessibility=offer.accessibility,
        street=offer.street,
        published_at=offer.published_at,
    )


def preview_card(
    session: Session,
    viewer: Viewer,
    data: OfferInput,
    *,
    offer_id: object = None,
    today: dt.date | None = None,
) -> OfferCard:
    """The card pupils would see for what is being typed (live preview).

    Validates softly: nothing is written and nothing is refused; fields not valid yet are shown
    as typed (or left empty), weeks that cannot be offered are left out, no online geocoding.
    With ``offer_id`` (one of the employer's offers), free seats account for accepted pupils."""
    org = _employer_organisation(session, viewer)
    today = today or paris_today()
    existing: dict[dt.date, OfferWeek] = {}
    oid = None
    if offer_id is not None:
        offer_row = _own_offer(session, org, offer_id)
        oid = offer_row.id
        existing = _weeks_by_monday(session, _row_id(offer_row))
    clean, _ = _validate(
        session, data, today=today, existing_weeks=existing, geocoder=None, collect=True
    )
    sector = clean.sector
    if sector is None and _int_id(data.sector_id) is not None:
        sector = session.get(Sector, _int_id(data.sector_id))
    weeks: list[tuple[dt.date, int]] = []
    source: Iterable[tuple[dt.date, int]]
    if clean.weeks:
        source = clean.weeks.items()
    else:  # one bad week must not hide the good ones in the preview
        source = []
        for item in (data.weeks or []) if not isinstance(data.weeks, (str, bytes)) else []:
            try:
                single = _check_weeks([item], today, existing)
            except (ValidationError, TypeError):
                continue
            source.extend(single.items())
    for monday, seats in source:
        accepted = existing[monday].accepted_count if monday in existing else 0
        weeks.append((monday, seats - accepted))
    loc = clean.location
    description = (
        clean.description
        or clean_text(data.description if isinstance(data.description, str) else "")[
            :DESCRIPTION_MAX
        ]
    )
    draft = Offer(
        id=oid,
        organisation_id=_row_id(org),
        title=clean.title
        or clean_line(data.title if isinstance(data.title, str) else "")[:TITLE_MAX],
        description=description,
        sector_id=_row_id(sector) if sector else 0,
        street=clean.street
        or clean_line(data.street if isinstance(data.street, str) else "")[:200],
        postal_code=loc.postal_code if loc else _SPACES.sub("", data.postal_code or "")[:5],
        commune_insee=loc.commune_insee if loc else "",
        commune_name=loc.commune_name if loc else clean_line(data.commune_name)[:120],
        latitude=loc.latitude if loc else 0.0,
        longitude=loc.longitude if loc else 0.0,
        tutor_name=clean.tutor_name
        or clean_line(data.tutor_name if isinstance(data.tutor_name, str) else "")[:120],
        tutor_role=clean.tutor_role,
        practical_info=clean.practical_info,
        accessibility=clean.accessibility,
        status=OfferStatus.DRAFT.value,
    )
    card = make_card(
        draft,
        employer_name=org.name,
        sector_name=sector.name if sector else "",
        sector_url=sector.onisep_url if sector else "",
        weeks=weeks,
        distance_km=None,
    )
    return dataclasses.replace(card, sector_id=sector.id if sector else None)
