"""The renderer: a claim and a call-to-action, laid out and painted in one ad format.

render_image(spec) -> the image of exactly the format's size, encoded as spec.output (PNG,
JPEG or WebP); render_png(spec) -> always PNG; check_fonts() fails fast, naming
the PyPI package to install, when a script has no font. A claim no font can draw any of (only
emoji, say) raises UnrenderableClaim, a ValueError: permanent, not worth a retry;
has_visible_text(text, language) tells beforehand, for refusing such a claim. Thread-safe;
no I/O at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rendering.encode import encode_image
from rendering.fonts import ComplexScriptUnsupported, FontMissing, check_fonts
from rendering.imagery import compose_pictures
from rendering.layout import CreativeLayout, layout_creative
from rendering.paint import encode_png, paint_indexed
from rendering.spec import BrandStyle, CreativeSpec
from rendering.text import UnrenderableClaim, has_visible_text

if TYPE_CHECKING:
    from PIL import Image


def render_png(spec: CreativeSpec) -> bytes:
    """The finished creative as PNG bytes; the same spec always gives the same bytes."""
    return encode_png(_painted(spec))


def render_image(spec: CreativeSpec) -> bytes:
    """The finished creative encoded as `spec.output`; the same spec always gives the same bytes."""
    return encode_image(_painted(spec), spec.output)


def _painted(spec: CreativeSpec) -> Image.Image:
    """A palette image, or RGB when the brand's logo or a product image is composed in."""
    layout = layout_creative(spec)
    logo = spec.brand.logo if spec.brand else None
    return compose_pictures(paint_indexed(layout), layout, logo, spec.product_image)


__all__ = [
    "BrandStyle",
    "ComplexScriptUnsupported",
    "CreativeLayout",
    "CreativeSpec",
    "FontMissing",
    "UnrenderableClaim",
    "check_fonts",
    "has_visible_text",
    "layout_creative",
    "render_image",
    "render_png",
]
