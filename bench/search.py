"""Benchmark: the pupils' offer search on a synthetic national dataset.

    python bench/search.py --offers 100000 [--searches 500] [--pg-url URL] [--skip-postgis]
                           [--data-dir DIR] [--skip-sqlite] [--skip-postgresql]
                           [--naive-searches K] [--seed S]

Dataset (deterministic for a seed): the real collèges, communes and ONISEP sectors imported from
the reference data directory (``--data-dir``, else ``settings.data_dir()``) with the import
service; N published offers from N/5 employers, each placed in a real commune drawn with
probability proportional to its population (Paris, Lyon and Marseille by arrondissement), moved
by up to 1.5 km from the commune's centre as an address would be; each offer offers 1 to 3 of 10
national internship weeks with 1 to 4 seats, about 10 % of the offer weeks being full. Every
collège has a period of 1 or 2 consecutive weeks among the same 10 weeks. Rows are bulk-loaded
(executemany on SQLite, COPY on PostgreSQL) with the same ids in both databases.

Workload: ``--searches`` default searches (60 km, the collège's weeks, first page sorted by
distance, with the total count) from collèges drawn at random, each by a pupil of that collège with
opened access, through the real service ``search_offers`` (R1 check included), one short session
per search as a web request would do. The same searches run, side by side (blocks of 25 searches,
each approach in turn), with two references on the same data, doing the same R1 check,
perimeter and page cards; only the geometry differs:

- ``naive``: every searchable offer week of the collège's weeks, great-circle distance in Python
  for each (no bounding box);
- ``postgis``: the government platform's approach: a ``geography(Point)`` column on ``offer``
  with a GiST index, ``ST_DWithin`` + ``ST_Distance`` (on the sphere, like our great-circle
  rule), weeks checked with ``EXISTS``, total by ``count(*) OVER ()``. PostGIS comes from the
  Debian package ``postgresql-<major>-postgis-3``, installed here with apt-get when missing (as
  root); if that is impossible the JSON says why instead of failing.

The answers (total and ids of the page) of every approach are compared with ours on SQLite.
Prints ONE JSON line with p50/p95 (ms) of each approach and the targets of the issue.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import itertools
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from bench.common import pg_database  # noqa: E402
from stages_app import settings  # noqa: E402
from stages_app.db import make_engine  # noqa: E402
from stages_app.migrate import upgrade  # noqa: E402
from stages_app.models import (  # noqa: E402
    Commune,
    InternshipWeek,
    Offer,
    OfferWeek,
    Organisation,
    PupilProfile,
    School,
    SchoolClass,
    Sector,
    User,
)
from stages_app.services import access  # noqa: E402
from stages_app.services import search as search_service  # noqa: E402
from stages_app.services.access import Viewer  # noqa: E402
from stages_app.services.calendar import monday_of, school_year_of  # noqa: E402
from stages_app.services.geo import destination, haversine_km  # noqa: E402
from stages_app.services.offers import offer_search_text  # noqa: E402
from stages_app.services.reference import import_reference  # noqa: E402
from stages_app.services.search import SearchQuery, search_offers  # noqa: E402

NATIONAL_WEEKS = 10
JITTER_KM = 1.5
FULL_SHARE = 0.10
WARMUP = 25
BLOCK = 25  # searches run by one approach before the next takes its turn
DEFAULT_PG = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

TITLES = [
    "Découverte du métier de {m}",
    "Une semaine avec nos équipes : {m}",
    "Observer le travail de {m}",
    "Stage d'observation : {m}",
    "Immersion en entreprise, métier de {m}",
]
JOBS = [
    "boulanger",
    "infirmière",
    "développeur web",
    "électricien",
    "comptable",
    "pharmacien",
    "cuisinier",
    "mécanicien automobile",
    "architecte",
    "journaliste",
    "agent immobilier",
    "fleuriste",
    "vétérinaire",
    "libraire",
    "technicien de maintenance",
    "coiffeur",
    "chargé de communication",
    "menuisier",
    "assistant juridique",
    "jardinier paysagiste",
]
DESCRIPTIONS = [
    "Vous suivrez le tuteur dans ses missions quotidiennes : accueil, préparation, échanges avec "
    "les clients et les collègues. Vous découvrirez les règles de sécurité et l'organisation "
    "d'une journée de travail.",
    "Au programme : visite des locaux, présentation des métiers de l'équipe, observation des "
    "gestes professionnels et petit projet de fin de semaine présenté à l'équipe.",
    "Une semaine pour comprendre comment fonctionne une petite structure : rendez-vous, "
    "commandes, qualité, relation avec les usagers. Curiosité et politesse demandées.",
]


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def stats(ms: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p95_ms": round(percentile(ms, 0.95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(max(ms), 2),
        "n": len(ms),
    }


# ---------------------------------------------------------------------------------------------
# Synthetic dataset (generated once, loaded identically into both databases)
# ---------------------------------------------------------------------------------------------


class Dataset:
    def __init__(self, engine, n_offers: int, n_searches: int, seed: int, today: dt.date):
        rng = random.Random(seed)
        self.today = today
        first = monday_of(today) + dt.timedelta(weeks=3)
        self.weeks = [first + dt.timedelta(weeks=2 * i) for i in range(NATIONAL_WEEKS)]
        with engine.connect() as conn:
            communes = conn.execute(
                select(
                    Commune.insee_code,
                    Commune.kind,
                    Commune.parent_insee_code,
                    Commune.population,
                    Commune.latitude,
                    Commune.longitude,
                    Commune.full_name,
                    Commune.postal_codes,
                ).where(Commune.latitude.is_not(None), Commune.population > 0)
            ).all()
            schools = conn.execute(
                select(School.id, School.latitude, School.longitude).order_by(School.id)
            ).all()
            self.sector_ids = (
                conn.execute(select(Sector.id).where(Sector.active.is_(True)).order_by(Sector.id))
                .scalars()
                .all()
            )
        # Paris, Lyon, Marseille: their arrondissements, not the whole city on top
        with_arms = {c.parent_insee_code for c in communes if c.kind == "ARM"}
        places = [c for c in communes if not (c.kind == "COM" and c.insee_code in with_arms)]
        cumulative = list(itertools.accumulate(c.population for c in places))
        self.population = cumulative[-1]
        now = dt.datetime.now(dt.UTC)

        n_orgs = max(1, n_offers // 5)
        self.users: list[tuple] = []
        self.orgs: list[tuple] = []
        for i in range(1, n_orgs + 1):
            self.users.append(
                (
                    i,
                    f"employeur{i}@bench.example",
                    "!" * 60,
                    "employer",
                    "Alex",
                    f"Employeur{i}",
                    "active",
                    now,
                    0,
                )
            )
            self.orgs.append(
                (i, i, f"Structure {i} {rng.choice(JOBS).title()}", "entreprise", "", now)
            )
        self.offers: list[tuple] = []
        self.offer_weeks: list[tuple] = []
        week_id = 0
        total = cumulative[-1]
        for oid in range(1, n_offers + 1):
            c = places[bisect.bisect_right(cumulative, rng.random() * total)]
            lat, lon = destination(
                c.latitude, c.longitude, rng.uniform(0, 360), JITTER_KM * math.sqrt(rng.random())
            )
            org_id = rng.randint(1, n_orgs)
            job = rng.choice(JOBS)
            title = rng.choice(TITLES).format(m=job)
            description = rng.choice(DESCRIPTIONS)
            published = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 90))
            postal = (c.postal_codes or "").split(";")[0][:5]
            self.offers.append(
                (
                    oid,
                    org_id,
                    title,
                    description,
                    rng.choice(self.sector_ids),
                    f"{rng.randint(1, 120)} rue de la République",
                    postal,
                    c.insee_code,
                    c.full_name[:120],
                    lat,
                    lon,
                    "address",
                    "Mme Dupont",
                    "Responsable",
                    "",
                    "",
                    "published",
                    published,
                    published,
                    published,
                    offer_search_text(title, description, self.orgs[org_id - 1][2]),
                )
            )
            for week in rng.sample(self.weeks, rng.randint(1, 3)):
                week_id += 1
                seats = rng.randint(1, 4)
                accepted = seats if rng.random() < FULL_SHARE else 0
                self.offer_weeks.append(
                    (week_id, oid, week, seats, accepted, lat, lon, None, accepted < seats)
                )
        # every collège: a period of 1 or 2 consecutive national weeks
        self.internship_weeks: list[tuple] = []
        iw_id = 0
        self.school_weeks: dict[int, list[dt.date]] = {}
        for school in schools:
            start = rng.randrange(NATIONAL_WEEKS - 1)
            chosen = self.weeks[start : start + rng.randint(1, 2)]
            self.school_weeks[school.id] = chosen
            for week in chosen:
                iw_id += 1
                self.internship_weeks.append((iw_id, school.id, week, school_year_of(week), now))
        # searches: random collèges with coordinates, one pupil each (opened access)
        located = [s for s in schools if s.latitude is not None]
        picked = [rng.choice(located) for _ in range(n_searches)]
        self.classes: list[tuple] = []
        self.profiles: list[tuple] = []
        self.searches: list[tuple[Viewer, int]] = []
        pupils: dict[int, Viewer] = {}
        uid = n_orgs
        for school in picked:
            if school.id not in pupils:
                uid += 1
                class_id = len(self.classes) + 1
                self.classes.append(
                    (class_id, school.id, "3e A", f"BENCH{class_id:06d}", True, now)
                )
                email = f"eleve{uid}@bench.example"
                self.users.append(
                    (uid, email, "!" * 60, "student", "Sam", f"Élève{uid}", "active", now, 0)
                )
                self.profiles.append(
                    (len(self.profiles) + 1, uid, school.id, class_id, today, now, now)
                )
                pupils[school.id] = Viewer(uid, "student", email, "Sam", f"Élève{uid}")
            self.searches.append((pupils[school.id], school.id))
        self.school_position = {s.id: (s.latitude, s.longitude) for s in schools}

    TABLES = {
        User: (
            "id",
            "email",
            "password_hash",
            "role",
            "first_name",
            "last_name",
            "status",
            "created_at",
            "failed_logins",
        ),
        Organisation: ("id", "owner_id", "name", "kind", "phone", "created_at"),
        Offer: (
            "id",
            "organisation_id",
            "title",
            "description",
            "sector_id",
            "street",
            "postal_code",
            "commune_insee",
            "commune_name",
            "latitude",
            "longitude",
            "geocode_precision",
            "tutor_name",
            "tutor_role",
            "practical_info",
            "accessibility",
            "status",
            "created_at",
            "updated_at",
            "published_at",
            "search_text",
        ),
        OfferWeek: (
            "id",
            "offer_id",
            "week_start",
            "seats",
            "accepted_count",
            "latitude",
            "longitude",
            "withdrawn_at",
            "searchable",
        ),
        InternshipWeek: ("id", "school_id", "week_start", "school_year", "created_at"),
        SchoolClass: ("id", "school_id", "name", "join_code", "access_open", "created_at"),
        PupilProfile: (
            "id",
            "user_id",
            "school_id",
            "class_id",
            "authorisation_received_on",
            "access_opened_at",
            "created_at",
        ),
    }

    def rows(self, model) -> list[tuple]:
        return {
            User: self.users,
            Organisation: self.orgs,
            Offer: self.offers,
            OfferWeek: self.offer_weeks,
            InternshipWeek: self.internship_weeks,
            SchoolClass: self.classes,
            PupilProfile: self.profiles,
        }[model]


def load(engine, data: Dataset) -> float:
    """Bulk-load the synthetic rows; returns seconds."""
    start = time.perf_counter()
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                for model, columns in Dataset.TABLES.items():
                    table = model.__tablename__
                    with cur.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                        for row in data.rows(model):
                            copy.write_row(row)
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
                    )
            raw.commit()
        finally:
            raw.close()
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        with autocommit.connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        # executemany on the DBAPI cursor, values converted by the columns' own bind processors
        # (the storage SQLAlchemy would use), in one transaction
        with engine.begin() as conn:
            dialect = conn.dialect
            cursor = conn.connection.driver_connection.cursor()
            for model, columns in Dataset.TABLES.items():
                table = model.__table__
                processors = [
                    table.c[name].type._cached_bind_processor(dialect) for name in columns
                ]
                sql = (
                    f'INSERT INTO "{table.name}" ({", ".join(columns)}) '
                    f"VALUES ({', '.join('?' for _ in columns)})"
                )
                cursor.executemany(
                    sql,
                    (
                        tuple(
                            v if f is None or v is None else f(v)
                            for f, v in zip(processors, row, strict=True)
                        )
                        for row in data.rows(model)
                    ),
                )
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# The approaches
# ---------------------------------------------------------------------------------------------


def ours(session: Session, viewer: Viewer, _school_id: int, today: dt.date):
    return search_offers(session, viewer, SearchQuery(), today=today)


def _reference_result(session, school_id, today, core):
    """R1 check, perimeter and page cards exactly as ours; ``core`` returns (total, page)."""
    p = search_service._perimeter(session, school_id, today)
    c = search_service._clamp(SearchQuery(), p)
    total, page = core(session, p, c)
    cards = search_service._cards(session, page, p.weeks)
    return search_service.SearchResult(
        cards=cards,
        total=total,
        page=1,
        pages=max(1, -(-total // c.page_size)),
        radius_km=c.radius_km,
        national=p.national,
        weeks=p.weeks,
        suggestions=[],
    )


def naive(session: Session, viewer: Viewer, school_id: int, today: dt.date):
    access.pupil_with_open_access(session, viewer)

    def core(session, p, c):
        rows = session.execute(
            select(OfferWeek.offer_id, OfferWeek.latitude, OfferWeek.longitude).where(
                OfferWeek.week_start.in_(p.weeks), OfferWeek.searchable.is_(True)
            )
        ).all()
        best: dict[int, float] = {}
        for oid, lat, lon in rows:
            if oid not in best:
                best[oid] = haversine_km(p.latitude, p.longitude, lat, lon)
        hits = sorted((d, oid) for oid, d in best.items() if d <= c.radius_km)
        return len(hits), [(oid, d) for d, oid in hits[: c.page_size]]

    return _reference_result(session, school_id, today, core)


POSTGIS_SQL = text("""
    SELECT o.id, ST_Distance(o.geog, pt.g, false) / 1000.0 AS km, count(*) OVER () AS total
    FROM offer o,
         (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography AS g) AS pt
    WHERE ST_DWithin(o.geog, pt.g, :meters, false)
      AND o.status = 'published'
      AND EXISTS (SELECT 1 FROM offer_week w
                  WHERE w.offer_id = o.id AND w.week_start = ANY(:weeks) AND w.searchable)
    ORDER BY km, o.id
    LIMIT :limit
""")


def postgis(session: Session, viewer: Viewer, school_id: int, today: dt.date):
    access.pupil_with_open_access(session, viewer)

    def core(session, p, c):
        rows = session.execute(
            POSTGIS_SQL,
            {
                "lat": p.latitude,
                "lon": p.longitude,
                "meters": c.radius_km * 1000.0,
                "weeks": list(p.weeks),
                "limit": c.page_size,
            },
        ).all()
        total = int(rows[0].total) if rows else 0
        return total, [(r.id, r.km) for r in rows]

    return _reference_result(session, school_id, today, core)


def timed(engine, approach, viewer, school_id, today) -> tuple[float, tuple]:
    """One search in its own short session, as a web request would do: (ms, answer)."""
    start = time.perf_counter()
    with Session(engine) as session:
        result = approach(session, viewer, school_id, today)
    elapsed = (time.perf_counter() - start) * 1000.0
    return elapsed, (result.total, [card.id for card in result.cards])


def run_side_by_side(runners: dict, data: Dataset, limits: dict) -> dict:
    """The searches in blocks of BLOCK: each block through every approach in turn (the order
    rotating from block to block), so that the machine's load weighs on all of them alike while
    each approach runs with its own caches warm, as a steadily used server would.
    Returns {name: (times, answers)}."""
    for engine, approach in runners.values():  # warm caches, pools, plans: not timed
        for viewer, school_id in data.searches[:WARMUP]:
            timed(engine, approach, viewer, school_id, data.today)
    out = {name: ([], []) for name in runners}
    names = list(runners)
    for block, first in enumerate(range(0, len(data.searches), BLOCK)):
        shift = block % len(names)
        for name in names[shift:] + names[:shift]:
            engine, approach = runners[name]
            for i in range(first, min(first + BLOCK, len(data.searches))):
                if i >= limits.get(name, len(data.searches)):
                    break
                viewer, school_id = data.searches[i]
                ms, answer = timed(engine, approach, viewer, school_id, data.today)
                out[name][0].append(ms)
                out[name][1].append(answer)
        if (first + BLOCK) % 100 == 0:
            log(f"{first + BLOCK} recherches")
    return out


def mismatches(reference: list, other: list) -> int:
    return sum(1 for a, b in zip(reference, other, strict=False) if a != b)


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


def prepare(url: str, data_dir: Path) -> tuple[object, float]:
    start = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    import_reference(engine, data_dir)
    return engine, time.perf_counter() - start


def ensure_postgis(engine) -> str | None:
    """Create the postgis extension in the bench database, installing the Debian package when
    missing. Returns None when ready, else a French reason."""
    with engine.connect() as conn:
        available = conn.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        ).first()
        major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    if not available:
        package = f"postgresql-{major}-postgis-3"
        if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
            return f"PostGIS absent et installation impossible (paquet {package}, root requis)"
        log(f"installation de {package} (apt-get)…")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", package],
        ):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                return f"échec de « {' '.join(cmd)} » : {done.stderr.strip()[-300:]}"
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except Exception as exc:  # noqa: BLE001 - reported in the JSON
        return f"CREATE EXTENSION postgis impossible : {str(exc).splitlines()[0][:300]}"
    return None


def add_geography(engine) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE offer ADD COLUMN IF NOT EXISTS geog geography(Point, 4326)"))
        conn.execute(
            text(
                "UPDATE offer SET geog = ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)"
                "::geography"
            )
        )
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_offer_geog ON offer USING GIST (geog)"))
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("VACUUM ANALYZE offer"))
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, required=True, help="nombre d'offres publiées")
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument(
        "--pg-url",
        default=DEFAULT_PG,
        help="serveur PostgreSQL (une base privée y est créée puis supprimée)",
    )
    parser.add_argument("--skip-postgis", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgresql", action="store_true")
    parser.add_argument(
        "--naive-searches",
        type=int,
        default=None,
        help="recherches de la référence naïve (défaut : toutes jusqu'à 200 000 "
        "offres, 100 au-delà)",
    )
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or settings.data_dir()
    if data_dir is None or not (Path(data_dir) / "communes_fr.csv").exists():
        parser.error("dossier des données de référence introuvable : --data-dir")
    naive_n = args.naive_searches
    if naive_n is None:
        naive_n = args.searches if args.offers <= 200_000 else min(args.searches, 100)
    today = dt.date.today()
    out: dict = {"offers": args.offers, "searches": args.searches, "naive_searches": naive_n}
    seconds: dict = {}
    runners: dict = {}
    engines = []

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-search-"))
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        sqlite, seconds["sqlite_reference_import"] = prepare(sqlite_url, data_dir)
        engines.append(sqlite)
        start = time.perf_counter()
        data = Dataset(sqlite, args.offers, args.searches, args.seed, today)
        seconds["generate"] = time.perf_counter() - start
        out["offer_weeks"] = len(data.offer_weeks)
        out["searchable_offer_weeks"] = sum(1 for w in data.offer_weeks if w[-1])
        log(f"{len(data.offers)} offres, {len(data.offer_weeks)} semaines d'offre générées")
        if not args.skip_sqlite:
            seconds["sqlite_load"] = load(sqlite, data)
            runners["sqlite"] = (sqlite, ours)
            if naive_n:
                runners["naive_sqlite"] = (sqlite, naive)
            log("SQLite chargé")
        if not args.skip_postgresql:
            try:
                pg_url = stack.enter_context(pg_database(args.pg_url))
                pg, seconds["postgresql_reference_import"] = prepare(pg_url, data_dir)
                engines.append(pg)
                seconds["postgresql_load"] = load(pg, data)
                runners["postgresql"] = (pg, ours)
                if naive_n:
                    runners["naive_postgresql"] = (pg, naive)
                log("PostgreSQL chargé")
                if args.skip_postgis:
                    out["postgis"] = "skipped"
                else:
                    reason = ensure_postgis(pg)
                    if reason:
                        out["postgis"] = f"unavailable: {reason}"
                    else:
                        seconds["postgis_index"] = add_geography(pg)
                        runners["postgis"] = (pg, postgis)
            except Exception as exc:  # noqa: BLE001 - a missing server must not hide SQLite
                out["postgresql"] = f"unavailable: {str(exc).splitlines()[0][:200]}"
        if not runners:
            parser.error("aucune base à mesurer")
        out["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
        log(f"recherches côte à côte : {', '.join(runners)}")
        start = time.perf_counter()
        results = run_side_by_side(
            runners, data, {"naive_sqlite": naive_n, "naive_postgresql": naive_n}
        )
        seconds["searches"] = time.perf_counter() - start
        out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        for engine in engines:
            engine.dispose()

    reference_name = "sqlite" if "sqlite" in results else "postgresql"
    reference = results.get(reference_name, ([], []))[1]
    for name, (times, answers) in results.items():
        out[name] = stats(times)
        if name != reference_name and reference:
            out.setdefault("mismatches", {})[name] = mismatches(reference, answers)
    if reference:
        out["avg_total"] = round(statistics.fmean(t for t, _ in reference), 1)
        out["max_total"] = max(t for t, _ in reference)

    targets: dict = {}
    limit_ms = 15.0 if args.offers <= 100_000 else 100.0
    for db in ("sqlite", "postgresql"):
        if isinstance(out.get(db), dict) and (db == "postgresql" or args.offers <= 100_000):
            targets[f"{db}_p95_le_{int(limit_ms)}ms"] = out[db]["p95_ms"] <= limit_ms
    if isinstance(out.get("postgis"), dict):
        for db in ("sqlite", "postgresql"):
            if isinstance(out.get(db), dict):
                ratio = out["postgis"]["p95_ms"] / out[db]["p95_ms"]
                out[f"postgis_over_{db}_p95"] = round(ratio, 2)
                if args.offers <= 100_000:
                    targets[f"{db}_3x_faster_than_postgis"] = ratio >= 3
    out["targets_met"] = targets
    out["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
