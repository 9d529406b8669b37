"""Faults inside an image (renderer, image store, database) on the real dev server and worker.

Retry policy (workflows/generate_creatives.py): 5 attempts, 1 s backoff doubling, so each
"for good" case spends about 15 s in backoff; they are kept to two.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy
from temporalio.testing import WorkflowEnvironment

from activities.images import ImageActivities
from domain.jobs import JobStatus
from infra.ledger import CreditLedger
from infra.storage import LocalImageStore
from rendering import render_png
from tests.faults.harness import assert_books_balance, job_service
from tests.support.faults import FlakyLedger, FlakyRenderer, OutageStore

CREDITS = 5


async def test_a_render_that_fails_once_is_retried_and_charged_once(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    render = FlakyRenderer(render_png, fail_on={(1, 1)})
    activities = ImageActivities(CreditLedger(sqlite_engine), image_store, render)
    async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
        job_id = await jobs.submit(account, count=2)
        view = await jobs.outcome(account, job_id)

    assert view.status is JobStatus.COMPLETED
    assert [image.index for image in view.produced] == [1, 2]
    assert all(image_store.exists(image.storage_key) for image in view.produced)
    assert render.calls == {1: 2, 2: 1}
    assert jobs.charged(job_id) == 2
    summary = jobs.ledger.summary(account)
    assert (summary.available, summary.consumed) == (CREDITS - 2, 2)
    assert_books_balance(summary)


async def test_an_image_that_never_renders_makes_the_job_partial_and_returns_its_credit(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    render = FlakyRenderer(render_png, always_fail={2})
    activities = ImageActivities(CreditLedger(sqlite_engine), image_store, render)
    async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
        job_id = await jobs.submit(account, count=3)
        view = await jobs.outcome(account, job_id)

    assert view.status is JobStatus.PARTIAL
    assert [image.index for image in view.produced] == [1, 3]
    assert [(failure.index, failure.code) for failure in view.failures] == [(2, "image_failed")]
    assert render.calls[2] == 5, "retried up to the policy's 5 attempts, no more"
    assert jobs.charged(job_id) == len(view.produced) == 2
    summary = jobs.ledger.summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS - 2, 0, 2)
    assert_books_balance(summary)


async def test_a_storage_outage_that_ends_is_ridden_out_by_retries(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    store = OutageStore(image_store, failing_puts=3)
    activities = ImageActivities(CreditLedger(sqlite_engine), store, render_png)
    async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
        job_id = await jobs.submit(account, count=2)
        view = await jobs.outcome(account, job_id)

    assert view.status is JobStatus.COMPLETED
    assert all(image_store.exists(image.storage_key) for image in view.produced)
    assert store.put_attempts == 2 + 3, "each failed write was retried"
    assert jobs.charged(job_id) == 2
    summary = jobs.ledger.summary(account)
    assert (summary.available, summary.consumed) == (CREDITS - 2, 2)
    assert_books_balance(summary)


async def test_storage_down_for_good_fails_the_job_and_returns_every_credit(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
):
    account = funded_account(CREDITS)
    store = OutageStore(image_store, failing_puts=None)
    activities = ImageActivities(CreditLedger(sqlite_engine), store, render_png)
    async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
        job_id = await jobs.submit(account, count=2)
        view = await jobs.outcome(account, job_id)

    assert view.status is JobStatus.FAILED
    assert view.produced == []
    assert {failure.code for failure in view.failures} == {"image_failed"}
    assert store.put_attempts == 2 * 5
    assert jobs.charged(job_id) == 0
    summary = jobs.ledger.summary(account)
    assert (summary.available, summary.held, summary.consumed) == (CREDITS, 0, 0)
    assert_books_balance(summary)


@pytest.mark.parametrize(
    "after_commit", [False, True], ids=["before_the_write", "after_the_commit"]
)
async def test_a_database_blip_during_reservation_is_retried_and_charged_once(
    dev_server_env: WorkflowEnvironment,
    sqlite_engine: sqlalchemy.Engine,
    image_store: LocalImageStore,
    funded_account: Callable[[int], str],
    after_commit: bool,
):
    account = funded_account(CREDITS)
    ledger = FlakyLedger(sqlite_engine, failing_reserves=1, after_commit=after_commit)
    activities = ImageActivities(ledger, image_store, render_png)
    async with job_service(dev_server_env.client, sqlite_engine, activities) as jobs:
        job_id = await jobs.submit(account, count=1)
        view = await jobs.outcome(account, job_id)

    assert view.status is JobStatus.COMPLETED
    assert ledger.reserve_attempts == 2
    assert jobs.charged(job_id) == 1
    summary = jobs.ledger.summary(account)
    assert (summary.available, summary.consumed) == (CREDITS - 1, 1)
    assert_books_balance(summary)
