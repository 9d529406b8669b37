"""Claims in every language: short, the 200-character maximum, and mixed with another script."""

from __future__ import annotations

from domain.catalog import LANGUAGES

SHORT = {
    "EN": "Best protein supplements",
    "DE": "Die besten Proteinergänzungsmittel",
    "FR": "Les meilleurs compléments protéinés",
    "ES": "Los mejores suplementos de proteína",
    "IT": "I migliori integratori proteici",
    "PT": "Os melhores suplementos de proteína",
    "NL": "De beste eiwitsupplementen",
    "PL": "Najlepsze suplementy białkowe",
    "SV": "Bästa proteintillskotten",
    "DA": "De bedste proteintilskud",
    "NO": "De beste proteintilskuddene",
    "FI": "Parhaat proteiinilisät",
    "CS": "Nejlepší proteinové doplňky",
    "TR": "En iyi protein takviyeleri",
    "RO": "Cele mai bune suplimente proteice",
    "HU": "A legjobb fehérje-kiegészítők",
    "RU": "Лучшие протеиновые добавки",
    "UK": "Найкращі протеїнові добавки",
    "BG": "Най-добрите протеинови добавки",
    "EL": "Τα καλύτερα συμπληρώματα πρωτεΐνης",
    "AR": "أفضل مكملات البروتين لتمارينك اليومية",
    "HE": "תוספי החלבון הטובים ביותר",
    "HI": "सर्वश्रेष्ठ प्रोटीन सप्लीमेंट",
    "TH": "อาหารเสริมโปรตีนที่ดีที่สุด",
    "JA": "最高のプロテインサプリメント",
    "ZH": "最好的蛋白质补充剂",
    "KO": "최고의 단백질 보충제",
}
BRAND = "Nike Pro 2X"
FOREIGN = "プロテイン"  # a CJK word inside an alphabetic claim needs a fallback font


def long_claim(language: str) -> str:
    """The short claim repeated to exactly the 200-character maximum."""
    text = SHORT[language]
    while len(text) < 200:
        text += ("、" if LANGUAGES[language].script == "cjk" else " ") + SHORT[language]
    return text[:200].rstrip()


def mixed_claim(language: str) -> str:
    """A brand name or a foreign word in the middle of the claim."""
    words = SHORT[language].split(" ")
    insert = FOREIGN if LANGUAGES[language].script in ("latin", "cyrillic", "greek") else BRAND
    return " ".join([*words[:1], insert, *words[1:]])


def all_claims(language: str) -> dict[str, str]:
    """The three kinds of claim every format and language must handle."""
    return {
        "short": SHORT[language],
        "long": long_claim(language),
        "mixed": mixed_claim(language),
    }
