"""Text as the line breaker sees it: breakable units, font runs and their visual order."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from domain.catalog import LANGUAGES
from rendering.bidi import paragraph_levels, visual_order
from rendering.fonts import (
    FontSource,
    coverage,
    font_chain,
    layout_engine,
    load_font,
    raqm_available,
    raster_scale,
)
from rendering.hyphenate import syllables
from rendering.segment import segments

JOINERS = {"\u200d", "\u094d", "\u0e3a"}  # zero width joiner, Devanagari virama, Thai phinthu
THAI_LEADING_VOWELS = set("เแโใไ")
THAI_FOLLOWING = set("ะาำๅๆฯ")
SHAPING_CONTROLS = {"\u200c", "\u200d"}  # ZWNJ and ZWJ change how neighbours join: kept
MAX_MARKS = 3  # combining marks kept on one base: real text stacks at most ~3 (Thai, Arabic)
SEGMENT_PENALTY = 5.0  # a line end between two words or phrases written without a space
ROUGH_BREAK = 100.0  # a block with breaks this costly is worth a smaller size
EMERGENCY_PENALTY = 1e6  # inside a segment: only when the segment alone is wider than the box
HYPHEN_PENALTY = 50.0  # a word break is preferred; a hyphen beats a much smaller size
ELLIPSIS = "…"


class UnrenderableClaim(ValueError):
    """No character of the claim has a glyph in any installed font (e.g. only emoji).

    Permanent for this claim: retrying renders the same nothing.
    """


@dataclass(frozen=True)
class Unit:
    """A piece of text a line may end after; `penalty` is the cost of ending a line there."""

    text: str
    penalty: float
    hyphen: bool = False  # a line ending here gets a hyphen drawn


@dataclass(frozen=True)
class Run:
    """Text drawn with one font in one direction."""

    text: str
    source: FontSource
    direction: str


def raqm_language(language: str) -> str:
    """The BCP 47 tag shaping uses to pick localized glyph forms."""
    return {"ZH": "zh-Hans"}.get(language, language.lower())


def clusters(word: str) -> list[str]:
    """Grapheme-like clusters: a base with its marks; no split after a joiner or Thai lead vowel."""
    out: list[str] = []
    for char in word:
        joins_previous = bool(out) and (
            unicodedata.category(char).startswith("M")
            or char in JOINERS
            or char in THAI_FOLLOWING
            or out[-1][-1] in JOINERS
            or out[-1][-1] in THAI_LEADING_VOWELS
            or "\ufe00" <= char <= "\ufe0f"
        )
        if joins_previous:
            out[-1] += char
        else:
            out.append(char)
    return out


def break_units(
    text: str, language: str, emergency: bool = False, hyphenate: bool = False
) -> list[Unit]:
    """Split text into units; spaces and segment ends are cheap breaks, hyphens and clusters cost.

    Words written without spaces (Japanese, Chinese, Thai) are cut by their segmenter; with
    `hyphenate`, words are cut at their dictionary hyphenation points; with `emergency`,
    anywhere between clusters, at a cost no other break comes near.
    """
    units: list[Unit] = []
    for word in re.findall(r"\S+\s*", text):
        core = word.rstrip()
        pieces_of = segments(core, language)
        for index, segment in enumerate(pieces_of):
            last = index == len(pieces_of) - 1
            if emergency:
                pieces, penalty = clusters(segment), EMERGENCY_PENALTY
            elif hyphenate:
                pieces, penalty = syllables(segment, language), HYPHEN_PENALTY
            else:
                pieces, penalty = [segment], 0.0
            drawn = hyphenate and not emergency
            units += [Unit(p, penalty, drawn and not p.endswith("-")) for p in pieces[:-1]]
            tail = word[len(core) :] if last else ""
            units.append(Unit(pieces[-1] + tail, 0.0 if last else SEGMENT_PENALTY))
    return units


def font_for(char: str, chain: tuple[FontSource, ...]) -> FontSource | None:
    """The first font of the chain that has a glyph for the character."""
    return next((source for source in chain if ord(char) in coverage(source)), None)


def _needs_glyph(char: str) -> bool:
    return not (char.isspace() or unicodedata.category(char)[0] in "MC")


def _font_for_word(word: str, chain: tuple[FontSource, ...]) -> FontSource | None:
    """The first font drawing every letter and digit of the word: one face per word.

    A symbol the face lacks ("®") falls back alone; a letter it lacks moves the whole word.
    """
    needed = {ord(c) for c in word if unicodedata.category(c)[0] in "LN"}
    return next((source for source in chain if needed <= coverage(source)), None)


@functools.lru_cache(maxsize=4096)
def _has_ink(char: str, source: FontSource) -> bool:
    """Whether the font's glyph for the character leaves any ink (U+3164 maps to a blank)."""
    left, top, right, bottom = load_font(source, 64, 400).getbbox(char)
    return right > left and bottom > top


def has_visible_text(text: str, language: str) -> bool:
    """Whether drawing the text would show anything: a base character some font inks.

    False for text made only of spaces, zero-width, control or format characters, combining
    marks, or characters no installed font draws (emoji, private use).
    """
    chain = font_chain(language)
    for char in unicodedata.normalize("NFC", text):
        if _needs_glyph(char):
            source = font_for(char, chain)
            if source is not None and _has_ink(char, source):
                return True
    return False


def _cap_marks(text: str) -> str:
    """At most MAX_MARKS combining marks on one base: a stack of 199 accents is not text."""
    out, marks = [], 0
    for char in text:
        marks = marks + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if marks <= MAX_MARKS:
            out.append(char)
    return "".join(out)


def drawable(text: str, language: str, family: FontSource | None = None) -> str:
    """The text without what no installed font can draw (emoji, private use, controls).

    Dropping them beats drawing empty boxes in their place; combining marks are capped per
    base so the text keeps a sane height; what remains is set as usual.
    """
    chain = font_chain(language, family)
    kept = "".join(
        c
        for c in _cap_marks(unicodedata.normalize("NFC", text))
        if c.isspace()
        or c in SHAPING_CONTROLS
        or (unicodedata.category(c)[0] != "C" and font_for(c, chain) is not None)
    )
    return " ".join(kept.split())


def drawable_claim(claim: str, language: str, family: FontSource | None = None) -> str:
    """The claim's drawable text; UnrenderableClaim if nothing of it would be visible."""
    kept = drawable(claim, language, family)
    if not has_visible_text(kept, language):
        raise UnrenderableClaim(f"no installed font draws any character of the claim {claim!r}")
    return kept


@functools.lru_cache(maxsize=4096)
def visual_runs(
    text: str, language: str, levels: tuple[int, ...] | None = None,
    family: FontSource | None = None,
) -> tuple[Run, ...]:  # fmt: skip
    """Runs of one font and one direction of a line, in drawing order, left to right.

    `levels` are the line's bidi levels cut from its paragraph (rendering.bidi); without
    them the line is taken as a paragraph of its own.
    """
    chain = font_chain(language, family)
    if levels is None or len(levels) != len(text):
        levels = paragraph_levels(text, LANGUAGES[language].rtl)
    pieces: list[tuple[tuple[str, FontSource], int]] = []
    offset = 0
    source = chain[0]
    for word in re.findall(r"\s+|\S+", text):
        if not word.isspace():
            source = _font_for_word(word, chain) or source
        for char in word:
            face = source
            if _needs_glyph(char) and ord(char) not in coverage(source):
                face = font_for(char, chain) or source  # no face has the whole word
            level = levels[offset]
            offset += 1
            last = pieces[-1] if pieces else None
            if last and last[1] == level and (last[0][1] == face or char.isspace()):
                pieces[-1] = ((last[0][0] + char, last[0][1]), level)
            elif last and last[1] == level and last[0][0].isspace():  # a space takes the next face
                pieces[-1] = ((last[0][0] + char, face), level)
            else:
                pieces.append(((char, face), level))
    return tuple(
        Run(piece, face, "rtl" if level % 2 else "ltr")
        for (piece, face), level in visual_order(pieces)
    )


@functools.lru_cache(maxsize=8192)
def run_length(run: Run, size: int, weight: int, language: str) -> float:
    """Advance width of a run in pixels (small type measured where it is rasterized)."""
    scale = raster_scale(size)
    font = load_font(run.source, size * scale, weight, size)
    length = font.getlength(run.text, direction=_direction(run), language=_language(language))
    return length / scale


@functools.lru_cache(maxsize=4096)
def run_ink(run: Run, size: int, weight: int, language: str) -> tuple[float, float, float, float]:
    """Ink box of a run relative to its left edge on the baseline."""
    scale = raster_scale(size)
    font = load_font(run.source, size * scale, weight, size)
    box = font.getbbox(
        run.text, anchor="ls", direction=_direction(run), language=_language(language)
    )
    left, top, right, bottom = (edge / scale for edge in box)
    return left, top, right, bottom


def _direction(run: Run) -> str | None:
    if not raqm_available():
        layout_engine(script_of(run.source))  # raises for scripts that need shaping
        return None
    return run.direction


def _language(language: str) -> str | None:
    return raqm_language(language) if raqm_available() else None


def script_of(source: FontSource) -> str:
    """The script a font is for, as domain.catalog names scripts."""
    for script in ("Arabic", "Hebrew", "Devanagari", "Thai"):
        if script in source.family:
            return script.lower()
    return "cjk" if "CJK" in source.family else "latin"
