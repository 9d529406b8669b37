"""The font families a brand kit may choose (`GET /api/v1/fonts`), with the scripts each covers.

A small registry: add a FontSource to OFFERED (the layout engine's display faces, say) and it is
offered as soon as its package is installed. A kit's font sets Latin, Greek and Cyrillic text
where it has the letters; every other script keeps the house fonts (rendering.fonts.font_chain).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rendering.fonts import (
    INTER,
    NOTO_SANS,
    SCRIPT_SAMPLES,
    FontMissing,
    FontSource,
    covers_script,
    font_path,
    fontpkg_face,
)

OFFERED: tuple[FontSource, ...] = (
    INTER,
    NOTO_SANS,
    fontpkg_face("DM Serif Display", 400),
    fontpkg_face("Anton", 400),
)


@dataclass(frozen=True)
class OfferedFont:
    family: str
    scripts: tuple[str, ...]  # of rendering.fonts.SCRIPT_SAMPLES: "latin", "cyrillic", "greek"
    source: FontSource


@functools.cache
def offered_fonts() -> tuple[OfferedFont, ...]:
    """The installed families of OFFERED, each with the kit scripts it draws."""
    fonts = []
    for source in OFFERED:
        try:
            font_path(source)
        except FontMissing:
            continue  # its package is not installed in this deployment: not on offer
        scripts = tuple(script for script in SCRIPT_SAMPLES if covers_script(source, script))
        fonts.append(OfferedFont(source.family, scripts, source))
    return tuple(fonts)


def find_font(family: str) -> OfferedFont | None:
    """The offered family of this name (case-insensitive), or None."""
    wanted = family.strip().casefold()
    return next((font for font in offered_fonts() if font.family.casefold() == wanted), None)
