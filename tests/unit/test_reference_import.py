"""Import of the national directories (communes, collèges, sectors) from small synthetic files.

Each test writes its own CSV files in tmp_path, with the real files' headers, and runs on SQLite
and on PostgreSQL (``engine`` fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from stages_app.models import Commune, School, Sector
from stages_app.services.errors import ImportDataError
from stages_app.services.reference import import_reference

_KEY_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def uai(number: int) -> str:
    """A well-formed UAI: 7 digits and their check letter."""
    return f"{number:07d}{_KEY_LETTERS[number % 23]}"


UAI_EVRY = uai(911234)  # public, REP+, Versailles
UAI_PARIS = uai(751111)  # private, Paris 11e
UAI_CAEN = uai(141111)  # public, REP, Normandie
UAI_REUNION = uai(974321)  # public, La Réunion (absent from the REP file)
UAI_NOUMEA = uai(9830304)  # no coordinates, Nouvelle Calédonie
UAI_NEW = uai(342580)  # new collège without a name yet

COMMUNE_HEADER = [
    "code_insee",
    "nom",
    "nom_complet",
    "type",
    "code_commune_parent",
    "code_departement",
    "nom_departement",
    "code_region",
    "nom_region",
    "codes_postaux",
    "population_municipale",
    "latitude",
    "longitude",
    "coord_source",
    "latitude_mairie",
    "longitude_mairie",
]
COLLEGE_HEADER = [
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
    "code_region",
    "nom_region",
    "latitude",
    "longitude",
    "coord_source",
    "qualite_geocodage",
    "education_prioritaire",
    "etat",
    "nature",
]
SECTOR_HEADER = [
    "name",
    "in_seed_list",
    "in_production_cover_mapping",
    "cover_svg",
    "onisep_url",
    "seed_uuid",
]
REP_HEADER = [
    "ACADEMIE",
    "N°Département",
    "DEPARTEMENT",
    "COMMUNE",
    "UAI tête de réseau",
    "NUMERO",
    "NOM DE L'ETABLISSEMENT",
    "TYPE_DETABLISSEMENT",
    "EP",
    "circonscription ",
    "contact collège ou circonscription ",
]


def _commune(
    code,
    nom,
    complet=None,
    *,
    kind="COM",
    parent="",
    dep="91",
    dep_name="Essonne",
    postal="",
    pop="1000",
    lat="48.6",
    lon="2.4",
):
    return {
        "code_insee": code,
        "nom": nom,
        "nom_complet": complet or nom,
        "type": kind,
        "code_commune_parent": parent,
        "code_departement": dep,
        "nom_departement": dep_name,
        "code_region": "11",
        "nom_region": "Île-de-France",
        "codes_postaux": postal,
        "population_municipale": pop,
        "latitude": lat,
        "longitude": lon,
        "coord_source": "centroid_admin_express" if lat else "",
        "latitude_mairie": "",
        "longitude_mairie": "",
    }


def _college(
    code,
    nom,
    *,
    secteur="Public",
    contrat="",
    commune="Évry-Courcouronnes",
    insee="91228",
    postal="91000",
    dep="91",
    dep_name="Essonne",
    aca="25",
    aca_name="Versailles",
    lat="48.62",
    lon="2.44",
    ep="",
):
    return {
        "uai": code,
        "nom": nom,
        "secteur": secteur,
        "contrat_prive": contrat,
        "adresse": "1 rue de l'École",
        "code_postal": postal,
        "commune": commune,
        "code_insee_commune": insee,
        "code_departement": dep,
        "nom_departement": dep_name,
        "code_academie": aca,
        "nom_academie": aca_name,
        "code_region": "11",
        "nom_region": "Ile-de-France",
        "latitude": lat,
        "longitude": lon,
        "coord_source": "etablissement" if lat else "",
        "qualite_geocodage": "Parfaite",
        "education_prioritaire": ep,
        "etat": "OUVERT",
        "nature": "COLLEGE",
    }


def _rep(academie, numero, contact, kind="COLLEGE"):
    return {
        "ACADEMIE": academie,
        "N°Département": "",
        "DEPARTEMENT": "",
        "COMMUNE": "",
        "UAI tête de réseau": numero,
        "NUMERO": numero,
        "NOM DE L'ETABLISSEMENT": "X",
        "TYPE_DETABLISSEMENT": kind,
        "EP": "REP",
        "circonscription ": "",
        "contact collège ou circonscription ": contact,
    }


def reference_rows() -> dict[str, list[dict]]:
    """A tiny but representative national directory, as rows of each file."""
    return {
        "communes_fr.csv": [
            _commune("91228", "Évry-Courcouronnes", postal="91000|91080", pop="66700"),
            _commune("94038", "Haÿ-les-Roses", "L'Haÿ-les-Roses", dep="94", postal="94240"),
            _commune("75056", "Paris", dep="75", dep_name="Paris", pop="2187526"),
            _commune(
                "75111",
                "Paris 11e Arrondissement",
                kind="ARM",
                parent="75056",
                dep="75",
                dep_name="Paris",
                postal="75011",
            ),
            _commune(
                "75112",
                "Paris 12e Arrondissement",
                kind="ARM",
                parent="75056",
                dep="75",
                dep_name="Paris",
                postal="75012",
            ),
            _commune("14118", "Caen", dep="14", dep_name="Calvados", postal="14000"),
            _commune(
                "14581",
                "Aurseulles",
                dep="14",
                dep_name="Calvados",
                postal="14240|14250",
                lat="",
                lon="",
            ),
            _commune("97611", "Mamoudzou", dep="976", dep_name="Mayotte", postal="97600", pop=""),
        ],
        "colleges_fr.csv": [
            _college(UAI_EVRY, "Collège Paul Éluard", ep="REP+"),
            _college(
                UAI_PARIS,
                "Collège privé Saint-Joseph",
                secteur="Privé",
                contrat="CONTRAT D'ASSOCIATION TOUTES CLASSES",
                commune="Paris 11e  Arrondissement",
                insee="75111",
                postal="75011",
                dep="75",
                dep_name="Paris",
                aca="01",
                aca_name="Paris",
                lat="48.859",
                lon="2.379",
            ),
            _college(
                UAI_CAEN,
                "Collège Hastings",
                commune="Caen",
                insee="14118",
                postal="14000",
                dep="14",
                dep_name="Calvados",
                aca="70",
                aca_name="Normandie",
                lat="49.18",
                lon="-0.37",
                ep="REP",
            ),
            _college(
                UAI_REUNION,
                "Collège Bourbon",
                commune="Saint-Denis",
                insee="97411",
                postal="97400",
                dep="974",
                dep_name="La Réunion",
                aca="28",
                aca_name="La Réunion",
                lat="-20.88",
                lon="55.45",
            ),
            _college(
                UAI_NOUMEA,
                "Collège de Rivière Salée",
                commune="Nouméa",
                insee="98818",
                postal="98800",
                dep="988",
                dep_name="Nouvelle Calédonie",
                aca="40",
                aca_name="Nouvelle Calédonie",
                lat="",
                lon="",
            ),
            _college(
                UAI_NEW,
                "",
                commune="Maraussan",
                insee="34148",
                postal="34370",
                dep="34",
                dep_name="Hérault",
                aca="11",
                aca_name="Montpellier",
            ),
        ],
        "monstage_sectors.csv": [
            {
                "name": "Mode",
                "in_seed_list": "1",
                "in_production_cover_mapping": "1",
                "cover_svg": "mode.svg",
                "onisep_url": "http://www.onisep.fr/Mode",
                "seed_uuid": "b7564ac4-e184-41c4-a7a9-57233a9d244a",
            },
            {
                "name": "Métiers d'art",
                "in_seed_list": "1",
                "in_production_cover_mapping": "1",
                "cover_svg": "",
                "onisep_url": "",
                # not hexadecimal, as in the real seed list: an opaque stable id
                "seed_uuid": "82738129-au8h-8297-827h-oaieurjeh872",
            },
            {
                "name": "Conseil",
                "in_seed_list": "0",
                "in_production_cover_mapping": "1",
                "cover_svg": "",
                "onisep_url": "",
                "seed_uuid": "",
            },
        ],
        "rep_rep_plus_rentree_2022.csv": [
            _rep("VERSAILLES", UAI_EVRY, f"ce.{UAI_EVRY}@ac-versailles.fr"),
            _rep("VERSAILLES", "0910001A", "ce.0910002B@ac-versailles.fr", "ECOLE MATERNELLE"),
            # Normandie: its collège still shows the legacy domain, its other schools the new one
            _rep("NORMANDIE", UAI_CAEN.lower(), f"ce.{UAI_CAEN}@ac-caen.fr"),
            _rep("NORMANDIE", "0141001A", "ce.0141002B@ac-normandie.fr", "ECOLE MATERNELLE"),
            _rep("Normandie", "0141003C", "ce.0141004D@ac-normandie.fr", "ECOLE MATERNELLE"),
            # malformed addresses and a missing UAI are ignored
            _rep("LA REUNION", UAI_REUNION, f"ce.{UAI_REUNION}@ac-la reunion.fr"),
            _rep("VERSAILLES", "", ""),
        ],
    }


HEADERS = {
    "communes_fr.csv": (COMMUNE_HEADER, ","),
    "colleges_fr.csv": (COLLEGE_HEADER, ","),
    "monstage_sectors.csv": (SECTOR_HEADER, ","),
    "rep_rep_plus_rentree_2022.csv": (REP_HEADER, ";"),
}


def write_reference(
    directory: Path,
    rows: dict[str, list[dict]] | None = None,
    *,
    headers: dict[str, list[str]] | None = None,
    bom: bool = False,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, file_rows in (rows or reference_rows()).items():
        header, delimiter = HEADERS[name]
        header = (headers or {}).get(name, header)
        with open(directory / name, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header, delimiter=delimiter)
            writer.writeheader()
            writer.writerows(file_rows)
    return directory


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of the three reference tables, to prove that a failed import changed nothing."""
    with engine.connect() as conn:
        return {
            model.__tablename__: [tuple(r) for r in conn.execute(select(model).order_by(model.id))]
            for model in (Commune, School, Sector)
        }


def school(session: Session, code: str) -> School:
    return session.exec(select(School).where(School.uai == code)).one()


def commune(session: Session, code: str) -> Commune:
    return session.exec(select(Commune).where(Commune.insee_code == code)).one()


# ----------------------------------------------------------------------------------------------
# A successful import
# ----------------------------------------------------------------------------------------------


def test_import_counts_and_maps_every_field(engine, tmp_path):
    calls = []
    counts = import_reference(
        engine, write_reference(tmp_path / "data"), progress=lambda *a: calls.append(a)
    )

    assert counts == {"colleges": 6, "communes": 8, "sectors": 2}
    with Session(engine) as s:
        assert len(s.exec(select(School)).all()) == 6
        assert len(s.exec(select(Commune)).all()) == 8
        evry = school(s, UAI_EVRY)
        assert (evry.name, evry.is_private, evry.private_contract) == (
            "Collège Paul Éluard",
            False,
            "",
        )
        assert (evry.address, evry.postal_code, evry.commune_name, evry.commune_insee) == (
            "1 rue de l'École",
            "91000",
            "Évry-Courcouronnes",
            "91228",
        )
        assert (evry.department_code, evry.department_name) == ("91", "Essonne")
        assert (evry.academy_code, evry.academy_name, evry.region_name) == (
            "25",
            "Versailles",
            "Ile-de-France",
        )
        assert (evry.latitude, evry.longitude) == (48.62, 2.44)
        assert evry.national_search is False and evry.registered_at is None

        noumea = school(s, UAI_NOUMEA)  # not geolocated by the ministry: kept, without coordinates
        assert (noumea.latitude, noumea.longitude) == (None, None)
        assert school(s, UAI_NEW).name == "Collège (nom non communiqué), Maraussan"
        # the commune's official (COG) spelling replaces the ministry's double spaces
        assert school(s, UAI_PARIS).commune_name == "Paris 11e Arrondissement"

        city = commune(s, "91228")
        assert (city.name, city.full_name, city.kind, city.parent_insee_code) == (
            "Évry-Courcouronnes",
            "Évry-Courcouronnes",
            "COM",
            "",
        )
        assert (city.department_code, city.department_name) == ("91", "Essonne")
        assert (city.postal_codes, city.population) == ("91000;91080", 66700)
        assert (city.latitude, city.longitude) == (48.6, 2.4)
        assert commune(s, "14581").latitude is None
        assert commune(s, "97611").population == 0  # empty in the COG for Mayotte
        arr = commune(s, "75111")
        assert (arr.kind, arr.parent_insee_code, arr.postal_codes) == ("ARM", "75056", "75011")
        # Paris has no postal code of its own: it gets its arrondissements'
        assert commune(s, "75056").postal_codes == "75011;75012"

        sectors = {x.uuid: x for x in s.exec(select(Sector))}
        assert set(sectors) == {
            "b7564ac4-e184-41c4-a7a9-57233a9d244a",
            "82738129-au8h-8297-827h-oaieurjeh872",
        }
        mode = sectors["b7564ac4-e184-41c4-a7a9-57233a9d244a"]
        assert (mode.name, mode.onisep_url, mode.active) == (
            "Mode",
            "http://www.onisep.fr/Mode",
            True,
        )
        assert mode.created_at is not None

    labels = {label for label, _done, _total in calls}
    assert {"Communes", "Collèges", "Secteurs", "Écriture"} <= labels
    last = {label: (done, total) for label, done, total in calls}
    assert all(done == total for done, total in last.values())
    assert last["Écriture"] == (16, 16)


def test_priority_education_and_private_flags(engine, tmp_path):
    import_reference(engine, write_reference(tmp_path / "data"))
    with Session(engine) as s:
        assert school(s, UAI_EVRY).priority_education == "REP+"
        assert school(s, UAI_CAEN).priority_education == "REP"
        assert school(s, UAI_REUNION).priority_education == ""
        private = school(s, UAI_PARIS)
        assert private.is_private is True
        assert private.private_contract == "CONTRAT D'ASSOCIATION TOUTES CLASSES"


def test_academy_domain_comes_from_the_rep_file_with_a_fallback(engine, tmp_path):
    import_reference(engine, write_reference(tmp_path / "data"))
    with Session(engine) as s:
        assert school(s, UAI_EVRY).academy_domain == "ac-versailles.fr"
        # the most frequent domain over all the académie's rows, not only its collèges'
        assert school(s, UAI_CAEN).academy_domain == "ac-normandie.fr"
        # malformed address in the file ("ac-la reunion.fr"): derived from the académie's name
        assert school(s, UAI_REUNION).academy_domain == "ac-la-reunion.fr"
        # absent from the file
        assert school(s, UAI_NOUMEA).academy_domain == "ac-nouvelle-caledonie.fr"
        assert school(s, UAI_PARIS).academy_domain == "ac-paris.fr"


def test_search_name_ignores_accents_and_keeps_the_article(engine, tmp_path):
    import_reference(engine, write_reference(tmp_path / "data"))
    with Session(engine) as s:
        assert commune(s, "91228").search_name == "evry courcouronnes"
        hay = commune(s, "94038")
        assert (hay.name, hay.full_name, hay.search_name) == (
            "Haÿ-les-Roses",
            "L'Haÿ-les-Roses",
            "l hay les roses",
        )
        for typed in ("hay les", "l hay"):
            found = s.exec(select(Commune.insee_code).where(Commune.search_name.contains(typed)))
            assert found.all() == ["94038"]


def test_byte_order_mark_is_accepted(engine, tmp_path):
    counts = import_reference(engine, write_reference(tmp_path / "data", bom=True))
    assert counts == {"colleges": 6, "communes": 8, "sectors": 2}


# ----------------------------------------------------------------------------------------------
# Idempotency
# ----------------------------------------------------------------------------------------------


def test_reimport_updates_changes_and_keeps_application_data(engine, tmp_path):
    data = write_reference(tmp_path / "data")
    import_reference(engine, data)
    with Session(engine) as s:
        ids = {x.uai: x.id for x in s.exec(select(School))}
    registered = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            update(School)
            .where(School.uai == UAI_EVRY)
            .values(national_search=True, registered_at=registered)
        )
        conn.execute(update(Sector).where(Sector.name == "Mode").values(active=False))

    before = snapshot(engine)
    assert import_reference(engine, data) == {"colleges": 6, "communes": 8, "sectors": 2}
    assert snapshot(engine) == before  # nothing new, nothing duplicated, nothing touched

    rows = reference_rows()
    rows["colleges_fr.csv"][0]["nom"] = "Collège Paul Éluard (rénové)"
    rows["colleges_fr.csv"][0]["education_prioritaire"] = "REP"
    rows["communes_fr.csv"][0]["population_municipale"] = "67000"
    rows["monstage_sectors.csv"][0]["name"] = "Mode et textile"
    import_reference(engine, write_reference(tmp_path / "data", rows))

    with Session(engine) as s:
        assert {x.uai: x.id for x in s.exec(select(School))} == ids
        evry = school(s, UAI_EVRY)
        assert (evry.name, evry.priority_education) == ("Collège Paul Éluard (rénové)", "REP")
        assert evry.national_search is True
        assert evry.registered_at == registered
        assert commune(s, "91228").population == 67000
        assert len(s.exec(select(Commune)).all()) == 8
        mode = s.exec(select(Sector).where(Sector.name.startswith("Mode"))).one()
        assert (mode.name, mode.active) == ("Mode et textile", False)


def test_rows_missing_from_a_new_file_are_kept(engine, tmp_path):
    import_reference(engine, write_reference(tmp_path / "data"))
    rows = reference_rows()
    rows["colleges_fr.csv"] = rows["colleges_fr.csv"][:2]
    import_reference(engine, write_reference(tmp_path / "data", rows))
    with Session(engine) as s:
        assert len(s.exec(select(School)).all()) == 6


# ----------------------------------------------------------------------------------------------
# Malformed data: a precise message and nothing written
# ----------------------------------------------------------------------------------------------


def _set(file, index, column, value):
    def mutate(rows, _headers):
        rows[file][index][column] = value

    return mutate


def _duplicate(file, index):
    def mutate(rows, _headers):
        rows[file].append(dict(rows[file][index]))

    return mutate


def _drop_column(file, column):
    def mutate(rows, headers):
        headers[file] = [c for c in HEADERS[file][0] if c != column]
        rows[file] = [{k: v for k, v in r.items() if k != column} for r in rows[file]]

    return mutate


MALFORMED = {
    # name: (mutation, expected fragments of the message); data lines start at line 2
    "bad number": (
        _set("colleges_fr.csv", 2, "latitude", "49,18,5"),
        ["colleges_fr.csv", "ligne 4", "« latitude »", "49,18,5"],
    ),
    "latitude out of range": (
        _set("colleges_fr.csv", 0, "latitude", "148.6"),
        ["colleges_fr.csv", "ligne 2", "« latitude »", "hors limites"],
    ),
    "longitude without latitude": (
        _set("colleges_fr.csv", 1, "latitude", ""),
        ["colleges_fr.csv", "ligne 3", "« latitude »"],
    ),
    "bad UAI format": (
        _set("colleges_fr.csv", 3, "uai", "97432"),
        ["colleges_fr.csv", "ligne 5", "« uai »", "97432"],
    ),
    "bad UAI check letter": (
        _set("colleges_fr.csv", 0, "uai", UAI_EVRY[:7] + "Z"),
        ["colleges_fr.csv", "ligne 2", "« uai »"],
    ),
    "duplicate UAI": (
        _duplicate("colleges_fr.csv", 1),
        ["colleges_fr.csv", "ligne 9", "« uai »", "double", "ligne 3"],
    ),
    "unknown sector": (
        _set("colleges_fr.csv", 0, "secteur", "Associatif"),
        ["colleges_fr.csv", "ligne 2", "« secteur »"],
    ),
    "unknown priority": (
        _set("colleges_fr.csv", 0, "education_prioritaire", "REP++"),
        ["colleges_fr.csv", "ligne 2", "« education_prioritaire »"],
    ),
    "missing column": (
        _drop_column("colleges_fr.csv", "secteur"),
        ["colleges_fr.csv", "ligne 1", "« secteur »", "absente"],
    ),
    "empty commune name": (
        _set("communes_fr.csv", 5, "nom", "  "),
        ["communes_fr.csv", "ligne 7", "« nom »", "obligatoire"],
    ),
    "bad population": (
        _set("communes_fr.csv", 1, "population_municipale", "12a"),
        ["communes_fr.csv", "ligne 3", "« population_municipale »", "12a"],
    ),
    "bad postal code": (
        _set("communes_fr.csv", 0, "codes_postaux", "91000|9108"),
        ["communes_fr.csv", "ligne 2", "« codes_postaux »", "9108"],
    ),
    "duplicate INSEE code": (
        _duplicate("communes_fr.csv", 0),
        ["communes_fr.csv", "ligne 10", "« code_insee »", "91228"],
    ),
    "unknown commune type": (
        _set("communes_fr.csv", 0, "type", "COMD"),
        ["communes_fr.csv", "ligne 2", "« type »"],
    ),
    "bad seed flag": (
        _set("monstage_sectors.csv", 2, "in_seed_list", "oui"),
        ["monstage_sectors.csv", "ligne 4", "« in_seed_list »"],
    ),
    "empty sector name": (
        _set("monstage_sectors.csv", 0, "name", ""),
        ["monstage_sectors.csv", "ligne 2", "« name »"],
    ),
    "bad sector id": (
        _set("monstage_sectors.csv", 1, "seed_uuid", "not-an-id"),
        ["monstage_sectors.csv", "ligne 3", "« seed_uuid »"],
    ),
    "missing REP column": (
        _drop_column("rep_rep_plus_rentree_2022.csv", "NUMERO"),
        ["rep_rep_plus_rentree_2022.csv", "ligne 1", "« NUMERO »"],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_data_is_refused_and_nothing_is_written(engine, tmp_path, case):
    import_reference(engine, write_reference(tmp_path / "v1"))
    before = snapshot(engine)

    mutate, fragments = MALFORMED[case]
    rows = reference_rows()
    # valid changes in other files that must NOT be written either
    rows["communes_fr.csv"][0]["population_municipale"] = "1"
    rows["colleges_fr.csv"].append(_college(uai(123456), "Collège Nouveau"))
    rows["monstage_sectors.csv"][2]["in_seed_list"] = "1"
    rows["monstage_sectors.csv"][2]["seed_uuid"] = "11111111-2222-3333-4444-555555555555"
    headers: dict[str, list[str]] = {}
    mutate(rows, headers)
    directory = write_reference(tmp_path / "v2", rows, headers=headers)

    with pytest.raises(ImportDataError) as error:
        import_reference(engine, directory)
    for fragment in fragments:
        assert fragment in error.value.message
    assert snapshot(engine) == before


def test_row_with_a_missing_value_is_refused(engine, tmp_path):
    data = write_reference(tmp_path / "data")
    path = data / "colleges_fr.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 2)[0]  # two fields short
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ImportDataError) as error:
        import_reference(engine, data)
    assert "colleges_fr.csv, ligne 4, colonne « etat »" in error.value.message
    assert snapshot(engine) == {"commune": [], "school": [], "sector": []}


def test_file_not_in_utf8_is_refused(engine, tmp_path):
    data = write_reference(tmp_path / "data")
    path = data / "communes_fr.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(ImportDataError) as error:
        import_reference(engine, data)
    assert "communes_fr.csv, ligne 2" in error.value.message
    assert "UTF-8" in error.value.message
    assert snapshot(engine) == {"commune": [], "school": [], "sector": []}


@pytest.mark.parametrize("name", list(HEADERS))
def test_missing_file_is_refused(engine, tmp_path, name):
    data = write_reference(tmp_path / "data")
    (data / name).unlink()
    with pytest.raises(ImportDataError) as error:
        import_reference(engine, data)
    assert name in error.value.message and "introuvable" in error.value.message
    assert snapshot(engine) == {"commune": [], "school": [], "sector": []}


def test_sector_name_taken_by_another_sector_is_refused(engine, tmp_path):
    with Session(engine) as s:
        s.add(
            Sector(
                uuid="99999999-9999-9999-9999-999999999999",
                name="Mode",
                created_at=dt.datetime.now(dt.UTC),
            )
        )
        s.commit()
    before = snapshot(engine)
    with pytest.raises(ImportDataError) as error:
        import_reference(engine, write_reference(tmp_path / "data"))
    assert "monstage_sectors.csv, ligne 2, colonne « name »" in error.value.message
    assert snapshot(engine) == before


def test_failure_while_writing_rolls_everything_back(engine, tmp_path, monkeypatch):
    """Communes and collèges already written in the transaction are undone if a write fails."""
    from stages_app.services import reference

    import_reference(engine, write_reference(tmp_path / "v1"))
    before = snapshot(engine)
    rows = reference_rows()
    rows["communes_fr.csv"][0]["population_municipale"] = "1"
    rows["colleges_fr.csv"][0]["nom"] = "Collège renommé"
    original = reference._upsert

    def failing_upsert(conn, table, *args, **kwargs):
        if table.name == "sector":
            raise RuntimeError("panne pendant l'écriture")
        return original(conn, table, *args, **kwargs)

    monkeypatch.setattr(reference, "_upsert", failing_upsert)
    with pytest.raises(RuntimeError):
        import_reference(engine, write_reference(tmp_path / "v2", rows))
    assert snapshot(engine) == before
