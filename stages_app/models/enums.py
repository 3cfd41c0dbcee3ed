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


class MoveKind(StrEnum):
    CLASS = "class"  # another class of the same collège, done at once by its staff
    SCHOOL = "school"  # a handover to another collège, done when the new collège accepts


class MoveStatus(StrEnum):
    PENDING = "pending"  # a handover asked by the pupil, waiting for the new collège
    DONE = "done"
    DECLINED = "declined"  # the new collège said no
    CANCELLED = "cancelled"  # the pupil took it back, or it no longer applies


class MailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after the maximum number of attempts
