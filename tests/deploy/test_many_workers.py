"""Production topology: several worker processes on one task queue, PostgreSQL and S3 shared.

Each worker is `python -m cli.main worker` configured only through the environment, as an
operator runs it. Jobs are started with the API's own orchestrator, so they are exactly what
POST /api/v1/generate starts. What users would notice: every job completes, every image is in
the bucket, and every credit is charged exactly once — also when a deploy stops a worker
(SIGTERM) while it is producing images.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import IO

import psycopg
import pytest
import sqlalchemy
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.temporal_orchestrator import TemporalJobOrchestrator
from domain.contract import PRODUCE_IMAGE
from domain.jobs import GenerateRequest, ImageProduced, JobStatus, JobView, job_workflow_id
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.image_stores import build_image_store
from infra.ledger import CreditLedger
from infra.settings import load_settings
from infra.storage import ImageStore
from tests.support.postgres import require_postgres, temporary_database
from tests.support.seaweed import SeaweedS3
from tests.support.stack import log_tail

pytestmark = pytest.mark.postgres

JOBS = 8
IMAGES_PER_JOB = 3
# worker/main.py build_worker: a stopping worker's deadline, as a deploy would allow it.
GRACEFUL_SHUTDOWN_SECONDS = 20
WORKER_SLOTS = 2  # few slots per worker, so a batch cannot fit on one of them
START_TIMEOUT_SECONDS = 60.0
JOB_TIMEOUT_SECONDS = 180.0
READY_LINE = "worker polling task queue"
SHUTDOWN_LINE = "worker shutting down"
# activities/images.py logs this as an image's attempt begins, before it reserves the credit.
IMAGE_STARTED = re.compile(r"producing image (?P<index>\d+) of job (?P<job_id>\S+) ")
# The name the SDK gives the marker that records a local activity's result in a history.
LOCAL_ACTIVITY_MARKER = "core_local_activity"


class WorkerProcess:
    """One `creative-saas worker` subprocess, its output in a log file."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "worker"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our signals reach this worker only
        )

    @property
    def identity(self) -> str:
        """How Temporal names this worker in histories (the SDK's default: pid@host)."""
        return f"{self.popen.pid}@{os.uname().nodename}"

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    async def wait_for_log(self, line: str, timeout: float = START_TIMEOUT_SECONDS) -> None:  # noqa: ASYNC109
        """Wait until the worker has logged `line`; fail with its log if it exits or stalls."""
        deadline = time.monotonic() + timeout
        while line not in self.log_text():
            if not self.running:
                raise AssertionError(
                    f"{self.name} exited with {self.popen.returncode} before logging "
                    f"{line!r}\n{log_tail(self.log_path)}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} never logged {line!r}\n{log_tail(self.log_path)}"
                )
            await asyncio.sleep(0.1)

    def terminate(self) -> None:
        """SIGTERM, as a deploy or `docker stop` sends it."""
        self.popen.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it outlives its graceful shutdown (idempotent)."""
        if self.running:
            self.terminate()
            try:
                self.popen.wait(GRACEFUL_SHUTDOWN_SECONDS + 10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()


@pytest.fixture(scope="module")
def temporal_client(dev_server_env: WorkflowEnvironment) -> Client:
    return dev_server_env.client


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database, migrated before any worker starts."""
    require_postgres()
    with temporary_database() as url:
        engine = create_db_engine(url)
        migrate(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[sqlalchemy.Engine]:
    db_engine = create_db_engine(database_url)
    yield db_engine
    db_engine.dispose()


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with SeaweedS3.running(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


@pytest.fixture
def bucket() -> str:
    return f"images-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(s3_server: SeaweedS3, bucket: str, tmp_path: Path) -> ImageStore:
    """The bucket the workers write to, as the API reads it."""
    return build_image_store(load_settings(data_dir=tmp_path, **s3_server.settings(bucket)))


@pytest.fixture
def task_queue() -> str:
    return f"deploy-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def start_workers(
    dev_server_env: WorkflowEnvironment,
    database_url: str,
    s3_server: SeaweedS3,
    bucket: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Callable[[int], asyncio.Future[list[WorkerProcess]]]]:
    """Factory: start `count` workers on the test's task queue; all are stopped afterwards."""
    started: list[WorkerProcess] = []
    env = {
        key: value
        for key, value in os.environ.items()
        # Settings are read by name from the environment; a developer's own must not leak in.
        if not key.startswith(("TEMPORAL_", "DATABASE_", "CREATIVE_SAAS_", "S3_", "STORAGE_"))
    }
    env.update(
        CREATIVE_SAAS_DATA_DIR=str(tmp_path / "data"),
        DATABASE_URL=database_url,
        TEMPORAL_ADDRESS=str(dev_server_env.client.service_client.config.target_host),
        TEMPORAL_TASK_QUEUE=task_queue,
        WORKER_MAX_CONCURRENT_ACTIVITIES=str(WORKER_SLOTS),
        PYTHONUNBUFFERED="1",
        **s3_server.environment(bucket),  # every worker may create the bucket: races are fine
    )

    async def start(count: int) -> list[WorkerProcess]:
        workers = [
            WorkerProcess(f"worker-{len(started) + n}", env, tmp_path / f"worker-{n}.log")
            for n in range(count)
        ]
        started.extend(workers)
        await asyncio.gather(*(worker.wait_for_log(READY_LINE) for worker in workers))
        return workers

    yield start  # type: ignore[misc]
    for worker in started:
        worker.stop()


def funded_account(engine: sqlalchemy.Engine, credits: int) -> str:
    account = AccountService(engine).create_account("Acme", plan="business")
    CreditLedger(engine).grant(account.id, credits)
    return account.id


async def submit_batch(
    client: Client, engine: sqlalchemy.Engine, task_queue: str, account_id: str
) -> list[str]:
    """JOBS jobs of IMAGES_PER_JOB images, started as POST /api/v1/generate starts them."""
    orchestrator = TemporalJobOrchestrator(
        client, CreditLedger(engine), task_queue, AccountService(engine)
    )
    job_ids = []
    for n in range(JOBS):
        request = GenerateRequest(claim=f"Fresh coffee, batch {n}", count=IMAGES_PER_JOB)
        submission = await orchestrator.submit(account_id, request, f"batch-{n}")
        job_ids.append(submission.view.job_id)
    return job_ids


async def finished_views(
    client: Client, engine: sqlalchemy.Engine, task_queue: str, account_id: str, job_ids: list[str]
) -> list[JobView]:
    """Wait for every job to close, then read each as GET /api/v1/jobs/{id} does."""
    handles = [
        client.get_workflow_handle(job_workflow_id(account_id, job_id)) for job_id in job_ids
    ]
    async with asyncio.timeout(JOB_TIMEOUT_SECONDS):
        await asyncio.gather(*(handle.result() for handle in handles))
    orchestrator = TemporalJobOrchestrator(
        client, CreditLedger(engine), task_queue, AccountService(engine)
    )
    return [await orchestrator.get(account_id, job_id) for job_id in job_ids]


async def completers(
    client: Client, account_id: str, job_ids: list[str]
) -> dict[tuple[str, int], str]:
    """(job id, image index) -> identity of the worker that produced that image.

    An image is a local activity: the worker that ran it records its result as a marker in the
    completion of the workflow task it holds, so the marker follows that worker's
    WorkflowTaskCompleted event (which names it) in the job's history.
    """
    produced_by: dict[tuple[str, int], str] = {}
    for job_id in job_ids:
        history = await client.get_workflow_handle(
            job_workflow_id(account_id, job_id)
        ).fetch_history()
        task_completed_by = ""
        for event in history.events:
            if event.HasField("workflow_task_completed_event_attributes"):
                task_completed_by = event.workflow_task_completed_event_attributes.identity
            if not event.HasField("marker_recorded_event_attributes"):
                continue
            marker = event.marker_recorded_event_attributes
            if marker.marker_name != LOCAL_ACTIVITY_MARKER:
                continue
            (data,) = marker.details["data"].payloads
            if json.loads(data.data)["activity_type"] != PRODUCE_IMAGE:
                continue
            (produced,) = await client.data_converter.decode(
                marker.details["result"].payloads, [ImageProduced]
            )
            produced_by[(job_id, produced.index)] = task_completed_by
    return produced_by


async def image_started_on(worker: WorkerProcess) -> tuple[str, int]:
    """Wait until `worker` logs that it starts an image; its (job id, image index)."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        started = IMAGE_STARTED.search(worker.log_text())
        if started is not None:
            return started["job_id"], int(started["index"])
        if not worker.running:
            break
        await asyncio.sleep(0.1)
    raise AssertionError(f"{worker.name} never started an image\n{log_tail(worker.log_path)}")


@contextlib.contextmanager
def credits_locked(database_url: str, account_id: str) -> Iterator[None]:
    """Hold the account's row lock: images that start now wait to reserve their credit.

    This keeps images in flight for as long as the test needs, without relying on how long
    a render takes. NO KEY UPDATE blocks the reservation's debit of the account row, but not
    the rows that only refer to the account (a job's registry entry, its reservations), so jobs
    can still be submitted meanwhile.
    """
    with psycopg.connect(database_url) as connection:
        connection.execute("SELECT id FROM accounts WHERE id = %s FOR NO KEY UPDATE", (account_id,))
        yield
        connection.rollback()


def assert_charged_once(
    engine: sqlalchemy.Engine, account_id: str, views: list[JobView], store: ImageStore
) -> None:
    assert [view.status for view in views] == [JobStatus.COMPLETED] * JOBS
    produced = [image for view in views for image in view.produced]
    assert len(produced) == JOBS * IMAGES_PER_JOB
    assert all(store.exists(image.storage_key) for image in produced)
    credits = CreditLedger(engine).summary(account_id)
    assert (credits.consumed, credits.held, credits.available) == (len(produced), 0, 0)


async def test_workers_share_a_batch_and_charge_every_credit_once(
    start_workers: Callable[[int], asyncio.Future[list[WorkerProcess]]],
    temporal_client: Client,
    engine: sqlalchemy.Engine,
    store: ImageStore,
    task_queue: str,
):
    workers = await start_workers(2)
    account_id = funded_account(engine, JOBS * IMAGES_PER_JOB)

    job_ids = await submit_batch(temporal_client, engine, task_queue, account_id)
    views = await finished_views(temporal_client, engine, task_queue, account_id, job_ids)

    assert_charged_once(engine, account_id, views, store)
    produced_by = await completers(temporal_client, account_id, job_ids)
    assert len(produced_by) == JOBS * IMAGES_PER_JOB
    assert set(produced_by.values()) == {worker.identity for worker in workers}  # both took part


async def test_a_worker_stopped_mid_batch_finishes_its_images_and_exits_cleanly(
    start_workers: Callable[[int], asyncio.Future[list[WorkerProcess]]],
    temporal_client: Client,
    engine: sqlalchemy.Engine,
    database_url: str,
    store: ImageStore,
    task_queue: str,
):
    stopping, staying = await start_workers(2)
    account_id = funded_account(engine, JOBS * IMAGES_PER_JOB)

    with credits_locked(database_url, account_id):
        job_ids = await submit_batch(temporal_client, engine, task_queue, account_id)
        in_flight = await image_started_on(stopping)
        stopping.terminate()
        signalled_at = time.monotonic()
        await stopping.wait_for_log(SHUTDOWN_LINE)
        assert stopping.running  # its image cannot finish yet, so neither can the worker
    exit_code = await asyncio.to_thread(stopping.popen.wait, GRACEFUL_SHUTDOWN_SECONDS + 10)
    stopped_after = time.monotonic() - signalled_at
    views = await finished_views(temporal_client, engine, task_queue, account_id, job_ids)

    assert exit_code == 0, log_tail(stopping.log_path)
    assert stopped_after < GRACEFUL_SHUTDOWN_SECONDS
    produced_by = await completers(temporal_client, account_id, job_ids)
    # Finished by the worker that was producing it, not abandoned and produced again elsewhere.
    # (A local activity's job stays with its worker: a stopping worker also produces the images
    # its jobs start after the SIGTERM, within the same graceful shutdown.)
    assert produced_by[in_flight] == stopping.identity
    job_id, index = in_flight
    assert f"producing image {index} of job {job_id} " not in staying.log_text()
    assert staying.identity in produced_by.values()
    assert_charged_once(engine, account_id, views, store)
