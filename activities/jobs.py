"""The job's last activity: mark it ended, and say whether its event has anyone to go to."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from temporalio import activity

from domain.contract import FINISH_JOB, JobEnd, JobEnded


class JobActivities:
    """`mark_ended(job_id)` records the end in the job registry (idempotent: a retried or reset
    job ends twice); `has_endpoints(account_id)` tells whether the account has any webhook
    endpoint."""

    def __init__(
        self, mark_ended: Callable[[str], None], has_endpoints: Callable[[str], bool]
    ) -> None:
        self._mark_ended = mark_ended
        self._has_endpoints = has_endpoints

    @activity.defn(name=FINISH_JOB)
    async def finish_job(self, end: JobEnd) -> JobEnded:
        """Mark the job ended; report whether its account has a webhook endpoint."""
        await asyncio.to_thread(self._mark_ended, end.job_id)
        has_endpoints = await asyncio.to_thread(self._has_endpoints, end.account_id)
        return JobEnded(has_webhook_endpoints=has_endpoints)
