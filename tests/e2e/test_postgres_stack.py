"""The product on PostgreSQL (the production database), end to end through the real processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.checks import assert_books_balance
from tests.support.postgres import require_postgres, temporary_database
from tests.support.stack import Stack, bearer, wait_for_terminal

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_stack(temporal_address: str, tmp_path: Path) -> Iterator[Stack]:
    """A second stack, its API and worker sharing a fresh PostgreSQL database."""
    require_postgres()
    with (
        temporary_database() as database_url,
        Stack(temporal_address, tmp_path / "stack", database_url=database_url) as stack,
    ):
        yield stack


async def test_a_job_runs_and_is_charged_on_postgresql(postgres_stack: Stack) -> None:
    stack = postgres_stack
    account_id, key = stack.create_account(credits=4)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        accepted = await http.post(
            "/api/v1/generate",
            json={"claim": "Zum Mitnehmen", "language": "DE", "count": 2, "formats": ["F7"]},
            headers=bearer(key),
        )
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["jobId"]
        job = await wait_for_terminal(http, job_id, bearer(key))

        assert job["status"] == "completed", f"{job}\n{stack.logs()}"
        assert job["result"]["formats"] == ["F7", "F7"]
        for url in job["result"]["images"]:
            assert (await http.get(url)).headers["Content-Type"] == "image/png"
        credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
        assert (credits.consumed, credits.available) == (2, 2)
    assert stack.database_url.startswith("postgresql://")
    assert not (stack.data_dir / "creative-saas.db").exists()  # no SQLite fallback was used
