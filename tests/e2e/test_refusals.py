"""What a client sees when the real stack refuses a request: 402, 401, 404 and 400 problems."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from temporalio.client import Client

from tests.e2e.checks import account_job_ids
from tests.support.stack import Stack, bearer, wait_for_terminal

PROBLEM_JSON = "application/problem+json"
BODY = {"claim": "Summer sale on sandals", "language": "EN", "count": 3}
UNKNOWN_JOB_ID = "0b7f3c64-5d1e-4c55-9a1b-3f0d8a2e6c71"


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM_JSON
    problem: dict[str, Any] = response.json()
    assert (problem["status"], problem["code"]) == (status, code)
    return problem


async def test_a_job_beyond_the_balance_is_refused_and_its_key_stays_usable(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=2)
    headers = {**bearer(key), "Idempotency-Key": "too-big-at-first"}

    refused = await http.post("/api/v1/generate", json=BODY, headers=headers)

    assert_problem(refused, 402, "insufficient_credits")
    assert stack.summary(account_id).available == 2
    assert await account_job_ids(temporal_client, account_id) == set()

    stack.ledger.grant(account_id, 1, reason="top-up")
    accepted = await http.post("/api/v1/generate", json=BODY, headers=headers)

    assert accepted.status_code == 202, accepted.text
    assert "Idempotent-Replayed" not in accepted.headers
    job = await wait_for_terminal(http, accepted.json()["jobId"], bearer(key))
    assert (job["status"], job["creditsConsumed"]) == ("completed", 3)
    assert stack.summary(account_id).available == 0


async def test_missing_unknown_malformed_and_revoked_keys_get_the_same_401(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=1)
    (key_info,) = stack.accounts.list_keys(account_id)
    poll = f"/api/v1/jobs/{UNKNOWN_JOB_ID}"
    assert (await http.get(poll, headers=bearer(key))).status_code == 404  # the key works

    assert stack.accounts.revoke_key(key_info.id)
    refusals = {
        "missing": await http.post("/api/v1/generate", json=BODY),
        "unknown": await http.post(
            "/api/v1/generate", json=BODY, headers=bearer("cs_live_" + "A" * 43)
        ),
        "malformed": await http.post("/api/v1/generate", json=BODY, headers=bearer("hunter2")),
        "revoked": await http.post("/api/v1/generate", json=BODY, headers=bearer(key)),
        "revoked, polling": await http.get(poll, headers=bearer(key)),
    }

    bodies = {
        name: assert_problem(answer, 401, "unauthorized") for name, answer in refusals.items()
    }
    assert len({str(body) for body in bodies.values()}) == 1, bodies  # no oracle between cases
    assert all(answer.headers["WWW-Authenticate"] == "Bearer" for answer in refusals.values())


async def test_another_accounts_job_is_indistinguishable_from_an_unknown_one(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    _, owner_key = stack.create_account(credits=1)
    _, stranger_key = stack.create_account(credits=1)
    accepted = await http.post(
        "/api/v1/generate", json={**BODY, "count": 1}, headers=bearer(owner_key)
    )
    job_id = accepted.json()["jobId"]
    await wait_for_terminal(http, job_id, bearer(owner_key))

    someone_elses = await http.get(f"/api/v1/jobs/{job_id}", headers=bearer(stranger_key))
    unknown = await http.get(f"/api/v1/jobs/{UNKNOWN_JOB_ID}", headers=bearer(stranger_key))

    assert assert_problem(someone_elses, 404, "not_found") == assert_problem(
        unknown, 404, "not_found"
    )
    assert someone_elses.headers.keys() - {"date"} == unknown.headers.keys() - {"date"}


@pytest.mark.parametrize(
    ("content", "extra_headers", "field"),
    [
        pytest.param(b'{"claim": "Fresh bread", "count": 3', {}, None, id="truncated-json"),
        pytest.param(b'{"claim": "Fresh bread", "colour": "red"}', {}, "colour", id="unknown"),
        pytest.param(b'{"claim": "Fresh bread", "count": 21}', {}, "count", id="count-21"),
        pytest.param(b'{"claim": "   "}', {}, "claim", id="blank-claim"),
        pytest.param(
            b'{"claim": "Fresh bread"}', {"Idempotency-Key": "k" * 256}, None, id="long-key"
        ),
    ],
)
async def test_bad_requests_get_a_400_problem_and_cost_nothing(
    stack: Stack,
    http: httpx.AsyncClient,
    content: bytes,
    extra_headers: dict[str, str],
    field: str | None,
) -> None:
    account_id, key = stack.create_account(credits=5)
    headers = {**bearer(key), "Content-Type": "application/json", **extra_headers}

    answer = await http.post("/api/v1/generate", content=content, headers=headers)

    problem = assert_problem(answer, 400, "invalid_request")
    if field is not None:
        assert field in [error["field"] for error in problem["errors"]], problem
    assert stack.summary(account_id).available == 5


async def test_the_free_plan_runs_two_jobs_at_once_and_asks_the_third_to_retry(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=5, plan="free")
    one_image = {**BODY, "count": 1}
    third = {**bearer(key), "Idempotency-Key": "third-job"}

    with stack.worker_stopped():  # the first two jobs stay running while we ask for a third
        first_two = [
            await http.post("/api/v1/generate", json=one_image, headers=bearer(key))
            for _ in range(2)
        ]
        # Counted from their 202 (the job registry), no wait for Temporal's visibility.
        refused = await http.post("/api/v1/generate", json=one_image, headers=third)

    assert [answer.status_code for answer in first_two] == [202, 202]
    assert_problem(refused, 429, "too_many_active_jobs")
    assert int(refused.headers["Retry-After"]) >= 1
    for answer in first_two:
        await wait_for_terminal(http, answer.json()["jobId"], bearer(key))
    # Each job ended in the registry at its last step (finish_job): a slot is free again.
    retried = await http.post("/api/v1/generate", json=one_image, headers=third)
    assert retried.status_code == 202, retried.text
    assert "Idempotent-Replayed" not in retried.headers  # the 429 did not consume the key
    await wait_for_terminal(http, retried.json()["jobId"], bearer(key))
    assert stack.summary(account_id).consumed == 3
