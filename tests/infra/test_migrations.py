from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from infra.accounts import AccountService
from infra.db import MIGRATIONS_DIR, create_db_engine, downgrade, migrate
from tests.infra.conftest import DATABASES
from tests.support.postgres import require_postgres, temporary_database

TABLES = {"accounts", "api_keys", "credit_grants", "credit_reservations"}


@pytest.fixture(params=DATABASES)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sqlalchemy.Engine]:
    """An engine on a brand-new, unmigrated database of each kind."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'nested' / 'fresh.db'}")
        yield engine
        engine.dispose()
        return
    require_postgres()
    with temporary_database(prefix="cs_migrations") as url:
        engine = create_db_engine(url)
        yield engine
        engine.dispose()


def table_names(engine: sqlalchemy.Engine) -> set[str]:
    return set(sqlalchemy.inspect(engine).get_table_names()) - {"alembic_version"}


def schema_drift(engine: sqlalchemy.Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_upgrade_downgrade_upgrade(empty_engine: sqlalchemy.Engine) -> None:
    migrate(empty_engine)
    migrate(empty_engine)  # idempotent
    assert table_names(empty_engine) >= TABLES
    assert schema_drift(empty_engine) == [], "models and migrations disagree"

    downgrade(empty_engine)
    assert table_names(empty_engine) & TABLES == set()

    migrate(empty_engine)
    account = AccountService(empty_engine).create_account("After the round trip")
    assert AccountService(empty_engine).get_account(account.id) == account


def test_migrate_runs_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    migrate(engine)
    assert table_names(engine) >= TABLES
    engine.dispose()


def test_alembic_cli_config_uses_the_app_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CREATIVE_SAAS_DATA_DIR", str(tmp_path / "data"))
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))

    command.upgrade(config, "head")

    engine = create_db_engine(f"sqlite:///{tmp_path / 'data' / 'creative-saas.db'}")
    assert table_names(engine) >= TABLES
    assert schema_drift(engine) == []
    engine.dispose()
