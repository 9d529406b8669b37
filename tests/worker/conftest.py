"""Reconciler fixtures: a real migrated SQLite database, a real image store, funded accounts."""

from __future__ import annotations

from tests.faults.conftest import funded_account, image_store, sqlite_engine  # noqa: F401
from tests.infra.conftest import engine, postgres_url  # noqa: F401 - the ledger on both databases
