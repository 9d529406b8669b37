"""Fault-matrix fixtures: a real migrated database, a real image store and funded accounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy

from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from tests.infra.conftest import engine, postgres_url  # noqa: F401 - races run on both databases

SIGNING_SECRET = b"fault-matrix-secret"


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    """A migrated SQLite database of this test's own."""
    db_engine = create_db_engine(f"sqlite:///{tmp_path / 'db' / 'faults.db'}")
    migrate(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture
def image_store(tmp_path: Path) -> LocalImageStore:
    return LocalImageStore(tmp_path / "images", UrlSigner(SIGNING_SECRET, 3600))


def funder(db_engine: sqlalchemy.Engine) -> Callable[[int], str]:
    """Factory: a new business-plan account (room for many running jobs) with `credits`."""

    def fund(credits: int) -> str:
        account = AccountService(db_engine).create_account("Fault Co", plan="business")
        CreditLedger(db_engine).grant(account.id, credits)
        return account.id

    return fund


@pytest.fixture
def funded_account(sqlite_engine: sqlalchemy.Engine) -> Callable[[int], str]:
    return funder(sqlite_engine)
