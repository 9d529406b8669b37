"""Credits held by jobs whose workflow closed without compensation come back; running ones stay.

Jobs run on the real dev server with a real worker and the real ImageActivities, whose renders
wait on a gate, so an image holds its credit for exactly as long as the test needs.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
import sqlalchemy
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from activities.reconcile import release_credits_of_closed_jobs
from domain.jobs import ImageSpec, JobInput, JobStatus, job_workflow_id
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger, Reservation, ReservationState
from infra.models import utc_now
from infra.storage import LocalImageStore
from rendering import render_png
from tests.faults.conftest import funder
from tests.faults.harness import JobService, job_service
from tests.support.faults import GatedRenderer
from workflows.generate_creatives import GenerateCreativesWorkflow

CREDITS = 3
NOW = timedelta(0)  # every held credit is old enough
RENDER_START_TIMEOUT = 10.0


def images_of(reservations: list[Reservation]) -> list[tuple[str, int]]:
    return sorted((reservation.job_id, reservation.index) for reservation in reservations)


async def reconcile(client: Client, ledger: CreditLedger, older_than: timedelta = NOW):
    return await release_credits_of_closed_jobs(client, ledger, older_than=older_than)


@asynccontextmanager
async def gated_worker(
    client: Client, engine: sqlalchemy.Engine, image_store: LocalImageStore
) -> AsyncIterator[tuple[JobService, GatedRenderer, threading.Event]]:
    """A real worker whose renders wait for the gate, opened at the latest before it stops."""
    gate = threading.Event()
    render = GatedRenderer(render_png, gate)
    activities = ImageActivities(CreditLedger(engine), image_store, render)
    async with job_service(client, engine, activities) as jobs:
        try:
            yield jobs, render, gate
        finally:
            gate.set()  # stopping the worker waits for every render in flight


async def test_a_terminated_jobs_held_credits_come_back_and_a_late_capture_cannot_take_them(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    client, ledger = dev_server_env.client, CreditLedger(sqlite_engine)
    account = funded_account(CREDITS)
    async with gated_worker(client, sqlite_engine, image_store) as (jobs, render, gate):
        job_id = await jobs.submit(account, count=2)
        assert await asyncio.to_thread(render.wait_until_started, 2, RENDER_START_TIMEOUT)
        await client.get_workflow_handle(job_workflow_id(account, job_id)).terminate("operator")
        assert ledger.summary(account).held == 2  # what termination used to leave behind

        released = await reconcile(client, ledger)
        gate.set()  # the two images still rendering for the dead workflow now try to capture

    assert images_of(released) == [(job_id, 1), (job_id, 2)]
    assert all(reservation.account_id == account for reservation in released)
    # The worker has stopped, so both late attempts stored their image and tried to capture.
    assert all(image_store.exists(f"{account}/{job_id}/image_{index}.png") for index in (1, 2))
    summary = ledger.summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS, 0, 0)
    assert await reconcile(client, ledger) == []  # nothing left to return


async def test_a_running_jobs_held_credit_is_left_for_its_image_to_capture(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    client, ledger = dev_server_env.client, CreditLedger(sqlite_engine)
    account = funded_account(CREDITS)
    async with gated_worker(client, sqlite_engine, image_store) as (jobs, render, gate):
        job_id = await jobs.submit(account, count=1)
        assert await asyncio.to_thread(render.wait_until_started, 1, RENDER_START_TIMEOUT)

        assert await reconcile(client, ledger) == []
        assert ledger.summary(account).held == 1

        gate.set()
        view = await jobs.outcome(account, job_id)

    assert view.status is JobStatus.COMPLETED
    assert jobs.charged(job_id) == 1
    summary = ledger.summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS - 1, 0, 1)


async def test_a_workflow_past_retention_gets_its_credits_back_once_they_are_old_enough(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    funded_account: Callable[[int], str],
):
    client, ledger = dev_server_env.client, CreditLedger(sqlite_engine)
    account = funded_account(CREDITS)
    forgotten_job = str(uuid.uuid4())  # Temporal has no workflow for it (any more)
    ledger.reserve(job_id=forgotten_job, account_id=account, index=1)

    assert await reconcile(client, ledger, older_than=timedelta(minutes=10)) == []
    assert ledger.summary(account).held == 1

    released = await reconcile(client, ledger)
    assert images_of(released) == [(forgotten_job, 1)]
    assert released[0].state is ReservationState.RELEASED
    summary = ledger.summary(account)
    assert (summary.available, summary.held) == (CREDITS, 0)


def test_the_ledger_lists_only_credits_still_held_since_before_the_cutoff(
    engine: sqlalchemy.Engine,
):
    ledger = CreditLedger(engine)
    account = funder(engine)(CREDITS)
    old_job, new_job = str(uuid.uuid4()), str(uuid.uuid4())
    for index in (1, 2, 3):
        ledger.reserve(job_id=old_job, account_id=account, index=index)
    ledger.capture(job_id=old_job, index=2, storage_key="stored.png")
    ledger.release(job_id=old_job, index=3)
    cutoff = utc_now()
    ledger.reserve(job_id=new_job, account_id=account, index=1)

    assert images_of(ledger.held_before(cutoff)) == [(old_job, 1)]


async def test_a_wrong_namespace_fails_instead_of_releasing_every_credit(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    funded_account: Callable[[int], str],
):
    ledger = CreditLedger(sqlite_engine)
    account = funded_account(CREDITS)
    ledger.reserve(job_id=str(uuid.uuid4()), account_id=account, index=1)
    config = dev_server_env.client.config()
    config["namespace"] = "no-such-namespace"
    wrong_namespace = Client(**config)

    with pytest.raises(RPCError, match="no-such-namespace"):
        await reconcile(wrong_namespace, ledger)
    assert ledger.summary(account).held == 1


async def start_without_worker(client: Client, account: str) -> str:
    """A job whose workflow runs and stays running: nobody polls its task queue."""
    job_id = str(uuid.uuid4())
    job = JobInput(job_id, account, "Claim", "EN", "Buy", [ImageSpec(index=1, format="F1")])
    await client.start_workflow(
        GenerateCreativesWorkflow.run,
        job,
        id=job_workflow_id(account, job_id),
        task_queue=f"no-worker-{uuid.uuid4()}",
    )
    return job_id


async def test_jobs_whose_workflow_closed_without_their_last_step_stop_counting(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    funded_account: Callable[[int], str],
):
    client, ledger = dev_server_env.client, CreditLedger(sqlite_engine)
    registry = JobRegistry(sqlite_engine)
    account = funded_account(CREDITS)
    terminated = await start_without_worker(client, account)
    running = await start_without_worker(client, account)
    forgotten = str(uuid.uuid4())  # past retention: Temporal no longer knows the workflow
    for job_id in (terminated, running, forgotten):
        registry.started(account, job_id)
    await client.get_workflow_handle(job_workflow_id(account, terminated)).terminate("operator")
    assert registry.active(account) == 3  # a terminated workflow never runs finish_job

    await release_credits_of_closed_jobs(
        client, ledger, older_than=timedelta(minutes=10), registry=registry
    )
    assert registry.active(account) == 3  # too young to be looked at

    assert await reconcile(client, ledger) == []  # no credits held; the registry beside it
    assert registry.active(account) == 1
    assert registry.open_before(utc_now()) == [(running, account)]

    await client.get_workflow_handle(job_workflow_id(account, running)).terminate("test over")
    await reconcile(client, ledger)
    assert registry.active(account) == 0


async def test_a_terminated_job_holding_credits_gets_them_back_and_stops_counting(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    funded_account: Callable[[int], str],
):
    client, ledger = dev_server_env.client, CreditLedger(sqlite_engine)
    registry = JobRegistry(sqlite_engine)
    account = funded_account(CREDITS)
    job_id = await start_without_worker(client, account)
    registry.started(account, job_id)
    ledger.reserve(job_id=job_id, account_id=account, index=1)
    await client.get_workflow_handle(job_workflow_id(account, job_id)).terminate("operator")

    released = await reconcile(client, ledger)

    assert images_of(released) == [(job_id, 1)]
    assert registry.active(account) == 0
    assert ledger.summary(account) == ledger.recount(account)
    assert ledger.summary(account).available == CREDITS
