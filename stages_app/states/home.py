"""Role home pages: each load re-derives the viewer from the token and asks the service layer."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import routes
from stages_app.services import home, moves, staff
from stages_app.services.access import Viewer
from stages_app.services.errors import DomainError, NotAuthenticated, PermissionDenied
from stages_app.services.schools import PARIS
from stages_app.states.auth import AuthState, db
from stages_app.states.base import PageState, as_id, form_text, require_id
from stages_app.states.events import event

log = logging.getLogger(__name__)


class StudentHomeState(PageState):
    school_name: str = ""
    class_name: str = ""
    authorisation_recorded: bool = False
    access_open: bool = False
    applications: int = 0
    load_error: str = ""
    # a change of collège asked by the pupil, waiting for the new collège ("" when none)
    pending_change: str = ""

    def _reload(self, session: Session, viewer: Viewer) -> None:
        data = home.student_home(session, viewer)
        self.school_name = data.school_name
        self.class_name = data.class_name
        self.authorisation_recorded = data.authorisation_recorded
        self.access_open = data.access_open
        self.applications = data.applications
        pending = moves.pending_school_change(session, viewer)
        self.pending_change = (
            f"Demande envoyée le {pending.requested_at.astimezone(PARIS):%d/%m/%Y} au collège "
            f"{pending.school_name} (classe {pending.class_name}) : en attente de sa réponse."
            if pending is not None
            else ""
        )

    @event
    def load(self) -> EventSpec | None:
        try:
            with db() as session:
                viewer = self._viewer(session, {"student"})
                self._reload(session, viewer)
        except (NotAuthenticated, PermissionDenied) as exc:
            return self._denied(exc)
        except DomainError as exc:
            self.load_error = exc.message
            return None
        self.load_error = ""
        return None

    @event
    def request_school_change(self, form: dict[str, Any]) -> EventSpec | None:
        """The pupil moved to another collège and asks to join the class whose code they got."""
        code = form_text(form, "class_code", 40)
        return self._run(
            {"student"},
            lambda s, v: moves.request_school_change(s, v, code),
            lambda text: text,
        )

    @event
    def cancel_school_change(self) -> EventSpec | None:
        return self._run(
            {"student"}, lambda s, v: moves.cancel_school_change(s, v), lambda text: text
        )


class SchoolHomeState(PageState):
    school_name: str = ""
    uai: str = ""
    commune: str = ""
    priority_education: str = ""
    function_label: str = ""
    rights_status: str = ""
    classes: rx.Field[list[staff.MyClassRow]] = rx.field(default_factory=list)
    follow_choices: list[staff.FollowChoice] = []
    is_teacher: bool = False
    weeks: rx.Field[list[str]] = rx.field(default_factory=list)
    national_search: bool = False

    def _reload(self, session: Session, viewer: Viewer) -> None:
        data = home.school_home(session, viewer)
        for name in (
            "school_name",
            "uai",
            "commune",
            "priority_education",
            "function_label",
            "rights_status",
            "weeks",
            "national_search",
        ):
            setattr(self, name, getattr(data, name))
        self.is_teacher = viewer.role == "teacher"
        if data.rights_status == "granted":
            self.classes = staff.my_classes(session, viewer)
            self.follow_choices = (
                staff.followable_classes(session, viewer) if self.is_teacher else []
            )
        else:
            self.classes = []
            self.follow_choices = []

    @event
    def load(self) -> EventSpec | None:
        return self._run(routes.SCHOOL_ROLES, lambda s, v: None)

    @event
    def follow(self, class_id: int) -> EventSpec | None:
        cid = as_id(class_id)
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: staff.follow_class(s, v, require_id(cid)),
            "Classe ajoutée à vos classes suivies.",
        )

    @event
    def unfollow(self, class_id: int) -> EventSpec | None:
        cid = as_id(class_id)
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: staff.unfollow_class(s, v, require_id(cid)),
            "Vous ne suivez plus cette classe.",
        )


class AdminHomeState(AuthState):
    stats: list[tuple[str, int]] = []

    @event
    def load(self) -> EventSpec | None:
        try:
            with db() as session:
                viewer = self._viewer(session, {"admin"})
                data = home.admin_home(session, viewer)
        except (NotAuthenticated, PermissionDenied) as exc:
            return self._denied(exc)
        self.stats = [
            ("Collèges dans l'annuaire", data.schools),
            ("Collèges inscrits", data.registered_schools),
            ("Communes", data.communes),
            ("Secteurs ONISEP actifs", data.sectors),
            ("Comptes", data.users),
            ("Employeurs", data.employers),
            ("Offres publiées", data.offers_published),
            ("Candidatures envoyées", data.applications),
        ]
        return None
