"""Bidi embedding levels of a whole paragraph, from GNU FriBidi (the library RAQM itself uses).

Levels are resolved once for the whole claim and lines are cut from it afterwards (UAX #9:
resolve the paragraph, then break, then reorder each line): resolved per line, "Whey 100% ISO"
broken after "Whey" would show "ISO 100%". Needs the system's libfribidi0, as shaping does.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import unicodedata
from typing import TypeVar

PAR_LTR = 0x110  # FRIBIDI_PAR_LTR: a strong left-to-right paragraph
PAR_RTL = 0x111  # FRIBIDI_PAR_RTL
T = TypeVar("T")


@functools.cache
def _fribidi() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("fribidi") or "libfribidi.so.0"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.fribidi_get_par_embedding_levels_ex.restype = ctypes.c_int8
    return lib


def _fallback_levels(text: str, rtl: bool) -> tuple[int, ...]:
    """Without FriBidi (no RAQM either, so only LTR scripts are drawn): strong types only."""
    base = 1 if rtl else 0
    return tuple(
        1 if unicodedata.bidirectional(c) in ("R", "AL") else (base if c.isspace() else 0)
        for c in text
    )


@functools.lru_cache(maxsize=1024)
def paragraph_levels(text: str, rtl: bool) -> tuple[int, ...]:
    """The resolved embedding level of every character (odd: right-to-left)."""
    lib = _fribidi()
    if lib is None or not text:
        return _fallback_levels(text, rtl)
    n = len(text)
    chars = (ctypes.c_uint32 * n)(*map(ord, text))
    types = (ctypes.c_uint32 * n)()
    brackets = (ctypes.c_uint32 * n)()
    levels = (ctypes.c_int8 * n)()
    base = ctypes.c_uint32(PAR_RTL if rtl else PAR_LTR)
    lib.fribidi_get_bidi_types(chars, n, types)
    lib.fribidi_get_bracket_types(chars, n, types, brackets)
    if lib.fribidi_get_par_embedding_levels_ex(types, brackets, n, ctypes.byref(base), levels) <= 0:
        return _fallback_levels(text, rtl)
    return tuple(levels)


def visual_order(pieces: list[tuple[T, int]]) -> list[tuple[T, int]]:
    """Pieces of one line (in logical order, with their level) in drawing order (UAX #9 L2).

    From the highest level down to the lowest odd one, every maximal sequence of pieces at
    that level or higher is reversed.
    """
    if not pieces:
        return []
    order = list(pieces)
    highest = max(level for _, level in order)
    lowest_odd = min(level for _, level in order) | 1
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i][1] < level:
                i += 1
                continue
            j = i
            while j < len(order) and order[j][1] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return order
