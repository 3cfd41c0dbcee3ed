"""City then collège picker for the principal and staff sign-up forms (public, read-only)."""

from __future__ import annotations

import reflex as rx

from stages_app.services import schools, staff
from stages_app.states.auth import AuthState, db
from stages_app.states.base import as_text
from stages_app.states.events import event


class SchoolPickerState(AuthState):
    city_query: str = ""
    communes: rx.Field[list[schools.CommuneChoice]] = rx.field(default_factory=list)
    searched: bool = False
    commune_insee: str = ""
    commune_label: str = ""
    colleges: list[schools.CollegeChoice] = []
    selected_uai: str = ""
    selected_name: str = ""
    selected_principal_email: str = ""
    selected_email_domain: str = ""
    class_options: rx.Field[list[staff.ClassChoice]] = rx.field(default_factory=list)

    def _select(self, college: schools.CollegeChoice | None) -> None:
        self.selected_uai = college.uai if college else ""
        self.selected_name = college.name if college else ""
        self.selected_principal_email = college.principal_email if college else ""
        self.selected_email_domain = college.email_domain if college else ""
        if college is None:
            self.class_options = []
        else:
            with db() as session:
                self.class_options = staff.class_choices(session, college.uai)

    @event
    def reset_picker(self) -> None:
        self.city_query = ""
        self.communes = []
        self.searched = False
        self.commune_insee = ""
        self.commune_label = ""
        self.colleges = []
        self._select(None)

    @event
    def search_city(self, value: str) -> None:
        self.city_query = as_text(value, 80)
        if len(self.city_query.strip()) < 2:
            self.communes = []
            self.searched = False
            return
        with db() as session:
            self.communes = schools.search_communes(session, self.city_query, limit=8)
        self.searched = True

    @event
    def choose_commune(self, insee_code: str) -> None:
        insee_code = as_text(insee_code, 5)
        with db() as session:
            colleges = schools.colleges_in_commune(session, insee_code)
        match = next((c for c in self.communes if c.insee_code == insee_code), None)
        if not colleges or match is None:
            return
        self.commune_insee = insee_code
        self.commune_label = f"{match.name} ({match.postal_code})"
        self.colleges = colleges
        self._select(colleges[0] if len(colleges) == 1 else None)

    @event
    def change_commune(self) -> None:
        self.commune_insee = ""
        self.commune_label = ""
        self.colleges = []
        self._select(None)

    @event
    def choose_college(self, uai: str) -> None:
        uai = as_text(uai, 20)
        college = next((c for c in self.colleges if c.uai == uai), None)
        if college is not None:
            self._select(college)
