"""GenerateCreativesWorkflow against the time-skipping server, with activities faked by name."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.jobs import ImageSpec, JobInput, JobStatus, JobView
from tests.workflows.fakes import FakeImageActivities
from worker.main import build_worker
from workflows.generate_creatives import GenerateCreativesWorkflow

FORMATS = ["F1", "F4", "F10"]


def job_input(count: int = 3) -> JobInput:
    return JobInput(
        job_id=str(uuid.uuid4()),
        account_id="acct_test",
        claim="Best protein supplements",
        language="EN",
        cta="Shop now",
        images=[ImageSpec(i + 1, FORMATS[i % 3]) for i in range(count)],
    )


async def start(client: Client, job: JobInput, task_queue: str) -> WorkflowHandle:
    return await client.start_workflow(
        GenerateCreativesWorkflow.run, job, id=f"test-{job.job_id}", task_queue=task_queue
    )


@asynccontextmanager
async def fake_worker(client: Client, fakes: FakeImageActivities) -> AsyncIterator[str]:
    """A real worker on a fresh task queue, running the fakes; yields the task queue."""
    task_queue = f"tq-{uuid.uuid4()}"
    with ThreadPoolExecutor(4) as executor:
        worker = build_worker(
            client, fakes, task_queue=task_queue, executor=executor, max_concurrent_activities=4
        )
        async with worker:
            yield task_queue


async def run_job(env: WorkflowEnvironment, fakes: FakeImageActivities, job: JobInput) -> JobView:
    async with fake_worker(env.client, fakes) as task_queue:
        handle = await start(env.client, job, task_queue)
        return await handle.result()


def permanent(code: str = "InvalidCreative") -> ApplicationError:
    return ApplicationError("cannot render this", type=code, non_retryable=True)


async def test_every_image_produced_completes_the_job(time_skipping_env: WorkflowEnvironment):
    fakes = FakeImageActivities()
    view = await run_job(time_skipping_env, fakes, job_input(3))

    assert view.status is JobStatus.COMPLETED
    assert [(i.index, i.format) for i in view.produced] == [(1, "F1"), (2, "F4"), (3, "F10")]
    assert view.failures == []
    assert fakes.released == []


async def test_permanent_failure_of_one_image_is_partial_and_returns_its_credit(
    time_skipping_env: WorkflowEnvironment,
):
    fakes = FakeImageActivities(lambda task, attempt: permanent() if task.index == 2 else None)
    view = await run_job(time_skipping_env, fakes, job_input(3))

    assert view.status is JobStatus.PARTIAL
    assert [i.index for i in view.produced] == [1, 3]
    assert [(f.index, f.format, f.code) for f in view.failures] == [(2, "F4", "invalid_creative")]
    assert fakes.attempts[2] == 1, "a permanent error is not retried"
    assert fakes.released == [2]


async def test_no_image_produced_fails_the_job_and_returns_every_credit(
    time_skipping_env: WorkflowEnvironment,
):
    fakes = FakeImageActivities(lambda task, attempt: permanent("InsufficientCredits"))
    view = await run_job(time_skipping_env, fakes, job_input(3))

    assert view.status is JobStatus.FAILED
    assert view.produced == []
    assert {f.code for f in view.failures} == {"insufficient_credits"}
    assert sorted(fakes.released) == [1, 2, 3]


async def test_transient_failures_are_retried_until_the_image_is_produced(
    time_skipping_env: WorkflowEnvironment,
):
    def flaky(task, attempt):
        return RuntimeError("storage hiccup") if attempt < 3 else None

    fakes = FakeImageActivities(flaky)
    view = await run_job(time_skipping_env, fakes, job_input(2))

    assert view.status is JobStatus.COMPLETED
    assert fakes.attempts == {1: 3, 2: 3}
    assert fakes.released == []


async def test_an_image_failing_on_every_attempt_stops_after_bounded_retries(
    time_skipping_env: WorkflowEnvironment,
):
    fakes = FakeImageActivities(lambda task, attempt: RuntimeError("disk full"))
    view = await run_job(time_skipping_env, fakes, job_input(1))

    assert view.status is JobStatus.FAILED
    assert fakes.attempts[1] == 5
    assert [(f.code, f.message) for f in view.failures] == [
        ("image_failed", "the image could not be produced after every retry")
    ]
    assert "disk full" not in view.failures[0].message, "internal errors stay internal"
    assert fakes.released == [1]


async def test_status_query_shows_progress_while_images_run(time_skipping_env: WorkflowEnvironment):
    hold = asyncio.Event()
    fakes = FakeImageActivities(hold=hold)
    async with fake_worker(time_skipping_env.client, fakes) as task_queue:
        handle = await start(time_skipping_env.client, job_input(3), task_queue)
        await fakes.until_started(3)
        running: JobView = await handle.query(GenerateCreativesWorkflow.status)
        hold.set()
        final: JobView = await handle.result()

    assert running.status is JobStatus.PROCESSING
    assert (running.requested, running.done) == (3, 0)
    assert final.status is JobStatus.COMPLETED and final.done == 3


async def test_the_query_and_the_result_answer_get_job_without_a_describe(
    dev_server_env: WorkflowEnvironment,
):
    client = dev_server_env.client
    hold = asyncio.Event()
    fakes = FakeImageActivities(hold=hold)
    job = job_input(1)
    async with fake_worker(client, fakes) as task_queue:
        handle = await client.start_workflow(
            GenerateCreativesWorkflow.run,
            job,
            id=f"test-{job.job_id}",
            task_queue=task_queue,
            memo={"metadata": {"campaign": "spring"}},
        )
        await fakes.until_started(1)
        running: JobView = await handle.query(GenerateCreativesWorkflow.status)
        hold.set()
        final: JobView = await handle.result()
    started_at = (await handle.describe()).start_time

    for view in (running, final):
        assert view.created_at == started_at
        assert view.metadata == {"campaign": "spring"}
        assert (view.claim, view.language) == (job.claim, job.language)


async def test_a_canceled_job_waits_for_its_running_images_and_delivers_them(
    dev_server_env: WorkflowEnvironment,
):
    hold = asyncio.Event()
    fakes = FakeImageActivities(hold=hold)
    async with fake_worker(dev_server_env.client, fakes) as task_queue:
        handle = await start(dev_server_env.client, job_input(2), task_queue)
        await fakes.until_started(2)
        await handle.cancel()
        # Both images are rendering: they finish, are charged, so the job delivers them.
        hold.set()
        view: JobView = await handle.result()

    assert view.status is JobStatus.COMPLETED
    assert [image.index for image in view.produced] == [1, 2]
    assert view.failures == []
    assert fakes.released == []
