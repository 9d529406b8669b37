"""Hyphenation points inside words, from the LibreOffice dictionaries that `pyphen` ships.

A headline is hyphenated only when that sets it clearly larger (see linebreak.fit_text);
Thai, Arabic, Hebrew, Devanagari and CJK are never hyphenated: they break between words.
"""

from __future__ import annotations

import functools

import pyphen

from domain.catalog import LANGUAGES as CATALOG

HYPHEN = "\u2010"  # a true hyphen, so a drawn break is never mistaken for one in the claim
HYPHENATED_SCRIPTS = frozenset({"latin", "cyrillic", "greek"})
DICTIONARY_ALIASES = {"NO": "nb"}  # Norwegian is written in Bokmål
MIN_PIECE = 3  # letters kept on each side of a break: "Ma-" or "-on" looks like a typo
MIN_WORD = 2 * MIN_PIECE


def _dictionary(language: str) -> str | None:
    if CATALOG[language].script not in HYPHENATED_SCRIPTS:
        return None
    return pyphen.language_fallback(DICTIONARY_ALIASES.get(language, language.lower()))


LANGUAGES = frozenset(code for code in CATALOG if _dictionary(code))


@functools.cache
def _hyphenator(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=_dictionary(language), left=MIN_PIECE, right=MIN_PIECE)


@functools.lru_cache(maxsize=4096)
def hyphenation_points(word: str, language: str) -> tuple[int, ...]:
    """Offsets a line may break at inside the word; after an explicit hyphen, too."""
    if language not in LANGUAGES or len(word) < MIN_WORD:
        return ()
    points: set[int] = set()
    start = 0
    for part in word.split("-"):  # pyphen hyphenates the parts of a hyphenated compound
        points.update(start + p for p in _hyphenator(language).positions(part))
        start += len(part) + 1
        if start < len(word):
            points.add(start)
    return tuple(sorted(p for p in points if MIN_PIECE <= p <= len(word) - MIN_PIECE))


def syllables(word: str, language: str) -> list[str]:
    """The word cut at its hyphenation points."""
    cuts = [0, *hyphenation_points(word, language), len(word)]
    return [word[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
