"""Fit text in a box: the largest size that fits, balanced line breaks, ellipsis as last resort."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from rendering.fonts import FontSource
from rendering.hyphenate import HYPHEN
from rendering.hyphenate import LANGUAGES as HYPHENATED_LANGUAGES
from rendering.text import (
    ELLIPSIS,
    ROUGH_BREAK,
    Run,
    Unit,
    break_units,
    clusters,
    run_ink,
    run_length,
    visual_runs,
)

REFERENCE_SIZE = 100
LEGIBLE_SIZE = 14  # below this, hyphenating a compound to set it larger is worth it
HYPHENATION_GAIN = 1.2


@dataclass(frozen=True)
class Line:
    """One laid-out line: runs in drawing order, its advance width and ink box from the baseline."""

    text: str
    runs: tuple[Run, ...]
    width: float
    ink: tuple[float, float, float, float]  # left, top, right, bottom relative to (left, baseline)


@dataclass(frozen=True)
class TextBlock:
    """Lines set at one size; baselines are `line_height` apart."""

    size: int
    line_height: int
    lines: tuple[Line, ...]
    ellipsized: bool
    rough_breaks: int = 0  # line ends inside a word (Thai syllable, Japanese mid-phrase)

    @property
    def width(self) -> float:
        return max((line.width for line in self.lines), default=0.0)

    @property
    def ink_top(self) -> float:
        """Highest ink above the first baseline (negative)."""
        return min((ln.ink[1] + i * self.line_height for i, ln in enumerate(self.lines)), default=0)

    @property
    def ink_bottom(self) -> float:
        """Lowest ink below the first baseline."""
        return max((ln.ink[3] + i * self.line_height for i, ln in enumerate(self.lines)), default=0)

    @property
    def height(self) -> float:
        return self.ink_bottom - self.ink_top


@dataclass(frozen=True)
class TextStyle:
    language: str
    weight: int
    leading: float  # line height as a multiple of the size
    family: FontSource | None = None  # a display face for Latin, Greek, Cyrillic (fonts.font_chain)


@functools.lru_cache(maxsize=4096)
def make_line(text: str, style: TextStyle, size: int) -> Line:
    """Shape one line and measure its exact advance and ink."""
    runs = visual_runs(text, style.language, style.family)
    x, left, top, right, bottom = 0.0, 0.0, 0.0, 0.0, 0.0
    for run in runs:
        ink_left, ink_top, ink_right, ink_bottom = run_ink(run, size, style.weight, style.language)
        left, top = min(left, x + ink_left), min(top, ink_top)
        right, bottom = max(right, x + ink_right), max(bottom, ink_bottom)
        x += run_length(run, size, style.weight, style.language)
    return Line(text, runs, x, (left, top, max(right, x), bottom))


def _measure(units: list[Unit], style: TextStyle) -> tuple[list[float], list[float]]:
    """Widths of each unit without its trailing space, and of that space, at the reference size."""
    widths, spaces = [], []
    for unit in units:
        core = unit.text.rstrip()
        width = make_line(core, style, REFERENCE_SIZE).width
        full = make_line(unit.text, style, REFERENCE_SIZE).width if core != unit.text else width
        widths.append(width)
        spaces.append(full - width)
    return widths, spaces


def _greedy(widths: list[float], spaces: list[float], limit: float) -> list[int]:
    """Break points (exclusive unit indices) filling each line as far as it goes."""
    ends, line = [], 0.0
    for i, width in enumerate(widths):
        if line and line + spaces[i - 1] + width > limit:
            ends.append(i)
            line = width
        else:
            line = line + spaces[i - 1] + width if line else width
    return [*ends, len(widths)]


def _balanced(
    widths: list[float], spaces: list[float], penalties: list[float], limit: float, lines: int
) -> list[int]:
    """Break points giving lines of near-equal width (least squares), honouring break penalties."""
    n = len(widths)
    target = (sum(widths) + sum(spaces[:-1])) / lines
    best = [0.0] + [float("inf")] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        width = -spaces[end - 1]
        for start in range(end - 1, -1, -1):
            width += widths[start] + spaces[start]
            if width > limit and start < end - 1:
                break
            slack = (target - width) / limit * 100
            cost = best[start] + slack * slack + (penalties[end - 1] if end < n else 0.0)
            if cost < best[end]:
                best[end], back[end] = cost, start
    ends, end = [], n
    while end:
        ends.append(end)
        end = back[end]
    return ends[::-1]


def _block(
    units: list[Unit], ends: list[int], style: TextStyle, size: int, ellipsized: bool
) -> TextBlock:
    starts = [0, *ends[:-1]]
    texts = [
        "".join(u.text for u in units[s:e]).strip()
        + (HYPHEN if e < len(units) and units[e - 1].hyphen else "")
        for s, e in zip(starts, ends, strict=True)
    ]
    lines = tuple(make_line(t, style, size) for t in texts if t)
    return TextBlock(size, round(size * style.leading), lines, ellipsized)


def _fits(block: TextBlock, width: float, height: float) -> bool:
    return all(
        line.ink[2] - line.ink[0] <= width and line.width <= width for line in block.lines
    ) and (block.height <= height)


def _lines_allowed(style: TextStyle, size: int, height: float, max_lines: int) -> int:
    line_height = round(size * style.leading)
    return max(1, min(max_lines, int((height - size * 1.25) // line_height) + 1))


def _try_size(
    units: list[Unit], measured: tuple[list[float], list[float]], style: TextStyle, size: int,
    width: float, height: float, max_lines: int, exact: bool,
) -> TextBlock | None:  # fmt: skip
    """Lines at this size if they fit: estimated from scaled widths, or shaped exactly."""
    scale = size / REFERENCE_SIZE
    widths = [w * scale for w in measured[0]]
    spaces = [s * scale for s in measured[1]]
    if max(widths) > width:
        return None
    count = len(_greedy(widths, spaces, width))
    if count > _lines_allowed(style, size, height, max_lines):
        return None
    if not exact:
        return TextBlock(size, 0, (), False)
    penalties = [u.penalty for u in units]
    ends = _balanced(widths, spaces, penalties, width, count) if count > 1 else [len(units)]
    if len(ends) > max_lines:
        ends = _greedy(widths, spaces, width)
    block = _block(units, ends, style, size, False)
    rough = sum(units[end - 1].penalty >= ROUGH_BREAK for end in ends[:-1])
    return replace(block, rough_breaks=rough) if _fits(block, width, height) else None


def _smoother(
    block: TextBlock, units: list[Unit], measured: tuple[list[float], list[float]],
    style: TextStyle, width: float, height: float, max_lines: int, min_size: int,
) -> TextBlock:  # fmt: skip
    """Trade up to a fifth of the size for line ends at word or phrase boundaries."""
    if not block.rough_breaks:
        return block
    for size in range(block.size - 1, max(min_size, int(block.size * 0.8)) - 1, -1):
        smaller = _try_size(units, measured, style, size, width, height, max_lines, exact=True)
        if smaller and not smaller.rough_breaks:
            return smaller
    return block


def _largest(
    units: list[Unit], style: TextStyle, width: float, height: float, max_lines: int,
    max_size: int, min_size: int,
) -> TextBlock | None:  # fmt: skip
    """The largest size (min..max) at which these units fit the box, or None."""
    measured = _measure(units, style)
    low, high = min_size, max_size
    while low <= high:  # binary search on the estimate, then confirm exactly below
        mid = (low + high) // 2
        if _try_size(units, measured, style, mid, width, height, max_lines, exact=False):
            low = mid + 1
        else:
            high = mid - 1
    for size in range(high, min_size - 1, -1):
        found = _try_size(units, measured, style, size, width, height, max_lines, exact=True)
        if found:
            return _smoother(found, units, measured, style, width, height, max_lines, min_size)
    return None


def fit_text(
    text: str, style: TextStyle, width: float, height: float, max_lines: int,
    max_size: int, min_size: int,
) -> TextBlock:  # fmt: skip
    """The largest size (min..max) at which the text fits the box; else ellipsized at min size.

    Whole words first; long compounds are hyphenated only when that lifts tiny type by a
    fifth or more; breaking anywhere in a word is the last resort before an ellipsis.
    """
    language = style.language
    units = break_units(text, language)
    if not units:
        return TextBlock(min_size, round(min_size * style.leading), (), False)
    box = (width, height, max_lines, max_size, min_size)
    block = _largest(units, style, *box)
    small = block is None or block.size < LEGIBLE_SIZE
    if small and max_lines > 1 and language in HYPHENATED_LANGUAGES:
        hyphenated = _largest(break_units(text, language, hyphenate=True), style, *box)
        if hyphenated and (block is None or hyphenated.size >= block.size * HYPHENATION_GAIN):
            block = hyphenated
    if block is None:
        block = _largest(break_units(text, language, emergency=True), style, *box)
    return block or ellipsize(text, style, width, height, max_lines, min_size)


def ellipsize(
    text: str, style: TextStyle, width: float, height: float, max_lines: int, size: int
) -> TextBlock:
    """Fill the lines that fit at this size and end the last one with an ellipsis."""
    units = break_units(text, style.language, emergency=True)
    words = break_units(text, style.language)
    if all(make_line(u.text.strip(), style, size).width <= width for u in words):
        units = words
    allowed = _lines_allowed(style, size, height, max_lines)
    texts: list[str] = []
    current = ""
    for unit in units:
        candidate = current + unit.text
        if make_line(candidate.strip(), style, size).width <= width or not current:
            current = candidate
            continue
        texts.append(current.strip())
        if len(texts) == allowed:
            break
        current = unit.text
    else:
        texts.append(current.strip())
    texts = texts[:allowed]
    kept = clusters(texts[-1])
    while kept and make_line("".join(kept).rstrip() + ELLIPSIS, style, size).width > width:
        kept.pop()
    texts[-1] = "".join(kept).rstrip() + ELLIPSIS
    block = TextBlock(size, round(size * style.leading), (), True)
    while texts:
        block = TextBlock(
            block.size, block.line_height, tuple(make_line(t, style, size) for t in texts), True
        )
        if _fits(block, width, height):
            break
        texts = [*texts[:-2], texts[-2].rstrip() + ELLIPSIS] if len(texts) > 1 else []
    return block
