"""Geometry of every format x language x claim: inside the safe area, no collisions, no loss."""

from __future__ import annotations

import itertools

import pytest

from domain.catalog import FORMATS, LANGUAGES
from rendering import CreativeSpec, UnrenderableClaim, layout_creative, render_png
from rendering.hyphenate import HYPHEN
from rendering.layout import RULES, Box, CreativeLayout
from rendering.legibility import FLOORS, fits_legibly
from rendering.linebreak import HYPHENATION_GAIN, TextStyle, fit_text
from tests.rendering.claims import all_claims

TOLERANCE = 0.5  # sub-pixel rounding of float positions
SUBLINE = "Plant-based, 25 g per scoop"
BADGE = "-20%"


def _grown(box: Box) -> Box:
    return Box(box.left - TOLERANCE, box.top - TOLERANCE, box.right + TOLERANCE,
               box.bottom + TOLERANCE)  # fmt: skip


def _problems(layout: CreativeLayout, claim: str, code: str) -> list[str]:
    safe = _grown(layout.safe)
    found = []
    if not layout.headline.lines:
        found.append("no headline")
    for placed in layout.headline.lines:
        if not safe.contains(placed.box):
            found.append(f"line {placed.line.text!r} {placed.box} leaves the safe area {safe}")
    if not safe.contains(layout.button):
        found.append(f"button {layout.button} leaves the safe area")
    if not _grown(layout.button).contains(layout.cta.box):
        found.append(f"CTA label {layout.cta.box} sticks out of its button {layout.button}")
    parts = {"headline": layout.headline.box, "button": layout.button}
    if layout.subline:
        parts["subline"] = layout.subline.box
    if layout.badge_shape:
        parts["badge"] = Box(*layout.badge_shape.points)
    for name, box in parts.items():
        if not safe.contains(box):
            found.append(f"{name} {box} leaves the safe area")
    for (one, a), (other, b) in itertools.combinations(parts.items(), 2):
        if a.overlaps(b):
            found.append(f"{one} and {other} overlap ({layout.family})")
    if len(layout.headline.lines) > RULES[code].max_lines:
        found.append(f"{len(layout.headline.lines)} lines, more than {RULES[code].max_lines}")
    if layout.headline.block.size < FLOORS[code].headline:
        found.append(f"headline at {layout.headline.block.size}px, below the legible minimum")
    shown = "".join(p.line.text.removesuffix(HYPHEN) for p in layout.headline.lines)
    shown = shown.replace(" ", "")
    if layout.headline.block.ellipsized:
        if not shown.endswith("…"):
            found.append("shortened headline without an ellipsis")
    elif shown != claim.replace(" ", ""):
        found.append(f"headline {shown!r} is not the claim")
    return found


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_format_and_claim_fits_the_safe_area_without_collisions(language: str) -> None:
    problems = []
    cta = LANGUAGES[language].default_cta
    for (kind, claim), code, index in itertools.product(all_claims(language).items(), FORMATS,
                                                         range(1, 7)):  # fmt: skip
        extra = (SUBLINE, BADGE) if index % 2 else (None, None)  # every family, with and without
        layout = layout_creative(CreativeSpec(claim, language, cta, code, f"job:{index}", *extra))
        assert (layout.width, layout.height) == (FORMATS[code].width, FORMATS[code].height)
        problems += [f"{code} {kind} {layout.family}: {p}" for p in _problems(layout, claim, code)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", list(FORMATS))
def test_short_claims_are_never_shortened_and_are_set_large(code: str) -> None:
    for language in LANGUAGES:
        claim = all_claims(language)["short"]
        spec = CreativeSpec(claim, language, "OK", code, "job:2")
        layout = layout_creative(spec)
        if not fits_legibly(claim, language, code, "OK"):
            assert code in ("F9", "F10", "F11"), (language, code)  # the API refuses it there
            continue
        assert not layout.headline.block.ellipsized, (language, code)
        if code != "F10":  # 136px columns set long compounds ("Proteinergänzungsmittel") small
            assert layout.headline.block.size > layout.cta.block.size, (language, code)


def test_a_maximum_claim_is_ellipsized_only_where_the_api_would_refuse_it() -> None:
    claim = all_claims("EN")["long"]
    layouts = {c: layout_creative(CreativeSpec(claim, "EN", "Shop now", c, "j:1")) for c in FORMATS}
    shortened = {code for code, layout in layouts.items() if layout.headline.block.ellipsized}
    illegible = {code for code in FORMATS if not fits_legibly(claim, "EN", code)}
    assert shortened <= illegible
    assert illegible == {code for code, layout in layouts.items() if not layout.legible}
    assert {"F1", "F2", "F3", "F4", "F5", "F6"}.isdisjoint(shortened)
    assert "F11" in shortened  # 200 characters cannot be legible on 320x50


@pytest.mark.parametrize("language", ["AR", "HE"])
def test_right_to_left_layouts_are_mirrored(language: str) -> None:
    claim = all_claims(language)["short"]
    for code, seed in (("F1", "job:1"), ("F4", "job:1"), ("F9", "job:1")):
        rtl = layout_creative(CreativeSpec(claim, language, "OK", code, seed))
        ltr = layout_creative(CreativeSpec(all_claims("EN")["short"], "EN", "OK", code, seed))
        middle = rtl.width / 2
        badge, mirrored = rtl.slots["badge"], ltr.slots["badge"]
        assert abs(badge.left - (rtl.width - mirrored.right)) < 1  # the sticker swaps sides
        if code == "F9":  # the button moves to the other side
            assert (rtl.button.left < middle) != (ltr.button.left < middle)
        column = rtl.headline.box
        for placed in rtl.headline.lines:  # text hugs its column's right edge (or is centred)
            assert column.right - placed.box.right <= placed.box.left - column.left + 1


def test_long_words_shrink_instead_of_overflowing_a_narrow_skyscraper() -> None:
    claim = "Donaudampfschifffahrtsgesellschaftskapitänsmütze"
    layout = layout_creative(CreativeSpec(claim, "DE", "Jetzt kaufen", "F10", "j:1"))
    assert all(layout.safe.contains(p.box) for p in layout.headline.lines)


@pytest.mark.parametrize(
    "claim",
    ["Die besten Proteinergänzungsmittel", "Donaudampfschifffahrtsgesellschaftskapitänsmütze",
     "Nahrungsergänzungsmittel für Ausdauersportler"],
)  # fmt: skip
def test_german_compounds_in_the_skyscraper_are_hyphenated_to_stay_legible(claim: str) -> None:
    layout = layout_creative(CreativeSpec(claim, "DE", "Jetzt kaufen", "F10", "j:1"))
    assert layout.headline.block.size >= 14  # whole words alone would set it at ~11px
    lines = [p.line.text for p in layout.headline.lines]
    assert any(line.endswith(HYPHEN) for line in lines)
    assert all(len(line.removesuffix(HYPHEN)) >= 3 for line in lines)  # no stranded letters
    assert "".join(line.removesuffix(HYPHEN) for line in lines).replace(" ", "") == (
        claim.replace(" ", "")
    )


def test_hyphens_are_used_only_where_they_buy_a_clearly_larger_headline() -> None:
    claim = "Hochwertige Eiweißpulver für Ausdauersportler"
    german, finnish = TextStyle("DE", 800, 1.1), TextStyle("FI", 800, 1.1)  # FI: no dictionary
    hyphenated_somewhere = whole_words_somewhere = False
    for width, height in ((2400, 900), (900, 900), (520, 900), (300, 250), (136, 540)):
        box = (width, height, 7, 140, 10)
        chosen, whole_words = fit_text(claim, german, *box), fit_text(claim, finnish, *box)
        if any(line.text.endswith(HYPHEN) for line in chosen.lines):
            hyphenated_somewhere = True
            assert chosen.size >= whole_words.size * HYPHENATION_GAIN, (width, height)
        else:
            whole_words_somewhere = True
            assert chosen.size == whole_words.size, (width, height)
    assert hyphenated_somewhere and whole_words_somewhere, "the boxes no longer cover both cases"


@pytest.mark.parametrize("language", ["DE", "AR", "JA", "TH", "HI"])
def test_a_thirty_character_cta_stays_inside_its_button_in_every_format(language: str) -> None:
    cta = (LANGUAGES[language].default_cta + " ") * 6
    for code in FORMATS:
        layout = layout_creative(CreativeSpec("Protein", language, cta[:30].strip(), code, "j:1"))
        assert _grown(layout.safe).contains(layout.button), code
        assert _grown(layout.button).contains(layout.cta.box), code
        assert not layout.headline_box.overlaps(layout.button), code


def test_emoji_are_left_out_and_the_words_around_them_are_drawn() -> None:
    layout = layout_creative(CreativeSpec("Best 💪 protein 🔥", "EN", "Buy 🛒 now", "F7", "j:1"))
    assert " ".join(p.line.text for p in layout.headline.lines) == "Best protein"
    assert layout.cta.lines[0].line.text == "Buy now"  # no empty boxes where the emoji were


def test_a_cta_of_only_emoji_falls_back_to_the_language_default() -> None:
    layout = layout_creative(CreativeSpec("Protein", "DE", "🛒👉", "F7", "j:1"))
    assert layout.cta.lines[0].line.text == LANGUAGES["DE"].default_cta


@pytest.mark.parametrize("claim", ["💪🔥", "🛒 👉 ✨"])
def test_a_claim_no_font_can_draw_fails_permanently_instead_of_rendering_no_headline(
    claim: str,
) -> None:
    with pytest.raises(UnrenderableClaim, match="no installed font"):
        render_png(CreativeSpec(claim, "EN", "Shop now", "F1", "j:1"))
    assert issubclass(UnrenderableClaim, ValueError)  # the activity maps it to a non-retry
