"""Import of the national reference directories: communes, collèges and ONISEP sectors.

``import_reference(engine, data_dir)`` reads four open-data files from ``data_dir``:

- ``communes_fr.csv``   every commune of the COG (communes and the municipal arrondissements of
  Paris, Lyon and Marseille) → :class:`Commune`;
- ``colleges_fr.csv``   every collège → :class:`School`;
- ``monstage_sectors.csv`` the ONISEP sectors, rows with ``in_seed_list=1`` → :class:`Sector`;
- ``rep_rep_plus_rentree_2022.csv`` (``;``-separated) only to learn each académie's e-mail domain
  from the functional addresses ``ce.<UAI>@ac-xxx.fr`` it lists.

All or nothing: every file is read and validated completely before anything is written; the first
problem raises :class:`ImportDataError` whose French message names the file, the line and the
column. The writes then happen in one transaction of bulk upserts (``INSERT … ON CONFLICT DO
UPDATE`` on the natural keys: INSEE code, UAI, sector uuid), so a re-import inserts nothing twice,
updates what changed, leaves unchanged rows untouched and never deletes a row. Columns the
application owns (``School.national_search*``, ``School.registered_at``, ``Sector.active``,
``Sector.created_at``) are never overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

from sqlalchemy import String, Table, TypeDecorator, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from stages_app.models.reference import Commune, School, Sector
from stages_app.services.errors import ImportDataError
from stages_app.services.text import clean_line, search_key, slug

if TYPE_CHECKING:
    from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

Progress = Callable[[str, int, int], None]

COLLEGES_FILE = "colleges_fr.csv"
COMMUNES_FILE = "communes_fr.csv"
SECTORS_FILE = "monstage_sectors.csv"
REP_FILE = "rep_rep_plus_rentree_2022.csv"

CHUNK = 2000  # rows per progress step and per bulk statement

_UAI = re.compile(r"^[0-9]{7}[A-Z]$")
_UAI_KEY_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # check letter = number of the 7 digits mod 23
_INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")  # 2A/2B: Corsica
_POSTAL = re.compile(r"^[0-9]{5}$")
_DEPARTMENT = re.compile(r"^[0-9][0-9AB][0-9]?$")
_ACADEMY = re.compile(r"^[0-9]{1,3}$")
# The seed list's ids are uuid-shaped but one of them ("82738129-au8h-…") is not hexadecimal:
# they are opaque stable identifiers, checked for shape only.
_SEED_ID = re.compile(r"^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$")
_FUNCTIONAL_ADDRESS = re.compile(
    r"^ce\.[0-9]{7}[a-z]@((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})$", re.IGNORECASE
)
_PRIORITY = {"": "", "REP": "REP", "REP+": "REP+"}
_SECTOR_PUBLIC = {"public": False, "prive": True}
_COMMUNE_KINDS = {"COM", "ARM"}


def _uai_ok(uai: str) -> bool:
    return bool(_UAI.match(uai)) and _UAI_KEY_LETTERS[int(uai[:7]) % 23] == uai[7]


def _table(model: type[SQLModel]) -> Table:
    table: Table = model.__table__  # type: ignore[attr-defined]  # set by SQLModel, undeclared
    return table


def _max_length(table: Table, column: str) -> int | None:
    column_type = table.c[column].type
    # the length-checked columns are VARCHARs (sqlmodel's AutoString forwards ``length`` to one)
    assert isinstance(column_type, String | TypeDecorator)
    length: int | None = column_type.length
    return length


# --------------------------------------------------------------------------------------------
# Reading CSV files with precise error locations
# --------------------------------------------------------------------------------------------


def _shorten(value: str, size: int = 40) -> str:
    return value if len(value) <= size else value[: size - 1] + "…"


def _found(value: str) -> str:
    return f"« {_shorten(value)} »" if value else "une valeur vide"


@dataclass
class _Row:
    """One record of a CSV file; every accessor raises ImportDataError at file/line/column."""

    file: str
    line: int
    values: dict[str, str]

    def error(self, column: str | None, problem: str) -> ImportDataError:
        where = f"{self.file}, ligne {self.line}"
        if column:
            where += f", colonne « {column} »"
        return ImportDataError(f"{where} : {problem}", field=column)

    def text(self, column: str, *, required: bool = False) -> str:
        value = clean_line(self.values[column])
        if required and not value:
            raise self.error(column, "valeur obligatoire manquante.")
        return value

    def match(
        self, column: str, pattern: re.Pattern[str], expected: str, *, required: bool = True
    ) -> str:
        value = clean_line(self.values[column])
        if not value and not required:
            return ""
        if not pattern.match(value):
            raise self.error(column, f"{expected} attendu, {_found(value)} trouvé.")
        return value

    def integer(self, column: str, *, default: int) -> int:
        value = clean_line(self.values[column])
        if not value:
            return default
        if not value.isascii() or not value.isdigit():
            raise self.error(column, f"nombre entier positif attendu, {_found(value)} trouvé.")
        return int(value)

    def coordinates(self, lat_column: str, lon_column: str) -> tuple[float | None, float | None]:
        """(lat, lon) in degrees, or (None, None) when both cells are empty."""
        raw = {c: clean_line(self.values[c]) for c in (lat_column, lon_column)}
        if not raw[lat_column] and not raw[lon_column]:
            return None, None
        result = []
        for column, limit in ((lat_column, 90.0), (lon_column, 180.0)):
            value = raw[column]
            if not value:
                other = lon_column if column == lat_column else lat_column
                raise self.error(column, f"valeur manquante alors que « {other} » est renseignée.")
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise self.error(column, f"nombre décimal attendu, {_found(value)} trouvé.")
            if not -limit <= number <= limit:
                raise self.error(
                    column,
                    f"valeur hors limites ({value}), attendue entre -{limit:g} et {limit:g}.",
                )
            result.append(number)
        return result[0], result[1]

    def check_lengths(
        self, table: Table, values: Mapping[str, object], columns: dict[str, str]
    ) -> None:
        """``columns``: field → CSV column; a value longer than its database column is refused."""
        for field, column in columns.items():
            limit = _max_length(table, field)
            value = values[field]
            assert isinstance(value, str)  # the length-checked fields are texts
            if limit is not None and len(value) > limit:
                raise self.error(
                    column,
                    f"valeur trop longue ({len(value)} caractères, {limit} au plus).",
                )


def _read_csv(data_dir: Path, name: str, delimiter: str, columns: Iterable[str]) -> list[_Row]:
    """Read a whole UTF-8 CSV file (BOM tolerated) and check its header.

    Header cells are matched to ``columns`` ignoring case, accents and surrounding spaces (the
    ministry's REP file has trailing spaces in its header). Each row's values are keyed by the
    expected column names; line numbers are those a spreadsheet shows (header = line 1).
    """
    path = data_dir / name
    if not path.is_file():
        raise ImportDataError(f"{name} : fichier introuvable dans le dossier {data_dir}.")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportDataError(f"{name} : lecture impossible ({exc.strerror}).") from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportDataError(
            f"{name}, ligne {line} : encodage non reconnu, "
            "le fichier doit être enregistré en UTF-8."
        ) from exc
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportDataError(f"{name}, ligne 1 : fichier vide, en-tête attendu.") from None
    except csv.Error as exc:
        raise ImportDataError(f"{name}, ligne 1 : en-tête illisible ({exc}).") from exc
    positions = {search_key(cell): i for i, cell in reversed(list(enumerate(header)))}
    index: dict[str, int] = {}
    for column in columns:
        position = positions.get(search_key(column))
        if position is None:
            hint = ""
            other = ";" if delimiter == "," else ","
            if len(header) == 1 and other in header[0]:
                hint = f" (séparateur « {delimiter} » attendu, « {other} » trouvé)"
            raise ImportDataError(
                f"{name}, ligne 1, colonne « {column} » : colonne absente de l'en-tête{hint}.",
                field=column,
            )
        index[column] = position
    width = len(header)
    rows: list[_Row] = []
    line = reader.line_num + 1  # first line of the next record (a quoted field may span lines)
    try:
        for fields in reader:
            if fields and not (len(fields) == 1 and not fields[0].strip()):  # skip blank lines
                if len(fields) != width:
                    column = header[len(fields)].strip() if len(fields) < width else "(en trop)"
                    raise ImportDataError(
                        f"{name}, ligne {line}, colonne « {column} » : {len(fields)} valeurs "
                        f"trouvées, {width} attendues.",
                        field=column,
                    )
                rows.append(_Row(name, line, {c: fields[i] for c, i in index.items()}))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportDataError(f"{name}, ligne {line} : ligne illisible ({exc}).") from exc
    return rows


def _stepper(progress: Progress | None, label: str, total: int) -> Callable[[int], None]:
    """Report every CHUNK rows and at the end."""
    if progress is None:
        return lambda _done: None
    progress(label, 0, total)

    def step(done: int) -> None:
        if done == total or done % CHUNK == 0:
            progress(label, done, total)

    return step


# --------------------------------------------------------------------------------------------
# Parsing each file into plain dicts ready for the database
# --------------------------------------------------------------------------------------------


class CommuneValues(TypedDict):
    insee_code: str
    kind: str
    parent_insee_code: str
    name: str
    full_name: str
    search_name: str
    department_code: str
    department_name: str
    postal_codes: str
    population: int
    latitude: float | None
    longitude: float | None


class CollegeValues(TypedDict):
    uai: str
    name: str
    is_private: bool
    private_contract: str
    address: str
    postal_code: str
    commune_name: str
    commune_insee: str
    department_code: str
    department_name: str
    academy_code: str
    academy_name: str
    region_name: str
    latitude: float | None
    longitude: float | None
    priority_education: str
    academy_domain: NotRequired[str]  # set by import_reference from academy_domains


class SectorValues(TypedDict):
    uuid: str
    name: str
    onisep_url: str


class SeedSector(SectorValues):
    _line: int


COMMUNE_COLUMNS = (
    "code_insee",
    "nom",
    "nom_complet",
    "type",
    "code_commune_parent",
    "code_departement",
    "nom_departement",
    "codes_postaux",
    "population_municipale",
    "latitude",
    "longitude",
)
_COMMUNE_LENGTHS = {
    "name": "nom",
    "full_name": "nom_complet",
    "search_name": "nom_complet",
    "department_name": "nom_departement",
    "postal_codes": "codes_postaux",
}


def parse_communes(data_dir: Path, progress: Progress | None = None) -> list[CommuneValues]:
    """Communes (and municipal arrondissements) as Commune dicts, keyed by INSEE code."""
    rows = _read_csv(data_dir, COMMUNES_FILE, ",", COMMUNE_COLUMNS)
    table = _table(Commune)
    step = _stepper(progress, "Communes", len(rows))
    seen: dict[str, int] = {}
    result: list[CommuneValues] = []
    for done, row in enumerate(rows, 1):
        code = row.match("code_insee", _INSEE, "code INSEE à 5 caractères")
        if code in seen:
            raise row.error("code_insee", f"code {code} en double (déjà ligne {seen[code]}).")
        seen[code] = row.line
        kind = row.text("type", required=True).upper()
        if kind not in _COMMUNE_KINDS:
            raise row.error("type", f"« COM » ou « ARM » attendu, {_found(kind)} trouvé.")
        parent = row.match(
            "code_commune_parent",
            _INSEE,
            "code INSEE de la commune parente",
            required=kind == "ARM",
        )
        name = row.text("nom", required=True)
        full_name = row.text("nom_complet") or name
        # "91000|91080" in the COG extract; stored ";"-separated
        postal_codes: list[str] = []
        for postal_code in re.split(r"[|;,\s]+", row.values["codes_postaux"].strip()):
            if postal_code and not _POSTAL.match(postal_code):
                raise row.error(
                    "codes_postaux",
                    f"code postal à 5 chiffres attendu, {_found(postal_code)} trouvé.",
                )
            if postal_code and postal_code not in postal_codes:
                postal_codes.append(postal_code)
        # searchable with or without the article: "l hay les roses" contains "hay les roses"
        key = search_key(full_name)
        if search_key(name) not in key:
            key = f"{key} {search_key(name)}"
        latitude, longitude = row.coordinates("latitude", "longitude")
        values: CommuneValues = {
            "insee_code": code,
            "kind": kind,
            "parent_insee_code": parent,
            "name": name,
            "full_name": full_name,
            "search_name": key,
            "department_code": row.match("code_departement", _DEPARTMENT, "code de département"),
            "department_name": row.text("nom_departement"),
            "postal_codes": ";".join(postal_codes),
            "population": row.integer("population_municipale", default=0),
            "latitude": latitude,
            "longitude": longitude,
        }
        row.check_lengths(table, values, _COMMUNE_LENGTHS)
        result.append(values)
        step(done)
    postal_codes_length = _max_length(table, "postal_codes")
    assert postal_codes_length is not None  # a VARCHAR(200)
    _give_cities_their_arrondissements_postal_codes(result, postal_codes_length)
    return result


def _give_cities_their_arrondissements_postal_codes(
    communes: list[CommuneValues], limit: int
) -> None:
    """Paris, Lyon and Marseille carry no postal code in the COG: their arrondissements do."""
    by_code = {c["insee_code"]: c for c in communes}
    children: dict[str, set[str]] = defaultdict(set)
    for commune in communes:
        if commune["kind"] == "ARM" and commune["postal_codes"]:
            children[commune["parent_insee_code"]].update(commune["postal_codes"].split(";"))
    for parent_code, codes in children.items():
        parent = by_code.get(parent_code)
        joined = ";".join(sorted(codes))
        if parent is not None and not parent["postal_codes"] and len(joined) <= limit:
            parent["postal_codes"] = joined


COLLEGE_COLUMNS = (
    "uai",
    "nom",
    "secteur",
    "contrat_prive",
    "adresse",
    "code_postal",
    "commune",
    "code_insee_commune",
    "code_departement",
    "nom_departement",
    "code_academie",
    "nom_academie",
    "nom_region",
    "latitude",
    "longitude",
    "education_prioritaire",
)
_COLLEGE_LENGTHS = {
    "name": "nom",
    "private_contract": "contrat_prive",
    "address": "adresse",
    "commune_name": "commune",
    "department_name": "nom_departement",
    "academy_name": "nom_academie",
    "region_name": "nom_region",
}


def parse_colleges(
    data_dir: Path,
    commune_names: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> list[CollegeValues]:
    """Collèges as School dicts, without ``academy_domain`` (see :func:`academy_domains`).

    ``commune_names`` (INSEE code → official full name) replaces the ministry's spelling of the
    commune ("Saint-Etienne", "Marseille  2e  Arrondissement") by the COG's ("Saint-Étienne").
    """
    rows = _read_csv(data_dir, COLLEGES_FILE, ",", COLLEGE_COLUMNS)
    table = _table(School)
    commune_names = commune_names or {}
    step = _stepper(progress, "Collèges", len(rows))
    seen: dict[str, int] = {}
    result: list[CollegeValues] = []
    for done, row in enumerate(rows, 1):
        uai = clean_line(row.values["uai"]).upper()
        if not _uai_ok(uai):
            raise row.error(
                "uai", f"code UAI attendu (7 chiffres et leur lettre clé), {_found(uai)} trouvé."
            )
        if uai in seen:
            raise row.error("uai", f"UAI {uai} en double (déjà ligne {seen[uai]}).")
        seen[uai] = row.line
        sector = search_key(row.values["secteur"])
        if sector not in _SECTOR_PUBLIC:
            raise row.error(
                "secteur",
                f"« Public » ou « Privé » attendu, "
                f"{_found(clean_line(row.values['secteur']))} trouvé.",
            )
        priority = clean_line(row.values["education_prioritaire"]).upper().replace(" ", "")
        if priority not in _PRIORITY:
            raise row.error(
                "education_prioritaire",
                f"« REP », « REP+ » ou vide attendu, {_found(priority)} trouvé.",
            )
        commune_insee = row.match("code_insee_commune", _INSEE, "code INSEE à 5 caractères")
        file_commune = row.text("commune", required=True)
        commune_name = commune_names.get(commune_insee) or file_commune
        # Three collèges opening in 2024-2025 have no name yet in the ministry's directory: keep
        # them (a principal must be able to find them) under an explicit placeholder.
        name = row.text("nom") or f"Collège (nom non communiqué), {commune_name}"
        latitude, longitude = row.coordinates("latitude", "longitude")
        values: CollegeValues = {
            "uai": uai,
            "name": name,
            "is_private": _SECTOR_PUBLIC[sector],
            "private_contract": row.text("contrat_prive"),
            "address": row.text("adresse"),
            "postal_code": row.match(
                "code_postal", _POSTAL, "code postal à 5 chiffres", required=False
            ),
            "commune_name": commune_name,
            "commune_insee": commune_insee,
            "department_code": row.match("code_departement", _DEPARTMENT, "code de département"),
            "department_name": row.text("nom_departement"),
            "academy_code": row.match("code_academie", _ACADEMY, "code d'académie (chiffres)"),
            "academy_name": row.text("nom_academie", required=True),
            "region_name": row.text("nom_region"),
            "latitude": latitude,
            "longitude": longitude,
            "priority_education": _PRIORITY[priority],
        }
        row.check_lengths(table, values, _COLLEGE_LENGTHS)
        result.append(values)
        step(done)
    return result


SECTOR_COLUMNS = ("name", "in_seed_list", "onisep_url", "seed_uuid")


def parse_sectors(data_dir: Path, progress: Progress | None = None) -> list[SeedSector]:
    """The sectors of the seed list (``in_seed_list=1``); the other rows are production labels.

    Each dict keeps its line number under ``"_line"`` for later messages.
    """
    rows = _read_csv(data_dir, SECTORS_FILE, ",", SECTOR_COLUMNS)
    table = _table(Sector)
    step = _stepper(progress, "Secteurs", len(rows))
    seen_ids: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    result: list[SeedSector] = []
    for done, row in enumerate(rows, 1):
        flag = clean_line(row.values["in_seed_list"])
        if flag not in ("0", "1"):
            raise row.error("in_seed_list", f"0 ou 1 attendu, {_found(flag)} trouvé.")
        if flag == "1":
            row.values["seed_uuid"] = row.values["seed_uuid"].lower()
            seed_id = row.match(
                "seed_uuid",
                _SEED_ID,
                "identifiant de la forme xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            )
            if seed_id in seen_ids:
                raise row.error(
                    "seed_uuid", f"identifiant en double (déjà ligne {seen_ids[seed_id]})."
                )
            seen_ids[seed_id] = row.line
            name = row.text("name", required=True)
            if search_key(name) in seen_names:
                raise row.error(
                    "name", f"secteur en double (déjà ligne {seen_names[search_key(name)]})."
                )
            seen_names[search_key(name)] = row.line
            url = row.text("onisep_url")
            if url and not re.match(r"^https?://\S+$", url):
                raise row.error("onisep_url", f"adresse web attendue, {_found(url)} trouvé.")
            values: SectorValues = {"uuid": seed_id, "name": name, "onisep_url": url}
            row.check_lengths(table, values, {"name": "name", "onisep_url": "onisep_url"})
            result.append({**values, "_line": row.line})
        step(done)
    return result


REP_COLUMNS = ("ACADEMIE", "NUMERO", "contact collège ou circonscription")


def academy_domains(
    data_dir: Path, colleges: list[CollegeValues], progress: Progress | None = None
) -> dict[str, str]:
    """Académie code → e-mail domain ("24" → "ac-creteil.fr"), learnt from the REP/REP+ file.

    The REP file names académies by label ("CRETEIL") and lists, for each school of a network, a
    functional address ``ce.<UAI>@<domain>``. Joining its UAI column to the collèges gives the
    académie code of each label; the domain of an académie is then the most frequent one over
    *all* the rows of its label (not only its collèges: in Normandie the collèges of 2022 still
    used the legacy ac-rouen.fr / ac-caen.fr, the académie's 261 other addresses ac-normandie.fr).
    Malformed addresses (e.g. "ce.9740812P@ac-la reunion.fr") are ignored, not fatal: this file is
    only a source of hints. Académies absent from it fall back to "ac-" + slug(name) + ".fr".
    """
    rows = _read_csv(data_dir, REP_FILE, ";", REP_COLUMNS)
    step = _stepper(progress, "Réseaux REP", len(rows))
    academy_of_uai = {c["uai"]: c["academy_code"] for c in colleges}
    codes_of_label: dict[str, Counter[str]] = defaultdict(Counter)
    domains_of_label: dict[str, Counter[str]] = defaultdict(Counter)
    for done, row in enumerate(rows, 1):
        label = search_key(row.values["ACADEMIE"])  # "lILLE" and "LILLE" are the same
        code = academy_of_uai.get(clean_line(row.values["NUMERO"]).upper())
        if label and code:
            codes_of_label[label][code] += 1
        address = clean_line(row.values["contact collège ou circonscription"])
        found = _FUNCTIONAL_ADDRESS.match(address)
        if label and found:
            domains_of_label[label][found.group(1).lower()] += 1
        step(done)
    domains_of_code: dict[str, Counter[str]] = defaultdict(Counter)
    for label, codes in codes_of_label.items():
        domains_of_code[_most_frequent(codes)].update(domains_of_label.get(label, Counter()))
    names = {c["academy_code"]: c["academy_name"] for c in colleges}
    return {
        code: (
            _most_frequent(domains_of_code[code])
            if domains_of_code.get(code)
            else f"ac-{slug(name)}.fr"
        )
        for code, name in names.items()
    }


def _most_frequent(counter: Counter[str]) -> str:
    """The most frequent key; ties broken alphabetically so the result is reproducible."""
    return min(counter.items(), key=lambda item: (-item[1], item[0]))[0]


# --------------------------------------------------------------------------------------------
# Writing: bulk upserts in one transaction
# --------------------------------------------------------------------------------------------


def _upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, object]],
    key: str,
    insert_only: Mapping[str, object],
    on_chunk: Callable[[int], None],
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE the row's data columns, only when one differs.

    ``insert_only`` columns are set on insertion and never updated (application-owned columns).
    """
    if not rows:
        return
    dialect = conn.dialect.name
    insert: Callable[[Table], SqliteInsert | PostgresqlInsert]
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        insert = sqlite_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        insert = postgresql_insert
    else:  # pragma: no cover - the application supports SQLite and PostgreSQL only
        raise NotImplementedError(f"import non pris en charge pour la base {dialect}")
    data_columns = [c for c in rows[0] if c != key]
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key]],
        set_={c: stmt.excluded[c] for c in data_columns},
        where=or_(*(table.c[c].is_distinct_from(stmt.excluded[c]) for c in data_columns)),
    )
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        if insert_only:
            chunk = [{**insert_only, **r} for r in chunk]
        conn.execute(stmt, chunk)
        on_chunk(len(chunk))


def _check_sector_names(conn: Connection, sectors: list[SeedSector]) -> None:
    """A sector created by hand with a seed sector's name would collide with uq_sector_name."""
    table = _table(Sector)
    existing = {
        search_key(name): uuid for uuid, name in conn.execute(select(table.c.uuid, table.c.name))
    }
    for sector in sectors:
        other = existing.get(search_key(sector["name"]))
        if other is not None and other != sector["uuid"]:
            raise ImportDataError(
                f"{SECTORS_FILE}, ligne {sector['_line']}, colonne « name » : le secteur "
                f"« {sector['name']} » existe déjà dans la base sous un autre identifiant "
                f"({other}) ; renommez-le avant l'import.",
                field="name",
            )


def import_reference(
    engine: Engine, data_dir: Path, progress: Progress | None = None
) -> dict[str, int]:
    """Import (or refresh) communes, collèges and sectors from ``data_dir``.

    Returns the number of rows imported from each file:
    ``{"colleges": 7654, "communes": 34920, "sectors": 43}``.
    Raises ImportDataError (nothing written) when a file or a row is malformed.
    ``progress(label, done, total)`` is called per file every few thousand rows.
    """
    data_dir = Path(data_dir)
    communes = parse_communes(data_dir, progress)
    names = {c["insee_code"]: c["full_name"] for c in communes}
    colleges = parse_colleges(data_dir, names, progress)
    sectors = parse_sectors(data_dir, progress)
    domains = academy_domains(data_dir, colleges, progress)
    for college in colleges:
        college["academy_domain"] = domains[college["academy_code"]]

    total = len(communes) + len(colleges) + len(sectors)
    written = 0

    def on_chunk(count: int) -> None:
        nonlocal written
        written += count
        if progress is not None:
            progress("Écriture", written, total)

    if progress is not None:
        progress("Écriture", 0, total)
    with engine.begin() as conn:
        _check_sector_names(conn, sectors)
        sector_values = [{k: v for k, v in s.items() if k != "_line"} for s in sectors]
        _upsert(conn, _table(Commune), communes, "insee_code", {}, on_chunk)
        _upsert(
            conn,
            _table(School),
            colleges,
            "uai",
            {
                "national_search": False,
                "national_search_by_id": None,
                "national_search_at": None,
                "registered_at": None,
            },
            on_chunk,
        )
        _upsert(
            conn,
            _table(Sector),
            sector_values,
            "uuid",
            # aware: the column type (sqlmodel UTCDateTime) refuses naive datetimes
            {"active": True, "created_at": dt.datetime.now(dt.UTC)},
            on_chunk,
        )
    return {"colleges": len(colleges), "communes": len(communes), "sectors": len(sectors)}
