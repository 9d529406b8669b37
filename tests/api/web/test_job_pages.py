"""The jobs list, cancel and zip download on the pages: every job of the account, whoever
started it, through the same orchestrator as the JSON API (a fake one here)."""

from __future__ import annotations

import io
import re
import zipfile

import httpx

from domain.jobs import ImageProduced, JobStatus, JobView
from infra.storage import LocalImageStore
from tests.api.fakes import FakeOrchestrator
from tests.api.web.conftest import csrf_token, post_form, sign_up


async def _api_key(browser: httpx.AsyncClient) -> dict[str, str]:
    created = await post_form(browser, "/app/settings/keys", "/app/settings/keys", {})
    secret = re.search(r'data-testid="new-api-key">(cs_live_[^<]+)<', created.text)
    assert secret
    return {"Authorization": f"Bearer {secret.group(1)}"}


async def _start_from_page(browser: httpx.AsyncClient, claim: str) -> str:
    started = await post_form(
        browser, "/app/generate", "/app/generate", {"claim": claim, "count": "1"}
    )
    assert started.status_code == 303
    return str(started.headers["location"]).rsplit("/", 1)[1]


async def _switch_user(browser: httpx.AsyncClient) -> None:
    await post_form(browser, "/app/dashboard", "/app/logout", {})
    await sign_up(browser)


async def test_a_job_started_with_an_api_key_is_listed_beside_the_web_ones(
    browser: httpx.AsyncClient,
) -> None:
    await sign_up(browser)
    await _start_from_page(browser, "Started on the page")
    key = await _api_key(browser)
    body = {"claim": "Started with a key", "language": "EN", "count": 2}
    api_job = await browser.post("/api/v1/generate", json=body, headers=key)
    assert api_job.status_code == 202, api_job.text
    api_job_id = api_job.json()["jobId"]

    for path in ("/app/jobs", "/app/dashboard"):
        page = await browser.get(path)
        assert page.text.index("Started with a key") < page.text.index("Started on the page")
        assert f'href="/app/jobs/{api_job_id}"' in page.text, path
    job_page = await browser.get(f"/app/jobs/{api_job_id}")
    assert "Started with a key" in job_page.text and "2 images" in job_page.text

    await _switch_user(browser)  # another account sees none of them
    assert "No jobs yet" in (await browser.get("/app/jobs")).text


async def test_the_list_pages_to_older_jobs_without_repeating_one(
    browser: httpx.AsyncClient,
) -> None:
    await sign_up(browser)
    key = await _api_key(browser)
    for number in range(23):
        body = {"claim": f"Job number {number:02d}", "language": "EN", "count": 1}
        assert (await browser.post("/api/v1/generate", json=body, headers=key)).status_code == 202
    first = await browser.get("/app/jobs")
    older = re.search(r'href="(/app/jobs\?cursor=[^"]+)" rel="next"', first.text)
    assert older
    second = await browser.get(older.group(1).replace("&amp;", "&"))
    shown = re.findall(r"Job number (\d\d)", first.text + second.text)
    assert shown == [f"{number:02d}" for number in reversed(range(23))]
    assert 'rel="next"' not in second.text
    edited = await browser.get("/app/jobs?cursor=not-a-cursor")  # back to the newest jobs
    assert edited.status_code == 200 and "Job number 22" in edited.text


async def test_cancel_asks_first_needs_the_csrf_token_and_cancels_the_own_job(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    job_id = await _start_from_page(browser, "Cancel me")
    job_page = await browser.get(f"/app/jobs/{job_id}")
    assert f'href="/app/jobs/{job_id}/cancel"' in job_page.text
    confirm = await browser.get(f"/app/jobs/{job_id}/cancel")
    assert "Cancel job" in confirm.text and "credits come back" in confirm.text

    forged = await browser.post(f"/app/jobs/{job_id}/cancel", data={})
    assert forged.status_code == 403
    assert orchestrator.canceled == []

    canceled = await browser.post(
        f"/app/jobs/{job_id}/cancel", data={"csrf_token": csrf_token(confirm.text)}
    )
    assert canceled.status_code == 303
    assert orchestrator.canceled == [job_id]
    after = await browser.get(canceled.headers["location"])
    assert "Canceled." in after.text


async def test_a_finished_job_has_no_cancel_button_and_says_so_in_words(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    job_id = await _start_from_page(browser, "Already done")
    owner = orchestrator.calls[-1].account_id
    orchestrator.put(owner, JobView(job_id, JobStatus.COMPLETED, 1))
    page = await browser.get(f"/app/jobs/{job_id}")
    assert f"/app/jobs/{job_id}/cancel" not in page.text
    # A form sent from a tab opened while the job still ran.
    refused = await browser.post(
        f"/app/jobs/{job_id}/cancel", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 409
    assert "already finished" in refused.text and "nothing left to cancel" in refused.text
    assert orchestrator.canceled == []


async def test_another_users_job_cannot_be_canceled(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator
) -> None:
    await sign_up(browser)
    job_id = await _start_from_page(browser, "Not yours")
    await _switch_user(browser)
    assert (await browser.get(f"/app/jobs/{job_id}/cancel")).status_code == 404
    page = await browser.get("/app/dashboard")
    refused = await browser.post(
        f"/app/jobs/{job_id}/cancel", data={"csrf_token": csrf_token(page.text)}
    )
    assert refused.status_code == 404 and "Not yours" not in refused.text
    assert orchestrator.canceled == []


async def test_download_all_serves_the_own_jobs_images_as_a_zip(
    browser: httpx.AsyncClient, orchestrator: FakeOrchestrator, store: LocalImageStore
) -> None:
    await sign_up(browser)
    job_id = await _start_from_page(browser, "Zip me")
    owner = orchestrator.calls[-1].account_id
    keys = [f"{owner}/{job_id}/image_{index}.png" for index in (1, 2)]
    for index, key in enumerate(keys, start=1):
        store.put(key, f"png bytes {index}".encode())
    produced = [ImageProduced(1, "F1", keys[0]), ImageProduced(2, "F4", keys[1])]
    orchestrator.put(owner, JobView(job_id, JobStatus.COMPLETED, 2, produced=produced))

    page = await browser.get(f"/app/jobs/{job_id}")
    assert f'href="/app/jobs/{job_id}/archive"' in page.text and "Download all (zip)" in page.text
    download = await browser.get(f"/app/jobs/{job_id}/archive")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert f'filename="job-{job_id}.zip"' in download.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.namelist() == ["image_1_F1.png", "image_2_F4.png"]
        assert archive.read("image_2_F4.png") == b"png bytes 2"

    await _switch_user(browser)
    foreign = await browser.get(f"/app/jobs/{job_id}/archive")
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("text/html")
