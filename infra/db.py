"""Database engine for SQLite (embedded) or PostgreSQL, and programmatic Alembic migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Any constant works; it only has to be the same for every process migrating this database.
_MIGRATION_LOCK_ID = 7_321_004_155
_READ_ONLY = "creative_saas_read_only"


def create_db_engine(url: str) -> sqlalchemy.Engine:
    """An engine safe to share between threads; SQLite writers queue instead of failing."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _create_sqlite_engine(parsed)
    return sqlalchemy.create_engine(parsed, pool_pre_ping=True)


def read_only(engine: sqlalchemy.Engine) -> sqlalchemy.Engine:
    """The same engine and pool, for transactions that only read: on SQLite they never queue.

    A read that took the write lock (BEGIN IMMEDIATE) waited behind every writer: under load
    each API request's key check queued behind the workers' ledger writes (bench.load).
    """
    return engine.execution_options(**{_READ_ONLY: True})


def _create_sqlite_engine(url: sqlalchemy.URL) -> sqlalchemy.Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _begin_immediate) instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: sqlalchemy.Connection) -> None:
        # Taking the write lock up front makes concurrent writers wait on busy_timeout;
        # a deferred BEGIN that upgrades to a writer later fails with "database is locked".
        # Readers (see read_only) need no lock in WAL mode: a deferred BEGIN never waits.
        read = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def migrate(engine: sqlalchemy.Engine) -> None:
    """Upgrade the database to the newest schema; safe to run from many processes at once."""
    _run_alembic(engine, lambda config: command.upgrade(config, "head"))


def downgrade(engine: sqlalchemy.Engine, revision: str = "base") -> None:
    """Downgrade the database schema (tests and operators rolling back)."""
    _run_alembic(engine, lambda config: command.downgrade(config, revision))


def _run_alembic(engine: sqlalchemy.Engine, run: Any) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # SQLite serializes through BEGIN IMMEDIATE; PostgreSQL needs an explicit lock.
            connection.execute(
                sqlalchemy.text("SELECT pg_advisory_xact_lock(:lock_id)"),
                {"lock_id": _MIGRATION_LOCK_ID},
            )
        config.attributes["connection"] = connection
        run(config)
