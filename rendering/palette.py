"""Colour palettes and WCAG contrast: every text colour is chosen against what lies behind it."""

from __future__ import annotations

import functools
from dataclasses import dataclass

Color = tuple[int, int, int]

MIN_CONTRAST = 4.5
TARGET_CONTRAST = 4.8  # headroom for anti-aliased shape edges and gradient rounding
INK_LIGHT: Color = (255, 255, 255)
INK_DARK: Color = (17, 20, 28)


def hex_color(code: str) -> Color:
    """'#14213D' -> (20, 33, 61)."""
    value = int(code.lstrip("#"), 16)
    return (value >> 16 & 255, value >> 8 & 255, value & 255)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(color: Color) -> float:
    """WCAG relative luminance."""
    r, g, b = color
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio, 1..21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: Color, b: Color, t: float) -> Color:
    """The colour a fraction t of the way from a to b."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def blend_samples(colors: list[Color], steps: int = 8) -> list[Color]:
    """Colours between every pair, as gradients and soft edges produce them."""
    out = list(colors)
    for i, a in enumerate(colors):
        for b in colors[i + 1 :]:
            out += [mix(a, b, k / steps) for k in range(1, steps)]
    return out


def worst_contrast(ink: Color, behind: list[Color]) -> float:
    """Lowest contrast of the ink against any of the colours behind it."""
    return min(contrast(ink, c) for c in blend_samples(behind))


def readable_ink(behind: list[Color]) -> Color:
    """Light or dark ink, whichever reads better over every colour behind the text."""
    light, dark = worst_contrast(INK_LIGHT, behind), worst_contrast(INK_DARK, behind)
    return INK_LIGHT if light >= dark else INK_DARK


def push_from_ink(behind: list[Color], ink: Color) -> list[Color]:
    """Darken (for light ink) or lighten (for dark ink) backgrounds until the ink reads."""
    away: Color = (0, 0, 0) if ink == INK_LIGHT else (255, 255, 255)
    colors = list(behind)
    for _ in range(20):
        if worst_contrast(ink, colors) >= TARGET_CONTRAST:
            break
        colors = [mix(c, away, 0.12) for c in colors]
    return colors


@dataclass(frozen=True)
class Palette:
    """A designer's colour set: background, its companion tone, and the button colour."""

    name: str
    background: Color
    companion: Color
    accent: Color


PALETTES = tuple(
    Palette(name, hex_color(bg), hex_color(companion), hex_color(accent))
    for name, bg, companion, accent in (
        ("midnight", "#14213D", "#23396B", "#FCA311"),
        ("coral", "#FF7A6B", "#FFA48F", "#1D1D2C"),
        ("forest", "#1B4332", "#2D6A4F", "#B7E4C7"),
        ("cream", "#FFF4E0", "#FFE2B8", "#C2410C"),
        ("violet", "#3C096C", "#6A1FB0", "#FFD60A"),
        ("teal", "#005F69", "#0B7A86", "#FFDDD2"),
        ("blush", "#FDE2E4", "#F9C6D0", "#9D174D"),
        ("graphite", "#121212", "#2B2B2B", "#C6F432"),
        ("sky", "#E0F2FE", "#B9E3FB", "#0C4A6E"),
        ("tomato", "#C81D25", "#8E0F16", "#FFF3B0"),
        ("sand", "#EDE0D4", "#DDC3A5", "#283618"),
    )
)


@dataclass(frozen=True)
class Colors:
    """Resolved colours of one creative; text colours meet MIN_CONTRAST by construction."""

    background: Color
    companion: Color
    headline: Color
    button: Color
    button_text: Color


@functools.cache
def resolve_colors(palette: Palette) -> Colors:
    """Pick ink for the headline and button, adjusting backgrounds so both reach 4.5:1."""
    behind = [palette.background, palette.companion]
    headline = readable_ink(behind)
    background, companion = push_from_ink(behind, headline)
    button_text = readable_ink([palette.accent])
    (button,) = push_from_ink([palette.accent], button_text)
    return Colors(background, companion, headline, button, button_text)
