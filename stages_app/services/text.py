"""Text helpers: accent/case-insensitive search keys, input cleaning.

Every text a person types reaches a service through ``clean_line`` (one line) or ``clean_text``
(several lines), or, when it must be kept exactly as sent (a password, a token, a draft),
through ``fix_surrogates`` alone. A browser's JSON may carry lone UTF-16 surrogates ("\\ud83d",
half an emoji): no database, mail or PDF can encode them, so they are replaced here, once, with
U+FFFD (the replacement character, "�"), and a pair sent as two code points becomes its real
character (😀). Nothing else typed is lost."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")

REPLACEMENT = "\ufffd"


def search_key(value: str) -> str:
    """'Évry-Courcouronnes' -> 'evry courcouronnes'; "L'Haÿ-les-Roses" -> 'l hay les roses'."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = (
        ascii_only.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    )
    return _NON_ALNUM.sub(" ", ascii_only.lower()).strip()


def fix_surrogates(value: str | None) -> str:
    """Text that UTF-8 can encode: a surrogate pair sent as two code points becomes its
    character ("\\ud83d\\ude00" -> "😀"), a lone surrogate becomes U+FFFD; everything else is
    kept as is (no trimming, no normalisation).

    >>> fix_surrogates("a\\ud83d\\ude00b\\ud83d")
    'a😀b�'
    """
    value = value or ""
    if not _SURROGATE.search(value):
        return value
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def clean_line(value: str | None) -> str:
    """One-line user input: surrogates fixed, control characters dropped, whitespace
    collapsed, stripped."""
    value = _CONTROL.sub("", fix_surrogates(value))
    return " ".join(value.split())


def clean_text(value: str | None) -> str:
    """Multi-line user input: surrogates fixed, newlines normalised, control characters
    dropped, stripped at both ends."""
    return clean_draft(value).strip()


def clean_draft(value: str | None) -> str:
    """Multi-line input kept as typed (a draft being written, autosaved): surrogates fixed,
    newlines normalised, control characters dropped, nothing trimmed."""
    value = fix_surrogates(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def slug(value: str) -> str:
    """'La Réunion' -> 'la-reunion'."""
    return search_key(value).replace(" ", "-")
