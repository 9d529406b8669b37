"""Legibility floors per format and element, and the longest claim each format sets legibly.

Below its floor a headline, subline or button label is unreadable on a phone at arm's length;
the composer lays out differently (a second line, fewer elements) before it goes there, and the
API refuses a claim no layout of a requested format can set at the floors.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from domain.catalog import FORMATS, LANGUAGES


@dataclass(frozen=True)
class Floors:
    """Smallest sizes in pixels (the headline also stays >= 2x the label)."""

    headline: int
    subline: int
    cta: int


FLOORS = {
    "F1": Floors(44, 26, 24),
    "F2": Floors(44, 26, 24),
    "F3": Floors(48, 28, 26),
    "F4": Floors(34, 20, 18),
    "F5": Floors(46, 26, 24),
    "F6": Floors(40, 24, 22),
    "F7": Floors(16, 11, 11),
    "F8": Floors(16, 11, 11),
    "F9": Floors(18, 11, 10),
    "F10": Floors(16, 11, 10),
    "F11": Floors(16, 10, 9),
    "F12": Floors(18, 12, 11),
}
SAMPLES = (  # ordinary English copy: short and long words, as claims mix them
    "Discover our new protein range made for runners who train every single day and want "
    "lighter recovery, better taste and honest ingredients in every scoop we make for you",
    "Unbelievable performance nutrition: professional supplements, delicious flavours and "
    "sustainable packaging, delivered overnight throughout Europe with complimentary returns",
)


def sample_claim(length: int, sample: int = 0) -> str:
    """The first whole words of a sample, at most `length` characters."""
    text = ""
    for word in ((SAMPLES[sample % len(SAMPLES)] + " ") * 3).split():
        if len(text) + len(word) + 1 > length:
            break
        text = f"{text} {word}".strip()
    return text or SAMPLES[0][:length]


def fits_legibly(
    claim: str, language: str, format_code: str, cta: str | None = None,
    subline: str | None = None, badge: str | None = None,
) -> bool:  # fmt: skip
    """Whether the roomiest family sets the claim and its button at or above every floor."""
    from rendering.design import FAMILIES, Design
    from rendering.layout import _layout
    from rendering.palette import PALETTES

    label = cta or LANGUAGES[language].default_cta
    design = Design(FAMILIES[0], PALETTES[0], 0)
    return _layout(claim, language, label, format_code, subline, badge, design).legible


@functools.cache
def max_claim_chars(format_code: str) -> int:
    """The longest sample claim the format sets legibly (the lesser over two samples), <= 200."""
    limits = []
    for sample in range(len(SAMPLES)):
        low, high = 1, 200
        while low < high:  # legibility falls as claims grow: the last length that still fits
            mid = (low + high + 1) // 2
            if fits_legibly(sample_claim(mid, sample), "EN", format_code):
                low = mid
            else:
                high = mid - 1
        limits.append(low)
    limit = min(limits)
    while limit > 1 and not all(  # line breaking is not quite monotonic: confirm the answer
        fits_legibly(sample_claim(limit, sample), "EN", format_code)
        for sample in range(len(SAMPLES))
    ):
        limit -= 1
    return limit


def claim_limits() -> dict[str, int]:
    """maxClaimChars of every format, as GET /api/v1/formats publishes them."""
    return {code: max_claim_chars(code) for code in FORMATS}
