"""Fonts: every character drawn has a glyph; missing fonts and missing shaping fail clearly."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import ImageFont

from domain.catalog import LANGUAGES
from rendering import CreativeSpec, FontMissing, check_fonts, layout_creative
from rendering.fonts import ComplexScriptUnsupported, FontSource, font_path, layout_engine
from tests.rendering.claims import all_claims


@functools.cache
def _cmap(source: FontSource) -> frozenset[int]:
    with TTFont(font_path(source), fontNumber=source.index, lazy=True) as font:
        return frozenset(font.getBestCmap())


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_character_is_covered_by_the_font_it_is_drawn_with(language: str) -> None:
    for kind, claim in all_claims(language).items():
        cta = LANGUAGES[language].default_cta
        layout = layout_creative(CreativeSpec(claim, language, cta, "F1", "job:1"))
        for placed in [*layout.headline.lines, *layout.cta.lines]:
            for run in placed.line.runs:
                missing = [
                    c for c in run.text
                    if not c.isspace()
                    and not unicodedata.category(c).startswith("C")
                    and ord(c) not in _cmap(run.source)
                ]  # fmt: skip
                assert not missing, f"{kind}: {missing} not in {run.source.family}"


def test_a_latin_brand_inside_arabic_keeps_its_letters_and_the_arabic_font() -> None:
    layout = layout_creative(CreativeSpec(all_claims("AR")["mixed"], "AR", "OK", "F1", "j:1"))
    text = " ".join(p.line.text for p in layout.headline_lines)
    assert "Nike Pro 2X" in text.replace("\n", " ") or "Nike" in text
    assert {run.source.family for p in layout.headline_lines for run in p.line.runs} == {
        "Noto Sans Arabic"
    }


def test_cjk_fonts_follow_the_language() -> None:
    families = {
        language: layout_creative(
            CreativeSpec(all_claims(language)["short"], language, "OK", "F1", "j:1")
        )
        .headline_lines[0]
        .line.runs[0]
        .source.family
        for language in ("JA", "ZH", "KO")
    }
    assert families == {
        "JA": "Noto Sans CJK JP",
        "ZH": "Noto Sans CJK SC",
        "KO": "Noto Sans CJK KR",
    }


def test_all_installed_fonts_pass_the_check() -> None:
    check_fonts()


def test_a_missing_font_package_is_named() -> None:
    def absent() -> Path:
        raise ModuleNotFoundError("fontpkg_nowhere")

    source = FontSource("Noto Sans Nowhere", "fontpkg-noto-sans-nowhere", absent)
    with pytest.raises(FontMissing, match="pip install fontpkg-noto-sans-nowhere"):
        font_path(source)


def test_without_raqm_simple_scripts_fall_back_and_complex_ones_say_what_to_install() -> None:
    assert layout_engine("latin", raqm=False) == ImageFont.Layout.BASIC
    assert layout_engine("cjk", raqm=False) == ImageFont.Layout.BASIC
    for script in ("arabic", "hebrew", "devanagari", "thai"):
        with pytest.raises(ComplexScriptUnsupported, match="libfribidi0"):
            layout_engine(script, raqm=False)
