"""The credit books of an account balance after everything a client can do to it."""

from __future__ import annotations

import asyncio

import httpx
from temporalio.client import Client

from tests.e2e.checks import account_job_ids, assert_books_balance
from tests.support.stack import Stack, bearer, wait_for_terminal

CREDITS = 3
BODY = {"claim": "Last three credits", "language": "DE", "count": CREDITS}


async def test_books_balance_after_jobs_race_for_the_last_credits(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=CREDITS)
    headers = bearer(key)

    with stack.worker_stopped():  # both jobs are admitted before either spends a credit
        racers = await asyncio.gather(
            http.post("/api/v1/generate", json=BODY, headers={**headers, "Idempotency-Key": "a"}),
            http.post("/api/v1/generate", json=BODY, headers={**headers, "Idempotency-Key": "b"}),
        )
        replay = await http.post(
            "/api/v1/generate", json=BODY, headers={**headers, "Idempotency-Key": "a"}
        )
        reused = await http.post(
            "/api/v1/generate",
            json={**BODY, "count": 1},
            headers={**headers, "Idempotency-Key": "a"},
        )
    job_ids = [answer.json()["jobId"] for answer in racers if answer.status_code == 202]
    jobs = [await wait_for_terminal(http, job_id, headers) for job_id in job_ids]
    too_many = await http.post("/api/v1/generate", json=BODY, headers=headers)

    assert racers[0].status_code == 202, racers[0].text
    assert all(answer.status_code in (202, 402) for answer in racers), [r.text for r in racers]
    assert (replay.status_code, reused.status_code, too_many.status_code) == (202, 422, 402)
    assert sum(job["result"]["produced"] for job in jobs) == CREDITS, jobs
    for job in jobs:
        result = job["result"]
        assert result["produced"] + result["failed"] == result["requested"] == CREDITS, job
        assert {failure["code"] for failure in result["failures"]} <= {"insufficient_credits"}
        expected = {0: "failed", CREDITS: "completed"}.get(result["produced"], "partial")
        assert job["status"] == expected, job
    assert await account_job_ids(temporal_client, account_id) == set(job_ids)
    credits = await assert_books_balance(stack, http, account_id, headers, job_ids)
    assert (credits.granted, credits.available, credits.consumed) == (CREDITS, 0, CREDITS)
