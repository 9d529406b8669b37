"""Paint a laid-out creative: background treatment, accent, button and text, as palette indices."""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from rendering.coverage import text_mask
from rendering.indexing import IndexedPalette, indexed_palette, overlay
from rendering.layout import Box, CreativeLayout, PlacedText, cta_style, headline_style
from rendering.linebreak import TextBlock, TextStyle
from rendering.palette import Color, Colors, resolve_colors

SUPERSAMPLE = 4  # button corners drawn this much larger, then reduced: smooth edges
PNG_COMPRESS_LEVEL = 1  # flat-colour art compresses nearly as well at 1, at a third of the cost
Z_RLE = 3  # zlib strategy: runs of equal bytes are most of a flat design; faster and smaller


def _gradient(layout: CreativeLayout, palette: IndexedPalette) -> Image.Image:
    """Background to companion tone, top-down, bottom-up or across; rows or columns stay flat."""
    turn = layout.design.angle_seed % 3
    length = layout.width if turn == 2 else layout.height
    ramp = Image.linear_gradient("L").resize((1, length), Image.Resampling.BILINEAR)
    if turn == 1:
        ramp = ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    strip = ramp.point(palette.gradient)
    if turn == 2:
        strip = strip.transpose(Image.Transpose.ROTATE_270)
    return strip.resize((layout.width, layout.height), Image.Resampling.NEAREST)


def _paint_shapes(canvas: Image.Image, layout: CreativeLayout, index: int, kind: str) -> None:
    """Circles or a diagonal band in the companion tone.

    Drawn without anti-aliasing: the companion is a near tone of the background, so the
    stair-steps are invisible, and a full-frame blend would cost more than the rest together.
    """
    w, h = layout.width, layout.height
    draw = ImageDraw.Draw(canvas)
    seed = layout.design.angle_seed
    if kind == "circles":
        r = max(w, h) * 0.55
        cx = w * (0.85 if seed % 2 else 0.15)
        draw.ellipse((cx - r, -r * 0.9, cx + r, r * 1.1), fill=index)
        r2 = min(w, h) * 0.45
        draw.ellipse((w - cx - r2, h - r2 * 0.7, w - cx + r2, h + r2 * 1.3), fill=index)
    else:
        rise = h * (0.35 + (seed % 5) * 0.05)
        draw.polygon([(0, h), (0, h - rise * 0.4), (w, h - rise), (w, h)], fill=index)


def _treatment(layout: CreativeLayout) -> str:
    if layout.design.treatment == "band" and layout.panel:
        return "solid"  # a band cut off by the split panel looks like a mistake
    return layout.design.treatment


def _paint_background(layout: CreativeLayout, palette: IndexedPalette) -> Image.Image:
    """Everything that lies behind the headline: treatment, split panel, accent bar."""
    treatment = _treatment(layout)
    if treatment == "gradient":
        canvas = _gradient(layout, palette)
    else:
        canvas = Image.new("L", (layout.width, layout.height), palette.background)
        if treatment in ("circles", "band"):
            _paint_shapes(canvas, layout, palette.companion, treatment)
    draw = ImageDraw.Draw(canvas)
    if layout.panel:
        draw.rectangle(_xy(layout.panel), fill=palette.companion)
    if layout.accent_bar:
        draw.rectangle(_xy(layout.accent_bar), fill=palette.button)
    return canvas


def _xy(box: Box) -> tuple[int, int, int, int]:
    return (round(box.left), round(box.top), round(box.right) - 1, round(box.bottom) - 1)


@functools.lru_cache(maxsize=256)
def _button_mask(width: int, height: int) -> Image.Image:
    """Coverage of a rounded button, corners drawn large and reduced: smooth edges."""
    mask = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    radius = min(height * 0.5, max(4, height * 0.22)) * SUPERSAMPLE
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, width * SUPERSAMPLE - 1, height * SUPERSAMPLE - 1), radius=radius, fill=255
    )
    return mask.reduce(SUPERSAMPLE)


def _paint_button(canvas: Image.Image, box: Box, ink: Color, palette: IndexedPalette) -> None:
    left, top, right, bottom = _xy(box)
    overlay(canvas, _button_mask(right - left + 1, bottom - top + 1), (left, top), ink, palette)


def _paint_text(
    canvas: Image.Image, lines: tuple[PlacedText, ...], block: TextBlock, style: TextStyle,
    ink: Color, palette: IndexedPalette,
) -> None:  # fmt: skip
    if lines:
        mask, origin = text_mask(lines, block.size, style.weight, style.language)
        overlay(canvas, mask, origin, ink, palette)


def _indexed(canvas: Image.Image, palette: IndexedPalette) -> Image.Image:
    canvas.putpalette(palette.flat())  # "L" indices become a "P" image, nothing remapped
    return canvas


def _backdrop(layout: CreativeLayout) -> tuple[Image.Image, IndexedPalette, Colors]:
    colors = resolve_colors(layout.design.palette)
    palette = indexed_palette(colors, _treatment(layout) == "gradient")
    canvas = _paint_background(layout, palette)
    _paint_button(canvas, layout.button, colors.button, palette)
    return canvas, palette, colors


def paint_backdrop(layout: CreativeLayout) -> Image.Image:
    """Everything but the text, in RGB: what the headline and the CTA label are read against."""
    canvas, palette, _ = _backdrop(layout)
    return _indexed(canvas, palette).convert("RGB")


def paint_indexed(layout: CreativeLayout, language: str) -> Image.Image:
    """The finished creative as a palette ("P") image: what render_png encodes."""
    canvas, palette, colors = _backdrop(layout)
    _paint_text(canvas, layout.headline_lines, layout.headline, headline_style(language),
                colors.headline, palette)  # fmt: skip
    _paint_text(canvas, (layout.cta,), layout.cta_label, cta_style(language),
                colors.button_text, palette)  # fmt: skip
    return _indexed(canvas, palette)


def paint(layout: CreativeLayout, language: str) -> Image.Image:
    """The finished creative as an RGB image (what a viewer sees)."""
    return paint_indexed(layout, language).convert("RGB")


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes; Pillow writes no timestamps, so equal images give equal bytes."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL, compress_type=Z_RLE)
    return out.getvalue()
