from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
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
from infra.ledger import CreditLedger, CreditSummary
from tests.infra.conftest import DATABASES
from tests.support.postgres import require_postgres, temporary_database

TABLES = {"accounts", "api_keys", "credit_grants", "credit_reservations", "job_registry"}
NOW = datetime(2026, 11, 30, tzinfo=UTC)


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


def test_upgrade_counts_the_credits_held_before_it(empty_engine: sqlalchemy.Engine) -> None:
    migrate(empty_engine)
    downgrade(empty_engine, "0004_assets_brand_kits")  # a database from before the counter
    with empty_engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                "INSERT INTO accounts (id, name, plan, available_credits, granted_credits,"
                " created_at) VALUES (:id, :id, 'free', :available, 10, :now)"
            ),
            [
                {"id": "acct_busy", "available": 6, "now": NOW},
                {"id": "acct_idle", "available": 10, "now": NOW},
            ],
        )
        connection.execute(
            sqlalchemy.text(
                "INSERT INTO credit_reservations (job_id, image_index, account_id, state,"
                " created_at, updated_at) VALUES (:job, :index, 'acct_busy', :state, :now, :now)"
            ),
            [
                {"job": "job-1", "index": index, "state": state, "now": NOW}
                for index, state in enumerate(["held", "held", "captured", "released", "captured"])
            ],
        )

    migrate(empty_engine)

    ledger = CreditLedger(empty_engine)
    assert ledger.summary("acct_busy") == CreditSummary(granted=10, available=6, held=2, consumed=2)
    assert ledger.summary("acct_busy") == ledger.recount("acct_busy")
    assert ledger.summary("acct_idle") == CreditSummary(
        granted=10, available=10, held=0, consumed=0
    )
