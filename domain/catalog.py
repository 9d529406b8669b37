"""The ad formats and languages we render, as the public API lists them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AdFormat:
    code: str
    width: int
    height: int
    name: str


FORMATS: dict[str, AdFormat] = {
    f.code: f
    for f in (
        AdFormat("F1", 1080, 1080, "square feed (1:1)"),
        AdFormat("F2", 1080, 1350, "portrait feed (4:5)"),
        AdFormat("F3", 1080, 1920, "story / reels (9:16)"),
        AdFormat("F4", 1200, 628, "landscape link ad (1.91:1)"),
        AdFormat("F5", 1200, 1200, "display square"),
        AdFormat("F6", 960, 1200, "display vertical (4:5)"),
        AdFormat("F7", 300, 250, "medium rectangle"),
        AdFormat("F8", 336, 280, "large rectangle"),
        AdFormat("F9", 728, 90, "leaderboard"),
        AdFormat("F10", 160, 600, "wide skyscraper"),
        AdFormat("F11", 320, 50, "mobile banner"),
        AdFormat("F12", 300, 600, "half page"),
    )
}

DEFAULT_ROTATION: tuple[str, ...] = (
    "F1", "F4", "F10", "F2", "F3", "F5", "F6", "F7", "F8", "F9", "F11", "F12",
)  # fmt: skip


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str  # latin, cyrillic, greek, arabic, hebrew, devanagari, thai, cjk
    rtl: bool
    default_cta: str


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("EN", "English", "latin", False, "Shop now"),
        Language("DE", "German", "latin", False, "Jetzt kaufen"),
        Language("FR", "French", "latin", False, "Acheter"),
        Language("ES", "Spanish", "latin", False, "Comprar ahora"),
        Language("IT", "Italian", "latin", False, "Acquista ora"),
        Language("PT", "Portuguese", "latin", False, "Comprar agora"),
        Language("NL", "Dutch", "latin", False, "Nu kopen"),
        Language("PL", "Polish", "latin", False, "Kup teraz"),
        Language("SV", "Swedish", "latin", False, "Köp nu"),
        Language("DA", "Danish", "latin", False, "Køb nu"),
        Language("NO", "Norwegian", "latin", False, "Kjøp nå"),
        Language("FI", "Finnish", "latin", False, "Osta nyt"),
        Language("CS", "Czech", "latin", False, "Koupit nyní"),
        Language("TR", "Turkish", "latin", False, "Hemen al"),
        Language("RO", "Romanian", "latin", False, "Cumpără acum"),
        Language("HU", "Hungarian", "latin", False, "Vásárolj most"),
        Language("RU", "Russian", "cyrillic", False, "Купить"),
        Language("UK", "Ukrainian", "cyrillic", False, "Купити"),
        Language("BG", "Bulgarian", "cyrillic", False, "Купи сега"),
        Language("EL", "Greek", "greek", False, "Αγόρασε τώρα"),
        Language("AR", "Arabic", "arabic", True, "تسوق الآن"),
        Language("HE", "Hebrew", "hebrew", True, "קנו עכשיו"),
        Language("HI", "Hindi", "devanagari", False, "अभी खरीदें"),
        Language("TH", "Thai", "thai", False, "ซื้อเลย"),
        Language("JA", "Japanese", "cjk", False, "今すぐ購入"),
        Language("ZH", "Chinese", "cjk", False, "立即购买"),
        Language("KO", "Korean", "cjk", False, "지금 구매"),
    )
}


def formats_for(count: int, requested: list[str] | None) -> list[str]:
    """Image i gets formats[i % len]; without a request, the default rotation."""
    rotation = requested or list(DEFAULT_ROTATION)
    return [rotation[i % len(rotation)] for i in range(count)]
