from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy

from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from tests.support.postgres import require_postgres, temporary_database


def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'pragmas.db'}")
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 30_000
    assert (tmp_path / "a" / "b" / "pragmas.db").exists()
    engine.dispose()


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u@db:5432/app", "postgres://u@db/app"):
        engine = create_db_engine(url)
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
        assert engine.pool._pre_ping  # type: ignore[attr-defined]


def migrate_concurrently(engine: sqlalchemy.Engine, processes: int = 6) -> None:
    with ThreadPoolExecutor(max_workers=processes) as pool:
        list(pool.map(lambda _: migrate(engine), range(processes)))


def test_concurrent_first_migrations_on_sqlite(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'race.db'}")
    migrate_concurrently(engine)
    assert AccountService(engine).create_account("Acme").id.startswith("acct_")
    engine.dispose()


@pytest.mark.postgres
def test_concurrent_first_migrations_on_postgres() -> None:
    require_postgres()
    with temporary_database(prefix="cs_migrate_race") as url:
        engine = create_db_engine(url)
        migrate_concurrently(engine)
        assert AccountService(engine).create_account("Acme").id.startswith("acct_")
        engine.dispose()
