"""The renderer: a claim and a call-to-action, laid out and painted in one ad format.

render_png(spec) -> PNG bytes of exactly the format's size; check_fonts() fails fast, naming
the PyPI package to install, when a script has no font. A claim no font can draw any of (only
emoji, say) raises UnrenderableClaim, a ValueError: permanent, not worth a retry. Thread-safe;
no I/O at import time.
"""

from __future__ import annotations

from rendering.fonts import ComplexScriptUnsupported, FontMissing, check_fonts
from rendering.layout import CreativeLayout, layout_creative
from rendering.paint import encode_png, paint_indexed
from rendering.spec import CreativeSpec
from rendering.text import UnrenderableClaim


def render_png(spec: CreativeSpec) -> bytes:
    """The finished creative as PNG bytes; the same spec always gives the same bytes."""
    return encode_png(paint_indexed(layout_creative(spec)))


__all__ = [
    "ComplexScriptUnsupported",
    "CreativeLayout",
    "CreativeSpec",
    "FontMissing",
    "UnrenderableClaim",
    "check_fonts",
    "layout_creative",
    "render_png",
]
