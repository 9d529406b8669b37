"""The API against a real migrated SQLite database, a real image store and a fake orchestrator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy

from api.app import create_app
from infra.accounts import AccountInfo, AccountService
from infra.db import create_db_engine, migrate
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from tests.api.fakes import FakeOrchestrator

SECRET = b"test-signing-secret"
TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Caller:
    account: AccountInfo
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlalchemy.Engine]:
    """One migrated SQLite database for the API tests (they only read accounts)."""
    path = tmp_path_factory.mktemp("api-db") / "test.db"
    db_engine = create_db_engine(f"sqlite:///{path}")
    migrate(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    """A migrated SQLite database of this test's own (for tests that run real workflows)."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'own.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def accounts(engine: sqlalchemy.Engine) -> AccountService:
    return AccountService(engine)


def _new_caller(accounts: AccountService, name: str) -> Caller:
    account = accounts.create_account(name)
    _, key = accounts.create_key(account.id)
    return Caller(account, key)


@pytest.fixture(scope="session")
def alice(accounts: AccountService) -> Caller:
    return _new_caller(accounts, "Alice")


@pytest.fixture(scope="session")
def bob(accounts: AccountService) -> Caller:
    return _new_caller(accounts, "Bob")


@pytest.fixture
def orchestrator() -> FakeOrchestrator:
    return FakeOrchestrator()


@pytest.fixture
def store(tmp_path: Path) -> LocalImageStore:
    return LocalImageStore(tmp_path / "images", UrlSigner(SECRET, TTL_SECONDS))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, url_signing_secret=SECRET.decode())


@pytest.fixture
async def client(
    settings: Settings,
    orchestrator: FakeOrchestrator,
    engine: sqlalchemy.Engine,
    store: LocalImageStore,
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the app, with its lifespan running."""
    app = create_app(settings, orchestrator=orchestrator, engine=engine, store=store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
