"""Line breaking (issue #10): dictionary hyphenation, segmenter break positions, bidi, orphans."""

from __future__ import annotations

import budoux
import pytest
from pythainlp.tokenize import word_tokenize

from domain.catalog import LANGUAGES
from rendering import CreativeSpec, layout_creative
from rendering.fonts import NOTO_SANS, fontpkg_face
from rendering.hyphenate import HYPHEN, syllables
from rendering.layout import headline_style
from rendering.linebreak import TextBlock, TextStyle, fit_text, make_line

COMPOUND = "Donaudampfschifffahrtsgesellschaftskapitän Angebote"
LONG_EN = (
    "Our new plant-based protein powder gives runners who train every day the lightweight "
    "energy they need to go further"
)


def _headline(claim: str, language: str, code: str) -> list[str]:
    layout = layout_creative(CreativeSpec(claim, language, "OK", code, "job:1"))
    return [p.line.text for p in layout.headline_lines]


def _break_offsets(block: TextBlock) -> set[int]:
    """Offsets in the claim (spaces removed) where one line ends and the next begins."""
    offsets, at = set(), 0
    for line in block.lines[:-1]:
        at += len(line.text.removesuffix(HYPHEN).replace(" ", ""))
        offsets.add(at)
    return offsets


def _boundaries(pieces: list[str]) -> set[int]:
    offsets, at = set(), 0
    for piece in pieces:
        at += len(piece.replace(" ", ""))
        offsets.add(at)
    return offsets


def test_a_long_compound_is_hyphenated_to_set_the_story_headline_much_larger() -> None:
    layout = layout_creative(CreativeSpec(COMPOUND, "DE", "Jetzt kaufen", "F3", "job:1"))
    assert layout.headline.size >= 80  # whole words only: 41px, under its own 46px button text
    lines = [p.line.text for p in layout.headline_lines]
    assert any(line.endswith(HYPHEN) for line in lines)
    assert "".join(line.removesuffix(HYPHEN) for line in lines).replace(" ", "") == (
        COMPOUND.replace(" ", "")
    )
    assert all(layout.safe.contains(p.box) for p in layout.headline_lines)


def test_hyphenation_points_come_from_the_dictionary_in_every_language_pyphen_covers() -> None:
    assert syllables("supplements", "EN") == ["sup", "ple", "ments"]
    assert syllables("Donaudampfschifffahrt", "DE")[:3] == ["Donau", "dampf", "schiff"]
    assert syllables("протеиновые", "RU") == ["про", "те", "и", "но", "вые"]
    assert syllables("อาหารเสริมโปรตีน", "TH") == ["อาหารเสริมโปรตีน"]  # Thai is not hyphenated


def test_thai_lines_end_only_between_dictionary_words() -> None:
    claim = "อาหารเสริมริมทางใหม่ล่าสุด สำหรับคุณ"
    words = word_tokenize(claim, engine="newmm", keep_whitespace=False)
    style = headline_style("TH")
    broke = False
    for width in range(140, 700, 40):
        block = fit_text(claim, style, width, 600, 6, 60, 10)
        assert _break_offsets(block) <= _boundaries(words), [ln.text for ln in block.lines]
        broke |= len(block.lines) > 2
    assert broke  # narrow boxes did break the unspaced run, and only between words
    assert not any(line.endswith(("เส", "ให")) for line in _headline(claim, "TH", "F7"))


JA_CLAIM = "最高のプロテインサプリメントで毎日のトレーニングを"
ZH_CLAIM = "最好的蛋白质补充剂让你每天训练更轻松"


@pytest.mark.parametrize(
    ("language", "claim", "parser"),
    [("JA", JA_CLAIM, budoux.load_default_japanese_parser),
     ("ZH", ZH_CLAIM, budoux.load_default_simplified_chinese_parser)],
)  # fmt: skip
def test_cjk_lines_end_only_at_budoux_phrase_boundaries(
    language: str, claim: str, parser: type
) -> None:
    phrases = parser().parse(claim)
    style = headline_style(language)
    widest = max(make_line(p, style, 30).width for p in phrases)
    for width in range(int(widest) + 2, 900, 40):  # every phrase fits whole at 30px
        block = fit_text(claim, style, width, 600, 8, 30, 30)
        assert _break_offsets(block) <= _boundaries(phrases), [ln.text for ln in block.lines]
    for code in ("F1", "F4", "F7", "F10", "F12"):
        lines = _headline(claim, language, code)
        assert "最高のプロテイ" not in lines and "蛋白" not in lines, (code, lines)


def test_a_phrase_wider_than_the_box_is_cut_inside_itself_only() -> None:
    style = headline_style("JA")
    block = fit_text("最高のプロテインサプリメント", style, 90, 600, 8, 30, 30)
    texts = [line.text for line in block.lines]
    assert texts[0] == "最高の"  # the phrase that fits stays whole on its own line
    assert "".join(texts[1:]) == "プロテインサプリメント" and len(texts) > 2


def test_numbers_in_a_latin_run_inside_arabic_keep_their_order_on_every_line() -> None:
    claim = "أفضل مكملات البروتين Whey 100% ISO"
    style = headline_style("AR")
    alone = False
    for width in range(240, 1000, 30):
        for line in fit_text(claim, style, width, 600, 4, 90, 90).lines:
            if "ISO" in line.text:
                drawn = [run.text.strip() for run in line.runs if run.direction == "ltr"]
                assert any(text.endswith("100% ISO") for text in drawn), drawn
                alone |= "Whey" not in line.text
    assert alone  # some width set "100% ISO" on a line of its own, resolved with its paragraph


def test_brackets_around_latin_in_arabic_face_each_other() -> None:
    line = fit_text("البروتين (Whey) الأفضل", headline_style("AR"), 2000, 400, 1, 60, 60).lines[0]
    drawn = "".join(run.text for run in line.runs)  # rtl runs are mirrored by the shaper
    assert "Whey" in drawn and line.runs[[r.text for r in line.runs].index("Whey")].direction == (
        "ltr"
    )


@pytest.mark.parametrize("code", ["F1", "F2", "F4", "F5", "F6", "F7"])
def test_no_short_orphan_first_or_last_line_in_a_long_claim(code: str) -> None:
    layout = layout_creative(CreativeSpec(LONG_EN, "EN", "Shop now", code, "job:1"))
    widths = [p.line.width for p in layout.headline_lines]
    average = sum(widths) / len(widths)
    assert len(widths) >= 3
    assert widths[0] >= 0.6 * average, [p.line.text for p in layout.headline_lines]
    assert widths[-1] >= 0.6 * average, [p.line.text for p in layout.headline_lines]


def test_a_display_face_sets_latin_and_noto_sets_every_other_script() -> None:
    serif = fontpkg_face("DM Serif Display")  # Latin only: no Greek, Cyrillic
    for language in LANGUAGES:
        style = TextStyle(language, 700, 1.2, serif)
        line = fit_text(LANGUAGES[language].default_cta, style, 2000, 300, 1, 40, 40).lines[0]
        families = {run.source.family for run in line.runs}
        if LANGUAGES[language].script == "latin":
            assert families == {"DM Serif Display"}, language
        else:
            assert "DM Serif Display" not in families, language
    mixed = fit_text("Café Привет Ωmega", TextStyle("EN", 700, 1.2, serif), 2000, 300, 1, 40, 40)
    by_word = {run.text.strip(): run.source.family for run in mixed.lines[0].runs}
    assert by_word["Café"] == "DM Serif Display"
    assert "DM Serif Display" not in {by_word.get("Привет"), by_word.get("Ωmega")}
    star = fit_text("Nike★ Pro", TextStyle("EN", 700, 1.2, serif), 2000, 300, 1, 40, 40)
    faces = {run.text.strip(): run.source.family for run in star.lines[0].runs}
    assert faces["Nike"] == faces["Pro"] == "DM Serif Display"  # only the star falls back
    assert faces["★"] != "DM Serif Display"
    for language in ("EL", "RU"):  # a face with Greek and Cyrillic sets them too
        cta = LANGUAGES[language].default_cta
        line = fit_text(cta, TextStyle(language, 700, 1.2, NOTO_SANS), 2000, 300, 1, 40, 40)
        assert {run.source.family for run in line.lines[0].runs} == {"Noto Sans"}, language
