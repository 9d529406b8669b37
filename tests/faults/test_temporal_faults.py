"""Faults around Temporal and the API process: unreachable at submit, restarted mid-job."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from api.app import create_app
from api.temporal_orchestrator import job_id_for
from domain.errors import ServiceUnavailable
from domain.jobs import GenerateRequest, JobStatus, job_workflow_id
from infra.accounts import AccountService
from infra.ledger import CreditLedger
from infra.settings import Settings
from infra.storage import LocalImageStore
from infra.temporal import DATA_CONVERTER
from rendering import render_png
from tests.faults.conftest import SIGNING_SECRET
from tests.faults.harness import CLAIM, assert_books_balance, job_service, orchestrator_for
from tests.faults.temporal_server import PersistentTemporalServer
from tests.support.faults import GatedRenderer
from tests.support.stack import free_port

CREDITS = 5
RENDERS_START_TIMEOUT = 60.0


async def renders_started(render: GatedRenderer, renders: int) -> None:
    started = await asyncio.to_thread(render.wait_until_started, renders, RENDERS_START_TIMEOUT)
    assert started, f"only {render.started} of {renders} images started"


async def test_a_submit_while_temporal_is_unreachable_is_refused_and_charges_nothing(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    nobody_listens = await Client.connect(
        f"127.0.0.1:{free_port()}", data_converter=DATA_CONVERTER, lazy=True
    )
    down = orchestrator_for(nobody_listens, sqlite_engine, "never-polled")
    ledger = CreditLedger(sqlite_engine)

    with pytest.raises(ServiceUnavailable):
        await down.submit(account, GenerateRequest(claim=CLAIM, count=2), "retry-me")

    summary = ledger.summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS, 0, 0)
    assert ledger.job_reservations(job_id_for(account, "retry-me")) == []

    activities = ImageActivities(ledger, image_store, render_png)
    async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
        job_id = await jobs.submit(account, count=2, key="retry-me")
        view = await jobs.outcome(account, job_id)

    assert job_id == job_id_for(account, "retry-me"), "the refused request did not use up the key"
    assert view.status is JobStatus.COMPLETED
    assert jobs.charged(job_id) == 2
    assert_books_balance(ledger.summary(account))


async def test_a_temporal_server_killed_and_restarted_mid_job_finishes_it_charging_once(
    tmp_path: Path,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    gate = threading.Event()
    render = GatedRenderer(render_png, gate)
    activities = ImageActivities(CreditLedger(sqlite_engine), image_store, render)
    async with PersistentTemporalServer(tmp_path / "temporal") as server:
        client = await server.connect()
        try:
            async with job_service(client, sqlite_engine, activities) as jobs:
                job_id = await jobs.submit(account, count=2)
                await renders_started(render, 2)
                server.kill()
                await server.start()
                handle = client.get_workflow_handle(job_workflow_id(account, job_id))
                survived = await handle.describe()
                gate.set()
                view = await jobs.outcome(account, job_id)
        finally:
            gate.set()

    assert survived.status == WorkflowExecutionStatus.RUNNING
    assert view.status is JobStatus.COMPLETED
    assert all(image_store.exists(image.storage_key) for image in view.produced)
    assert jobs.charged(job_id) == 2
    summary = jobs.ledger.summary(account)
    assert (summary.available, summary.consumed) == (CREDITS - 2, 2)
    assert_books_balance(summary)


@asynccontextmanager
async def api_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """One life of the API: its own lifespan, Temporal client and orchestrator."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
            yield http


async def test_an_api_restarted_mid_job_loses_nothing_and_the_retried_post_is_not_charged(
    dev_server_env: WorkflowEnvironment,
    tmp_path: Path,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    _, api_key = AccountService(sqlite_engine).create_key(account)
    headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": "order-42"}
    body = {"claim": CLAIM, "count": 2}
    gate = threading.Event()
    render = GatedRenderer(render_png, gate)
    activities = ImageActivities(CreditLedger(sqlite_engine), image_store, render)
    try:
        async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
            settings = Settings(
                data_dir=tmp_path,
                database_url=str(sqlite_engine.url),
                storage_dir=image_store.root,
                url_signing_secret=SIGNING_SECRET.decode(),
                temporal_address=dev_server_env.client.service_client.config.target_host,
                temporal_task_queue=jobs.task_queue,
            )
            async with api_process(settings) as http:
                accepted = await http.post("/api/v1/generate", json=body, headers=headers)
            await renders_started(render, 2)

            async with api_process(settings) as http:
                while_running = await http.get(
                    f"/api/v1/jobs/{accepted.json()['jobId']}", headers=headers
                )
                retried = await http.post("/api/v1/generate", json=body, headers=headers)
                gate.set()
                await jobs.outcome(account, accepted.json()["jobId"])
                finished = await http.get(
                    f"/api/v1/jobs/{accepted.json()['jobId']}", headers=headers
                )
    finally:
        gate.set()

    assert accepted.status_code == 202, accepted.text
    assert while_running.json()["status"] == "processing"
    assert retried.status_code == 202, retried.text
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json()["jobId"] == accepted.json()["jobId"]
    job = finished.json()
    assert (job["status"], job["creditsConsumed"], len(job["result"]["images"])) == (
        "completed",
        2,
        2,
    )
    summary = CreditLedger(sqlite_engine).summary(account)
    assert (summary.available, summary.consumed) == (CREDITS - 2, 2)
    assert_books_balance(summary)
