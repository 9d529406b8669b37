"""The jobs surface on the real stack: list, long-poll, cancel, archive, and what they refuse."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from datetime import timedelta
from typing import Any

import httpx
from temporalio.client import Client

from api.job_list import JobLister
from tests.e2e.checks import assert_books_balance
from tests.support.stack import TERMINAL_STATUSES, Stack, bearer

CLAIM = "Best protein supplements"


async def submit(http: httpx.AsyncClient, key: str, **body: Any) -> str:
    response = await http.post(
        "/api/v1/generate", json={"claim": CLAIM, **body}, headers=bearer(key)
    )
    assert response.status_code == 202, response.text
    return str(response.json()["jobId"])


async def long_poll(http: httpx.AsyncClient, key: str, job_id: str) -> dict[str, Any]:
    """What a client does instead of sleeping: wait on the job until it is terminal."""
    for _ in range(10):
        response = await http.get(
            f"/api/v1/jobs/{job_id}", params={"wait": 30}, headers=bearer(key), timeout=40
        )
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in TERMINAL_STATUSES:
            return job
    raise AssertionError(f"job {job_id} not terminal after 10 long polls: {job}")


async def list_until(
    http: httpx.AsyncClient, key: str, params: dict[str, Any], expected_ids: list[str]
) -> dict[str, Any]:
    """The list once visibility has caught up with the jobs' last state (it lags a moment)."""
    page: dict[str, Any] = {}
    for _ in range(50):
        response = await http.get("/api/v1/jobs", params=params, headers=bearer(key))
        assert response.status_code == 200, response.text
        page = response.json()
        if [job["jobId"] for job in page["data"]] == expected_ids:
            return page
        await asyncio.sleep(0.2)
    raise AssertionError(f"list {params} never showed {expected_ids}: {page}")


async def test_list_pages_newest_first_and_shows_only_the_callers_jobs(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=10)
    _, other_key = stack.create_account(credits=10)
    job_ids = [await submit(http, key, language="DE", count=1)]
    job_ids += [await submit(http, key, count=count) for count in (2, 3)]
    other_job = await submit(http, other_key)
    for job_id in job_ids:
        await long_poll(http, key, job_id)
    newest_first = list(reversed(job_ids))

    first = await list_until(http, key, {"limit": 2}, newest_first[:2])

    assert first["nextCursor"]
    second = await list_until(http, key, {"limit": 2, "cursor": first["nextCursor"]}, job_ids[:1])
    assert second["nextCursor"] is None
    oldest = second["data"][0]
    assert oldest["status"] == "completed"
    assert (oldest["requested"], oldest["produced"]) == (1, 1)
    assert (oldest["claim"], oldest["language"]) == (CLAIM, "DE")
    assert oldest["metadata"] == {}
    assert [job["requested"] for job in first["data"]] == [3, 2]
    assert [job["produced"] for job in first["data"]] == [3, 2]
    created = [job["createdAt"] for job in first["data"] + second["data"]]
    assert created == sorted(created, reverse=True)
    whole = await list_until(http, key, {}, newest_first)
    assert other_job not in {job["jobId"] for job in whole["data"]}
    await list_until(http, key, {"status": "completed"}, newest_first)
    await list_until(http, key, {"status": "failed"}, [])
    await assert_books_balance(stack, http, account_id, bearer(key), job_ids)

    # The cursor is the first page's, for another account: refused, not a peek.
    foreign = await http.get(
        "/api/v1/jobs", params={"cursor": first["nextCursor"]}, headers=bearer(other_key)
    )
    forged_cursor = first["nextCursor"][:-2] + ("AA" if first["nextCursor"][-2:] != "AA" else "BB")
    forged = await http.get("/api/v1/jobs", params={"cursor": forged_cursor}, headers=bearer(key))
    other_filter = await http.get(
        "/api/v1/jobs",
        params={"cursor": first["nextCursor"], "status": "failed"},
        headers=bearer(key),
    )
    for refused in (foreign, forged, other_filter):
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["errors"][0]["field"] == "cursor"


async def test_long_poll_waits_for_the_job_and_answers_when_it_ends(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    _, key = stack.create_account(credits=10)
    with stack.worker_stopped():
        job_id = await submit(http, key, count=2)
        started = time.monotonic()
        waited = await http.get(f"/api/v1/jobs/{job_id}", params={"wait": 2}, headers=bearer(key))
        assert time.monotonic() - started >= 1.9, "answered before the job ended or N passed"
        assert waited.status_code == 200, waited.text
        assert waited.json()["status"] == "queued"
        poll = asyncio.create_task(
            http.get(f"/api/v1/jobs/{job_id}", params={"wait": 60}, headers=bearer(key), timeout=90)
        )
        await asyncio.sleep(1)
        assert not poll.done(), "a 60 s long-poll answered while nothing could happen"
    # The worker is back: the same long-poll answers with the finished job, not after 60 s.
    answered = await poll
    assert answered.status_code == 200, answered.text
    job = answered.json()
    assert job["status"] == "completed"
    assert len(job["result"]["images"]) == 2
    assert job["createdAt"] and job["metadata"] == {}
    plain = await http.get(f"/api/v1/jobs/{job_id}", headers=bearer(key))
    assert plain.json() == job  # the same body with or without wait


async def test_cancel_stops_a_job_refunds_it_and_is_idempotent(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=10)
    _, other_key = stack.create_account(credits=10)
    with stack.worker_stopped():
        job_id = await submit(http, key, count=3)
        unknown = "00000000-0000-4000-8000-000000000000"
        foreign = await http.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(other_key))
        missing = await http.post(f"/api/v1/jobs/{unknown}/cancel", headers=bearer(other_key))
        assert foreign.status_code == missing.status_code == 404, foreign.text
        assert foreign.json() == missing.json()
        foreign_wait = await http.get(
            f"/api/v1/jobs/{job_id}", params={"wait": 1}, headers=bearer(other_key)
        )
        assert (foreign_wait.status_code, foreign_wait.json()) == (404, missing.json())
        canceled = await http.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(key))
        assert canceled.status_code == 202, canceled.text
        assert canceled.json()["jobId"] == job_id
        again = await http.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(key))
        assert again.status_code == 202, again.text
    job = await long_poll(http, key, job_id)

    assert job["status"] == "failed"
    assert [failure["code"] for failure in job["result"]["failures"]] == ["canceled"] * 3
    assert job["creditsConsumed"] == 0
    after_end = await http.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(key))
    assert after_end.status_code == 202, "canceling a canceled job again is a no-op"
    credits = await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
    assert credits.available == 10


async def test_cancel_of_a_finished_job_is_409_and_changes_nothing(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=10)
    job_id = await submit(http, key, count=1)
    finished = await long_poll(http, key, job_id)

    refused = await http.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(key))

    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "job_finished"
    assert (await http.get(f"/api/v1/jobs/{job_id}", headers=bearer(key))).json() == finished
    await assert_books_balance(stack, http, account_id, bearer(key), [job_id])


async def test_cancel_mid_job_charges_exactly_the_images_it_lists(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=40)
    job_ids = []
    for delay in (0.3, 1.0):
        job_id = await submit(http, key, count=20, formats=["F3", "F2"])
        await asyncio.sleep(delay)
        response = await http.post(f"/api/v1/jobs/{job_id}/cancel", headers=bearer(key))
        assert response.status_code in (202, 409), response.text
        job_ids.append(job_id)
    for job_id in job_ids:
        job = await long_poll(http, key, job_id)
        captured = {
            r.index: r.storage_key
            for r in stack.ledger.job_reservations(job_id)
            if r.state == "captured"
        }
        listed = [url.split("?")[0].rsplit("/", 1)[1] for url in job["result"]["images"]]
        failed = {failure["index"] for failure in job["result"]["failures"]}
        assert job["creditsConsumed"] == job["result"]["produced"] == len(captured), job
        assert sorted(listed) == sorted(str(key).rsplit("/", 1)[1] for key in captured.values())
        assert not failed & set(captured), f"images listed as failed were charged: {job}"
    await assert_books_balance(stack, http, account_id, bearer(key), job_ids)


async def test_archive_zips_the_produced_images_by_number_and_format(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    _, key = stack.create_account(credits=10)
    _, other_key = stack.create_account(credits=10)
    job_id = await submit(http, key, count=3)
    job = await long_poll(http, key, job_id)

    archive = await http.get(f"/api/v1/jobs/{job_id}/archive", headers=bearer(key))

    assert archive.status_code == 200, archive.text
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        assert zipped.namelist() == ["image_1_F1.png", "image_2_F4.png", "image_3_F10.png"]
        contents = [zipped.read(name) for name in zipped.namelist()]
    async with httpx.AsyncClient() as anonymous:
        downloads = [(await anonymous.get(url)).content for url in job["result"]["images"]]
    assert contents == downloads
    unknown = "00000000-0000-4000-8000-000000000000"
    foreign = await http.get(f"/api/v1/jobs/{job_id}/archive", headers=bearer(other_key))
    missing = await http.get(f"/api/v1/jobs/{unknown}/archive", headers=bearer(key))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    no_key = await http.get(f"/api/v1/jobs/{job_id}/archive")
    assert no_key.status_code == 401


async def test_bad_list_and_wait_parameters_are_400_and_change_nothing(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=5)
    job_id = await submit(http, key, count=1)
    await long_poll(http, key, job_id)
    before = stack.summary(account_id)
    unknown = "00000000-0000-4000-8000-000000000000"

    bad = [
        await http.get(f"/api/v1/jobs/{job_id}", params={"wait": wait}, headers=bearer(key))
        for wait in ("-1", "61", "soon", "1.5")
    ] + [
        await http.get("/api/v1/jobs", params=params, headers=bearer(key))
        for params in ({"limit": "0"}, {"limit": "101"}, {"status": "canceled"}, {"cursor": "x"})
    ]

    for response in bad:
        assert response.status_code == 400, (response.request.url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "invalid_request"
    unknown_cancel = await http.post(f"/api/v1/jobs/{unknown}/cancel", headers=bearer(key))
    assert unknown_cancel.status_code == 404
    assert stack.summary(account_id) == before
    assert (await http.get("/api/v1/jobs", headers=bearer(key))).json()["data"][0][
        "jobId"
    ] == job_id


async def test_big_accounts_are_paged_by_start_time_windows_in_the_same_order(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    _, key = stack.create_account(credits=10)
    job_ids = [await submit(http, key) for _ in range(4)]
    for job_id in job_ids:
        await long_poll(http, key, job_id)
    account_id = stack.accounts.authenticate(key).id
    whole = await list_until(http, key, {}, list(reversed(job_ids)))
    # As if the account had more jobs than are ever listed whole: every page searches
    # growing start-time windows, from one millisecond up.
    lister = JobLister(
        temporal_client, stack.ledger, scan_limit=0, first_window=timedelta(milliseconds=1)
    )

    seen, after = [], None
    for _ in range(len(job_ids) + 1):
        page = await lister.page(account_id, None, 1, after)
        seen += [job.job_id for job in page.jobs]
        after = page.next_position
        if after is None:
            break

    assert seen == [job["jobId"] for job in whole["data"]]
