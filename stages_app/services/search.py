"""The pupils' offer search (rules R1 and R2).

R1: only a pupil whose access is open searches (:func:`search_offers`); school staff may look at
the search "as seen by" one of their pupils (:func:`search_offers_for_pupil`).

R2: published offers with a free seat (``OfferWeek.searchable``), in the weeks of the pupil's
collège (its ``InternshipWeek`` rows from today on), within 60 km great-circle of the collège,
unless the principal opened national search (no distance limit; the distance is still shown and
sortable). The pupil may narrow the radius, filter by ONISEP sectors, one week and a keyword
(accents and case ignored, over title, description and employer), and sort by distance or newest.

How (default search, a circle around the collège): the covering index ``ix_offer_week_search``
(week, searchable, latitude, longitude, offer id) is range-scanned on the circle's bounding box
(``geo.bounding_box``) cut into latitude strips (:func:`_strips`). In each strip, the points
whose longitude is close enough to the collège's are certainly within the radius: SQL counts them
(offers once, however many weeks). Only the few rows near the circle's edge come to Python, where
the exact great-circle distance decides (the very formula of ``geo.haversine_km``). That gives
the total. The page then comes from the smallest circle known to hold it (grown until it does),
measured exactly in Python, and only the offers of the page are read in full. Every decision
about a distance is taken by the same Python code (or by a SQL test proven to agree with it, see
the tests of the strips), so SQLite and PostgreSQL give the same results. National search
counts in SQL and widens a circle (15, 45, 135 km…) until the requested page is complete;
"newest" pages are read in publication order and checked one by one.

Every value of the query is clamped, never trusted: radius between 1 and 60 km (no upper bound
when national), page between 1 and the last page, page size between 1 and 50, unknown weeks,
sorts and sector ids ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import (
    CompoundSelect,
    Row,
    Select,
    and_,
    bindparam,
    distinct,
    func,
    select,
    union_all,
)
from sqlalchemy.orm import Mapped, aliased
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlmodel import Session, col

from stages_app.models import (
    InternshipWeek,
    Offer,
    OfferWeek,
    Organisation,
    PupilProfile,
    Role,
    School,
    SchoolClass,
    Sector,
    User,
)
from stages_app.services import access
from stages_app.services.access import Viewer
from stages_app.services.errors import NotFound, PermissionDenied
from stages_app.services.geo import EARTH_RADIUS_KM, bounding_box
from stages_app.services.offers import OfferCard, make_card, paris_today
from stages_app.services.text import search_key

__all__ = [
    "DEFAULT_RADIUS_KM",
    "PAGE_SIZE",
    "SearchQuery",
    "SearchResult",
    "SectorChoice",
    "offer_detail",
    "offer_detail_for_pupil",
    "search_offers",
    "search_offers_for_pupil",
    "sector_choices",
    "staff_may_view_pupil",
]

DEFAULT_RADIUS_KM = 60.0
MIN_RADIUS_KM = 1.0
PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
MAX_KEYWORD_WORDS = 8
MAX_SECTORS = 60
SORTS = ("distance", "newest")
# Half the Earth's circumference: a circle this wide covers the whole planet.
_WHOLE_EARTH_KM = math.pi * EARTH_RADIUS_KM
_NATIONAL_FIRST_RING_KM = 15.0
_NATIONAL_GROWTH = 3.0
# The circle is cut into this many latitude bands (see _strips): only the offers near its edge,
# about 2.5/_STRIPS of them, are sent to Python for the exact distance; the others are counted
# in SQL. 8 keeps the statements within psycopg's parse cache (4 kB, 50 parameters).
_STRIPS = 8
# Up to this many offers in the circle, the page is taken from all of them at once; beyond,
# from a smaller circle expected to hold _OVERSHOOT times the offers needed, grown by
# _RING_GROWTH until it does.
_SMALL_RESULT = 300
_OVERSHOOT = 1.0
_RING_GROWTH = 2.0

_DEG = math.pi / 180.0
_TWO_R = 2 * EARTH_RADIUS_KM

_Ts = TypeVarTuple("_Ts")


@dataclasses.dataclass
class SearchQuery:
    """What the pupil asked. Every value is clamped by the service (never trusted)."""

    sector_ids: list[int] = dataclasses.field(default_factory=list)
    week: dt.date | None = None
    radius_km: float | None = None  # None: 60 km (no limit when national)
    keyword: str = ""
    sort: str = "distance"  # "distance" | "newest"
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclasses.dataclass(frozen=True)
class SearchResult:
    cards: list[OfferCard]
    total: int  # offers matching, all pages
    page: int  # the page actually shown (clamped)
    pages: int  # at least 1
    radius_km: float | None  # the radius applied; None when unlimited (national)
    national: bool  # the collège opened national search
    weeks: list[dt.date]  # the collège's upcoming internship weeks (choices of the week filter)
    suggestions: list[str]  # French sentences, when nothing is found
    week: dt.date | None = None  # the week filter applied (None: all the collège's weeks)
    sort: str = "distance"  # the sort applied
    keyword: str = ""
    sector_ids: list[int] = dataclasses.field(default_factory=list)
    school_name: str = ""
    school_located: bool = True  # False: the collège has no coordinates (distances unknown)
    max_radius_km: float | None = DEFAULT_RADIUS_KM  # radius choices go up to this (None: any)


@dataclasses.dataclass(frozen=True)
class SectorChoice:
    id: int
    name: str
    onisep_url: str


def sector_choices(session: Session) -> list[SectorChoice]:
    """The active ONISEP sectors, by name, for the sector filter (each with its ONISEP link)."""
    rows = session.execute(
        select(col(Sector.id), col(Sector.name), col(Sector.onisep_url))
        .where(col(Sector.active).is_(True))
        .order_by(col(Sector.name))
    ).all()
    return [SectorChoice(i, n, u or "") for i, n, u in rows]


# ---------------------------------------------------------------------------------------------
# Who may search
# ---------------------------------------------------------------------------------------------


def staff_may_view_pupil(session: Session, staff_viewer: Viewer, profile: PupilProfile) -> bool:
    """May this staff member look at the search as seen by this pupil? The access table decides
    (``search.as_pupil``: staff who may view the pupil — a teacher only for their classes)."""
    return access.can(session, staff_viewer, "search.as_pupil", profile)


def pupil_display_name(session: Session, staff_viewer: Viewer, pupil_user_id: object) -> str:
    """ "Inès Benali (3e B)" for a pupil the staff member may view; NotFound otherwise."""
    profile = _pupil_for_staff(session, staff_viewer, pupil_user_id)
    user = session.get(User, profile.user_id)
    klass = session.get(SchoolClass, profile.class_id)
    assert user is not None and klass is not None  # foreign keys of the profile
    return f"{user.first_name} {user.last_name} ({klass.name})"


def _pupil_for_staff(session: Session, staff_viewer: Viewer, pupil_user_id: object) -> PupilProfile:
    pupil_id = (
        pupil_user_id
        if isinstance(pupil_user_id, int) and not isinstance(pupil_user_id, bool)
        else None
    )
    if isinstance(pupil_user_id, str) and pupil_user_id.strip().isdigit():
        pupil_id = int(pupil_user_id.strip())
    if staff_viewer is None or staff_viewer.role not in (
        Role.PRINCIPAL.value,
        Role.TEACHER.value,
        Role.STAFF.value,
    ):
        raise PermissionDenied()
    profile: PupilProfile | None = None
    if pupil_id is not None and 0 < pupil_id < 2**63:
        profile = session.execute(
            select(PupilProfile).where(col(PupilProfile.user_id) == pupil_id)
        ).scalar_one_or_none()
    if profile is None or not staff_may_view_pupil(session, staff_viewer, profile):
        raise NotFound("Cet élève est introuvable parmi les élèves de votre collège.")
    return profile


# ---------------------------------------------------------------------------------------------
# The perimeter of a collège
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Perimeter:
    school_id: int
    school_name: str
    latitude: float | None
    longitude: float | None
    national: bool
    weeks: list[dt.date]

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


_PERIMETER = (
    select(
        col(School.id),
        col(School.name),
        col(School.latitude),
        col(School.longitude),
        col(School.national_search),
        col(InternshipWeek.week_start),
    )
    .outerjoin(
        InternshipWeek,
        and_(
            col(InternshipWeek.school_id) == School.id,
            col(InternshipWeek.week_start) >= bindparam("today"),
        ),
    )
    .where(col(School.id) == bindparam("school_id"))
    .order_by(col(InternshipWeek.week_start))
)


def _perimeter(session: Session, school_id: int, today: dt.date) -> _Perimeter:
    """The collège's position, national flag and internship weeks from ``today`` on."""
    rows = session.connection().execute(_PERIMETER, {"school_id": school_id, "today": today}).all()
    school = rows[0]
    assert school.id is not None  # primary key
    weeks = [row.week_start for row in rows if row.week_start is not None]
    return _Perimeter(
        school.id,
        school.name,
        school.latitude,
        school.longitude,
        bool(school.national_search),
        weeks,
    )


# ---------------------------------------------------------------------------------------------
# Clamping the query
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Clamped:
    sector_ids: list[int]
    week: dt.date | None
    radius_km: float | None
    words: list[str]
    keyword: str
    sort: str
    page: int
    page_size: int


def _number(raw: object) -> float | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw)  # type: ignore[arg-type]  # any value: TypeError is caught
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _clamp(query: SearchQuery, perimeter: _Perimeter) -> _Clamped:
    query = query if isinstance(query, SearchQuery) else SearchQuery()
    sector_ids: list[int] = []
    raw_sectors = query.sector_ids if isinstance(query.sector_ids, (list, tuple, set)) else []
    for raw in list(raw_sectors)[:MAX_SECTORS]:
        value = _number(raw)
        if value is None or not value.is_integer() or not 0 < value < 2**63:
            continue
        if int(value) not in sector_ids:
            sector_ids.append(int(value))
    week = query.week
    if isinstance(week, str):
        try:
            week = dt.date.fromisoformat(week.strip()[:10])
        except ValueError:
            week = None
    if isinstance(week, dt.datetime):
        week = week.date()
    if not isinstance(week, dt.date) or week not in perimeter.weeks:
        week = None
    radius = _number(query.radius_km)
    if perimeter.national:
        if radius is not None:
            radius = max(MIN_RADIUS_KM, radius)
            if radius >= _WHOLE_EARTH_KM:
                radius = None
    else:
        radius = (
            DEFAULT_RADIUS_KM
            if radius is None
            else min(DEFAULT_RADIUS_KM, max(MIN_RADIUS_KM, radius))
        )
    keyword = " ".join(str(query.keyword or "").split())[:100]
    words = [w for w in search_key(keyword).split() if w][:MAX_KEYWORD_WORDS]
    sort = query.sort if query.sort in SORTS else "distance"
    if not perimeter.located:
        sort = "newest"
    size = _number(query.page_size)
    size = PAGE_SIZE if size is None else int(min(MAX_PAGE_SIZE, max(1, size)))
    page = _number(query.page)
    page = 1 if page is None else int(min(max(1, page), 10**6))
    return _Clamped(sector_ids, week, radius, words, keyword if words else "", sort, page, size)


# ---------------------------------------------------------------------------------------------
# Geometry: the circle cut into horizontal strips
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Strip:
    """A latitude band of the circle's bounding box (degrees). Inside the band, every point with
    ``|lon - lon0| <= inner`` is within the radius, every point with ``|lon - lon0| > outer`` is
    beyond it; only the points in between need the exact distance."""

    lat_min: float
    lat_max: float
    inclusive_max: bool  # the last band includes its upper edge
    inner: float
    outer: float


def _strips(lat0: float, lon0: float, km: float, count: int) -> list[_Strip] | None:
    """``count`` bands covering the circle of ``km`` around (lat0, lon0); None when its box
    spans every longitude (pole or ±180° meridian): the caller then scans the plain box.

    At latitude φ the circle spans ``|Δλ| <= w(φ)``, with sin²(d/2) = sin²(Δφ/2) +
    cos φ0 cos φ sin²(w/2); w is unimodal in φ, widest at asin(sin φ0 / cos d) (where the box's
    longitude bounds touch the circle). So on a band, ``inner`` = w at the band's worse edge and
    ``outer`` = w at its edge nearest the widest latitude (or the box's half-width when the band
    contains it), each with a safety margin far above floating-point error."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat0, lon0, km)
    if (min_lon, max_lon) == (-180.0, 180.0):
        return None
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    angular = km / EARTH_RADIUS_KM
    phi0 = math.radians(lat0)
    cos0 = cos(phi0)
    cap = sin(angular / 2) ** 2

    def width(lat: float) -> float:
        phi = math.radians(lat)
        rest = cap - sin((phi - phi0) / 2) ** 2
        if rest <= 0.0:
            return 0.0
        ratio = rest / (cos0 * cos(phi))
        return 180.0 if ratio >= 1.0 else math.degrees(2 * asin(sqrt(ratio)))

    widest = math.degrees(asin(min(1.0, sin(phi0) / cos(angular))))
    box_half = max(max_lon - lon0, lon0 - min_lon)
    step = (max_lat - min_lat) / count
    strips = []
    for i in range(count):
        low = min_lat + i * step
        high = max_lat if i == count - 1 else min_lat + (i + 1) * step
        if low <= widest <= high:
            outer = box_half
        else:
            outer = min(box_half, width(high if high < widest else low) * (1 + 1e-7) + 1e-9)
        inner = max(0.0, min(width(low), width(high)) * (1 - 1e-7) - 1e-9)
        strips.append(_Strip(low, high, i == count - 1, inner, outer))
    return strips


# ---------------------------------------------------------------------------------------------
# Queries: each statement shape is built once (SQLAlchemy's statement construction costs more
# than running it) and reused with bound parameters.
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Shape:
    """What changes a statement's SQL text: the filters used (not their values)."""

    sectors: bool
    words: int

    @property
    def join_offer(self) -> bool:
        return self.sectors or self.words > 0


def _shape(c: _Clamped) -> _Shape:
    return _Shape(bool(c.sector_ids), len(c.words))


def _params(c: _Clamped, weeks: Sequence[dt.date], **extra: object) -> dict[str, object]:
    params = {"weeks": list(weeks), **extra}
    if c.sector_ids:
        params["sectors"] = list(c.sector_ids)
    for i, word in enumerate(c.words):
        params[f"word{i}"] = word
    return params


# Short aliases keep the strip statements' SQL under 4 kB and 50 parameters, the limits up to
# which psycopg caches the parsing of a query (beyond, it costs ~0.8 ms per execution).
_W = aliased(OfferWeek, name="w")
_O = aliased(Offer, name="o")


def _filtered(stmt: Select[*_Ts], shape: _Shape, *, join_offer: bool = False) -> Select[*_Ts]:
    """Searchable weeks among :weeks, with the shape's filters (which need the offer row)."""
    # "= true", not "IS true": an equality both databases use inside ix_offer_week_search
    stmt = stmt.where(
        col(_W.week_start).in_(bindparam("weeks", expanding=True)),
        col(_W.searchable) == True,  # noqa: E712
    )
    if join_offer or shape.join_offer:
        stmt = stmt.join(_O, col(_O.id) == _W.offer_id)
    if shape.sectors:
        stmt = stmt.where(col(_O.sector_id).in_(bindparam("sectors", expanding=True)))
    for i in range(shape.words):  # search_key() output: [a-z0-9 ] only, nothing to escape
        stmt = stmt.where(col(_O.search_text).contains(bindparam(f"word{i}")))
    return stmt


_POSITION = (col(_W.offer_id), col(_W.latitude), col(_W.longitude))


def _in_box(stmt: Select[*_Ts]) -> Select[*_Ts]:
    return stmt.where(
        col(_W.latitude).between(bindparam("min_lat"), bindparam("max_lat")),
        col(_W.longitude).between(bindparam("min_lon"), bindparam("max_lon")),
    )


def _box_params(box: tuple[float, float, float, float]) -> dict[str, float]:
    min_lat, max_lat, min_lon, max_lon = box
    return {"min_lat": min_lat, "max_lat": max_lat, "min_lon": min_lon, "max_lon": max_lon}


@functools.lru_cache(maxsize=256)
def _box_stmt(shape: _Shape, boxed: bool) -> Select[int, float, float]:
    stmt = _filtered(select(*_POSITION), shape)
    return _in_box(stmt) if boxed else stmt


# Parameters of strip i: e{i} <= latitude < e{i+1} (<= for the last strip); inner part
# a{i} <= longitude <= b{i}, outer part c{i} <= longitude <= d{i} (see _strip_params).
# BETWEEN on the indexed longitude is checked inside the index scan (abs() would be a filter
# on every row, twice as slow on PostgreSQL).


def _strip_part(
    columns: Sequence[Mapped[Any]], shape: _Shape, i: int, last: bool
) -> Select[*tuple[Any, ...]]:
    latitude = col(_W.latitude)
    top = latitude <= bindparam(f"e{i + 1}") if last else latitude < bindparam(f"e{i + 1}")
    return _filtered(select(*columns), shape).where(latitude >= bindparam(f"e{i}"), top)


@functools.lru_cache(maxsize=256)
def _inner_count_stmt(shape: _Shape, strips: int, single_week: bool) -> Select[int]:
    parts = [
        _strip_part([col(_W.offer_id)], shape, i, i == strips - 1).where(
            col(_W.longitude).between(bindparam(f"a{i}"), bindparam(f"b{i}"))
        )
        for i in range(strips)
    ]
    inner = union_all(*parts).subquery()
    # an offer has one row per week: count it once when several weeks are searched
    counted = func.count() if single_week else func.count(distinct(inner.c.offer_id))
    return select(counted).select_from(inner)


@functools.lru_cache(maxsize=256)
def _ring_stmt(shape: _Shape, strips: int) -> CompoundSelect[int, float, float]:
    return union_all(
        *[
            _strip_part(_POSITION, shape, i, i == strips - 1).where(
                col(_W.longitude).between(bindparam(f"c{i}"), bindparam(f"d{i}")),
                # the exact complement of the inner part
                ~col(_W.longitude).between(bindparam(f"a{i}"), bindparam(f"b{i}")),
            )
            for i in range(strips)
        ]
    )


def _strip_params(strips: list[_Strip], lon0: float) -> dict[str, float]:
    params = {"e0": strips[0].lat_min}
    for i, s in enumerate(strips):
        params[f"e{i + 1}"] = s.lat_max
        if s.inner > 0.0:
            params[f"a{i}"], params[f"b{i}"] = lon0 - s.inner, lon0 + s.inner
        else:  # no inner part: an empty interval
            params[f"a{i}"], params[f"b{i}"] = 1.0, -1.0
        params[f"c{i}"], params[f"d{i}"] = lon0 - s.outer, lon0 + s.outer
    return params


@functools.lru_cache(maxsize=256)
def _count_all_stmt(shape: _Shape) -> Select[int]:
    return _filtered(select(func.count(distinct(col(_W.offer_id)))), shape)


@functools.lru_cache(maxsize=256)
def _newest_box_stmt(shape: _Shape) -> Select[int, float, float]:
    stmt = _in_box(_filtered(select(*_POSITION), shape, join_offer=True))
    return (
        stmt.order_by(col(_O.published_at).desc(), col(_W.offer_id).desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


@functools.lru_cache(maxsize=256)
def _newest_page_stmt(shape: _Shape) -> Select[int, float, float]:
    offer_id, published_at = col(_W.offer_id), col(_O.published_at)
    latitude, longitude = col(_O.latitude), col(_O.longitude)
    stmt = _filtered(select(offer_id, latitude, longitude), shape, join_offer=True)
    return (
        stmt.group_by(offer_id, latitude, longitude, published_at)
        .order_by(published_at.desc(), offer_id.desc())
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


_CARD_WEEK = aliased(OfferWeek, name="cw")
# One statement for a page of cards: each offer with its free weeks among :weeks (one row per
# week; the outer join keeps an offer whose last seat was just taken).
_CARDS = (
    select(
        col(Offer.id),
        col(Offer.title),
        col(Offer.commune_name),
        col(Offer.postal_code),
        col(Offer.sector_id),
        col(Offer.description),
        col(Offer.tutor_name),
        col(Offer.tutor_role),
        col(Offer.practical_info),
        col(Offer.accessibility),
        col(Offer.street),
        col(Offer.published_at),
        col(Organisation.name).label("employer_name"),
        col(Sector.name).label("sector_name"),
        col(Sector.onisep_url).label("sector_url"),
        col(_CARD_WEEK.week_start),
        (col(_CARD_WEEK.seats) - col(_CARD_WEEK.accepted_count)).label("free"),
    )
    .join(Organisation, col(Organisation.id) == Offer.organisation_id)
    .join(Sector, col(Sector.id) == Offer.sector_id)
    .outerjoin(
        _CARD_WEEK,
        and_(
            col(_CARD_WEEK.offer_id) == Offer.id,
            col(_CARD_WEEK.week_start).in_(bindparam("weeks", expanding=True)),
            col(_CARD_WEEK.searchable) == True,  # noqa: E712
        ),
    )
    .where(col(Offer.id).in_(bindparam("ids", expanding=True)))
)
_DETAIL_WEEKS = _filtered(select(*_POSITION), _Shape(False, 0)).where(
    col(_W.offer_id) == bindparam("offer_id")
)


def _rows(
    session: Session, stmt: TypedReturnsRows[*_Ts], params: Mapping[str, object]
) -> Sequence[Row[*_Ts]]:
    """Plain rows through the session's connection (no ORM layer: thousands of rows)."""
    return session.connection().execute(stmt, params).all()


def _box_rows(
    session: Session,
    c: _Clamped,
    weeks: Sequence[dt.date],
    box: tuple[float, float, float, float] | None,
) -> Sequence[Row[int, float, float]]:
    """(offer_id, latitude, longitude) of every searchable week in the box (None: everywhere)."""
    if box is None:
        return _rows(session, _box_stmt(_shape(c), False), _params(c, weeks))
    return _rows(session, _box_stmt(_shape(c), True), _params(c, weeks, **_box_params(box)))


def _count_inner(
    session: Session, c: _Clamped, weeks: Sequence[dt.date], strips: list[_Strip], lon0: float
) -> int:
    """Offers inside the strips' inner parts: certainly within the radius, counted in SQL."""
    stmt = _inner_count_stmt(_shape(c), len(strips), len(weeks) == 1)
    params = _params(c, weeks, **_strip_params(strips, lon0))
    return int(session.connection().execute(stmt, params).scalar_one())


def _ring_rows(
    session: Session, c: _Clamped, weeks: Sequence[dt.date], strips: list[_Strip], lon0: float
) -> Sequence[Row[int, float, float]]:
    """(offer_id, latitude, longitude) between the strips' inner and outer parts."""
    return _rows(
        session,
        _ring_stmt(_shape(c), len(strips)),
        _params(c, weeks, **_strip_params(strips, lon0)),
    )


def _within(
    rows: Iterable[tuple[int, float, float]], lat0: float, lon0: float, radius_km: float | None
) -> dict[int, float]:
    """{offer_id: distance_km} for the rows within ``radius_km`` (all when None), each offer once.

    The distance is ``geo.haversine_km(lat0, lon0, lat, lon)``, inlined (same operations in the
    same order, so the very same floats) because this loop runs over thousands of rows."""
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    deg, two_r = _DEG, _TWO_R
    phi0 = lat0 * deg
    cos0 = cos(phi0)
    limit = math.inf if radius_km is None else radius_km
    found: dict[int, float] = {}
    seen: set[int] = set()
    for oid, lat, lon in rows:
        if oid in seen:
            continue
        seen.add(oid)
        phi = lat * deg
        s1 = sin((phi - phi0) / 2)
        s2 = sin(((lon - lon0) * deg) / 2)
        a = s1 * s1 + cos0 * cos(phi) * (s2 * s2)
        if a > 1.0:
            a = 1.0
        elif a < 0.0:
            a = 0.0
        distance = two_r * asin(sqrt(a))
        if distance <= limit:
            found[oid] = distance
    return found


def _nearest(found: dict[int, float], count: int) -> list[tuple[int, float]]:
    """The ``count`` nearest (offer_id, km), nearest first, ties by id."""
    return heapq.nsmallest(count, found.items(), key=lambda item: (item[1], item[0]))


def _count_all(session: Session, c: _Clamped, weeks: Sequence[dt.date]) -> int:
    return int(
        session.connection().execute(_count_all_stmt(_shape(c)), _params(c, weeks)).scalar_one()
    )


def _newest_rows(
    session: Session,
    c: _Clamped,
    weeks: Sequence[dt.date],
    box: tuple[float, float, float, float],
    offset: int,
    limit: int,
) -> Sequence[Row[int, float, float]]:
    """(offer_id, latitude, longitude) of the box's searchable weeks, newest offer first."""
    return _rows(
        session,
        _newest_box_stmt(_shape(c)),
        _params(c, weeks, offset=offset, limit=limit, **_box_params(box)),
    )


def _newest_page(
    session: Session, c: _Clamped, weeks: Sequence[dt.date], offset: int, limit: int
) -> Sequence[Row[int, float, float]]:
    """(offer_id, latitude, longitude) of one page of offers, newest first, anywhere."""
    return _rows(
        session, _newest_page_stmt(_shape(c)), _params(c, weeks, offset=offset, limit=limit)
    )


def _pages(total: int, size: int, page: int) -> tuple[int, int]:
    pages = max(1, -(-total // size))
    return pages, min(max(1, page), pages)


def _cards(
    session: Session, page: Sequence[tuple[int, float | None]], weeks: Sequence[dt.date]
) -> list[OfferCard]:
    """The cards of one page, in the page's order; free weeks among ``weeks`` only."""
    if not page:
        return []
    offers: dict[int, Row[*tuple[Any, ...]]] = {}
    free: dict[int, list[tuple[dt.date, int]]] = {}
    row: Row[*tuple[Any, ...]] | None
    for row in _rows(session, _CARDS, {"ids": [oid for oid, _ in page], "weeks": list(weeks)}):
        offers[row.id] = row
        if row.week_start is not None:
            free.setdefault(row.id, []).append((row.week_start, row.free))
    cards = []
    for oid, distance in page:
        row = offers.get(oid)
        if row is None:  # deleted in between: skip rather than fail
            continue
        cards.append(
            make_card(
                row,
                employer_name=row.employer_name,
                sector_name=row.sector_name,
                sector_url=row.sector_url or "",
                weeks=free.get(oid, []),
                distance_km=distance,
            )
        )
    return cards


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------


def _suggestions(c: _Clamped, p: _Perimeter) -> list[str]:
    if not p.weeks:
        return [
            "Votre collège n'a pas encore indiqué de semaine de stage à venir : dès que "
            "votre chef d'établissement l'aura fait, les offres de ces semaines "
            "apparaîtront ici."
        ]
    if not p.located and not p.national:
        return [
            "La position de votre collège n'est pas connue de la plateforme : la recherche "
            "dans un rayon de 60 km n'est pas possible. Demandez à votre chef "
            "d'établissement d'ouvrir la recherche à toute la France."
        ]
    tips = []
    if c.radius_km is not None and (p.national or c.radius_km < DEFAULT_RADIUS_KM):
        tips.append(
            "Élargissez le rayon de recherche" + (" (jusqu'à 60 km)." if not p.national else ".")
        )
    if c.sector_ids:
        tips.append("Retirez le filtre par secteur ou choisissez d'autres secteurs.")
    if c.words:
        tips.append("Essayez un autre mot-clé, plus court, ou effacez-le.")
    if c.week is not None and len(p.weeks) > 1:
        tips.append("Essayez une autre semaine de stage de votre collège, ou toutes les semaines.")
    if not p.national:
        tips.append(
            "Demandez à votre chef d'établissement d'ouvrir la recherche à toute la "
            "France : vous verrez alors aussi les offres à plus de 60 km."
        )
    if not tips:
        tips.append(
            "Aucune offre n'a de place libre pour l'instant : revenez dans quelques "
            "jours, de nouvelles offres sont publiées régulièrement."
        )
    return tips


def _nearest_page(
    session: Session,
    c: _Clamped,
    weeks: Sequence[dt.date],
    p: _Perimeter,
    radius: float | None,
    total: int,
    wanted: int,
) -> dict[int, float]:
    """{offer_id: km} for a circle around the collège that holds the ``wanted`` nearest offers.

    Within ``radius`` (``total`` offers there): the circle starts where about _OVERSHOOT ×
    ``wanted`` offers are expected and grows until it holds ``wanted`` or reaches ``radius``.
    National (``radius`` None): it starts at 15 km and grows threefold up to the whole Earth.
    Every offer within the final circle is there, so its ``wanted`` nearest are the nearest."""
    assert p.latitude is not None and p.longitude is not None  # only for a located collège
    if radius is None:
        r, growth, limit = _NATIONAL_FIRST_RING_KM, _NATIONAL_GROWTH, _WHOLE_EARTH_KM
    elif total <= _SMALL_RESULT:
        r, growth, limit = radius, _RING_GROWTH, radius
    else:
        limit, growth = radius, _RING_GROWTH
        r = min(limit, max(0.5, radius * math.sqrt(_OVERSHOOT * wanted / total)))
    while True:
        whole = r >= _WHOLE_EARTH_KM
        box = None if whole else bounding_box(p.latitude, p.longitude, r)
        found = _within(
            _box_rows(session, c, weeks, box), p.latitude, p.longitude, None if whole else r
        )
        if len(found) >= wanted or r >= limit:
            return found
        r = min(limit, r * growth)


def _in_radius(
    session: Session, c: _Clamped, weeks: Sequence[dt.date], p: _Perimeter
) -> tuple[int, int, int, list[tuple[int, float]]]:
    """(total, page, pages, [(offer_id, km)] of the page) for the circle of ``c.radius_km``
    around a located collège: the total from the strips (inner parts counted in SQL, the edge
    measured in Python), then only the offers the page needs."""
    assert p.latitude is not None and p.longitude is not None and c.radius_km is not None
    size, radius = c.page_size, c.radius_km
    found: dict[int, float] | None
    strips = _strips(p.latitude, p.longitude, radius, _STRIPS)
    if strips is None:  # the plain box (never in France)
        found = _within(
            _box_rows(session, c, weeks, bounding_box(p.latitude, p.longitude, radius)),
            p.latitude,
            p.longitude,
            radius,
        )
        total = len(found)
    else:
        found = None
        inner = _count_inner(session, c, weeks, strips, p.longitude)
        ring = _within(
            _ring_rows(session, c, weeks, strips, p.longitude), p.latitude, p.longitude, radius
        )
        total = inner + len(ring)
    pages, page = _pages(total, size, c.page)
    start, stop = (page - 1) * size, page * size
    if total == 0:
        return total, page, pages, []
    if c.sort == "newest":
        return total, page, pages, _newest_in_radius(session, c, weeks, p, start, stop)
    if found is None:
        found = _nearest_page(session, c, weeks, p, radius, total, stop)
    return total, page, pages, _nearest(found, stop)[start:stop]


def _newest_in_radius(
    session: Session, c: _Clamped, weeks: Sequence[dt.date], p: _Perimeter, start: int, stop: int
) -> list[tuple[int, float]]:
    """Offers ``start``..``stop`` within the radius, newest first: the box's weeks in that order,
    read in batches, each offer kept once and only within the radius."""
    assert p.latitude is not None and p.longitude is not None and c.radius_km is not None
    box = bounding_box(p.latitude, p.longitude, c.radius_km)
    batch = max(200, 3 * stop)
    hits: list[tuple[int, float]] = []
    seen: set[int] = set()
    offset = 0
    while len(hits) < stop:
        rows = _newest_rows(session, c, weeks, box, offset, batch)
        for oid, lat, lon in rows:
            if oid in seen:
                continue
            seen.add(oid)
            found = _within([(oid, lat, lon)], p.latitude, p.longitude, c.radius_km)
            if found:
                hits.append((oid, found[oid]))
        if len(rows) < batch:
            break
        offset += batch
    return hits[start:stop]


def _search(
    session: Session, school_id: int, query: SearchQuery, today: dt.date | None
) -> SearchResult:
    p = _perimeter(session, school_id, today or paris_today())
    c = _clamp(query, p)

    def result(cards: list[OfferCard], total: int, page: int, pages: int) -> SearchResult:
        return SearchResult(
            cards=cards,
            total=total,
            page=page,
            pages=pages,
            radius_km=c.radius_km,
            national=p.national,
            weeks=list(p.weeks),
            suggestions=[] if total else _suggestions(c, p),
            week=c.week,
            sort=c.sort,
            keyword=c.keyword,
            sector_ids=list(c.sector_ids),
            school_name=p.school_name,
            school_located=p.located,
            max_radius_km=None if p.national else DEFAULT_RADIUS_KM,
        )

    if not p.weeks or (not p.located and not p.national):
        return result([], 0, 1, 1)
    weeks = [c.week] if c.week is not None else p.weeks
    chosen: Sequence[tuple[int, float | None]]

    if p.located and c.radius_km is not None:
        # The default: a circle around the collège.
        total, page, pages, chosen = _in_radius(session, c, weeks, p)
        return result(_cards(session, chosen, weeks), total, page, pages)

    # National search without a radius: the whole country.
    total = _count_all(session, c, weeks)
    pages, page = _pages(total, c.page_size, c.page)
    start, stop = (page - 1) * c.page_size, page * c.page_size
    if c.sort == "newest" or not p.located:
        chosen = []
        for oid, lat, lon in _newest_page(session, c, weeks, start, c.page_size):
            distance = None
            if p.located:
                assert p.latitude is not None and p.longitude is not None
                distance = _within([(oid, lat, lon)], p.latitude, p.longitude, None)[oid]
            chosen.append((oid, distance))
        return result(_cards(session, chosen, weeks), total, page, pages)
    found = _nearest_page(session, c, weeks, p, None, total, stop)
    return result(_cards(session, _nearest(found, stop)[start:stop], weeks), total, page, pages)


def search_offers(
    session: Session,
    viewer: Viewer,
    query: SearchQuery | None = None,
    *,
    today: dt.date | None = None,
) -> SearchResult:
    """The offers a pupil may apply to (R1 + R2), filtered, sorted and paginated.

    PermissionDenied (with a French message to show) when the pupil's access is not open."""
    profile = access.pupil_with_open_access(session, viewer)
    return _search(session, profile.school_id, query or SearchQuery(), today)


def search_offers_for_pupil(
    session: Session,
    staff_viewer: Viewer,
    pupil_user_id: object,
    query: SearchQuery | None = None,
    *,
    today: dt.date | None = None,
) -> SearchResult:
    """The search exactly as one pupil sees it, for a staff member of the pupil's collège
    (whether or not the pupil's own access is open yet). NotFound for any other pupil."""
    profile = _pupil_for_staff(session, staff_viewer, pupil_user_id)
    return _search(session, profile.school_id, query or SearchQuery(), today)


# ---------------------------------------------------------------------------------------------
# Detail
# ---------------------------------------------------------------------------------------------


def _detail(session: Session, school_id: int, offer_id: object, today: dt.date | None) -> OfferCard:
    oid = offer_id if isinstance(offer_id, int) and not isinstance(offer_id, bool) else None
    if isinstance(offer_id, str) and offer_id.strip().isdigit():
        oid = int(offer_id.strip())
    if oid is None or not 0 < oid < 2**63:
        raise NotFound("Cette offre est introuvable ou n'est plus disponible.")
    p = _perimeter(session, school_id, today or paris_today())
    not_found = NotFound(
        "Cette offre est introuvable ou n'est plus disponible pour votre "
        "collège (semaines, distance ou places)."
    )
    if not p.weeks or (not p.located and not p.national):
        raise not_found
    rows = _rows(session, _DETAIL_WEEKS, {"offer_id": oid, "weeks": list(p.weeks)})
    if not rows:
        raise not_found
    distance = None
    if p.located:
        assert p.latitude is not None and p.longitude is not None
        found = _within(rows, p.latitude, p.longitude, None if p.national else DEFAULT_RADIUS_KM)
        if oid not in found:
            raise not_found
        distance = found[oid]
    cards = _cards(session, [(oid, distance)], p.weeks)
    if not cards:
        raise not_found
    return cards[0]


def offer_detail(
    session: Session, viewer: Viewer, offer_id: object, *, today: dt.date | None = None
) -> OfferCard:
    """One offer for a pupil with open access, only if it is in the pupil's perimeter (R2:
    published, a free seat in one of the collège's weeks, within 60 km unless national);
    NotFound otherwise."""
    profile = access.pupil_with_open_access(session, viewer)
    return _detail(session, profile.school_id, offer_id, today)


def offer_detail_for_pupil(
    session: Session,
    staff_viewer: Viewer,
    pupil_user_id: object,
    offer_id: object,
    *,
    today: dt.date | None = None,
) -> OfferCard:
    """:func:`offer_detail` as seen by one pupil, for a staff member of the pupil's collège."""
    profile = _pupil_for_staff(session, staff_viewer, pupil_user_id)
    return _detail(session, profile.school_id, offer_id, today)
