"""SQLModel tables of the customer's brand: uploaded assets and brand kits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, text
from sqlmodel import Field, SQLModel


class Asset(SQLModel, table=True):
    """An uploaded image; its bytes live in the image store under a content address.

    Deleting the record never deletes the bytes: submitted jobs pin them by sha256.
    """

    __tablename__ = "assets"
    __table_args__ = (Index("ix_assets_account_created", "account_id", "created_at", "id"),)

    id: str = Field(primary_key=True, sa_type=String(40))
    account_id: str = Field(foreign_key="accounts.id", sa_type=String(40))
    sha256: str = Field(sa_type=String(64))
    storage_key: str = Field(sa_type=String(512))
    media_type: str = Field(sa_type=String(32))
    width: int
    height: int
    size_bytes: int
    created_at: datetime = Field(sa_type=DateTime(timezone=True))


class BrandKit(SQLModel, table=True):
    """A brand's colours, font and logo; at most one kit per account is the default."""

    __tablename__ = "brand_kits"
    __table_args__ = (
        Index("ix_brand_kits_account_created", "account_id", "created_at", "id"),
        # One default per account, enforced by the database so racing requests cannot make two.
        Index(
            "uq_brand_kits_one_default",
            "account_id",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: str = Field(primary_key=True, sa_type=String(40))
    account_id: str = Field(foreign_key="accounts.id", sa_type=String(40))
    name: str = Field(sa_type=String(100))
    primary_color: str = Field(sa_type=String(7))
    secondary_color: str | None = Field(default=None, sa_type=String(7))
    accent_color: str | None = Field(default=None, sa_type=String(7))
    background_color: str | None = Field(default=None, sa_type=String(7))
    text_color: str | None = Field(default=None, sa_type=String(7))
    font: str | None = Field(default=None, sa_type=String(100))
    logo_asset_id: str | None = Field(default=None, sa_type=String(40))
    is_default: bool = Field(default=False, sa_type=Boolean)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
