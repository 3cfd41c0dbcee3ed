"""National reference data: communes, collèges (schools), ONISEP sectors."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from stages_app.models.base import utcnow


class Commune(SQLModel, table=True):
    __tablename__ = "commune"
    __table_args__ = (Index("ix_commune_lat_lon", "latitude", "longitude"),)

    id: int | None = Field(default=None, primary_key=True)
    insee_code: str = Field(max_length=5, unique=True, index=True)
    # "COM" (commune) or "ARM" (municipal arrondissement of Paris, Lyon, Marseille: collèges
    # there are attached to the arrondissement's code, e.g. 75111, not to Paris 75056)
    kind: str = Field(default="COM", max_length=3)
    # for an "ARM": the INSEE code of its commune (75056, 69123, 13055); "" otherwise
    parent_insee_code: str = Field(default="", max_length=5, index=True)
    name: str = Field(max_length=120)  # COG name without its article: "Haÿ-les-Roses"
    full_name: str = Field(max_length=150)  # with its article: "L'Haÿ-les-Roses"
    # search_key() of full_name, lower-case, accents and punctuation removed: "l hay les roses",
    # "evry courcouronnes". It always contains search_key(name), so match it with
    # `contains` (or word-prefix) to find both "hay les" and "l hay".
    search_name: str = Field(max_length=150, index=True)
    department_code: str = Field(max_length=3, index=True)
    department_name: str = Field(default="", max_length=80)
    # ";"-separated postal codes, e.g. "91000;91080" (Paris, Lyon, Marseille: their ARMs' codes)
    postal_codes: str = Field(default="", max_length=200)
    population: int = Field(default=0)
    latitude: float | None = None
    longitude: float | None = None


class School(SQLModel, table=True):
    """A collège from the national directory (7,654 rows)."""

    __tablename__ = "school"
    __table_args__ = (Index("ix_school_lat_lon", "latitude", "longitude"),)

    id: int | None = Field(default=None, primary_key=True)
    uai: str = Field(max_length=8, unique=True, index=True)
    name: str = Field(max_length=200)
    is_private: bool = False
    private_contract: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=250)
    postal_code: str = Field(default="", max_length=5)
    commune_name: str = Field(default="", max_length=120)
    commune_insee: str = Field(default="", max_length=5, index=True)
    department_code: str = Field(default="", max_length=3)
    department_name: str = Field(default="", max_length=80)
    academy_code: str = Field(default="", max_length=3)
    academy_name: str = Field(default="", max_length=80)
    region_name: str = Field(default="", max_length=80)
    # e-mail domain of the académie, e.g. "ac-creteil.fr" (data: from the REP/REP+ file's
    # functional addresses, else derived from the académie's name)
    academy_domain: str = Field(default="", max_length=60)
    # None for the ~100 collèges of New Caledonia, French Polynesia and Wallis-and-Futuna that the
    # ministry does not geolocate (and whose communes are outside the COG gazetteer)
    latitude: float | None = None
    longitude: float | None = None
    # "", "REP" or "REP+"
    priority_education: str = Field(default="", max_length=4)
    # Offer search opened to the whole country by the principal (R2)
    national_search: bool = False
    national_search_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    national_search_at: dt.datetime | None = None
    registered_at: dt.datetime | None = None  # first principal confirmed


class Sector(SQLModel, table=True):
    """ONISEP professional sector (stable id from the public sector list)."""

    __tablename__ = "sector"
    __table_args__ = (UniqueConstraint("name", name="uq_sector_name"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(sa_column=Column(String(36), unique=True, nullable=False, index=True))
    name: str = Field(max_length=150)
    onisep_url: str = Field(default="", max_length=300)
    active: bool = True
    created_at: dt.datetime = Field(default_factory=utcnow)
