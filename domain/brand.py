"""What a job pins of a brand at submission: kit content and asset bytes by sha256.

A job never refers to a brand kit or an asset by its (mutable, deletable) id alone: the API
copies the kit's content and each asset's content address into the workflow input, so a later
edit or delete changes no image of a submitted job and a retried image gets identical inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")
COLOR_ROLES = ("primary", "secondary", "accent", "background", "text")


@dataclass(frozen=True)
class PinnedAsset:
    """An uploaded image by content: its bytes live under `storage_key` and hash to `sha256`."""

    sha256: str
    storage_key: str
    media_type: str  # image/png, image/jpeg or image/webp
    width: int
    height: int


@dataclass(frozen=True)
class BrandKitPin:
    """A brand kit's content as it was when the job was submitted."""

    kit_id: str  # for display and support only; the content below is what renders
    primary: str  # "#RRGGBB", upper-case
    secondary: str | None = None
    accent: str | None = None
    background: str | None = None
    text: str | None = None
    font: str | None = None  # a family of GET /api/v1/fonts
    logo: PinnedAsset | None = None

    @property
    def colors(self) -> dict[str, str]:
        """The colours the kit sets, by role."""
        values = {role: getattr(self, role) for role in COLOR_ROLES}
        return {role: value for role, value in values.items() if value is not None}


@dataclass(frozen=True)
class JobPins:
    """Everything of the brand a job renders with, resolved at submission."""

    brand_kit: BrandKitPin | None = None
    product_image: PinnedAsset | None = None


def normalize_hex_color(value: str) -> str:
    """`#rrggbb` as upper-case `#RRGGBB`; ValueError for anything else."""
    if not HEX_COLOR.fullmatch(value):
        raise ValueError("must be a colour like #1A2B3C")
    return value.upper()
