"""Shared helpers for table models (no reflex import)."""

from __future__ import annotations

import datetime as dt
import enum


def utcnow() -> dt.datetime:
    """Aware UTC timestamp. SQLModel 0.0.50 maps datetime fields to UTCDateTime, which refuses
    naive values and always reads back aware UTC datetimes: use aware UTC everywhere."""
    return dt.datetime.now(dt.UTC)


class StrEnum(enum.StrEnum):
    """The standard library's StrEnum (members are their string values) with ``values()``."""

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


def in_check(column: str, enum_cls: type[StrEnum]) -> str:
    """SQL text for a CHECK constraint restricting a string column to an enum's values."""
    vals = ", ".join(f"'{v}'" for v in enum_cls.values())
    return f"{column} IN ({vals})"
