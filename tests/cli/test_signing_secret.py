"""The commands that run the product keep one URL signing key in the data dir."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cli.signing_secret import keep_signing_secret
from infra.settings import Settings


def test_a_key_is_created_once_private_and_kept_across_starts(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")

    keep_signing_secret(settings)
    first = Settings(data_dir=tmp_path / "data").signing_secret
    keep_signing_secret(Settings(data_dir=tmp_path / "data"))  # the next start

    assert len(first) >= 32
    assert Settings(data_dir=tmp_path / "data").signing_secret == first
    assert stat.S_IMODE(settings.signing_secret_path.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["url-signing-secret"]


def test_processes_starting_together_end_up_with_one_key(tmp_path: Path):
    """An API and a worker started at once must sign and check URLs with the same key."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: keep_signing_secret(Settings(data_dir=tmp_path)), range(16)))

    keys = {Settings(data_dir=tmp_path).signing_secret for _ in range(3)}
    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["url-signing-secret"]


def test_a_secret_from_the_environment_leaves_the_data_dir_alone(tmp_path: Path):
    keep_signing_secret(Settings(data_dir=tmp_path / "data", url_signing_secret="from-env"))

    assert not (tmp_path / "data").exists()
