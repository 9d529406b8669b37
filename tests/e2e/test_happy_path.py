"""A client's first job, end to end: submit, poll, download the images, see the credits spent."""

from __future__ import annotations

import io

import httpx
from PIL import Image

from tests.support.stack import Stack, bearer, wait_for_terminal

EXPECTED_SIZES = [(1080, 1080), (1200, 628), (160, 600)]


async def test_three_images_are_produced_downloadable_and_charged_once(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=10)
    body = {"claim": "Best protein supplements", "language": "EN", "count": 3}

    accepted = await http.post("/api/v1/generate", json=body, headers=bearer(key))

    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["jobId"]
    assert accepted.json()["status"] == "queued"
    assert accepted.headers["Location"] == f"/api/v1/jobs/{job_id}"

    job = await wait_for_terminal(http, job_id, bearer(key))

    assert job["status"] == "completed", f"{job}\n{stack.logs()}"
    assert job["creditsConsumed"] == job["result"]["produced"] == 3
    assert job["result"]["formats"] == ["F1", "F4", "F10"]
    images = job["result"]["images"]
    assert all(url.startswith(f"{stack.base_url}/") for url in images), images
    sizes = []
    async with httpx.AsyncClient() as anonymous:  # image URLs need no API key
        for url in images:
            download = await anonymous.get(url)
            assert download.status_code == 200, download.text
            picture = Image.open(io.BytesIO(download.content))
            assert picture.format == "PNG"
            sizes.append(picture.size)
    assert sizes == EXPECTED_SIZES
    credits = stack.summary(account_id)
    assert (credits.available, credits.consumed, credits.held) == (7, 3, 0)
