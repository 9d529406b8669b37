"""Fit text in a box: the largest size that fits, balanced line breaks, ellipsis as last resort."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from domain.catalog import LANGUAGES
from rendering.bidi import paragraph_levels
from rendering.breaking import ORPHAN, ORPHAN_LINES, balanced, greedy
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
HYPHENATION_GAIN = 1.15  # hyphenate when that sets the text this much larger
SMALLER_FOR_ROUGH = 0.8  # up to a fifth of the size is traded for breaks between words
SMALLER_FOR_ORPHAN = 0.88  # and up to an eighth for a block without an orphan line


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
def make_line(
    text: str, style: TextStyle, size: int, levels: tuple[int, ...] | None = None
) -> Line:
    """Shape one line and measure its exact advance and ink.

    `levels`: the line's bidi levels cut from its paragraph (rendering.bidi.paragraph_levels);
    without them the line is resolved as a paragraph of its own.
    """
    runs = visual_runs(text, style.language, levels, style.family)
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


def _block(
    units: list[Unit], ends: list[int], style: TextStyle, size: int, ellipsized: bool
) -> TextBlock:
    """The lines between break points, each with its bidi levels cut from the whole paragraph."""
    paragraph = "".join(u.text for u in units)
    levels = paragraph_levels(paragraph, LANGUAGES[style.language].rtl)
    lines = []
    offset = 0
    for start, end in zip([0, *ends[:-1]], ends, strict=True):
        raw = "".join(u.text for u in units[start:end])
        text = raw.rstrip()  # units never start with a space: the line starts at `offset`
        line_levels = levels[offset : offset + len(text)]
        offset += len(raw)
        if end < len(units) and units[end - 1].hyphen and text:
            text, line_levels = text + HYPHEN, (*line_levels, line_levels[-1])
        if text:
            lines.append(make_line(text, style, size, line_levels))
    return TextBlock(size, round(size * style.leading), tuple(lines), ellipsized)


def _fits(block: TextBlock, width: float, height: float) -> bool:
    return all(
        line.ink[2] - line.ink[0] <= width and line.width <= width for line in block.lines
    ) and (block.height <= height)


def _lines_allowed(style: TextStyle, size: int, height: float, max_lines: int) -> int:
    line_height = round(size * style.leading)
    return max(1, min(max_lines, int((height - size * 1.25) // line_height) + 1))


def _breaks(
    units: list[Unit], measured: tuple[list[float], list[float]], style: TextStyle, size: int,
    width: float, height: float, max_lines: int,
) -> tuple[list[int], list[float]] | None:  # fmt: skip
    """Break points at this size from scaled widths, with estimated line widths; None if over."""
    scale = size / REFERENCE_SIZE
    widths = [w * scale for w in measured[0]]
    spaces = [s * scale for s in measured[1]]
    if max(widths) > width:
        return None
    penalties = [u.penalty for u in units]
    count = len(greedy(widths, spaces, width, penalties))
    if count > _lines_allowed(style, size, height, max_lines):
        return None
    ends = balanced(widths, spaces, penalties, width, count) if count > 1 else [len(units)]
    if len(ends) > max_lines:
        ends = greedy(widths, spaces, width, penalties)
    lines = [
        sum(widths[start:end]) + sum(spaces[start : end - 1])
        for start, end in zip([0, *ends[:-1]], ends, strict=True)
    ]
    return ends, lines


def _try_size(
    units: list[Unit], measured: tuple[list[float], list[float]], style: TextStyle, size: int,
    width: float, height: float, max_lines: int, exact: bool,
) -> TextBlock | None:  # fmt: skip
    """Lines at this size if they fit: estimated from scaled widths, or shaped exactly."""
    found = _breaks(units, measured, style, size, width, height, max_lines)
    if found is None:
        return None
    if not exact:
        return TextBlock(size, 0, (), False)
    ends = found[0]
    block = _block(units, ends, style, size, False)
    rough = sum(units[end - 1].penalty >= ROUGH_BREAK for end in ends[:-1])
    return replace(block, rough_breaks=rough) if _fits(block, width, height) else None


def _orphans(widths: list[float]) -> int:
    """First and last lines much shorter than the average: "Our new" alone above a long claim."""
    if len(widths) < ORPHAN_LINES:
        return 0
    average = sum(widths) / len(widths)
    return sum(width < ORPHAN * average for width in (widths[0], widths[-1]))


def _smoother(
    block: TextBlock, units: list[Unit], measured: tuple[list[float], list[float]],
    style: TextStyle, width: float, height: float, max_lines: int, min_size: int,
) -> TextBlock:  # fmt: skip
    """Trade a little size for line ends at word or phrase boundaries and for no orphan line.

    Sizes whose estimated breaks keep the flaw are skipped without shaping their lines.
    """
    orphans = _orphans([line.width for line in block.lines])
    if not block.rough_breaks and not orphans:
        return block
    ratio = SMALLER_FOR_ROUGH if block.rough_breaks else SMALLER_FOR_ORPHAN
    for size in range(block.size - 1, max(min_size, int(block.size * ratio)) - 1, -1):
        found = _breaks(units, measured, style, size, width, height, max_lines)
        if found is None:
            continue
        ends, estimated = found
        if any(units[end - 1].penalty >= ROUGH_BREAK for end in ends[:-1]):
            continue
        if not block.rough_breaks and _orphans(estimated):
            continue
        smaller = _try_size(units, measured, style, size, width, height, max_lines, exact=True)
        widths = [line.width for line in smaller.lines] if smaller else []
        if smaller and not smaller.rough_breaks and (block.rough_breaks or not _orphans(widths)):
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

    Whole words first; words are hyphenated (pyphen's dictionaries) whenever that sets the
    text HYPHENATION_GAIN larger; breaking inside a word or phrase happens only where it
    alone is wider than the box, and an ellipsis is the last resort.
    """
    language = style.language
    units = break_units(text, language)
    if not units:
        return TextBlock(min_size, round(min_size * style.leading), (), False)
    box = (width, height, max_lines, max_size, min_size)
    block = _largest(units, style, *box)
    could_grow = block is None or block.size * HYPHENATION_GAIN <= max_size
    if max_lines > 1 and language in HYPHENATED_LANGUAGES and could_grow:
        hyphenated_units = break_units(text, language, hyphenate=True)
        if len(hyphenated_units) > len(units):
            hyphenated = _largest(hyphenated_units, style, *box)
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
