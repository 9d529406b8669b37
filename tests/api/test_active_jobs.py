"""The plan's limit on active jobs, counted in the job registry of a real SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy

from api.active_jobs import RETRY_AFTER_SECONDS, ActiveJobLimit
from domain.errors import TooManyActiveJobs
from infra.accounts import AccountService
from infra.db import create_db_engine, migrate
from infra.job_registry import JobRegistry


def limit_on(engine: sqlalchemy.Engine) -> ActiveJobLimit:
    return ActiveJobLimit(JobRegistry(engine), AccountService(engine))


async def test_a_free_account_gets_a_slot_back_when_a_job_ends(
    engine: sqlalchemy.Engine, accounts: AccountService
):
    account = accounts.create_account("Two Slots", plan="free").id
    limit = limit_on(engine)
    for job_id in ("job-a", "job-b"):
        await limit.check(account)
        await limit.started(account, job_id)

    with pytest.raises(TooManyActiveJobs) as refused:
        await limit.check(account)

    assert str(refused.value) == (
        "the free plan runs at most 2 jobs at once and 2 are running; retry when one has finished"
    )
    assert refused.value.retry_after_seconds == RETRY_AFTER_SECONDS
    JobRegistry(engine).ended("job-a")  # what the workflow's last step does
    await limit.check(account)


async def test_a_registry_that_cannot_be_written_does_not_fail_a_started_job(
    tmp_path: Path,
):
    broken = create_db_engine(f"sqlite:///{tmp_path / 'broken.db'}")
    migrate(broken)
    account = AccountService(broken).create_account("Unlucky").id
    with broken.begin() as connection:
        connection.exec_driver_sql("DROP TABLE job_registry")

    await limit_on(broken).started(account, "job-a")  # logged; the job runs uncounted

    with pytest.raises(sqlalchemy.exc.OperationalError):  # the next POST answers 503
        await limit_on(broken).check(account)
    broken.dispose()
