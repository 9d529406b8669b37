"""Run the admin commands end to end against a real database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli import admin
from infra.db import create_db_engine
from tests.infra.conftest import DATABASES, empty_all_tables, postgres_url  # noqa: F401


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def admin_parser() -> argparse.ArgumentParser:
    """The admin half of cli.main's parser, with the same global --data-dir option."""
    parser = argparse.ArgumentParser(prog="creative-saas")
    parser.add_argument("--data-dir", type=Path, default=None)
    admin.register(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.fixture(params=DATABASES)
def database(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Point the settings at a fresh SQLite data dir, or at the session's PostgreSQL database."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("CREATIVE_SAAS_DATA_DIR", raising=False)
    if request.param == "sqlite":
        yield request.param
        return
    url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("DATABASE_URL", url)
    yield request.param
    engine = create_db_engine(url)
    empty_all_tables(engine)
    engine.dispose()


@pytest.fixture
def run_cli(
    database: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., CliResult]:
    """Run `creative-saas --data-dir <tmp> ARGS...` and capture its exit code and output."""
    data_dir = tmp_path / "data"

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        args = admin_parser().parse_args(["--data-dir", str(data_dir), *argv])
        monkeypatch.setenv("CREATIVE_SAAS_DATA_DIR", str(args.data_dir))
        code = args.handler(args)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
