"""Shared helpers for table models (no reflex import)."""

from __future__ import annotations

import datetime as dt
import enum


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: every datetime column stores UTC without tzinfo."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StrEnum(str, enum.Enum):
    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


def in_check(column: str, enum_cls: type[StrEnum]) -> str:
    """SQL text for a CHECK constraint restricting a string column to an enum's values."""
    vals = ", ".join(f"'{v}'" for v in enum_cls.values())
    return f"{column} IN ({vals})"
