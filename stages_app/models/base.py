"""Shared helpers for table models (no reflex import)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Protocol


def utcnow() -> dt.datetime:
    """Aware UTC timestamp. SQLModel 0.0.50 maps datetime fields to UTCDateTime, which refuses
    naive values and always reads back aware UTC datetimes: use aware UTC everywhere."""
    return dt.datetime.now(dt.UTC)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(row: _Stored) -> int:
    """The primary key of a row read from the database or flushed to it. Table models type
    ``id`` as optional because a new row has none until it is flushed; a stored row always has
    one."""
    assert row.id is not None, f"{type(row).__name__} has no id: it was never flushed"
    return row.id


class StrEnum(enum.StrEnum):
    """The standard library's StrEnum (members are their string values) with ``values()``."""

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


def in_check(column: str, enum_cls: type[StrEnum]) -> str:
    """SQL text for a CHECK constraint restricting a string column to an enum's values."""
    vals = ", ".join(f"'{v}'" for v in enum_cls.values())
    return f"{column} IN ({vals})"
