"""Hyphenation points inside long compound words, for when whole words only fit as tiny type.

No dictionary: a break goes before the last consonant between two vowels (Pro-tein-er-gän-
zungs-mit-tel), keeping letter groups that spell one sound together. Good enough for the
compounding languages below, where a narrow format otherwise shrinks a headline to ~11px.
"""

from __future__ import annotations

import unicodedata

HYPHEN = "\u2010"  # a true hyphen, so a drawn break is never mistaken for one in the claim
LANGUAGES = frozenset({"DE", "NL", "SV", "DA", "NO", "FI", "HU"})
VOWELS = frozenset("aeiouyæøœ")
# letter groups that open a syllable together (Ta-sche, Zu-cker, Kraft-sport)
UNSPLIT = ("sch", "ch", "ck", "ph", "th", "qu", "sp", "st", "sz", "cs", "gy", "ny", "zs")
MIN_WORD = 8  # shorter words are never hyphenated
MIN_PIECE = 3  # letters kept on each side of a break


def _is_vowel(char: str) -> bool:
    return unicodedata.normalize("NFD", char.lower())[:1] in VOWELS


def _break_in(cluster: str) -> int:
    """Offset inside a consonant cluster between two vowels where the break goes."""
    lowered = cluster.lower()
    for group in UNSPLIT:
        if lowered.endswith(group):
            return len(cluster) - len(group)
    return len(cluster) - 1


def hyphenation_points(word: str) -> list[int]:
    """Offsets a line may break at inside the word; a hyphen is drawn there unless one is."""
    if len(word) < MIN_WORD or not word.replace("-", "").isalpha():
        return []
    points = [i + 1 for i, char in enumerate(word[:-1]) if char == "-"]
    vowels = [i for i, char in enumerate(word) if char.isalpha() and _is_vowel(char)]
    for before, after in zip(vowels, vowels[1:], strict=False):
        cluster = word[before + 1 : after]
        if cluster and cluster.isalpha():
            points.append(before + 1 + _break_in(cluster))
    return sorted(p for p in set(points) if MIN_PIECE <= p <= len(word) - MIN_PIECE)


def syllables(word: str) -> list[str]:
    """The word cut at its hyphenation points."""
    cuts = [0, *hyphenation_points(word), len(word)]
    return [word[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
