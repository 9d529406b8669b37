"""Uploaded assets: validated by Pillow, stored by content address, listed per account.

Bytes live in the image store at `<account>/assets/<sha256>.<ext>`: the same image uploaded
twice is stored once, and deleting an asset record never deletes its bytes, because jobs
submitted earlier pin them by sha256 (retention of asset bytes follows the account's data,
not the record; see README "Assets and brand kits").
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, or_
from sqlmodel import Session, col, select, update

from domain.brand import PinnedAsset
from domain.errors import NotFound
from infra.asset_images import EXTENSIONS, inspect_upload
from infra.brand_models import Asset, BrandKit
from infra.db import read_only
from infra.models import as_utc, utc_now
from infra.pages import Cursor
from infra.storage import ImageStore

ASSET_NOT_FOUND = "no such asset"


@dataclass(frozen=True)
class AssetInfo:
    id: str
    width: int
    height: int
    size_bytes: int
    media_type: str
    sha256: str
    storage_key: str
    created_at: datetime

    def pin(self) -> PinnedAsset:
        """The asset by content, for a job's workflow input."""
        return PinnedAsset(self.sha256, self.storage_key, self.media_type, self.width, self.height)


@dataclass(frozen=True)
class AssetPage:
    items: list[AssetInfo]
    next_cursor: str | None


class AssetService:
    """Assets of accounts; another account's asset is NotFound, exactly like an unknown id."""

    def __init__(
        self, engine: Engine, store: ImageStore, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._engine = engine
        self._reader = read_only(engine)
        self._store = store
        self._clock = lambda: as_utc(clock())

    def create(self, account_id: str, upload: bytes) -> AssetInfo:
        """Validate, store the bytes under their sha256, then record the asset."""
        image = inspect_upload(upload)
        sha256 = hashlib.sha256(image.data).hexdigest()
        key = f"{account_id}/assets/{sha256}.{EXTENSIONS[image.media_type]}"
        if not self._store.exists(key):
            self._store.put(key, image.data, image.media_type)
        asset = Asset(
            id=f"ast_{secrets.token_hex(12)}",
            account_id=account_id,
            sha256=sha256,
            storage_key=key,
            media_type=image.media_type,
            width=image.width,
            height=image.height,
            size_bytes=len(image.data),
            created_at=self._clock(),
        )
        with Session(self._engine, expire_on_commit=False) as session:
            session.add(asset)
            session.commit()
        return _info(asset)

    def get(self, account_id: str, asset_id: str) -> AssetInfo:
        """The caller's asset; NotFound for unknown, deleted and other accounts' ids."""
        with Session(self._reader, expire_on_commit=False) as session:
            asset = session.get(Asset, asset_id)
        if asset is None or asset.account_id != account_id:
            raise NotFound(ASSET_NOT_FOUND)
        return _info(asset)

    def list(self, account_id: str, limit: int, cursor: str | None = None) -> AssetPage:
        """The caller's assets, newest first, `limit` per page."""
        query = select(Asset).where(Asset.account_id == account_id)
        if cursor is not None:
            after = Cursor.decode(cursor)
            query = query.where(
                or_(
                    col(Asset.created_at) < after.created_at,
                    (col(Asset.created_at) == after.created_at) & (col(Asset.id) < after.id),
                )
            )
        query = query.order_by(col(Asset.created_at).desc(), col(Asset.id).desc()).limit(limit + 1)
        with Session(self._reader, expire_on_commit=False) as session:
            rows = list(session.exec(query))
        page = rows[:limit]
        more = len(rows) > limit
        next_cursor = Cursor(page[-1].created_at, page[-1].id).encode() if more else None
        return AssetPage([_info(asset) for asset in page], next_cursor)

    def delete(self, account_id: str, asset_id: str) -> None:
        """Forget the asset and take it out of the caller's kits; its bytes stay (jobs pin them)."""
        with Session(self._engine) as session:
            asset = session.get(Asset, asset_id)
            if asset is None or asset.account_id != account_id:
                raise NotFound(ASSET_NOT_FOUND)
            session.execute(
                update(BrandKit)
                .where(col(BrandKit.account_id) == account_id)
                .where(col(BrandKit.logo_asset_id) == asset_id)
                .values(logo_asset_id=None, updated_at=self._clock())
            )
            session.delete(asset)
            session.commit()

    def read(self, asset: PinnedAsset) -> bytes:
        """The pinned bytes (for the renderer)."""
        return self._store.get(asset.storage_key)


def _info(asset: Asset) -> AssetInfo:
    return AssetInfo(
        id=asset.id,
        width=asset.width,
        height=asset.height,
        size_bytes=asset.size_bytes,
        media_type=asset.media_type,
        sha256=asset.sha256,
        storage_key=asset.storage_key,
        created_at=as_utc(asset.created_at),
    )
