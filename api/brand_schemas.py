"""Request and response bodies of assets, brand kits and fonts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from domain.brand import normalize_hex_color
from infra.assets import AssetInfo
from infra.brand_kits import BrandKitInfo, KitChanges
from rendering.font_catalog import find_font, offered_fonts

MAX_KIT_NAME_CHARS = 100
HexColor = Annotated[
    str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$"), Field(examples=["#0A66C2"])
]
AssetId = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class AssetOut(BaseModel):
    id: str = Field(examples=["ast_3f1c9a0b2d4e6f8091a2b3c4"])
    width: int
    height: int
    bytes: int = Field(description="Size of the stored file in bytes")
    mediaType: str = Field(examples=["image/png"])
    sha256: str = Field(description="SHA-256 of the stored bytes (EXIF orientation applied)")
    createdAt: datetime


class AssetList(BaseModel):
    data: list[AssetOut]
    nextCursor: str | None


def asset_out(asset: AssetInfo) -> AssetOut:
    return AssetOut(
        id=asset.id,
        width=asset.width,
        height=asset.height,
        bytes=asset.size_bytes,
        mediaType=asset.media_type,
        sha256=asset.sha256,
        createdAt=asset.created_at,
    )


class KitColors(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    primary: HexColor | None = None
    secondary: HexColor | None = None
    accent: HexColor | None = None
    background: HexColor | None = None
    text: HexColor | None = None


class BrandKitCreate(BaseModel):
    """A new brand kit: `colors.primary` is required; the first kit becomes the default."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    colors: KitColors
    font: str | None = Field(default=None, description="A family of GET /api/v1/fonts")
    logo: AssetId | None = Field(default=None, description="An asset id of your account")
    default: bool | None = None

    @field_validator("font")
    @classmethod
    def _font_is_offered(cls, value: str | None) -> str | None:
        return None if value is None else offered_family(value)

    def to_changes(self) -> KitChanges:
        if self.colors.primary is None:
            raise ValueError("colors.primary: is required")
        return KitChanges(
            name=self.name,
            colors=_colors(self.colors.model_dump(exclude_none=True)),
            font=self.font,
            logo=self.logo,
            default=self.default,
        )


class BrandKitPatch(BaseModel):
    """A partial update: fields left out stay; `null` removes font, logo or an optional colour."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    colors: KitColors | None = None
    font: str | None = None
    logo: AssetId | None = None
    default: bool | None = None

    @field_validator("font")
    @classmethod
    def _font_is_offered(cls, value: str | None) -> str | None:
        return None if value is None else offered_family(value)

    def to_changes(self) -> KitChanges:
        sent = self.model_fields_set
        colors: dict[str, Any] = {}
        if self.colors is not None:
            colors = self.colors.model_dump(include=self.colors.model_fields_set)
            if "primary" in colors and colors["primary"] is None:
                raise ValueError("colors.primary: cannot be removed")
        if "name" in sent and self.name is None:
            raise ValueError("name: cannot be removed")
        if "default" in sent and self.default is None:
            raise ValueError("default: must be true or false")
        return KitChanges(
            name=self.name,
            colors=_colors(colors),
            font=self.font,
            clear_font="font" in sent and self.font is None,
            logo=self.logo,
            clear_logo="logo" in sent and self.logo is None,
            default=self.default,
        )


def offered_family(value: str) -> str:
    font = find_font(value)
    if font is None:
        families = ", ".join(f.family for f in offered_fonts())
        raise ValueError(f"must be one of the families of GET /api/v1/fonts: {families}")
    return font.family


def _colors(values: dict[str, Any]) -> dict[str, str | None]:
    return {role: None if v is None else normalize_hex_color(v) for role, v in values.items()}


class BrandKitOut(BaseModel):
    id: str = Field(examples=["bk_5e2d0c9b8a7f6e5d4c3b2a19"])
    name: str
    colors: dict[str, str] = Field(examples=[{"primary": "#0A66C2", "accent": "#F5B700"}])
    font: str | None
    logo: str | None = Field(description="The logo's asset id")
    default: bool
    createdAt: datetime
    updatedAt: datetime


class BrandKitList(BaseModel):
    data: list[BrandKitOut]
    nextCursor: str | None


def brand_kit_out(kit: BrandKitInfo) -> BrandKitOut:
    return BrandKitOut(
        id=kit.id,
        name=kit.name,
        colors=kit.colors,
        font=kit.font,
        logo=kit.logo,
        default=kit.default,
        createdAt=kit.created_at,
        updatedAt=kit.updated_at,
    )


class FontOut(BaseModel):
    family: str = Field(examples=["Inter"])
    scripts: list[str] = Field(examples=[["latin", "cyrillic", "greek"]])


class FontList(BaseModel):
    data: list[FontOut]
