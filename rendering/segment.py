"""Where a line may break inside text written without spaces: phrases and words from libraries.

Japanese and Chinese: BudouX phrases (its models ship in the wheel, ~1 ms per claim).
Thai: PyThaiNLP's dictionary word breaker `newmm`. Measured on our claims against ICU's
Thai dictionary breaker and BudouX's Thai model: ICU splits loanwords ("โปร|ตีน"), BudouX
splits words ("ที่|สุด", "ล่า|สุด"); newmm keeps both whole at ~0.2 ms per claim.
Kinsoku (no line starting with "、" or ending with "「") is applied on top of the phrases.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

NO_LINE_START = frozenset(
    "、。，．・：；？！ー」』）］｝〉》】〕ゃゅょっぁぃぅぇぉャュョッァィゥェォ々〜…!?,.:;)]}%"
)
NO_LINE_END = frozenset("「『（［｛〈《【〔([{")


@functools.cache
def _segmenter(language: str) -> Callable[[str], list[str]] | None:
    if language in ("JA", "ZH"):
        import budoux

        parser = (
            budoux.load_default_japanese_parser()
            if language == "JA"
            else budoux.load_default_simplified_chinese_parser()
        )
        return parser.parse
    if language == "TH":
        # the bundled dictionary is all we use: no data folder in $HOME (the container's
        # user has none), no downloads
        os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
        from pythainlp.tokenize import word_tokenize

        return functools.partial(word_tokenize, engine="newmm", keep_whitespace=True)
    return None


def segments_language(language: str) -> bool:
    """Whether words of this language are found by a segmenter rather than by spaces."""
    return language in ("JA", "ZH", "TH")


@functools.lru_cache(maxsize=4096)
def segments(word: str, language: str) -> tuple[str, ...]:
    """A space-free word cut where a line may break inside it (the word whole if nowhere)."""
    segment = _segmenter(language)
    if segment is None or not word:
        return (word,) if word else ()
    out: list[str] = []
    for piece in segment(word):
        glue = bool(out) and (piece[0] in NO_LINE_START or out[-1][-1] in NO_LINE_END)
        if glue:
            out[-1] += piece
        elif piece:
            out.append(piece)
    return tuple(out)
