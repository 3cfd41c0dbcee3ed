"""Pupil CV editor: autosaved as typed (debounced), live preview, archived versions, PDF."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from stages_app.models import Role
from stages_app.services import cv as cv_service
from stages_app.services.access import Viewer
from stages_app.services.schools import PARIS
from stages_app.states.base import PageState, as_id, as_text, form_text
from stages_app.states.events import event

STUDENT = {Role.STUDENT.value}
SECTION_KEYS = tuple(s.key for s in cv_service.CV_SECTIONS)
LIST_KEYS = cv_service.LIST_KEYS


@dataclasses.dataclass
class VersionRow:
    id: int
    name: str
    created: str


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _moment(value: dt.datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M") if value else ""


class CVState(PageState):
    about: rx.Field[str] = rx.field("")
    school_path: str = ""
    interests: str = ""
    qualities: str = ""
    languages: str = ""
    experiences: str = ""
    saved_label: str = ""
    versions: rx.Field[list[VersionRow]] = rx.field(default_factory=list)
    viewing_name: str = ""
    viewing: dict[str, str] = {}

    @rx.var
    def preview_lists(self) -> dict[str, list[str]]:
        # each section named: Reflex finds a computed var's dependencies in its code, and
        # getattr(self, key) hides them (the live preview would never update)
        lists = {
            "school_path": _lines(self.school_path),
            "interests": _lines(self.interests),
            "qualities": _lines(self.qualities),
            "languages": _lines(self.languages),
            "experiences": _lines(self.experiences),
        }
        return {k: lists[k] for k in LIST_KEYS}

    def _fill(self, view: cv_service.CVView) -> None:
        self.about = view.about
        for key in LIST_KEYS:
            setattr(self, key, "\n".join(getattr(view, key)))
        self.saved_label = (
            f"Enregistré le {_moment(view.updated_at)}"
            if view.updated_at
            else "Pas encore enregistré"
        )

    def _reload(self, session: Session, viewer: Viewer) -> None:
        self.versions = [
            VersionRow(v.id, v.name, _moment(v.created_at))
            for v in cv_service.list_versions(session, viewer)
        ]

    def _clear(self) -> None:
        """Forget what the state holds of a CV (a refused load must not keep a previous
        user's CV: logging out does not reset the page states of the browser tab)."""
        for key in SECTION_KEYS:
            setattr(self, key, "")
        self.saved_label = ""
        self.versions = []
        self.viewing_name = ""
        self.viewing = {}

    @event
    def load(self) -> EventSpec | None:
        self._clear()
        return self._run(STUDENT, lambda s, v: self._fill(cv_service.get_cv(s, v)))

    @event
    def set_section(self, key: str, value: str) -> EventSpec | None:
        """Autosave one section (the page debounces typing)."""
        if not isinstance(key, str) or key not in SECTION_KEYS:
            return None
        if not isinstance(value, str):
            # a forged value: nothing is stored, what was typed stays on screen
            label = next(sec.label for sec in cv_service.CV_SECTIONS if sec.key == key)
            self.message, self.error_field = "", key
            self.error = (
                f"La rubrique « {label} » doit être un texte. Votre CV enregistré n'a pas changé."
            )
            self.saved_label = "Non enregistré : corrigez la section signalée."
            return None
        value = as_text(value, cv_service.TEXT_MAX * 3)
        setattr(self, key, value)
        content = {key: value if key == "about" else _lines(value)}
        result = self._run(STUDENT, lambda s, v: cv_service.save_cv(s, v, content))
        if self.error:
            # keep what was typed on screen; the stored CV is unchanged
            self.saved_label = "Non enregistré : corrigez la section signalée."
        elif result is not None:  # redirected (logged out, not a pupil): nothing was saved
            self.saved_label = ""
        else:
            self.saved_label = "Enregistré"
        return result

    @event
    def archive(self, form: dict[str, Any]) -> EventSpec | None:
        name = form_text(form, "version_name", 80)
        return self._run(
            STUDENT,
            lambda s, v: cv_service.archive_cv(s, v, name),
            lambda row: f"Version « {row.name} » archivée.",
        )

    @event
    def view_version(self, version_id: int) -> EventSpec | None:
        vid = as_id(version_id)

        def action(s: Session, v: Viewer) -> None:
            version = cv_service.get_version(s, v, vid)
            self.viewing_name = f"{version.name} ({_moment(version.created_at)})"
            self.viewing = {
                k: (version.cv.about if k == "about" else "\n".join(getattr(version.cv, k)))
                for k in SECTION_KEYS
            }

        return self._run(STUDENT, action)

    @event
    def close_version(self) -> None:
        self.viewing_name = ""
        self.viewing = {}

    @event
    def restore(self, version_id: int) -> EventSpec | None:
        vid = as_id(version_id)
        self.viewing_name = ""
        self.viewing = {}
        return self._run(
            STUDENT,
            lambda s, v: self._fill(cv_service.restore_version(s, v, vid)),
            "Version restaurée : votre CV actuel a d'abord été archivé.",
        )

    @event
    def download(self) -> EventSpec | None:
        holder: dict[str, bytes] = {}
        result = self._run(STUDENT, lambda s, v: holder.setdefault("pdf", cv_service.cv_pdf(s, v)))
        if "pdf" not in holder:
            return result
        return rx.download(data=holder["pdf"], filename="mon-cv.pdf")
