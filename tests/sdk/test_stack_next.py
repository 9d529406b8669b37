"""The SDK on the jobs list, long-poll, cancel and the new body fields (api-v1-next.md)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from creative_saas_client import CreativeSaaS, JobFinishedError, NotFoundError
from creative_saas_client.cli import EXIT_JOB_NOT_COMPLETED, EXIT_OK
from PIL import Image

from tests.sdk.test_cli import run_cli
from tests.support.stack import Stack

LONG_CLAIM = "Protein shakes that taste like dessert and keep you full all afternoon long"


def test_jobs_list_newest_first_pages_and_filters(client: CreativeSaaS) -> None:
    created = [client.jobs.create(f"Claim {n}") for n in range(3)]
    for job in created:
        client.jobs.wait(job, timeout=120)
    newest_first = [job.id for job in reversed(created)]

    page = client.jobs.list(limit=2)
    assert [row.id for row in page] == newest_first[:2] and page.next_cursor
    assert [row.id for row in client.jobs.iterate(page_size=2)] == newest_first
    row = page.data[0]
    assert (row.claim, row.language, row.metadata, row.status) == (
        "Claim 2", "EN", {}, "completed"
    )  # fmt: skip
    assert row.created_at is not None
    assert [r.id for r in client.jobs.iterate(status="processing")] == []


def test_a_long_poll_answers_when_the_job_is_done(client: CreativeSaaS) -> None:
    job = client.jobs.create("Best protein supplements", count=3)
    finished = client.jobs.get(job.id, wait=60)  # one request, held until the job ends
    assert finished.status == "completed" and finished.produced == 3
    assert finished.created_at is not None
    client.jobs.wait(job, timeout=60)
    assert client.long_poll, "the server refused ?wait=, so wait() fell back to polling"


def test_cancel_stops_a_job_and_charges_only_what_it_delivered(
    client: CreativeSaaS, tmp_path: Path
) -> None:
    job = client.jobs.create(LONG_CLAIM, count=20, formats=["F3", "F2"])
    client.jobs.cancel(job.id)
    client.jobs.cancel(job.id)  # canceling again is a no-op
    job = client.jobs.wait(job, timeout=120)

    assert job.status in ("partial", "failed")
    assert job.failures and {f.code for f in job.failures} == {"canceled"}
    assert job.credits_consumed == job.produced == len(client.jobs.download(job, tmp_path))
    assert client.account.get().credits.consumed == job.produced


def test_cancel_of_a_finished_or_unknown_job_is_refused(client: CreativeSaaS) -> None:
    job = client.jobs.wait(client.jobs.create("Done already"), timeout=120)
    with pytest.raises(JobFinishedError) as finished:
        client.jobs.cancel(job.id)
    assert finished.value.status == 409
    with pytest.raises(NotFoundError):
        client.jobs.cancel(str(uuid.uuid4()))


def test_output_and_metadata_reach_the_files_and_the_job(
    client: CreativeSaaS, tmp_path: Path
) -> None:
    job = client.jobs.create(
        "Fresh coffee", count=2, output="jpeg", badge="-20%", metadata={"campaign": "spring"}
    )
    job = client.jobs.wait(job, timeout=120)
    paths = client.jobs.download(job, tmp_path)
    # The extension is the one the image URLs end in (.jpg or .jpeg, as the server names them).
    assert [path.stem for path in paths] == ["image_1_F1", "image_2_F4"]
    assert {path.suffix for path in paths} <= {".jpg", ".jpeg"}
    with Image.open(paths[0]) as picture:
        assert picture.format == "JPEG"
    assert job.metadata == {"campaign": "spring"}
    listed = next(row for row in client.jobs.iterate() if row.id == job.id)
    assert listed.metadata == {"campaign": "spring"}


def test_the_cli_lists_and_cancels_jobs(stack: Stack, tmp_path: Path) -> None:
    _, key = stack.create_account(credits=30)
    with stack.worker_stopped():  # the job cannot finish before the command cancels it
        with CreativeSaaS(key, base_url=stack.base_url) as sdk:
            running = sdk.jobs.create(LONG_CLAIM, count=20, formats=["F3", "F2"])
        canceled = run_cli(
            "jobs", "cancel", running.id, "--json", api_key=key, base_url=stack.base_url
        )
    assert canceled.returncode == EXIT_OK, canceled.stderr
    assert json.loads(canceled.stdout)["jobId"] == running.id

    waited = run_cli(
        "jobs", "get", running.id, "--wait", "60", api_key=key, base_url=stack.base_url
    )
    assert waited.returncode == EXIT_JOB_NOT_COMPLETED and "canceled" in waited.stdout

    listed = run_cli("jobs", "list", "--json", api_key=key, base_url=stack.base_url)
    rows = json.loads(listed.stdout)["data"]
    assert listed.returncode == EXIT_OK and [row["jobId"] for row in rows] == [running.id]
    table = run_cli("jobs", "list", api_key=key, base_url=stack.base_url)
    assert running.id in table.stdout
