"""Line breaking per script and the visual order of mixed-direction lines."""

from __future__ import annotations

import unicodedata

from rendering.hyphenate import syllables
from rendering.linebreak import TextStyle, fit_text
from rendering.text import break_units, visual_runs


def test_japanese_breaks_without_spaces_and_respects_kinsoku() -> None:
    block = fit_text("最高のプロテイン、毎日のトレーニングに。", TextStyle("JA", 700, 1.24),
                     200, 400, 6, 60, 10)  # fmt: skip
    assert len(block.lines) > 1
    assert not any(line.text[0] in "、。ー" for line in block.lines)


def test_thai_breaks_keep_marks_with_their_base_and_prefer_spaces() -> None:
    units = break_units("อาหารเสริมโปรตีนที่ดีที่สุด สำหรับคุณ", "TH")
    assert not any(unicodedata.category(u.text[0]).startswith("M") for u in units)
    assert not any(u.text[-1] in "เแโใไ" for u in units)  # a leading vowel ends no line
    block = fit_text("อาหารเสริมโปรตีนที่ดีที่สุด สำหรับคุณ", TextStyle("TH", 700, 1.55),
                     700, 400, 3, 100, 10)  # fmt: skip
    assert [line.text for line in block.lines][-1] == "สำหรับคุณ"


def test_lines_are_balanced_not_greedy() -> None:
    block = fit_text("Best protein supplements for every day", TextStyle("EN", 800, 1.1),
                     600, 400, 4, 80, 10)  # fmt: skip
    widths = [line.width for line in block.lines]
    assert len(widths) > 1 and min(widths) > 0.6 * max(widths)


def test_a_foreign_word_in_arabic_is_drawn_left_to_right_at_its_place() -> None:
    runs = visual_runs("أفضل Привет البروتين", "AR")
    assert [run.direction for run in runs] == ["rtl", "ltr", "rtl"]
    assert runs[0].text.strip() == "البروتين"  # the last word is drawn leftmost
    assert runs[1].text.strip() == "Привет"
    assert runs[2].text.strip() == "أفضل"


def test_ellipsis_is_the_last_resort() -> None:
    claim = "Best protein supplements " * 8
    block = fit_text(claim.strip(), TextStyle("EN", 800, 1.1), 200, 30, 2, 20, 9)
    assert block.ellipsized and block.lines[-1].text.endswith("…")
    assert all(line.width <= 200 for line in block.lines)


def test_hyphenation_keeps_sound_groups_whole_and_never_doubles_a_hyphen() -> None:
    assert syllables("Kraftsportler", "DE") == ["Kraft", "sport", "ler"]
    assert syllables("Zuckerschale", "DE") == ["Zucker", "schale"]  # no 2-letter piece
    units = break_units("Hochleistungs-Proteinpulver", "DE", hyphenate=True)
    drawn = [u for u in units if u.hyphen]
    assert drawn and not any(u.text.endswith("-") for u in drawn)
