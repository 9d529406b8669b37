"""What a poll says while a job waits for the worker: queued until an image really starts."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import sqlalchemy
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from domain.jobs import JobStatus
from infra.ledger import CreditLedger
from infra.storage import LocalImageStore
from rendering import render_png
from tests.faults.harness import job_service
from tests.support.faults import GatedRenderer


async def test_a_job_waiting_behind_another_reads_queued_then_processing_then_completed(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(5)
    gate = threading.Event()
    render = GatedRenderer(render_png, gate)
    activities = ImageActivities(CreditLedger(sqlite_engine), image_store, render)
    # One activity slot: the second job's image cannot start while the first one renders.
    async with job_service(
        dev_server_env.client, sqlite_engine, activities, max_concurrent_activities=1
    ) as jobs:
        first = await jobs.submit(account)
        assert await asyncio.to_thread(render.wait_until_started, 1, 60)
        second = await jobs.submit(account)

        waiting = await jobs.orchestrator.get(account, second)
        running = await jobs.orchestrator.get(account, first)
        gate.set()
        done = await jobs.outcome(account, second)

    assert waiting.status is JobStatus.QUEUED, "no image of it has started"
    assert running.status is JobStatus.PROCESSING
    assert done.status is JobStatus.COMPLETED
