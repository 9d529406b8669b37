"""upload -> brand kit -> generate on the real stack (API, worker, Temporal dev server).

The photo is deleted right after submission: the job still completes from its pinned copy.
"""

from __future__ import annotations

import hashlib
import io
import json

import httpx
from PIL import Image
from temporalio.client import Client

from domain.jobs import job_workflow_id
from tests.e2e.checks import assert_books_balance
from tests.support import upload_images as images
from tests.support.stack import Stack, bearer, wait_for_terminal


async def test_a_branded_job_pins_its_inputs_and_completes_after_the_asset_is_deleted(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client
) -> None:
    account_id, key = stack.create_account(credits=5)
    logo_bytes, photo_bytes = images.transparent_logo(), images.product_photo()
    logo = await http.post(
        "/api/v1/assets", headers=bearer(key), files={"file": ("logo.png", logo_bytes)}
    )
    photo = await http.post(
        "/api/v1/assets", headers=bearer(key), files={"file": ("shoe.jpg", photo_bytes)}
    )
    assert (logo.status_code, photo.status_code) == (201, 201), (logo.text, photo.text)
    kit = await http.post(
        "/api/v1/brand-kits",
        headers=bearer(key),
        json={
            "name": "Acme",
            "colors": {"primary": "#0A66C2", "accent": "#F5B700"},
            "font": "Inter",
            "logo": logo.json()["id"],
        },
    )
    assert kit.status_code == 201, kit.text

    accepted = await http.post(
        "/api/v1/generate",
        headers=bearer(key),
        json={"claim": "Run further", "count": 2, "productImage": photo.json()["id"]},
    )
    assert accepted.status_code == 202, accepted.text
    deleted = await http.delete(f"/api/v1/assets/{photo.json()['id']}", headers=bearer(key))
    assert deleted.status_code == 204

    job_id = accepted.json()["jobId"]
    job = await wait_for_terminal(http, job_id, bearer(key))
    assert job["status"] == "completed", f"{job}\n{stack.logs()}"
    assert job["creditsConsumed"] == 2
    async with httpx.AsyncClient() as anonymous:  # the images are in the kit's colours
        for url in job["result"]["images"]:
            download = await anonymous.get(url)
            assert download.status_code == 200, download.text
            picture = Image.open(io.BytesIO(download.content)).convert("RGB")
            counts = {color: n for n, color in picture.getcolors(1 << 24) or []}
            share = counts.get((0x0A, 0x66, 0xC2), 0) / (picture.width * picture.height)
            assert share >= 0.1, f"primary #0A66C2 covers {share:.0%} of {url}"
    history = await temporal_client.get_workflow_handle(
        job_workflow_id(account_id, job_id)
    ).fetch_history()
    [payload] = history.events[0].workflow_execution_started_event_attributes.input.payloads
    pinned = json.loads(payload.data)
    assert pinned["brand_kit"]["kit_id"] == kit.json()["id"], "the default kit, unasked"
    assert pinned["brand_kit"]["logo"]["sha256"] == hashlib.sha256(logo_bytes).hexdigest()
    assert pinned["product_image"]["sha256"] == hashlib.sha256(photo_bytes).hexdigest()
    await assert_books_balance(stack, http, account_id, bearer(key), [job_id])
