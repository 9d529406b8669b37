"""Colour palettes and WCAG contrast: every text colour is chosen against what lies behind it."""

from __future__ import annotations

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
    """A designer's colour set.

    field and field2 are a near pair (gradients, texture); block is a bold second colour for
    colour blocks, bands and stickers; accent is the button; ink and paper are the palette's
    own dark and light, tinted towards it rather than pure black and white.
    """

    name: str
    field: Color
    field2: Color
    block: Color
    accent: Color
    ink: Color
    paper: Color


PALETTES = tuple(
    Palette(name, *(hex_color(c) for c in colors))
    for name, *colors in (
        ("midnight", "#14213D", "#1E3158", "#FCA311", "#FCA311", "#0B1426", "#FFFFFF"),
        ("coral", "#FF7A66", "#FF917D", "#2B2D42", "#2B2D42", "#1F1A2E", "#FFF6EE"),
        ("forest", "#1B4332", "#22513D", "#D8F3DC", "#B7E4C7", "#0F2A1F", "#F1FAEE"),
        ("cream", "#FFF4E0", "#FCE9C8", "#C2410C", "#C2410C", "#3B1F0E", "#FFF9EF"),
        ("violet", "#3C096C", "#4A1082", "#FFD60A", "#FFD60A", "#22043F", "#FFFFFF"),
        ("teal", "#0F4C5C", "#135A6C", "#FFB4A2", "#FFB4A2", "#08303A", "#FFFFFF"),
        ("blush", "#FDE2E4", "#FAD4D9", "#9D174D", "#9D174D", "#4A0D24", "#FFF7F8"),
        ("graphite", "#141414", "#1F1F1F", "#C6F432", "#C6F432", "#0A0A0A", "#F5F5F0"),
        ("sky", "#E0F2FE", "#CDEAFD", "#0C4A6E", "#0C4A6E", "#082F49", "#FFFFFF"),
        ("tomato", "#C81D25", "#B3161E", "#FFF3B0", "#FFF3B0", "#3A0306", "#FFFFFF"),
        ("sand", "#EDE0D4", "#E6D5C5", "#283618", "#606C38", "#283618", "#FEFAE0"),
        ("lilac", "#ECE6FF", "#E1D8FF", "#5B21B6", "#5B21B6", "#2E1065", "#FFFFFF"),
    )
)


def ink_on(behind: list[Color], palette: Palette) -> Color:
    """The palette's ink or paper (else pure black or white) reading best over all of `behind`.

    The tinted pair comes first: it looks designed; pure black and white only rescue a pair
    that misses the target.
    """
    for candidate in (palette.ink, palette.paper):
        if worst_contrast(candidate, behind) >= TARGET_CONTRAST:
            return candidate
    return max((INK_DARK, INK_LIGHT), key=lambda ink: worst_contrast(ink, behind))


def distinct_from(behind: list[Color], choices: list[Color], least: float = 1.9) -> Color:
    """The first colour that stands out from everything behind it (a button never vanishes).

    When none does (a sticker across black and lime), the one that stands out most.
    """
    for choice in choices:
        if worst_contrast(choice, behind) >= least:
            return choice
    return max(choices, key=lambda choice: worst_contrast(choice, behind))
