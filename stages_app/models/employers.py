"""Employers (organisations), their offers and the per-week seat counters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from stages_app.models.base import in_check, utcnow
from stages_app.models.enums import OfferStatus, OrganisationKind


class Organisation(SQLModel, table=True):
    """An employer: company, administration or association, owned by one employer account."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(in_check("kind", OrganisationKind), name="ck_organisation_kind"),
        UniqueConstraint("owner_id", name="uq_organisation_owner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = Field(foreign_key="app_user.id")
    name: str = Field(max_length=150)
    kind: str = Field(max_length=20)
    siret: str | None = Field(default=None, max_length=14, index=True)
    phone: str = Field(default="", max_length=20)
    suspended_at: dt.datetime | None = None  # moderation by the platform admin
    created_at: dt.datetime = Field(default_factory=utcnow)


class Offer(SQLModel, table=True):
    __tablename__ = "offer"
    __table_args__ = (
        CheckConstraint(in_check("status", OfferStatus), name="ck_offer_status"),
        Index("ix_offer_status_lat_lon", "status", "latitude", "longitude"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=150)
    description: str = Field(max_length=5000)
    sector_id: int = Field(foreign_key="sector.id", index=True)
    street: str = Field(default="", max_length=200)
    postal_code: str = Field(max_length=5)
    commune_insee: str = Field(max_length=5)
    commune_name: str = Field(max_length=120)
    latitude: float
    longitude: float
    # "address" (online geocoder) or "commune" (gazetteer centroid)
    geocode_precision: str = Field(default="commune", max_length=10)
    tutor_name: str = Field(default="", max_length=120)
    tutor_role: str = Field(default="", max_length=120)
    practical_info: str = Field(default="", max_length=2000)
    accessibility: str = Field(default="", max_length=1000)
    status: str = Field(default=OfferStatus.DRAFT.value, max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow)
    updated_at: dt.datetime = Field(default_factory=utcnow)
    published_at: dt.datetime | None = None
    # services.text.search_key() of "title description employer name" (lower case, no accents, no
    # punctuation), kept in sync by services.offers: the pupil's keyword filter is a portable
    # LIKE over it. Anything that writes an offer's title or description, or renames its
    # organisation, must refresh it (services.offers.offer_search_text / refresh_search_text).
    search_text: str = Field(default="", max_length=5600)


class OfferWeek(SQLModel, table=True):
    """Seats offered for one week of an offer, with the transactional accepted counter (R6).

    ``latitude``/``longitude``/``searchable`` are copied from the offer so the pupil search can run
    on one covering index: week first, then the bounding box.
    """

    __tablename__ = "offer_week"
    __table_args__ = (
        UniqueConstraint("offer_id", "week_start", name="uq_offer_week"),
        CheckConstraint("seats > 0", name="ck_offer_week_seats_positive"),
        CheckConstraint("accepted_count >= 0", name="ck_offer_week_accepted_nonneg"),
        CheckConstraint("accepted_count <= seats", name="ck_offer_week_capacity"),
        Index(
            "ix_offer_week_search",
            "week_start",
            "searchable",
            "latitude",
            "longitude",
            "offer_id",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    week_start: dt.date  # Monday
    seats: int
    accepted_count: int = 0
    latitude: float
    longitude: float
    # Set when the employer removes a week that already has application history (the rows
    # referencing it are kept); such a week is no longer offered and never searchable.
    withdrawn_at: dt.datetime | None = None
    # published offer of a non-suspended organisation, week not withdrawn, at least one free
    # seat (services.offers.is_week_searchable): kept in sync in the transaction that changes
    # any of these facts
    searchable: bool = False
