"""Where lines end, given unit widths: greedy filling and balanced (least-squares) breaking."""

from __future__ import annotations

from rendering.text import EMERGENCY_PENALTY

ORPHAN = 0.6  # a first or last line under 60% of the average width reads as an orphan...
ORPHAN_LINES = 3  # ...in a block of this many lines or more
ORPHAN_PENALTY = 5000.0  # more than any slack a balanced line costs


def greedy(
    widths: list[float], spaces: list[float], limit: float, penalties: list[float] | None = None
) -> list[int]:
    """Break points (exclusive unit indices) filling each line as far as it goes.

    An overflowing line goes back to its last break outside a segment when it has one
    (CSS overflow-wrap): a word is cut only where it alone is wider than the line.
    """
    ends: list[int] = []
    start, i, line = 0, 0, 0.0
    while i < len(widths):
        longer = widths[i] if i == start else line + spaces[i - 1] + widths[i]
        if i == start or longer <= limit:
            line, i = longer, i + 1
            continue
        cheap = [
            k for k in range(start + 1, i + 1)
            if penalties is None or penalties[k - 1] < EMERGENCY_PENALTY
        ]  # fmt: skip
        start = i = cheap[-1] if cheap else i
        ends.append(start)
    return [*ends, len(widths)]


def balanced(
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
            if lines >= ORPHAN_LINES and (start == 0 or end == n) and width < ORPHAN * target:
                cost += ORPHAN_PENALTY
            if cost < best[end]:
                best[end], back[end] = cost, start
    ends, end = [], n
    while end:
        ends.append(end)
        end = back[end]
    return ends[::-1]
