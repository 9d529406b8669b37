"""Fonts from installed PyPI packages: discovery, coverage and a thread-safe cache of faces."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from PIL import ImageFont, features

from domain.catalog import LANGUAGES


class FontMissing(RuntimeError):
    """A script has no installed font; the message names the PyPI package to install."""


class ComplexScriptUnsupported(RuntimeError):
    """Pillow lacks RAQM shaping, which this script cannot be drawn without."""


def _fontpkg_file(family: str) -> Path:
    import fontpkg

    return Path(fontpkg.path(family))


def _package_file(module: str, relative: str) -> Path:
    return Path(str(files(module).joinpath(relative)))


@dataclass(frozen=True)
class FontSource:
    family: str
    package: str  # the PyPI distribution that ships the file
    locate: Callable[[], Path]
    index: int = 0  # face inside a collection (.ttc)


INTER = FontSource("Inter", "fontpkg-inter", lambda: _fontpkg_file("inter"))
NOTO_SANS = FontSource("Noto Sans", "fontpkg-noto-sans", lambda: _fontpkg_file("noto-sans"))
NOTO_ARABIC = FontSource(
    "Noto Sans Arabic", "fontpkg-noto-sans-arabic", lambda: _fontpkg_file("noto-sans-arabic")
)
NOTO_DEVANAGARI = FontSource(
    "Noto Sans Devanagari",
    "fontpkg-noto-sans-devanagari",
    lambda: _fontpkg_file("noto-sans-devanagari"),
)
NOTO_THAI = FontSource(
    "Noto Sans Thai", "fontpkg-noto-sans-thai", lambda: _fontpkg_file("noto-sans-thai")
)
NOTO_HEBREW = FontSource(
    "Noto Sans Hebrew",
    "justmytype-intl-rtl",
    lambda: _package_file(
        "justmytype_intl_rtl", "fonts/ofl/notosanshebrew/NotoSansHebrew[wdth,wght].ttf"
    ),
)


def _cjk(region: str, index: int) -> FontSource:
    return FontSource(
        f"Noto Sans CJK {region}",
        "manimgx-fonts-cjk",
        lambda: _package_file("manimgx_fonts_cjk", "NotoSansCJK-VF.otf.ttc"),
        index,
    )


CJK_BY_LANGUAGE = {"JA": _cjk("JP", 0), "KO": _cjk("KR", 1), "ZH": _cjk("SC", 2)}

PRIMARY_BY_SCRIPT = {
    "latin": INTER,
    "cyrillic": INTER,
    "greek": INTER,
    "arabic": NOTO_ARABIC,
    "hebrew": NOTO_HEBREW,
    "devanagari": NOTO_DEVANAGARI,
    "thai": NOTO_THAI,
}
FALLBACKS = (
    NOTO_SANS,
    NOTO_ARABIC,
    NOTO_HEBREW,
    NOTO_DEVANAGARI,
    NOTO_THAI,
    CJK_BY_LANGUAGE["JA"],
)
COMPLEX_SCRIPTS = frozenset({"arabic", "hebrew", "devanagari", "thai"})


@functools.cache
def font_path(source: FontSource) -> Path:
    """The file of an installed font, or FontMissing naming the package to install."""
    hint = f"no font for {source.family}: pip install {source.package}"
    try:
        path = source.locate()
    except Exception as exc:  # the package or its registry entry is absent
        raise FontMissing(hint) from exc
    if not path.is_file():
        raise FontMissing(hint)
    return path


def font_chain(language: str, family: FontSource | None = None) -> tuple[FontSource, ...]:
    """Fonts to try, in order, for text in this language (first one covering a character wins).

    `family` (a display or text face the layout picked) goes first; the house font still follows
    it, so a character the face lacks is drawn, never a box.
    """
    primary = CJK_BY_LANGUAGE.get(language) or PRIMARY_BY_SCRIPT[LANGUAGES[language].script]
    lead = (family, primary) if family and family != primary else (primary,)
    return (*lead, *(f for f in FALLBACKS if f not in lead))


def check_fonts() -> None:
    """Raise FontMissing for the first language whose script lacks an installed font."""
    for language in LANGUAGES:
        font_path(font_chain(language)[0])


@functools.cache
def raqm_available() -> bool:
    """Whether Pillow can shape text (needs the system's libfribidi)."""
    return bool(features.check_feature("raqm"))


def layout_engine(script: str, raqm: bool | None = None) -> ImageFont.Layout:
    """RAQM when present; basic layout only for scripts that need no shaping."""
    if raqm_available() if raqm is None else raqm:
        return ImageFont.Layout.RAQM
    if script in COMPLEX_SCRIPTS:
        raise ComplexScriptUnsupported(
            f"{script} text needs Pillow's RAQM layout: install libfribidi0 (apt-get install "
            "libfribidi0) and restart"
        )
    return ImageFont.Layout.BASIC


@functools.cache
def coverage(source: FontSource) -> frozenset[int]:
    """Code points the font has glyphs for."""
    from fontTools.ttLib import TTFont

    with TTFont(font_path(source), fontNumber=source.index, lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.lru_cache(maxsize=1024)
def load_font(source: FontSource, size: int, weight: int) -> ImageFont.FreeTypeFont:
    """A loaded face at a size and weight; cached, and never mutated after loading."""
    engine = ImageFont.Layout.RAQM if raqm_available() else ImageFont.Layout.BASIC
    font = ImageFont.truetype(
        str(font_path(source)), size, index=source.index, layout_engine=engine
    )
    try:
        axes = font.get_variation_axes()
    except OSError:  # a static font
        return font
    by_name = {b"Weight": weight, b"Optical size": 32, b"Width": 100}
    font.set_variation_by_axes([by_name.get(a["name"], a["default"]) or 0 for a in axes])
    return font
