"""``event``: Reflex's ``@rx.event`` decorator, with a static type mypy can read.

Reflex declares the type of ``rx.event`` through the return type of ``EventNamespace.__new__``,
which mypy does not honour: there a decorated handler reads as an ``EventNamespace``, and
``State.handler(row.id)`` in a page as "not callable". At run time ``event`` *is* ``rx.event``;
for the type checker it is the signature Reflex declares for ``@rx.event`` without arguments:
an ``EventCallback`` of the handler's arguments (calling it in a page binds them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar, TypeVarTuple, Unpack

import reflex as rx

if TYPE_CHECKING:
    from reflex.event import EventCallback
    from reflex.state import BaseState

    _State = TypeVar("_State", bound=BaseState)
    _Args = TypeVarTuple("_Args")

    def event(func: Callable[[_State, Unpack[_Args]], object], /) -> EventCallback[*_Args]: ...

else:
    event = rx.event
