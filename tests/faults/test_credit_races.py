"""Twenty one-image jobs race for ten credits through the real orchestrator, worker and ledger.

The API's 402 check reads the balance at submit, before any image reserves, so most submits
pass it and the losers of the race fail at reserve with insufficient_credits instead. Either
way the totals must hold, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio

import sqlalchemy
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from domain.errors import InsufficientCredits
from domain.jobs import JobStatus
from infra.ledger import CreditLedger, CreditSummary
from infra.storage import LocalImageStore
from rendering import render_png
from tests.faults.conftest import funder
from tests.faults.harness import assert_books_balance, job_service

JOBS = 20
CREDITS = 10


async def watch_balance(
    ledger: CreditLedger, account: str, done: asyncio.Event
) -> list[CreditSummary]:
    """Read the balance over and over while the jobs run: every snapshot must add up."""
    snapshots = [ledger.summary(account)]
    while not done.is_set():
        snapshots.append(await asyncio.to_thread(ledger.summary, account))
    return snapshots


async def test_twenty_jobs_racing_for_ten_credits_never_overspend(
    dev_server_env: WorkflowEnvironment,
    engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
):
    account = funder(engine)(CREDITS)
    ledger = CreditLedger(engine)
    activities = ImageActivities(ledger, image_store, render_png)
    done = asyncio.Event()
    async with job_service(
        dev_server_env.client, engine, activities, max_concurrent_activities=CREDITS
    ) as jobs:
        watcher = asyncio.create_task(watch_balance(ledger, account, done))
        submitted = await asyncio.gather(
            *(jobs.submit(account, count=1) for _ in range(JOBS)), return_exceptions=True
        )
        job_ids = [outcome for outcome in submitted if isinstance(outcome, str)]
        views = await asyncio.gather(*(jobs.outcome(account, job_id) for job_id in job_ids))
        done.set()
        snapshots = await watcher

    refused = [outcome for outcome in submitted if not isinstance(outcome, str)]
    assert all(isinstance(error, InsufficientCredits) for error in refused), refused
    assert all(view.status.is_terminal for view in views)
    for job_id, view in zip(job_ids, views, strict=True):
        assert jobs.charged(job_id) == len(view.produced), view
        if view.status is JobStatus.FAILED:
            assert [failure.code for failure in view.failures] == ["insufficient_credits"]
    # No image fails for any other reason, so every credit ends up spent, and no more.
    assert sum(len(view.produced) for view in views) == CREDITS
    assert len(snapshots) > 1
    for snapshot in snapshots:
        assert snapshot.available >= 0, snapshot
        assert snapshot.granted == snapshot.available + snapshot.held + snapshot.consumed
    final = ledger.summary(account)
    assert final == ledger.recount(account), "the counters drifted from the reservations"
    assert (final.available, final.consumed) == (0, CREDITS)
    assert_books_balance(final)
