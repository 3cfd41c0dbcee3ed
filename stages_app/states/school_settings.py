"""Principal's school settings: classes, internship weeks, national search."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app.models import Role
from stages_app.services import schools, staff
from stages_app.services.access import Viewer
from stages_app.states.base import PageState, as_id, form_text, require_id
from stages_app.states.events import event

PRINCIPAL = {Role.PRINCIPAL.value}


class SchoolSettingsState(PageState):
    school_name: str = ""
    classes: rx.Field[list[schools.ClassSettingsRow]] = rx.field(default_factory=list)
    periods: rx.Field[list[schools.PeriodRow]] = rx.field(default_factory=list)
    national_search: rx.Field[bool] = rx.field(False)
    national_search_info: str = ""
    current_school_year: str = ""
    teacher_options: list[tuple[str, str]] = []

    def _reload(self, session: Session, viewer: Viewer) -> None:
        data = schools.school_settings(session, viewer)
        self.school_name = data.school_name
        self.classes = data.classes
        self.periods = data.periods
        self.national_search = data.national_search
        self.current_school_year = data.current_school_year
        self.teacher_options = [
            (str(t.user_id), f"{t.name} ({t.function_label})")
            for t in staff.teacher_choices(session, viewer)
        ]
        if data.national_search_by and data.national_search_at:
            when = data.national_search_at.astimezone(schools.PARIS).strftime("%d/%m/%Y à %H:%M")
            self.national_search_info = (
                f"Dernière modification par {data.national_search_by} le {when}."
            )
        else:
            self.national_search_info = ""

    @event
    def load(self) -> EventSpec | None:
        return self._run(PRINCIPAL, lambda s, v: None)

    @event
    def create_class(self, form: dict[str, Any]) -> EventSpec | None:
        name = form_text(form, "class_name", 100)
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.create_class(s, v, name),
            lambda k: f"Classe « {k.name} » créée.",
        )

    @event
    def rename_class(self, form: dict[str, Any]) -> EventSpec | None:
        class_id = as_id(form_text(form, "class_id", 12))
        name = form_text(form, "new_name", 100)
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.rename_class(s, v, require_id(class_id), name),
            lambda k: f"Classe renommée « {k.name} ».",
        )

    @event
    def delete_class(self, class_id: int) -> EventSpec | None:
        cid = as_id(class_id)
        return self._run(
            PRINCIPAL, lambda s, v: schools.delete_class(s, v, require_id(cid)), "Classe supprimée."
        )

    @event
    def set_class_access(self, class_id: int, open_: bool) -> EventSpec | None:
        cid = as_id(class_id)
        flag = open_ is True
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.set_class_access(s, v, require_id(cid), flag),
            "Accès de la classe ouvert." if flag else "Accès de la classe fermé.",
        )

    @event
    def regenerate_code(self, class_id: int) -> EventSpec | None:
        cid = as_id(class_id)
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.regenerate_join_code(s, v, require_id(cid)),
            lambda code: f"Nouveau code de classe : {code}.",
        )

    @event
    def add_period(self, form: dict[str, Any]) -> EventSpec | None:
        first = form_text(form, "first_monday", 20)
        last = form_text(form, "last_monday", 20) or None
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.add_period(s, v, first, last),
            lambda rows: f"{len(rows)} semaine(s) de stage ajoutée(s).",
        )

    @event
    def remove_week(self, week_id: int) -> EventSpec | None:
        wid = as_id(week_id)
        return self._run(
            PRINCIPAL, lambda s, v: schools.remove_week(s, v, require_id(wid)), "Semaine retirée."
        )

    @event
    def set_national_search(self, enabled: bool) -> EventSpec | None:
        flag = enabled is True
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.set_national_search(s, v, flag),
            "La recherche est ouverte à toute la France."
            if flag
            else "La recherche est limitée à 60 km autour du collège.",
        )

    @event
    def set_main_teacher(self, form: dict[str, Any]) -> EventSpec | None:
        class_id = as_id(form_text(form, "class_id", 12))
        raw = form.get("teacher_id", "") if isinstance(form, dict) else ""
        # only "" is "— Aucun —"; a forged value becomes an id the service refuses in French
        user_id = None if raw == "" else (as_id(raw) or 0)
        return self._run(
            PRINCIPAL,
            lambda s, v: staff.set_main_teacher(s, v, require_id(class_id), user_id),
            lambda msg: msg,
        )
