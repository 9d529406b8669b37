"""Paint a laid-out creative: ground, shapes, button, badge and text, as palette indices.

Every curved or slanted edge is drawn SUPERSAMPLE times larger and reduced, so nothing
stair-steps; the masks depend on geometry alone and are cached, as one job's images share them.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from rendering.coverage import text_mask
from rendering.indexing import IndexedPalette, indexed_palette, overlay
from rendering.layout import Box, CreativeLayout, Shape, TextElement
from rendering.palette import Color, mix

SUPERSAMPLE = 4
PNG_COMPRESS_LEVEL = 1  # flat-colour art compresses nearly as well at 1, at a third of the cost
Z_RLE = 3  # zlib strategy: runs of equal bytes are most of a flat design; faster and smaller
TEXT_LEVELS = 15  # soft steps of text over its surface
SHAPE_LEVELS = 6  # soft steps of a shape's edge: enough for a smooth curve at any size


def _gradient(layout: CreativeLayout, palette: IndexedPalette) -> Image.Image:
    """Ground to its partner tone, top-down, bottom-up or across; rows or columns stay flat."""
    turn = layout.ground[2]
    length = layout.width if turn == 2 else layout.height
    ramp = Image.linear_gradient("L").resize((1, length), Image.Resampling.BILINEAR)
    if turn == 1:
        ramp = ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    strip = ramp.point(palette.gradient)
    if turn == 2:
        strip = strip.transpose(Image.Transpose.ROTATE_270)
    return strip.resize((layout.width, layout.height), Image.Resampling.NEAREST)


@functools.lru_cache(maxsize=128)
def shape_mask(kind: str, points: tuple[float, ...], radius: float) -> tuple[Image.Image, int, int]:
    """Coverage of a shape, cropped to its box, and the canvas point of its corner."""
    xs, ys = points[0::2], points[1::2]
    left, top = int(min(xs)), int(min(ys))
    width, height = int(max(xs) + 0.999) - left, int(max(ys) + 0.999) - top
    k = SUPERSAMPLE if width * height < 400_000 else 3
    big = Image.new("L", (max(1, width * k), max(1, height * k)), 0)
    draw = ImageDraw.Draw(big)
    scaled = [(v - (left if i % 2 == 0 else top)) * k for i, v in enumerate(points)]
    if kind == "ellipse":
        draw.ellipse(scaled, fill=255)
    elif kind == "round":
        draw.rounded_rectangle(scaled, radius=radius * k, fill=255)
    elif kind == "polygon":
        draw.polygon(list(zip(scaled[0::2], scaled[1::2], strict=True)), fill=255)
    elif kind == "dots":
        pitch, r = radius * k, radius * k * 0.22
        y = pitch / 2
        while y < big.height:
            x = pitch / 2
            while x < big.width:
                draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
                x += pitch
            y += pitch
    return big.reduce(k), left, top


def _paint_shape(canvas: Image.Image, shape: Shape, palette: IndexedPalette) -> None:
    if shape.kind == "rect":  # axis-aligned: whole pixels, no edge to smooth
        box = tuple(round(v) for v in shape.points)
        ImageDraw.Draw(canvas).rectangle((box[0], box[1], box[2] - 1, box[3] - 1),
                                         fill=palette.index[shape.color])  # fmt: skip
        return
    mask, left, top = shape_mask(shape.kind, shape.points, shape.radius)
    overlay(canvas, mask, (left, top), shape.color, palette)


def _button_shape(box: Box, color: Color) -> Shape:
    left, top, right, bottom = (round(box.left), round(box.top), round(box.right),
                                round(box.bottom))  # fmt: skip
    radius = min((bottom - top) * 0.5, max(4, (bottom - top) * 0.22))
    return Shape("round", (left, top, right, bottom), color, radius)


def _paint_text(canvas: Image.Image, element: TextElement, palette: IndexedPalette) -> None:
    if element.lines:
        mask, origin = text_mask(element.lines, element.block.size, element.style.weight,
                                 element.style.language)  # fmt: skip
        overlay(canvas, mask, origin, element.ink, palette)


def _palette_of(layout: CreativeLayout) -> IndexedPalette:
    """Surfaces, inks and which ink meets which surface (those edges get soft ramps)."""
    ground, ground2, _ = layout.ground
    gradient = (ground, ground2) if ground != ground2 else None
    stops = [mix(ground, ground2, t) for t in (1 / 3, 2 / 3)] if gradient else []
    button = _button_shape(layout.button, layout.button_color)
    shapes = [*layout.shapes, button, *([layout.badge_shape] if layout.badge_shape else [])]
    surfaces = [ground, ground2, *(s.color for s in shapes)]
    pairs: set[tuple[Color, Color, int]] = set()
    for i, shape in enumerate(shapes):
        under = [ground, ground2, *(s.color for s in shapes[max(0, i - 2) : i])]
        if shape is button:
            under = list(layout.button_behind)
        pairs |= {(shape.color, tone, SHAPE_LEVELS) for tone in under}
    for element in layout.text_elements:
        behind = list(element.behind)
        if gradient and (ground in behind or ground2 in behind):
            behind += stops
        pairs |= {(element.ink, tone, TEXT_LEVELS) for tone in behind}
    inks = [*(s.color for s in shapes), *(e.ink for e in layout.text_elements)]
    return indexed_palette(tuple(dict.fromkeys(surfaces)), tuple(dict.fromkeys(inks)),
                           frozenset(pairs), gradient)  # fmt: skip


def _backdrop(layout: CreativeLayout) -> tuple[Image.Image, IndexedPalette]:
    palette = _palette_of(layout)
    ground, ground2, _ = layout.ground
    if ground != ground2:
        canvas = _gradient(layout, palette)
    else:
        canvas = Image.new("L", (layout.width, layout.height), palette.index[ground])
    for shape in layout.shapes:
        _paint_shape(canvas, shape, palette)
    _paint_shape(canvas, _button_shape(layout.button, layout.button_color), palette)
    if layout.badge_shape:
        _paint_shape(canvas, layout.badge_shape, palette)
    return canvas, palette


def _indexed(canvas: Image.Image, palette: IndexedPalette) -> Image.Image:
    canvas.putpalette(palette.flat())  # "L" indices become a "P" image, nothing remapped
    return canvas


def paint_backdrop(layout: CreativeLayout) -> Image.Image:
    """Everything but the text, in RGB: what the headline and the labels are read against."""
    canvas, palette = _backdrop(layout)
    return _indexed(canvas, palette).convert("RGB")


def paint_indexed(layout: CreativeLayout, language: str | None = None) -> Image.Image:
    """The finished creative as a palette ("P") image: what render_png encodes.

    `language` is accepted for callers of the earlier signature; each text carries its own.
    """
    canvas, palette = _backdrop(layout)
    for element in layout.text_elements:
        _paint_text(canvas, element, palette)
    return _indexed(canvas, palette)


def paint(layout: CreativeLayout, language: str | None = None) -> Image.Image:
    """The finished creative as an RGB image (what a viewer sees); each text knows its language."""
    return paint_indexed(layout).convert("RGB")


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes; Pillow writes no timestamps, so equal images give equal bytes."""
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL, compress_type=Z_RLE)
    return out.getvalue()
