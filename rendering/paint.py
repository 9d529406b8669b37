"""Paint a laid-out creative: background treatment, accent, button and text."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from rendering.fonts import load_font, raqm_available
from rendering.layout import Box, CreativeLayout, PlacedText, cta_style, headline_style
from rendering.linebreak import TextBlock, TextStyle
from rendering.palette import Color, Colors, resolve_colors
from rendering.text import raqm_language, run_length

SUPERSAMPLE = 4  # button corners drawn this much larger, then reduced: smooth edges
PNG_COMPRESS_LEVEL = 1  # flat-colour art compresses nearly as well at 1, at a third of the cost
Z_RLE = 3  # zlib strategy: runs of equal bytes are most of a flat design; faster and smaller


def _solid(size: tuple[int, int], color: Color) -> Image.Image:
    return Image.new("RGB", size, color)


def _gradient(layout: CreativeLayout, colors: Colors) -> Image.Image:
    """Background to companion tone, top-down, bottom-up or across; rows or columns stay flat."""
    turn = layout.design.angle_seed % 3
    length = layout.width if turn == 2 else layout.height
    ramp = Image.linear_gradient("L").resize((1, length), Image.Resampling.BILINEAR)
    if turn == 1:
        ramp = ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    strip = Image.composite(
        _solid((1, length), colors.companion), _solid((1, length), colors.background), ramp
    )
    if turn == 2:
        strip = strip.transpose(Image.Transpose.ROTATE_270)
    return strip.resize((layout.width, layout.height), Image.Resampling.NEAREST)


def _paint_shapes(image: Image.Image, layout: CreativeLayout, color: Color, kind: str) -> None:
    """Circles or a diagonal band in the companion tone.

    Drawn without anti-aliasing: the companion is a near tone of the background, so the
    stair-steps are invisible, and a full-frame blend would cost more than the rest together.
    """
    w, h = layout.width, layout.height
    draw = ImageDraw.Draw(image)
    seed = layout.design.angle_seed
    if kind == "circles":
        r = max(w, h) * 0.55
        cx = w * (0.85 if seed % 2 else 0.15)
        draw.ellipse((cx - r, -r * 0.9, cx + r, r * 1.1), fill=color)
        r2 = min(w, h) * 0.45
        draw.ellipse((w - cx - r2, h - r2 * 0.7, w - cx + r2, h + r2 * 1.3), fill=color)
    else:
        rise = h * (0.35 + (seed % 5) * 0.05)
        draw.polygon([(0, h), (0, h - rise * 0.4), (w, h - rise), (w, h)], fill=color)


def paint_background(layout: CreativeLayout, colors: Colors) -> Image.Image:
    """Everything that lies behind the headline: treatment, split panel, accent bar."""
    size = (layout.width, layout.height)
    treatment = layout.design.treatment
    if treatment == "band" and layout.panel:
        treatment = "solid"  # a band cut off by the split panel looks like a mistake
    if treatment == "gradient":
        image = _gradient(layout, colors)
    elif treatment in ("circles", "band"):
        image = _solid(size, colors.background)
        _paint_shapes(image, layout, colors.companion, treatment)
    else:
        image = _solid(size, colors.background)
    draw = ImageDraw.Draw(image)
    if layout.panel:
        draw.rectangle(_xy(layout.panel), fill=colors.companion)
    if layout.accent_bar:
        draw.rectangle(_xy(layout.accent_bar), fill=colors.button)
    return image


def _xy(box: Box) -> tuple[int, int, int, int]:
    return (round(box.left), round(box.top), round(box.right) - 1, round(box.bottom) - 1)


def _paint_button(image: Image.Image, box: Box, color: Color) -> None:
    """A rounded button with anti-aliased corners."""
    left, top, right, bottom = _xy(box)
    w, h = right - left + 1, bottom - top + 1
    mask = Image.new("L", (w * SUPERSAMPLE, h * SUPERSAMPLE), 0)
    radius = min(h * 0.5, max(4, h * 0.22)) * SUPERSAMPLE
    ImageDraw.Draw(mask).rounded_rectangle(
        (0, 0, w * SUPERSAMPLE - 1, h * SUPERSAMPLE - 1), radius=radius, fill=255
    )
    image.paste(color, (left, top), mask.reduce(SUPERSAMPLE))


def _paint_text(
    draw: ImageDraw.ImageDraw, placed: PlacedText, block: TextBlock, style: TextStyle, color: Color
) -> None:
    x = placed.x
    language = style.language
    shaping = raqm_available()
    for run in placed.line.runs:
        font = load_font(run.source, block.size, style.weight)
        draw.text(
            (x, placed.baseline), run.text, font=font, fill=color, anchor="ls",
            direction=run.direction if shaping else None,
            language=raqm_language(language) if shaping else None,
        )  # fmt: skip
        x += run_length(run, block.size, style.weight, language)


def paint_backdrop(layout: CreativeLayout, colors: Colors) -> Image.Image:
    """Everything but the text: what the headline and the CTA label are read against."""
    image = paint_background(layout, colors)
    _paint_button(image, layout.button, colors.button)
    return image


def paint(layout: CreativeLayout, language: str) -> Image.Image:
    """The finished creative as an RGB image."""
    colors = resolve_colors(layout.design.palette)
    image = paint_backdrop(layout, colors)
    draw = ImageDraw.Draw(image)
    for placed in layout.headline_lines:
        _paint_text(draw, placed, layout.headline, headline_style(language), colors.headline)
    _paint_text(draw, layout.cta, layout.cta_label, cta_style(language), colors.button_text)
    return image


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes; Pillow writes no timestamps, so equal images give equal bytes."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL, compress_type=Z_RLE)
    return out.getvalue()
