"""Art direction: families that differ in composition, legible sizes, no dead space, smooth edges.

Each test names the defect of issue #10 it keeps fixed.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from PIL import Image

from domain.catalog import DEFAULT_ROTATION, FORMATS, LANGUAGES
from rendering import CreativeSpec, layout_creative
from rendering.layout import Box, CreativeLayout, union
from rendering.legibility import FLOORS, SAMPLES, fits_legibly, max_claim_chars, sample_claim
from rendering.paint import paint, paint_backdrop
from rendering.palette import Color, contrast

CLAIM = "Best protein supplements"
GRID = 24


def _layouts(claim: str, code: str, cta: str = "Shop now", **extra: str) -> list[CreativeLayout]:
    """One image of each family: the first six images of a job."""
    return [
        layout_creative(CreativeSpec(claim, "EN", cta, code, f"job-art:{i}", **extra))  # type: ignore[arg-type]
        for i in range(1, 7)
    ]


def _figure(layout: CreativeLayout) -> list[bool]:
    """Where the picture is not its ground, on a coarse grid: its composition, not its colours."""
    image = paint(layout)
    ground = {layout.ground[0], layout.ground[1]}
    cell_w, cell_h = layout.width / GRID, layout.height / GRID
    cells = []
    for row, col in itertools.product(range(GRID), range(GRID)):
        x, y = int((col + 0.5) * cell_w), int((row + 0.5) * cell_h)
        pixel = image.getpixel((x, y))
        cells.append(min(_distance(pixel, g) for g in ground) > 12)  # type: ignore[arg-type]
    return cells


def _distance(a: Color, b: Color) -> int:
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def _difference(a: list[bool], b: list[bool]) -> float:
    return sum(x != y for x, y in zip(a, b, strict=True)) / len(a)


def test_twelve_images_of_one_job_show_six_compositions_not_recolours() -> None:
    rotation = [DEFAULT_ROTATION[i % len(DEFAULT_ROTATION)] for i in range(12)]
    job = [layout_creative(CreativeSpec(CLAIM, "EN", "Shop now", code, f"job-12:{i + 1}"))
           for i, code in enumerate(rotation)]  # fmt: skip
    assert len({layout.family for layout in job}) >= 6
    square = [layout_creative(CreativeSpec(CLAIM, "EN", "Shop now", "F1", f"job-12:{i}"))
              for i in range(1, 13)]  # fmt: skip
    figures = {layout.family: _figure(layout) for layout in square}
    assert len(figures) >= 6
    for (one, a), (other, b) in itertools.combinations(figures.items(), 2):
        assert _difference(a, b) >= 0.08, f"{one} and {other} look alike"
    same = [(a, b) for a, b in itertools.combinations(square, 2) if a.family == b.family]
    assert same  # the measure sees composition: one family in two palettes looks alike
    for a, b in same:
        assert _difference(_figure(a), _figure(b)) < 0.08, a.family


@pytest.mark.parametrize("code", ["F4", "F11", "F7", "F9", "F10"])
@pytest.mark.parametrize(
    "cta", ["Jetzt kostenlos registrieren!", "Download the free app right now"]
)
def test_a_call_to_action_is_never_cut(code: str, cta: str) -> None:  # defect 2
    for layout in _layouts("Protein", code, cta):
        label = " ".join(p.line.text for p in layout.cta.lines)
        assert not layout.cta.block.ellipsized and "…" not in label, (layout.family, label)
        assert label.replace("\u2010", "").replace(" ", "") == cta.replace(" ", "")
        assert layout.cta.block.size >= FLOORS[code].cta
        assert Box(layout.button.left - 0.5, layout.button.top - 0.5, layout.button.right + 0.5,
                   layout.button.bottom + 0.5).contains(layout.cta.box)  # fmt: skip


@pytest.mark.parametrize("code", list(FORMATS))
def test_every_element_is_legible_and_the_headline_dominates(code: str) -> None:  # 5 and 7
    floors = FLOORS[code]
    for claim in ("Sale", CLAIM, "Our new protein bars for runners who train every day"):
        for layout in _layouts(claim, code, subline="Plant-based, 25 g per scoop"):
            if not fits_legibly(claim, "EN", code):
                continue
            assert layout.legible, (claim, layout.family)
            assert layout.headline.block.size >= max(floors.headline, 2 * layout.cta.block.size)
            assert layout.cta.block.size >= floors.cta
            if layout.subline:
                assert layout.subline.block.size >= floors.subline


def test_the_longest_legible_claim_is_published_per_format_and_holds() -> None:  # defect 5
    for code in FORMATS:
        limit = max_claim_chars(code)
        assert 20 <= limit <= 200
        for sample in range(len(SAMPLES)):  # the copy the limit is measured with
            assert fits_legibly(sample_claim(limit, sample), "EN", code), (code, limit, sample)
        if limit < 200:
            assert not all(fits_legibly(sample_claim(limit + 12, s), "EN", code) for s in (0, 1))
    assert max_claim_chars("F11") < max_claim_chars("F7") < max_claim_chars("F1") == 200
    long_claim = ("Our new lightweight running shoes for runners who want more " * 4)[:200]
    assert not fits_legibly(long_claim, "EN", "F11")  # was an 8 px headline under an 11 px CTA
    small = layout_creative(CreativeSpec(long_claim, "EN", "Shop now", "F11", "job:1"))
    assert not small.legible


def _on_one_surface(backdrop: Image.Image, box: Box, behind: tuple[Color, ...]) -> bool:
    """Every pixel behind the box is one of its surfaces or a blend between them."""
    left, top = max(0, int(box.left)), max(0, int(box.top))
    right, bottom = max(left + 1, round(box.right)), max(top + 1, round(box.bottom))
    colors = [c for _, c in backdrop.crop((left, top, right, bottom)).getcolors(1 << 16) or []]
    return all(any(_between(color, a, b) for a in behind for b in behind) for color in colors)


def _between(c: Color, a: Color, b: Color) -> bool:
    return all(min(p, q) - 2 <= v <= max(p, q) + 2 for v, p, q in zip(c, a, b, strict=True))


@pytest.mark.parametrize("code", ["F4", "F1", "F3", "F9"])
def test_buttons_and_stickers_stand_out_and_text_never_straddles_a_shape(code: str) -> None:
    for index in range(1, 25):  # defect 6: every family meets several palettes
        spec = CreativeSpec(CLAIM, "EN", "Shop now", code, f"job-6:{index}", None, "-20%")
        layout = layout_creative(spec)
        behind = layout.button_behind[0]
        assert contrast(layout.button_color, behind) >= 1.9, (layout.family, index)
        backdrop = paint_backdrop(layout)
        for element in (layout.headline, layout.subline):
            if element is not None:
                for placed in element.lines:
                    assert _on_one_surface(backdrop, placed.box, element.behind), (
                        layout.family,
                        layout.design.palette.name,
                        placed.line.text,
                    )


def _largest_gap(layout: CreativeLayout) -> float:
    """The tallest band of the canvas, as a share of its height, with nothing in it."""
    boxes = [e.box for e in layout.text_elements] + [layout.button]
    for shape in layout.shapes:
        if shape.kind != "dots":  # a texture is not content
            xs, ys = shape.points[0::2], shape.points[1::2]
            boxes.append(Box(min(xs), min(ys), max(xs), max(ys)))
    y, gap = 0.0, 0.0
    for box in sorted(boxes, key=lambda b: b.top):
        gap, y = max(gap, box.top - y), max(y, box.bottom)
    return max(gap, layout.height - y) / layout.height


@pytest.mark.parametrize("code", ["F3", "F6", "F10", "F12", "F2"])
def test_tall_formats_compose_a_group_without_an_empty_middle(code: str) -> None:  # defect 8
    for claim in ("Sale", CLAIM):
        for layout in _layouts(claim, code):
            assert _largest_gap(layout) <= 0.42, (claim, layout.family, _largest_gap(layout))


def test_a_one_word_claim_grows_to_fill_its_space() -> None:  # defect 7
    for layout in _layouts("Sale", "F1"):
        assert layout.headline.block.size >= 4 * layout.cta.block.size, layout.family
        if layout.family in ("poster", "card", "band"):
            assert layout.headline.box.width >= 0.6 * layout.safe.width, layout.family
    for layout in _layouts("Sale", "F10"):
        assert layout.headline.box.width >= 0.85 * layout.safe.width, layout.family
        assert layout.headline.block.size >= 4 * layout.cta.block.size, layout.family


def test_slanted_and_round_edges_are_anti_aliased() -> None:  # defect 11
    for layout in _layouts(CLAIM, "F1"):
        if layout.family not in ("diagonal", "showcase", "card"):
            continue
        backdrop = paint_backdrop(layout)
        shape = next(s for s in layout.shapes if s.kind in ("polygon", "round", "ellipse"))
        xs, ys = shape.points[0::2], shape.points[1::2]
        edge = union([Box(min(xs), min(ys), max(xs), max(ys))])
        strip = backdrop.crop(
            (0, int(edge.top), layout.width, min(layout.height, int(edge.top) + 40))
        )
        flat = {layout.ground[0], layout.ground[1], shape.color}
        blends = {c for _, c in strip.getcolors(1 << 16) or [] if c not in flat}
        assert len(blends) >= 4, (layout.family, len(blends))


def test_every_language_renders_in_every_family_with_its_own_or_the_house_face() -> None:
    for language in LANGUAGES:
        claim = "Protein" if LANGUAGES[language].script in ("latin",) else "Ω Ж 1"
        for index in range(1, 7):
            layout = layout_creative(CreativeSpec(claim, language, "OK", "F1", f"job-l:{index}"))
            assert layout.headline.lines, (language, layout.family)
    face = layout_creative(
        CreativeSpec("Protein", "EN", "OK", "F1", "job-l:1")
    ).headline.style.family
    assert face is not None  # Latin is set in the family's display face, not the house font


def test_a_numeric_badge_keeps_its_order_in_a_right_to_left_design() -> None:
    spec = CreativeSpec("أفضل مكملات البروتين", "AR", "تسوق الآن", "F1", "job-q:2", None, "-20%")
    layout = layout_creative(spec)
    assert layout.badge is not None
    assert [run.direction for p in layout.badge.lines for run in p.line.runs] == ["ltr"]
    arabic = replace(spec, badge="جديد")  # Arabic letters: right to left as the claim
    badge = layout_creative(arabic).badge
    assert badge is not None and badge.lines[0].line.runs[0].direction == "rtl"
