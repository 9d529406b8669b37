"""The registry behind the plan's limit on active jobs, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy

from infra.accounts import AccountInfo
from infra.job_registry import JobRegistry
from infra.ledger import CreditLedger, JobCanceled, ReservationState
from infra.models import utc_now

Funded = Callable[..., AccountInfo]


def test_a_job_counts_from_its_start_to_its_end(
    engine: sqlalchemy.Engine, funded_account: Funded
) -> None:
    registry = JobRegistry(engine)
    account, other = funded_account().id, funded_account(name="Other").id
    registry.started(account, "job-1")
    registry.started(account, "job-2")
    registry.started(account, "job-1")  # the API retrying its write
    registry.started(other, "job-3")
    assert (registry.active(account), registry.active(other)) == (2, 1)

    registry.ended("job-1")
    registry.ended("job-1")  # the workflow's last step retried, or the sweep after it

    assert (registry.active(account), registry.active(other)) == (1, 1)
    registry.started(account, "job-1")  # a late retry of the start does not reopen it
    assert registry.active(account) == 1


def test_an_end_recorded_before_the_start_wins(
    engine: sqlalchemy.Engine, funded_account: Funded
) -> None:
    registry = JobRegistry(engine)
    account = funded_account().id

    registry.ended("fast-job")  # the job finished before the API wrote that it started
    registry.started(account, "fast-job")

    assert registry.active(account) == 0
    assert registry.open_before(utc_now()) == []


def test_the_sweep_sees_only_open_jobs_started_before_the_cutoff(
    engine: sqlalchemy.Engine, funded_account: Funded
) -> None:
    registry = JobRegistry(engine)
    account = funded_account().id
    for job_id in ("old-open", "old-ended"):
        registry.started(account, job_id)
    registry.ended("old-ended")
    cutoff = utc_now()
    registry.started(account, "new-open")

    assert registry.open_before(cutoff) == [("old-open", account)]


def test_racing_starts_and_ends_leave_nothing_open(
    engine: sqlalchemy.Engine, funded_account: Funded
) -> None:
    registry = JobRegistry(engine)
    account = funded_account().id
    jobs = [f"job-{n}" for n in range(30)]
    calls: list[Callable[[], None]] = []
    for job_id in jobs:
        calls += [lambda job_id=job_id: registry.started(account, job_id)] * 2
        calls += [lambda job_id=job_id: registry.ended(job_id)] * 2
    random.Random(14).shuffle(calls)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda call: call(), calls))

    assert registry.active(account) == 0
    registry.started(account, "job-after")
    assert registry.active(account) == 1


def test_after_a_cancel_no_image_of_the_job_starts_and_started_ones_go_on(
    engine: sqlalchemy.Engine, funded_account: Funded
) -> None:
    registry, ledger = JobRegistry(engine), CreditLedger(engine)
    account = funded_account().id
    registry.started(account, "job")
    registry.started(account, "other-job")
    ledger.reserve(job_id="job", account_id=account, index=1)

    registry.cancel_requested("job")

    with pytest.raises(JobCanceled):
        ledger.reserve(job_id="job", account_id=account, index=2)
    retried = ledger.reserve(job_id="job", account_id=account, index=1)  # a retried attempt
    assert retried.state is ReservationState.HELD
    assert [r.index for r in ledger.job_reservations("job")] == [1]
    assert ledger.summary(account).held == 1  # the refused image took no credit
    ledger.reserve(job_id="other-job", account_id=account, index=1)  # other jobs unaffected
