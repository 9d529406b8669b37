"""With no worker running, clients still get fast, honest answers; a new worker runs the job."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.e2e.checks import assert_books_balance
from tests.support.stack import Stack, bearer, wait_for_terminal

# A product guarantee: a poll never hangs on a missing worker (a client's own timeout is shorter).
POLL_ANSWER_LIMIT_SECONDS = 3.0
# Many polls at once: a slow answer is occasional (an SDK retry), so one poll could miss it.
POLLS = 12


async def timed_poll(
    http: httpx.AsyncClient, job_id: str, key: str
) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await http.get(f"/api/v1/jobs/{job_id}", headers=bearer(key))
    return response, time.monotonic() - started


async def test_jobs_are_accepted_and_polls_answer_fast_without_a_worker(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=3)
    with stack.worker_stopped():
        accepted = await http.post(
            "/api/v1/generate", json={"claim": "Open all night", "count": 2}, headers=bearer(key)
        )
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["jobId"]
        polls = await asyncio.gather(*(timed_poll(http, job_id, key) for _ in range(POLLS)))

    for poll, _ in polls:
        assert poll.status_code == 200, poll.text
        assert poll.json()["status"] in ("queued", "processing")
        assert poll.json()["result"]["produced"] == 0
    poll_seconds = [seconds for _, seconds in polls]
    assert max(poll_seconds) < POLL_ANSWER_LIMIT_SECONDS, poll_seconds
    job = await wait_for_terminal(http, job_id, bearer(key))
    assert (job["status"], job["creditsConsumed"]) == ("completed", 2), f"{job}\n{stack.logs()}"
    await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
