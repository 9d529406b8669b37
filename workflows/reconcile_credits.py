"""ReconcileCreditsWorkflow: started by a Temporal Schedule to return credits closed jobs hold."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

RECONCILE_TIMEOUT = timedelta(minutes=5)
# The next scheduled run retries anyway: a few attempts are enough to ride out a blip.
RECONCILE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_attempts=3)


@workflow.defn
class ReconcileCreditsWorkflow:
    """One sweep: returns the number of credits given back."""

    @workflow.run
    async def run(self, older_than_minutes: int) -> int:
        released: int = await workflow.execute_activity(
            "release_credits_of_closed_jobs",
            older_than_minutes,
            result_type=int,
            start_to_close_timeout=RECONCILE_TIMEOUT,
            retry_policy=RECONCILE_RETRY,
            summary=f"return credits held over {older_than_minutes} min by closed jobs",
        )
        return released
