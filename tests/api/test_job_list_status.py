"""The job list's status of running jobs, on a real dev server and a real ledger.

A job's workflow writes JobStatus once, at its end (the start request wrote `queued`): the list
shows a running job as processing once the ledger holds a reservation for it, else queued, and
its `status=` filters agree with what the rows say.
"""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy
from temporalio.testing import WorkflowEnvironment

from api.job_list import JobLister
from api.temporal_orchestrator import TemporalJobOrchestrator
from domain.jobs import GenerateRequest, JobPage, JobStatus, job_workflow_id
from infra.accounts import AccountService
from infra.ledger import CreditLedger


async def listed(lister: JobLister, account_id: str, status: JobStatus | None) -> JobPage:
    """The page once visibility shows both jobs (it trails the starts a little)."""
    async with asyncio.timeout(20):
        while True:
            page = await lister.page(account_id, status, 20, None)
            if status is not None or len(page.jobs) == 2:
                return page
            await asyncio.sleep(0.1)


async def test_a_running_job_is_processing_once_it_holds_a_credit(
    dev_server_env: WorkflowEnvironment, engine: sqlalchemy.Engine
):
    client = dev_server_env.client
    accounts, ledger = AccountService(engine), CreditLedger(engine)
    account = accounts.create_account("list status")
    ledger.grant(account.id, 2)
    # No worker polls this queue: both jobs stay running as the start request left them.
    orchestrator = TemporalJobOrchestrator(client, ledger, f"idle-{uuid.uuid4()}", accounts)
    request = GenerateRequest(claim="Best protein supplements")
    waiting, started = [
        (await orchestrator.submit(account.id, request, idempotency_key=None)).view.job_id
        for _ in range(2)
    ]
    ledger.reserve(job_id=started, account_id=account.id, index=1)  # its image 1 began
    lister = JobLister(client, ledger)
    try:
        whole = await listed(lister, account.id, None)
        queued = await listed(lister, account.id, JobStatus.QUEUED)
        processing = await listed(lister, account.id, JobStatus.PROCESSING)
    finally:
        for job_id in (waiting, started):
            handle = client.get_workflow_handle(job_workflow_id(account.id, job_id))
            await handle.terminate("test over")

    assert {job.job_id: job.status for job in whole.jobs} == {
        waiting: JobStatus.QUEUED,
        started: JobStatus.PROCESSING,
    }
    assert [job.job_id for job in queued.jobs] == [waiting]
    assert [job.job_id for job in processing.jobs] == [started]
