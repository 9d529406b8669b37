"""Idempotency-Key on the real stack: a retry returns the original job and never charges twice."""

from __future__ import annotations

import asyncio

import httpx
from temporalio.client import Client

from tests.e2e.checks import account_job_ids, assert_books_balance
from tests.support.stack import Stack, bearer, wait_for_terminal

BODY = {"claim": "Cold brew, no compromise", "language": "EN", "count": 2}
CONCURRENT_RETRIES = 50


def idempotent(key: str, idempotency_key: str) -> dict[str, str]:
    return {**bearer(key), "Idempotency-Key": idempotency_key}


async def test_a_retried_request_returns_the_original_job_while_running_and_after(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=5)
    headers = idempotent(key, "order-1001")

    with stack.worker_stopped():  # the job cannot progress: it is certainly still running
        first = await http.post("/api/v1/generate", json=BODY, headers=headers)
        retried = await http.post("/api/v1/generate", json=BODY, headers=headers)

        assert first.status_code == 202, first.text
        assert "Idempotent-Replayed" not in first.headers
        assert retried.status_code == 202, retried.text
        assert retried.headers["Idempotent-Replayed"] == "true"
        assert retried.json()["jobId"] == first.json()["jobId"]
        assert retried.json()["status"] in ("queued", "processing")

    job_id = first.json()["jobId"]
    finished = await wait_for_terminal(http, job_id, bearer(key))
    after = await http.post("/api/v1/generate", json=BODY, headers=headers)

    assert finished["status"] == "completed", f"{finished}\n{stack.logs()}"
    assert after.status_code == 202, after.text
    assert after.headers["Idempotent-Replayed"] == "true"
    assert after.json()["jobId"] == job_id
    assert after.json()["status"] == "completed"
    assert after.headers["Location"] == f"/api/v1/jobs/{job_id}"
    assert await account_job_ids(temporal_client, account_id) == {job_id}
    credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
    assert (credits.consumed, credits.available) == (2, 3)


async def test_many_simultaneous_retries_start_one_job_and_charge_it_once(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=10)
    headers = idempotent(key, "checkout-button-double-click")

    answers = await asyncio.gather(
        *(
            http.post("/api/v1/generate", json=BODY, headers=headers)
            for _ in range(CONCURRENT_RETRIES)
        )
    )

    assert [answer.status_code for answer in answers] == [202] * CONCURRENT_RETRIES, [
        answer.text for answer in answers if answer.status_code != 202
    ]
    job_ids = {answer.json()["jobId"] for answer in answers}
    assert len(job_ids) == 1
    originals = [answer for answer in answers if "Idempotent-Replayed" not in answer.headers]
    assert len(originals) == 1, "exactly one request started the job; the rest are replays"
    (job_id,) = job_ids
    assert (await wait_for_terminal(http, job_id, bearer(key)))["status"] == "completed"
    assert await account_job_ids(temporal_client, account_id) == {job_id}
    credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
    assert credits.consumed == 2


async def test_the_same_key_with_another_body_is_refused_and_starts_nothing(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=5)
    headers = idempotent(key, "campaign-42")
    first = await http.post("/api/v1/generate", json=BODY, headers=headers)
    assert first.status_code == 202, first.text
    job_id = first.json()["jobId"]
    await wait_for_terminal(http, job_id, bearer(key))

    changed = await http.post(
        "/api/v1/generate", json={**BODY, "claim": "Something else entirely"}, headers=headers
    )

    assert changed.status_code == 422, changed.text
    assert changed.headers["Content-Type"] == "application/problem+json"
    assert changed.json()["code"] == "idempotency_key_reused"
    assert await account_job_ids(temporal_client, account_id) == {job_id}
    credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
    assert (credits.consumed, credits.available) == (2, 3)


async def test_two_accounts_using_the_same_key_get_two_independent_jobs(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    alice_id, alice_key = stack.create_account(credits=2)
    bob_id, bob_key = stack.create_account(credits=2)

    alice = await http.post("/api/v1/generate", json=BODY, headers=idempotent(alice_key, "k-1"))
    bob = await http.post("/api/v1/generate", json=BODY, headers=idempotent(bob_key, "k-1"))

    assert (alice.status_code, bob.status_code) == (202, 202), (alice.text, bob.text)
    assert "Idempotent-Replayed" not in bob.headers
    alice_job, bob_job = alice.json()["jobId"], bob.json()["jobId"]
    assert alice_job != bob_job
    alice_done = await wait_for_terminal(http, alice_job, bearer(alice_key))
    bob_done = await wait_for_terminal(http, bob_job, bearer(bob_key))
    assert (alice_done["status"], bob_done["status"]) == ("completed", "completed")
    peek = await http.get(f"/api/v1/jobs/{bob_job}", headers=bearer(alice_key))
    assert peek.status_code == 404
    for account_id, key, job_id in ((alice_id, alice_key, alice_job), (bob_id, bob_key, bob_job)):
        credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
        assert (credits.consumed, credits.available) == (2, 0)
