"""A class seen by its professeur principal, a teacher following it, or the principal/staff:
pupils, parental authorisations, platform access, the printable form."""

from __future__ import annotations

import reflex as rx

from stages_app import routes
from stages_app.services import pupils as pupil_service
from stages_app.services import schools, staff
from stages_app.services.errors import NotFound
from stages_app.states.base import PageState, as_id


class ClassPageState(PageState):
    class_id: int = 0
    class_name: str = ""
    join_code: str = ""
    can_manage: bool = False
    class_open: bool = True
    signup_link: str = ""
    qr_code: str = ""
    pupils: list[pupil_service.PupilRow] = []
    selected: list[int] = []
    received_on: str = ""

    @rx.var
    def selected_count(self) -> int:
        return len(self.selected)

    def _reload(self, session, viewer) -> None:
        row = next((c for c in staff.my_classes(session, viewer) if c.class_id == self.class_id),
                   None)
        if row is None:
            raise NotFound("Cette classe est introuvable ou ne fait pas partie de vos classes.")
        self.class_name = row.name
        self.join_code = row.join_code
        self.can_manage = row.can_manage
        self.class_open = row.access_open
        self.pupils = pupil_service.class_pupils(session, viewer, self.class_id)
        listed = {p.pupil_user_id for p in self.pupils}
        self.selected = [i for i in self.selected if i in listed]
        link = pupil_service.pupil_signup_link(self.join_code or None)
        if link.startswith("/"):  # no PUBLIC_URL configured: the address this page was opened at
            link = self.router.url.origin.rstrip("/") + link
        self.signup_link = link if self.join_code else ""
        self.qr_code = pupil_service.qr_code_data_uri(link) if self.join_code else ""

    @rx.event
    def load(self):
        self.class_id = as_id(self.router.url.query_parameters.get("id")) or 0
        self.selected = []
        self.received_on = schools.paris_today().isoformat()
        self.class_name = self.join_code = self.signup_link = self.qr_code = ""
        self.pupils = []
        return self._run(routes.SCHOOL_ROLES, lambda s, v: None)

    @rx.event
    def toggle(self, pupil_user_id: int, checked: bool):
        pid = as_id(pupil_user_id)
        if pid is None or pid not in {p.pupil_user_id for p in self.pupils}:
            return
        if checked and pid not in self.selected:
            self.selected = [*self.selected, pid]
        elif not checked:
            self.selected = [i for i in self.selected if i != pid]

    @rx.event
    def select_all(self, checked: bool):
        self.selected = [p.pupil_user_id for p in self.pupils] if checked is True else []

    @rx.event
    def set_received_on(self, value: str):
        self.received_on = value[:10] if isinstance(value, str) else ""

    @rx.event
    def record_authorisation(self):
        ids, day = list(self.selected), self.received_on
        return self._run(routes.SCHOOL_ROLES,
                         lambda s, v: pupil_service.record_authorisation(s, v, ids, day),
                         lambda n: f"Autorisation parentale enregistrée pour {n} élève(s).")

    @rx.event
    def open_access(self):
        ids = list(self.selected)
        return self._run(routes.SCHOOL_ROLES, lambda s, v: pupil_service.open_access(s, v, ids),
                         lambda result: result.message)

    @rx.event
    def withdraw_access(self, pupil_user_id: int):
        pid = as_id(pupil_user_id)
        return self._run(routes.SCHOOL_ROLES, lambda s, v: pupil_service.withdraw_access(s, v, pid),
                         "Accès retiré.")

    @rx.event
    def download_form(self):
        cid = self.class_id
        holder: dict = {}

        def action(s, v):
            holder["pdf"] = pupil_service.authorisation_form_pdf(s, v, cid)

        result = self._run(routes.SCHOOL_ROLES, action)
        if "pdf" not in holder:
            return result
        return rx.download(data=holder["pdf"],
                           filename=f"autorisation-parentale-{self.class_name}.pdf".replace(" ", "-"))

    @rx.event
    def download_scan(self, pupil_user_id: int):
        pid = as_id(pupil_user_id)
        holder: dict = {}

        def action(s, v):
            holder["scan"] = pupil_service.authorisation_scan(s, v, pid)

        result = self._run(routes.SCHOOL_ROLES, action)
        if "scan" not in holder:
            return result
        name, data, _mime = holder["scan"]
        return rx.download(data=data, filename=name)
