"""Migrated engines on real databases: every test using `engine` runs on SQLite and PostgreSQL.

Other test packages can reuse these fixtures by importing them into their own conftest:
    from tests.infra.conftest import engine, postgres_url  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy
from sqlmodel import SQLModel

from infra.accounts import AccountInfo, AccountService
from infra.db import create_db_engine, migrate
from infra.ledger import CreditLedger
from tests.support.postgres import require_postgres, temporary_database

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    require_postgres()
    with temporary_database() as url:
        engine = create_db_engine(url)
        migrate(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    """A migrated engine on a new SQLite file, or on the session's PostgreSQL database (emptied)."""
    if request.param == "sqlite":
        db_engine = create_db_engine(f"sqlite:///{tmp_path / 'db' / 'test.db'}")
        migrate(db_engine)
        yield db_engine
        db_engine.dispose()
        return
    db_engine = create_db_engine(request.getfixturevalue("postgres_url"))
    yield db_engine
    empty_all_tables(db_engine)
    db_engine.dispose()


def empty_all_tables(engine: sqlalchemy.Engine) -> None:
    """Delete every row of every model table, so the next test starts from nothing."""
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def accounts(engine: sqlalchemy.Engine) -> AccountService:
    return AccountService(engine)


@pytest.fixture
def ledger(engine: sqlalchemy.Engine) -> CreditLedger:
    return CreditLedger(engine)


@pytest.fixture
def funded_account(accounts: AccountService, ledger: CreditLedger) -> Callable[..., AccountInfo]:
    """Factory: a new account holding `credits` credits."""

    def create(credits: int = 10, plan: str = "free", name: str = "Acme") -> AccountInfo:
        account = accounts.create_account(name, plan=plan)
        if credits:
            ledger.grant(account.id, credits)
        return account

    return create
