"""A class seen by its professeur principal, a teacher following it, or the principal/staff:
pupils, parental authorisations, platform access, the printable form."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live, routes
from stages_app.services import dashboards, moves, schools, staff
from stages_app.services import live as live_topics
from stages_app.services import pupils as pupil_service
from stages_app.services.access import Viewer
from stages_app.services.errors import NotFound
from stages_app.states.applications import TONE_COLOR
from stages_app.states.base import PageState, as_id, as_text, form_text, require_id
from stages_app.states.events import event


@dataclasses.dataclass
class ClassRow:
    """One pupil of the table: access (``status``) and tracking (``class_dashboard``)."""

    pupil_user_id: int
    first_name: str
    last_name: str
    email: str
    status: str
    status_label: str
    has_scan: bool
    file_href: str
    best_label: str
    best_color: str
    applications: int
    internships: list[str]
    last_activity: str
    attention: list[str]


def _rows(
    pupils: list[pupil_service.PupilRow], tracking: dashboards.ClassDashboard
) -> list[ClassRow]:
    by_id = {r.pupil_user_id: r for r in tracking.pupils}
    rows: list[ClassRow] = []
    for p in pupils:
        t = by_id.get(p.pupil_user_id)
        rows.append(
            ClassRow(
                p.pupil_user_id,
                p.first_name,
                p.last_name,
                p.email,
                p.status,
                p.status_label,
                p.has_scan,
                routes.pupil_url(p.pupil_user_id),
                t.status.label if t else "",
                TONE_COLOR.get(t.status.tone, "gray") if t else "gray",
                t.applications if t else 0,
                list(t.internships) if t else [],
                t.last_activity_label if t else "",
                list(t.attention) if t else [],
            )
        )
    return rows


@dataclasses.dataclass
class ArrivalView:
    """A pupil of another collège asking to join this class (for who organises it)."""

    move_id: int
    pupil_name: str
    origin: str  # "Collège X, 3e B"
    asked_on: str  # dd/mm/yyyy
    closes: list[str]


def _arrivals(rows: list[moves.ArrivalRow]) -> list[ArrivalView]:
    return [
        ArrivalView(
            r.move_id,
            r.pupil_name,
            f"Collège {r.from_school}, {r.from_class}" if r.from_class else r.from_school,
            r.requested_at.astimezone(schools.PARIS).strftime("%d/%m/%Y"),
            list(r.closes),
        )
        for r in rows
    ]


@live.pushable
class ClassPageState(PageState):
    class_id: int = 0
    class_name: str = ""
    join_code: str = ""
    can_manage: bool = False
    class_open: bool = True
    signup_link: str = ""
    qr_code: str = ""
    pupils: rx.Field[list[pupil_service.PupilRow]] = rx.field(default_factory=list)
    # the table: pupils with their tracking (live refreshed)
    rows: rx.Field[list[ClassRow]] = rx.field(default_factory=list)
    selected: rx.Field[list[int]] = rx.field(default_factory=list)
    received_on: str = ""
    arrivals: rx.Field[list[ArrivalView]] = rx.field(default_factory=list)

    @rx.var
    def selected_count(self) -> int:
        return len(self.selected)

    def _reload(self, session: Session, viewer: Viewer) -> None:
        row = next(
            (c for c in staff.my_classes(session, viewer) if c.class_id == self.class_id), None
        )
        if row is None:
            raise NotFound("Cette classe est introuvable ou ne fait pas partie de vos classes.")
        self._reload_rows(session, viewer)  # first: a refusal leaves nothing of the class shown
        self.class_name = row.name
        self.join_code = row.join_code
        self.can_manage = row.can_manage
        self.class_open = row.access_open
        link = pupil_service.pupil_signup_link(self.join_code or None)
        if link.startswith("/"):  # no PUBLIC_URL configured: the address this page was opened at
            link = self.router.url.origin.rstrip("/") + link
        self.signup_link = link if self.join_code else ""
        self.qr_code = pupil_service.qr_code_data_uri(link) if self.join_code else ""

    def _reload_rows(self, session: Session, viewer: Viewer) -> None:
        """The pupils and their tracking; assigns only what changed (a refresh tick then sends
        nothing when nothing moved). The selection keeps the pupils still listed."""
        pupils = pupil_service.class_pupils(session, viewer, self.class_id)
        rows = _rows(pupils, dashboards.class_dashboard(session, viewer, self.class_id))
        if pupils != self.pupils:
            self.pupils = pupils
        if rows != self.rows:
            self.rows = rows
        arrivals = _arrivals(moves.arrivals(session, viewer, self.class_id))
        if arrivals != self.arrivals:
            self.arrivals = arrivals
        self._watch(live_topics.class_topic(self.class_id))
        listed = {p.pupil_user_id for p in pupils}
        if any(i not in listed for i in self.selected):
            self.selected = [i for i in self.selected if i in listed]

    @event
    def refresh(self, _tick: str = "") -> EventSpec | None:
        """Fallback timer tick of the live updates."""
        return self._live_refresh()

    def _live_refresh(self) -> EventSpec | None:
        """Re-read the pupils for the viewer derived again from the token (pushed when one of
        them applies, withdraws or gets an answer); message, error, selection and the date being
        typed are left alone."""
        if not self.class_name:
            return None
        result = self._poll(routes.SCHOOL_ROLES, self._reload_rows)
        if result is not None:
            self.pupils, self.rows, self.selected, self.arrivals = [], [], [], []
            self.class_name = self.join_code = self.signup_link = self.qr_code = ""
        return result

    @event
    def load(self) -> EventSpec | None:
        self.class_id = as_id(self.router.url.query_parameters.get("id")) or 0
        self.selected = []
        self.received_on = schools.paris_today().isoformat()
        self.class_name = self.join_code = self.signup_link = self.qr_code = ""
        self.pupils = []
        self.rows = []
        self.arrivals = []
        return self._run(routes.SCHOOL_ROLES, lambda s, v: None)

    @event
    def accept_arrival(self, move_id: int) -> EventSpec | None:
        """The pupil of another collège joins this class (a handover)."""
        mid = as_id(move_id)
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: moves.accept_arrival(s, v, require_id(mid)),
            lambda text: text,
        )

    @event
    def decline_arrival(self, form: dict[str, Any]) -> EventSpec | None:
        """Decline a pupil's request, with the reason the pupil reads."""
        mid = as_id(form.get("move_id"))
        reason = form_text(form, "reason", 2000)
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: moves.decline_arrival(s, v, require_id(mid), reason),
            lambda text: text,
        )

    @event
    def toggle(self, pupil_user_id: int, checked: bool) -> None:
        pid = as_id(pupil_user_id)
        if pid is None or pid not in {p.pupil_user_id for p in self.pupils}:
            return
        if checked and pid not in self.selected:
            self.selected = [*self.selected, pid]
        elif not checked:
            self.selected = [i for i in self.selected if i != pid]

    @event
    def select_all(self, checked: bool) -> None:
        self.selected = [p.pupil_user_id for p in self.pupils] if checked is True else []

    @event
    def set_received_on(self, value: str) -> None:
        self.received_on = as_text(value, 10)

    @event
    def record_authorisation(self) -> EventSpec | None:
        ids, day = list(self.selected), self.received_on
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: pupil_service.record_authorisation(s, v, ids, day),
            lambda n: f"Autorisation parentale enregistrée pour {n} élève(s).",
        )

    @event
    def open_access(self) -> EventSpec | None:
        ids = list(self.selected)
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: pupil_service.open_access(s, v, ids),
            lambda result: result.message,
        )

    @event
    def withdraw_access(self, pupil_user_id: int) -> EventSpec | None:
        pid = as_id(pupil_user_id)
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: pupil_service.withdraw_access(s, v, require_id(pid)),
            "Accès retiré.",
        )

    @event
    def download_form(self) -> EventSpec | None:
        cid = self.class_id
        holder: dict[str, bytes] = {}

        def action(s: Session, v: Viewer) -> None:
            holder["pdf"] = pupil_service.authorisation_form_pdf(s, v, cid)

        result = self._run(routes.SCHOOL_ROLES, action)
        if "pdf" not in holder:
            return result
        return rx.download(
            data=holder["pdf"],
            filename=f"autorisation-parentale-{self.class_name}.pdf".replace(" ", "-"),
        )

    @event
    def download_scan(self, pupil_user_id: int) -> EventSpec | None:
        pid = as_id(pupil_user_id)
        holder: dict[str, tuple[str, bytes, str]] = {}

        def action(s: Session, v: Viewer) -> None:
            holder["scan"] = pupil_service.authorisation_scan(s, v, require_id(pid))

        result = self._run(routes.SCHOOL_ROLES, action)
        if "scan" not in holder:
            return result
        name, data, _mime = holder["scan"]
        return rx.download(data=data, filename=name)

    # --- scanned signed form (optional; stored privately by services.pupils) -----------------

    scan_pupil: str = ""

    @event
    def set_scan_pupil(self, value: str) -> None:
        self.scan_pupil = as_text(value, 12)

    @event
    async def upload_scan(self, files: list[rx.UploadFile]) -> EventSpec | None:
        pid = as_id(self.scan_pupil)
        if pid is None or not files:
            self.message = ""
            self.error = (
                "Choisissez l'élève puis le fichier du formulaire signé (PDF, JPEG ou PNG)."
            )
            return None
        upload = files[0]
        # read one byte more than the limit: the service refuses oversized files in French
        data = await upload.read(pupil_service.SCAN_MAX_BYTES + 1)
        name = (upload.filename or upload.name or "formulaire")[:200]
        return self._run(
            routes.SCHOOL_ROLES,
            lambda s, v: pupil_service.attach_authorisation_scan(s, v, pid, name, data),
            "Formulaire signé enregistré (stockage privé).",
        )
