"""Shared PDF set-up (fpdf2): a Unicode font when Debian's DejaVu is installed, else the core
Helvetica font with a Latin-1 transliteration. Used by the parental form and the CV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))

LATIN1 = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "œ": "oe",
        "Œ": "OE",
        "—": "-",
        "–": "-",
        "…": "...",
        "☐": "[ ]",
        "✂": "",
        "\u202f": " ",
    }
)


def font_files() -> tuple[Path, Path] | None:
    for directory in FONT_DIRS:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def use_fonts(pdf: FPDF) -> tuple[str, Callable[[str], str]]:
    """Register the fonts on ``pdf``; returns (font family, text converter for that font)."""
    fonts = font_files()
    if fonts:
        pdf.add_font("DejaVu", "", str(fonts[0]))
        pdf.add_font("DejaVu", "B", str(fonts[1]))
        return "DejaVu", lambda text: text

    def latin1(text: str) -> str:  # core font: Latin-1 only
        return text.translate(LATIN1).encode("latin-1", "replace").decode("latin-1")

    return "Helvetica", latin1
