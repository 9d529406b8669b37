"""Reconciler fixtures: a real migrated SQLite database, a real image store, funded accounts."""

from __future__ import annotations

from tests.faults.conftest import funded_account, image_store, sqlite_engine  # noqa: F401
