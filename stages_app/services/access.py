"""Who is asking, and may they? Used by every page guard and every mutating handler.

Issue-3 grows this into the full access table (school, class, pupil scopes); the entry points
stay the same: resolve the viewer from the auth token, then check.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, select

from stages_app.models import User
from stages_app.services import accounts
from stages_app.services.errors import NotAuthenticated, PermissionDenied


@dataclasses.dataclass(frozen=True)
class Viewer:
    """The authenticated user, without secrets."""

    user_id: int
    role: str
    email: str
    first_name: str
    last_name: str

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def of(cls, user: User) -> "Viewer":
        return cls(user.id, user.role, user.email, user.first_name, user.last_name)


def viewer_for_token(session: Session, token: str | None) -> Viewer | None:
    user = accounts.user_for_token(session, token)
    return Viewer.of(user) if user else None


def require_viewer(session: Session, token: str | None, roles=None) -> Viewer:
    """The viewer behind ``token``; NotAuthenticated without a valid session, PermissionDenied
    when ``roles`` is given and the viewer's role is not in it."""
    viewer = viewer_for_token(session, token)
    if viewer is None:
        raise NotAuthenticated()
    if roles is not None and viewer.role not in roles:
        raise PermissionDenied()
    return viewer


def pupil_with_open_access(session: Session, viewer: Viewer):
    """R1 for pupils: the PupilProfile of a pupil who may search and apply (class open, parental
    authorisation recorded, access opened by a staff member); PermissionDenied otherwise."""
    from stages_app.models import PupilProfile, SchoolClass

    if viewer.role != "student":
        raise PermissionDenied()
    row = session.exec(
        select(PupilProfile, SchoolClass)
        .join(SchoolClass, SchoolClass.id == PupilProfile.class_id)
        .where(PupilProfile.user_id == viewer.user_id)
    ).first()
    if row is None:
        raise PermissionDenied("Votre compte élève n'est rattaché à aucune classe.")
    profile, klass = row
    if not klass.access_open:
        raise PermissionDenied("L'accès de votre classe à la plateforme n'est pas ouvert.")
    if profile.authorisation_received_on is None or profile.access_opened_at is None:
        raise PermissionDenied(
            "Votre accès n'est pas encore ouvert : il faut l'autorisation signée de vos parents, "
            "puis l'ouverture par votre professeur principal."
        )
    return profile
