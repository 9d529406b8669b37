"""Polling a running job: answered from the ledger, never by asking its busy workflow.

Images run as local activities inside one workflow task; a `status` query waits until that task
ends (up to the whole job). What a client notices: while an image is still rendering, GET job
shows the images already stored and charged, with the job's createdAt and metadata, and the API
sent Temporal no query at all; once the job closes, its result is the final word.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy
from temporalio.client import (
    Client,
    Interceptor,
    OutboundInterceptor,
    QueryWorkflowInput,
)
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from api.app import create_app
from api.temporal_orchestrator import TemporalJobOrchestrator
from infra.accounts import AccountService
from infra.ledger import CreditLedger, ReservationState
from infra.settings import Settings
from infra.signing import UrlSigner
from infra.storage import LocalImageStore
from rendering import CreativeSpec, render_png
from worker.main import build_job_activities, build_worker

BODY = {"claim": "Best protein supplements", "count": 2, "metadata": {"campaign": "spring"}}


class CountQueries(Interceptor):
    """Records the name of every query the API's client sends."""

    def __init__(self, sent: list[str]) -> None:
        self.sent = sent

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Counting(next, self.sent)


class _Counting(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, sent: list[str]) -> None:
        super().__init__(next)
        self._sent = sent

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        self._sent.append(input.query)
        return await super().query_workflow(input)


@dataclass
class Stack:
    http: httpx.AsyncClient
    ledger: CreditLedger
    headers: dict[str, str]
    queries: list[str]
    second_image_may_finish: threading.Event


@pytest.fixture
async def stack(
    dev_server_env: WorkflowEnvironment, db: sqlalchemy.Engine, tmp_path: Path
) -> AsyncIterator[Stack]:
    """The API counting its queries, and a worker whose second image renders when told to."""
    queries: list[str] = []
    config = dev_server_env.client.config()
    config["interceptors"] = [CountQueries(queries)]
    api_client = Client(**config)
    finish = threading.Event()

    def render(spec: CreativeSpec) -> bytes:
        if spec.variant_seed.endswith(":2"):
            finish.wait(30)
        return render_png(spec)

    accounts, ledger = AccountService(db), CreditLedger(db)
    account = accounts.create_account("running", plan="business")
    ledger.grant(account.id, 10)
    _, key = accounts.create_key(account.id)
    store = LocalImageStore(tmp_path / "images", UrlSigner(b"secret", 3600))
    task_queue = f"running-{uuid.uuid4()}"
    orchestrator = TemporalJobOrchestrator(api_client, ledger, task_queue, accounts)
    settings = Settings(data_dir=tmp_path, url_signing_secret="secret")
    app = create_app(settings, orchestrator=orchestrator, engine=db, store=store)
    with ThreadPoolExecutor(4) as executor:
        worker = build_worker(
            dev_server_env.client,
            ImageActivities(ledger, store, render),
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=4,
            jobs=build_job_activities(db),
        )
        try:
            async with worker, app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    headers = {"Authorization": f"Bearer {key}"}
                    yield Stack(http, ledger, headers, queries, finish)
        finally:
            finish.set()  # never leave a render thread waiting


async def _until_first_image_is_charged(ledger: CreditLedger, job_id: str) -> None:
    async with asyncio.timeout(30):
        while True:
            states = {reservation.state for reservation in ledger.job_reservations(job_id)}
            if ReservationState.CAPTURED in states:
                return
            await asyncio.sleep(0.02)


async def test_a_running_job_shows_its_charged_images_without_a_query(stack: Stack):
    accepted = await stack.http.post("/api/v1/generate", headers=stack.headers, json=BODY)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["jobId"]
    await _until_first_image_is_charged(stack.ledger, job_id)

    running = (await stack.http.get(f"/api/v1/jobs/{job_id}", headers=stack.headers)).json()

    assert running["status"] == "processing", running
    assert running["result"]["produced"] == 1
    assert running["result"]["progress"] == {"done": 1, "total": 2}
    assert len(running["result"]["images"]) == 1 and "image_1.png" in running["result"]["images"][0]
    assert running["metadata"] == {"campaign": "spring"} and running["createdAt"]
    assert stack.queries == []  # the workflow, busy rendering image 2, was never asked

    stack.second_image_may_finish.set()
    done = await stack.http.get(f"/api/v1/jobs/{job_id}?wait=30", headers=stack.headers)
    again = await stack.http.get(f"/api/v1/jobs/{job_id}", headers=stack.headers)

    assert done.json()["status"] == "completed", done.text
    assert len(done.json()["result"]["images"]) == 2
    assert again.json()["status"] == "completed"
    assert again.json()["createdAt"] == running["createdAt"]
    assert stack.queries == []  # closed: its result, then the cache
