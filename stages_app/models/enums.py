"""Closed vocabularies stored as strings (with CHECK constraints on the tables)."""

from stages_app.models.base import StrEnum


class Role(StrEnum):
    """Account kind. Staff functions (CPE, documentaliste...) live on StaffMembership."""

    PRINCIPAL = "principal"
    TEACHER = "teacher"  # professeur or professeur principal
    STAFF = "staff"  # CPE, documentaliste, psy-EN, administratif
    STUDENT = "student"
    EMPLOYER = "employer"
    ADMIN = "admin"


class UserStatus(StrEnum):
    PENDING_EMAIL = "pending_email"  # e-mail confirmation link not yet followed
    ACTIVE = "active"
    DISABLED = "disabled"  # blocked by an administrator


class StaffFunction(StrEnum):
    PRINCIPAL = "principal"
    PROFESSEUR_PRINCIPAL = "professeur_principal"
    PROFESSEUR = "professeur"
    CPE = "cpe"
    DOCUMENTALISTE = "documentaliste"
    PSY_EN = "psy_en"
    ADMINISTRATIF = "administratif"


class RightsStatus(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REVOKED = "revoked"


class OrganisationKind(StrEnum):
    ENTREPRISE = "entreprise"
    ADMINISTRATION = "administration"
    ASSOCIATION = "association"


class OfferStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    ARCHIVED = "archived"


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    READ = "read"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    CANCELLED_AUTO = "cancelled_auto"
    CANCELLED = "cancelled"


OPEN_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.READ)


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum number of attempts
