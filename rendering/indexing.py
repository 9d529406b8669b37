"""Paint in palette indices: flat colours stay exact, soft edges use 16-step ramps.

A creative holds a handful of colours: its surfaces (field, a gradient partner, colour blocks,
the button), the inks painted over them (text, shapes) and the anti-aliased edges between the
two. Painting indices into an "L" canvas and attaching the palette at the end gives a "P" PNG
that encodes at one byte per pixel, several times faster than RGB, with no nearest-colour
search: Pillow's RGB quantizer looks colours up at 6 bits per channel and would shift flat
colours and band gradients.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from PIL import Image, ImageChops

from rendering.palette import Color, mix

ALPHA_LEVELS = 16  # anti-aliasing steps per ink ramp; finer than the eye resolves on text edges
MAX_COLORS = 256
MAX_TONES = MAX_COLORS // ALPHA_LEVELS
_BUCKET = [round(alpha * (ALPHA_LEVELS - 1) / 255) for alpha in range(256)]
_COVERED = [255 if step else 0 for step in _BUCKET]  # replace indices where ink shows, never blend


@dataclass(frozen=True, eq=False)  # one instance per colour set (cached): hashed by identity
class IndexedPalette:
    """Palette entries and the lookup tables that paint inks over tones in index space."""

    colors: tuple[Color, ...]
    index: dict[Color, int]  # every surface and ink -> its exact entry
    gradient: tuple[int, ...]  # index of blend(ground, ground2, m) for m in 0..255
    tone_codes: tuple[int, ...]  # index -> ALPHA_LEVELS x its nearest tone
    ramps: dict[Color, tuple[int, ...]]  # ink -> (tone code + alpha step) -> index

    def over(self, ink: Color, behind: int) -> tuple[int, ...]:
        """Alpha -> index of `ink` at that coverage over one known index."""
        return _over(self, ink, behind)

    def flat(self) -> list[int]:
        """The palette as Image.putpalette wants it."""
        return [channel for color in self.colors for channel in color]


@functools.lru_cache(maxsize=2048)
def _over(palette: IndexedPalette, ink: Color, behind: int) -> tuple[int, ...]:
    ramp, code = palette.ramps[ink], palette.tone_codes[behind]
    return tuple(ramp[code + step] if step else behind for step in _BUCKET)


@functools.lru_cache(maxsize=64)
def gradient_colors(a: Color, b: Color) -> tuple[Color, ...]:
    """blend(a, b, m / 255) for every m, exactly as Image.composite rounds."""
    steps = Image.frombytes("L", (256, 1), bytes(range(256)))
    strip = Image.composite(Image.new("RGB", (256, 1), b), Image.new("RGB", (256, 1), a), steps)
    raw = strip.tobytes()
    return tuple((raw[i], raw[i + 1], raw[i + 2]) for i in range(0, len(raw), 3))


def _distance(a: Color, b: Color) -> int:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2


def _level(step: int, levels: int) -> float:
    """A 16-step coverage quantized to a pair's own number of levels."""
    return round(step * levels / (ALPHA_LEVELS - 1)) / levels


def _ramp(tone: Color, ink: Color, levels: int) -> list[Color]:
    return [mix(tone, ink, j / levels) for j in range(1, levels)]


@functools.cache
def indexed_palette(
    surfaces: tuple[Color, ...], inks: tuple[Color, ...],
    pairs: frozenset[tuple[Color, Color, int]], gradient: tuple[Color, Color] | None,
) -> IndexedPalette:  # fmt: skip
    """Exact surfaces and inks, the gradient's own steps, and soft ramps for each (ink, tone).

    `pairs` names the inks drawn over each surface and how many soft steps their edges get:
    only those get ramps (256 entries do not hold every combination); any other edge keeps a
    hard half-way step.
    """
    tones = list(dict.fromkeys(surfaces))
    if gradient:  # text over a gradient blends towards the nearest of these stops
        tones += [mix(gradient[0], gradient[1], t) for t in (1 / 3, 2 / 3)]
    tones = tones[:MAX_TONES]
    levels = {(ink, tone): n for ink, tone, n in sorted(pairs)}
    ramp_colors = [c for (ink, tone), n in levels.items() if ink != tone
                   for c in _ramp(tone, ink, n)]  # fmt: skip
    base = list(dict.fromkeys([*tones, *inks]))
    steps = list(dict.fromkeys(gradient_colors(*gradient))) if gradient else []
    room = MAX_COLORS - len(dict.fromkeys(base + ramp_colors))
    if len(steps) > room:  # keep evenly spaced steps
        steps = [steps[i * len(steps) // room] for i in range(room)]
    entries = list(dict.fromkeys(base + steps + ramp_colors))[:MAX_COLORS]
    index = {color: i for i, color in enumerate(entries)}

    def nearest(color: Color, among: list[Color]) -> int:
        return min(range(len(among)), key=lambda i: _distance(color, among[i]))

    codes = tuple(
        ALPHA_LEVELS * nearest(entries[i], tones) if i < len(entries) else 0
        for i in range(MAX_COLORS)
    )
    ramps = {}
    for ink in dict.fromkeys(inks):
        table = [0] * MAX_COLORS
        for code, tone in enumerate(tones):
            n = levels.get((ink, tone))
            for step in range(ALPHA_LEVELS):
                hard = index[ink] if step >= ALPHA_LEVELS // 2 else index[tone]
                mixed = mix(tone, ink, _level(step, n)) if n else None
                table[code * ALPHA_LEVELS + step] = index.get(mixed, hard) if mixed else hard
        ramps[ink] = tuple(table)
    gradient_index: tuple[int, ...] = ()
    if gradient:
        gradient_index = tuple(
            index[c] if c in index else nearest(c, entries) for c in gradient_colors(*gradient)
        )
    return IndexedPalette(tuple(entries), index, gradient_index, codes, ramps)


def overlay(
    canvas: Image.Image, mask: Image.Image, origin: tuple[int, int], ink: Color,
    palette: IndexedPalette,
) -> None:  # fmt: skip
    """Paint `ink` through an anti-aliasing mask onto an index canvas, in place."""
    left, top = origin
    right, bottom = min(mask.width, canvas.width - left), min(mask.height, canvas.height - top)
    clip = (max(0, -left), max(0, -top), right, bottom)
    if clip[0] >= clip[2] or clip[1] >= clip[3]:
        return
    if clip != (0, 0, mask.width, mask.height):
        mask = mask.crop(clip)
    box = (left + clip[0], top + clip[1], left + clip[2], top + clip[3])
    behind = canvas.crop(box)
    low, high = behind.getextrema()
    if low == high and isinstance(low, int):  # one colour behind (solid ground): one lookup
        canvas.paste(mask.point(palette.over(ink, low)), box)
        return
    codes = behind.point(palette.tone_codes)
    inked = ImageChops.add(codes, mask.point(_BUCKET)).point(palette.ramps[ink])
    canvas.paste(inked, box, mask.point(_COVERED))
