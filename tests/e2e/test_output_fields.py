"""subline, badge, output and metadata on the real stack: JPEG and WebP files, metadata kept."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from temporalio.client import Client

from domain.jobs import job_workflow_id
from tests.e2e.checks import account_job_ids, assert_books_balance
from tests.support.stack import Stack, bearer, wait_for_terminal

METADATA = {"campaign": "spring-sale", "orderId": "4711", "note": "Ünïcode ✓"}


@pytest.mark.parametrize(
    ("output", "extension", "media_type", "pillow_format"),
    [("jpeg", ".jpg", "image/jpeg", "JPEG"), ("webp", ".webp", "image/webp", "WEBP")],
)
async def test_a_job_with_every_new_field_delivers_files_of_its_output(
    stack: Stack,
    http: httpx.AsyncClient,
    temporal_client: Client,
    output: str,
    extension: str,
    media_type: str,
    pillow_format: str,
) -> None:
    account_id, key = stack.create_account(credits=5)
    body = {
        "claim": "Best protein supplements",
        "count": 2,
        "subline": "Free shipping on every order",
        "badge": "-20%",
        "output": output,
        "metadata": METADATA,
    }

    accepted = await http.post("/api/v1/generate", json=body, headers=bearer(key))

    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["metadata"] == METADATA
    job_id = accepted.json()["jobId"]
    job = await wait_for_terminal(http, job_id, bearer(key))
    assert job["status"] == "completed", f"{job}\n{stack.logs()}"
    assert job["result"]["formats"] == ["F1", "F4"]
    pictures = []
    async with httpx.AsyncClient() as anonymous:
        for url in job["result"]["images"]:
            assert urlsplit(url).path.endswith(extension), url
            download = await anonymous.get(url)
            assert download.status_code == 200, download.text
            assert download.headers["Content-Type"] == media_type
            with Image.open(io.BytesIO(download.content)) as picture:
                picture.load()
                pictures.append((picture.format, picture.size))
    assert pictures == [(pillow_format, (1080, 1080)), (pillow_format, (1200, 628))]
    description = await temporal_client.get_workflow_handle(
        job_workflow_id(account_id, job_id)
    ).describe()
    assert (await description.memo())["metadata"] == METADATA
    await assert_books_balance(stack, http, account_id, bearer(key), [job_id])


async def test_replaying_a_job_with_the_same_fields_returns_it_and_spends_nothing_more(
    stack: Stack, http: httpx.AsyncClient
) -> None:
    account_id, key = stack.create_account(credits=3)
    headers = {**bearer(key), "Idempotency-Key": "fields-replay-1"}
    body = {"claim": "Fresh bread", "output": "webp", "metadata": {"batch": "7"}}

    first = await http.post("/api/v1/generate", json=body, headers=headers)
    job = await wait_for_terminal(http, first.json()["jobId"], bearer(key))
    again = await http.post("/api/v1/generate", json=body, headers=headers)
    other_output = await http.post(
        "/api/v1/generate", json={**body, "output": "jpeg"}, headers=headers
    )

    assert job["status"] == "completed", job
    assert again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["jobId"] == first.json()["jobId"]
    assert again.json()["metadata"] == {"batch": "7"}
    assert other_output.status_code == 422
    assert other_output.json()["code"] == "idempotency_key_reused"
    assert stack.summary(account_id).consumed == 1


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("claim-zero-width", {"claim": "\u200b\u200b"}, "claim"),
    ("badge-emoji-only", {"claim": "Hi", "badge": "\U0001f680"}, "badge"),
    ("subline-121", {"claim": "Hi", "subline": "s" * 121}, "subline"),
    ("output-gif", {"claim": "Hi", "output": "gif"}, "output"),
    ("metadata-number", {"claim": "Hi", "metadata": {"orderId": 4711}}, "metadata"),
]


@pytest.mark.parametrize(
    ("body", "field"), [(b, f) for _, b, f in BAD_BODIES], ids=[i for i, *_ in BAD_BODIES]
)
async def test_bad_new_fields_are_refused_before_anything_starts_or_is_charged(
    stack: Stack, http: httpx.AsyncClient, temporal_client: Client, body: dict[str, Any], field: str
) -> None:
    account_id, key = stack.create_account(credits=2)

    refused = await http.post("/api/v1/generate", json=body, headers=bearer(key))

    assert refused.status_code == 400, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "invalid_request"
    assert [error["field"] for error in refused.json()["errors"]] == [field]
    credits = stack.summary(account_id)
    assert (credits.available, credits.held, credits.consumed) == (2, 0, 0)
    assert await account_job_ids(temporal_client, account_id) == set()
