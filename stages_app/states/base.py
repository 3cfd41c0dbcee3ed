"""Shared adapter logic for page states: run one service call for the current viewer and turn
its outcome into what the page shows (message, error, redirect). No business rule here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Container
from typing import Any, TypeVar

from reflex.event import EventSpec
from sqlmodel import Session

from stages_app import live
from stages_app.services.access import Viewer
from stages_app.services.errors import DomainError, NotAuthenticated, NotFound, PermissionDenied
from stages_app.services.text import fix_surrogates
from stages_app.states.auth import AuthState, db

log = logging.getLogger(__name__)

GENERIC_ERROR = "Une erreur inattendue est survenue. Rien n'a été enregistré ; merci de réessayer."

_Result = TypeVar("_Result")


def as_text(value: object, limit: int = 500) -> str:
    """A text sent by the browser (a handler's argument, an address parameter), as at most
    ``limit`` characters the server can store, mail and print: "" when it is not a str, and
    lone UTF-16 surrogates (which a browser's JSON may carry) replaced with U+FFFD, a pair sent
    as two code points joined into its character (``services.text.fix_surrogates``). Nothing
    else is changed: the services clean and check what they keep."""
    if not isinstance(value, str):
        return ""
    # fixed before being cut (a pair counts as one character), on a bounded slice: a pair
    # takes two code points, so the first ``limit`` characters come from the first 2 × limit
    return fix_surrogates(value[: limit * 2])[:limit]


def form_text(form: dict[str, Any], key: str, limit: int = 500) -> str:
    """A form value as a bounded string (forged requests may send anything), made encodable
    as ``as_text`` does."""
    value: object = form.get(key, "") if isinstance(form, dict) else ""
    if not isinstance(value, str):
        # a number may be sent for a numeric field; a list, dict or None is not a text
        scalar = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = str(value) if scalar else ""
    return as_text(value, limit)


def as_id(value: object) -> int | None:
    """An id sent by the browser, as an int, or None (never trusted: services re-check)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def require_id(value: int | None) -> int:
    """The id ``as_id`` read, for a service that takes an int. None (nothing valid was sent) is
    what the services answer to an invalid id: ``NotFound()``; raise it inside the action given
    to ``PageState._run``, where the service would have raised it."""
    if value is None:
        raise NotFound()
    return value


class PageState(AuthState):
    """Base of pages with actions: ``message`` (success) and ``error`` (French, from services)."""

    message: str = ""
    error: str = ""
    error_field: str = ""

    def _reload(self, session: Session, viewer: Viewer) -> None:  # pragma: no cover - overridden
        """Refresh the page's view rows (called after each successful action)."""

    def _live_refresh(self) -> EventSpec | None:  # pragma: no cover - overridden by live pages
        """Re-read the rows shown (fallback timer tick, or pushed by ``stages_app.live`` when
        something the page follows changed). Live pages override it."""
        return None

    def _watch(self, *topics: str) -> None:
        """This tab follows ``topics`` (see ``stages_app.live``); call it when reading rows."""
        live.watch(self, topics)

    def _poll(
        self, roles: Container[str], read: Callable[[Session, Viewer], object]
    ) -> EventSpec | None:
        """A live refresh (pushed, or the page's fallback timer): re-derive the viewer, run
        ``read(session, viewer)`` which only replaces view rows. Never touches ``message`` /
        ``error`` (the person may be reading them) nor what they selected or typed. Lost rights →
        the usual redirect; any other failure keeps the rows on screen as they were (the next tick
        retries)."""
        try:
            with db() as session:
                read(session, self._viewer(session, roles))
        except (NotAuthenticated, PermissionDenied) as exc:
            return self._denied(exc)
        except DomainError:
            return None
        except Exception:
            log.exception("refresh failed")
            return None
        return None

    def _run(
        self,
        roles: Container[str],
        action: Callable[[Session, Viewer], _Result],
        success: str | Callable[[_Result], str] = "",
    ) -> EventSpec | None:
        """Re-derive the viewer, run ``action(session, viewer)``, reload the view rows."""
        self.message = ""
        self.error = ""
        self.error_field = ""
        try:
            with db() as session:
                viewer = self._viewer(session, roles)
                result = action(session, viewer)
                self._reload(session, viewer)
        except (NotAuthenticated, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied) and exc.message != PermissionDenied().message:
                self.error = exc.message
                return None
            return self._denied(exc)
        except DomainError as exc:
            self.error = exc.message
            self.error_field = exc.field or ""
            return None
        except Exception:
            log.exception("action failed")
            self.error = GENERIC_ERROR
            return None
        self.message = success(result) if callable(success) else success
        return None
