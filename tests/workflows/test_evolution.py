"""Evolving GenerateCreativesWorkflow safely: bounded image concurrency behind a patch.

`tests/histories/pre_bounded_image_concurrency.json` was recorded (dev server, fake activities,
8 images, image 2 failing permanently) with the workflow as of commit 88ca35d, before the patch.
Jobs in flight when the worker is upgraded replay that unbounded path; new jobs take the bounded
one and say so with a patch marker in their history.
"""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.jobs import (
    CreditRelease,
    ImageProduced,
    ImageSpec,
    ImageTask,
    JobInput,
    JobStatus,
    JobView,
)
from infra.temporal import DATA_CONVERTER
from tests.workflows.fakes import FakeImageActivities
from worker.main import WORKFLOW_RUNNER, build_worker
from workflows.generate_creatives import (
    BOUNDED_IMAGES_PATCH,
    LOCAL_IMAGES_PATCH,
    MAX_IMAGES_IN_FLIGHT,
    SETTLE_FROM_LEDGER_PATCH,
    GenerateCreativesWorkflow,
)

PRE_PATCH_HISTORY = Path(__file__).parents[1] / "histories" / "pre_bounded_image_concurrency.json"
FINISHED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
}


class ConcurrencyCountingActivities:
    """Stand-ins under the real names that record how many images ran at the same moment."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0

    @activity.defn(name="produce_image")
    async def produce_image(self, task: ImageTask) -> ImageProduced:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.05)  # long enough for siblings to start if they were allowed
            return ImageProduced(task.index, task.format, f"{task.job_id}/image_{task.index}.png")
        finally:
            self.in_flight -= 1

    @activity.defn(name="release_credit")
    async def release_credit(self, release: CreditRelease) -> None:
        return None


def most_images_outstanding(history: WorkflowHistory) -> int:
    """The most image activities the workflow ever had scheduled and not yet finished."""
    images: set[int] = set()
    outstanding = most = 0
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if event.activity_task_scheduled_event_attributes.activity_type.name == "produce_image":
                images.add(event.event_id)
                outstanding += 1
                most = max(most, outstanding)
        elif event.event_type in FINISHED:
            attributes = getattr(event, FINISHED[event.event_type])
            if attributes.scheduled_event_id in images:
                outstanding -= 1
    return most


def patch_markers(history: WorkflowHistory) -> list[bytes]:
    """The raw details of every patch marker in the history."""
    return [
        payload.data
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
        and event.marker_recorded_event_attributes.marker_name == "core_patch"
        for payloads in event.marker_recorded_event_attributes.details.values()
        for payload in payloads.payloads
    ]


def replayer() -> Replayer:
    return Replayer(
        workflows=[GenerateCreativesWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        data_converter=DATA_CONVERTER,
    )


def job_of(count: int) -> JobInput:
    return JobInput(
        job_id=str(uuid.uuid4()),
        account_id="acct_evolution",
        claim="Best protein supplements",
        language="EN",
        cta="Shop now",
        images=[ImageSpec(index, "F1") for index in range(1, count + 1)],
    )


async def test_a_job_started_before_the_patch_replays_on_the_new_code():
    history = WorkflowHistory.from_json(
        "pre-bounded-image-concurrency", PRE_PATCH_HISTORY.read_text()
    )
    assert most_images_outstanding(history) == 8, "the old path scheduled every image at once"
    assert patch_markers(history) == []

    result = await replayer().replay_workflow(history)

    assert result.replay_failure is None


async def test_a_new_job_runs_at_most_four_images_at_once_and_records_the_patch(
    time_skipping_env: WorkflowEnvironment,
):
    client = time_skipping_env.client
    fakes = ConcurrencyCountingActivities()
    task_queue = f"evolution-{uuid.uuid4()}"
    # The worker would run all 20 at once: only the workflow's bound can hold them back.
    with ThreadPoolExecutor(20) as executor:
        async with build_worker(
            client, fakes, task_queue=task_queue, executor=executor, max_concurrent_activities=20
        ):
            handle = await client.start_workflow(
                GenerateCreativesWorkflow.run,
                job_of(20),
                id=f"evolution-{uuid.uuid4()}",
                task_queue=task_queue,
            )
            view: JobView = await handle.result()
    history = await handle.fetch_history()

    assert view.status is JobStatus.COMPLETED
    assert [image.index for image in view.produced] == list(range(1, 21))
    # Images run as local activities now: the bound holds in the worker, not in the history.
    assert most_images_outstanding(history) == 0
    assert fakes.most_in_flight == MAX_IMAGES_IN_FLIGHT
    markers = patch_markers(history)
    assert len([m for m in markers if LOCAL_IMAGES_PATCH.encode() in m]) == 1
    # other patches (webhooks) leave markers of their own
    assert len([m for m in markers if BOUNDED_IMAGES_PATCH.encode() in m]) == 1
    assert len([m for m in markers if SETTLE_FROM_LEDGER_PATCH.encode() in m]) == 1
    assert (await replayer().replay_workflow(history)).replay_failure is None


async def test_canceling_a_bounded_job_delivers_the_running_images_and_never_starts_the_waiting(
    dev_server_env: WorkflowEnvironment,
):
    client = dev_server_env.client
    hold = asyncio.Event()
    fakes = FakeImageActivities(hold=hold)
    task_queue = f"evolution-{uuid.uuid4()}"
    with ThreadPoolExecutor(8) as executor:
        async with build_worker(
            client, fakes, task_queue=task_queue, executor=executor, max_concurrent_activities=8
        ):
            handle = await client.start_workflow(
                GenerateCreativesWorkflow.run,
                job_of(6),
                id=f"evolution-{uuid.uuid4()}",
                task_queue=task_queue,
            )
            await fakes.until_started(MAX_IMAGES_IN_FLIGHT)
            await handle.cancel()
            # Running as local activities, they hear of the cancel at the next workflow task.
            await fakes.canceled.wait()
            # The running images finish after the cancel: they were charged, so they count.
            hold.set()
            view: JobView = await handle.result()
    assert view.status is JobStatus.PARTIAL
    assert [image.index for image in view.produced] == [1, 2, 3, 4]
    assert [(failure.index, failure.code) for failure in view.failures] == [
        (5, "canceled"),
        (6, "canceled"),
    ]
    assert sorted(fakes.attempts) == [1, 2, 3, 4], "images waiting for a slot never started"
    assert fakes.released == [], "images that never started hold no credit to return"
