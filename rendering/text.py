"""Text as the line breaker sees it: breakable units, font runs and their visual order."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from domain.catalog import LANGUAGES
from rendering.fonts import (
    FontSource,
    coverage,
    font_chain,
    layout_engine,
    load_font,
    raqm_available,
)
from rendering.hyphenate import syllables

CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3000, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFF00, 0xFFEF),
)
NO_LINE_START = set(
    "、。，．・：；？！ー」』）］｝〉》】〕ゃゅょっぁぃぅぇぉャュョッァィゥェォ々〜…!?,.:;)]}%"
)
NO_LINE_END = set("「『（［｛〈《【〔([{")
THAI_LEADING_VOWELS = set("เแโใไ")
THAI_FOLLOWING = set("ะาำๅๆฯ")
JOINERS = {"\u200d", "\u094d", "\u0e3a"}  # zero width joiner, Devanagari virama, Thai phinthu
CJK_SPLIT_LANGUAGES = {"JA", "ZH"}
THAI_BREAK_PENALTY = 600.0
CJK_BREAK_PENALTY = 300.0
CJK_PHRASE_PENALTY = 5.0
HANZI_BREAK_PENALTY = 40.0
ROUGH_BREAK = 100.0  # a block with breaks this costly is worth a smaller size
EMERGENCY_PENALTY = 3000.0
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


def is_cjk(char: str) -> bool:
    """Whether a character belongs to the ideographic / kana / fullwidth blocks."""
    code = ord(char)
    return any(low <= code <= high for low, high in CJK_RANGES)


def thai_syllables(word: str) -> list[str]:
    """Thai clusters with a bare final consonant kept on the syllable before it."""
    out: list[str] = []
    pieces = clusters(word)
    for i, piece in enumerate(pieces):
        following = pieces[i + 1][0] if i + 1 < len(pieces) else ""
        is_final = (
            len(piece) == 1
            and "\u0e01" <= piece <= "\u0e2e"
            and bool(out)
            and any(not ("\u0e01" <= c <= "\u0e2e") for c in out[-1])
            and not (piece in "หอ" and "\u0e01" <= following <= "\u0e2e")
        )
        if is_final:
            out[-1] += piece
        else:
            out.append(piece)
    return out


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


def _kind(char: str) -> str:
    if "\u3040" <= char <= "\u309f":
        return "hiragana"
    if "\u30a0" <= char <= "\u30ff":
        return "katakana"
    return "ideograph" if is_cjk(char) else "other"


def _cjk_units(word: str, language: str) -> list[Unit]:
    """One unit per ideograph/kana, Latin runs whole, kinsoku applied; phrase ends break cheaply."""
    pieces: list[str] = []
    for cluster in clusters(word):
        glue_to_previous = bool(pieces) and (
            cluster[0] in NO_LINE_START
            or pieces[-1][-1] in NO_LINE_END
            or (not is_cjk(cluster[0]) and not is_cjk(pieces[-1][-1]))
        )
        if glue_to_previous:
            pieces[-1] += cluster
        else:
            pieces.append(cluster)
    units = []
    for piece, following in zip(pieces, [*pieces[1:], ""], strict=True):
        before, after = _kind(piece[-1]), _kind(following[:1] or " ")
        phrase_end = (
            (before == "hiragana" and after != "hiragana")
            or not is_cjk(piece[-1])
            or unicodedata.category(piece[-1]).startswith("P")
        )
        inner = CJK_BREAK_PENALTY if language == "JA" else HANZI_BREAK_PENALTY
        units.append(Unit(piece, CJK_PHRASE_PENALTY if phrase_end else inner))
    return units


def break_units(
    text: str, language: str, emergency: bool = False, hyphenate: bool = False
) -> list[Unit]:
    """Split text into units; spaces are free breaks, CJK/Thai/emergency/hyphen breaks cost."""
    script = LANGUAGES[language].script
    units: list[Unit] = []
    for word in re.findall(r"\S+\s*", text):
        core = word.rstrip()
        if emergency:
            pieces, penalty = clusters(core), EMERGENCY_PENALTY
        elif language in CJK_SPLIT_LANGUAGES:
            cjk = _cjk_units(core, language)
            units += cjk[:-1]
            pieces, penalty = [cjk[-1].text], 0.0
        elif script == "thai":
            pieces, penalty = thai_syllables(core), THAI_BREAK_PENALTY
        elif hyphenate:
            pieces, penalty = syllables(core), HYPHEN_PENALTY
        else:
            pieces, penalty = [core], 0.0
        units += [Unit(p, penalty, hyphenate and not p.endswith("-")) for p in pieces[:-1]]
        units.append(Unit(pieces[-1] + word[len(core) :], 0.0))
    return units


def font_for(char: str, chain: tuple[FontSource, ...]) -> FontSource | None:
    """The first font of the chain that has a glyph for the character."""
    return next((source for source in chain if ord(char) in coverage(source)), None)


def drawable(text: str, language: str) -> str:
    """The text without characters no installed font can draw (emoji, private use).

    Dropping them beats drawing empty boxes in their place; what remains is set as usual.
    """
    chain = font_chain(language)
    kept = "".join(c for c in text if c.isspace() or font_for(c, chain) is not None)
    return " ".join(kept.split())


def drawable_claim(claim: str, language: str) -> str:
    """The claim's drawable text; UnrenderableClaim if nothing of it can be drawn."""
    kept = drawable(claim, language)
    if not kept:
        raise UnrenderableClaim(f"no installed font draws any character of the claim {claim!r}")
    return kept


def _direction_of(text: str, rtl_paragraph: bool) -> str:
    classes = {unicodedata.bidirectional(c) for c in text}
    if classes & {"R", "AL"}:
        return "rtl"
    if "L" in classes:
        return "ltr"
    return "rtl" if rtl_paragraph else "ltr"


@functools.lru_cache(maxsize=4096)
def visual_runs(text: str, language: str, family: FontSource | None = None) -> tuple[Run, ...]:
    """Font runs of one line in drawing order, left to right; `family` leads the font chain."""
    chain = font_chain(language, family)
    rtl = LANGUAGES[language].rtl
    logical: list[tuple[str, FontSource]] = []
    for char in text:
        source = font_for(char, chain) or chain[0]
        sticky = char.isspace() or unicodedata.category(char).startswith("M")
        if logical and (sticky or logical[-1][1] == source):
            logical[-1] = (logical[-1][0] + char, logical[-1][1])
        else:
            logical.append((char, source))
    if len(logical) == 1:  # one font: RAQM applies the full bidi algorithm itself
        return (Run(text, logical[0][1], "rtl" if rtl else "ltr"),)
    runs = [Run(t, s, _direction_of(t, rtl)) for t, s in logical]
    groups: list[list[Run]] = []
    for run in runs:
        if groups and groups[-1][0].direction == run.direction:
            groups[-1].append(run)
        else:
            groups.append([run])
    ordered = [g[::-1] if g[0].direction == "rtl" else g for g in groups]
    if rtl:
        ordered.reverse()
    return tuple(run for group in ordered for run in group)


@functools.lru_cache(maxsize=8192)
def run_length(run: Run, size: int, weight: int, language: str) -> float:
    """Advance width of a run in pixels."""
    font = load_font(run.source, size, weight)
    return font.getlength(run.text, direction=_direction(run), language=_language(language))


@functools.lru_cache(maxsize=4096)
def run_ink(run: Run, size: int, weight: int, language: str) -> tuple[float, float, float, float]:
    """Ink box of a run relative to its left edge on the baseline."""
    font = load_font(run.source, size, weight)
    return font.getbbox(
        run.text, anchor="ls", direction=_direction(run), language=_language(language)
    )


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
