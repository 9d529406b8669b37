"""A cancel at any moment of a 20-image job: what is charged is delivered, nothing else is.

Each job is canceled at a different point (before any image starts, at timed points while images
render, while an image waits inside its capture - before and after the capture commits) on the
real orchestrator, worker, ledger and store, on SQLite and PostgreSQL. Every time, what a poll
shows must agree with the ledger: every captured image is listed in `images` and stored; no image
listed as failed or canceled is charged; creditsConsumed == produced == the ledger's captures.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from api.schemas import job_detail
from domain.jobs import ImageProduced, ImageTask, JobView, job_workflow_id
from infra.ledger import CreditLedger, Reservation, ReservationState
from infra.storage import LocalImageStore
from rendering import render_png
from tests.faults.conftest import funder
from tests.faults.harness import JobService, assert_books_balance, job_service

COUNT = 20
WAIT_SECONDS = 60


class GatedCapture(CreditLedger):
    """The real ledger, except that image `index`'s capture waits for `gate`.

    `committed=False`: it waits before the capture is written (the credit is still held).
    `committed=True`: the capture commits, then the activity waits before it can report it.
    """

    def __init__(self, engine: sqlalchemy.Engine, index: int, *, committed: bool) -> None:
        super().__init__(engine)
        self._index = index
        self._committed = committed
        self.reached = threading.Event()
        self.gate = threading.Event()
        self.cancel_seen = threading.Event()

    def capture(self, *, job_id: str, index: int, storage_key: str) -> Reservation:
        if index != self._index:
            return super().capture(job_id=job_id, index=index, storage_key=storage_key)
        if self._committed:
            captured = super().capture(job_id=job_id, index=index, storage_key=storage_key)
        self.reached.set()
        deadline = time.monotonic() + WAIT_SECONDS
        while not self.gate.wait(0.01) and time.monotonic() < deadline:
            if activity.is_cancelled():  # a local activity hears of the cancel directly
                self.cancel_seen.set()
        if self._committed:
            return captured
        return super().capture(job_id=job_id, index=index, storage_key=storage_key)


def check_invariant(jobs: JobService, store: LocalImageStore, view: JobView) -> None:
    """What the customer is shown and what accounting charged are the same images."""
    detail = job_detail(view, lambda key: f"https://files.example/{key}")
    captured = {
        reservation.index: reservation.storage_key
        for reservation in jobs.ledger.job_reservations(view.job_id)
        if reservation.state is ReservationState.CAPTURED
    }
    produced = {image.index: image.storage_key for image in view.produced}
    failed = {failure.index for failure in view.failures}

    assert view.status.is_terminal, view
    assert detail.creditsConsumed == detail.result.produced == len(captured), (detail, captured)
    assert produced == captured, "every charged image is delivered, and only those"
    assert not failed & set(captured), "an image listed as failed or canceled was charged"
    assert not failed & set(produced), "an image listed both produced and failed"
    assert len(produced) + len(failed) == view.requested, "every image ends one way or the other"
    assert all(store.exists(key) for key in produced.values() if key), "a charged image is missing"


async def cancel_requested_to_images(handle: WorkflowHandle, ledger: GatedCapture) -> None:
    """Wait until the workflow has turned the job's cancel into cancels of its running images:
    a regular activity's shows in the history, a local activity's only in the worker."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not ledger.cancel_seen.is_set():
            history = await handle.fetch_history()
            if any(
                event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED
                for event in history.events
            ):
                return
            await asyncio.sleep(0.05)


async def canceled_job(
    env: WorkflowEnvironment,
    engine: sqlalchemy.Engine,
    ledger: CreditLedger,
    store: LocalImageStore,
    act: Callable[[WorkflowHandle], object],
) -> None:
    account = funder(engine)(COUNT)
    async with job_service(env.client, engine, ImageActivities(ledger, store, render_png)) as jobs:
        job_id = await jobs.submit(account, count=COUNT)
        handle = env.client.get_workflow_handle(job_workflow_id(account, job_id))
        await act(handle)  # type: ignore[misc]
        view = await jobs.outcome(account, job_id)
        check_invariant(jobs, store, view)
    assert_books_balance(ledger.summary(account))


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15, 0.3, 0.6, 1.2])
async def test_a_cancel_at_a_timed_point_charges_exactly_what_it_delivers(
    dev_server_env: WorkflowEnvironment,
    engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    delay: float,
):
    async def cancel_later(handle: WorkflowHandle) -> None:
        await asyncio.sleep(delay)
        await handle.cancel()

    await canceled_job(dev_server_env, engine, CreditLedger(engine), image_store, cancel_later)


@pytest.mark.parametrize("committed", [False, True], ids=["before_commit", "after_commit"])
async def test_a_cancel_during_a_capture_charges_exactly_what_it_delivers(
    dev_server_env: WorkflowEnvironment,
    engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    committed: bool,
):
    ledger = GatedCapture(engine, index=3, committed=committed)

    async def cancel_mid_capture(handle: WorkflowHandle) -> None:
        assert await asyncio.to_thread(ledger.reached.wait, WAIT_SECONDS)
        await handle.cancel()
        await cancel_requested_to_images(handle, ledger)
        ledger.gate.set()

    try:
        await canceled_job(dev_server_env, engine, ledger, image_store, cancel_mid_capture)
    finally:
        ledger.gate.set()


class LostAfterCapture(ImageActivities):
    """Image `index` is stored and captured, then its attempt fails as a lost last attempt does
    (it timed out after the capture, or its worker died before reporting)."""

    def __init__(self, ledger: CreditLedger, store: LocalImageStore, index: int) -> None:
        super().__init__(ledger, store, render_png)
        self._lost = index

    @activity.defn(name="produce_image")
    def produce_image(self, task: ImageTask) -> ImageProduced:
        produced = super().produce_image(task)
        if task.index == self._lost:
            raise ApplicationError("the attempt was lost after it captured", non_retryable=True)
        return produced


async def test_an_image_whose_last_attempt_fails_after_its_capture_is_delivered(
    dev_server_env: WorkflowEnvironment,
    engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
):
    ledger = CreditLedger(engine)
    account = funder(engine)(3)
    images = LostAfterCapture(ledger, image_store, index=2)
    async with job_service(dev_server_env.client, engine, images) as jobs:
        job_id = await jobs.submit(account, count=3)
        view = await jobs.outcome(account, job_id)

        assert [image.index for image in view.produced] == [1, 2, 3], view
        assert view.failures == []
        assert jobs.charged(job_id) == 3
    assert_books_balance(ledger.summary(account))
