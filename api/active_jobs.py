"""The plans' limit on concurrently running jobs, counted in Temporal's visibility store.

Consistency: the count is a soft throttle, not a hard guarantee. Visibility is updated
asynchronously from workflow state (on a real cluster, typically within a second), and two
submissions racing each other both see the same count, so an account can briefly run a job or
two more than its plan allows, and a job that just finished may still count for a moment.
That is the price of keeping no second copy of "which jobs run": Temporal already knows, and
credits - the real spending limit - are enforced exactly by the ledger.
"""

from __future__ import annotations

from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from domain.errors import TooManyActiveJobs
from domain.plans import DEFAULT_PLAN, PLANS, Plan
from infra.accounts import AccountService

# About how long a small job runs; a client that waits this long usually finds a free slot.
RETRY_AFTER_SECONDS = 10
COUNT_TIMEOUT = timedelta(seconds=5)


def plan_of(plan_name: str) -> Plan:
    """The named plan; an account on a plan that no longer exists gets the default one."""
    return PLANS.get(plan_name, PLANS[DEFAULT_PLAN])


def running_jobs_query(account_id: str) -> str:
    """The visibility query for an account's running jobs (the AccountId search attribute)."""
    quoted = account_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"AccountId='{quoted}' AND ExecutionStatus='Running'"


class ActiveJobLimit:
    """Refuses a new job while the account's plan already has max_active_jobs running."""

    def __init__(
        self, client: Client, accounts: AccountService, timeout: timedelta = COUNT_TIMEOUT
    ) -> None:
        self._client = client
        self._accounts = accounts
        self._timeout = timeout

    async def check(self, account_id: str) -> None:
        """Raise TooManyActiveJobs when the account has no free job slot (Temporal errors pass)."""
        account = await run_in_threadpool(self._accounts.get_account, account_id)
        plan = plan_of(account.plan if account is not None else DEFAULT_PLAN)
        running = await self._client.count_workflows(
            running_jobs_query(account_id), rpc_timeout=self._timeout
        )
        if running.count >= plan.max_active_jobs:
            raise TooManyActiveJobs(
                f"the {plan.name} plan runs at most {plan.max_active_jobs} jobs at once and "
                f"{running.count} are running; retry when one has finished",
                retry_after_seconds=RETRY_AFTER_SECONDS,
            )

    async def started(self, account_id: str, job_id: str) -> None:
        """Told after each job's workflow started (nothing to count here: visibility does)."""
