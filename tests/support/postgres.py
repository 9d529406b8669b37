"""Throwaway PostgreSQL databases for tests: one fresh database per session, dropped afterwards.

Reuse from any conftest:

    from tests.support.postgres import require_postgres, temporary_database

    @pytest.fixture(scope="session")
    def postgres_url() -> Iterator[str]:
        require_postgres()
        with temporary_database() as url:
            yield url
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "CREATIVE_SAAS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def server_reachable(admin_url: str = ADMIN_URL) -> bool:
    """True when the PostgreSQL server answers on admin_url."""
    try:
        with psycopg.connect(admin_url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


def require_postgres(admin_url: str = ADMIN_URL) -> None:
    """Skip the test when no server is reachable; fail instead when CI=true."""
    if server_reachable(admin_url):
        return
    message = f"PostgreSQL is not reachable at {admin_url}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def temporary_database(admin_url: str = ADMIN_URL, prefix: str = "cs_test") -> Iterator[str]:
    """Create an empty database, yield its URL (postgresql://...), drop it on exit."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
