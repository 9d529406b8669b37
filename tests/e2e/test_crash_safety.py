"""A worker SIGKILLed mid-job: a new worker finishes the job, charging each image exactly once."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.e2e.checks import assert_books_balance
from tests.support.stack import TERMINAL_STATUSES, Stack, bearer, wait_for_terminal

IMAGES = 20
# The image cut off mid-render is retried only after its 30 s start-to-close timeout.
RECOVERY_TIMEOUT_SECONDS = 150


@pytest.fixture
def one_at_a_time_stack(temporal_address: str, tmp_path: Path) -> Iterator[Stack]:
    """A stack whose worker renders one image at a time, so a job is surely half done a while."""
    extra_env = {"WORKER_MAX_CONCURRENT_ACTIVITIES": "1"}
    with Stack(temporal_address, tmp_path / "stack", extra_env=extra_env) as stack:
        yield stack


async def poll_until_some_produced(
    http: httpx.AsyncClient, job_id: str, key: str
) -> dict[str, Any]:
    """Poll fast until the job has an image (or, which the test rejects, has already ended)."""
    while True:
        job = (await http.get(f"/api/v1/jobs/{job_id}", headers=bearer(key))).json()
        if job["status"] in TERMINAL_STATUSES or job["result"]["produced"] >= 1:
            return dict(job)
        await asyncio.sleep(0.05)


async def until_an_image_is_in_flight(stack: Stack, job_id: str) -> int:
    """The index of an image whose credit is held: started, not yet stored (mid-render)."""
    while True:
        held = [r.index for r in stack.ledger.job_reservations(job_id) if r.state == "held"]
        if held:
            return held[0]
        await asyncio.sleep(0.02)


async def test_a_job_survives_its_worker_being_killed_mid_way(one_at_a_time_stack: Stack) -> None:
    stack = one_at_a_time_stack
    account_id, key = stack.create_account(credits=IMAGES + 5)
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        accepted = await http.post(
            "/api/v1/generate",
            json={"claim": "Crash-proof coffee", "count": IMAGES},
            headers=bearer(key),
        )
        job_id = accepted.json()["jobId"]
        half_done = await asyncio.wait_for(poll_until_some_produced(http, job_id, key), 60)
        assert half_done["status"] == "processing", half_done
        in_flight = await asyncio.wait_for(until_an_image_is_in_flight(stack, job_id), 60)
        stack.kill_worker()

        assert 1 <= half_done["result"]["produced"] < IMAGES
        stack.start_worker()
        job = await wait_for_terminal(http, job_id, bearer(key), timeout=RECOVERY_TIMEOUT_SECONDS)

        assert job["status"] == "completed", f"{job}\n{stack.logs()}"
        assert job["creditsConsumed"] == job["result"]["produced"] == IMAGES
        images = job["result"]["images"]
        assert len(set(images)) == IMAGES
        for url in images:
            download = await http.get(url)
            assert download.status_code == 200, download.text
            assert Image.open(io.BytesIO(download.content)).format == "PNG"
        (abandoned,) = [r for r in stack.ledger.job_reservations(job_id) if r.index == in_flight]
        assert abandoned.state == "captured"  # the image cut off mid-render was redone, once
        credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
        assert (credits.consumed, credits.available) == (IMAGES, 5)
