"""Rendered pixels: exact sizes, nothing drawn outside the laid-out boxes, readable contrast."""

from __future__ import annotations

import io
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from PIL import Image, ImageChops, ImageDraw

from domain.catalog import FORMATS, LANGUAGES
from rendering import CreativeSpec, layout_creative, render_png
from rendering.layout import Box
from rendering.paint import paint, paint_backdrop
from rendering.palette import MIN_CONTRAST, PALETTES, Color, contrast
from tests.rendering.claims import all_claims

SAMPLE_LANGUAGES = ["EN", "DE", "AR", "HE", "HI", "TH", "JA", "ZH", "KO", "RU", "EL"]
SAMPLE_FORMATS = ["F1", "F3", "F4", "F7", "F9", "F10", "F11"]


def _spec(language: str, kind: str, code: str, seed: str = "job:1") -> CreativeSpec:
    claim = all_claims(language)[kind]
    return CreativeSpec(claim, language, LANGUAGES[language].default_cta, code, seed)


def _png(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image


def _colors_behind(image: Image.Image, box: Box) -> list[Color]:
    left, top = max(0, int(box.left)), max(0, int(box.top))
    right, bottom = max(left + 1, round(box.right)), max(top + 1, round(box.bottom))
    found = image.crop((left, top, right, bottom)).getcolors(1 << 16) or []
    return [(r, g, b) for _, (r, g, b) in found]  # type: ignore[misc]


@pytest.mark.parametrize("code", list(FORMATS))
def test_png_has_the_exact_format_size(code: str) -> None:
    image = _png(render_png(_spec("EN", "short", code)))
    assert image.format == "PNG"
    assert image.size == (FORMATS[code].width, FORMATS[code].height)


@pytest.mark.parametrize("language", SAMPLE_LANGUAGES)
def test_text_is_drawn_only_inside_its_boxes_and_reads_at_4_5_to_1(language: str) -> None:
    for kind, seeds in (("short", range(1, 7)), ("long", (7,)), ("mixed", (8, 9))):
        for code in SAMPLE_FORMATS:
            for seed in seeds:
                spec = _spec(language, kind, code, f"job:{seed}")
                layout = layout_creative(spec)
                backdrop = paint_backdrop(layout)
                painted = ImageChops.difference(paint(layout), backdrop)
                assert painted.getbbox() is not None, f"{code} {kind}: no text drawn"
                eraser = ImageDraw.Draw(painted)
                for element in layout.text_elements:
                    for box in [p.box for p in element.lines]:
                        eraser.rectangle(
                            (box.left - 1, box.top - 1, box.right + 1, box.bottom + 1), 0
                        )
                assert painted.getbbox() is None, f"{code} {kind}: ink outside the text boxes"
                for element in layout.text_elements:
                    for placed in element.lines:
                        behind = _colors_behind(backdrop, placed.box)
                        worst = min(contrast(element.ink, color) for color in behind)
                        assert worst >= MIN_CONTRAST, (
                            f"{code} {kind} {layout.family}: {worst:.2f}:1"
                        )


@pytest.mark.parametrize("code", ["F1", "F4", "F12"])
def test_every_palette_reads_at_4_5_to_1_in_every_family(code: str) -> None:
    for index in range(72):  # every family x palette of a job, with a subline and a badge
        spec = CreativeSpec("Best protein supplements", "EN", "Shop now", code, f"job:{index}",
                            "Plant-based, 25 g per scoop", "-20%")  # fmt: skip
        layout = layout_creative(spec)
        assert layout.subline and layout.badge, (index, layout.family)
        backdrop = paint_backdrop(layout)
        for element in layout.text_elements:
            for behind in element.behind:
                assert contrast(element.ink, behind) >= MIN_CONTRAST, (index, layout.family)
            for placed in element.lines:
                worst = min(contrast(element.ink, c) for c in _colors_behind(backdrop, placed.box))
                assert worst >= MIN_CONTRAST, (index, layout.family, placed.line.text, worst)
    assert len(PALETTES) >= 10


def test_the_same_spec_gives_byte_identical_pngs_even_across_threads() -> None:
    specs = [_spec(lang, "mixed", code) for lang in ("EN", "AR", "JA") for code in ("F1", "F9")]
    serial = [render_png(spec) for spec in specs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(render_png, specs * 3))
    assert parallel == serial * 3


def test_the_png_shows_exactly_what_was_painted_in_the_palette_colours() -> None:
    for index in range(12):
        spec = _spec("EN", "short", "F7", f"job:{index}")
        layout = layout_creative(spec)
        shipped = _png(render_png(spec))
        assert shipped.mode == "P"  # one byte per pixel: small files, fast encode
        assert shipped.convert("RGB").tobytes() == paint(layout).tobytes()
        corner = shipped.convert("RGB").getpixel((0, 0))
        palette = layout.design.palette
        assert corner in (palette.field, palette.field2, palette.block), "brand colour shifted"


@pytest.mark.parametrize("code", ["F1", "F9", "F11"])
def test_text_edges_stay_anti_aliased(code: str) -> None:
    spec = _spec("EN", "short", code)
    layout = layout_creative(spec)
    shipped = _png(render_png(spec)).convert("RGB")
    box = layout.headline.lines[0].box
    tones = _colors_behind(shipped, box)
    assert len(tones) >= 10, f"{code}: only {len(tones)} tones along the glyph edges"


def test_gradients_have_no_visible_bands() -> None:
    gradients = [_spec("EN", "short", "F1", f"job:{index}") for index in range(12)]
    gradients = [s for s in gradients if len(set(layout_creative(s).ground[:2])) == 2]
    assert gradients
    for spec in gradients:
        bare = replace(layout_creative(spec), shapes=(), badge_shape=None)  # the ground alone
        shipped = paint_backdrop(bare)
        for edge in ([(0, i) for i in range(1080)], [(i, 1079) for i in range(1080)]):
            tones = [shipped.getpixel(xy) for xy in edge]
            steps = [max(abs(a - b) for a, b in zip(p, q, strict=True))  # type: ignore[arg-type]
                     for p, q in itertools.pairwise(tones)]  # fmt: skip
            assert max(steps) <= 2, f"{spec.variant_seed}: a {max(steps)}-level band"


def test_images_of_one_job_differ() -> None:
    images = {render_png(_spec("EN", "short", "F7", f"job-7:{index}")) for index in range(1, 21)}
    assert len(images) == 20
    designs = {
        layout_creative(_spec("EN", "short", "F7", f"job-7:{i}")).design for i in range(1, 21)
    }
    assert len(designs) == 20  # family x palette x variation never repeats in a job
