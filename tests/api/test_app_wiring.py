"""create_app without injections: it builds its own services and starts while Temporal is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from cli.signing_secret import keep_signing_secret
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.storage import LocalImageStore

UNREACHABLE_TEMPORAL = "127.0.0.1:1"


@dataclass
class Running:
    client: httpx.AsyncClient
    headers: dict[str, str]
    settings: Settings
    store: object


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    """The app exactly as the CLI serves it, with Temporal unreachable."""
    settings = Settings(data_dir=tmp_path, temporal_address=UNREACHABLE_TEMPORAL)
    keep_signing_secret(settings)  # the CLI keeps the data dir's signing key before serving
    engine = create_db_engine(settings.resolved_database_url)
    migrate(engine)  # the CLI migrates before serving; the app never does
    accounts = AccountService(engine)
    account = accounts.create_account("Wiring")
    _, key = accounts.create_key(account.id)
    CreditLedger(engine).grant(account.id, 5)
    engine.dispose()
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield Running(client, {"Authorization": f"Bearer {key}"}, settings, app.state.store)


async def test_starts_with_its_own_services_while_temporal_is_down(running: Running):
    formats = await running.client.get("/api/v1/formats")

    assert formats.status_code == 200
    assert isinstance(running.store, LocalImageStore)
    assert running.store.root == running.settings.resolved_storage_dir


async def test_answers_503_while_temporal_is_down(running: Running):
    headers = {**running.headers, "Idempotency-Key": "k1"}

    submitted = await running.client.post("/api/v1/generate", headers=headers, json={"claim": "Hi"})
    polled = await running.client.get(
        "/api/v1/jobs/0b9f1c2e-4a8d-4f3b-9c6e-2d7a1b5e8f90", headers=running.headers
    )

    assert submitted.status_code == 503, submitted.text
    assert submitted.json()["code"] == "service_unavailable"
    assert int(submitted.headers["retry-after"]) >= 1
    assert polled.status_code == 503, polled.text
