"""Retries, backoff, idempotency keys and the long-poll fallback, on a scripted HTTP layer."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from creative_saas_client import (
    APIConnectionError,
    AsyncCreativeSaaS,
    CreativeSaaS,
    JobWaitTimeout,
    ServiceUnavailableError,
    TooManyActiveJobsError,
)

from tests.sdk.fake_api import BASE_URL, JOB_ID, ScriptedApi, job_response, problem


def client_on(api: ScriptedApi, max_retries: int = 3) -> CreativeSaaS:
    return CreativeSaaS(
        "cs_live_test",
        base_url=BASE_URL,
        max_retries=max_retries,
        transport=api.transport(),
        sleep=api.sleep,
    )


def test_a_create_retried_after_503_reuses_its_idempotency_key_and_honours_retry_after() -> None:
    api = ScriptedApi(
        [
            problem(503, "service_unavailable", **{"Retry-After": "5"}),
            problem(429, "too_many_active_jobs", **{"Retry-After": "2"}),
            job_response("queued", code=202),
        ]
    )
    job = client_on(api).jobs.create("Best protein supplements", count=2)

    assert job.id == JOB_ID and job.status == "queued"
    keys = {request.headers["Idempotency-Key"] for request in api.requests}
    assert len(api.requests) == 3 and len(keys) == 1, keys
    assert api.sleeps == [5.0, 2.0]


def test_two_creates_send_two_different_idempotency_keys() -> None:
    api = ScriptedApi([job_response("queued", code=202), job_response("queued", code=202)])
    client = client_on(api)
    client.jobs.create("One claim")
    client.jobs.create("One claim")
    first, second = (request.headers["Idempotency-Key"] for request in api.requests)
    assert first != second


def test_an_explicit_idempotency_key_is_sent_as_given() -> None:
    api = ScriptedApi([job_response("queued", code=202)])
    client_on(api).jobs.create("Claim", idempotency_key="order-4711")
    assert api.requests[0].headers["Idempotency-Key"] == "order-4711"


def test_retries_are_bounded_and_the_last_problem_is_raised() -> None:
    api = ScriptedApi([problem(503, "service_unavailable", "Temporal is down")] * 3)
    with pytest.raises(ServiceUnavailableError) as raised:
        client_on(api, max_retries=2).account.get()
    assert len(api.requests) == 3
    assert raised.value.status == 503 and raised.value.detail == "Temporal is down"
    assert len(api.sleeps) == 2 and all(0 < delay <= 8 for delay in api.sleeps)


def test_a_retry_after_beyond_a_minute_is_capped() -> None:
    api = ScriptedApi(
        [problem(429, "too_many_active_jobs", **{"Retry-After": "3600"}), job_response()]
    )
    client_on(api).jobs.get(JOB_ID)
    assert api.sleeps == [60.0]


def test_retry_after_as_an_http_date_is_understood() -> None:
    when = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    api = ScriptedApi(
        [problem(503, "service_unavailable", **{"Retry-After": when}), job_response()]
    )
    client_on(api).jobs.get(JOB_ID)
    assert len(api.sleeps) == 1 and 20 < api.sleeps[0] <= 30


def test_a_429_that_outlasts_the_retries_carries_its_retry_after() -> None:
    api = ScriptedApi([problem(429, "too_many_active_jobs", **{"Retry-After": "7"})])
    with pytest.raises(TooManyActiveJobsError) as raised:
        client_on(api, max_retries=0).jobs.create("Claim")
    assert raised.value.retry_after == 7.0 and raised.value.code == "too_many_active_jobs"


def test_lost_connections_are_retried_for_reads_and_for_creates() -> None:
    api = ScriptedApi(
        [
            httpx.ReadTimeout("slow"),
            job_response(),
            httpx.RemoteProtocolError("dropped"),
            job_response("queued", code=202),
        ]
    )
    client = client_on(api)
    assert client.jobs.get(JOB_ID).status == "completed"
    client.jobs.create("Claim")
    create_keys = {r.headers["Idempotency-Key"] for r in api.requests if r.method == "POST"}
    assert len(api.requests) == 4 and len(create_keys) == 1


def test_a_key_create_whose_answer_was_lost_is_not_repeated() -> None:
    # The server may have made the key; a blind retry would make a second, unseen one.
    api = ScriptedApi([httpx.ReadTimeout("slow")])
    with pytest.raises(APIConnectionError) as raised:
        client_on(api).keys.create()
    assert len(api.requests) == 1
    assert "POST https://api.test/api/v1/keys failed" in str(raised.value)


def test_a_refused_connection_is_retried_even_for_a_key_create() -> None:
    # Refused means the request never left: repeating it cannot make a second key.
    created = httpx.Response(
        201, json={"id": "key_1", "prefix": "cs_live_ab", "createdAt": None, "apiKey": "s"}
    )
    api = ScriptedApi([httpx.ConnectError("refused"), created])
    assert client_on(api).keys.create().secret == "s"
    assert len(api.requests) == 2


def test_image_downloads_never_carry_the_api_key(tmp_path) -> None:
    foreign_host_url = "https://bucket.s3.test/acct/job/image_1.webp?X-Amz-Signature=abc"
    job = job_response(requested=1)
    body = job.json()
    body["result"]["images"] = [foreign_host_url]
    api = ScriptedApi([httpx.Response(200, json=body), httpx.Response(200, content=b"RIFFwebp")])
    client = client_on(api)

    paths = client.jobs.download(client.jobs.get(JOB_ID), tmp_path)

    assert [path.name for path in paths] == ["image_1_F1.webp"]
    assert paths[0].read_bytes() == b"RIFFwebp"
    assert "Authorization" in api.requests[0].headers
    assert "Authorization" not in api.requests[1].headers


def test_wait_falls_back_to_polling_when_the_server_refuses_wait() -> None:
    api = ScriptedApi(
        [
            problem(400, "invalid_request", "unknown query parameter wait"),
            job_response("processing"),
            job_response("processing"),
            job_response("completed"),
        ]
    )
    client = client_on(api)
    seen: list[str] = []

    job = client.jobs.wait(JOB_ID, on_update=lambda current: seen.append(current.status))

    assert job.status == "completed" and seen == ["processing", "processing", "completed"]
    assert "wait" in api.requests[0].url.params
    assert all("wait" not in request.url.params for request in api.requests[1:])
    # Plain polls are spaced out, and further apart each time (no busy loop on the API).
    assert len(api.sleeps) == 2 and 0 < api.sleeps[0] < api.sleeps[1]
    assert client.long_poll is False


def test_wait_spaces_out_polls_on_a_server_that_ignores_wait() -> None:
    # An API that does not know ?wait= answers at once: the client must not spin.
    api = ScriptedApi([job_response("queued"), job_response("processing"), job_response()])
    job = client_on(api).jobs.wait(JOB_ID, poll_wait=30)
    assert job.is_terminal
    assert [request.url.params["wait"] for request in api.requests] == ["30", "30", "30"]
    assert len(api.sleeps) == 2 and all(delay > 0.3 for delay in api.sleeps)


def test_wait_gives_up_after_its_timeout_with_the_last_state() -> None:
    api = ScriptedApi([job_response("processing")])
    with pytest.raises(JobWaitTimeout) as raised:
        client_on(api).jobs.wait(JOB_ID, timeout=0)
    assert raised.value.job.status == "processing" and raised.value.code == "wait_timeout"


def test_a_long_poll_gets_a_read_timeout_longer_than_its_wait() -> None:
    api = ScriptedApi([job_response()])
    client_on(api).jobs.get(JOB_ID, wait=45)
    timeouts = api.requests[0].extensions["timeout"]
    assert api.requests[0].url.params["wait"] == "45" and timeouts["read"] >= 45 + 30


async def test_the_async_client_retries_with_the_same_key_and_honours_retry_after() -> None:
    api = ScriptedApi(
        [
            problem(503, "service_unavailable", **{"Retry-After": "3"}),
            httpx.ConnectError("refused"),
            job_response("queued", code=202),
            job_response("processing"),
            job_response("completed"),
        ]
    )
    async with AsyncCreativeSaaS(
        "cs_live_test", base_url=BASE_URL, transport=api.async_transport(), sleep=api.sleep_async
    ) as client:
        job = await client.jobs.create("Claim", count=2)
        job = await client.jobs.wait(job)
    posts = [r for r in api.requests if r.method == "POST"]
    assert job.status == "completed" and len(posts) == 3
    assert len({r.headers["Idempotency-Key"] for r in posts}) == 1
    assert api.sleeps[0] == 3.0


def page(ids: list[str], cursor: str | None) -> httpx.Response:
    rows = [
        {"jobId": job_id, "status": "completed", "createdAt": "2026-11-30T15:00:00+00:00",
         "requested": 1, "produced": 1, "claim": "c", "language": "EN", "metadata": {}}
        for job_id in ids
    ]  # fmt: skip
    return httpx.Response(200, json={"data": rows, "nextCursor": cursor})


def test_iterate_follows_the_cursor_until_the_last_page() -> None:
    api = ScriptedApi([page(["c", "b"], "cur-1"), page(["a"], None)])
    ids = [row.id for row in client_on(api).jobs.iterate(status="completed", page_size=2)]
    assert ids == ["c", "b", "a"]
    assert [dict(r.url.params) for r in api.requests] == [
        {"status": "completed", "limit": "2"},
        {"status": "completed", "limit": "2", "cursor": "cur-1"},
    ]


async def test_the_async_iterator_pages_the_same_way() -> None:
    api = ScriptedApi([page(["c"], "cur-1"), page(["b", "a"], None)])
    async with AsyncCreativeSaaS(
        "k", base_url=BASE_URL, transport=api.async_transport(), sleep=api.sleep_async
    ) as client:
        ids = [row.id async for row in client.jobs.iterate()]
    assert ids == ["c", "b", "a"] and api.requests[1].url.params["cursor"] == "cur-1"
