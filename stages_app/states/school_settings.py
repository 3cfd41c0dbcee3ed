"""Principal's school settings: classes, internship weeks, national search."""

from __future__ import annotations

import reflex as rx

from stages_app.models import Role
from stages_app.services import schools, staff
from stages_app.states.base import PageState, as_id, form_text

PRINCIPAL = {Role.PRINCIPAL.value}


class SchoolSettingsState(PageState):
    school_name: str = ""
    classes: list[schools.ClassSettingsRow] = []
    periods: list[schools.PeriodRow] = []
    national_search: bool = False
    national_search_info: str = ""
    current_school_year: str = ""
    teacher_options: list[tuple[str, str]] = []

    def _reload(self, session, viewer) -> None:
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

    @rx.event
    def load(self):
        return self._run(PRINCIPAL, lambda s, v: None)

    @rx.event
    def create_class(self, form: dict):
        name = form_text(form, "class_name", 100)
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.create_class(s, v, name),
            lambda k: f"Classe « {k.name} » créée.",
        )

    @rx.event
    def rename_class(self, form: dict):
        class_id = as_id(form_text(form, "class_id", 12))
        name = form_text(form, "new_name", 100)
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.rename_class(s, v, class_id, name),
            lambda k: f"Classe renommée « {k.name} ».",
        )

    @rx.event
    def delete_class(self, class_id: int):
        cid = as_id(class_id)
        return self._run(
            PRINCIPAL, lambda s, v: schools.delete_class(s, v, cid), "Classe supprimée."
        )

    @rx.event
    def set_class_access(self, class_id: int, open_: bool):
        cid = as_id(class_id)
        flag = open_ is True
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.set_class_access(s, v, cid, flag),
            "Accès de la classe ouvert." if flag else "Accès de la classe fermé.",
        )

    @rx.event
    def regenerate_code(self, class_id: int):
        cid = as_id(class_id)
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.regenerate_join_code(s, v, cid),
            lambda code: f"Nouveau code de classe : {code}.",
        )

    @rx.event
    def add_period(self, form: dict):
        first = form_text(form, "first_monday", 20)
        last = form_text(form, "last_monday", 20) or None
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.add_period(s, v, first, last),
            lambda rows: f"{len(rows)} semaine(s) de stage ajoutée(s).",
        )

    @rx.event
    def remove_week(self, week_id: int):
        wid = as_id(week_id)
        return self._run(PRINCIPAL, lambda s, v: schools.remove_week(s, v, wid), "Semaine retirée.")

    @rx.event
    def set_national_search(self, enabled: bool):
        flag = enabled is True
        return self._run(
            PRINCIPAL,
            lambda s, v: schools.set_national_search(s, v, flag),
            "La recherche est ouverte à toute la France."
            if flag
            else "La recherche est limitée à 60 km autour du collège.",
        )

    @rx.event
    def set_main_teacher(self, form: dict):
        class_id = as_id(form_text(form, "class_id", 12))
        raw = form.get("teacher_id", "") if isinstance(form, dict) else ""
        # only "" is "— Aucun —"; a forged value becomes an id the service refuses in French
        user_id = None if raw == "" else (as_id(raw) or 0)
        return self._run(
            PRINCIPAL, lambda s, v: staff.set_main_teacher(s, v, class_id, user_id), lambda msg: msg
        )
