"""The reconcile schedule: a worker keeps it as configured, and each run returns stuck credits.

Real dev server, real worker (image activities faked, reconciliation real), real SQLite ledger.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta

import sqlalchemy
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.reconcile import CreditReconciliation
from domain.jobs import ImageSpec, JobInput, job_workflow_id
from infra.ledger import CreditLedger
from tests.workflows.fakes import FakeImageActivities
from worker.main import build_worker
from worker.schedules import RECONCILE_SCHEDULE_ID, ensure_reconcile_schedule
from workflows.generate_creatives import GenerateCreativesWorkflow

CREDITS = 3
HOURLY, DAILY = timedelta(hours=1), timedelta(days=1)
RUN_TIMEOUT_SECONDS = 30.0


@asynccontextmanager
async def reconciling_worker(client: Client, ledger: CreditLedger) -> AsyncIterator[str]:
    """A real worker with the real reconciliation on a fresh task queue; yields the queue."""
    task_queue = f"reconcile-{uuid.uuid4()}"
    with ThreadPoolExecutor(2) as executor:
        worker = build_worker(
            client,
            FakeImageActivities(),
            task_queue=task_queue,
            executor=executor,
            max_concurrent_activities=2,
            reconciliation=CreditReconciliation(client, ledger),
        )
        async with worker:
            yield task_queue


async def terminated_job_holding_a_credit(
    client: Client, ledger: CreditLedger, account: str
) -> str:
    """A job terminated by an operator after its image reserved a credit (no worker ran it)."""
    job_id = str(uuid.uuid4())
    job = JobInput(job_id, account, "Claim", "EN", "Shop now", [ImageSpec(1, "F1")], "hash")
    handle = await client.start_workflow(
        GenerateCreativesWorkflow.run,
        job,
        id=job_workflow_id(account, job_id),
        task_queue=f"nobody-polls-{uuid.uuid4()}",
    )
    ledger.reserve(job_id=job_id, account_id=account, index=1)
    await handle.terminate("operator")
    return job_id


async def started_runs(schedule: ScheduleHandle) -> set[str]:
    """The workflow IDs of the schedule's recent runs."""
    return {a.action.workflow_id for a in (await schedule.describe()).info.recent_actions}


async def new_run_result(client: Client, schedule: ScheduleHandle, before: set[str]) -> int:
    """Wait for a run not among `before` (the dev server is shared: an earlier test's run may
    still be listed, on a task queue nobody polls any more) to finish; what it returned."""
    async with asyncio.timeout(RUN_TIMEOUT_SECONDS):
        while True:
            recent = (await schedule.describe()).info.recent_actions
            started = [a.action for a in recent if a.action.workflow_id not in before]
            if started:
                run = client.get_workflow_handle(
                    started[-1].workflow_id,
                    run_id=started[-1].first_execution_run_id,
                    result_type=int,
                )
                return await run.result()
            await asyncio.sleep(0.2)


async def test_a_scheduled_run_returns_the_credit_a_terminated_job_left_held(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    funded_account: Callable[[int], str],
):
    client, ledger = dev_server_env.client, CreditLedger(sqlite_engine)
    account = funded_account(CREDITS)
    job_id = await terminated_job_holding_a_credit(client, ledger, account)
    assert ledger.summary(account).held == 1

    async with reconciling_worker(client, ledger) as task_queue:
        schedule = client.get_schedule_handle(RECONCILE_SCHEDULE_ID)
        # The dev server is shared: a worker of an earlier test may have left the schedule with
        # a run on a queue nobody polls any more, and the schedule skips a trigger while a run
        # is still going. A schedule of our own starts with none.
        with contextlib.suppress(RPCError):
            await schedule.delete()
        await ensure_reconcile_schedule(
            client, task_queue=task_queue, every=DAILY, older_than=timedelta(0)
        )
        try:
            before = await started_runs(schedule)
            await schedule.trigger()
            released = await new_run_result(client, schedule, before)
        finally:
            await schedule.delete()

    assert released == 1
    assert [r.state.value for r in ledger.job_reservations(job_id)] == ["released"]
    summary = ledger.summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS, 0, 0)


async def test_every_worker_may_ensure_the_schedule_and_the_last_settings_win(
    dev_server_env: WorkflowEnvironment,
):
    client = dev_server_env.client
    await ensure_reconcile_schedule(
        client, task_queue="first", every=HOURLY, older_than=timedelta(minutes=10)
    )
    schedule = client.get_schedule_handle(RECONCILE_SCHEDULE_ID)
    try:
        await ensure_reconcile_schedule(
            client, task_queue="second", every=DAILY, older_than=timedelta(minutes=30)
        )
        described = (await schedule.describe()).schedule
    finally:
        await schedule.delete()

    assert [interval.every for interval in described.spec.intervals] == [DAILY]
    action = described.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.task_queue == "second"
    assert await client.data_converter.decode(action.args, [int]) == [30]  # type: ignore[arg-type]
