"""Text helpers: accent/case-insensitive search keys, input cleaning."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def search_key(value: str) -> str:
    """'Évry-Courcouronnes' -> 'evry courcouronnes'; "L'Haÿ-les-Roses" -> 'l hay les roses'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = (
        ascii_only.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    )
    return _NON_ALNUM.sub(" ", ascii_only.lower()).strip()


def clean_line(value: str | None) -> str:
    """One-line user input: strip, collapse whitespace, drop control characters."""
    value = _CONTROL.sub("", value or "")
    return " ".join(value.split())


def clean_text(value: str | None) -> str:
    """Multi-line user input: strip each end, drop control characters, normalise newlines."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value).strip()


def slug(value: str) -> str:
    """'La Réunion' -> 'la-reunion'."""
    return search_key(value).replace(" ", "-")
