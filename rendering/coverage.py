"""Anti-aliased coverage masks of laid-out text, cached per line: one claim, many images.

Small type (rendering.fonts.raster_scale) is drawn four times larger and reduced: hinting
at 8-25 px rounds every advance to a whole pixel and spaces letters unevenly.

A job renders many images of one claim; its lines recur at the same size and sub-pixel
phase across variants and formats, and rasterizing them is most of a small format's cost.
"""

from __future__ import annotations

import functools
import math

from PIL import Image, ImageChops, ImageDraw

from rendering.fonts import load_font, raqm_available, raster_scale
from rendering.layout import PlacedText
from rendering.linebreak import Line
from rendering.text import raqm_language, run_length

MARGIN = 2  # pixels around the measured ink box: glyph edges may round outward
LINE_CACHE = 256  # masks kept: a 1080px headline line is ~150 KB, a banner line a few KB


@functools.lru_cache(maxsize=LINE_CACHE)
def line_mask(
    line: Line, size: int, weight: int, language: str, phase: tuple[float, float]
) -> tuple[Image.Image, int, int]:
    """Coverage of a line whose origin is `phase` past a whole pixel; corner relative to it."""
    fx, fy = phase
    ink_left, ink_top, ink_right, ink_bottom = line.ink
    left = math.floor(fx + ink_left) - MARGIN
    top = math.floor(fy + ink_top) - MARGIN
    width = math.ceil(fx + ink_right) + MARGIN - left
    height = math.ceil(fy + ink_bottom) + MARGIN - top
    scale = raster_scale(size)  # small type: drawn larger, then reduced to its true coverage
    mask = Image.new("L", (width * scale, height * scale), 0)
    draw = ImageDraw.Draw(mask)
    shaping = raqm_available()
    x = fx - left  # same fraction as on the canvas: glyphs keep their sub-pixel phase
    for run in line.runs:
        draw.text(
            (x * scale, (fy - top) * scale), run.text,
            font=load_font(run.source, size * scale, weight, size), fill=255, anchor="ls",
            direction=run.direction if shaping else None,
            language=raqm_language(language) if shaping else None,
        )  # fmt: skip
        x += run_length(run, size, weight, language)
    if scale > 1:
        mask = mask.reduce(scale)
    return mask, left, top


def _placed_mask(
    placed: PlacedText, size: int, weight: int, language: str
) -> tuple[Image.Image, int, int]:
    whole_x, whole_y = math.floor(placed.x), math.floor(placed.baseline)
    phase = (placed.x - whole_x, placed.baseline - whole_y)
    mask, left, top = line_mask(placed.line, size, weight, language, phase)
    return mask, whole_x + left, whole_y + top


def text_mask(
    lines: tuple[PlacedText, ...], size: int, weight: int, language: str
) -> tuple[Image.Image, tuple[int, int]]:
    """Coverage of some placed lines and the canvas point of its top-left corner."""
    placed = [_placed_mask(line, size, weight, language) for line in lines]  # shared: read only
    if len(placed) == 1:
        mask, left, top = placed[0]
        return mask, (left, top)
    left = min(p[1] for p in placed)
    top = min(p[2] for p in placed)
    right = max(p[1] + p[0].width for p in placed)
    bottom = max(p[2] + p[0].height for p in placed)
    block = Image.new("L", (right - left, bottom - top), 0)
    for mask, x, y in placed:
        box = (x - left, y - top, x - left + mask.width, y - top + mask.height)
        block.paste(ImageChops.lighter(block.crop(box), mask), box)  # touching lines: keep both
    return block, (left, top)
