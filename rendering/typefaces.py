"""Type pairings: a display face for headlines and a text face for sublines and buttons.

The faces come from PyPI `fontpkg-*` packages. A face is used for a text only when it draws
every character of it; otherwise the language's house font sets the text (Noto for Arabic,
Devanagari, Thai, CJK, Hebrew; Inter for the rest), so no text mixes two faces mid-word.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from rendering.fonts import FontMissing, FontSource, coverage


def _fontpkg(family: str) -> Path:
    import fontpkg

    return Path(fontpkg.path(family))


def _face(family: str, slug: str) -> FontSource:
    return FontSource(family, f"fontpkg-{slug}", lambda: _fontpkg(slug))


ANTON = _face("Anton", "anton")
ARCHIVO_BLACK = _face("Archivo Black", "archivo-black")
BEBAS_NEUE = _face("Bebas Neue", "bebas-neue")
DM_SANS = _face("DM Sans", "dm-sans")
DM_SERIF_DISPLAY = _face("DM Serif Display", "dm-serif-display")
FRAUNCES = _face("Fraunces", "fraunces")
MANROPE = _face("Manrope", "manrope")
PLAYFAIR_DISPLAY = _face("Playfair Display", "playfair-display")
SPACE_GROTESK = _face("Space Grotesk", "space-grotesk")
FACES = (ANTON, ARCHIVO_BLACK, BEBAS_NEUE, DM_SANS, DM_SERIF_DISPLAY, FRAUNCES, MANROPE,
         PLAYFAIR_DISPLAY, SPACE_GROTESK)  # fmt: skip


@dataclass(frozen=True)
class Pairing:
    """A family's faces and the weights they are set in."""

    display: FontSource
    display_weight: int
    text: FontSource
    text_weight: int


@functools.lru_cache(maxsize=4096)
def face_for(face: FontSource, text: str) -> FontSource | None:
    """The face when it is installed and draws every character of the text, else None."""
    try:
        drawn = coverage(face)
    except FontMissing:
        return None
    return face if all(c.isspace() or ord(c) in drawn for c in text) else None
