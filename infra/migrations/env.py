"""Alembic environment: runs on the connection handed in by infra.db, or on the app's database."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import infra.brand_models  # noqa: F401
import infra.models  # noqa: F401  (registers the tables on SQLModel.metadata)
import infra.web_models  # noqa: F401
import infra.webhook_models  # noqa: F401

target_metadata = SQLModel.metadata


def run_on(connection: Connection) -> None:
    """Run the pending migrations inside the caller's transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_from_cli() -> None:
    """`alembic -c infra/migrations/alembic.ini ...`: the URL comes from the app settings."""
    from infra.db import create_db_engine
    from infra.settings import load_settings

    config = context.config
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = config.get_main_option("sqlalchemy.url") or load_settings().resolved_database_url
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
connection = context.config.attributes.get("connection")
if connection is None:
    run_from_cli()
else:
    run_on(connection)
