"""A brand kit in the layout: its colours as the palette, its font, where its logo and product go.

The kit's colours become a Palette (background or primary as the field, primary or secondary
as the bold block, accent for the button), each surface re-tinted just enough that light or
dark ink reads at least TARGET_CONTRAST on it, so the existing ink choice (palette.ink_on)
never breaks WCAG 4.5:1. Only the shapes of the pictures reach the cached layout (`Assets`);
their bytes are decoded once and composed by rendering.imagery.

Logo: a slot at the top of the text zone (wide and tall formats), or at the leading edge of
a banner's text column (F9 728x90, F11 320x50), carved out of the text so nothing is drawn
over it. When the headline and button can no longer be set legibly beside it, the layout
leaves the logo out of that image rather than shrink the text below its floor.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from rendering.fonts import FontSource
from rendering.layout import Box
from rendering.palette import (
    INK_DARK,
    INK_LIGHT,
    TARGET_CONTRAST,
    Color,
    Palette,
    hex_color,
    luminance,
    mix,
    push_from_ink,
    readable_ink,
    worst_contrast,
)
from rendering.spec import BrandStyle
from rendering.typefaces import Pairing

LOGO_MAX = 96  # px: a logo is a signature, not a headline
LOGO_MIN = 16  # px tall: smaller, a word mark's letters blur into a smudge; left out instead
LOGO_SHARE = 0.42  # of the text zone's width, at most (a banner: BANNER_LOGO_SHARE)
BANNER_LOGO_SHARE = 0.26
CUTOUT_PAD = 0.08  # a cut-out keeps this share of the stage's short side free around it


@dataclass(frozen=True)
class Assets:
    """What the layout needs of a kit's pictures and font: shapes, never bytes (it is cached)."""

    face: str | None = None  # the kit's font family (rendering.font_catalog)
    logo_aspect: float | None = None  # width / height of the logo
    product_size: tuple[int, int] | None = None  # the product image's pixels
    cutout: bool = False  # the product image has transparent pixels: composed, never cropped


@dataclass(frozen=True)
class Placement:
    """Where the product image goes: scaled to `box` (aspect kept), shown inside `clip`."""

    box: Box
    clip: Box
    fit: str  # "cover" (a photo fills its stage, cropped) or "contain" (a cut-out, whole)


@functools.lru_cache(maxsize=64)
def picture_info(data: bytes) -> tuple[int, int, bool]:
    """Width, height and whether it has transparent pixels (a cut-out)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        lowest = image.convert("RGBA").getchannel("A").getextrema()[0] if has_alpha else 255
        cutout = isinstance(lowest, (int, float)) and lowest < 250
        return image.width, image.height, cutout


def assets_of(brand: BrandStyle | None, product_image: bytes | None) -> Assets:
    """The layout's view of the spec's kit and product image."""
    aspect = None
    if brand is not None and brand.logo:
        width, height, _ = picture_info(brand.logo)
        aspect = width / height
    size, cutout = None, False
    if product_image:
        width, height, cutout = picture_info(product_image)
        size = (width, height)
    return Assets(brand.font if brand else None, aspect, size, cutout)


def _readable(colors: list[Color]) -> list[Color]:
    """Surfaces re-tinted (darker or lighter) until light or dark ink reads on all of them."""
    ink = readable_ink(colors)
    if worst_contrast(ink, colors) >= TARGET_CONTRAST:
        return colors
    return push_from_ink(colors, ink)


@functools.lru_cache(maxsize=64)
def brand_palette(brand: BrandStyle) -> Palette:
    """The kit's colours as a palette; surfaces re-tinted only where no ink would reach 4.5:1."""
    primary = hex_color(brand.primary)
    secondary = hex_color(brand.secondary) if brand.secondary else None
    accent = hex_color(brand.accent) if brand.accent else None
    if brand.background:
        field, block = hex_color(brand.background), primary
    else:
        field = primary
        block = secondary or accent or mix(primary, INK_LIGHT, 0.75)
    button = accent or secondary or block
    text = hex_color(brand.text) if brand.text else None
    if text is not None and luminance(text) < 0.18:
        ink, paper = text, INK_LIGHT
    else:
        ink, paper = INK_DARK, text or INK_LIGHT
    toward = INK_LIGHT if luminance(field) < 0.18 else INK_DARK
    field, field2 = _readable([field, mix(field, toward, 0.07)])
    (block,) = _readable([block])
    (button,) = _readable([button])
    (paper,) = _readable([paper])
    return Palette("brand", field, field2, block, button, ink, paper)


def brand_pairing(face: str, pairing: Pairing) -> Pairing:
    """The kit's font for headline and labels (Latin, Greek, Cyrillic); else the family's."""
    source = _font_source(face)
    if source is None:
        return pairing
    return Pairing(source, 800, source, 700)


@functools.lru_cache(maxsize=16)
def _font_source(face: str) -> FontSource | None:
    from rendering.font_catalog import find_font

    found = find_font(face)
    return found.source if found else None


def logo_slot(
    zone: Box, align: str, banner: bool, rtl: bool, aspect: float, safe: Box
) -> Box | None:
    """The logo's box, aspect kept: at the top of the text zone, or a banner's leading edge.

    None when it would come out under LOGO_MIN pixels tall (a wide logo in a narrow zone).
    """
    if banner:
        height = zone.height * 0.78
        width = min(height * aspect, zone.width * BANNER_LOGO_SHARE)
        height = width / aspect
        left = zone.right - width if rtl else zone.left
        top = zone.top + (zone.height - height) / 2
        return Box(left, top, left + width, top + height) if height >= LOGO_MIN else None
    height = min(LOGO_MAX, max(18.0, safe.height * 0.075), zone.height * 0.16)
    width = min(height * aspect, zone.width * LOGO_SHARE)
    height = width / aspect
    if align == "center":
        left = zone.left + (zone.width - width) / 2
    elif align == "right":
        left = zone.right - width
    else:
        left = zone.left
    return Box(left, zone.top, left + width, zone.top + height) if height >= LOGO_MIN else None


def place_product(stage: Box, size: tuple[int, int], cutout: bool) -> Placement:
    """A photo covers its stage (cropped centrally); a cut-out is contained with room around it."""
    width, height = size
    if cutout:
        pad = min(stage.width, stage.height) * CUTOUT_PAD
        room = Box(stage.left + pad, stage.top + pad, stage.right - pad, stage.bottom - pad)
        scale = min(room.width / width, room.height / height)
        fit = "contain"
    else:
        room = stage
        scale = max(room.width / width, room.height / height)
        fit = "cover"
    w, h = width * scale, height * scale
    left = room.left + (room.width - w) / 2
    top = room.top + (room.height - h) / 2
    return Placement(Box(left, top, left + w, top + h), stage, fit)
