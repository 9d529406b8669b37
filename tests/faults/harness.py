"""Jobs through the real orchestrator and a real in-process worker whose activities are faulty.

The worker runs the real ImageActivities over whatever (wrapped) ledger, store and renderer the
test hands it, on a task queue of its own; jobs are submitted and read back through
TemporalJobOrchestrator, exactly as the API does.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass

import sqlalchemy
from temporalio.client import Client

from activities.images import ImageActivities
from api.temporal_orchestrator import TemporalJobOrchestrator
from domain.jobs import GenerateRequest, JobView, job_workflow_id
from infra.accounts import AccountService
from infra.ledger import CreditLedger, CreditSummary, ReservationState
from worker.main import build_worker

CLAIM = "Fresh roast, delivered before your alarm"


@dataclass
class JobService:
    """What a user sees: submit jobs, read them; what accounting sees: the ledger."""

    client: Client
    orchestrator: TemporalJobOrchestrator
    ledger: CreditLedger
    task_queue: str

    async def submit(self, account_id: str, count: int = 1, key: str | None = None) -> str:
        """Start a job; returns its id. Raises what the orchestrator raises (402, 503 ...)."""
        request = GenerateRequest(claim=CLAIM, count=count)
        submission = await self.orchestrator.submit(account_id, request, key or str(uuid.uuid4()))
        return submission.view.job_id

    async def outcome(self, account_id: str, job_id: str) -> JobView:
        """Wait for the job to close, then read it the way a poll does."""
        await self.client.get_workflow_handle(job_workflow_id(account_id, job_id)).result()
        return await self.orchestrator.get(account_id, job_id)

    def charged(self, job_id: str) -> int:
        """Credits this job consumed, according to the ledger."""
        return sum(
            reservation.state is ReservationState.CAPTURED
            for reservation in self.ledger.job_reservations(job_id)
        )


def orchestrator_for(client: Client, engine: sqlalchemy.Engine, task_queue: str):
    return TemporalJobOrchestrator(client, CreditLedger(engine), task_queue, AccountService(engine))


@asynccontextmanager
async def job_service(
    client: Client,
    engine: sqlalchemy.Engine,
    activities: ImageActivities,
    *,
    max_concurrent_activities: int = 8,
) -> AsyncIterator[JobService]:
    """A worker running `activities` on a fresh task queue, and the orchestrator in front."""
    task_queue = f"faults-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_concurrent_activities, thread_name_prefix="image") as executor:
        worker = build_worker(
            client,
            activities,
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=max_concurrent_activities,
        )
        async with worker:
            yield JobService(
                client,
                orchestrator_for(client, engine, task_queue),
                CreditLedger(engine),
                task_queue,
            )


def assert_books_balance(summary: CreditSummary) -> None:
    """Every credit is somewhere, none is stuck on hold, and none was conjured up."""
    assert summary.granted == summary.available + summary.held + summary.consumed, summary
    assert summary.held == 0, f"credits left on hold after every job closed: {summary}"
    assert summary.available >= 0, summary
