"""One default brand kit per account, held by the database even under concurrent requests."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from infra.accounts import AccountService
from infra.assets import AssetService
from infra.brand_kits import BrandKitService, KitChanges
from infra.brand_models import BrandKit
from infra.signing import UrlSigner
from infra.storage import LocalImageStore


def kits(engine: sqlalchemy.Engine, tmp_path: Path) -> BrandKitService:
    store = LocalImageStore(tmp_path / "images", UrlSigner(b"s", 60))
    return BrandKitService(engine, AssetService(engine, store))


def test_the_database_refuses_a_second_default(engine: sqlalchemy.Engine):
    account = AccountService(engine).create_account("Acme")
    now = datetime.now(UTC)

    def kit(kit_id: str) -> BrandKit:
        return BrandKit(
            id=kit_id,
            account_id=account.id,
            name=kit_id,
            primary_color="#000000",
            is_default=True,
            created_at=now,
            updated_at=now,
        )

    with Session(engine) as session:
        session.add(kit("bk_a"))
        session.commit()
        session.add(kit("bk_b"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_concurrent_requests_for_the_default_leave_exactly_one(
    engine: sqlalchemy.Engine, tmp_path: Path
):
    service = kits(engine, tmp_path)
    account = AccountService(engine).create_account("Acme")

    def create(n: int) -> str:
        changes = KitChanges(name=f"Kit {n}", colors={"primary": "#112233"}, default=True)
        return service.create(account.id, changes).id

    with ThreadPoolExecutor(6) as pool:
        created = list(pool.map(create, range(12)))

    listed = service.list(account.id, limit=100).items
    assert sorted(k.id for k in listed) == sorted(created)
    assert len([k for k in listed if k.default]) == 1
