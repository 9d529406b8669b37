"""Which jobs are active: written when the API starts a job and when the job ends.

The plan's limit on active jobs counts the open rows of one account through a partial index, so
the count costs the same with a million finished jobs as with none. Three writers keep it:

- the API, after Temporal accepted the job's workflow: `started`;
- the workflow's last step (`finish_job`): `ended`;
- the credit sweep, for workflows that closed without their last step (terminated, timed out):
  `ended` for every open row whose workflow it finds closed or gone.

Every write is idempotent. A fast job can end before the API records its start: `ended` then
leaves a row already closed, which the late `started` does not reopen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from infra.db import read_only
from infra.models import JobRecord, as_utc, utc_now


class JobRegistry:
    """Records the start and end of each job; counts an account's active ones."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader = read_only(engine)

    def _insert(self) -> Any:
        is_postgres = self._engine.dialect.name == "postgresql"
        return (postgresql_insert if is_postgres else sqlite_insert)(JobRecord)

    def started(self, account_id: str, job_id: str) -> None:
        """Count `job_id` as active for `account_id` until it ends; repeating it changes nothing."""
        insert = self._insert().values(job_id=job_id, account_id=account_id, started_at=utc_now())
        # A row already there was either this very start, or the job's end recorded first:
        # keep it as it is (closed stays closed), only naming its account.
        statement = insert.on_conflict_do_update(
            index_elements=[col(JobRecord.job_id)],
            set_={"account_id": insert.excluded.account_id},
            where=col(JobRecord.account_id).is_(None),
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def ended(self, job_id: str) -> None:
        """Stop counting `job_id`; a repeated call keeps the first end, an unknown job is remembered
        as ended so that its start, if it arrives late, does not count it again."""
        now = utc_now()
        # One statement, so a start racing this end either closes here or finds the closed row.
        insert = self._insert().values(job_id=job_id, account_id=None, started_at=now, ended_at=now)
        statement = insert.on_conflict_do_update(
            index_elements=[col(JobRecord.job_id)],
            set_={"ended_at": now},
            where=col(JobRecord.ended_at).is_(None),
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def cancel_requested(self, job_id: str) -> None:
        """From now on no image of `job_id` reserves a credit: the ledger refuses to start it.

        The workflow hears of a cancel only between its workflow tasks, and images running as
        local activities keep one task open for as long as they run; this takes effect at once.
        """
        statement = (
            sqlalchemy.update(JobRecord)
            .where(col(JobRecord.job_id) == job_id)
            .where(col(JobRecord.canceled_at).is_(None))
            .values(canceled_at=utc_now())
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def is_running(self, account_id: str, job_id: str) -> bool:
        """Whether the account's job has started and not ended (False for anyone else's)."""
        query = (
            sqlalchemy.select(col(JobRecord.job_id))
            .where(col(JobRecord.job_id) == job_id)
            .where(col(JobRecord.account_id) == account_id)
            .where(col(JobRecord.ended_at).is_(None))
        )
        with self._reader.connect() as connection:
            return connection.execute(query).first() is not None

    def active(self, account_id: str) -> int:
        """How many of the account's jobs have started and not ended."""
        query = (
            sqlalchemy.select(func.count())
            .select_from(JobRecord)
            .where(col(JobRecord.account_id) == account_id)
            .where(col(JobRecord.ended_at).is_(None))
        )
        with self._reader.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def open_before(self, cutoff: datetime) -> list[tuple[str, str]]:
        """(job id, account id) of jobs started before `cutoff` and not ended, oldest first
        (for the sweep: the account names the job's workflow)."""
        query = (
            sqlalchemy.select(col(JobRecord.job_id), col(JobRecord.account_id))
            .where(col(JobRecord.ended_at).is_(None))
            .where(col(JobRecord.started_at) < as_utc(cutoff))
            .order_by(col(JobRecord.started_at), col(JobRecord.job_id))
        )
        with self._reader.connect() as connection:
            return [(job_id, account_id or "") for job_id, account_id in connection.execute(query)]
