"""The SDK against the real stack: what a customer's script sees, end to end."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from creative_saas_client import (
    AsyncCreativeSaaS,
    CreativeSaaS,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    InvalidRequestError,
    NotFoundError,
    TooManyActiveJobsError,
    UnauthorizedError,
)
from PIL import Image

from tests.support.stack import Stack


def format_sizes(client: CreativeSaaS) -> dict[str, tuple[int, int]]:
    return {f.code: (f.width, f.height) for f in client.formats.list()}


def test_create_wait_download_saves_every_image_at_its_formats_size(
    client: CreativeSaaS, tmp_path: Path
) -> None:
    job = client.jobs.create("Best protein supplements", count=3, language="DE")
    assert job.status == "queued" and job.requested == 3 and not job.replayed

    job = client.jobs.wait(job, timeout=120)
    paths = client.jobs.download(job, tmp_path / "ads")

    assert job.status == "completed" and job.credits_consumed == 3
    assert [path.name for path in paths] == ["image_1_F1.png", "image_2_F4.png", "image_3_F10.png"]
    sizes = format_sizes(client)
    for path, image in zip(paths, job.images, strict=True):
        with Image.open(path) as picture:
            assert picture.format == "PNG"
            assert picture.size == sizes[image.format], path
    credits = client.account.get().credits
    assert (credits.available, credits.consumed, credits.reserved) == (17, 3, 0)


def test_a_create_repeated_with_its_key_returns_the_same_job_and_charges_once(
    client: CreativeSaaS,
) -> None:
    key = f"order-{uuid.uuid4()}"
    first = client.jobs.create("Spring sale", count=2, idempotency_key=key)
    again = client.jobs.create("Spring sale", count=2, idempotency_key=key)

    assert again.id == first.id and again.replayed and not first.replayed
    client.jobs.wait(first, timeout=120)
    assert client.account.get().credits.consumed == 2
    with pytest.raises(IdempotencyKeyReusedError) as reused:
        client.jobs.create("Summer sale", count=2, idempotency_key=key)
    assert reused.value.status == 422


def test_the_apis_refusals_arrive_as_their_exceptions(stack: Stack, client: CreativeSaaS) -> None:
    with pytest.raises(InvalidRequestError) as invalid:
        client.jobs.create("Claim", count=21)
    assert invalid.value.status == 400 and [e.field for e in invalid.value.errors] == ["count"]

    with pytest.raises(NotFoundError):
        client.jobs.get(str(uuid.uuid4()))

    _, poor_key = stack.create_account(credits=1)
    with (
        CreativeSaaS(poor_key, base_url=stack.base_url) as poor,
        pytest.raises(InsufficientCreditsError) as insufficient,
    ):
        poor.jobs.create("Claim", count=2)
    assert insufficient.value.status == 402 and insufficient.value.detail

    with (
        CreativeSaaS("cs_live_" + "x" * 40, base_url=stack.base_url) as stranger,
        pytest.raises(UnauthorizedError),
    ):
        stranger.account.get()


def test_keys_are_created_listed_and_revoked(stack: Stack, client: CreativeSaaS) -> None:
    created = client.keys.create()
    assert created.secret and created.secret.startswith("cs_live_")

    listed = {key.id: key for key in client.keys.list()}
    assert created.id in listed and listed[created.id].secret is None
    with CreativeSaaS(created.secret, base_url=stack.base_url) as second:
        assert second.account.get().id == client.account.get().id
        client.keys.revoke(created.id)
        with pytest.raises(UnauthorizedError):
            second.account.get()
    assert next(k for k in client.keys.list() if k.id == created.id).is_revoked


def test_the_catalogs_need_no_key(stack: Stack) -> None:
    with CreativeSaaS(base_url=stack.base_url) as anonymous:
        assert [f.code for f in anonymous.formats.list()] == [f"F{n}" for n in range(1, 13)]
        languages = {language.code: language for language in anonymous.languages.list()}
    assert len(languages) == 27 and languages["DE"].default_cta == "Jetzt kaufen"
    assert languages["AR"].rtl and not languages["EN"].rtl


async def test_the_async_client_runs_jobs_side_by_side(
    stack: Stack, account: tuple[str, str], tmp_path: Path
) -> None:
    async with AsyncCreativeSaaS(account[1], base_url=stack.base_url) as client:
        created = await asyncio.gather(
            client.jobs.create("Fresh coffee beans", count=2, language="FR"),
            client.jobs.create("Running shoes", count=1, formats=["F7"]),
        )
        finished = await asyncio.gather(*(client.jobs.wait(job, timeout=120) for job in created))
        saved = [await client.jobs.download(job, tmp_path / job.id) for job in finished]
        credits = (await client.account.get()).credits

    assert [job.status for job in finished] == ["completed", "completed"]
    assert [[path.name for path in paths] for paths in saved] == [
        ["image_1_F1.png", "image_2_F4.png"],
        ["image_1_F7.png"],
    ]
    assert all(path.stat().st_size > 0 for paths in saved for path in paths)
    assert credits.consumed == 3


def test_a_create_refused_by_the_plans_limit_waits_retry_after_and_then_starts(
    stack: Stack,
) -> None:
    _, key = stack.create_account(credits=5, plan="free")  # free: 2 jobs at once
    delays: list[float] = []
    stack.stop_worker()  # the first two jobs stay active until the worker is back
    try:
        with CreativeSaaS(key, base_url=stack.base_url, max_retries=0) as impatient:
            blocking = [impatient.jobs.create(f"Blocking {n}") for n in range(2)]
            with pytest.raises(TooManyActiveJobsError) as refused:
                impatient.jobs.create("Third")
        assert refused.value.status == 429 and refused.value.retry_after

        def sleep(seconds: float) -> None:
            # Stands in for the wait the server asked for: meanwhile the blocking jobs end.
            delays.append(seconds)
            if not stack.worker_running:
                stack.start_worker()
                for job in blocking:
                    client.jobs.wait(job, timeout=120)
            else:
                time.sleep(1)  # visibility may still count them a moment longer

        with CreativeSaaS(key, base_url=stack.base_url, max_retries=5, sleep=sleep) as client:
            third = client.jobs.create("Third")
            third = client.jobs.wait(third, timeout=120)
            credits = client.account.get().credits
    finally:
        if not stack.worker_running:
            stack.start_worker()

    assert third.status == "completed"
    assert delays and delays[0] == refused.value.retry_after
    assert (credits.consumed, credits.available) == (3, 2)  # one job started by the retries
