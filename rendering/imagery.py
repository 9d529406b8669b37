"""Compose the brand's logo and the product image onto a painted creative.

Both lie beside the text, never under it (the layout carves their slots out of the text
zones), so they are composed last, over the finished palette image turned RGB. Scaling is
uniform (aspect kept) with Lanczos; transparency is composed over what the painter drew.
Decoded and scaled pictures are cached: one job's images share them.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from rendering.brand import Placement
from rendering.layout import Box, CreativeLayout

SUPERSAMPLE = 4  # the rounded clip of a photo, drawn larger and reduced: no stair steps


@functools.lru_cache(maxsize=16)
def _decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA")


@functools.lru_cache(maxsize=64)
def _scaled(data: bytes, width: int, height: int) -> Image.Image:
    source = _decoded(data)
    if source.size == (width, height):
        return source
    # premultiplied scaling: transparent pixels' hidden colour never bleeds into the edge
    return source.convert("RGBa").resize((width, height), Image.Resampling.LANCZOS).convert("RGBA")


@functools.lru_cache(maxsize=64)
def _rounded(width: int, height: int, radius: float) -> Image.Image:
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    ImageDraw.Draw(big).rounded_rectangle(
        (0, 0, big.width - 1, big.height - 1), radius=radius * SUPERSAMPLE, fill=255
    )
    return big.reduce(SUPERSAMPLE)


def pixel_box(box: Box) -> tuple[int, int, int, int]:
    """The whole pixels a box is drawn into: left, top, width, height (at least 1x1)."""
    left, top = round(box.left), round(box.top)
    return left, top, max(1, round(box.width)), max(1, round(box.height))


def _paste_logo(canvas: Image.Image, logo: bytes, box: Box) -> None:
    left, top, width, height = pixel_box(box)
    picture = _scaled(logo, width, height)
    canvas.paste(picture, (left, top), picture)


def _paste_product(canvas: Image.Image, product: bytes, placement: Placement) -> None:
    left, top, width, height = pixel_box(placement.box)
    picture = _scaled(product, width, height)
    if placement.fit == "contain":
        canvas.paste(picture, (left, top), picture)
        return
    clip_left, clip_top, clip_w, clip_h = pixel_box(placement.clip)
    crop = picture.crop((clip_left - left, clip_top - top, clip_left - left + clip_w,
                         clip_top - top + clip_h))  # fmt: skip
    radius = min(clip_w, clip_h) * 0.08  # the stage panel's corners (rendering.families)
    mask = _rounded(clip_w, clip_h, radius)
    lowest = crop.getchannel("A").getextrema()[0]
    if isinstance(lowest, (int, float)) and lowest < 255:
        from PIL import ImageChops

        mask = ImageChops.multiply(mask, crop.getchannel("A"))
    canvas.paste(crop.convert("RGB"), (clip_left, clip_top), mask)


def compose_pictures(
    canvas: Image.Image, layout: CreativeLayout, logo: bytes | None, product: bytes | None
) -> Image.Image:
    """The painted creative with the logo and product image in their slots (RGB when any)."""
    if not ((layout.logo and logo) or (layout.product and product)):
        return canvas
    out = canvas.convert("RGB")
    if layout.product is not None and product:
        _paste_product(out, product, layout.product)
    if layout.logo is not None and logo:
        _paste_logo(out, logo, layout.logo)
    return out
