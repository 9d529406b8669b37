"""The API on each real backend pair: SQLite + local files, PostgreSQL + S3 (SeaweedFS).

Import into a test module: `from tests.api.brand_fixtures import *  # noqa: F403`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from api.app import create_app
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.image_stores import build_image_store
from infra.settings import Settings, load_settings
from infra.signing import UrlSigner
from infra.storage import ImageStore, LocalImageStore
from tests.api.fakes import FakeOrchestrator
from tests.infra.conftest import empty_all_tables, postgres_url  # noqa: F401
from tests.support.seaweed import SeaweedS3

BACKENDS = ["sqlite-local", pytest.param("postgres-s3", marks=pytest.mark.postgres)]


@dataclass
class Brand:
    """One app on one backend pair, with two customers and what the app would start."""

    http: httpx.AsyncClient
    engine: sqlalchemy.Engine
    store: ImageStore
    orchestrator: FakeOrchestrator
    alice: dict[str, str]  # Authorization headers
    bob: dict[str, str]
    alice_id: str

    def stored_keys(self, account_id: str) -> list[str]:
        """Every asset blob of the account in the store (local or S3)."""
        if isinstance(self.store, LocalImageStore):
            folder = self.store.root / account_id / "assets"
            return sorted(f"{account_id}/assets/{p.name}" for p in folder.glob("*"))
        listed = self.store._client.list_objects_v2(  # type: ignore[attr-defined]
            Bucket=self.store.bucket,  # type: ignore[attr-defined]
            Prefix=f"{account_id}/assets/",
        )
        return sorted(entry["Key"] for entry in listed.get("Contents", []))


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with SeaweedS3.running(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


def _s3_store(server: SeaweedS3, tmp_path: Path) -> ImageStore:
    bucket = f"assets-{uuid.uuid4().hex[:12]}"
    return build_image_store(load_settings(data_dir=tmp_path, **server.settings(bucket)))


@pytest.fixture(params=BACKENDS)
async def brand(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Brand]:
    if request.param == "sqlite-local":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'db' / 'brand.db'}")
        migrate(engine)
        store: ImageStore = LocalImageStore(tmp_path / "images", UrlSigner(b"secret", 3600))
    else:
        engine = create_db_engine(request.getfixturevalue("postgres_url"))
        store = _s3_store(request.getfixturevalue("s3_server"), tmp_path)
    accounts = AccountService(engine)
    alice = accounts.create_account("Alice")
    bob = accounts.create_account("Bob")
    orchestrator = FakeOrchestrator()
    settings = Settings(data_dir=tmp_path, url_signing_secret="brand-test-secret")
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield Brand(
                    http,
                    engine,
                    store,
                    orchestrator,
                    {"Authorization": f"Bearer {accounts.create_key(alice.id)[1]}"},
                    {"Authorization": f"Bearer {accounts.create_key(bob.id)[1]}"},
                    alice.id,
                )
    finally:
        if request.param != "sqlite-local":
            empty_all_tables(engine)
        engine.dispose()


async def upload(
    brand: Brand, data: bytes, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST /api/v1/assets with one `file` part, as `curl -F file=@logo.png` sends it."""
    return await brand.http.post(
        "/api/v1/assets",
        headers=headers or brand.alice,
        files={"file": ("logo.png", data, "image/png")},
    )
