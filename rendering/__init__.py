"""The renderer: a claim and a call-to-action, laid out and painted in one ad format.

render_image(spec) -> the image of exactly the format's size, encoded as spec.output (PNG,
JPEG or WebP); render_png(spec) -> always PNG; check_fonts() fails fast, naming
the PyPI package to install, when a script has no font. A claim no font can draw any of (only
emoji, say) raises UnrenderableClaim, a ValueError: permanent, not worth a retry;
has_visible_text(text, language) tells beforehand, for refusing such a claim. Thread-safe;
no I/O at import time.
"""

from __future__ import annotations

from rendering.encode import encode_image
from rendering.fonts import ComplexScriptUnsupported, FontMissing, check_fonts
from rendering.layout import CreativeLayout, layout_creative
from rendering.paint import encode_png, paint_indexed
from rendering.spec import BrandStyle, CreativeSpec
from rendering.text import UnrenderableClaim, has_visible_text


def render_png(spec: CreativeSpec) -> bytes:
    """The finished creative as PNG bytes; the same spec always gives the same bytes."""
    return encode_png(paint_indexed(layout_creative(spec)))


def render_image(spec: CreativeSpec) -> bytes:
    """The finished creative encoded as `spec.output`; the same spec always gives the same bytes."""
    return encode_image(paint_indexed(layout_creative(spec), spec.language), spec.output)


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
