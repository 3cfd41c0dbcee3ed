"""SQLModel tables only (no reflex import). Importing this package registers every table."""

from stages_app.models.accounts import AuthSession, EmailToken, Invitation, StaffMembership, User
from stages_app.models.applications import CV, Application, ApplicationEvent, CVVersion
from stages_app.models.base import stored_id, utcnow
from stages_app.models.employers import Offer, OfferWeek, Organisation
from stages_app.models.enums import (
    OPEN_APPLICATION_STATUSES,
    ApplicationStatus,
    MailStatus,
    MoveKind,
    MoveStatus,
    OfferStatus,
    OrganisationKind,
    RightsStatus,
    Role,
    StaffFunction,
    UserStatus,
)
from stages_app.models.notifications import Notification, OutboxMail
from stages_app.models.reference import Commune, School, Sector
from stages_app.models.schools import (
    ClassFollow,
    InternshipWeek,
    PupilMove,
    PupilProfile,
    SchoolClass,
)

__all__ = [
    "CV",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "AuthSession",
    "CVVersion",
    "ClassFollow",
    "Commune",
    "EmailToken",
    "InternshipWeek",
    "Invitation",
    "MailStatus",
    "MoveKind",
    "MoveStatus",
    "Notification",
    "OPEN_APPLICATION_STATUSES",
    "Offer",
    "OfferStatus",
    "OfferWeek",
    "Organisation",
    "OrganisationKind",
    "OutboxMail",
    "PupilMove",
    "PupilProfile",
    "RightsStatus",
    "Role",
    "School",
    "SchoolClass",
    "Sector",
    "StaffFunction",
    "StaffMembership",
    "User",
    "UserStatus",
    "stored_id",
    "utcnow",
]
