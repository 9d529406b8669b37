"""What the activities ask the renderer for."""

from __future__ import annotations

from dataclasses import dataclass

OUTPUTS = ("png", "jpeg", "webp")


@dataclass(frozen=True)
class BrandStyle:
    """A brand kit's content as pinned by the job, with the logo's bytes loaded.

    Colours are "#RRGGBB" (None where the kit sets none); `font` is a family of
    rendering.font_catalog (None: the house fonts). Drawn by rendering.brand and .imagery.
    """

    primary: str
    secondary: str | None = None
    accent: str | None = None
    background: str | None = None
    text: str | None = None
    font: str | None = None
    logo: bytes | None = None  # PNG, JPEG or WebP bytes, EXIF-upright, transparency kept


@dataclass(frozen=True)
class CreativeSpec:
    """One image: the claim and CTA in a language, in one ad format, with a variant seed."""

    claim: str  # 1..200 characters, already trimmed and validated
    language: str  # a code of domain.catalog.LANGUAGES, e.g. "EN", "AR", "JA"
    cta: str  # call-to-action label, 1..30 characters, already localized or defaulted
    format_code: str  # "F1".."F12" of domain.catalog.FORMATS
    variant_seed: str  # e.g. f"{job_id}:{image_index}"; same seed => byte-identical image
    subline: str | None = None  # secondary text under the headline, 1..120 characters
    badge: str | None = None  # a short sticker ("-20%", "New"), 1..24 characters
    output: str = "png"  # one of OUTPUTS: the encoding of the finished image
    brand: BrandStyle | None = None  # the job's brand kit; None: the house style
    product_image: bytes | None = None  # PNG, JPEG or WebP bytes of the product shot
